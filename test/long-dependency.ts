// The seed chapter's long-dependency task: the first step carries a one-hot label among 10, the
// rest are zeros, and the label must be predicted from the last step's output.
import * as g from '../ts/index';
import { Tensor } from '../ts/tensor';

export type CellName = 'rnn' | 'lstm' | 'gru';

/** A batch: x [batch, seqLength, 10], labels [batch] (int64). */
export function makeBatch(batch: number, seqLength: number): { x: Tensor; labels: Tensor } {
  const draws = g.rand([batch]).dataSync() as Float32Array;
  const labels = new BigInt64Array(batch);
  const x = new Float32Array(batch * seqLength * 10);
  draws.forEach((u, b) => {
    const label = Math.min(9, Math.floor(u * 10));
    labels[b] = BigInt(label);
    x[b * seqLength * 10 + label] = 1;
  });
  return { x: g.tensor(x, [batch, seqLength, 10]), labels: g.tensor(labels, [batch]) };
}

class Classifier extends g.nn.Module {
  readonly rnn: g.nn.LSTM | g.nn.GRU | g.nn.RNN;
  readonly fc: g.nn.Linear;

  constructor(cell: CellName, hidden: number) {
    super();
    const options = { inputSize: 10, hiddenSize: hidden, batchFirst: true };
    this.rnn = cell === 'lstm' ? new g.nn.LSTM(options) : cell === 'gru' ? new g.nn.GRU(options) : new g.nn.RNN(options);
    this.fc = new g.nn.Linear(hidden, 10);
  }

  forward(x: Tensor): Tensor {
    const { output } = this.rnn.forward(x);
    return this.fc.forward(output.select(1, -1));
  }
}

export interface RunResult {
  accuracy: number; // on 500 fresh sequences
  steps: number; // steps taken (stops early once a check reaches 100%)
  checks: { step: number; accuracy: number }[];
}

/** Trains with Adam (batch 32) and checks test accuracy every `every` steps. */
export function train(options: { cell: CellName; seqLength: number; seed: number; steps: number; lr?: number; hidden?: number; chrono?: boolean; every?: number }): RunResult {
  g.manualSeed(options.seed);
  const model = new Classifier(options.cell, options.hidden ?? 32);
  if (options.chrono && !(model.rnn instanceof g.nn.RNN)) g.nn.init.chrono(model.rnn, { maxLength: options.seqLength });
  const optimizer = new g.optim.Adam(model.parameters(), { lr: options.lr ?? 1e-2 });
  const evaluate = () =>
    g.tidy(() =>
      g.noGrad(() => {
        const { x, labels } = makeBatch(500, options.seqLength);
        return model.forward(x).argmax(1).eq(labels).float().mean().item();
      }),
    );
  const checks: { step: number; accuracy: number }[] = [];
  const every = options.every ?? 50;
  let step = 0;
  while (step < options.steps) {
    g.tidy(() => {
      const { x, labels } = makeBatch(32, options.seqLength);
      const loss = g.nn.functional.crossEntropy(model.forward(x), labels);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    });
    step += 1;
    if (step % every === 0) {
      checks.push({ step, accuracy: evaluate() });
      if (checks[checks.length - 1].accuracy === 1) break;
    }
  }
  return { accuracy: checks.length > 0 ? checks[checks.length - 1].accuracy : evaluate(), steps: step, checks };
}
