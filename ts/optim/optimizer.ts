// Optimizer: the base of SGD, Adam, AdamW and RMSprop. Holds PyTorch-style parameter groups (each a
// list of tensors with its own hyperparameters) and per-parameter state, and updates the
// parameters' data in place, in their own dtype.
import { FloatArray } from '../autograd';
import { CudaArray } from '../cuda_array';
import { NativeArray, NativeOptimizerStep } from '../native';
import { Tensor } from '../tensor';
import { checkInteger, checkKnownKeys, rangeError, received, shapeString, typeError } from '../validate';

/** Hyperparameters shared by every optimizer; each adds its own. */
export interface Hyperparameters {
  /** Learning rate; schedulers change it between steps. */
  lr: number;
}

/** One parameter group: tensors updated with the same hyperparameters (PyTorch's param_groups). */
export type ParamGroup<H extends Hyperparameters> = H & { params: Tensor[] };

/** A parameter group as given: tensors and overrides of the optimizer's defaults. */
export type ParamGroupInput<H extends Hyperparameters> = { params: readonly Tensor[] } & Partial<H>;

/** What an optimizer takes: tensors, or parameter groups. */
export type ParamsInput<H extends Hyperparameters> = readonly Tensor[] | readonly ParamGroupInput<H>[];

/**
 * Per-parameter state: step counts, and buffers with one element per parameter element (or null
 * until needed), on the parameter's device. stateDict() copies them to typed arrays.
 */
export type ParamState = Record<string, number | StateArray | null>;
export type StateArray = FloatArray | CudaArray;

/** A copy of an optimizer's state; parameters are numbered in group order, as in PyTorch. */
export interface OptimizerStateDict<H extends Hyperparameters> {
  state: Record<number, ParamState>;
  paramGroups: (H & { params: number[] })[];
}

/** How a subclass checks its hyperparameters: `at` prefixes the names in messages ('' or 'params[1].'). */
export type HyperparameterCheck<H> = (merged: Record<string, unknown>, at: string) => H;

/** Any finite number. */
export function checkFinite(value: unknown, name: string): number {
  if (typeof value !== 'number') throw typeError(name, 'a finite number', value);
  if (!Number.isFinite(value)) throw rangeError(name, 'a finite number', value);
  return value;
}

/** A finite number >= 0 (lr, eps, weightDecay, momentum, ...). */
export function checkNonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number') throw typeError(name, 'a finite number >= 0', value);
  if (!(Number.isFinite(value) && value >= 0)) throw rangeError(name, 'a finite number >= 0', value);
  return value;
}

/** A number in [0, 1) (Adam's betas, a scheduler's factor). */
export function checkFraction(value: unknown, name: string): number {
  if (typeof value !== 'number') throw typeError(name, 'a number in [0, 1)', value);
  if (!(value >= 0 && value < 1)) throw rangeError(name, 'a number in [0, 1)', value);
  return value;
}

/** `overrides` on top of `base`, ignoring keys given as undefined. */
function merge(base: object, overrides: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) out[key] = value;
  return out;
}

export abstract class Optimizer<H extends Hyperparameters, S extends ParamState> {
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Hyperparameters of groups that do not override them. */
  readonly defaults: H;
  protected readonly state = new Map<Tensor, S>();

  protected constructor(
    readonly name: string,
    params: ParamsInput<H>,
    options: unknown,
    defaults: H,
    private readonly check: HyperparameterCheck<H>,
  ) {
    if (typeof options !== 'object' || options === null) throw typeError(`${name} options`, 'an object', options);
    checkKnownKeys(options, `${name} options`, Object.keys(defaults));
    this.defaults = check(merge(defaults, options), '');
    if (!Array.isArray(params) || params.length === 0) {
      throw typeError('params', 'a non-empty array of Tensors or of parameter groups { params, ...options }', params);
    }
    if (params[0] instanceof Tensor) this.addGroup({ params }, 'params', 'params');
    else params.forEach((group, i) => this.addGroup(group, `params[${i}]`, `params[${i}].params`));
  }

  /** Adds a group of tensors, with hyperparameters overriding the defaults (PyTorch's add_param_group). */
  addParamGroup(group: ParamGroupInput<H>): void {
    this.addGroup(group, 'group', 'group.params');
  }

