// The README's demo keeps working: run it as a user would, on tiny shapes.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('npm run demo runs every module forward and backward', () => {
  const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'examples', 'demo.js')], {
    encoding: 'utf8',
    env: { ...process.env, DEMO_QUICK: '1', DEMO_REPEATS: '1' },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  for (const name of ['LSTM', 'GRU', 'GRU (reset-before)', 'RNN (tanh)']) expect(run.stdout).toContain(`'${name}'`);
});
