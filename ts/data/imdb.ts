// The IMDb movie-review data set (Maas et al., 2011) read from its aclImdb folder.
import { readFile, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { checkInteger, checkKnownKeys, typeError } from '../validate';

export type ImdbSplitName = 'train' | 'test';

export interface ImdbSplit {
  /** The review texts (HTML line breaks `<br />` left in: tokenize strips them). */
  texts: string[];
  /** 1 for a positive review (pos/), 0 for a negative one (neg/). */
  labels: number[];
  /** The star rating from the file name, 1–10 (pos: 7–10, neg: 1–4). */
  ratings: number[];
  /** The review id from the file name (unique within a split and class). */
  ids: number[];
}

export interface ImdbData {
  /** The folder read: the one given, or its aclImdb/ subfolder. */
  root: string;
  train?: ImdbSplit;
  test?: ImdbSplit;
  /** The words of imdb.vocab, in its order, or null if the file is absent. */
  vocab: string[] | null;
}

export interface ImdbOptions {
  /** The splits to read (default both). */
  splits?: ImdbSplitName[];
  /** Read at most this many reviews of each class of each split: the lowest ids (default: all). */
  limitPerClass?: number;
  /** Files read at the same time (default 64). */
  concurrency?: number;
}

const LAYOUT = '{train,test}/{pos,neg}/<id>_<rating>.txt';
const FILE = /^(\d+)_(\d+)\.txt$/;

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Runs fn over items with at most `limit` calls in flight; results in input order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function readClass(dir: string, label: number, limit: number, concurrency: number): Promise<ImdbSplit> {
  const names = (await readdir(dir)).filter((name) => !name.startsWith('.'));
  const entries = names.map((name) => {
    const match = FILE.exec(name);
    if (!match) {
      throw new Error(`gated: expected every file in ${dir} to be named <id>_<rating>.txt (the aclImdb layout ${LAYOUT}) but found '${name}'`);
    }
    const rating = Number(match[2]);
    if (rating < 1 || rating > 10) throw new Error(`gated: expected the rating in ${path.join(dir, name)} to be in 1–10 but it is ${rating}`);
    return { name, id: Number(match[1]), rating };
  });
  if (entries.length === 0) throw new Error(`gated: expected review files <id>_<rating>.txt in ${dir} (the aclImdb layout ${LAYOUT}) but it is empty`);
  entries.sort((a, b) => a.id - b.id || (a.name < b.name ? -1 : 1));
  const chosen = entries.slice(0, limit);
  const texts = await mapLimited(chosen, concurrency, (e) => readFile(path.join(dir, e.name), 'utf8'));
  return { texts, labels: chosen.map(() => label), ratings: chosen.map((e) => e.rating), ids: chosen.map((e) => e.id) };
}

/**
 * Reads the IMDb reviews from an extracted aclImdb_v1.tar.gz: `dir` is the aclImdb folder (or the
 * folder that holds it), with train/ and test/, each with pos/ and neg/ of `<id>_<rating>.txt`
 * files, and imdb.vocab. Each split lists the positive reviews, then the negative ones, by id.
 * Other entries (train/unsup/, *.feat, urls_*.txt) are ignored. A missing folder, a misnamed file or
 * an empty class throws an Error that names the path and the expected layout.
 *
 *     const { train, test } = await g.data.loadImdb('data/aclImdb');
 *     train.texts.length; // 25000, train.labels[i] is 1 (pos) or 0 (neg), train.ratings[i] in 1–10
 */
export async function loadImdb(dir: string, options: ImdbOptions = {}): Promise<ImdbData> {
  if (typeof dir !== 'string' || dir === '') throw typeError('dir', 'the path of the aclImdb folder', dir);
  checkKnownKeys(options, 'loadImdb options', ['splits', 'limitPerClass', 'concurrency']);
  const splits = options.splits ?? ['train', 'test'];
  if (!Array.isArray(splits) || splits.length === 0 || splits.some((s) => s !== 'train' && s !== 'test')) {
    throw typeError('options.splits', "a non-empty array of 'train' and 'test'", splits);
  }
  const limit = options.limitPerClass === undefined ? Infinity : checkInteger(options.limitPerClass, 'options.limitPerClass', 1);
  const concurrency = checkInteger(options.concurrency ?? 64, 'options.concurrency', 1);

  if (!(await isDirectory(dir))) throw new Error(`gated: the IMDb folder ${dir} does not exist or is not a folder (expected the aclImdb layout ${LAYOUT})`);
  let root = dir;
  if (!(await isDirectory(path.join(dir, splits[0]))) && (await isDirectory(path.join(dir, 'aclImdb')))) root = path.join(dir, 'aclImdb');
  for (const split of splits) {
    for (const cls of ['pos', 'neg']) {
      const sub = path.join(root, split, cls);
      if (!(await isDirectory(sub))) {
        throw new Error(`gated: expected the IMDb folder ${root} to have the aclImdb layout ${LAYOUT}, but ${sub} is missing`);
      }
    }
  }
  const result: ImdbData = { root, vocab: null };
  for (const split of splits) {
    const pos = await readClass(path.join(root, split, 'pos'), 1, limit, concurrency);
    const neg = await readClass(path.join(root, split, 'neg'), 0, limit, concurrency);
    result[split] = {
      texts: [...pos.texts, ...neg.texts],
      labels: [...pos.labels, ...neg.labels],
      ratings: [...pos.ratings, ...neg.ratings],
      ids: [...pos.ids, ...neg.ids],
    };
  }
  try {
    const text = await readFile(path.join(root, 'imdb.vocab'), 'utf8');
    result.vocab = text.split(/\r?\n/).filter((w) => w !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return result;
}
