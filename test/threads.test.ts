// The recurrence split over the compute pool's threads ('recurrence' kernel): every thread count
// and every way of splitting gives the serial result, and a split layer runs at once after the
// pool is resized (a fresh worker must join the first team it sees). Each case runs in a child process, so a hang fails the
// test on its timeout instead of stalling the suite.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const entry = path.join(__dirname, '..');

// Trains one step of each cell at each thread count, right after setNumThreads, and prints the
// largest relative difference from the serial run of outputs and gradients.
const script = `
const g = require(${JSON.stringify(entry)});
const floats = (t) => Array.from(t.dataSync());
function run(Ctor, extra) {
  g.manualSeed(3);
  const m = new Ctor({ inputSize: 5, hiddenSize: 48, numLayers: 2, bidirectional: extra.bidirectional, batchFirst: true, ...extra.options });
  const x = g.randn([6, 9, 5]);
  const { output } = m.forward(x, { lengths: [9, 4, 9, 1, 7, 9] });
  output.mul(output).sum().backward();
  return [floats(output), ...m.parameters().map((p) => floats(p.grad))];
}
const relative = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
const cells = [[g.nn.LSTM, {}], [g.nn.GRU, {}], [g.nn.GRU, { options: { resetAfter: false } }], [g.nn.RNN, { bidirectional: true }]];
let worst = 0;
for (const [Ctor, extra] of cells) {
  g.setNumThreads(1);
  g.backend.setKernel('recurrence', 'serial');
  const serial = run(Ctor, extra);
  for (const split of ['auto', 'sequences', 'units']) {
    g.backend.setKernel('recurrence', split);
    for (const threads of [2, 3, 4, 2]) {
      g.setNumThreads(threads);
      run(Ctor, extra).forEach((a, i) => (worst = Math.max(worst, relative(a, serial[i]))));
    }
  }
}
console.log('worst ' + worst);
`;

describe('recurrence split over threads', () => {
  it('matches the serial run at 2, 3 and 4 threads split by sequences and by units, right after each resize', () => {
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.error, 'the child process hung or failed to start').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const worst = Number(/worst (\S+)/.exec(run.stdout)?.[1]);
    console.log(`recurrence split: largest relative difference from serial ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('default thread count', () => {
  const threadsOf = (command: string, args: string[]) => {
    const run = spawnSync(command, [...args, '-e', `console.log(require(${JSON.stringify(entry)}).getNumThreads())`], { encoding: 'utf8', timeout: 30_000 });
    return run.status === 0 ? Number(run.stdout.trim()) : null;
  };

  it('is the number of cores the process may run on', () => {
    expect(threadsOf(process.execPath, [])).toBe(os.availableParallelism());
    // Under taskset (a container's cpuset works the same way) the pool follows the affinity, so its
    // threads never take turns on one core.
    if (spawnSync('taskset', ['-c', '0', 'true']).status !== 0) {
      console.log('default thread count: no taskset here, the one-CPU case is not checked');
      return;
    }
    expect(threadsOf('taskset', ['-c', '0', process.execPath])).toBe(1);
  });
});
