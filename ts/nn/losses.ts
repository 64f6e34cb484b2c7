// Loss functions, with PyTorch's semantics and argument names.
import { FloatArray, GradArray, noGrad } from '../autograd';
import { allocate } from '../dtype';
import { floatArg, tensorArg } from '../ops/operands';
import { abs, add, div, embedding, exp, gt, log, logSoftmax, lt, maskedFill, mean, mul, relu, sigmoid, square, sub, sum } from '../ops';
import { tensor } from '../creation';
import { CudaArray } from '../cuda_array';
import { boundsWithin, integerBounds } from '../index_bounds';
import { hostOf } from '../ops/data';
import { commonDevice, wrap } from '../ops/raw';
import { record } from '../ops/record';
import { Tensor } from '../tensor';
import { checkInteger, checkKnownKeys, checkOneOf, rangeError, received, shapeString, typeError } from '../validate';

export type Reduction = 'mean' | 'sum' | 'none';

export interface NllOptions {
  /** A weight per class [C]. */
  weight?: Tensor;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

function total(values: FloatArray): number {
  let acc = 0;
  for (let i = 0; i < values.length; i++) acc += values[i];
  return acc;
}

/** The reduced loss: per element ('none'), or their sum, or sum / divisor ('mean'). */
function reducedOutput(losses: FloatArray, shape: readonly number[], reduction: Reduction, divisor: number): Tensor {
  if (reduction === 'none') return wrap(losses, shape);
  const out = allocate(losses instanceof Float32Array ? 'float32' : 'float64', 1) as FloatArray;
  out[0] = reduction === 'sum' ? total(losses) : total(losses) / divisor;
  return wrap(out, []);
}

function reductionOf(options: object, name: string, keys: string[]): Reduction {
  if (typeof options !== 'object' || options === null) throw typeError(name, 'an object', options);
  checkKnownKeys(options, name, keys);
  return checkOneOf((options as { reduction?: Reduction }).reduction ?? 'mean', `${name}.reduction`, ['mean', 'sum', 'none'] as const);
}

/** Negative log-likelihood of log-probabilities input [N, C] at class indices target [N]. */
export function nllLoss(input: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const reduction = reductionOf(options, 'options', ['weight', 'ignoreIndex', 'reduction']);
  const logp = floatArg(input, 'input');
  const labels = tensorArg(target, 'target');
  if (labels.dtype !== 'int32' && labels.dtype !== 'int64') {
    throw new TypeError(`gated: expected target of dtype int64 or int32 (class indices) but received ${labels.dtype}`);
  }
  if (logp.rank !== 2) throw rangeError('input', 'a rank-2 tensor [batch, classes]', received(`shape ${shapeString(logp.shape)}`));
  const [N, C] = logp.shape;
  if (labels.rank !== 1 || labels.shape[0] !== N) throw rangeError('target', `a rank-1 tensor [${N}]`, received(`shape ${shapeString(labels.shape)}`));
  const ignoreIndex = checkInteger(options.ignoreIndex ?? -100, 'options.ignoreIndex', -Number.MAX_SAFE_INTEGER);
  const weightTensor = options.weight ? floatArg(options.weight, 'options.weight') : null;
  commonDevice('nllLoss', logp, labels, weightTensor);
  if (weightTensor && (weightTensor.rank !== 1 || weightTensor.size !== C)) {
    throw rangeError('options.weight', `${C} entries (one per class), of shape [${C}]`, received(`shape ${shapeString(weightTensor.shape)}`));
  }
  // Targets known to be class indices, none of them ignoreIndex, take the gather path, which reads
  // nothing back from the device: CUDA targets of known bounds (uploaded from the host), and host
  // targets (read at no cost).
  const known = labels.device === 'cuda' ? labels.liveStorage('target').knownIndexBounds : integerBounds(labels.contiguousData('target'));
  const noneIgnored = known !== null && (ignoreIndex < known.low || ignoreIndex > known.high);
  if (noneIgnored && boundsWithin(known, 0, C - 1)) return gatheredNll(logp, labels, weightTensor, reduction);
  // Else targets and class weights are read on the host (a CUDA target waits for the GPU): ignored
  // rows, and the check that names a bad target.
  const weights = weightTensor ? (hostOf(weightTensor.deviceData()) as FloatArray) : null;
  const classes = hostOf(labels.deviceData());
  const rowWeight = new Float64Array(N);
  let totalWeight = 0;
  for (let i = 0; i < N; i++) {
    const t = Number(classes[i]);
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t) || t < 0 || t >= C) throw rangeError(`target[${i}]`, `a class index in [0, ${C - 1}] or ignoreIndex (${ignoreIndex})`, t);
    rowWeight[i] = weights ? weights[t] : 1;
    totalWeight += rowWeight[i];
  }
  // losses[i] = -rowWeight[i] * logp[i, target_i], on either device. Ignored rows pick column 0 and
  // are then set to 0 (not -0 * logp, which is NaN at -inf).
  const picks = new Float64Array(N); // exact up to 2^53, converted to int32 or int64 below
  const negatedWeights = new Float64Array(N);
  const ignored = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    ignored[i] = Number(classes[i]) === ignoreIndex ? 1 : 0;
    picks[i] = i * C + (ignored[i] ? 0 : Number(classes[i]));
    negatedWeights[i] = -rowWeight[i];
  }
  const { device } = logp;
  const picked = pickedLogProbabilities(logp, tensor(picks, [N], { dtype: pickDType(N, C), device }));
  const weighted = mul(picked, tensor(negatedWeights, [N], { dtype: logp.dtype, device }));
  const losses = ignored.includes(1) ? maskedFill(weighted, tensor(ignored, [N], { dtype: 'bool', device }), 0) : weighted;
  return reducedNll(losses, reduction, totalWeight);
}

