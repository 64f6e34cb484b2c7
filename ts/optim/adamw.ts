// AdamW: Adam with decoupled weight decay, p *= 1 - lr * weightDecay before the Adam step (torch.optim.AdamW).
import { ADAM_DEFAULTS, AdamHyperparameters, AdamOptions, AdamState, adamUpdate, checkAdam, initAdamState } from './adam';
import { Optimizer, ParamGroup, ParamsInput } from './optimizer';
import type { StateArray } from './optimizer';

export class AdamW extends Optimizer<AdamHyperparameters, AdamState> {
  constructor(params: ParamsInput<AdamHyperparameters>, options: AdamOptions = {}) {
    super('AdamW', params, options, { ...ADAM_DEFAULTS, weightDecay: 1e-2 }, checkAdam);
  }

  protected override initState(param: StateArray): AdamState {
    return initAdamState(param);
  }

  protected override update(param: StateArray, grad: StateArray, state: AdamState, group: ParamGroup<AdamHyperparameters>): void {
    adamUpdate(param, grad, state, group, true);
  }
}
