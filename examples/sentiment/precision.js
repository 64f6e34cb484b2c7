// What serving a trained classifier in 16 bits costs: the test messages classified by the model
// train.js saved, with its LSTM computing in float32, bfloat16 and float16 (module.setDtype). Prints
// each dtype's accuracy, how many predictions differ from float32's, the largest change of a
// probability, and the time per message.
//
//   node examples/sentiment/train.js --quick && node examples/sentiment/precision.js --quick
//   node examples/sentiment/precision.js --dir /tmp/gated-examples/sentiment-lstm
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const g = require('../..');
const common = require('./common');
const { MODELS } = require('./models');

const DTYPES = ['float32', 'bfloat16', 'float16'];

/** The test part of train.js's split (30% of every corpus folder, seed 0), encoded with `vocab`. */
function testMessages(vocab, maxTokens) {
  const { test } = g.data.trainTestSplit(common.loadSpamAssassin(), { testSize: 0.3, seed: 0, stratify: (e) => e.group });
  for (const e of test) e.ids = vocab.encode(g.data.tokenize(e.text).slice(0, maxTokens));
  return test;
}

/** Every recurrent layer of `model` computes in `dtype` from now on. */
function setRecurrentDtype(model, dtype) {
  for (const m of model.modules()) if (m instanceof g.nn.RecurrentBase) m.setDtype(dtype);
}

/** The spam probability of every message, in order, and the milliseconds it took. */
function probabilities(model, messages, maxTokens) {
  model.eval();
  const out = new Float64Array(messages.length);
  const start = process.hrtime.bigint();
  for (let first = 0; first < messages.length; first += 64) {
    const batch = common.collate(messages.slice(first, first + 64), maxTokens);
    const p = g.tidy(() => g.noGrad(() => model.forward(batch.x, batch.lengths).sigmoid().dataSync()));
    out.set(p, first);
    common.disposeBatch(batch);
  }
  return { p: out, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

async function main() {
  const options = common.parseArgs({ dir: '' });
  if (!options.dir) options.dir = common.outputDir(options.quick ? 'sentiment-lstm-quick' : 'sentiment-lstm');
  if (!fs.existsSync(path.join(options.dir, 'best.safetensors'))) throw new Error(`no saved model in ${options.dir}: run node examples/sentiment/train.js first`);
  const config = JSON.parse(fs.readFileSync(path.join(options.dir, 'config.json'), 'utf8'));
  const vocab = g.data.Vocabulary.fromJSON(fs.readFileSync(path.join(options.dir, 'vocab.json'), 'utf8'));
  const model = new MODELS[config.model]({ ...config, vocabSize: vocab.size });
  model.loadStateDict(await g.load(path.join(options.dir, 'best.safetensors')));
  const messages = testMessages(vocab, config.maxTokens);
  console.log(`${config.model} from ${options.dir}: ${messages.length} test messages, ${g.getNumThreads()} thread(s)`);
  const rows = [];
  let reference = null;
  for (const dtype of DTYPES) {
    setRecurrentDtype(model, dtype);
    const { p, ms } = probabilities(model, messages, config.maxTokens);
    reference ??= p;
    let correct = 0, flipped = 0, largest = 0;
    p.forEach((value, i) => {
      correct += (value > 0.5 ? 1 : 0) === messages[i].label ? 1 : 0;
      flipped += value > 0.5 !== reference[i] > 0.5 ? 1 : 0;
      largest = Math.max(largest, Math.abs(value - reference[i]));
    });
    rows.push({ dtype, accuracy: common.percent(correct / messages.length), 'predictions changed': flipped, 'largest probability change': largest.toExponential(1), 'ms per message': (ms / messages.length).toFixed(3) });
  }
  console.table(rows);
  console.log('bfloat16 and float16 round the LSTM\'s matrix operands to 16 bits; on the CPU that is emulated (no faster), on a GPU it runs on the tensor cores.');
}

module.exports = { setRecurrentDtype };
if (require.main === module) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
