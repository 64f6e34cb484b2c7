// The sentiment and part-of-speech examples (examples/sentiment/) keep working: each runs as a user
// would, in its --quick mode (a tiny subset of the real corpora shipped on npm, one short epoch).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const EXAMPLES: [string, RegExp][] = [
  ['train', /ham|spam/],
  ['best-practice', /ham|spam/],
  ['attention', /mask check/],
  ['predict', /ham|spam/],
  ['precision', /predictions changed[\s\S]*'bfloat16'[\s\S]*'float16'/],
  ['pos-tagging', /bidirectional - unidirectional/],
];

it.each(EXAMPLES)('examples/sentiment/%s.js --quick runs', (name, expected) => {
  const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'examples', 'sentiment', `${name}.js`), '--quick'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(expected);
});
