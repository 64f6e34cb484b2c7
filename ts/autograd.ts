// The tape: ops that may need gradients record a coarse node (an RNN layer stack is one node whose
// backward is the native backward). backward() walks the recorded nodes in reverse order.
import { CudaArray, collectingInto } from './cuda_array';
import { DType, FloatDType, TypedArray, allocate, isFloatDType } from './dtype';
import { Tensor } from './tensor';
import { Disposable, closeScope, openScope, untrack } from './scope';
import { checkBoolean, checkKnownKeys, shapeString, typeError } from './validate';

export type FloatArray = Float32Array | Float64Array;
/** A gradient on the tape: a host array for CPU tensors, device memory for CUDA tensors. */
export type GradArray = FloatArray | CudaArray;

/** Narrows the gradients reaching a CPU-only node (they are always host arrays: CUDA tensors never enter one). */
export function hostGrads(grads: (GradArray | null)[], node: string): (FloatArray | null)[] {
  return grads.map((g) => {
    if (g instanceof CudaArray) throw new Error(`gated: internal error: a CUDA gradient reached the CPU-only ${node} node`);
    return g;
  });
}

export interface GradNode {
  readonly name: string;
  /** The tensors gradients flow to (null where none can). */
  readonly inputs: readonly (Tensor | null)[];
  readonly outputShapes: readonly (readonly number[])[];
  /** One gradient per output (null: none reached it) in, one per input (null: none) out. */
  backward(outputGrads: (GradArray | null)[]): (GradArray | null)[];
  /** Drops what the node saved; it cannot run backward afterwards. */
  release(): void;
  readonly released: boolean;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording on the tape: for inference, where no backward pass follows. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw typeError('fn', 'a function', fn);
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Every Tensor reachable from a value: itself, array elements, object and Map values. */
function tensorsIn(value: unknown, found: Set<Disposable>, seen = new Set<unknown>()): Set<Disposable> {
  if (value === null || typeof value !== 'object' || seen.has(value)) return found;
  seen.add(value);
  if (value instanceof Tensor) found.add(value);
  else if (value instanceof Map) value.forEach((v) => tensorsIn(v, found, seen));
  else if (Array.isArray(value)) value.forEach((v) => tensorsIn(v, found, seen));
  else Object.values(value).forEach((v) => tensorsIn(v, found, seen));
  return found;
}

/**
 * Runs fn and disposes every tensor made inside it except those it returns (found in the returned
 * value, arrays and objects) and module parameters and buffers. What the autograd tape saved stays
 * alive, so a backward() after tidy still works. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw typeError('fn', 'a function', fn);
  const scope = openScope();
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new TypeError('gated: tidy() runs synchronous functions only; its function returned a Promise');
    }
    return result;
  } finally {
    closeScope(scope, tensorsIn(result, new Set()));
  }
}

/** Whether an op on these inputs must record a node. */
export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  return gradEnabled && inputs.some((t) => t?.requiresGrad === true);
}

/** Connects a node to the tensors it produced. */
export function attach(node: GradNode, outputs: Tensor[]): void {
  outputs.forEach((t, index) => t.setGradEdge({ node, index }));
}

/**
 * A handle the tape keeps on a tensor it needs in backward: it holds the storage alive whatever the
 * user disposes, and notices in-place updates made after the forward pass.
 */
export class SavedTensor {
  private handle: Tensor | null;
  private readonly savedVersion: number;

  constructor(tensor: Tensor) {
    this.handle = tensor.detach();
    untrack(this.handle); // owned by the tape: an enclosing tidy() must not dispose it
    this.savedVersion = tensor.version;
  }

  get tensor(): Tensor {
    if (!this.handle) throw new Error('gated: internal error: saved tensor used after release');
    if (this.handle.version !== this.savedVersion) {
      throw new Error(
        `gated: a tensor of shape ${shapeString(this.handle.shape)} that backward() needs was modified in place ` +
          `after the forward pass (version ${this.savedVersion} then, ${this.handle.version} now)`,
      );
    }
    return this.handle;
  }

  release(): void {
    this.handle?.dispose();
    this.handle = null;
  }
}

