// Padded batches: a batch whose sequences end at different lengths (`lengths`) against the same
// batch run to its full length, side by side in one process, alternating. The products skip the
// rows past each sequence's end (the recurrent ones step by step; the input projections and the
// weight and input gradients gather the token rows), so their cost follows the tokens, not the
// padding.
//   node bench/padding.js [rounds]
// Prints, per case, the median ms of each and their ratio, with the share of the batch that is
// tokens (sum of lengths / (batch x seq)).
'use strict';
const g = require('..');
const { median } = require('./common');

const ROUNDS = Number(process.argv[2] ?? 15);

function timeMs(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Lengths 1..seq from a fixed generator, in batch order (unsorted), or sorted longest first. */
function lengthsOf(batch, seq, order) {
  let state = 12345;
  const lengths = Array.from({ length: batch }, () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return 1 + Math.floor((state / 2 ** 32) * seq);
  });
  return order === 'sorted' ? lengths.sort((a, b) => b - a) : lengths;
}

const shape = { batch: 64, seq: 128, input: 64, hidden: 256 };
const cases = [];
for (const cell of ['LSTM', 'GRU', 'BiLSTM, 2 layers']) {
  for (const kind of ['inference', 'training']) {
    for (const order of cell.startsWith('Bi') ? ['unsorted'] : ['unsorted', 'sorted']) cases.push({ cell, kind, order });
  }
}

console.log(`padded batches: B ${shape.batch}, T ${shape.seq}, I ${shape.input}, H ${shape.hidden}, float32, ${g.getNumThreads()} threads, median of ${ROUNDS} rounds`);
console.log('\n| cell | pass | lengths | tokens / (B x T) | full ms | with lengths ms | full / with lengths |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
g.manualSeed(0);
for (const { cell, kind, order } of cases) {
  const stacked = cell.startsWith('Bi');
  const options = { inputSize: shape.input, hiddenSize: shape.hidden, batchFirst: true, ...(stacked ? { numLayers: 2, bidirectional: true } : {}) };
  const model = cell === 'GRU' ? new g.nn.GRU(options) : new g.nn.LSTM(options);
  const x = g.randn([shape.batch, shape.seq, shape.input]);
  const lengths = lengthsOf(shape.batch, shape.seq, order);
  const grad = g.randn([shape.batch, shape.seq, (stacked ? 2 : 1) * shape.hidden]);
  const run = (withLengths) =>
    g.tidy(() => {
      const state = withLengths ? { lengths } : {};
      if (kind === 'inference') return void g.noGrad(() => model.forward(x, state));
      g.autograd.backward([model.forward(x, state).output], [grad]);
      model.parameters().forEach((p) => {
        p.grad?.dispose();
        p.grad = null;
      });
    });
  run(false);
  run(true);
  const full = [], padded = [];
  for (let r = 0; r < ROUNDS; r++) {
    full.push(timeMs(() => run(false)));
    padded.push(timeMs(() => run(true)));
  }
  const tokens = lengths.reduce((sum, n) => sum + n, 0) / (shape.batch * shape.seq);
  const [a, b] = [median(full), median(padded)];
  console.log(`| ${cell} | ${kind} | ${order} | ${(100 * tokens).toFixed(0)}% | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)}× |`);
}
