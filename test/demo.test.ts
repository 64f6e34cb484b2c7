// The README's demos keep working: run them as a user would, on tiny sizes.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

function runExample(file: string) {
  return spawnSync(process.execPath, [path.join(__dirname, '..', 'examples', file)], {
    encoding: 'utf8',
    env: { ...process.env, DEMO_QUICK: '1', DEMO_REPEATS: '1' },
  });
}

it('npm run demo trains RNN, LSTM and GRU on the long-dependency task', () => {
  const run = runExample('demo.js');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  for (const name of ["'RNN'", "'LSTM'", "'GRU'", "'chrono'", "'default'"]) expect(run.stdout).toContain(name);
});

it('npm run timing runs every module forward and backward', () => {
  const run = runExample('timing.js');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  for (const name of ['LSTM', 'GRU', 'GRU (reset-before)', 'RNN (tanh)']) expect(run.stdout).toContain(`'${name}'`);
});
