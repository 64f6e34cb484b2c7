#!/usr/bin/env node
// Writes test/fixtures/interop/gated_lstm.safetensors: the state dict of a seeded gated LSTM, which
// scripts/make_interop_fixtures.py then loads into PyTorch. Run `npm run build:ts` first (it uses dist/).
'use strict';
const path = require('node:path');
const g = require('../dist/index.js');

/** The module the test rebuilds: keep this in step with test/io.test.ts. */
function gatedLstm() {
  g.manualSeed(123);
  return new g.nn.LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 1, bidirectional: true });
}

const file = path.resolve(__dirname, '..', 'test', 'fixtures', 'interop', 'gated_lstm.safetensors');
g.save(gatedLstm().stateDict(), file, { metadata: { format: 'pt' } }).then(() => console.log(`wrote ${file}`));
