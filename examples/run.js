// Runs the gated-RNN chapter's examples and exercises: `npm run example -- <name> [--quick]`,
// or `npm run example -- --list` for the list. Each example is a file in examples/chapter/ that
// exports { description, main }; --quick runs it on tiny sizes in a few seconds (the tests use it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { runExample } = require('./lib/cli');

const CHAPTER = path.join(__dirname, 'chapter');

/** The examples' names, from the files in examples/chapter/. */
function exampleNames() {
  return fs
    .readdirSync(CHAPTER)
    .filter((file) => file.endsWith('.js'))
    .map((file) => file.slice(0, -3))
    .sort();
}

/** @returns {import('./lib/cli').Example} */
const load = (name) => require(path.join(CHAPTER, `${name}.js`));

function printList() {
  const names = exampleNames();
  const width = Math.max(...names.map((n) => n.length));
  console.log('The gated-RNN chapter in gated. Run one with: npm run example -- <name> [--quick]\n');
  for (const name of names) console.log(`  ${name.padEnd(width)}  ${load(name).description}`);
  console.log('\n--quick runs an example on tiny sizes in a few seconds and writes its plots to a temporary folder;');
  console.log('a full run writes them to docs/figures/.');
}

function main(argv) {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--list' || name === '--help' || name === '-h') {
    printList();
    return;
  }
  if (!exampleNames().includes(name)) {
    console.error(`gated: no example named "${name}". These exist: ${exampleNames().join(', ')}`);
    process.exitCode = 1;
    return;
  }
  runExample(load(name), rest);
}

main(process.argv.slice(2));
