// SGD with optional momentum, dampening, Nesterov momentum and L2 weight decay (torch.optim.SGD).
import { FloatArray } from '../autograd';
import { checkBoolean, rangeError } from '../validate';
import { Optimizer, ParamGroup, ParamsInput, checkFinite, checkNonNegative, zerosLike } from './optimizer';

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
export type SGDState = { momentumBuffer: FloatArray | null };

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

  protected override update(param: FloatArray, grad: FloatArray, state: SGDState, group: ParamGroup<SGDHyperparameters>): void {
    const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
    const first = momentum !== 0 && state.momentumBuffer === null;
    if (first) state.momentumBuffer = zerosLike(param);
    const buf = momentum !== 0 ? state.momentumBuffer : null;
    for (let i = 0; i < param.length; i++) {
      let d = maximize ? -grad[i] : grad[i];
      if (weightDecay !== 0) d += weightDecay * param[i];
      if (buf) {
        buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      param[i] -= lr * d;
    }
  }
}
