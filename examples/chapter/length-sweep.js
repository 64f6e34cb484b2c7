// Exercise 4, "sequence length and performance": LSTM and GRU on the long-dependency task at lengths
// 10, 50, 100 and 200, with the default and with chrono initialisation, a fixed number of steps each.
// Where does the gap open, and which of the two copes with long dependencies?
'use strict';
const { compareLengths, summarise, printSummary } = require('../lib/length-comparison');
const { savePlot, describePaths } = require('../lib/plot');
const { pct } = require('../lib/format');
const { runExample } = require('../lib/cli');

async function main({ quick }) {
  const lengths = quick ? [5, 10] : [10, 50, 100, 200];
  const steps = quick ? 15 : 300;
  const seeds = quick ? [0] : [0, 1];
  const configs = [
    { cell: 'lstm', chrono: false },
    { cell: 'gru', chrono: false },
    { cell: 'lstm', chrono: true },
    { cell: 'gru', chrono: true },
  ];
  console.log(`Sequence-length sweep: LSTM and GRU, default and chrono init, lengths ${lengths.join(', ')}`);
  console.log(`${steps} Adam steps each (batch 32, lr 1e-2, hidden 32), seeds ${seeds.join(', ')}; test accuracy on 500 fresh sequences\n`);

  const summary = summarise(compareLengths({ lengths, configs, steps, seeds, quick }));
  console.log('');
  printSummary(summary, steps);

  console.log('\nWhat the runs show (mean test accuracy by length; solved: ≥ 95% on every seed):');
  for (const { cell, chrono } of configs) {
    const model = cell.toUpperCase();
    const init = chrono ? 'chrono' : 'default';
    const mine = lengths.map((length) => summary.find((s) => s.length === length && s.model === model && s.init === init));
    const accs = mine.map((s) => `${s.length}: ${pct(s.accuracy)}`.padEnd(10)).join(' ');
    const solved = mine.filter((s) => s.accuracies.every((a) => a >= 0.95)).map((s) => s.length);
    const chance = mine.filter((s) => s.accuracy <= 0.2).map((s) => s.length);
    const notes = [solved.length ? `solved at ${solved.join(', ')}` : 'solved at no length', chance.length ? `at chance at ${chance.join(", ")}` : ''];
    console.log(`  ${`${model} ${init}`.padEnd(13)} ${accs}  ${notes.filter(Boolean).join('; ')}`);
  }
  console.log('  With the default initialisation the gates start half shut and the label fades geometrically with');
  console.log('  the length; chrono initialisation (maxLength = the sequence length) starts them open for that length.');

  const data = summary.map((s) => ({ model: s.model, init: s.init, length: s.length, accuracy: s.accuracy }));
  const encoding = {
    x: { field: 'length', type: 'quantitative', title: 'sequence length T (the label must survive T − 1 steps)', axis: { values: lengths } },
    y: { field: 'accuracy', type: 'quantitative', title: `test accuracy after ${steps} steps`, axis: { format: '.0%' }, scale: { domain: [0, 1] } },
    color: { field: 'model', type: 'nominal', sort: ['LSTM', 'GRU'], scale: { range: ['#f58518', '#e45756'] } },
  };
  const paths = await savePlot(
    'length-sweep',
    {
      title: { text: 'Exercise 4: accuracy vs sequence length, LSTM and GRU', subtitle: `${steps} steps each, mean over seeds ${seeds.join(', ')}; dashed: chance (10%)` },
      width: 440,
      height: 280,
      data: { values: data },
      layer: [
        { mark: { type: 'line', strokeWidth: 2.5 }, encoding: { ...encoding, strokeDash: { field: 'init', type: 'nominal', sort: ['chrono', 'default'], title: 'initialisation' } } },
        { mark: { type: 'point', filled: true, size: 45, opacity: 1 }, encoding }, // no dashes here: the legend keeps its lines
        { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 0.1 } } },
      ],
    },
    { quick },
  );
  console.log(`\nplot: ${describePaths(paths)}`);
}

module.exports = {
  description: 'exercise 4: LSTM and GRU accuracy at lengths 10, 50, 100, 200, default and chrono init (plot)',
  main,
};
if (require.main === module) runExample(module.exports, process.argv.slice(2));
