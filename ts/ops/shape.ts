// Joining tensors: cat along an existing dimension, stack along a new one.
import { GradArray } from '../autograd';
import { contiguousStrides, elementCount } from '../layout';
import { native } from '../native';
import { Tensor } from '../tensor';
import { rangeError, received, shapeString, typeError } from '../validate';
import { unsqueeze } from '../views';
import { tensorArg } from './operands';
import { allocateOn, deviceOf, dtypeOf, nativeArg } from './data';
import { commonDevice, wrap } from './raw';
import { record } from './record';

/** Joins tensors of equal shape except along `dim`. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw typeError('tensors', 'a non-empty array of Tensors', tensors);
  const parts = tensors.map((t, i) => tensorArg(t, `tensors[${i}]`));
  const first = parts[0];
  const d = first.dimension(dim);
  parts.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new TypeError(`gated: cat: expected tensors[${i}] of dtype ${first.dtype} but received ${t.dtype}`);
    const same = t.rank === first.rank && t.shape.every((s, k) => k === d || s === first.shape[k]);
    if (!same) {
      throw rangeError(`tensors[${i}]`, `of shape ${shapeString(first.shape)} except along dim ${d}`, received(`shape ${shapeString(t.shape)}`));
    }
  });
  const outer = elementCount(first.shape.slice(0, d));
  const inner = elementCount(first.shape.slice(d + 1));
  const widths = parts.map((t) => t.shape[d] * inner);
  const total = widths.reduce((a, b) => a + b, 0);
  const shape = [...first.shape];
  shape[d] = parts.reduce((n, t) => n + t.shape[d], 0);
  const device = commonDevice('cat', ...parts);
  const out = allocateOn(device, first.dtype, outer * total);
  // Each part is an [outer, width] block of out's rows [outer, total], starting at its column.
  const block = (width: number) => [outer, width];
  const rowsOf = (width: number) => contiguousStrides(block(width));
  let column = 0;
  parts.forEach((t, i) => {
    if (widths[i] > 0) {
      native.copyInto(block(widths[i]), nativeArg(t.deviceData()), rowsOf(widths[i]), 0, nativeArg(out), [total, 1], column);
    }
    column += widths[i];
  });
  const result = wrap(out, shape);
  record('cat', parts, [result], [], ([g]) => {
    if (!g) return parts.map(() => null);
    let start = 0;
    return parts.map((t, i) => {
      const grad = allocateOn(deviceOf(g), dtypeOf(g), t.size);
      if (widths[i] > 0) native.copyInto(block(widths[i]), nativeArg(g), [total, 1], start, nativeArg(grad), rowsOf(widths[i]), 0);
      start += widths[i];
      return grad as GradArray;
    });
  });
  return result;
}

/** Joins tensors of equal shape along a new dimension `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw typeError('tensors', 'a non-empty array of Tensors', tensors);
  const first = tensorArg(tensors[0], 'tensors[0]');
  tensors.forEach((t, i) => {
    if (shapeString(tensorArg(t, `tensors[${i}]`).shape) !== shapeString(first.shape)) {
      throw rangeError(`tensors[${i}]`, `of shape ${shapeString(first.shape)} like tensors[0]`, received(`shape ${shapeString(t.shape)}`));
    }
  });
  return cat(tensors.map((t) => unsqueeze(t, dim)), dim);
}
