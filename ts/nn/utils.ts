// Gradient utilities (torch.nn.utils).
import { FloatArray, noGrad } from '../autograd';
import { CudaArray } from '../cuda_array';
import { native } from '../native';
import { abs, cat, exp, log, max, mul, square, sum } from '../ops';
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
 * by min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping.
 */
export function clipGradNorm(params: Tensor | readonly Tensor[], maxNorm: number, normType = 2): number {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw typeError('params', 'a Tensor or an array of Tensors', params);
  list.forEach((p: unknown, i) => {
    if (!(p instanceof Tensor)) throw typeError(`params[${i}]`, 'a Tensor', p);
  });
  if (typeof maxNorm !== 'number') throw typeError('maxNorm', 'a finite number >= 0', maxNorm);
  if (!(Number.isFinite(maxNorm) && maxNorm >= 0)) throw rangeError('maxNorm', 'a finite number >= 0', maxNorm);
  if (typeof normType !== 'number') throw typeError('normType', 'a number > 0 or Infinity', normType);
  if (!(normType > 0)) throw rangeError('normType', 'a number > 0 or Infinity', normType);

  const grads = list.flatMap((p) => (p.grad === null ? [] : [p.grad]));
  if (grads.length === 0) return 0;
  const onCpu = grads.filter((grad) => grad.device === 'cpu');
  const onCuda = grads.filter((grad) => grad.device === 'cuda');
  const norms = onCpu.map((grad) => vectorNorm(grad.contiguousData('grad') as FloatArray, normType));
  if (onCuda.length > 0) norms.push(deviceNorm(onCuda, normType));
  const total = vectorNorm(norms, normType);
  const coef = maxNorm / (total + 1e-6);
  // As in PyTorch, a NaN or infinite total also scales (giving NaN or zero gradients).
  if (!(coef >= 1)) for (const grad of grads) scaleInPlace(grad, coef);
  return total;
}

/** The p-norm of CUDA tensors taken as one vector, reduced on the device: one wait for the GPU. */
function deviceNorm(tensors: Tensor[], p: number): number {
  return noGrad(() => {
    const parts = tensors.filter((t) => t.size > 0).map((t) => {
      const magnitudes = abs(t.reshape([t.size]));
      // float64 parts, so that float32 and float64 gradients join in one vector.
      if (p === Infinity) return max(magnitudes, 0).values.reshape([1]).to('float64');
      return sum(p === 1 ? magnitudes : p === 2 ? square(magnitudes) : exp(mul(log(magnitudes), p))).reshape([1]).to('float64');
    });
    if (parts.length === 0) return 0;
    const all = cat(parts);
    return p === Infinity ? max(all, 0).values.item() : sum(all).item() ** (1 / p);
  });
}

function scaleInPlace(t: Tensor, factor: number): void {
  if (t.device === 'cuda') {
    // t * factor into a contiguous array, then written back over t's elements (any layout).
    const scalar = CudaArray.filled(t.dtype, 1, factor);
    const scaled = binaryOperands('mul', operandOf(t, 'grad'), contiguousOperand(scalar, []), t.shape) as CudaArray;
    native.copyInto([...t.shape], scaled.buffer, contiguousStrides(t.shape), 0, t.liveStorage('grad').cudaData.buffer, [...t.strides], t.offset);
    scalar.free();
    scaled.free();
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
