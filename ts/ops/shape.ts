// Joining tensors: cat along an existing dimension, stack along a new one.
import { FloatArray } from '../autograd';
import { allocate } from '../dtype';
import { elementCount } from '../layout';
import { Tensor } from '../tensor';
import { rangeError, received, shapeString, typeError } from '../validate';
import { unsqueeze } from '../views';
import { tensorArg } from './operands';
import { wrap } from './raw';
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
  const out = allocate(first.dtype, outer * total);
  let column = 0;
  parts.forEach((t, i) => {
    const data = t.contiguousData();
    for (let o = 0; o < outer; o++) out.set(data.subarray(o * widths[i], (o + 1) * widths[i]) as never, o * total + column);
    column += widths[i];
  });
  const result = wrap(out, shape);
  record('cat', parts, [result], [], ([g]) => {
    if (!g) return parts.map(() => null);
    let start = 0;
    return parts.map((t, i) => {
      const grad = allocate(t.dtype, t.size) as FloatArray;
      for (let o = 0; o < outer; o++) grad.set(g.subarray(o * total + start, o * total + start + widths[i]), o * widths[i]);
      start += widths[i];
      return grad;
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
