// Reductions: sum, mean, max / argmax, softmax and log-softmax along dimensions, norm.
import { GradArray } from '../autograd';
import { CudaArray } from '../cuda_array';
import { DType } from '../dtype';
import { elementCount } from '../layout';
import { native } from '../native';
import { Tensor } from '../tensor';
import { rangeError, received, typeError } from '../validate';
import { allocateOn, deviceOf, dtypeOf, nativeArg } from './data';
import { noGrad } from '../autograd';
import { div, eq, maskedFill, mul, sqrt, square } from './elementwise';
import { toDType } from './nnops';
import { floatArg, tensorArg } from './operands';
import { expandTo, wrap } from './raw';
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

/** Sum over `dims` (all by default); bool and int sum to int64. */
export function sum(x: Tensor, dims?: number | readonly number[], keepdim = false): Tensor {
  const input = tensorArg(x, 'x');
  const reduced = reductionDims(input, dims);
  const kept = keptShape(input, reduced);
  const dtype: DType = input.dtype === 'float32' || input.dtype === 'float64' ? input.dtype : 'int64';
  const source = dtype === input.dtype ? input : toDType(input, dtype);
  const data = allocateOn(input.device, dtype, elementCount(kept));
  native.sumTo([...input.shape], nativeArg(source.deviceData()), kept, nativeArg(data));
  const out = wrap(data, keepdim ? kept : dropDims(kept, reduced));
  record('sum', [input], [out], [], ([g]) => [g ? expandTo(g, kept, input.shape) : null]);
  return out;
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
  const values = allocateOn(input.device, input.dtype, outer * inner);
  const indices = allocateOn(input.device, 'int64', outer * inner);
  native.maxAlong(outer, n, inner, nativeArg(input.deviceData()), nativeArg(values), nativeArg(indices));
  if (indices instanceof CudaArray) indices.indexBounds = { low: 0, high: n - 1 };
  const kept = keptShape(input, [d]);
  const shape = keepdim ? kept : dropDims(kept, [d]);
  const out = wrap(values, shape);
  const indexTensor = wrap(indices, shape);
  record('max', [input], [out], [indexTensor], ([g], [picked]) => {
    if (!g) return [null];
    const grad = allocateOn(deviceOf(g), dtypeOf(g), input.size);
    // The positions maxAlong wrote, in [0, n): no check needed.
    native.scatterAlong(outer, n, inner, nativeArg(picked.deviceData()), nativeArg(g), nativeArg(grad), true);
    return [grad as GradArray];
  });
  return { values: out, indices: indexTensor };
}

/** Index of the maximum along `dim`, or of the flattened tensor when dim is undefined (int64). */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  const input = tensorArg(x, 'x');
  if (dim === undefined) return max(input.reshape([input.size]), 0).indices;
  return max(input, dim, keepdim).indices;
}

function softmaxOp(logarithm: boolean, x: Tensor, dim: number): Tensor {
  const input = floatArg(x, 'x');
  const d = input.dimension(dim);
  const outer = elementCount(input.shape.slice(0, d));
  const n = input.shape[d];
  const inner = elementCount(input.shape.slice(d + 1));
  const data = allocateOn(input.device, input.dtype, input.size);
  if (input.size > 0) native.softmax(logarithm, outer, n, inner, nativeArg(input.deviceData()), nativeArg(data));
  const out = wrap(data, input.shape);
  record(logarithm ? 'logSoftmax' : 'softmax', [input], [out], [out], ([g], [y]) => {
    if (!g) return [null];
    const grad = allocateOn(deviceOf(g), dtypeOf(g), input.size);
    native.softmax(logarithm, outer, n, inner, nativeArg(y.deviceData()), nativeArg(g), nativeArg(grad));
    return [grad as GradArray];
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
  const norms = noGrad(() => sqrt(sum(square(input), reduced, true)));
  const out = norms.reshape(keepdim ? kept : dropDims(kept, reduced));
  record('norm', [input], [out], [input, norms], ([g], [xs, ns]) => {
    if (!g) return [null];
    // d|x| / dx = x / |x|, and 0 where |x| is 0: scale = g / |x| with 0 there.
    return [noGrad(() => {
      const scale = maskedFill(div(wrap(g, kept), ns), eq(ns, 0), 0);
      return mul(scale, xs).deviceData() as GradArray;
    })];
  });
  return out;
}