function addInto(target: TypedArray, source: TypedArray): void {
  for (let i = 0; i < target.length; i++) (target as FloatArray)[i] += (source as FloatArray)[i];
}

/** a + b in a new array: a node may hand the same array to several inputs, so none is changed. */
function added(a: GradArray, b: GradArray): GradArray {
  if (a instanceof CudaArray && b instanceof CudaArray) return a.plus(b);
  if (a instanceof CudaArray || b instanceof CudaArray) throw new Error('gated: internal error: gradients of one tensor on two devices');
  const out = a.slice() as FloatArray;
  addInto(out, b);
  return out;
}

/** A copy that outlives the backward pass (made outside its arena). */
function copyOf(grad: GradArray): GradArray {
  return grad instanceof CudaArray ? collectingInto(null, () => grad.clone()) : (grad.slice() as FloatArray);
}

function accumulateLeaf(leaf: Tensor, grad: GradArray): void {
  if (leaf.grad === null || leaf.grad.isDisposed) {
    leaf.grad = Tensor.fromData(copyOf(grad), leaf.shape, leaf.dtype);
    untrack(leaf.grad); // the gradient belongs to its leaf, not to an enclosing tidy()
  } else if (grad instanceof CudaArray) {
    leaf.grad.markModified();
    leaf.grad.liveStorage().cudaData.addInPlace(grad);
  } else {
    addInto(leaf.grad.contiguousData(), grad);
    leaf.grad.markModified();
  }
}

function checkGrad(grad: Tensor, tensor: Tensor, name: string): GradArray {
  if (!(grad instanceof Tensor)) throw typeError(name, 'a Tensor', grad);
  if (grad.dtype !== tensor.dtype) {
    throw new TypeError(`gated: expected ${name} of dtype ${tensor.dtype} (its tensor's) but received ${grad.dtype}`);
  }
  if (shapeString(grad.shape) !== shapeString(tensor.shape)) {
    throw new RangeError(
      `gated: expected ${name} of shape ${shapeString(tensor.shape)} (its tensor's) but received shape ${shapeString(grad.shape)}`,
    );
  }
  grad.liveStorage(name);
  if (grad.device !== tensor.device) {
    throw new TypeError(`gated: expected ${name} on ${tensor.device} (its tensor's device) but received one on ${grad.device}`);
  }
  if (grad.device === 'cuda') return grad.contiguous().liveStorage(name).cudaData.clone();
  return grad.contiguousData(name).slice() as FloatArray;
}

function onesLike(tensor: Tensor): GradArray {
  if (tensor.size !== 1) {
    throw new TypeError(
      `gated: backward() on a tensor of shape ${shapeString(tensor.shape)} needs its gradient; ` +
        'only one-element tensors default to 1',
    );
  }
  if (tensor.device === 'cuda') return CudaArray.filled(tensor.dtype, 1, 1);
  return (allocate(tensor.dtype as DType, 1) as FloatArray).fill(1);
}

/** Nodes reachable from the roots, each after every node that consumes its outputs. */
function topologicalOrder(roots: GradNode[]): GradNode[] {
  const order: GradNode[] = [];
  const visited = new Set<GradNode>();
  const stack: { node: GradNode; next: number }[] = [];
  for (const root of roots) {
    if (visited.has(root)) continue;
    visited.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const input = top.node.inputs[top.next++];
      if (top.next > top.node.inputs.length) {
        order.push(top.node);
        stack.pop();
      } else if (input?.gradEdge && !visited.has(input.gradEdge.node)) {
        visited.add(input.gradEdge.node);
        stack.push({ node: input.gradEdge.node, next: 0 });
      }
    }
  }
  return order.reverse();
}

/**
 * Backpropagates from `tensors`, seeded with `grads` (default: 1 for one-element tensors), and
 * accumulates into the .grad of every leaf that requires gradients. The graph is released afterwards
 * unless retainGraph is true; a second backward through a released graph throws.
 */
