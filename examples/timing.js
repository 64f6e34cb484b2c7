// Every recurrent module of gated, forward and backward, on real shapes, timed.
// Run with `npm run timing` (after `npm install`). Prints a table of median times and GFLOP/s.
'use strict';
const g = require('..');

const REPEATS = Number(process.env.DEMO_REPEATS ?? 5);
// DEMO_QUICK=1 runs tiny shapes once: the test suite uses it to keep the demo working.
const QUICK = process.env.DEMO_QUICK === '1';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeMs(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Multiply-adds of the forward pass: input and recurrent projections of every layer and direction. */
function forwardFlops(gates, { batch, seq, input, hidden, layers, bidirectional }) {
  const dirs = bidirectional ? 2 : 1;
  let flops = 0;
  for (let layer = 0; layer < layers; layer++) {
    const inSize = layer === 0 ? input : hidden * dirs;
    flops += dirs * 2 * seq * batch * gates * hidden * (inSize + hidden);
  }
  return flops;
}

const modules = [
  { name: 'LSTM', gates: 4, make: (o) => new g.nn.LSTM(o) },
  { name: 'GRU', gates: 3, make: (o) => new g.nn.GRU(o) },
  { name: 'GRU (reset-before)', gates: 3, make: (o) => new g.nn.GRU({ ...o, resetAfter: false }) },
  { name: 'RNN (tanh)', gates: 1, make: (o) => new g.nn.RNN(o) },
];

const fullShapes = [
  { batch: 1, seq: 128, input: 64, hidden: 256, layers: 1, bidirectional: false },
  { batch: 32, seq: 50, input: 64, hidden: 256, layers: 1, bidirectional: false },
  { batch: 32, seq: 100, input: 100, hidden: 128, layers: 2, bidirectional: true },
];
const shapes = QUICK ? [{ batch: 3, seq: 5, input: 4, hidden: 8, layers: 2, bidirectional: true }] : fullShapes;

console.log(`gated timing: forward and backward of each module (float32, CPU, median of ${REPEATS})`);
console.log(`CUDA: ${g.cuda.info().reason}\n`);
const rows = [];
g.manualSeed(0);
for (const shape of shapes) {
  for (const { name, gates, make } of modules) {
    const model = make({
      inputSize: shape.input,
      hiddenSize: shape.hidden,
      numLayers: shape.layers,
      bidirectional: shape.bidirectional,
      batchFirst: true,
    });
    const x = g.randn([shape.batch, shape.seq, shape.input], { requiresGrad: true });
    // Variable lengths: every sequence of the batch ends somewhere in its second half.
    const lengths = Array.from({ length: shape.batch }, (_, b) => shape.seq - ((b * 7) % Math.ceil(shape.seq / 2)));
    const forward = [], backward = [];
    for (let r = 0; r < REPEATS + 1; r++) {
      let out;
      const f = timeMs(() => (out = model.forward(x, { lengths })));
      const gradOutput = g.ones(out.output.shape);
      const b = timeMs(() => out.output.backward(gradOutput));
      if (r > 0) {
        forward.push(f);
        backward.push(b);
      }
    }
    const gradNorm = Math.sqrt(model.parameter('weight_hh_l0').grad.dataSync().reduce((s, v) => s + v * v, 0));
    if (!(gradNorm > 0)) throw new Error(`${name}: no gradient reached weight_hh_l0`);
    const flops = forwardFlops(gates, shape);
    const fwd = median(forward), bwd = median(backward);
    rows.push({
      module: name,
      'shape (B×T×I→H, layers)': `${shape.batch}×${shape.seq}×${shape.input}→${shape.hidden}, ${shape.layers}L${shape.bidirectional ? ' bi' : ''}`,
      'forward ms': fwd.toFixed(2),
      'backward ms': bwd.toFixed(2),
      'fwd GFLOP/s': (flops / fwd / 1e6).toFixed(1),
      'bwd GFLOP/s': ((2 * flops) / bwd / 1e6).toFixed(1),
    });
  }
}
console.table(rows);
console.log('GFLOP/s counts the multiply-adds of the input and recurrent products (backward: twice the forward).');
