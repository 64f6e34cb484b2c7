// RMSprop with optional centering, momentum and L2 weight decay (torch.optim.RMSprop).
import { checkBoolean } from '../validate';
import { NativeArray, native } from '../native';
import { Optimizer, ParamGroup, ParamsInput, StateArray, checkNonNegative, stateBuffer, stepConfig, zerosLike } from './optimizer';

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
  squareAvg: StateArray;
  gradAvg: StateArray | null;
  momentumBuffer: StateArray | null;
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

  protected override initState(param: StateArray): RMSpropState {
    return { step: 0, squareAvg: zerosLike(param), gradAvg: null, momentumBuffer: null };
  }

  protected override update(param: StateArray, grad: StateArray, state: RMSpropState, group: ParamGroup<RMSpropHyperparameters>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    state.step += 1;
    const mean = centered ? (state.gradAvg ??= zerosLike(param)) : null;
    const buffer = momentum > 0 ? (state.momentumBuffer ??= zerosLike(param)) : null;
    const step = stepConfig({ kind: 2, lr, alpha, eps, weightDecay, momentum, centered, maximize });
    native.optimizerStep(step, stateBuffer(param) as NativeArray, stateBuffer(grad) as NativeArray, stateBuffer(state.squareAvg), stateBuffer(mean), stateBuffer(buffer));
  }
}
