// Neural-network ops: embedding lookup, dropout, dtype casts.
import { GradArray } from '../autograd';
import { DType, allocate, isFloatDType } from '../dtype';
import { native } from '../native';
import { nextSeed } from '../random';
import { boundsWithin } from '../index_bounds';
import { Tensor } from '../tensor';
import { checkNumberInRange, rangeError, received, shapeString } from '../validate';
import { Data, allocateOn, deviceOf, dtypeOf, filledOn, hostOf, nativeArg } from './data';
import { floatArg, tensorArg } from './operands';
import { commonDevice, rawBinary, wrap } from './raw';
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
  commonDevice('embedding', idx, w);
  const indexData = idx.deviceData();
  const out = allocateOn(w.device, w.dtype, idx.size * width);
  // CUDA indices of known bounds need no check on the device (which would wait for the GPU).
  const checked = boundsWithin(idx.liveStorage('indices').knownIndexBounds, 0, rows - 1);
  const bad = native.embedding(nativeArg(w.deviceData()), rows, width, nativeArg(indexData), nativeArg(out), checked);
  if (bad >= 0) {
    const value = Number(hostOf(indexData)[bad]);
    if (w.device === 'cuda') (out as { free(): void }).free();
    throw rangeError(`indices (element ${bad})`, `an index in [0, ${rows - 1}] (the embedding has ${rows} rows)`, value);
  }
  const result = wrap(out, [...idx.shape, width]);
  const padding = paddingIdx === null ? -1 : paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
  record('embedding', [null, w], [result], [idx], ([g], [savedIndices]) => {
    if (!g) return [null, null];
    const grad = allocateOn(deviceOf(g), dtypeOf(g), rows * width);
    // The forward pass checked these indices, and the tape refuses them if they changed since.
    native.embeddingBackward(nativeArg(g), nativeArg(savedIndices.deviceData()), width, rows, padding, nativeArg(grad), true);
    return [null, grad as GradArray];
  });
  return result;
}

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p); x itself when not training. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  const input = floatArg(x, 'input');
  checkNumberInRange(p, 'p', 0, 1);
  if (!training || p === 0) return input;
  // The mask of 0 and 1 / (1 - p) as a tensor: the same Philox stream on either device.
  const maskData = filledOn(input.device, input.dtype, input.size, 1);
  native.applyDropout(nativeArg(maskData) as Float32Array, nextSeed(), 0, p);
  const mask = wrap(maskData, input.shape);
  const out = wrap(rawBinary('mul', input.deviceData() as GradArray, input.shape, maskData as GradArray, input.shape), input.shape);
  record('dropout', [input], [out], [mask], ([g], [m]) => [g ? rawBinary('mul', g, input.shape, m.deviceData() as GradArray, input.shape) : null]);
  return out;
}

/** A copy in another dtype; gradients flow between float dtypes. */
export function toDType(x: Tensor, dtype: DType): Tensor {
  const input = tensorArg(x, 'x');
  if (input.dtype === dtype) return input;
  const result = input.device === 'cuda' ? wrap(castOnDevice(input.deviceData(), dtype), input.shape) : wrap(castOnHost(input.contiguousData(), dtype), input.shape);
  if (isFloatDType(input.dtype) && isFloatDType(dtype)) {
    record('toDType', [input], [result], [], ([g]) => [g ? (deviceOf(g) === 'cuda' ? castOnDevice(g, input.dtype) : castOnHost(g, input.dtype)) as GradArray : null]);
  }
  return result;
}

function castOnDevice(source: Data, dtype: DType): Data {
  const out = allocateOn('cuda', dtype, source.length);
  native.cast(nativeArg(source), nativeArg(out));
  return out;
}

function castOnHost(data: Data, dtype: DType): Data {
  const source = hostOf(data);
  const out = allocate(dtype, source.length);
  for (let i = 0; i < source.length; i++) {
    const v = source[i];
    // Non-finite values become 0 in integer types, and NaN is true, as on CUDA (native cast).
    if (out instanceof BigInt64Array) out[i] = typeof v === 'bigint' ? v : Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
    else out[i] = dtype === 'bool' ? (v || Number.isNaN(v) ? 1 : 0) : Number(v);
  }
  return out;
}