/** Positions in logp [N, C] flattened: int32 while they fit. */
function pickDType(N: number, C: number): 'int32' | 'int64' {
  return N * C < 2 ** 31 ? 'int32' : 'int64';
}

/**
 * logp [N, C] at the flat positions picks [N] (i * C + class): rows of logp viewed as [N*C, 1],
 * gathered by an embedding lookup, whose gradient scatters them back. [N].
 */
function pickedLogProbabilities(logp: Tensor, picks: Tensor): Tensor {
  const [N, C] = logp.shape;
  return embedding(picks, logp.reshape([N * C, 1])).reshape([N]);
}

/** The per-row losses [N], their sum, or their sum divided by the total weight ('mean'). */
function reducedNll(losses: Tensor, reduction: Reduction, totalWeight: number | Tensor): Tensor {
  return reduction === 'none' ? losses : reduction === 'sum' ? sum(losses) : div(sum(losses), totalWeight);
}

/**
 * nllLoss for targets all in [0, C): losses_i = -weight[t_i] * logp[i, t_i], gathered by embedding
 * lookups on logp viewed as [N*C, 1] (whose gradient scatters back) and on the weights; 'mean'
 * divides by the weights' sum. Nothing is read back from a device.
 */
function gatheredNll(logp: Tensor, labels: Tensor, weight: Tensor | null, reduction: Reduction): Tensor {
  const [N, C] = logp.shape;
  const { device } = logp;
  const dtype = pickDType(N, C);
  const rowStarts = tensor(Array.from({ length: N }, (_, i) => i * C), [N], { dtype, device });
  const picks = add(rowStarts, labels.dtype === dtype ? labels : labels.to(dtype));
  knownToLieIn(picks, 0, N * C - 1);
  const picked = pickedLogProbabilities(logp, picks);
  // PyTorch gives the class weights no gradient; they take the input's dtype, as on the host path.
  const rowWeight = weight ? noGrad(() => embedding(labels, weight.to(logp.dtype).reshape([C, 1])).reshape([N])) : null;
  const losses = mul(rowWeight ? mul(picked, rowWeight) : picked, -1);
  return reducedNll(losses, reduction, rowWeight && reduction === 'mean' ? sum(rowWeight) : N);
}

