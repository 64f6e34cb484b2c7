// The main demo: the gated-RNN chapter's long-dependency task, trained in Node.
//
// Each sequence has 50 steps. The first step carries a one-hot label among 10 classes; the other
// steps are zeros. The network must output the label after reading the whole sequence, so the
// label has to survive 49 steps in the hidden state. A plain RNN, an LSTM and a GRU are trained with
// PyTorch's default initialisation, then LSTM and GRU again with chrono initialisation of their
// gate biases. Run with `npm run demo` (after `npm install`). The tests import train() from here.
'use strict';
const g = require('..');

/** x [batch, seqLength, 10] with the label one-hot at step 0, and the labels [batch] (int64). */
function makeBatch(batch, seqLength) {
  const draws = g.rand([batch]).dataSync();
  const x = new Float32Array(batch * seqLength * 10);
  const labels = new BigInt64Array(batch);
  draws.forEach((u, b) => {
    const label = Math.min(9, Math.floor(u * 10));
    labels[b] = BigInt(label);
    x[b * seqLength * 10 + label] = 1;
  });
  return { x: g.tensor(x, [batch, seqLength, 10]), labels: g.tensor(labels, [batch]) };
}

const CELLS = { rnn: g.nn.RNN, lstm: g.nn.LSTM, gru: g.nn.GRU };

/** A recurrent layer and a linear head on its last step's output, like the chapter's classifiers. */
class Classifier extends g.nn.Module {
  constructor(cell, hiddenSize = 32) {
    super();
    this.rnn = new CELLS[cell]({ inputSize: 10, hiddenSize, batchFirst: true });
    this.fc = new g.nn.Linear(hiddenSize, 10);
  }

  forward(x) {
    const { output } = this.rnn.forward(x);
    return this.fc.forward(output.select(1, -1)); // output[:, -1, :]
  }
}

/**
 * Trains with Adam (batch 32, lr 1e-2) and measures test accuracy on 500 fresh sequences every
 * checkEvery steps; with stopAtPerfect, stops at the first perfect check.
 */
function train({ cell, seqLength = 50, seed = 0, steps = 500, chrono = false, checkEvery = 50, stopAtPerfect = false }) {
  g.manualSeed(seed);
  const model = new Classifier(cell);
  if (chrono) g.nn.init.chrono(model.rnn, { maxLength: seqLength });
  const optimizer = new g.optim.Adam(model.parameters(), { lr: 1e-2 });
  const accuracy = () =>
    g.tidy(() =>
      g.noGrad(() => {
        const { x, labels } = makeBatch(500, seqLength);
        return model.forward(x).argmax(1).eq(labels).float().mean().item();
      }),
    );
  const curve = [];
  const start = process.hrtime.bigint();
  let step = 0;
  while (step < steps) {
    g.tidy(() => {
      const { x, labels } = makeBatch(32, seqLength);
      const loss = g.nn.functional.crossEntropy(model.forward(x), labels);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    });
    step += 1;
    if (step % checkEvery === 0) {
      curve.push({ step, accuracy: accuracy() });
      if (stopAtPerfect && curve[curve.length - 1].accuracy === 1) break;
    }
  }
  const msPerStep = Number(process.hrtime.bigint() - start) / 1e6 / step;
  return { curve, accuracy: curve.length ? curve[curve.length - 1].accuracy : accuracy(), steps: step, msPerStep };
}

function main() {
  const quick = process.env.DEMO_QUICK === '1'; // tiny run for the test suite
  const seqLength = quick ? 8 : 50;
  const steps = quick ? 20 : 500;
  const checkEvery = quick ? 10 : 50;
  const seed = Number(process.env.DEMO_SEED ?? 0);
  console.log(`gated demo: long-dependency task, length ${seqLength}, batch 32, Adam lr 1e-2, hidden 32, seed ${seed}`);
  console.log('test accuracy on 500 fresh sequences after @N training steps (chance is 10%)\n');
  const rows = [['rnn', false], ['lstm', false], ['gru', false], ['lstm', true], ['gru', true]].map(([cell, chrono]) => {
    const result = train({ cell, seqLength, seed, steps, chrono, checkEvery });
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
