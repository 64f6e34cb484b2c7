// Module: the base of every layer. Parameters and submodules assigned as fields are found
// automatically, in the order they were assigned (PyTorch's order and names).
import { Tensor } from '../tensor';

const parameters = new WeakSet<Tensor>();

/** Marks a tensor as a trainable parameter of the module it is assigned to. */
export function Parameter(tensor: Tensor): Tensor {
  tensor.requiresGrad = true;
  parameters.add(tensor);
  return tensor;
}

export function isParameter(value: unknown): value is Tensor {
  return value instanceof Tensor && parameters.has(value);
}

export class Module {
  /** Training mode (dropout active) or evaluation mode. */
  training = true;

  /** Parameters of this module, then of each submodule, with dotted names. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (isParameter(value)) out.push([prefix + key, value]);
    }
    for (const [name, child] of this.namedChildren()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
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

  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((entry): entry is [string, Module] => entry[1] instanceof Module);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** Sets training mode here and in every submodule. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`gated: expected mode to be a boolean but received ${typeof mode}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Releases every parameter's data; the module is unusable afterwards. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}
