// Section 2.3, "LSTM vs GRU performance": accuracy and training time at sequence lengths 20, 50 and
// 100 on the long-dependency task, a fixed number of Adam steps each, chrono initialisation for both
// (with the default initialisation neither learns at length 50; see the long-dependency example).
// The chapter trains 50 steps on one fixed batch; here each step draws a fresh batch and the test set
// is 500 fresh sequences, so accuracy measures the task, not memorising one batch.
'use strict';
const { compareLengths, summarise, printSummary } = require('../lib/length-comparison');
const { savePlot, describePaths } = require('../lib/plot');
const { pct } = require('../lib/format');
const { runExample } = require('../lib/cli');

/** Which of the two is more accurate at the longest length, in words. */
function longestVerdict(summary, length, steps) {
  const [lstm, gru] = ['LSTM', 'GRU'].map((m) => summary.find((s) => s.length === length && s.model === m));
  if (Math.abs(lstm.accuracy - gru.accuracy) < 0.02) return `at length ${length} both reach ${pct(gru.accuracy)} here.`;
  if (lstm.accuracy > gru.accuracy) return `at length ${length} LSTM is ahead here too (${pct(lstm.accuracy)} vs ${pct(gru.accuracy)}).`;
  return `here GRU is ahead at length ${length} too (${pct(gru.accuracy)} vs ${pct(lstm.accuracy)} after ${steps} steps).`;
}

async function main({ quick }) {
  const lengths = quick ? [5, 10] : [20, 50, 100];
  const steps = quick ? 15 : 300;
  const seeds = quick ? [0] : [0, 1, 2];
  const configs = [{ cell: 'lstm', chrono: true }, { cell: 'gru', chrono: true }];
  console.log(`LSTM vs GRU, chrono init, lengths ${lengths.join(', ')}: ${steps} Adam steps (batch 32, lr 1e-2, hidden 32), seeds ${seeds.join(', ')}`);
  console.log('test accuracy on 500 fresh sequences after training; time is training only (all cores)\n');

  const summary = summarise(compareLengths({ lengths, configs, steps, seeds, quick }));
  console.log('');
  printSummary(summary, steps);

  console.log('\nWhat the runs show:');
  for (const length of lengths) {
    const [lstm, gru] = ['LSTM', 'GRU'].map((m) => summary.find((s) => s.length === length && s.model === m));
    const better = Math.abs(lstm.accuracy - gru.accuracy) < 0.02 ? 'equally accurate' : `${lstm.accuracy > gru.accuracy ? 'LSTM' : 'GRU'} more accurate`;
    console.log(`  length ${String(length).padStart(3)}: LSTM ${pct(lstm.accuracy)} in ${lstm.seconds.toFixed(2)} s, GRU ${pct(gru.accuracy)} in ${gru.seconds.toFixed(2)} s: ${better}, GRU takes ${((gru.seconds / lstm.seconds) * 100).toFixed(0)}% of LSTM's time`);
  }
  console.log("  A GRU step computes 3 gates to an LSTM's 4 (compare the time ratios above). The chapter expects");
  console.log('  LSTM to win on long sequences; ' + longestVerdict(summary, lengths[lengths.length - 1], steps));

  const data = summary.map((s) => ({ model: s.model, length: s.length, accuracy: s.accuracy, msPerStep: s.msPerStep }));
  const x = { field: 'length', type: 'quantitative', title: 'sequence length', axis: { values: lengths } };
  const color = { field: 'model', type: 'nominal', sort: ['LSTM', 'GRU'], scale: { range: ['#f58518', '#e45756'] } };
  const paths = await savePlot(
    'lstm-vs-gru',
    {
      title: { text: 'LSTM vs GRU on the long-dependency task (chrono init)', subtitle: `${steps} steps each, mean over seeds ${seeds.join(', ')}` },
      data: { values: data },
      hconcat: [
        {
          width: 280, height: 220, mark: { type: 'line', point: true, strokeWidth: 2.5 },
          encoding: { x, y: { field: 'accuracy', type: 'quantitative', title: `test accuracy after ${steps} steps`, axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color },
        },
        {
          width: 280, height: 220, mark: { type: 'line', point: true, strokeWidth: 2.5 },
          encoding: { x, y: { field: 'msPerStep', type: 'quantitative', title: 'ms per training step' }, color },
        },
      ],
    },
    { quick },
  );
  console.log(`\nplot: ${describePaths(paths)}`);
}

module.exports = {
  description: 'section 2.3: LSTM vs GRU accuracy and training time at lengths 20, 50, 100 (chrono init, plot)',
  main,
};
if (require.main === module) runExample(module.exports, process.argv.slice(2));
