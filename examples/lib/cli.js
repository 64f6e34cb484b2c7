// Command-line handling shared by examples/run.js and the chapter's example files, each of which
// also runs on its own: `node examples/chapter/<name>.js [--quick]`.
'use strict';

/**
 * @typedef {{ quick: boolean, flags: Set<string>, values: Map<string, string> }} ExampleArgs
 * @typedef {{ description: string, main: (args: ExampleArgs) => Promise<void> | void }} Example
 */

/**
 * --quick (tiny sizes, a few seconds), other --flags, and --key=value options.
 * @param {string[]} argv
 * @returns {ExampleArgs}
 */
function parseArgs(argv) {
  const flags = new Set();
  const values = new Map();
  for (const arg of argv) {
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [key, value] = arg.slice(2).split('=', 2);
    if (value === undefined) flags.add(key);
    else values.set(key, value);
  }
  return { quick: flags.has('quick'), flags, values };
}

/**
 * Runs an example's main() with this process's arguments, exiting non-zero on an error.
 * @param {Example} example
 * @param {string[]} argv
 */
function runExample(example, argv) {
  Promise.resolve()
    .then(() => example.main(parseArgs(argv)))
    .catch((error) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exitCode = 1;
    });
}

module.exports = { parseArgs, runExample };
