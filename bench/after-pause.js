// A server's latency after a quiet spell: W1's shape (LSTM, batch 1, 128 steps, input 64, hidden
// 256) called twice after each pause, for 20 pauses, with the median of each call. Usage:
//   node bench/after-pause.js [pauseMs=50] [threads=cores] [idleSpinMs=10]
// Back-to-back calls take about 1.2 ms on the 2-core development machine; the first call after a
// pause is where a sleeping pool, cold caches or a busy scheduler show.
'use strict';
const g = require('..');

const pauseMs = Number(process.argv[2] ?? 50);
if (process.argv[3]) g.setNumThreads(Number(process.argv[3]));
if (process.argv[4]) g.setIdleSpin(Number(process.argv[4]));

const lstm = new g.nn.LSTM({ inputSize: 64, hiddenSize: 256, batchFirst: true });
lstm.eval();
const x = g.randn([1, 128, 64]);
const call = () => g.tidy(() => g.noGrad(() => void lstm.forward(x)));
const timed = () => {
  const start = process.hrtime.bigint();
  call();
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

(async () => {
  for (let i = 0; i < 20; i++) call();
  const back = Array.from({ length: 50 }, timed);
  const first = [], second = [];
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    first.push(timed());
    second.push(timed());
  }
  console.log(`${g.getNumThreads()} threads, idle spin ${g.getIdleSpin()} ms, pauses of ${pauseMs} ms: ` +
    `back to back ${median(back).toFixed(2)} ms, first call after a pause ${median(first).toFixed(2)} ms, second ${median(second).toFixed(2)} ms`);
})();
