// Learning-rate schedulers (torch.optim.lr_scheduler): they set paramGroups[i].lr of an optimizer.
// StepLR and ExponentialLR step once per epoch, after optimizer.step(); ReduceLROnPlateau steps with
// a validation metric.
import { Tensor } from '../tensor';
import { checkInteger, checkKnownKeys, checkOneOf, rangeError, typeError } from '../validate';
import { Hyperparameters, Optimizer, ParamState, checkFraction, checkNonNegative } from './optimizer';

type AnyOptimizer = Optimizer<Hyperparameters, ParamState>;

function checkOptimizer(optimizer: unknown): AnyOptimizer {
  if (!(optimizer instanceof Optimizer)) throw typeError('optimizer', 'an Optimizer (SGD, Adam, AdamW or RMSprop)', optimizer);
  return optimizer as AnyOptimizer;
}

function checkOptions(options: unknown, name: string, known: string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) throw typeError(`${name} options`, 'an object', options);
  checkKnownKeys(options, `${name} options`, known);
  return options as Record<string, unknown>;
}

/** The base of epoch-based schedulers: step() computes each group's next lr from its current one. */
export abstract class LRScheduler {
  /** Epochs stepped so far. */
  lastEpoch = 0;
  /** Each group's lr when the scheduler was made. */
  readonly baseLrs: number[];
  private lastLr: number[];
  readonly optimizer: AnyOptimizer;

  protected constructor(optimizer: unknown) {
    this.optimizer = checkOptimizer(optimizer);
    this.baseLrs = this.optimizer.paramGroups.map((g) => g.lr);
    this.lastLr = [...this.baseLrs];
  }

  /** A group's lr for epoch `this.lastEpoch`, from its current `lr`. */
  protected abstract nextLr(lr: number): number;

  /** Advances one epoch; call it after optimizer.step(). */
  step(): void {
    this.lastEpoch += 1;
    for (const group of this.optimizer.paramGroups) group.lr = this.nextLr(group.lr);
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Each group's lr as set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
}

export interface StepLROptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplies the lr every stepSize epochs (default 0.1). */
  gamma?: number;
}

/** Multiplies each group's lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    super(optimizer);
    const o = checkOptions(options, 'StepLR', ['stepSize', 'gamma']);
    this.stepSize = checkInteger(o.stepSize, 'stepSize', 1);
    this.gamma = checkNonNegative(o.gamma ?? 0.1, 'gamma');
  }

  protected override nextLr(lr: number): number {
    return this.lastEpoch % this.stepSize === 0 ? lr * this.gamma : lr;
  }
}

export interface ExponentialLROptions {
  /** Multiplies the lr every epoch. */
  gamma: number;
}

/** Multiplies each group's lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    super(optimizer);
    this.gamma = checkNonNegative(checkOptions(options, 'ExponentialLR', ['gamma']).gamma, 'gamma');
  }

  protected override nextLr(lr: number): number {
    return lr * this.gamma;
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr * factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before a reduction (default 10). */
  patience?: number;
  /** Smallest change counted as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': relative to the best metric; 'abs': absolute (default 'rel'). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted (default 0). */
  cooldown?: number;
  /** Lower bound on the lr: one for every group, or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
}

const PLATEAU_KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];

/** Multiplies each group's lr by factor when the metric has not improved for more than patience epochs. */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  lastEpoch = 0;
  /** The best metric so far (±Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = checkOptimizer(optimizer);
    const o = checkOptions(options, 'ReduceLROnPlateau', PLATEAU_KEYS);
    const groups = this.optimizer.paramGroups.length;
    this.mode = checkOneOf(o.mode ?? 'min', 'mode', ['min', 'max'] as const);
    this.factor = checkFraction(o.factor ?? 0.1, 'factor');
    this.patience = checkInteger(o.patience ?? 10, 'patience', 0);
    this.threshold = checkNonNegative(o.threshold ?? 1e-4, 'threshold');
    this.thresholdMode = checkOneOf(o.thresholdMode ?? 'rel', 'thresholdMode', ['rel', 'abs'] as const);
    this.cooldown = checkInteger(o.cooldown ?? 0, 'cooldown', 0);
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== groups) throw rangeError('minLr', `an array of length ${groups} (one per parameter group)`, minLr);
    this.minLrs = Array.isArray(minLr)
      ? minLr.map((v, i) => checkNonNegative(v, `minLr[${i}]`))
      : new Array<number>(groups).fill(checkNonNegative(minLr, 'minLr'));
    this.eps = checkNonNegative(o.eps ?? 1e-8, 'eps');
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records one epoch's metric (a number or a one-element tensor) and reduces the lr if it has stalled. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') throw typeError('metric', 'a number or a one-element Tensor', metric);
    this.lastEpoch += 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((group, i) => {
        const lr = Math.max(group.lr * this.factor, this.minLrs[i]);
        if (group.lr - lr > this.eps) group.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(value: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? value < best * (1 - threshold) : value < best - threshold;
    return this.thresholdMode === 'rel' ? value > best * (threshold + 1) : value > best + threshold;
  }

  /** Each group's lr after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
}
