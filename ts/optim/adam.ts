// Adam with optional AMSGrad and L2 weight decay (torch.optim.Adam). AdamW shares its update, with
// the weight decay applied to the parameter directly instead of through the gradient.
import { checkBoolean, typeError } from '../validate';
import { NativeArray, native } from '../native';
import { Optimizer, ParamGroup, ParamsInput, StateArray, checkFraction, checkNonNegative, stateBuffer, stepConfig, zerosLike } from './optimizer';

export interface AdamHyperparameters {
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square. */
  betas: [number, number];
  /** Added to the denominator's square root. */
  eps: number;
  weightDecay: number;
  /** Divide by the largest second-moment average seen so far (AMSGrad). */
  amsgrad: boolean;
  /** Ascend the gradient instead of descending it. */
  maximize: boolean;
}
export type AdamOptions = Partial<AdamHyperparameters>;

/** Per-parameter state: steps taken and the running averages, one element per parameter element. */
export type AdamState = {
  step: number;
  expAvg: StateArray;
  expAvgSq: StateArray;
  /** AMSGrad's running maximum of expAvgSq (null until a step with amsgrad). */
  maxExpAvgSq: StateArray | null;
};

export const ADAM_DEFAULTS: AdamHyperparameters = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };

export function checkAdam(o: Record<string, unknown>, at: string): AdamHyperparameters {
  if (!Array.isArray(o.betas) || o.betas.length !== 2) throw typeError(`${at}betas`, 'an array of two numbers in [0, 1)', o.betas);
  return {
    lr: checkNonNegative(o.lr, `${at}lr`),
    betas: [checkFraction(o.betas[0], `${at}betas[0]`), checkFraction(o.betas[1], `${at}betas[1]`)],
    eps: checkNonNegative(o.eps, `${at}eps`),
    weightDecay: checkNonNegative(o.weightDecay, `${at}weightDecay`),
    amsgrad: checkBoolean(o.amsgrad, `${at}amsgrad`),
    maximize: checkBoolean(o.maximize, `${at}maximize`),
  };
}

export function initAdamState(param: StateArray): AdamState {
  return { step: 0, expAvg: zerosLike(param), expAvgSq: zerosLike(param), maxExpAvgSq: null };
}

/** One Adam step; `decoupled` applies weightDecay as AdamW does (p *= 1 - lr * weightDecay). */
export function adamUpdate(param: StateArray, grad: StateArray, state: AdamState, group: AdamHyperparameters, decoupled: boolean): void {
  const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = group;
  state.step += 1;
  const vMax = amsgrad ? (state.maxExpAvgSq ??= zerosLike(param)) : null;
  const step = stepConfig({
    kind: 1, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled,
    stepSize: lr / (1 - beta1 ** state.step),
    correction2Sqrt: Math.sqrt(1 - beta2 ** state.step),
  });
  native.optimizerStep(step, stateBuffer(param) as NativeArray, stateBuffer(grad) as NativeArray, stateBuffer(state.expAvg), stateBuffer(state.expAvgSq), stateBuffer(vMax));
}

export class Adam extends Optimizer<AdamHyperparameters, AdamState> {
  constructor(params: ParamsInput<AdamHyperparameters>, options: AdamOptions = {}) {
    super('Adam', params, options, ADAM_DEFAULTS, checkAdam);
  }

  protected override initState(param: StateArray): AdamState {
    return initAdamState(param);
  }

  protected override update(param: StateArray, grad: StateArray, state: AdamState, group: ParamGroup<AdamHyperparameters>): void {
    adamUpdate(param, grad, state, group, false);
  }
}
