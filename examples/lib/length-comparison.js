// LSTM vs GRU on the long-dependency task at several sequence lengths, a fixed number of steps each:
// shared by the lstm-vs-gru example (section 2.3) and the length-sweep exercise (exercise 4).
'use strict';
const { trainWithProgress } = require('./long-dependency');
const { printTable, pct, mean } = require('./format');

/**
 * Trains every config at every length and seed; test accuracy on 500 fresh sequences at the end.
 * @param {{ lengths: number[], configs: { cell: 'lstm' | 'gru' | 'rnn', chrono: boolean }[], steps: number,
 *   seeds: number[], quick?: boolean }} options
 * @returns {{ model: string, init: string, length: number, seed: number, accuracy: number, msPerStep: number, seconds: number }[]}
 */
function compareLengths({ lengths, configs, steps, seeds, quick = false }) {
  const rows = [];
  for (const length of lengths) {
    for (const { cell, chrono } of configs) {
      for (const seed of seeds) {
        const init = chrono ? 'chrono' : 'default';
        const label = `${cell.toUpperCase()} ${init} T=${length} s${seed}`;
        // One check, at the end: the time measured is training only.
        const result = trainWithProgress({ cell, chrono, seqLength: length, seed, steps, checkEvery: steps }, { label, quick });
        rows.push({ model: cell.toUpperCase(), init, length, seed, accuracy: result.accuracy, msPerStep: result.msPerStep, seconds: (result.msPerStep * steps) / 1000 });
      }
    }
  }
  return rows;
}

/**
 * Means over seeds, one row per (length, model, init).
 * @param {ReturnType<typeof compareLengths>} rows
 */
function summarise(rows) {
  const groups = new Map();
  for (const r of rows) {
    const key = `${r.length}|${r.model}|${r.init}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  return [...groups.values()].map((g) => ({
    length: g[0].length,
    model: g[0].model,
    init: g[0].init,
    accuracy: mean(g.map((r) => r.accuracy)),
    accuracies: g.map((r) => r.accuracy),
    msPerStep: mean(g.map((r) => r.msPerStep)),
    seconds: mean(g.map((r) => r.seconds)),
  }));
}

/** Prints one line per length and model/init: mean accuracy, per-seed accuracies, time. */
function printSummary(summary, steps) {
  printTable(
    summary.map((s) => ({
      length: s.length,
      model: `${s.model} ${s.init}`,
      'mean acc': pct(s.accuracy),
      'per seed': s.accuracies.map(pct).join(' '),
      [`s / ${steps} steps`]: s.seconds.toFixed(2),
      'ms/step': s.msPerStep.toFixed(1),
    })),
  );
}

module.exports = { compareLengths, summarise, printSummary };
