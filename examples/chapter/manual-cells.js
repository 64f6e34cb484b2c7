// Section 2.2 / 2.3: the chapter's hand-written LSTMCell and GRUCell, built from ops and trained
// through the autograd tape, and shown equal to the fused modules on the same weights.
//
// How the chapter's weights map onto PyTorch's (and gated's) layout:
// - The chapter concatenates [h, x] and uses one Linear(hidden + input -> hidden) per gate, so
//   each gate's Linear weight is [W_hh part | W_ih part] and its single bias goes into bias_ih
//   (bias_hh = 0).
// - LSTM: the chapter lists gates f, i, C, o; PyTorch stacks i, f, g, o (g is the chapter's C~).
// - GRU: the chapter's update is h = (1 - z) h_prev + z h~, PyTorch's h = (1 - z') n + z' h_prev, so
//   z' = 1 - z = sigmoid(-(W_z [h, x] + b_z)): PyTorch's z rows are the negated W_z and b_z. The
//   chapter's candidate tanh(W_h [r * h, x] + b) is the reset-before form: g.nn.GRU({ resetAfter: false }).
'use strict';
const g = require('../..');
const { runExample } = require('../lib/cli');
const { savePlot, describePaths } = require('../lib/plot');
const { makeBatch } = require('../lib/long-dependency');

/** The chapter's LSTMCell: gates f, i, C~, o from Linear layers on [h, x]. */
class ManualLSTMCell extends g.nn.Module {
  constructor(inputSize, hiddenSize) {
    super();
    this.W_f = new g.nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.W_i = new g.nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.W_C = new g.nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.W_o = new g.nn.Linear(inputSize + hiddenSize, hiddenSize);
  }

  forward(x, h, c) {
    const combined = g.cat([h, x], 1);
    const f = this.W_f.forward(combined).sigmoid();
    const i = this.W_i.forward(combined).sigmoid();
    const candidate = this.W_C.forward(combined).tanh();
    const cNext = f.mul(c).add(i.mul(candidate));
    const o = this.W_o.forward(combined).sigmoid();
    return { h: o.mul(cNext.tanh()), c: cNext };
  }
}

/** The chapter's GRUCell: reset r, update z, candidate from [r * h, x]; h = (1 - z) h + z h~. */
class ManualGRUCell extends g.nn.Module {
  constructor(inputSize, hiddenSize) {
    super();
    this.W_r = new g.nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.W_z = new g.nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.W_h = new g.nn.Linear(inputSize + hiddenSize, hiddenSize);
  }

  forward(x, h) {
    const combined = g.cat([h, x], 1);
    const r = this.W_r.forward(combined).sigmoid();
    const z = this.W_z.forward(combined).sigmoid();
    const candidate = this.W_h.forward(g.cat([r.mul(h), x], 1)).tanh();
    return g.sub(1, z).mul(h).add(z.mul(candidate));
  }
}

/** Runs a cell over x [batch, seq, input] from zero states; returns the last hidden state. */
function unroll(cell, x, hidden) {
  const [batch, steps] = x.shape;
  let h = g.zeros([batch, hidden]);
  let c = g.zeros([batch, hidden]);
  for (let t = 0; t < steps; t++) {
    const xt = x.select(1, t);
    if (cell instanceof ManualLSTMCell) ({ h, c } = cell.forward(xt, h, c));
    else h = cell.forward(xt, h);
  }
  return h;
}

/** [W_hh part, W_ih part, bias] of a chapter Linear on [h, x]; `sign` negates (GRU's z). */
function split(linear, hidden, sign = 1) {
  const w = linear.weight.mul(sign);
  return { hh: w.narrow(1, 0, hidden), ih: w.narrow(1, hidden, w.shape[1] - hidden), b: linear.bias.mul(sign) };
}

/** The fused module's state dict holding the chapter cell's weights (PyTorch's gate order). */
function fusedStateDict(parts, hidden) {
  return {
    weight_ih_l0: g.cat(parts.map((p) => p.ih), 0),
    weight_hh_l0: g.cat(parts.map((p) => p.hh), 0),
    bias_ih_l0: g.cat(parts.map((p) => p.b), 0),
    bias_hh_l0: g.zeros([parts.length * hidden]),
  };
}

function maxDifference(a, b) {
  const x = a.dataSync();
  const y = b.dataSync();
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
}

