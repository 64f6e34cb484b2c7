// Exercise 2, "GRU vs LSTM convergence speed": train both on the same task with the same data (the
// same training batches in the same order, the same test set) and compare their training-loss and
// test-accuracy curves, with the default and with chrono initialisation.
'use strict';
const g = require('../..');
const { makeBatch, trainWithProgress } = require('../lib/long-dependency');
const { savePlot, describePaths } = require('../lib/plot');
const { printTable, pct, mean } = require('../lib/format');
const { runExample } = require('../lib/cli');

const CONFIGS = [
  { cell: 'lstm', chrono: false },
  { cell: 'gru', chrono: false },
  { cell: 'lstm', chrono: true },
  { cell: 'gru', chrono: true },
];
const CONVERGED = 0.1; // training loss (smoothed) below which a run counts as converged
const SMOOTH = 20; // moving-average window for the loss curves, in steps

const nameOf = ({ cell, chrono }) => `${cell.toUpperCase()} ${chrono ? 'chrono' : 'default'}`;

/** Moving average over the last `window` values. */
function smooth(values, window) {
  let sum = 0;
  return values.map((v, i) => {
    sum += v - (i >= window ? values[i - window] : 0);
    return sum / Math.min(i + 1, window);
  });
}

/** The same training batches and test set for every model: drawn once per seed, before any model. */
function makeData(seed, steps, seqLength) {
  g.manualSeed(10_000 + seed);
  const batches = Array.from({ length: steps }, () => makeBatch(32, seqLength));
  const testSet = makeBatch(500, seqLength);
  const dispose = () => [...batches, testSet].forEach(({ x, labels }) => (x.dispose(), labels.dispose()));
  return { batches, testSet, dispose };
}

async function main({ quick }) {
  const seqLength = quick ? 8 : 50;
  const steps = quick ? 20 : 500;
  const checkEvery = quick ? 10 : 25;
  const seeds = quick ? [0] : [0, 1, 2];
  console.log(`GRU vs LSTM training curves, long-dependency task, length ${seqLength}: the same ${steps} batches of 32`);
  console.log(`and the same 500 test sequences for every model; Adam lr 1e-2, hidden 32, seeds ${seeds.join(', ')}\n`);

  const runs = [];
  for (const seed of seeds) {
    const data = makeData(seed, steps, seqLength);
    for (const config of CONFIGS) {
      const losses = [];
      const result = trainWithProgress(
        { ...config, seqLength, seed, steps, checkEvery, batches: (step) => data.batches[step], testSet: data.testSet, onStep: (_, loss) => losses.push(loss) },
        { label: `${nameOf(config)} s${seed}`, quick },
      );
      const smoothed = smooth(losses, SMOOTH);
      const convergedAt = smoothed.findIndex((l) => l < CONVERGED);
      runs.push({ ...config, seed, ...result, losses: smoothed, convergedAt: convergedAt < 0 ? undefined : convergedAt + 1 });
    }
    data.dispose();
  }

  console.log(`\nSteps until the training loss (moving average of ${SMOOTH}) drops below ${CONVERGED}, final test accuracy, time:`);
  const summary = CONFIGS.map((config) => {
    const mine = runs.filter((r) => r.cell === config.cell && r.chrono === config.chrono);
    return {
      model: nameOf(config),
      'converged at (per seed)': mine.map((r) => r.convergedAt ?? '–').join(' / '),
      'final loss': mean(mine.map((r) => r.losses[r.losses.length - 1])).toFixed(3),
      'final acc (per seed)': mine.map((r) => pct(r.accuracy)).join(' / '),
      'ms/step': mean(mine.map((r) => r.msPerStep)).toFixed(1),
      [`s / ${steps} steps`]: ((mean(mine.map((r) => r.msPerStep)) * steps) / 1000).toFixed(2),
    };
  });
  printTable(summary);

  console.log('\nWhat the runs show:');
  for (const config of CONFIGS) {
    const mine = runs.filter((r) => r.cell === config.cell && r.chrono === config.chrono);
    const finalLoss = mean(mine.map((r) => r.losses[r.losses.length - 1]));
    const converged = mine.filter((r) => r.convergedAt !== undefined);
    let verdict;
    if (converged.length === mine.length) verdict = `converges on every seed, after ${mean(converged.map((r) => r.convergedAt)).toFixed(0)} steps on average`;
    else if (finalLoss > 2.2) verdict = `does not learn: the loss stays near ln 10 ≈ 2.30 (chance), final ${finalLoss.toFixed(2)}`;
    else verdict = `converges on ${converged.length} of ${mine.length} seeds, mean final loss ${finalLoss.toFixed(2)}`;
    console.log(`  ${nameOf(config).padEnd(13)} ${verdict}`);
  }

  // Loss curves: mean over seeds of the smoothed loss, every 5th step; accuracy: mean over seeds.
  const byConfig = (config) => runs.filter((r) => r.cell === config.cell && r.chrono === config.chrono);
  const lossData = CONFIGS.flatMap((config) => {
    const mine = byConfig(config);
    return mine[0].losses
      .map((_, i) => ({ model: config.cell.toUpperCase(), init: config.chrono ? 'chrono' : 'default', step: i + 1, loss: mean(mine.map((r) => r.losses[i])) }))
      .filter((d) => d.step % 5 === 0 || d.step === 1);
  });
  const accData = CONFIGS.flatMap((config) =>
    byConfig(config)[0].curve.map(({ step }, i) => ({
      model: config.cell.toUpperCase(), init: config.chrono ? 'chrono' : 'default', step, accuracy: mean(byConfig(config).map((r) => r.curve[i].accuracy)),
    })),
  );
  const color = { field: 'model', type: 'nominal', sort: ['LSTM', 'GRU'], scale: { range: ['#f58518', '#e45756'] } };
  const strokeDash = { field: 'init', type: 'nominal', sort: ['chrono', 'default'], title: 'initialisation' };
  const x = { field: 'step', type: 'quantitative', title: 'training step', axis: { tickCount: 5 } };
  const paths = await savePlot(
    'gru-vs-lstm-curves',
    {
      title: { text: `GRU vs LSTM: training curves on the same data (length ${seqLength})`, subtitle: `mean over seeds ${seeds.join(', ')}; loss smoothed over ${SMOOTH} steps; same batches for every model` },
      hconcat: [
        {
          width: 320, height: 240, data: { values: lossData }, mark: { type: 'line', strokeWidth: 2 },
          encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'training loss (cross-entropy)' }, color, strokeDash },
        },
        {
          width: 320, height: 240, data: { values: accData }, mark: { type: 'line', strokeWidth: 2 },
          encoding: { x, y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color, strokeDash },
        },
      ],
    },
    { quick },
  );
  console.log(`\nplot: ${describePaths(paths)}`);
}

module.exports = {
  description: 'exercise 2: training-loss and accuracy curves of GRU vs LSTM on the same data (plot)',
  main,
};
if (require.main === module) runExample(module.exports, process.argv.slice(2));
