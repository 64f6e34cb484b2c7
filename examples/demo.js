// The main demo: the gated-RNN chapter's long-dependency task, trained in Node.
//
// Each sequence has 50 steps. The first step carries a one-hot label among 10 classes; the other
// steps are zeros. The network must output the label after reading the whole sequence, so the
// label has to survive 49 steps in the hidden state. A plain RNN, an LSTM and a GRU are trained with
// PyTorch's default initialisation, then LSTM and GRU again with chrono initialisation of their
// gate biases. Run with `npm run demo` (after `npm install`), or `npm run demo -- --device cuda` to
// train on an NVIDIA GPU. The task and the training loop live in
// examples/lib/long-dependency.js, shared with the chapter's examples (npm run example -- --list);
// the tests import train() from here.
'use strict';
const g = require('..');
const { makeBatch, Classifier, train } = require('./lib/long-dependency');

/** The --device argument ('cpu' unless given); a GPU that is not usable stops the demo with the reason. */
function deviceArgument() {
  const at = process.argv.indexOf('--device');
  const device = at >= 0 ? process.argv[at + 1] : 'cpu';
  if (device !== 'cpu' && device !== 'cuda') throw new Error(`--device must be cpu or cuda, not ${device}`);
  if (device === 'cuda' && !g.cuda.isAvailable()) {
    console.error(`gated demo: CUDA is not usable here: ${g.cuda.info().reason}`);
    process.exit(1);
  }
  return device;
}

function main() {
  const device = deviceArgument();
  const quick = process.env.DEMO_QUICK === '1'; // tiny run for the test suite
  const seqLength = quick ? 8 : 50;
  const steps = quick ? 20 : 500;
  const checkEvery = quick ? 10 : 50;
  const seed = Number(process.env.DEMO_SEED ?? 0);
  console.log(`gated demo: long-dependency task, length ${seqLength}, batch 32, Adam lr 1e-2, hidden 32, seed ${seed}, on ${device}`);
  console.log('test accuracy on 500 fresh sequences after @N training steps (chance is 10%)\n');
  const rows = [['rnn', false], ['lstm', false], ['gru', false], ['lstm', true], ['gru', true]].map(([cell, chrono]) => {
    const result = train({ cell, seqLength, seed, steps, chrono, checkEvery, device });
    const row = { model: cell.toUpperCase(), init: chrono ? 'chrono' : 'default' };
    for (const { step, accuracy } of result.curve) row[`@${step}`] = `${Math.round(accuracy * 100)}%`;
    row['ms/step'] = result.msPerStep.toFixed(1);
    return row;
  });
  console.table(rows);
  console.log('\nWith default initialisation the forget gates start near 0.5, so the label fades by about');
  console.log('0.5^49 before the last step. Chrono initialisation sets the gate biases so memory lasts about');
  console.log(`${seqLength} steps, and LSTM and GRU then learn the task. Timing of every module: npm run timing.`);
}

module.exports = { makeBatch, Classifier, train };
if (require.main === module) main();
