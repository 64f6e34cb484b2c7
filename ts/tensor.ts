// Tensor: a view (shape, strides, offset) on a reference-counted Storage, with autograd bookkeeping.
import { GradNode, backward } from './autograd';
import { CudaArray } from './cuda_array';
import { DType, TypedArray, isFloatDType } from './dtype';
import { contiguousStrides, elementCount, isContiguous } from './layout';
import { gatherContiguous, gatherHost } from './ops/raw';
import { track, untrack } from './scope';
import { Device, Storage } from './storage';
import { checkInteger, rangeError, received, shapeString, typeError } from './validate';
import { copyOf, narrow, reshape, select, transpose } from './views';
import { copyToDevice, toDevice } from './device';

/** Where a tensor made by an op came from: output `index` of `node`. */
export interface GradEdge {
  node: GradNode;
  index: number;
}

export type NestedArray = number | bigint | boolean | NestedArray[];

export class Tensor {
  private storageRef: Storage | null;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  private requiresGradFlag = false;
  /** Accumulated gradient of a leaf after backward(); null before. */
  grad: Tensor | null = null;
  /** Set by ops that record on the tape; null for leaves. */
  gradEdge: GradEdge | null = null;

  /** @internal Use g.tensor(), g.zeros() and friends. */
  constructor(storage: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.storageRef = storage;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    this.dtype = storage.dtype;
    track(this);
  }

  /** @internal A new tensor owning fresh storage around `data` (not copied), on the CPU or on CUDA. */
  static fromData(data: TypedArray | CudaArray, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(new Storage(data, dtype), shape);
  }

