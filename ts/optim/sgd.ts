// SGD with optional momentum, dampening, Nesterov momentum and L2 weight decay (torch.optim.SGD).
import { checkBoolean, rangeError } from '../validate';
import { NativeArray, native } from '../native';
import { Optimizer, ParamGroup, ParamsInput, StateArray, checkFinite, checkNonNegative, stateBuffer, stepConfig, zerosLike } from './optimizer';

export interface SGDHyperparameters {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /** Ascend the gradient instead of descending it. */
  maximize: boolean;
}
export type SGDOptions = Partial<SGDHyperparameters>;

/** The momentum buffer (null until the first step with momentum, which starts it at the gradient). */
export type SGDState = { momentumBuffer: StateArray | null };

const DEFAULTS: SGDHyperparameters = { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false };

function checkSGD(o: Record<string, unknown>, at: string): SGDHyperparameters {
  const h: SGDHyperparameters = {
    lr: checkNonNegative(o.lr, `${at}lr`),
    momentum: checkNonNegative(o.momentum, `${at}momentum`),
    dampening: checkFinite(o.dampening, `${at}dampening`),
    nesterov: checkBoolean(o.nesterov, `${at}nesterov`),
    weightDecay: checkNonNegative(o.weightDecay, `${at}weightDecay`),
    maximize: checkBoolean(o.maximize, `${at}maximize`),
  };
  if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw rangeError(`${at}nesterov`, 'false unless momentum > 0 and dampening is 0 (Nesterov momentum needs both)', true);
  }
  return h;
}

export class SGD extends Optimizer<SGDHyperparameters, SGDState> {
  constructor(params: ParamsInput<SGDHyperparameters>, options: SGDOptions = {}) {
    super('SGD', params, options, DEFAULTS, checkSGD);
  }

  protected override initState(): SGDState {
    return { momentumBuffer: null };
  }

  protected override update(param: StateArray, grad: StateArray, state: SGDState, group: ParamGroup<SGDHyperparameters>): void {
    const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
    const firstMomentum = momentum !== 0 && state.momentumBuffer === null;
    if (firstMomentum) state.momentumBuffer = zerosLike(param);
    const buffer = momentum !== 0 ? state.momentumBuffer : null;
    const step = stepConfig({ kind: 0, lr, momentum, dampening, nesterov, weightDecay, maximize, firstMomentum });
    native.optimizerStep(step, stateBuffer(param) as NativeArray, stateBuffer(grad) as NativeArray, stateBuffer(buffer), null, null);
  }
}
