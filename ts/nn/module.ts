// Module: the base of every layer. Parameters, buffers and submodules assigned as fields are found
// automatically, in the order they were assigned (PyTorch's order and names).
import { checkDevice, requireCuda } from '../device';
import { native } from '../native';
import { untrack } from '../scope';
import type { Device } from '../storage';
import { Tensor } from '../tensor';
import { forEachPosition } from '../layout';
import { checkBoolean, checkKnownKeys, shapeString, typeError } from '../validate';

const parameters = new WeakSet<Tensor>();
const buffers = new WeakSet<Tensor>();

/** Marks a tensor as a trainable parameter of the module it is assigned to. */
export function Parameter(tensor: Tensor): Tensor {
  if (!(tensor instanceof Tensor) || buffers.has(tensor)) throw typeError('tensor', 'a Tensor that is not a buffer', tensor);
  tensor.requiresGrad = true;
  parameters.add(tensor);
  untrack(tensor);
  return tensor;
}

export function isParameter(value: unknown): value is Tensor {
  return value instanceof Tensor && parameters.has(value);
}

/**
 * Marks a tensor as non-trainable state of the module it is assigned to (BatchNorm's running_mean,
 * running_var, num_batches_tracked): saved in stateDict() and loaded by loadStateDict(), never trained.
 */
export function Buffer(tensor: Tensor): Tensor {
  if (!(tensor instanceof Tensor) || parameters.has(tensor)) throw typeError('tensor', 'a Tensor that is not a parameter', tensor);
  buffers.add(tensor);
  untrack(tensor);
  return tensor;
}

export function isBuffer(value: unknown): value is Tensor {
  return value instanceof Tensor && buffers.has(value);
}

