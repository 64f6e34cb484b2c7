// LayerNorm and BatchNorm1d, built from ops so their gradients come from the tape.
import { full, zeros } from '../creation';
import { FloatDType } from '../dtype';
import { add, mean, mul, rsqrt, square, sub } from '../ops';
import { noGrad } from '../autograd';
import { contiguousStrides } from '../layout';
import { native } from '../native';
import { nativeArg } from '../ops/data';
import { tensorArg } from '../ops/operands';
import { Tensor } from '../tensor';
import { checkBoolean, checkInteger, checkKnownKeys, checkNumberInRange, checkOneOf, rangeError, received, shapeString } from '../validate';
import { Buffer, Module, Parameter } from './module';

function checkInput(x: unknown, dtype: FloatDType, module: string): void {
  const input = tensorArg(x, 'input');
  if (input.dtype !== dtype) throw new TypeError(`gated: expected input of dtype ${dtype} (the ${module}'s dtype) but received ${input.dtype}`);
}

export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  bias?: boolean;
  dtype?: FloatDType;
}

/** Normalises over the last dimensions (normalizedShape), then scales and shifts per element. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly dtype: FloatDType;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkKnownKeys(options, 'LayerNorm options', ['eps', 'elementwiseAffine', 'bias', 'dtype']);
    const dims = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape = dims.map((d, i) => checkInteger(d, `normalizedShape[${i}]`, 1));
    this.eps = checkNumberInRange(options.eps ?? 1e-5, 'eps', 0, Infinity);
    const dtype = (this.dtype = checkOneOf(options.dtype ?? 'float32', 'dtype', ['float32', 'float64'] as const));
    const affine = checkBoolean(options.elementwiseAffine ?? true, 'elementwiseAffine');
    this.weight = affine ? Parameter(full(this.normalizedShape, 1, { dtype, device: 'cpu' })) : null;
    this.bias = affine && checkBoolean(options.bias ?? true, 'bias') ? Parameter(zeros(this.normalizedShape, { dtype, device: 'cpu' })) : null;
  }

  forward(x: Tensor): Tensor {
    checkInput(x, this.dtype, 'LayerNorm');
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.rank - k);
    if (x.rank < k || shapeString(tail) !== shapeString(this.normalizedShape)) {
      throw rangeError('input', `a tensor ending in ${shapeString(this.normalizedShape)}`, received(`shape ${shapeString(x.shape)}`));
    }
    const dims = this.normalizedShape.map((_, i) => x.rank - k + i);
    const centered = sub(x, mean(x, dims, true));
    const normalized = mul(centered, rsqrt(add(mean(square(centered), dims, true), this.eps)));
    const scaled = this.weight ? mul(normalized, this.weight) : normalized;
    return this.bias ? add(scaled, this.bias) : scaled;
  }
}

export interface BatchNormOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1). */
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: FloatDType;
}

/**
 * Normalises each feature (channel) over the batch: input [N, C] or [N, C, L]. Training mode uses
 * the batch's statistics and updates the running ones (unbiased variance); eval mode uses the
 * running ones.
 */
export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly dtype: FloatDType;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly running_mean: Tensor | null;
  readonly running_var: Tensor | null;
  readonly num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkKnownKeys(options, 'BatchNorm1d options', ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype']);
    this.numFeatures = checkInteger(numFeatures, 'numFeatures', 1);
    this.eps = checkNumberInRange(options.eps ?? 1e-5, 'eps', 0, Infinity);
    this.momentum = checkNumberInRange(options.momentum ?? 0.1, 'momentum', 0, 1);
    const dtype = (this.dtype = checkOneOf(options.dtype ?? 'float32', 'dtype', ['float32', 'float64'] as const));
    const affine = checkBoolean(options.affine ?? true, 'affine');
    const track = checkBoolean(options.trackRunningStats ?? true, 'trackRunningStats');
    this.weight = affine ? Parameter(full([numFeatures], 1, { dtype, device: 'cpu' })) : null;
    this.bias = affine ? Parameter(zeros([numFeatures], { dtype, device: 'cpu' })) : null;
    this.running_mean = track ? Buffer(zeros([numFeatures], { dtype, device: 'cpu' })) : null;
    this.running_var = track ? Buffer(full([numFeatures], 1, { dtype, device: 'cpu' })) : null;
    this.num_batches_tracked = track ? Buffer(zeros([], { dtype: 'int64' })) : null;
  }

  forward(x: Tensor): Tensor {
    checkInput(x, this.dtype, 'BatchNorm1d');
    if ((x.rank !== 2 && x.rank !== 3) || x.shape[1] !== this.numFeatures) {
      throw rangeError('input', `[batch, ${this.numFeatures}] or [batch, ${this.numFeatures}, length]`, received(`shape ${shapeString(x.shape)}`));
    }
    const dims = x.rank === 2 ? [0] : [0, 2];
    if (this.training && dims.reduce((n, d) => n * x.shape[d], 1) === 1) {
      throw rangeError('input', 'more than one value per channel in training mode', received(`shape ${shapeString(x.shape)}`));
    }
    // Per-channel values broadcast against x: [C] for [N, C], [C, 1] for [N, C, L].
    const perChannel = (t: Tensor) => (x.rank === 2 ? t : t.reshape([this.numFeatures, 1]));
    const useBatch = this.training || !this.running_mean;
    let centered: Tensor;
    let variance: Tensor;
    if (useBatch) {
      centered = sub(x, mean(x, dims, true));
      variance = mean(square(centered), dims, true);
      if (this.training && this.running_mean && this.running_var) this.updateRunningStats(x, dims, variance);
    } else {
      centered = sub(x, perChannel(this.running_mean as Tensor));
      variance = perChannel(this.running_var as Tensor);
    }
    const normalized = mul(centered, rsqrt(add(variance, this.eps)));
    const scaled = this.weight ? mul(normalized, perChannel(this.weight)) : normalized;
    return this.bias ? add(scaled, perChannel(this.bias)) : scaled;
  }

  private updateRunningStats(x: Tensor, dims: number[], biasedVariance: Tensor): void {
    noGrad(() => {
      const count = dims.reduce((n, d) => n * x.shape[d], 1);
      const m = this.momentum;
      const runningMean = this.running_mean as Tensor;
      const runningVar = this.running_var as Tensor;
      const unbiased = mul(biasedVariance.reshape([this.numFeatures]), count / Math.max(count - 1, 1));
      // running = (1 - m) * running + m * batch, on the buffers' device, written in place.
      overwrite(runningMean, add(mul(runningMean, 1 - m), mul(mean(x, dims), m)), 'running_mean');
      overwrite(runningVar, add(mul(runningVar, 1 - m), mul(unbiased, m)), 'running_var');
      const tracked = this.num_batches_tracked as Tensor;
      overwrite(tracked, add(tracked, 1), 'num_batches_tracked');
    });
  }
}

/** Writes source's elements over target's (same shape and dtype, target contiguous) in place. */
function overwrite(target: Tensor, source: Tensor, name: string): void {
  target.markModified(name);
  const contiguous = contiguousStrides(target.shape);
  native.copyInto([...target.shape], nativeArg(source.deviceData()), contiguous, 0, nativeArg(target.liveStorage(name).contents), [...target.strides], target.offset);
}
