// The chapter's own task: IMDb sentiment (section 2.5) on the real data, for when you have it.
// Download and extract aclImdb_v1.tar.gz (https://ai.stanford.edu/~amaas/data/sentiment/), then:
//
//   node examples/sentiment/imdb.js path/to/aclImdb             # 25,000 train / 25,000 test reviews
//   node examples/sentiment/imdb.js path/to/aclImdb --quick     # 200 reviews per class and split
//
// The reviews come in through g.data.loadImdb; the model, the training loop and the options are
// train.js's (--hidden 256 --max-tokens 400 for the chapter's sizes, given the time).
'use strict';
const path = require('node:path');
const g = require('../..');
const common = require('./common');
const { DEFAULTS, QUICK, trainAndTest, summaryRow } = require('./train');

const REVIEWS = [
  'This movie is absolutely amazing! I loved every moment.',
  'Terrible film. Waste of time and money.',
  'It was okay, nothing special but not bad either.',
  "One of the best movies I've ever seen!",
  'Boring and predictable. Would not recommend.',
];

async function main() {
  const options = common.parseArgs({ ...DEFAULTS, maxTokens: 300, perClass: 0 }, { ...QUICK, limit: 1, perClass: 200 });
  const dir = options.positional[0];
  if (!dir) throw new Error('usage: node examples/sentiment/imdb.js path/to/aclImdb [--quick] [options]');
  common.setThreads(options.threads);
  const start = Date.now();
  const imdb = await g.data.loadImdb(dir, options.perClass > 0 ? { limitPerClass: options.perClass } : {});
  const examples = (split) =>
    split.texts.map((text, i) => ({ text, label: split.labels[i], rating: split.ratings[i], category: split.labels[i] ? 'positive' : 'negative' }));
  const { train, test: validation } = g.data.trainTestSplit(examples(imdb.train), { testSize: 0.1, seed: options.seed, stratify: (e) => e.label });
  const test = examples(imdb.test);
  for (const list of [train, validation, test]) for (const e of list) e.tokens = g.data.tokenize(e.text).slice(0, options.maxTokens);
  const vocab = g.data.Vocabulary.build(
    train.map((e) => e.tokens),
    { maxSize: options.maxVocab },
  );
  for (const list of [train, validation, test]) for (const e of list) e.ids = vocab.encode(e.tokens);
  console.log(`IMDb (${path.resolve(imdb.root)}): train ${train.length}, validation ${validation.length}, test ${test.length}; ` +
    `vocabulary ${vocab.size} (imdb.vocab lists ${imdb.vocab ? imdb.vocab.length : 'no'} words); read in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  const data = { train, validation, test, vocab };
  const result = await trainAndTest('lstm', data, { ...options, out: options.out || common.outputDir(options.quick ? 'sentiment-imdb-quick' : 'sentiment-imdb') });
  console.table([summaryRow(result)]);
  const predict = common.makePredictor(result.model, vocab, { maxTokens: options.maxTokens, labels: ['Negative', 'Positive'] });
  for (const review of REVIEWS) {
    const { label, confidence } = predict(review);
    console.log(`  ${label} (${common.percent(confidence)})  ${review}`);
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
