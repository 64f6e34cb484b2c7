// CudaArray: a block of device memory holding `length` elements of one dtype; the CUDA twin of a
// typed array. It owns its native buffer: free() returns the memory to the caching allocator at
// once, and the garbage collector frees a forgotten one (the native finalizer is the backstop).
import { DType, TypedArray, allocate } from './dtype';
import { IndexBounds, integerBounds } from './index_bounds';
import { CudaBuffer, native } from './native';

/**
 * While backward() runs, every CudaArray made is collected here and freed when it ends: gradients
 * and the temporaries of backward functions (leaves keep copies made outside the arena).
 */
let arena: Set<CudaArray> | null = null;

/** Runs fn with `set` collecting the CudaArrays made meanwhile (null: none collected). */
export function collectingInto<T>(set: Set<CudaArray> | null, fn: () => T): T {
  const previous = arena;
  arena = set;
  try {
    return fn();
  } finally {
    arena = previous;
  }
}

export class CudaArray {
  private handle: CudaBuffer | null;
  /**
   * Integer data: the bounds of the elements as made (uploaded from the host, or written by an op
   * that knows its range), or null. Storage.knownIndexBounds says whether they still hold.
   */
  indexBounds: IndexBounds | null = null;

  private constructor(
    handle: CudaBuffer,
    readonly length: number,
    readonly dtype: DType,
  ) {
    this.handle = handle;
    arena?.add(this);
  }

  /** Uninitialised device memory for `length` elements. */
  static empty(dtype: DType, length: number): CudaArray {
    return new CudaArray(native.cudaAlloc(dtype, length), length, dtype);
  }

  /** Wraps a buffer the addon just made (of `length` elements of `dtype`). */
  static adopt(handle: CudaBuffer, dtype: DType, length: number): CudaArray {
    return new CudaArray(handle, length, dtype);
  }

  /** A device copy of host data. */
  static fromHost(data: TypedArray, dtype: DType): CudaArray {
    const out = CudaArray.empty(dtype, data.length);
    native.cudaUpload(out.buffer, data);
    out.indexBounds = integerBounds(data);
    return out;
  }

  static filled(dtype: DType, length: number, value: number): CudaArray {
    const host = allocate(dtype, length);
    if (value !== 0) host.fill(value as never);
    return CudaArray.fromHost(host, dtype);
  }

  get buffer(): CudaBuffer {
    if (this.handle === null) throw new Error('gated: internal error: CUDA memory used after it was freed');
    return this.handle;
  }

  get isFreed(): boolean {
    return this.handle === null;
  }

  /** A host copy, waiting for the device (blocks the JavaScript thread until the GPU is done). */
  toHost(): TypedArray {
    const out = allocate(this.dtype, this.length);
    native.cudaDownload(this.buffer, out);
    return out;
  }

  /** A host copy; the wait for the device happens off the JavaScript thread. */
  async toHostAsync(): Promise<TypedArray> {
    const out = allocate(this.dtype, this.length);
    await native.cudaDownloadAsync(this.buffer, out);
    return out;
  }

  /** A device copy. */
  clone(): CudaArray {
    const out = CudaArray.empty(this.dtype, this.length);
    native.cudaCopy(out.buffer, this.buffer);
    return out;
  }

  /** this + other, in a new array. */
  plus(other: CudaArray): CudaArray {
    const out = CudaArray.empty(this.dtype, this.length);
    native.cudaAdd(this.buffer, other.buffer, out.buffer);
    return out;
  }

  /** this += other, in place. */
  addInPlace(other: CudaArray): void {
    native.cudaAdd(this.buffer, other.buffer, this.buffer);
  }

  free(): void {
    if (this.handle === null) return;
    native.cudaFree(this.handle);
    this.handle = null;
  }
}
