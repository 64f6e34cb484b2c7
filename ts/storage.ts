// Reference-counted storage. Tensors are views on a storage; each live view, each saved activation
// of the autograd tape and each in-flight native call holds one reference. The data is dropped when
// the last reference goes, so dispose() on a handle never pulls data from under the tape. CUDA
// memory goes back to the caching allocator at that moment.
import { CudaArray } from './cuda_array';
import type { IndexBounds } from './index_bounds';
import { DType, TypedArray } from './dtype';

export type Device = 'cpu' | 'cuda';

let storagesMade = 0;

export class Storage {
  /** Unique to this storage in its thread: with `version`, it names the data (the addon's panel cache keys on both). */
  readonly uid = ++storagesMade;
  private refs = 1;
  private buffer: TypedArray | CudaArray | null;
  readonly device: Device;
  /** Bumped by every in-place update, so saved tensors and caches can tell stale data. */
  version = 0;
  /** Native calls running off the JavaScript thread that read this storage. */
  private readers = 0;

  constructor(
    data: TypedArray | CudaArray,
    readonly dtype: DType,
  ) {
    this.buffer = data;
    this.device = data instanceof CudaArray ? 'cuda' : 'cpu';
  }

  /** The host data; a TypeError for CUDA storage, which CPU code cannot read. */
  get data(): TypedArray {
    const buffer = this.live();
    if (buffer instanceof CudaArray) {
      throw new TypeError(
        'gated: expected a tensor on the cpu but received one on cuda: this operation runs on CPU tensors only ' +
          '(docs/cuda.md lists what runs on CUDA). Move it with .cpu() first.',
      );
    }
    return buffer;
  }

  /** The device data; a TypeError for CPU storage. */
  get cudaData(): CudaArray {
    const buffer = this.live();
    if (!(buffer instanceof CudaArray)) {
      throw new TypeError('gated: expected a tensor on cuda but received one on the cpu. Move it with .to(\'cuda\') first.');
    }
    return buffer;
  }

  /**
   * For CUDA integer data never updated in place since it was made: the bounds of its elements
   * (CudaArray.indexBounds); else null. Every view of the storage lies within them.
   */
  get knownIndexBounds(): IndexBounds | null {
    const buffer = this.live();
    return buffer instanceof CudaArray && this.version === 0 ? buffer.indexBounds : null;
  }

  /** The data on whichever device it is. */
  get contents(): TypedArray | CudaArray {
    return this.live();
  }

  private live(): TypedArray | CudaArray {
    if (this.buffer === null) throw new Error('gated: internal error: storage used after its last reference went');
    return this.buffer;
  }

  get referenceCount(): number {
    return this.refs;
  }

  retain(): this {
    if (this.buffer === null) throw new Error('gated: internal error: retain() on a released storage');
    this.refs += 1;
    return this;
  }

  /** Holds the data for an async native call: alive, and closed to in-place updates. */
  beginAsyncRead(): void {
    this.retain();
    this.readers += 1;
  }

  endAsyncRead(): void {
    this.readers -= 1;
    this.release();
  }

  /** Throws when an async call is reading the data, which an in-place update would corrupt. */
  checkWritable(what: string): void {
    if (this.readers > 0) {
      throw new Error(`gated: ${what} is being read by an async call (such as forwardAsync); await it before changing the tensor in place`);
    }
  }

  release(): void {
    if (this.refs === 0) return;
    this.refs -= 1;
    if (this.refs > 0) return;
    if (this.buffer instanceof CudaArray) this.buffer.free();
    this.buffer = null;
  }
}