/** Records that CUDA integer data an op just made lies in [low, high] (no-op on the host). */
function knownToLieIn(t: Tensor, low: number, high: number): void {
  const contents = t.liveStorage().contents;
  if (contents instanceof CudaArray) contents.indexBounds = { low, high };
}

export function crossEntropy(input: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const logits = floatArg(input, 'input');
  if (logits.rank === 1) {
    // One sample: input [C], target [] (a single class index).
    const label = tensorArg(target, 'target');
    if (label.rank !== 0) throw rangeError('target', 'a one-element rank-0 tensor (one class index for a rank-1 input)', received(`shape ${shapeString(label.shape)}`));
    const loss = nllLoss(logSoftmax(logits.unsqueeze(0), 1), label.reshape([1]), options);
    return loss.rank === 1 ? loss.reshape([]) : loss;
  }
  return nllLoss(logSoftmax(logits, 1), target, options);
}

function sameShape(input: Tensor, other: Tensor, name = 'target'): void {
  if (shapeString(input.shape) !== shapeString(other.shape)) {
    throw rangeError(name, `of the input's shape ${shapeString(input.shape)}`, received(`shape ${shapeString(other.shape)}`));
  }
  if (input.dtype !== other.dtype) throw new TypeError(`gated: expected ${name} of dtype ${input.dtype} (the input's) but received ${other.dtype}`);
}

function reduce(losses: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? losses : reduction === 'sum' ? sum(losses) : mean(losses);
}

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const reduction = reductionOf(options, 'options', ['reduction']);
  const x = floatArg(input, 'input');
  const y = floatArg(target, 'target');
  sameShape(x, y);
  return reduce(square(sub(x, y)), reduction);
}

export interface BceOptions {
  /** A weight per element, of the input's shape and dtype. */
  weight?: Tensor;
  reduction?: Reduction;
}

/**
 * An element-wise loss node: loss_i and its derivatives by x_i and y_i from (x_i, y_i), scaled by
 * w_i, then reduced. `pointwise` returns [loss, d loss / dx, d loss / dy] for one element.
 */
/**
 * A pointwise loss on CUDA: values = [loss, d loss / dx, d loss / dy] computed by device ops; the
 * gradient is the stored slope times the upstream gradient.
 */
function pointwiseLossOnDevice(name: string, x: Tensor, y: Tensor, weight: Tensor | undefined, reduction: Reduction,
  values: () => [Tensor, Tensor, Tensor]): Tensor {
  sameShape(x, y);
  if (weight !== undefined) sameShape(x, floatArg(weight, 'options.weight'), 'options.weight');
  commonDevice(name, x, y, weight);
  const [losses, byX, byY] = noGrad(() => values().map((t) => (weight ? mul(t, weight) : t)));
  const out = noGrad(() => (reduction === 'none' ? losses : reduction === 'sum' ? sum(losses) : mean(losses)));
  record(name, [x, y], [out], [byX, byY], ([g], slopes) => {
    if (!g) return [null, null];
    const upstream = wrap(g, out.shape);
    const scale = reduction === 'mean' ? 1 / x.size : 1;
    return slopes.map((slope) => noGrad(() => mul(slope, mul(upstream, scale))).deviceData() as GradArray);
  });
  return out;
}

function pointwiseLoss(name: string, x: Tensor, y: Tensor, weight: Tensor | undefined, reduction: Reduction,
  pointwise: (x: number, y: number, i: number) => [number, number, number]): Tensor {
  sameShape(x, y);
  let w: FloatArray | null = null;
  if (weight !== undefined) {
    const wt = floatArg(weight, 'options.weight');
    sameShape(x, wt, 'options.weight');
    w = wt.contiguousData() as FloatArray;
  }
  const xs = x.contiguousData() as FloatArray;
  const ys = y.contiguousData() as FloatArray;
  const n = x.size;
  const losses = allocate(x.dtype, n) as FloatArray;
  const slopes = [new Float64Array(n), new Float64Array(n)]; // by x, by y
  for (let i = 0; i < n; i++) {
    const [loss, byX, byY] = pointwise(xs[i], ys[i], i);
    const scale = w ? w[i] : 1;
    losses[i] = loss * scale;
    slopes[0][i] = byX * scale;
    slopes[1][i] = byY * scale;
  }
  const out = reducedOutput(losses, x.shape, reduction, n);
  record(name, [x, y], [out], [], ([g]) => {
    if (!g) return [null, null];
    return slopes.map((slope) => {
      const grad = allocate(x.dtype, n) as FloatArray;
      const upstream = g as FloatArray;
      for (let i = 0; i < n; i++) grad[i] = slope[i] * (reduction === 'none' ? upstream[i] : reduction === 'sum' ? upstream[0] : upstream[0] / n);
      return grad;
    });
  });
  return out;
}