function compare(name, manual, fused, x, hidden) {
  const hManual = g.noGrad(() => unroll(manual, x, hidden));
  const { h } = g.noGrad(() => fused.forward(x));
  console.log(`${name}: largest |h_manual - h_fused| over the batch = ${maxDifference(hManual, h.select(0, 0)).toExponential(2)}`);
}

/** Trains the hand-written LSTM cell on the long-dependency task through the tape. */
function trainManual(quick) {
  const seqLength = quick ? 5 : 10;
  const hidden = 16;
  g.manualSeed(1);
  const cell = new ManualLSTMCell(10, hidden);
  const head = new g.nn.Linear(hidden, 10);
  const optimizer = new g.optim.Adam([...cell.parameters(), ...head.parameters()], { lr: 1e-2 });
  const steps = quick ? 10 : 300;
  const start = process.hrtime.bigint();
  const losses = [];
  let loss = 0;
  for (let step = 0; step < steps; step++) {
    loss = g.tidy(() => {
      const { x, labels } = makeBatch(32, seqLength);
      const l = g.nn.functional.crossEntropy(head.forward(unroll(cell, x, hidden)), labels);
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      return l.item();
    });
    losses.push({ step: step + 1, loss });
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / steps;
  const accuracy = g.tidy(() => g.noGrad(() => {
    const { x, labels } = makeBatch(500, seqLength);
    return head.forward(unroll(cell, x, hidden)).argmax(1).eq(labels).float().mean().item();
  }));
  console.log(`\nhand-written LSTM cell trained through the tape, length ${seqLength}, ${steps} steps: loss ${loss.toFixed(3)}, test accuracy ${(accuracy * 100).toFixed(0)}%, ${ms.toFixed(1)} ms/step`);
  return { ms, losses };
}

async function main({ quick }) {
  const input = 10;
  const hidden = 16;
  g.manualSeed(0);
  const x = g.randn([4, quick ? 5 : 20, input]);

  const lstmCell = new ManualLSTMCell(input, hidden);
  const lstm = new g.nn.LSTM({ inputSize: input, hiddenSize: hidden, batchFirst: true });
  // PyTorch's order i, f, g, o from the chapter's W_i, W_f, W_C, W_o.
  lstm.loadStateDict(fusedStateDict([split(lstmCell.W_i, hidden), split(lstmCell.W_f, hidden), split(lstmCell.W_C, hidden), split(lstmCell.W_o, hidden)], hidden));
  compare('LSTM (chapter cell vs g.nn.LSTM)', lstmCell, lstm, x, hidden);

  const gruCell = new ManualGRUCell(input, hidden);
  const gru = new g.nn.GRU({ inputSize: input, hiddenSize: hidden, batchFirst: true, resetAfter: false });
  // PyTorch's order r, z, n, with z negated: the chapter's z is the complement of PyTorch's.
  gru.loadStateDict(fusedStateDict([split(gruCell.W_r, hidden), split(gruCell.W_z, hidden, -1), split(gruCell.W_h, hidden)], hidden));
  compare('GRU  (chapter cell vs g.nn.GRU({ resetAfter: false }))', gruCell, gru, x, hidden);

  const { ms: manualMs, losses } = trainManual(quick);
  const fused = new g.nn.LSTM({ inputSize: 10, hiddenSize: 16, batchFirst: true });
  const batch = makeBatch(32, quick ? 5 : 10);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) g.tidy(() => fused.forward(batch.x).h.sum().backward());
  const fusedMs = Number(process.hrtime.bigint() - start) / 1e6 / 20;
  console.log(`the fused g.nn.LSTM's forward + backward on the same batch: ${fusedMs.toFixed(2)} ms (the hand-written cell's whole step: ${manualMs.toFixed(1)} ms)`);
  const paths = await savePlot(
    'manual-cells',
    {
      title: { text: "Training the chapter's hand-written LSTM cell", subtitle: 'built from ops (cat, Linear, sigmoid, tanh, mul), gradients from the tape' },
      width: 420,
      height: 220,
      data: { values: losses },
      mark: 'line',
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'training step' },
        y: { field: 'loss', type: 'quantitative', title: 'cross-entropy loss' },
      },
    },
    { quick },
  );
  console.log(`\nplot: ${describePaths(paths)}`);
}

module.exports = { description: "sections 2.2-2.3: the chapter's hand-written LSTM / GRU cells from ops, equal to the fused modules", main };
if (require.main === module) runExample(module.exports, process.argv.slice(2));
