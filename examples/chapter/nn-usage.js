// Sections 2.2–2.4, "using nn.LSTM / nn.GRU" and "bidirectional LSTM": the modules' arguments, the
// shapes they return, and their parameter counts. An LSTM has 4 gates' worth of weights per layer,
// a GRU 3 and a plain RNN 1, so a GRU has 3/4 of an LSTM's parameters; bidirectional doubles them.
'use strict';
const g = require('../..');
const { savePlot, describePaths } = require('../lib/plot');
const { printTable } = require('../lib/format');
const { runExample } = require('../lib/cli');

const shape = (t) => `[${t.shape.join(', ')}]`;
/** The number of trainable numbers in a module: sum of p.numel() in PyTorch. */
const countParameters = (module) => module.parameters().reduce((n, p) => n + p.size, 0);
const thousands = (n) => n.toLocaleString('en-US');

/** The seed chapter's BidirectionalLSTM: an LSTM read in both directions and a head on the last output. */
class BidirectionalLSTM extends g.nn.Module {
  constructor(inputSize, hiddenSize, numClasses) {
    super();
    this.lstm = new g.nn.LSTM({ inputSize, hiddenSize, batchFirst: true, bidirectional: true });
    this.fc = new g.nn.Linear(hiddenSize * 2, numClasses); // forward and reverse halves side by side
  }

  forward(x) {
    const { output } = this.lstm.forward(x); // [batch, seq, 2 × hidden]
    return this.fc.forward(output.select(1, -1));
  }
}

async function main({ quick }) {
  g.manualSeed(0);
  const options = { inputSize: 10, hiddenSize: 20, numLayers: 2, batchFirst: true, dropout: 0.2, bidirectional: false };

  console.log('=== nn.LSTM ===');
  console.log(`new g.nn.LSTM(${JSON.stringify(options)})`);
  const lstm = new g.nn.LSTM(options);
  const x = g.randn([32, 15, 10]);
  const { output, h, c } = lstm.forward(x);
  console.log(`input:              ${shape(x)}  (batch, seq, input_size)`);
  console.log(`output:             ${shape(output)}  (batch, seq, hidden_size)`);
  console.log(`final hidden h:     ${shape(h)}  (num_layers, batch, hidden_size)`);
  console.log(`final cell state c: ${shape(c)}  (num_layers, batch, hidden_size)`);
  const lstmParams = countParameters(lstm);
  console.log(`parameters: ${thousands(lstmParams)} (4 gates per layer: i, f, g, o)`);
  for (const [name, p] of lstm.namedParameters()) console.log(`  ${name.padEnd(14)} ${shape(p)}`);

  console.log('\n=== nn.GRU ===');
  const gru = new g.nn.GRU(options);
  const gruOut = gru.forward(x);
  console.log(`input:          ${shape(x)}`);
  console.log(`output:         ${shape(gruOut.output)}`);
  console.log(`final hidden h: ${shape(gruOut.h)}  (a GRU has no cell state)`);
  const gruParams = countParameters(gru);
  console.log(`GRU parameters:  ${thousands(gruParams)}`);
  console.log(`LSTM parameters: ${thousands(lstmParams)}`);
  console.log(`difference: ${thousands(lstmParams - gruParams)}; GRU / LSTM = ${((gruParams / lstmParams) * 100).toFixed(1)}% (3 gates instead of 4)`);

  console.log('\n=== bidirectional LSTM ===');
  const model = new BidirectionalLSTM(10, 32, 10);
  const xb = g.randn([4, 15, 10]);
  const { output: bOut, h: bH } = model.lstm.forward(xb);
  console.log(`input:              ${shape(xb)}`);
  console.log(`LSTM output:        ${shape(bOut)}  (batch, seq, 2 × hidden: forward and reverse halves)`);
  console.log(`LSTM final hidden:  ${shape(bH)}  (directions, batch, hidden)`);
  console.log(`logits:             ${shape(model.forward(xb))}`);

  // Parameter counts, input 10, hidden 32, one layer: uni- vs bidirectional, for each cell.
  const rows = [];
  for (const [name, Cell] of [['RNN', g.nn.RNN], ['GRU', g.nn.GRU], ['LSTM', g.nn.LSTM]]) {
    const uni = countParameters(new Cell({ inputSize: 10, hiddenSize: 32, batchFirst: true }));
    const bi = countParameters(new Cell({ inputSize: 10, hiddenSize: 32, batchFirst: true, bidirectional: true }));
    rows.push({ model: name, unidirectional: uni, bidirectional: bi, 'bi / uni': `${(bi / uni).toFixed(1)}×` });
  }
  console.log('\nParameters, input 10, hidden 32, one layer:');
  printTable(rows.map((r) => ({ ...r, unidirectional: thousands(r.unidirectional), bidirectional: thousands(r.bidirectional) })));
  const lstmRow = rows.find((r) => r.model === 'LSTM');
  const gruRow = rows.find((r) => r.model === 'GRU');
  console.log(`GRU / LSTM = ${((gruRow.unidirectional / lstmRow.unidirectional) * 100).toFixed(1)}%; bidirectional has exactly 2× the parameters.`);

  const data = rows.flatMap((r) => [
    { model: r.model, direction: 'unidirectional', parameters: r.unidirectional },
    { model: r.model, direction: 'bidirectional', parameters: r.bidirectional },
  ]);
  const encoding = {
    x: { field: 'model', type: 'nominal', sort: ['RNN', 'GRU', 'LSTM'], title: null, axis: { labelAngle: 0, labelFontSize: 12 } },
    xOffset: { field: 'direction', sort: ['unidirectional', 'bidirectional'] },
    y: { field: 'parameters', type: 'quantitative', title: 'parameters' },
    color: { field: 'direction', type: 'nominal', sort: ['unidirectional', 'bidirectional'], title: null, legend: { orient: 'top' } },
  };
  const paths = await savePlot(
    'nn-usage',
    {
      title: { text: 'Parameter counts: RNN vs GRU vs LSTM', subtitle: 'input 10, hidden 32, one layer; GRU = 3/4 of LSTM, bidirectional = 2×' },
      width: 360,
      height: 260,
      data: { values: data },
      layer: [
        { mark: 'bar', encoding },
        { mark: { type: 'text', dy: -7, fontSize: 11 }, encoding: { ...encoding, color: undefined, text: { field: 'parameters', format: ',' } } },
      ],
    },
    { quick },
  );
  console.log(`\nplot: ${describePaths(paths)}`);
}

module.exports = {
  description: 'sections 2.2–2.4: nn.LSTM / nn.GRU / bidirectional shapes and parameter counts (GRU ≈ 75% of LSTM)',
  main,
};
if (require.main === module) runExample(module.exports, process.argv.slice(2));