  get device(): Device {
    return this.liveStorage('device').device;
  }
  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return elementCount(this.shape);
  }
  get isDisposed(): boolean {
    return this.storageRef === null;
  }
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  /** Counts in-place updates of the underlying storage. */
  get version(): number {
    return this.liveStorage('version').version;
  }

  get requiresGrad(): boolean {
    return this.requiresGradFlag;
  }
  set requiresGrad(value: boolean) {
    if (typeof value !== 'boolean') throw typeError('requiresGrad', 'a boolean', value);
    if (value && !isFloatDType(this.dtype)) {
      throw new TypeError(
        `gated: expected requiresGrad to be false for a ${this.dtype} tensor (only float32 and float64 tensors can require gradients) but received true`,
      );
    }
    if (!value && this.gradEdge) {
      throw new TypeError('gated: requiresGrad can only be turned off on leaf tensors; use detach() instead');
    }
    this.requiresGradFlag = value;
  }

  /** @internal Marks a tensor made by a recorded op. */
  setGradEdge(edge: GradEdge): void {
    this.gradEdge = edge;
    this.requiresGradFlag = true;
  }

  /** @internal The storage, or a TypeError naming `what` when this handle was disposed. */
  liveStorage(what = 'tensor'): Storage {
    if (this.storageRef === null) {
      throw new TypeError(`gated: ${what} was used after dispose(); the tensor of shape ${shapeString(this.shape)} is disposed`);
    }
    return this.storageRef;
  }

  /** @internal The elements in row-major order: the storage itself when contiguous, else a copy. */
  contiguousData(name = 'tensor'): TypedArray {
    const storage = this.liveStorage(name);
    if (this.isContiguous) return storage.data.subarray(this.offset, this.offset + this.size);
    return gatherHost(this);
  }

  /**
   * @internal The elements in row-major order on the tensor's device: the storage itself when it
   * is exactly this contiguous tensor, else a contiguous copy (a typed array or a CudaArray).
   */
  deviceData(name = 'tensor'): TypedArray | CudaArray {
    const storage = this.liveStorage(name);
    if (storage.device === 'cpu') return this.contiguousData(name);
    const whole = storage.cudaData;
    if (this.isContiguous && this.offset === 0 && whole.length === this.size) return whole;
    return gatherContiguous(this);
  }

  /**
   * A copy of the elements, in row-major order, as a typed array. For a CUDA tensor this waits for
   * the GPU on the JavaScript thread; `await t.data()` waits off it.
   */
  dataSync(): TypedArray {
    const storage = this.liveStorage();
    if (storage.device === 'cuda') return this.hostTensor(storage.cudaData.toHost()).contiguousData();
    const data = this.contiguousData();
    return this.isContiguous ? data.slice() : data;
  }

  /** A copy of the elements, in row-major order; a CUDA tensor's copy is awaited off the JavaScript thread. */
  async data(): Promise<TypedArray> {
    if (this.device === 'cpu') return this.dataSync();
    const storage = this.liveStorage();
    storage.beginAsyncRead();
    try {
      return this.hostTensor(await storage.cudaData.toHostAsync()).contiguousData();
    } finally {
      storage.endAsyncRead();
    }
  }

  /** This view's layout over a host copy of its whole storage. */
  private hostTensor(storageCopy: TypedArray): Tensor {
    const host = new Tensor(new Storage(storageCopy, this.dtype), this.shape, this.strides, this.offset);
    untrack(host);
    return host;
  }

  /** The elements as nested arrays of numbers (int64: numbers, or bigints beyond 2^53). */
  toArray(): NestedArray {
    const flat = this.liveStorage().device === 'cuda' ? this.dataSync() : this.contiguousData();
    const isBool = this.dtype === 'bool';
    const read = (i: number): number | bigint | boolean => {
      const v = flat[i];
      if (isBool) return v !== 0;
      if (typeof v !== 'bigint') return v;
      return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    };
    if (this.rank === 0) return read(0);
    let next = 0;
    const build = (dim: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(dim === this.rank - 1 ? read(next++) : build(dim + 1));
      return out;
    };
    return build(0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    this.liveStorage();
    if (this.size !== 1) throw rangeError('tensor for item()', 'a tensor with one element', received(`a tensor of shape ${shapeString(this.shape)}`));
    const v = (this.liveStorage().device === 'cuda' ? this.dataSync() : this.contiguousData())[0];
    return typeof v === 'bigint' ? Number(v) : v;
  }

  /**
   * Releases this handle's reference to the data. The handle is unusable afterwards (a clear error on
   * use); the data itself lives on while other views, the autograd tape or an async call hold it.
   * Its place in the autograd graph stays, so a backward() through it still reaches its inputs.
   * Disposing twice is allowed.
   */
  dispose(): void {
    if (this.storageRef === null) return;
    this.storageRef.release();
    this.storageRef = null;
    this.grad?.dispose();
    this.grad = null;
  }

  /** @internal A view on the same storage. */
  view(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    return new Tensor(this.liveStorage().retain(), shape, strides, offset);
  }

  /**
   * @internal The elements, to be changed in place: refused while an async call reads them, and the
   * version counter is bumped so saved copies notice. The tensor must be contiguous.
   */
  writableData(what = 'tensor'): TypedArray {
    if (!this.isContiguous) throw new TypeError(`gated: internal error: in-place update of a non-contiguous ${what}`);
    this.markModified(what);
    return this.contiguousData(what);
  }

  /** @internal Records an in-place update: bumps the version counter (refused while an async call reads the data). */
  markModified(what = 'tensor'): void {
    const storage = this.liveStorage(what);
    storage.checkWritable(what);
    storage.version += 1;
  }

  /** This tensor on the CPU (itself when already there). */
  cpu(): Tensor {
    return toDevice(this, 'cpu');
  }

  /** This tensor on CUDA (itself when already there). */
  cuda(): Tensor {
    return toDevice(this, 'cuda');
  }

  /**
   * @internal Moves the data to `device` in place (Module.to): the handle stays, its storage is
   * replaced by a contiguous copy on the device, and the old storage is released.
   */
  moveDataTo(device: Device): void {
    const storage = this.liveStorage();
    if (storage.device === device) return;
    storage.checkWritable('tensor');
    const moved = copyToDevice(this, device);
    storage.release();
    this.storageRef = moved;
    (this as { strides: readonly number[] }).strides = Object.freeze(contiguousStrides(this.shape));
    (this as { offset: number }).offset = 0;
    this.grad?.moveDataTo(device);
  }

  /** A tensor sharing the data but not the history: no gradient flows back through it. */
  detach(): Tensor {
    return this.view(this.shape, this.strides, this.offset);
  }

  /** This tensor if its elements are in row-major order, else a row-major copy. */
  contiguous(): Tensor {
    this.liveStorage();
    if (this.isContiguous) return this;
    return copyOf(this);
  }

  /** Normalises a possibly negative dimension. */
  dimension(dim: unknown, name = 'dim'): number {
    const d = checkInteger(dim, name, -this.rank, this.rank - 1);
    return d < 0 ? d + this.rank : d;
  }

  /** The slice at `index` along `dim`, without that dimension (like t[:, index] in PyTorch). A view. */
  select(dim: number, index: number): Tensor {
    return select(this, dim, index);
  }

  /** `length` elements along `dim` starting at `start`. A view. */
  narrow(dim: number, start: number, length: number): Tensor {
    return narrow(this, dim, start, length);
  }

  /** Swaps two dimensions. A view. */
  transpose(dim0: number, dim1: number): Tensor {
    return transpose(this, dim0, dim1);
  }

  /** The same elements in a new shape (one entry may be -1). A view when contiguous, else a copy. */
  reshape(shape: readonly number[]): Tensor {
    return reshape(this, shape);
  }

  /** Backpropagates from this tensor; `grad` defaults to 1 for a one-element tensor. */
  backward(grad?: Tensor, options?: { retainGraph?: boolean }): void {
    backward([this], grad ? [grad] : undefined, options);
  }

  toString(): string {
    return `Tensor(shape=${shapeString(this.shape)}, dtype=${this.dtype}, device=${this.isDisposed ? 'disposed' : this.device})`;
  }
}

