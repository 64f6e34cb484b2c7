// Neural-network ops: embedding lookup, dropout, dtype casts.
import { FloatArray } from '../autograd';
import { DType, FloatDType, allocate, isFloatDType } from '../dtype';
import { native } from '../native';
import { nextSeed } from '../random';
import { Tensor } from '../tensor';
import { checkNumberInRange, rangeError, received, shapeString } from '../validate';
import { floatArg, tensorArg } from './operands';
import { wrap } from './raw';
import { record } from './record';

/** Rows of weight [numEmbeddings, dim] at integer indices: [...indices.shape, dim]. */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  const idx = tensorArg(indices, 'indices');
  const w = floatArg(weight, 'weight');
  if (idx.dtype !== 'int32' && idx.dtype !== 'int64') {
    throw new TypeError(`gated: expected indices of dtype int32 or int64 but received ${idx.dtype}`);
  }
  if (w.rank !== 2) throw rangeError('weight', 'a rank-2 tensor [numEmbeddings, embeddingDim]', received(`shape ${shapeString(w.shape)}`));
  const [rows, width] = w.shape;
  const indexData = idx.contiguousData() as Int32Array | BigInt64Array;
  const out = allocate(w.dtype, idx.size * width) as FloatArray;
  const bad = native.embedding(w.contiguousData() as FloatArray, rows, width, indexData, out);
  if (bad >= 0) {
    throw rangeError(`indices (element ${bad})`, `an index in [0, ${rows - 1}] (the embedding has ${rows} rows)`, Number(indexData[bad]));
  }
  const result = wrap(out, [...idx.shape, width]);
  const padding = paddingIdx === null ? -1 : paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
  record('embedding', [null, w], [result], [idx], ([g], [savedIndices]) => {
    if (!g) return [null, null];
    const grad = allocate(w.dtype, rows * width) as FloatArray;
    native.embeddingBackward(g, savedIndices.contiguousData() as Int32Array | BigInt64Array, width, rows, padding, grad);
    return [null, grad];
  });
  return result;
}

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p); x itself when not training. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  const input = floatArg(x, 'input');
  checkNumberInRange(p, 'p', 0, 1);
  if (!training || p === 0) return input;
  const mask = (allocate(input.dtype, input.size) as FloatArray).fill(1);
  native.applyDropout(mask, nextSeed(), 0, p);
  const values = input.contiguousData() as FloatArray;
  const out = wrap(values.map((v, i) => v * mask[i]) as FloatArray, input.shape);
  record('dropout', [input], [out], [], ([g]) => [g ? (g.map((v, i) => v * mask[i]) as FloatArray) : null]);
  return out;
}

/** A copy in another dtype; gradients flow between float dtypes. */
export function toDType(x: Tensor, dtype: DType): Tensor {
  const input = tensorArg(x, 'x');
  if (input.dtype === dtype) return input;
  const source = input.contiguousData();
  const out = allocate(dtype, input.size);
  for (let i = 0; i < source.length; i++) {
    const v = source[i];
    if (out instanceof BigInt64Array) out[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
    else out[i] = dtype === 'bool' ? (v ? 1 : 0) : Number(v);
  }
  const result = wrap(out, input.shape);
  if (isFloatDType(input.dtype) && isFloatDType(dtype)) {
    record('toDType', [input], [result], [], ([g]) => [g ? (allocate(input.dtype as FloatDType, g.length) as FloatArray).map((_, i) => g[i]) : null]);
  }
  return result;
}
