// Batches of items, in order or shuffled (seeded), optionally bucketed by length.
import { checkBoolean, checkInteger, checkKnownKeys, typeError } from '../validate';
import { permutation } from './random';

export interface BatchOptions<T> {
  /** Items per batch (the last batch may be smaller unless dropLast). */
  batchSize: number;
  /** Shuffle the items (default false). */
  shuffle?: boolean;
  /** The shuffling seed (default 0). */
  seed?: number;
  /** Leave out a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /**
   * A length per item, for bucketing: items are shuffled (if asked), cut into pools of
   * bucketSize batches, sorted by length inside each pool, cut into batches, and the batches are
   * shuffled. Each batch then holds items of similar length, so little of it is padding.
   */
  lengthOf?: (item: T, index: number) => number;
  /** Batches per pool when bucketing (default 50). */
  bucketSize?: number;
}

function checkBatchOptions<T>(options: BatchOptions<T>, name: string) {
  if (typeof options !== 'object' || options === null) throw typeError(name, 'an object { batchSize, ... }', options);
  checkKnownKeys(options, name, ['batchSize', 'shuffle', 'seed', 'dropLast', 'lengthOf', 'bucketSize']);
  const batchSize = checkInteger(options.batchSize, `${name}.batchSize`, 1);
  const shuffle = checkBoolean(options.shuffle ?? false, `${name}.shuffle`);
  const seed = checkInteger(options.seed ?? 0, `${name}.seed`, 0, 2 ** 32 - 1);
  const dropLast = checkBoolean(options.dropLast ?? false, `${name}.dropLast`);
  if (options.lengthOf !== undefined && typeof options.lengthOf !== 'function') throw typeError(`${name}.lengthOf`, 'a function', options.lengthOf);
  const bucketSize = checkInteger(options.bucketSize ?? 50, `${name}.bucketSize`, 1);
  return { batchSize, shuffle, seed, dropLast, lengthOf: options.lengthOf, bucketSize };
}

/** The item indices of each batch, for items of which lengthOf (if given) is asked. */
function planBatches<T>(items: readonly T[], o: ReturnType<typeof checkBatchOptions<T>>): number[][] {
  const n = items.length;
  const order = o.shuffle ? permutation(n, o.seed) : Array.from({ length: n }, (_, i) => i);
  const cut = (indices: number[]): number[][] => {
    const out: number[][] = [];
    for (let i = 0; i < indices.length; i += o.batchSize) out.push(indices.slice(i, i + o.batchSize));
    return out;
  };
  let plan: number[][];
  if (o.lengthOf) {
    const lengthOf = o.lengthOf;
    const lengths = items.map((item, i) => lengthOf(item, i));
    const pool = o.batchSize * o.bucketSize;
    plan = [];
    for (let start = 0; start < n; start += pool) {
      const part = order.slice(start, start + pool).sort((a, b) => lengths[a] - lengths[b] || a - b);
      plan.push(...cut(part));
    }
    if (o.dropLast) plan = plan.filter((batch) => batch.length === o.batchSize);
    if (o.shuffle) plan = permutation(plan.length, (o.seed + 0x9e3779b9) >>> 0).map((i) => plan[i]);
    return plan;
  }
  plan = cut(order);
  if (o.dropLast) plan = plan.filter((batch) => batch.length === o.batchSize);
  return plan;
}

/**
 * The items in batches (arrays of items). With shuffle, the order is seeded: pass a different seed
 * each epoch (seed + epoch) to get a new order. DataLoader does that for you.
 */
export function* batches<T>(items: readonly T[], options: BatchOptions<T>): Generator<T[]> {
  if (!Array.isArray(items)) throw typeError('items', 'an array', items);
  const o = checkBatchOptions(options, 'batches options');
  for (const batch of planBatches(items, o)) yield batch.map((i) => items[i]);
}

export interface DataLoaderOptions<T, B> extends BatchOptions<T> {
  /** Turns an array of items into a batch (default: the array itself). */
  collate?: (items: T[]) => B;
}

/**
 * Iterates over items in batches, like PyTorch's DataLoader. Each pass (for ... of) is an epoch.
 * With shuffle, epoch k uses seed + k, so every epoch has a new order and a run is reproducible.
 *
 *     const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 1, collate: toTensors });
 *     for (let epoch = 0; epoch < 5; epoch++) for (const { x, lengths, y } of loader) { ... }
 */
export class DataLoader<T, B = T[]> implements Iterable<B> {
  readonly items: readonly T[];
  /** The number of passes started so far. */
  epoch = 0;
  private readonly options: ReturnType<typeof checkBatchOptions<T>>;
  private readonly collate: (items: T[]) => B;

  constructor(items: readonly T[], options: DataLoaderOptions<T, B>) {
    if (!Array.isArray(items)) throw typeError('items', 'an array', items);
    const { collate, ...rest } = options ?? ({} as DataLoaderOptions<T, B>);
    if (collate !== undefined && typeof collate !== 'function') throw typeError('options.collate', 'a function', collate);
    this.items = items;
    this.options = checkBatchOptions(rest as BatchOptions<T>, 'DataLoader options');
    this.collate = collate ?? ((batch: T[]) => batch as unknown as B);
  }

  /** The number of batches in one pass. */
  get length(): number {
    const n = this.items.length;
    const size = this.options.batchSize;
    if (!this.options.dropLast) {
      if (!this.options.lengthOf) return Math.ceil(n / size);
      const pool = size * this.options.bucketSize;
      return Math.floor(n / pool) * this.options.bucketSize + Math.ceil((n % pool) / size);
    }
    if (!this.options.lengthOf) return Math.floor(n / size);
    const pool = size * this.options.bucketSize;
    return Math.floor(n / pool) * this.options.bucketSize + Math.floor((n % pool) / size);
  }

  *[Symbol.iterator](): Iterator<B> {
    const seed = (this.options.seed + this.epoch) >>> 0;
    this.epoch += 1;
    for (const batch of planBatches(this.items, { ...this.options, seed })) yield this.collate(batch.map((i) => this.items[i]));
  }
}
