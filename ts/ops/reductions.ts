// Reductions: sum, mean, max / argmax, softmax and log-softmax along dimensions, norm.
import { FloatArray } from '../autograd';
import { DType, allocate } from '../dtype';
import { contiguousStrides, elementCount } from '../layout';
import { native } from '../native';
import { Tensor } from '../tensor';
import { rangeError, received, typeError } from '../validate';
import { div } from './elementwise';
import { floatArg, tensorArg } from './operands';
import { UNARY, broadcastStrides, gatherContiguous, sumToShape, wrap } from './raw';
import { record } from './record';

/** The sorted, normalised dimensions named by `dims` (all when undefined). */
export function reductionDims(x: Tensor, dims: number | readonly number[] | undefined, name = 'dim'): number[] {
  if (dims === undefined) return x.shape.map((_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list)) throw typeError(name, 'an integer or an array of integers', dims);
  const out = [...new Set(list.map((d, i) => x.dimension(d, Array.isArray(dims) ? `${name}[${i}]` : name)))];
  return out.sort((a, b) => a - b);
}

/** x's shape with the reduced dimensions set to 1. */
function keptShape(x: Tensor, dims: number[]): number[] {
  return x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

function dropDims(shape: number[], dims: number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

/** grad [kept] broadcast back to `shape`, contiguous. */
function expandTo(grad: FloatArray, kept: readonly number[], shape: readonly number[]): FloatArray {
  const out = allocate(grad instanceof Float32Array ? 'float32' : 'float64', elementCount(shape)) as FloatArray;
  native.unary(UNARY.copy, [...shape], grad, broadcastStrides(kept, contiguousStrides(kept), shape), 0, out);
  return out;
}

/** Sum over `dims` (all by default); bool and int sum to int64. */
export function sum(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const input = tensorArg(x, 'x');
  const reduced = reductionDims(input, dims);
  const kept = keptShape(input, reduced);
  const dtype: DType = input.dtype === 'float32' || input.dtype === 'float64' ? input.dtype : 'int64';
  const source = dtype === input.dtype ? input : castForSum(input);
  const data = allocate(dtype, elementCount(kept));
  native.sumTo([...input.shape], source.contiguousData(), kept, data);
  const out = wrap(data, keepdim ? kept : dropDims(kept, reduced));
  record('sum', [input], [out], [], ([g]) => [g ? expandTo(g, kept, input.shape) : null]);
  return out;
}

function castForSum(x: Tensor): Tensor {
  const values = x.contiguousData();
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return wrap(data, x.shape);
}

/** Mean over `dims` (all by default). */
export function mean(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const input = floatArg(x, 'x');
  const reduced = reductionDims(input, dims);
  const count = reduced.reduce((n, d) => n * input.shape[d], 1);
  return div(sum(input, reduced, keepdim), count);
}

/** Maximum along `dim`: values (with gradient) and int64 indices of the first maximum. */
export function max(x: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
  const input = tensorArg(x, 'x');
  const d = input.dimension(dim);
  if (input.shape[d] === 0) throw rangeError('x', 'a non-empty dimension to take the maximum over', received(`shape [${input.shape}]`));
  const outer = elementCount(input.shape.slice(0, d));
  const n = input.shape[d];
  const inner = elementCount(input.shape.slice(d + 1));
  const values = allocate(input.dtype, outer * inner);
  const indices = new BigInt64Array(outer * inner);
  native.maxAlong(outer, n, inner, input.contiguousData(), values, indices);
  const kept = keptShape(input, [d]);
  const shape = keepdim ? kept : dropDims(kept, [d]);
  const out = wrap(values, shape);
  record('max', [input], [out], [], ([g]) => {
    if (!g) return [null];
    const grad = allocate(input.dtype, input.size) as FloatArray;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) grad[(o * n + Number(indices[o * inner + i])) * inner + i] = g[o * inner + i];
    }
    return [grad];
  });
  return { values: out, indices: wrap(indices, shape) };
}

/** Index of the maximum along `dim`, or of the flattened tensor when dim is undefined (int64). */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  const input = tensorArg(x, 'x');
  if (dim === undefined) return max(wrap(input.contiguousData(), [input.size]), 0).indices;
  return max(input, dim, keepdim).indices;
}

function softmaxOp(logarithm: boolean, x: Tensor, dim: number): Tensor {
  const input = floatArg(x, 'x');
  const d = input.dimension(dim);
  const outer = elementCount(input.shape.slice(0, d));
  const n = input.shape[d];
  const inner = elementCount(input.shape.slice(d + 1));
  const data = allocate(input.dtype, input.size) as FloatArray;
  if (input.size > 0) native.softmax(logarithm, outer, n, inner, input.contiguousData() as FloatArray, data);
  const out = wrap(data, input.shape);
  record(logarithm ? 'logSoftmax' : 'softmax', [input], [out], [out], ([g], [y]) => {
    if (!g) return [null];
    const grad = allocate(input.dtype, input.size) as FloatArray;
    native.softmax(logarithm, outer, n, inner, y.contiguousData() as FloatArray, g, grad);
    return [grad];
  });
  return out;
}

export const softmax = (x: Tensor, dim: number): Tensor => softmaxOp(false, x, dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => softmaxOp(true, x, dim);

/** The 2-norm over `dims` (all by default). Its gradient at a zero norm is 0, as in PyTorch. */
export function norm(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const input = floatArg(x, 'x');
  const reduced = reductionDims(input, dims);
  const kept = keptShape(input, reduced);
  const values = gatherContiguous(input) as FloatArray;
  const squares = values.map((v) => v * v) as FloatArray;
  const total = sumToShape(squares, input.shape, kept);
  const norms = total.map(Math.sqrt) as FloatArray;
  const out = wrap(norms, keepdim ? kept : dropDims(kept, reduced));
  record('norm', [input], [out], [], ([g]) => {
    if (!g) return [null];
    const scale = g.map((v, i) => (norms[i] === 0 ? 0 : v / norms[i])) as FloatArray;
    const spread = expandTo(scale, kept, input.shape);
    return [spread.map((v, i) => v * values[i]) as FloatArray];
  });
  return out;
}

