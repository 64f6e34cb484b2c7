// RMSprop with optional centering, momentum and L2 weight decay (torch.optim.RMSprop).
import { FloatArray } from '../autograd';
import { checkBoolean } from '../validate';
import { Optimizer, ParamGroup, ParamsInput, checkNonNegative, zerosLike } from './optimizer';

export interface RMSpropHyperparameters {
  lr: number;
  /** Decay rate of the running average of the squared gradient. */
  alpha: number;
  /** Added to the denominator's square root. */
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Divide by the estimated variance (subtract the squared running mean of the gradient). */
  centered: boolean;
  /** Ascend the gradient instead of descending it. */
  maximize: boolean;
}
export type RMSpropOptions = Partial<RMSpropHyperparameters>;

/** Per-parameter state, one element per parameter element; gradAvg and momentumBuffer stay null until used. */
export type RMSpropState = {
  step: number;
  squareAvg: FloatArray;
  gradAvg: FloatArray | null;
  momentumBuffer: FloatArray | null;
};

const DEFAULTS: RMSpropHyperparameters = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };

function checkRMSprop(o: Record<string, unknown>, at: string): RMSpropHyperparameters {
  return {
    lr: checkNonNegative(o.lr, `${at}lr`),
    alpha: checkNonNegative(o.alpha, `${at}alpha`),
    eps: checkNonNegative(o.eps, `${at}eps`),
    weightDecay: checkNonNegative(o.weightDecay, `${at}weightDecay`),
    momentum: checkNonNegative(o.momentum, `${at}momentum`),
    centered: checkBoolean(o.centered, `${at}centered`),
    maximize: checkBoolean(o.maximize, `${at}maximize`),
  };
}

export class RMSprop extends Optimizer<RMSpropHyperparameters, RMSpropState> {
  constructor(params: ParamsInput<RMSpropHyperparameters>, options: RMSpropOptions = {}) {
    super('RMSprop', params, options, DEFAULTS, checkRMSprop);
  }

  protected override initState(param: FloatArray): RMSpropState {
    return { step: 0, squareAvg: zerosLike(param), gradAvg: null, momentumBuffer: null };
  }

  protected override update(param: FloatArray, grad: FloatArray, state: RMSpropState, group: ParamGroup<RMSpropHyperparameters>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    state.step += 1;
    const sq = state.squareAvg;
    const mean = centered ? (state.gradAvg ??= zerosLike(param)) : null;
    const buf = momentum > 0 ? (state.momentumBuffer ??= zerosLike(param)) : null;
    for (let i = 0; i < param.length; i++) {
      let d = maximize ? -grad[i] : grad[i];
      if (weightDecay !== 0) d += weightDecay * param[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * (d * d);
      let variance = sq[i];
      if (mean) {
        mean[i] += (1 - alpha) * (d - mean[i]);
        variance -= mean[i] * mean[i];
      }
      const denom = Math.sqrt(variance) + eps;
      if (buf) {
        buf[i] = momentum * buf[i] + d / denom;
        param[i] -= lr * buf[i];
      } else {
        param[i] -= lr * (d / denom);
      }
    }
  }
}