/** Binary cross entropy of probabilities input in [0, 1]; the logs are clamped at -100 like PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceOptions = {}): Tensor {
  const reduction = reductionOf(options, 'options', ['weight', 'reduction']);
  const x = floatArg(input, 'input');
  const y = floatArg(target, 'target');
  if (x.device === 'cuda') {
    const outside = noGrad(() => sum(add(lt(x, 0).to('float32'), gt(x, 1).to('float32'))).item());
    if (outside > 0 || Number.isNaN(noGrad(() => sum(x).item()))) {
      throw rangeError('input', 'probabilities in [0, 1]', `${outside} elements outside (or NaN)`);
    }
    return pointwiseLossOnDevice('binaryCrossEntropy', x, y, options.weight, reduction, () => {
      const clamped = (t: Tensor) => maskedFill(t, lt(t, -100), -100);
      const logP = clamped(log(x));
      const log1mP = clamped(log(sub(1, x)));
      const loss = mul(add(mul(y, logP), mul(sub(1, y), log1mP)), -1);
      const denominator = mul(sub(1, x), x);
      const byX = div(sub(x, y), maskedFill(denominator, lt(denominator, 1e-12), 1e-12));
      return [loss, byX, sub(log1mP, logP)];
    });
  }
  return pointwiseLoss('binaryCrossEntropy', x, y, options.weight, reduction, (p, y, i) => {
    if (!(p >= 0 && p <= 1)) throw rangeError(`input element ${i}`, 'a probability in [0, 1]', p);
    const logP = Math.max(Math.log(p), -100);
    const log1mP = Math.max(Math.log(1 - p), -100);
    return [-(y * logP + (1 - y) * log1mP), (p - y) / Math.max((1 - p) * p, 1e-12), log1mP - logP];
  });
}

export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive class, one value for every element here. */
  posWeight?: number;
}

/** Binary cross entropy on logits, computed stably: sigmoid and log in one. */
export function bceWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const reduction = reductionOf(options, 'options', ['weight', 'posWeight', 'reduction']);
  const pw = options.posWeight ?? 1;
  if (typeof pw !== 'number' || !(pw >= 0)) throw rangeError('options.posWeight', 'a number >= 0', pw);
  const logits = floatArg(input, 'input');
  const labels = floatArg(target, 'target');
  if (logits.device === 'cuda') {
    return pointwiseLossOnDevice('bceWithLogits', logits, labels, options.weight, reduction, () => {
      const x = logits, y = labels;
      const logSigmoidNeg = add(log(add(exp(mul(abs(x), -1)), 1)), relu(mul(x, -1))); // -log sigmoid(x)
      const loss = add(mul(sub(1, y), x), mul(add(mul(y, pw - 1), 1), logSigmoidNeg));
      const byX = sub(mul(sigmoid(x), add(mul(y, pw - 1), 1)), mul(y, pw));
      return [loss, byX, sub(mul(logSigmoidNeg, pw - 1), x)];
    });
  }
  return pointwiseLoss('bceWithLogits', logits, labels, options.weight, reduction, (x, y) => {
    const logSigmoidNeg = Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0); // -log sigmoid(x)
    const loss = (1 - y) * x + (1 + (pw - 1) * y) * logSigmoidNeg;
    const s = 1 / (1 + Math.exp(-x));
    return [loss, s * (pw * y + 1 - y) - pw * y, (pw - 1) * logSigmoidNeg - x];
  });
}
