// Classifies messages with a model that train.js (or best-practice.js, attention.js, imdb.js) saved:
// it reads config.json, vocab.json (g.data.Vocabulary.fromJSON) and best.safetensors (g.load).
//
//   node examples/sentiment/predict.js "Click here to claim your FREE prize"            # train.js's model
//   node examples/sentiment/predict.js --quick                                          # train.js --quick's
//   node examples/sentiment/predict.js --dir /tmp/gated-examples/sentiment-attention "text" ...
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const g = require('../..');
const common = require('./common');
const { MODELS } = require('./models');

/** predictSentiment(text) -> { label, confidence } for the model saved in dir. */
async function loadPredictor(dir, labels) {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const vocab = g.data.Vocabulary.fromJSON(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8'));
  const model = new MODELS[config.model]({ ...config, vocabSize: vocab.size });
  model.loadStateDict(await g.load(path.join(dir, 'best.safetensors')));
  return common.makePredictor(model, vocab, { maxTokens: config.maxTokens, labels: labels ?? (dir.includes('imdb') ? ['negative', 'positive'] : ['ham', 'spam']) });
}

async function main() {
  const options = common.parseArgs({ dir: '' });
  // train.js --quick keeps its model apart from the full run's, and predict.js --quick reads that one.
  if (!options.dir) options.dir = common.outputDir(options.quick ? 'sentiment-lstm-quick' : 'sentiment-lstm');
  if (!fs.existsSync(path.join(options.dir, 'best.safetensors'))) throw new Error(`no saved model in ${options.dir}: run node examples/sentiment/train.js first`);
  const predictSentiment = await loadPredictor(options.dir);
  const texts = options.positional.length ? options.positional : ['Dear friend, you have WON $1,000,000. Reply with your bank details to claim.'];
  for (const text of texts) {
    const { label, confidence } = predictSentiment(text);
    console.log(`${label} (${common.percent(confidence, 1)})  ${text}`);
  }
}

module.exports = { loadPredictor };
if (require.main === module) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
