// Section 2.6's BestPracticeLSTM on the SpamAssassin corpus: padding index, a bidirectional LSTM with
// dropout 0.3 between layers, BatchNorm1d on the pooled features, Dropout(0.5), gradient clipping
// (max norm 5) and ReduceLROnPlateau (factor 0.5) on the validation loss. Same data, split and
// options as train.js, whose baseline it is compared with in README.md.
//
//   node examples/sentiment/best-practice.js [--quick] [--epochs N --hidden H --patience P ...]
'use strict';
const g = require('../..');
const common = require('./common');
const { DEFAULTS, QUICK, SAMPLES, trainAndTest, summaryRow, loadData } = require('./train');

async function main() {
  const options = common.parseArgs({ ...DEFAULTS, model: 'best-practice', patience: 0, factor: 0.5 }, QUICK);
  common.setThreads(options.threads);
  const data = loadData(options);
  let scheduler = null;
  const result = await trainAndTest(options.model, data, options, (model) => {
    const optimizer = new g.optim.Adam(model.parameters(), { lr: options.lr });
    scheduler = new g.optim.ReduceLROnPlateau(optimizer, { mode: 'min', factor: options.factor, patience: options.patience });
    return {
      optimizer,
      afterEpoch: (validation) => {
        const before = optimizer.paramGroups[0].lr;
        scheduler.step(validation.loss);
        const after = optimizer.paramGroups[0].lr;
        if (after !== before) console.log(`  ReduceLROnPlateau: validation loss did not improve for ${options.patience + 1} epoch(s); lr ${before.toExponential(1)} -> ${after.toExponential(1)}`);
      },
    };
  });
  console.table([summaryRow(result)]);
  console.log('\npredictSentiment on new messages:');
  for (const text of SAMPLES) {
    const { label, confidence } = result.predictSentiment(text);
    console.log(`  ${label.padEnd(4)} ${common.percent(confidence, 1).padStart(6)}  ${text.slice(0, 90)}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
