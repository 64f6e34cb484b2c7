// The gated-RNN chapter's long-dependency task, shared by the demo and the chapter's examples.
//
// Each sequence has `seqLength` steps. The first step carries a one-hot label among 10 classes; the
// other steps are zeros. The network must output the label after reading the whole sequence, so the
// label has to survive seqLength − 1 steps in the hidden state. Chance accuracy is 10%.
'use strict';
const g = require('../..');
const { trainingProgress } = require('./progress');

/**
 * x [batch, seqLength, 10] with the label one-hot at step 0, and the labels [batch] (int64).
 * @param {number} batch
 * @param {number} seqLength
 */
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

/**
 * A recurrent layer and a linear head, like the chapter's classifiers.
 * readout 'last' feeds the head output[:, -1, :] (the chapter's choice); readout 'hn' feeds it the
 * final hidden state of every direction, [h_forward, h_reverse], as the chapter's IMDb model does.
 */
class Classifier extends g.nn.Module {
  /**
   * @param {'rnn' | 'lstm' | 'gru'} cell
   * @param {number} [hiddenSize]
   * @param {{ bidirectional?: boolean, readout?: 'last' | 'hn' }} [options]
   */
  constructor(cell, hiddenSize = 32, { bidirectional = false, readout = 'last' } = {}) {
    super();
    this.rnn = new CELLS[cell]({ inputSize: 10, hiddenSize, batchFirst: true, bidirectional });
    this.fc = new g.nn.Linear(hiddenSize * (bidirectional ? 2 : 1), 10);
    this.readout = readout;
  }

  /** @param {import('../..').Tensor} x */
  forward(x) {
    const { output, h } = this.rnn.forward(x);
    if (this.readout === 'hn') {
      // h is [directions, batch, hidden]: put the directions side by side, [batch, directions × hidden].
      return this.fc.forward(h.permute([1, 0, 2]).flatten(1));
    }
    return this.fc.forward(output.select(1, -1)); // output[:, -1, :]
  }
}

/**
 * Trains with Adam (batch 32, lr 1e-2 by default) and measures test accuracy on 500 fresh sequences
 * every checkEvery steps; with stopAtPerfect, stops at the first perfect check. With device 'cuda'
 * the model, the batches and every step run on the GPU.
 *
 * onStep(step, loss) is called after every step with the training loss, and onCheck(step, accuracy)
 * after every check (for progress bars and loss curves). `batches`, when given, is a function
 * step → { x, labels } that replaces the fresh random batches, so several models can see the same data.
 *
 * @param {{
 *   cell: 'rnn' | 'lstm' | 'gru', seqLength?: number, seed?: number, steps?: number, chrono?: boolean,
 *   checkEvery?: number, stopAtPerfect?: boolean, hiddenSize?: number, lr?: number,
 *   bidirectional?: boolean, readout?: 'last' | 'hn', device?: 'cpu' | 'cuda',
 *   batches?: (step: number) => { x: import('../..').Tensor, labels: import('../..').Tensor },
 *   testSet?: { x: import('../..').Tensor, labels: import('../..').Tensor },
 *   onStep?: (step: number, loss: number) => void, onCheck?: (step: number, accuracy: number) => void,
 * }} options
 * @returns {{ curve: { step: number, accuracy: number }[], accuracy: number, steps: number, msPerStep: number, model: Classifier }}
 */
function train({
  cell, seqLength = 50, seed = 0, steps = 500, chrono = false, checkEvery = 50, stopAtPerfect = false,
  hiddenSize = 32, lr = 1e-2, bidirectional = false, readout = 'last', batches, testSet, onStep, onCheck, device = 'cpu',
}) {
  g.manualSeed(seed);
  const model = new Classifier(cell, hiddenSize, { bidirectional, readout });
  if (chrono) g.nn.init.chrono(model.rnn, { maxLength: seqLength });
  model.to(device);
  /** @param {{ x: import('../..').Tensor, labels: import('../..').Tensor }} batch */
  const onDevice = ({ x, labels }) => ({ x: x.to(device), labels: labels.to(device) });
  const optimizer = new g.optim.Adam(model.parameters(), { lr });
  const accuracy = () =>
    g.tidy(() =>
      g.noGrad(() => {
        const { x, labels } = onDevice(testSet ?? makeBatch(500, seqLength));
        return model.forward(x).argmax(1).eq(labels).float().mean().item();
      }),
    );
  const curve = [];
  let trainingNs = 0n; // time spent in training steps only, not in the checks
  let step = 0;
  while (step < steps) {
    const start = process.hrtime.bigint();
    const loss = g.tidy(() => {
      const { x, labels } = onDevice(batches ? batches(step) : makeBatch(32, seqLength));
      const loss = g.nn.functional.crossEntropy(model.forward(x), labels);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return onStep ? loss.item() : 0;
    });
    trainingNs += process.hrtime.bigint() - start;
    step += 1;
    if (onStep) onStep(step, loss);
    if (step % checkEvery === 0) {
      curve.push({ step, accuracy: accuracy() });
      if (onCheck) onCheck(step, curve[curve.length - 1].accuracy);
      if (stopAtPerfect && curve[curve.length - 1].accuracy === 1) break;
    }
  }
  const msPerStep = Number(trainingNs) / 1e6 / step;
  return { curve, accuracy: curve.length ? curve[curve.length - 1].accuracy : accuracy(), steps: step, msPerStep, model };
}

/**
 * train() with a progress bar on a terminal, or a line per accuracy check otherwise.
 * @param {Parameters<typeof train>[0]} options
 * @param {{ label: string, quick?: boolean }} report
 */
function trainWithProgress(options, { label, quick = false }) {
  const progress = trainingProgress({ label, total: options.steps ?? 500, quick });
  try {
    return train({
      ...options,
      onStep: (step, loss) => {
        progress.step(step, loss);
        options.onStep?.(step, loss);
      },
      onCheck: (step, accuracy) => {
        progress.check(step, accuracy);
        options.onCheck?.(step, accuracy);
      },
    });
  } finally {
    progress.done();
  }
}

module.exports = { makeBatch, Classifier, train, trainWithProgress, CELLS };
