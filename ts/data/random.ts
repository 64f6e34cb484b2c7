// Seeded shuffling and splitting, independent of g.manualSeed: the same seed gives the same order
// on every machine and in every Node version.
import { checkInteger, checkKnownKeys, rangeError, typeError } from '../validate';

/**
 * A seeded generator of uniform numbers in [0, 1) (mulberry32: 32-bit state, fast, and good enough
 * for shuffling; not for cryptography).
 */
export function seededRandom(seed: number): () => number {
  let state = checkInteger(seed, 'seed', 0, 2 ** 32 - 1) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0, 1, ..., n - 1 in a seeded random order (Fisher–Yates). */
export function permutation(n: number, seed = 0): number[] {
  checkInteger(n, 'n', 0);
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export interface ShuffleOptions {
  /** The seed (default 0): the same seed always gives the same order. */
  seed?: number;
}

/** A shuffled copy of items; the input is left as it is. */
export function shuffle<T>(items: readonly T[], options: ShuffleOptions = {}): T[] {
  if (!Array.isArray(items)) throw typeError('items', 'an array', items);
  checkKnownKeys(options, 'shuffle options', ['seed']);
  return permutation(items.length, options.seed ?? 0).map((i) => items[i]);
}

export interface SplitOptions<T> {
  /** The test part: a fraction in (0, 1), or a number of items (default 0.25). */
  testSize?: number;
  /** The seed (default 0). */
  seed?: number;
  /**
   * A group key per item (an array parallel to items, or a function of the item and its index).
   * Each group is split on its own, so every group keeps its share in both parts.
   */
  stratify?: readonly (string | number)[] | ((item: T, index: number) => string | number);
}

export interface Split<T> {
  train: T[];
  test: T[];
  /** The positions in the input of train's and test's items, in the same order. */
  trainIndices: number[];
  testIndices: number[];
}

/**
 * Splits items at random into train and test parts, like scikit-learn's train_test_split. With a
 * fraction, round(size × testSize) items of each group (or of all items) go to test. Both parts come
 * out in a seeded random order, and the same seed always gives the same split.
 */
export function trainTestSplit<T>(items: readonly T[], options: SplitOptions<T> = {}): Split<T> {
  if (!Array.isArray(items)) throw typeError('items', 'an array', items);
  checkKnownKeys(options, 'trainTestSplit options', ['testSize', 'seed', 'stratify']);
  const testSize = options.testSize ?? 0.25;
  if (typeof testSize !== 'number') throw typeError('options.testSize', 'a fraction in (0, 1) or a whole number of items', testSize);
  const isFraction = testSize > 0 && testSize < 1;
  if (!isFraction && !(Number.isInteger(testSize) && testSize >= 0 && testSize <= items.length)) {
    throw rangeError('options.testSize', `a fraction in (0, 1) or a whole number of items in [0, ${items.length}]`, testSize);
  }
  const seed = options.seed ?? 0;
  const { stratify } = options;
  let keys: (string | number)[];
  if (stratify === undefined) keys = items.map(() => 0);
  else if (typeof stratify === 'function') keys = items.map((item, i) => stratify(item, i));
  else if (Array.isArray(stratify)) {
    if (stratify.length !== items.length) throw rangeError('options.stratify', `an array of length ${items.length} (one key per item)`, stratify);
    keys = stratify.slice();
  } else throw typeError('options.stratify', 'an array of keys or a function', stratify);

  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const name = `${typeof key}:${String(key)}`;
    let list = groups.get(name);
    if (!list) groups.set(name, (list = []));
    list.push(i);
  });
  const order = permutation(items.length, seed);
  const rank = new Int32Array(items.length);
  order.forEach((index, position) => (rank[index] = position));
  const lists = [...groups.values()];
  let counts: number[];
  if (isFraction) counts = lists.map((members) => Math.round(members.length * testSize));
  else {
    // A number of items: shared out in proportion to group size, the remainder by largest fraction.
    const shares = lists.map((members) => (members.length * testSize) / Math.max(1, items.length));
    counts = shares.map(Math.floor);
    let left = testSize - counts.reduce((a, b) => a + b, 0);
    const byFraction = shares.map((share, g) => [share - Math.floor(share), g]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, g] of byFraction) {
      if (left === 0) break;
      counts[g] += 1;
      left -= 1;
    }
  }
  const testSet = new Set<number>();
  lists.forEach((members, g) => {
    members.sort((a, b) => rank[a] - rank[b]);
    for (let k = 0; k < counts[g]; k++) testSet.add(members[k]);
  });
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  for (const index of order) (testSet.has(index) ? testIndices : trainIndices).push(index);
  return {
    train: trainIndices.map((i) => items[i]),
    test: testIndices.map((i) => items[i]),
    trainIndices,
    testIndices,
  };
}