export function backward(tensors: Tensor[], grads?: (Tensor | null)[], options: { retainGraph?: boolean } = {}): void {
  if (!Array.isArray(tensors)) throw typeError('tensors', 'an array of Tensors', tensors);
  if (grads !== undefined && !Array.isArray(grads)) throw typeError('grads', 'an array of Tensors (or null entries)', grads);
  if (grads !== undefined && grads.length !== tensors.length) {
    throw new RangeError(`gated: expected grads to hold ${tensors.length} gradients (one per tensor) but received ${grads.length}`);
  }
  if (typeof options !== 'object' || options === null) throw typeError('options', 'an object { retainGraph? }', options);
  checkKnownKeys(options, 'options', ['retainGraph']);
  const retainGraph = checkBoolean(options.retainGraph ?? false, 'options.retainGraph');
  // Every check runs before anything accumulates, so a rejected call changes no gradient.
  const seeds = tensors.map((tensor, i) => {
    if (!(tensor instanceof Tensor)) throw typeError(`tensors[${i}]`, 'a Tensor', tensor);
    tensor.liveStorage(`tensors[${i}]`);
    if (!tensor.requiresGrad) {
      throw new TypeError(`gated: tensors[${i}] does not require gradients and has no recorded history`);
    }
    if (!isFloatDType(tensor.dtype)) throw new TypeError(`gated: tensors[${i}] must be float32 or float64`);
    const grad = grads?.[i];
    return grad ? checkGrad(grad, tensor, `grads[${i}]`) : grad === null ? zerosLike(tensor) : onesLike(tensor);
  });
  const pending = new Map<GradNode, (GradArray | null)[]>();
  // Device memory does not wait for the garbage collector: every CUDA array made on the way (the
  // gradients and the backward functions' temporaries) is freed when the pass ends; leaves keep copies.
  const deviceArrays = new Set<CudaArray>();
  const keep = <G extends GradArray | null>(grad: G): G => {
    if (grad instanceof CudaArray) deviceArrays.add(grad);
    return grad;
  };
  const pushGrad = (tensor: Tensor, grad: GradArray): void => {
    if (!tensor.gradEdge) {
      if (tensor.requiresGrad) accumulateLeaf(tensor, grad);
      return;
    }
    const { node, index } = tensor.gradEdge;
    let slots = pending.get(node);
    if (!slots) pending.set(node, (slots = node.outputShapes.map(() => null)));
    const existing = slots[index];
    slots[index] = existing ? keep(added(existing, grad)) : grad;
  };
  const roots = new Set<GradNode>();
  tensors.forEach((t) => t.gradEdge && roots.add(t.gradEdge.node));
  const order = topologicalOrder([...roots]);
  for (const node of order) {
    if (node.released) {
      throw new Error(
        `gated: backward() through the ${node.name} graph a second time; its saved tensors were freed after the ` +
          'first backward(). Pass { retainGraph: true } to the first call if you need to go through it again.',
      );
    }
  }
  try {
    collectingInto(deviceArrays, () => backwardThrough(order, tensors, seeds.map(keep), pending, pushGrad, keep));
  } finally {
    deviceArrays.forEach((array) => array.free());
  }
  if (!retainGraph) order.forEach((node) => node.release());
}

/** Runs each node's backward in order, passing the gradients it returns on to its inputs. */
function backwardThrough(
  order: GradNode[],
  tensors: Tensor[],
  seeds: GradArray[],
  pending: Map<GradNode, (GradArray | null)[]>,
  pushGrad: (tensor: Tensor, grad: GradArray) => void,
  keep: (grad: GradArray | null) => GradArray | null,
): void {
  tensors.forEach((tensor, i) => pushGrad(tensor, seeds[i]));
  for (const node of order) {
    const outputGrads = pending.get(node);
    if (!outputGrads) continue;
    pending.delete(node);
    const inputGrads = node.backward(outputGrads).map(keep);
    node.inputs.forEach((input, i) => {
      const grad = inputGrads[i];
      if (input && grad && input.requiresGrad) pushGrad(input, grad);
    });
  }
}

function zerosLike(tensor: Tensor): GradArray {
  if (tensor.device === 'cuda') return CudaArray.filled(tensor.dtype, tensor.size, 0);
  return allocate(tensor.dtype as FloatDType, tensor.size) as FloatArray;
}
