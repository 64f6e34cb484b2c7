// Exercise 1: what the gates do. An LSTM is trained on the long-dependency task, then one
// sequence is run with `returnGates: true` and the forget and input gates of every hidden unit at
// every step are drawn as heatmaps. Most units hold their forget gate near 1 for the whole
// sequence (measured: 19 of 32 stay above 0.9) while the input gates stay mostly shut, so the
// zeros after step 0 do not overwrite what the cell stored from the label.
'use strict';
const g = require('../..');
const { savePlot, describePaths } = require('../lib/plot');
const { makeBatch, train } = require('../lib/long-dependency');
const { runExample } = require('../lib/cli');

async function main({ quick }) {
  const seqLength = quick ? 8 : 30;
  const hidden = quick ? 8 : 32;
  const result = train({ cell: 'lstm', seqLength, seed: 0, steps: quick ? 20 : 300, chrono: true, checkEvery: quick ? 10 : 50, hiddenSize: hidden, stopAtPerfect: true });
  console.log(`trained an LSTM (hidden ${hidden}, chrono init) on length ${seqLength}: test accuracy ${(result.accuracy * 100).toFixed(0)}% after ${result.steps} steps`);

  const { x } = makeBatch(1, seqLength);
  const { gates } = g.noGrad(() => result.model.rnn.forward(x, { returnGates: true }));
  const perStep = gates.select(0, 0).select(0, 0); // [steps, 4 * hidden]: i, f, g, o
  const values = perStep.toArray();
  const rows = [];
  for (let t = 0; t < seqLength; t++) {
    for (let unit = 0; unit < hidden; unit++) {
      rows.push({ gate: 'forget f', step: t, unit, value: values[t][hidden + unit] });
      rows.push({ gate: 'input i', step: t, unit, value: values[t][unit] });
    }
  }
  const mean = (gate, t) => {
    const at = rows.filter((r) => r.gate === gate && r.step === t);
    return at.reduce((s, r) => s + r.value, 0) / at.length;
  };
  console.log(`mean input gate:  step 0 ${mean('input i', 0).toFixed(2)}, later steps ${mean('input i', seqLength - 1).toFixed(2)}`);
  console.log(`mean forget gate: step 0 ${mean('forget f', 0).toFixed(2)}, last step ${mean('forget f', seqLength - 1).toFixed(2)}`);
  const holding = [...new Set(rows.map((r) => r.unit))].filter((u) =>
    rows.filter((r) => r.unit === u && r.gate === 'forget f' && r.step > 0).every((r) => r.value > 0.9),
  );
  console.log(`units whose forget gate stays above 0.9 after step 0: ${holding.length} of ${hidden}`);

  const paths = await savePlot(
    'gate-heatmap',
    {
      title: { text: 'LSTM gate activations over one sequence', subtitle: `long-dependency task, length ${seqLength}; the label arrives at step 0` },
      data: { values: rows },
      facet: { row: { field: 'gate', type: 'nominal', title: null } },
      spec: {
        width: 420,
        height: 160,
        mark: 'rect',
        encoding: {
          x: { field: 'step', type: 'ordinal', title: 'time step' },
          y: { field: 'unit', type: 'ordinal', title: 'hidden unit', axis: { labels: false, ticks: false } },
          color: { field: 'value', type: 'quantitative', scale: { domain: [0, 1], scheme: 'viridis' }, title: 'activation' },
        },
      },
    },
    { quick },
  );
  console.log(`\nplot: ${describePaths(paths)}`);
}

module.exports = { description: 'exercise 1: LSTM forget and input gates over a sequence, as heatmaps (returnGates)', main };
if (require.main === module) runExample(module.exports, process.argv.slice(2));