  private addGroup(group: unknown, at: string, tensorsAt: string): void {
    if (typeof group !== 'object' || group === null || group instanceof Tensor) {
      throw typeError(at, 'a parameter group { params, ...options }', group);
    }
    checkKnownKeys(group, at, ['params', ...Object.keys(this.defaults)]);
    const { params, ...overrides } = group as { params: unknown };
    const tensors = this.checkParams(params, tensorsAt);
    this.paramGroups.push({ ...this.check(merge(this.defaults, overrides), `${at}.`), params: tensors });
  }

  private checkParams(params: unknown, name: string): Tensor[] {
    if (!Array.isArray(params) || params.length === 0) throw typeError(name, 'a non-empty array of Tensors', params);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    return params.map((p: unknown, i) => {
      const at = `${name}[${i}]`;
      if (!(p instanceof Tensor)) throw typeError(at, 'a Tensor', p);
      p.liveStorage(at);
      if (!p.requiresGrad) throw typeError(at, 'a tensor that requires grad (a float32 or float64 leaf)', received(`a tensor of dtype ${p.dtype} that does not require grad`));
      if (p.gradEdge) throw typeError(at, 'a leaf tensor (not the result of an op)', received('a non-leaf tensor'));
      if (!p.isContiguous) throw rangeError(at, 'a contiguous tensor (updated in place)', received('a non-contiguous view'));
      if (seen.has(p)) throw rangeError(at, 'a tensor not given before (each parameter may appear once)', received('a repeated tensor'));
      seen.add(p);
      return p;
    });
  }

  /** Fresh state for a parameter whose data is `param`, made on its first update. */
  protected abstract initState(param: StateArray): S;

  /** Updates `param` (the parameter's data) in place from `grad` (same length), advancing `state`. */
  protected abstract update(param: StateArray, grad: StateArray, state: S, group: ParamGroup<H>): void;

  /** One optimization step on every parameter that has a gradient; the others are skipped. */
  step(): void {
    this.paramGroups.forEach((group, i) => {
      group.params.forEach((p, j) => {
        if (p.grad === null) return;
        const grad = checkGrad(p, p.grad, `paramGroups[${i}].params[${j}].grad`);
        p.markModified(`paramGroups[${i}].params[${j}]`);
        const param = p.deviceData(`paramGroups[${i}].params[${j}]`) as StateArray;
        let state = this.state.get(p);
        if (!state) this.state.set(p, (state = this.initState(param)));
        followDevice(state, param);
        this.update(param, grad, state, group);
      });
    });
  }

  /** Sets every parameter's grad to null, disposing the old gradient (PyTorch's set_to_none). */
  zeroGrad(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        p.grad?.dispose();
        p.grad = null;
      }
    }
  }

  /** A copy of the hyperparameters and of the state of every parameter updated so far. */
  stateDict(): OptimizerStateDict<H> {
    const state: Record<number, ParamState> = {};
    let index = 0;
    const paramGroups = this.paramGroups.map(({ params, ...hyper }) => {
      const indices = params.map((p) => {
        const s = this.state.get(p);
        if (s) state[index] = copyState(s);
        return index++;
      });
      return { ...this.check(hyper, ''), params: indices };
    });
    return { state, paramGroups };
  }

  /** Restores hyperparameters and state saved by stateDict() from an optimizer over tensors of the same shapes. */
  loadStateDict(dict: OptimizerStateDict<H>): void {
    if (typeof dict !== 'object' || dict === null) throw typeError('stateDict', 'an object { state, paramGroups }', dict);
    const { state, paramGroups } = dict;
    if (!Array.isArray(paramGroups) || paramGroups.length !== this.paramGroups.length) {
      throw rangeError('stateDict.paramGroups', `an array of length ${this.paramGroups.length} (the optimizer's groups)`, paramGroups);
    }
    if (typeof state !== 'object' || state === null) throw typeError('stateDict.state', 'an object', state);
    const hypers = paramGroups.map((saved: unknown, i) => {
      const at = `stateDict.paramGroups[${i}]`;
      if (typeof saved !== 'object' || saved === null) throw typeError(at, 'an object', saved);
      checkKnownKeys(saved, at, ['params', ...Object.keys(this.defaults)]);
      const { params, ...hyper } = saved as { params: unknown };
      const count = this.paramGroups[i].params.length;
      if (!Array.isArray(params) || params.length !== count) throw rangeError(`${at}.params`, `an array of length ${count}`, params);
      return this.check(merge(this.defaults, hyper), `${at}.`);
    });
    const byIndex = this.paramGroups.flatMap((group) => group.params);
    const loaded = new Map<Tensor, S>();
    for (const [key, saved] of Object.entries(state)) {
      const at = `stateDict.state[${key}]`;
      const p = byIndex[checkInteger(Number(key), `${at} (its index)`, 0, byIndex.length - 1)];
      loaded.set(p, this.checkState(saved, at, p));
    }
    hypers.forEach((hyper, i) => Object.assign(this.paramGroups[i], hyper));
    this.state.clear();
    for (const [p, s] of loaded) this.state.set(p, s);
  }

  /** Saved state for `p`, checked against a fresh state's fields and copied into the parameter's dtype. */
  private checkState(saved: unknown, at: string, p: Tensor): S {
    if (typeof saved !== 'object' || saved === null) throw typeError(at, 'an object', saved);
    const like = p.deviceData('parameter') as StateArray;
    const fresh = this.initState(like) as ParamState;
    checkKnownKeys(saved, at, Object.keys(fresh));
    for (const [key, value] of Object.entries(saved)) {
      const name = `${at}.${key}`;
      if (typeof fresh[key] === 'number') {
        fresh[key] = checkNonNegative(value, name);
      } else if (value === null) {
        fresh[key] = null;
      } else if (value instanceof Float32Array || value instanceof Float64Array) {
        if (value.length !== like.length) throw rangeError(name, `a typed array of length ${like.length} (the parameter's size)`, value);
        if ((value instanceof Float32Array) !== (p.dtype === 'float32')) throw typeError(name, `a typed array of the parameter's dtype (${p.dtype})`, value);
        fresh[key] = like instanceof CudaArray ? CudaArray.fromHost(value, p.dtype) : value.slice();
      } else {
        throw typeError(name, 'a Float32Array, a Float64Array or null', value);
      }
    }
    return fresh as S;
  }
}

