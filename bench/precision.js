// What bfloat16 and float16 cost on this machine: the W1 and W2 shapes (LSTM, batch 1 and 64, 128
// steps, input 64, hidden 256, 1 and 2 layers) in float32, bfloat16 and float16, the dtypes taken in
// turn call after call so that drift hits all alike; medians in ms. Usage:
//   node bench/precision.js [--device cuda]
'use strict';
const g = require('..');

const device = process.argv.includes('--device') ? process.argv[process.argv.indexOf('--device') + 1] : 'cpu';
const DTYPES = ['float32', 'bfloat16', 'float16'];
const SHAPES = [
  { name: 'W1', batch: 1, layers: 1, calls: 200 },
  { name: 'W2', batch: 64, layers: 2, calls: 15 },
];
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

for (const shape of SHAPES) {
  g.manualSeed(1);
  const lstm = new g.nn.LSTM({ inputSize: 64, hiddenSize: 256, numLayers: shape.layers, batchFirst: true }).to(device);
  lstm.eval();
  const x = g.randn([shape.batch, 128, 64], { device });
  const call = () => g.tidy(() => g.noGrad(() => void lstm.forward(x).output.dataSync()));
  const times = Object.fromEntries(DTYPES.map((d) => [d, []]));
  for (let i = 0; i < shape.calls + 3; i++) {
    for (const dtype of DTYPES) {
      lstm.setDtype(dtype);
      const start = process.hrtime.bigint();
      call();
      if (i >= 3) times[dtype].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  console.log(`${shape.name} on ${device}: ${DTYPES.map((d) => `${d} ${median(times[d]).toFixed(2)} ms`).join(', ')}`);
}
