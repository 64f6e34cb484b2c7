// The addon keeps the packed hidden weights of calls without gradients (native/cpu/panel_cache.h),
// named by each weight's storage and version. A kept copy must never answer for changed or other
// weights: every inference here is compared, bit for bit, with the same call recording gradients
// (which always packs afresh), after new modules, in-place loads and optimizer steps.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { native } from '../ts/native';
import { Tensor } from '../ts/tensor';
import { floats } from './helpers';

const same = (a: Tensor, b: Tensor) => expect(floats(a)).toEqual(floats(b));
const differ = (a: Tensor, b: Tensor) => expect(floats(a)).not.toEqual(floats(b));

// output of a call without gradients (cached panels), and of the same call recording them (fresh panels)
function bothWays(rnn: g.nn.LSTM | g.nn.GRU, x: Tensor): [Tensor, Tensor] {
  const cached = g.noGrad(() => rnn.forward(x).output);
  const fresh = rnn.forward(x).output.detach();
  return [cached, fresh];
}

describe.each([
  ['batch 1 (members split the units)', 1],
  ['batch 32 (members split the sequences)', 32],
])('panel cache, %s', (_, batch) => {
  it.each([['lstm'], ['gru']])('%s: new modules, in-place loads and optimizer steps never see stale panels', (cell) => {
    g.manualSeed(7);
    const x = g.randn([batch, 6, 16]);
    let previous: Tensor | null = null;
    for (let round = 0; round < 6; round++) {
      const Ctor = cell === 'lstm' ? g.nn.LSTM : g.nn.GRU;
      const rnn = new Ctor({ inputSize: 16, hiddenSize: 48, numLayers: 2, batchFirst: true });
      const [cached, fresh] = bothWays(rnn, x);
      same(cached, fresh);
      if (previous) differ(cached, previous);
      // In place: new values for every weight (the same storages, a new version) ...
      const state = rnn.stateDict();
      rnn.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, t]) => [k, g.randn(t.shape)])));
      const [afterLoad, afterLoadFresh] = bothWays(rnn, x);
      same(afterLoad, afterLoadFresh);
      differ(afterLoad, cached);
      // ... and an optimizer step.
      const optimizer = new g.optim.SGD(rnn.parameters(), { lr: 0.5 });
      rnn.forward(x).output.sum().backward();
      optimizer.step();
      const [afterStep, afterStepFresh] = bothWays(rnn, x);
      same(afterStep, afterStepFresh);
      differ(afterStep, afterLoad);
      previous = afterStep;
      for (const p of rnn.parameters()) p.dispose();
    }
  });
});

describe('panel cache across threads', () => {
  it("names each thread's weights apart: a worker's realm is not this thread's", async () => {
    const script = `
      const { parentPort } = require('node:worker_threads');
      parentPort.postMessage(require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'native.js'))}).native.realm);`;
    const realm = await new Promise((resolve, reject) => {
      const worker = new Worker(script, { eval: true });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(typeof realm).toBe('number');
    expect(realm).not.toBe(native.realm);
  });
});
