// Memory over many calls: resident set size while running forward (inference) and forward +
// backward (training) calls in a loop, then bfloat16 inference calls whose weights change every
// 1,000 calls (the rounded copies are made again). Usage:
//   node --expose-gc bench/leak.js [inferenceCalls] [trainingCalls] [bfloat16Calls]
'use strict';
const g = require('..');

const inferenceCalls = Number(process.argv[2] ?? 1_000_000);
const trainingCalls = Number(process.argv[3] ?? 100_000);
const bfloat16Calls = Number(process.argv[4] ?? inferenceCalls);
const mb = () => (process.memoryUsage().rss / 2 ** 20).toFixed(1);
const collect = () => globalThis.gc?.();

function loop(label, calls, body) {
  const checkpoints = 5;
  const rows = [];
  for (let i = 1; i <= calls; i++) {
    body(i);
    if (i % Math.ceil(calls / checkpoints) === 0 || i === calls) {
      collect();
      rows.push(`${i}: ${mb()} MB`);
    }
  }
  console.log(`${label}: RSS after ${rows.join(', ')}`);
}

g.manualSeed(0);
const lstm = new g.nn.LSTM({ inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true, dropout: 0.2 });
const x = g.randn([6, 3, 8]);
const lengths = [6, 2, 4];
collect();
console.log(`start: ${mb()} MB (node ${process.version}, gc exposed: ${typeof globalThis.gc === 'function'})`);

loop(`inference (${inferenceCalls} forward calls, noGrad, results disposed)`, inferenceCalls, () => {
  const { output, h, c } = g.noGrad(() => lstm.forward(x, { lengths }));
  output.dispose();
  h.dispose();
  c.dispose();
});

const xg = g.randn([6, 3, 8], { requiresGrad: true });
loop(`training (${trainingCalls} forward + backward calls)`, trainingCalls, () => {
  const { output, h } = lstm.forward(xg, { lengths });
  g.autograd.backward([output, h], [g.ones(output.shape), g.ones(h.shape)]);
  for (const p of lstm.parameters()) {
    p.grad?.dispose();
    p.grad = null;
  }
  xg.grad = null;
});

lstm.setDtype('bfloat16');
loop(`bfloat16 inference (${bfloat16Calls} forward calls, weights changed every 1,000)`, bfloat16Calls, (i) => {
  if (i % 1000 === 0) {
    for (const p of lstm.parameters()) {
      const data = p.contiguousData();
      data[i % data.length] += 1e-3;
      p.markModified();
    }
  }
  const { output, h, c } = g.noGrad(() => lstm.forward(x, { lengths }));
  output.dispose();
  h.dispose();
  c.dispose();
});