function checkGrad(p: Tensor, grad: Tensor, name: string): StateArray {
  if (grad.dtype !== p.dtype) {
    throw new TypeError(`gated: expected ${name} to be of dtype ${p.dtype} (the parameter's dtype) but received ${grad.dtype}`);
  }
  if (shapeString(grad.shape) !== shapeString(p.shape)) {
    throw rangeError(name, `of shape ${shapeString(p.shape)} (the parameter's shape)`, received(`shape ${shapeString(grad.shape)}`));
  }
  if (grad.device !== p.device) throw new TypeError(`gated: expected ${name} on ${p.device} (the parameter's device) but it is on ${grad.device}`);
  return grad.deviceData(name) as StateArray;
}

/** Moves a state's arrays to the device of `param` (a module moved after its optimizer was made). */
function followDevice(state: ParamState, param: StateArray): void {
  const onCuda = param instanceof CudaArray;
  for (const [key, value] of Object.entries(state)) {
    if (value === null || typeof value === 'number' || value instanceof CudaArray === onCuda) continue;
    state[key] = value instanceof CudaArray ? (value.toHost() as FloatArray) : CudaArray.fromHost(value, value instanceof Float32Array ? 'float32' : 'float64');
    if (value instanceof CudaArray) value.free();
  }
}

function copyState(state: ParamState): ParamState {
  const out: ParamState = {};
  for (const [key, value] of Object.entries(state)) {
    out[key] = typeof value === 'number' || value === null ? value : value instanceof CudaArray ? (value.toHost() as FloatArray) : value.slice();
  }
  return out;
}

/** Zeros shaped like a parameter's data, on its device. */
export function zerosLike(like: StateArray): StateArray {
  if (like instanceof CudaArray) return CudaArray.filled(like.dtype, like.length, 0);
  return like instanceof Float32Array ? new Float32Array(like.length) : new Float64Array(like.length);
}

/** The native buffer of a state array, or null. */
export function stateBuffer(array: StateArray | null): NativeArray | null {
  return array === null ? null : array instanceof CudaArray ? array.buffer : array;
}

/** An optimizer step for native.optimizerStep, with every field the kind does not use at rest. */
export function stepConfig(fields: Partial<NativeOptimizerStep> & Pick<NativeOptimizerStep, 'kind' | 'lr'>): NativeOptimizerStep {
  return {
    weightDecay: 0, maximize: false, momentum: 0, dampening: 0, nesterov: false, firstMomentum: false, beta1: 0, beta2: 0,
    eps: 0, stepSize: 0, correction2Sqrt: 1, amsgrad: false, decoupled: false, alpha: 0, centered: false, ...fields,
  };
}
