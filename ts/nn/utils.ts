// Gradient utilities (torch.nn.utils).
import { FloatArray, noGrad, tidy } from '../autograd';
import { CudaArray } from '../cuda_array';
import { native } from '../native';
import { abs, add, cat, div, exp, ge, log, maskedFill, max, mul, sqrt, square, sum } from '../ops';
import { tensor } from '../creation';
import { binaryOperands, contiguousOperand, operandOf } from '../ops/raw';
import { contiguousStrides, forEachPosition } from '../layout';
import { Tensor } from '../tensor';
import { rangeError, typeError } from '../validate';

/** The p-norm of `values` (the largest magnitude for p = Infinity). */
function vectorNorm(values: ArrayLike<number>, p: number): number {
  let acc = 0;
  if (p === Infinity) {
    for (let i = 0; i < values.length; i++) acc = Math.max(acc, Math.abs(values[i]));
    return acc;
  }
  for (let i = 0; i < values.length; i++) acc += Math.abs(values[i]) ** p;
  return acc ** (1 / p);
}

/**
 * Scales the gradients of `params` in place so that their total norm is at most maxNorm, like
 * torch.nn.utils.clip_grad_norm_. The total is the normType-norm of the per-tensor norms (as if every
 * gradient were one vector); parameters without a gradient are skipped. Each gradient is multiplied
 * by min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping. With gradients on
 * CUDA, reading it back waits for the GPU once; clipGradNormTensor does not wait.
 */
export function clipGradNorm(params: Tensor | readonly Tensor[], maxNorm: number, normType = 2): number {
  const grads = gradientsOf(params, maxNorm, normType);
  if (grads.length === 0) return 0;
  const onCpu = grads.filter((grad) => grad.device === 'cpu');
  const onCuda = grads.filter((grad) => grad.device === 'cuda');
  const norms = onCpu.map((grad) => vectorNorm(grad.contiguousData('grad') as FloatArray, normType));
  if (onCuda.length > 0) norms.push(tidy(() => noGrad(() => deviceNorm(onCuda, normType).item() as number)));
  const total = vectorNorm(norms, normType);
  const coef = maxNorm / (total + 1e-6);
  // As in PyTorch, a NaN or infinite total also scales (giving NaN or zero gradients).
  if (!(coef >= 1)) for (const grad of grads) scaleInPlace(grad, coef);
  return total;
}

/**
 * clipGradNorm, returning the total norm as a 0-d float64 tensor. With every gradient on CUDA,
 * the norm and the scale stay on the device and nothing waits for the GPU (every gradient is
 * multiplied, by exactly 1 when the norm is within maxNorm); the tensor is on CUDA. Otherwise it
 * is clipGradNorm's number, on the CPU.
 */
export function clipGradNormTensor(params: Tensor | readonly Tensor[], maxNorm: number, normType = 2): Tensor {
  const grads = gradientsOf(params, maxNorm, normType);
  if (grads.length > 0 && grads.every((grad) => grad.device === 'cuda')) return clipOnDevice(grads, maxNorm, normType);
  return tensor(clipGradNorm(params, maxNorm, normType), [], { dtype: 'float64', device: 'cpu' });
}

/** The gradients of `params`, after checking the arguments of clipGradNorm. */
function gradientsOf(params: Tensor | readonly Tensor[], maxNorm: number, normType: number): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw typeError('params', 'a Tensor or an array of Tensors', params);
  list.forEach((p: unknown, i) => {
    if (!(p instanceof Tensor)) throw typeError(`params[${i}]`, 'a Tensor', p);
  });
  if (typeof maxNorm !== 'number') throw typeError('maxNorm', 'a finite number >= 0', maxNorm);
  if (!(Number.isFinite(maxNorm) && maxNorm >= 0)) throw rangeError('maxNorm', 'a finite number >= 0', maxNorm);
  if (typeof normType !== 'number') throw typeError('normType', 'a number > 0 or Infinity', normType);
  if (!(normType > 0)) throw rangeError('normType', 'a number > 0 or Infinity', normType);
  return list.flatMap((p) => (p.grad === null ? [] : [p.grad]));
}

/** Clips CUDA gradients on the device: the total norm (returned, 0-d float64) and the scale never leave it. */
function clipOnDevice(grads: Tensor[], maxNorm: number, p: number): Tensor {
  return tidy(() => noGrad(() => {
    const total = deviceNorm(grads, p);
    const coef = div(maxNorm, add(total, 1e-6));
    // min(1, coef), keeping NaN (as in PyTorch, a NaN or infinite total also scales).
    const factor = maskedFill(coef, ge(coef, 1), 1);
    const factorIn = new Map<string, Tensor>();  // cast once per gradient dtype
    for (const grad of grads) {
      if (!factorIn.has(grad.dtype)) factorIn.set(grad.dtype, factor.to(grad.dtype));
      scaleInPlace(grad, factorIn.get(grad.dtype) as Tensor);
    }
    return total;
  }));
}

/** The p-norm of CUDA tensors taken as one vector, reduced on the device: a 0-d float64 tensor there. */
function deviceNorm(tensors: Tensor[], p: number): Tensor {
  const parts = tensors.filter((t) => t.size > 0).map((t) => {
    const magnitudes = abs(t.reshape([t.size]));
    // float64 parts, so that float32 and float64 gradients join in one vector.
    if (p === Infinity) return max(magnitudes, 0).values.reshape([1]).to('float64');
    return sum(p === 1 ? magnitudes : p === 2 ? square(magnitudes) : exp(mul(log(magnitudes), p))).reshape([1]).to('float64');
  });
  if (parts.length === 0) return tensor(0, [], { dtype: 'float64', device: 'cuda' });
  const all = cat(parts);
  if (p === Infinity) return max(all, 0).values;
  const powered = sum(all);
  return p === 1 ? powered : p === 2 ? sqrt(powered) : exp(div(log(powered), p));
}

/** t *= factor in place; on CUDA the factor may be a 0-d tensor there (it is not read back). */
function scaleInPlace(t: Tensor, factor: number | Tensor): void {
  if (t.device === 'cuda') {
    // t * factor into a contiguous array, then written back over t's elements (any layout).
    // (A tensor factor is a temporary of clipOnDevice's tidy.)
    const scalar = factor instanceof Tensor ? (factor.to(t.dtype).deviceData() as CudaArray) : CudaArray.filled(t.dtype, 1, factor);
    const scaled = binaryOperands('mul', operandOf(t, 'grad'), contiguousOperand(scalar, []), t.shape) as CudaArray;
    native.copyInto([...t.shape], scaled.buffer, contiguousStrides(t.shape), 0, t.liveStorage('grad').cudaData.buffer, [...t.strides], t.offset);
    if (!(factor instanceof Tensor)) scalar.free();
    scaled.free();
  } else if (typeof factor !== 'number') {
    throw new TypeError('gated: internal error: a tensor scale for a CPU gradient');
  } else if (t.isContiguous) {
    const data = t.contiguousData('grad') as FloatArray;
    for (let i = 0; i < data.length; i++) data[i] *= factor;
  } else {
    const data = t.liveStorage('grad').data as FloatArray;
    forEachPosition(t.shape, t.strides, t.offset, (position) => {
      data[position] *= factor;
    });
  }
  t.markModified();
}