/** What loadStateDict() skipped (always empty with strict: true, which throws instead). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export class Module {
  /** Training mode (dropout active) or evaluation mode. */
  training = true;

  /** This module's own fields holding tensors marked by `marker` (not its submodules'), with `prefix` on their names. */
  private ownTensors(prefix: string, marker: (value: unknown) => value is Tensor): [string, Tensor][] {
    return Object.entries(this).filter((e): e is [string, Tensor] => marker(e[1])).map(([key, t]) => [prefix + key, t]);
  }

  /** Tensors marked by `marker` here, then in each submodule (pre-order), with dotted names. */
  private namedTensors(prefix: string, marker: (value: unknown) => value is Tensor): [string, Tensor][] {
    return [...this.ownTensors(prefix, marker), ...this.namedChildren().flatMap(([name, child]) => child.namedTensors(`${prefix}${name}.`, marker))];
  }

  /**
   * Parameters of this module, then of each submodule, with dotted names. A tensor shared by
   * several fields (tied weights) is listed once, under its first name, as in PyTorch.
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    return this.namedTensors(prefix, isParameter).filter(([, t]) => !seen.has(t) && seen.add(t) !== undefined);
  }

  /** The parameter with this dotted name, e.g. 'weight_hh_l0' (PyTorch's attribute name). */
  parameter(name: string): Tensor {
    const found = this.namedParameters().find(([n]) => n === name);
    if (!found) {
      const known = this.namedParameters().map(([n]) => n);
      throw new RangeError(`gated: expected name to be one of ${known.join(', ')} but received '${String(name)}'`);
    }
    return found[1];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Buffers (non-trainable state) of this module, then of each submodule, with dotted names. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    return this.namedTensors(prefix, isBuffer);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((entry): entry is [string, Module] => entry[1] instanceof Module);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every module inside it, in pre-order (torch.nn.Module.modules). */
  modules(): Module[] {
    return [this, ...this.children().flatMap((child) => child.modules())];
  }

  /** Parameters and buffers in PyTorch's state_dict order: per module (pre-order), its parameters, then its buffers. */
  private namedState(prefix = ''): [string, Tensor][] {
    return [
      ...this.ownTensors(prefix, isParameter),
      ...this.ownTensors(prefix, isBuffer),
      ...this.namedChildren().flatMap(([name, child]) => child.namedState(`${prefix}${name}.`)),
    ];
  }

  /**
   * Every parameter and buffer by dotted name ('weight_ih_l0', 'encoder.fc.weight'), in PyTorch's
   * state_dict() order. The values are detached views: they share the module's data (no copy), so
   * they see later updates and writing into them changes the module. Disposing a view releases only
   * that view. Save them with g.save(module.stateDict(), path).
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedState().map(([name, t]) => [name, t.detach()]));
  }

  /**
   * Copies each tensor of `stateDict` into the parameter or buffer of the same name, in place (bumping
   * its version). Dtypes and shapes must match exactly. With strict (the default), missing and
   * unexpected keys are errors too; every problem is reported in one error and nothing is copied.
   */
  loadStateDict(stateDict: Record<string, Tensor> | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict)) {
      throw typeError('stateDict', 'an object or Map of Tensors by name', stateDict);
    }
    if (typeof options !== 'object' || options === null) throw typeError('options', 'an object { strict? }', options);
    checkKnownKeys(options, 'loadStateDict options', ['strict']);
    const strict = checkBoolean(options.strict ?? true, 'strict');
    const given = new Map(stateDict instanceof Map ? stateDict : Object.entries(stateDict));
    for (const [key, value] of given) {
      if (!(value instanceof Tensor)) throw typeError(`stateDict['${key}']`, 'a Tensor', value);
      value.liveStorage(`stateDict['${key}']`);
    }
    const own = new Map(this.namedState());
    const missingKeys = [...own.keys()].filter((key) => !given.has(key));
    const unexpectedKeys = [...given.keys()].filter((key) => !own.has(key));
    const pairs = [...own].filter(([key]) => given.has(key)).map(([key, target]): [string, Tensor, Tensor] => [key, target, given.get(key)!]);
    for (const [key, target] of pairs) target.liveStorage(`the module's '${key}'`);

    const wrongDtypes = pairs.filter(([, target, source]) => source.dtype !== target.dtype);
    if (wrongDtypes.length > 0) {
      const lines = wrongDtypes.map(([key, target, source]) => `expected stateDict['${key}'] to be of dtype ${target.dtype} but received ${source.dtype}`);
      throw new TypeError(`gated: loadStateDict: ${lines.join('; ')}`);
    }
    const problems = [
      ...(strict ? missingKeys.map((key) => `missing key '${key}'`) : []),
      ...(strict ? unexpectedKeys.map((key) => `unexpected key '${key}'`) : []),
      ...pairs
        .filter(([, target, source]) => shapeString(source.shape) !== shapeString(target.shape))
        .map(([key, target, source]) => `expected stateDict['${key}'] to be of shape ${shapeString(target.shape)} but received shape ${shapeString(source.shape)}`),
    ];
    if (problems.length > 0) {
      const name = this.constructor.name;
      throw new RangeError(`gated: cannot load the state dict into ${name} (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${problems.join('\n  ')}`);
    }
    for (const [key, target, source] of pairs) copyInto(target, source, key);
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode here and in every submodule. */
  /**
   * Moves every parameter and buffer (and their gradients) to `device` in place, and returns this
   * module. The parameter tensors stay the same objects, so an optimizer made before still holds
   * them. Moving to 'cuda' where CUDA is unusable throws, with the reason.
   */
  to(device: Device): this {
    checkDevice(device);
    if (device === 'cuda') requireCuda();
    for (const t of [...this.parameters(), ...this.buffers()]) t.moveDataTo(device);
    return this;
  }

  /** The device of the first parameter (or buffer); 'cpu' for a module without tensors. */
  get device(): Device {
    return (this.parameters()[0] ?? this.buffers()[0])?.device ?? 'cpu';
  }

  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`gated: expected mode to be a boolean but received ${typeof mode}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Releases every parameter's and buffer's data; the module is unusable afterwards. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }
}

/** Writes the elements of `source` into `target` (same dtype and shape) and bumps target's version. */
function copyInto(target: Tensor, source: Tensor, key: string): void {
  const values = source.dataSync() as Float64Array; // same dtype as data; a CUDA source is downloaded
  target.markModified(key);
  const storage = target.liveStorage(key);
  if (storage.device === 'cuda') {
    const whole = storage.cudaData;
    if (!target.isContiguous || target.offset !== 0 || whole.length !== target.size) {
      throw new TypeError(`gated: loading '${key}' into a view of a CUDA tensor is not supported; load it on the cpu, then move the module`);
    }
    native.cudaUpload(whole.buffer, values);
    return;
  }
  const data = storage.data as Float64Array;
  if (target.isContiguous) data.set(values, target.offset);
  else forEachPosition(target.shape, target.strides, target.offset, (position, index) => (data[position] = values[index]));
}
