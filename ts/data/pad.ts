// Padding token-index sequences of different lengths into one batch tensor.
import { tensor } from '../creation';
import { Tensor } from '../tensor';
import { checkInteger, checkKnownKeys, checkOneOf, rangeError, typeError } from '../validate';

export interface PadOptions {
  /** Cut longer sequences to this many elements (default: no limit). */
  maxLength?: number;
  /** The value of the padding positions (default 0, <pad> in a Vocabulary). */
  padValue?: number;
  /** Which end of a long sequence to cut: 'post' keeps the start (default), 'pre' keeps the end. */
  truncating?: 'post' | 'pre';
  /** 'longest' (default): T is the longest sequence after truncation; 'maxLength': T is always maxLength. */
  padTo?: 'longest' | 'maxLength';
  /** The dtype of both tensors: 'int64' (default) or 'int32'. */
  dtype?: 'int64' | 'int32';
}

export interface PaddedBatch {
  /** [B, T]: each sequence from step 0, then padValue. */
  tensor: Tensor;
  /** [B]: each sequence's length after truncation (pass it as the recurrent layers' lengths). */
  lengths: Tensor;
}

/**
 * Stacks sequences of indices into a [B, T] tensor, padded at the end with padValue, and returns
 * their lengths [B] for the recurrent layers' `lengths`. Sequences longer than maxLength are cut. T is
 * at least 1, so a batch of empty sequences gives [B, 1] of padding with lengths 0.
 */
export function padSequences(sequences: readonly ArrayLike<number | bigint>[], options: PadOptions = {}): PaddedBatch {
  if (!Array.isArray(sequences)) throw typeError('sequences', 'an array of index arrays', sequences);
  checkKnownKeys(options, 'padSequences options', ['maxLength', 'padValue', 'truncating', 'padTo', 'dtype']);
  if (sequences.length === 0) throw rangeError('sequences', 'a non-empty array (a batch of at least one sequence)', sequences);
  const maxLength = options.maxLength === undefined ? Infinity : checkInteger(options.maxLength, 'options.maxLength', 1);
  const padValue = checkInteger(options.padValue ?? 0, 'options.padValue', -(2 ** 31), 2 ** 31 - 1);
  const truncating = checkOneOf(options.truncating ?? 'post', 'options.truncating', ['post', 'pre'] as const);
  const padTo = checkOneOf(options.padTo ?? 'longest', 'options.padTo', ['longest', 'maxLength'] as const);
  const dtype = checkOneOf(options.dtype ?? 'int64', 'options.dtype', ['int64', 'int32'] as const);
  if (padTo === 'maxLength' && maxLength === Infinity) throw rangeError('options.maxLength', "an integer >= 1 when padTo is 'maxLength'", undefined);

  const B = sequences.length;
  const lengths = new Int32Array(B);
  sequences.forEach((seq, b) => {
    if (seq === null || typeof seq !== 'object' || typeof seq.length !== 'number') throw typeError(`sequences[${b}]`, 'an array of integers', seq);
    lengths[b] = Math.min(seq.length, maxLength);
  });
  let T = 1;
  if (padTo === 'maxLength') T = maxLength;
  else for (let b = 0; b < B; b++) T = Math.max(T, lengths[b]);
  const data = new Int32Array(B * T).fill(padValue);
  sequences.forEach((seq, b) => {
    const start = truncating === 'pre' ? seq.length - lengths[b] : 0;
    for (let t = 0; t < lengths[b]; t++) {
      const v = seq[start + t];
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
        throw typeError(`sequences[${b}][${start + t}]`, 'an integer in the int32 range', v);
      }
      data[b * T + t] = n;
    }
  });
  if (dtype === 'int32') return { tensor: tensor(data, [B, T]), lengths: tensor(lengths, [B]) };
  const wide = new BigInt64Array(B * T);
  for (let i = 0; i < data.length; i++) wide[i] = BigInt(data[i]);
  const wideLengths = new BigInt64Array(B);
  for (let b = 0; b < B; b++) wideLengths[b] = BigInt(lengths[b]);
  return { tensor: tensor(wide, [B, T]), lengths: tensor(wideLengths, [B]) };
}
