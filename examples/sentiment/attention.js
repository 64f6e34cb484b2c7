// Exercise 5: improve the baseline. Attention pooling over the LSTM outputs (models.js
// AttentionLSTM: a masked softmax over each message's real tokens, built from g.maskedFill and
// g.softmax) against the chapter's baseline (the final forward and backward states), trained one
// after the other on the same split, with the same seed, options and epochs. Prints both and the gain.
//
//   node examples/sentiment/attention.js [--quick] [--epochs N --hidden H ...]
'use strict';
const g = require('../..');
const common = require('./common');
const { DEFAULTS, QUICK, trainAndTest, summaryRow, loadData } = require('./train');
const { paddingMask } = require('./models');

/** The tokens of one message with the attention weight the model gives each, the largest first. */
function topTokens(model, vocab, example, maxTokens, k = 8) {
  model.eval();
  const { tensor: x, lengths } = g.data.padSequences([example.ids], { maxLength: maxTokens });
  const weights = g.tidy(() =>
    g.noGrad(() => {
      const { output } = model.encode(x, lengths);
      return model.attend(output, lengths).weights.dataSync();
    }),
  );
  x.dispose();
  lengths.dispose();
  return example.ids
    .slice(0, maxTokens)
    .map((id, t) => ({ token: vocab.tokenAt(id), weight: weights[t] }))
    .sort((a, b) => b.weight - a.weight)
    .slice(0, k);
}

async function main() {
  const options = common.parseArgs({ ...DEFAULTS, model: 'attention' }, QUICK);
  common.setThreads(options.threads);
  const data = loadData(options);
  const baseline = await trainAndTest('lstm', data, options);
  const attention = await trainAndTest('attention', data, options);
  console.log('\nSame split, seed, options and epochs; the test uses each model\'s best validation epoch:');
  console.table([summaryRow(baseline), summaryRow(attention)]);
  const gain = attention.test.accuracy - baseline.test.accuracy;
  const errors = (r) => Math.round((1 - r.test.accuracy) * data.test.length);
  console.log(`attention pooling: test accuracy ${common.percent(baseline.test.accuracy)} -> ${common.percent(attention.test.accuracy)} ` +
    `(${gain >= 0 ? '+' : ''}${(100 * gain).toFixed(2)} points; test errors ${errors(baseline)} -> ${errors(attention)} of ${data.test.length})`);
  const hard = (r) => r.test.byCategory['hard ham'];
  if (hard(baseline) && hard(attention)) {
    console.log(`hard ham: ${common.percent(hard(baseline).accuracy)} -> ${common.percent(hard(attention).accuracy)} (${hard(attention).count} messages)`);
  }
  const spam = data.test.find((e) => e.label === 1 && e.ids.length >= 20);
  if (spam) {
    const top = topTokens(attention.model, data.vocab, spam, options.maxTokens);
    console.log(`\nwhere the attention looks in a test spam: ${top.map((t) => `${t.token} ${t.weight.toFixed(3)}`).join(', ')}`);
  }
  // The mask at work: the weights past each message's end are 0 and each row sums to 1.
  const batch = common.collate(data.test.slice(0, 16), options.maxTokens);
  const weights = g.tidy(() => g.noGrad(() => attention.model.attend(attention.model.encode(batch.x, batch.lengths).output, batch.lengths).weights));
  const [B, T] = weights.shape;
  const w = weights.dataSync();
  const n = batch.lengths.dataSync();
  let padMass = 0;
  let worstSum = 0;
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let t = 0; t < T; t++) (t < Number(n[b]) ? (sum += w[b * T + t]) : (padMass += w[b * T + t]));
    worstSum = Math.max(worstSum, Math.abs(sum - 1));
  }
  console.log(`mask check on ${B} test messages: weight on padding ${padMass}, largest |row sum - 1| ${worstSum.toExponential(1)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
