// The contiguous data an op reads and writes, on either device: a typed array on the CPU, a
// CudaArray on CUDA. Native ops take both (all of one call's buffers on one device).
import { CudaArray } from '../cuda_array';
import { DType, TypedArray, allocate, dtypeOfArray } from '../dtype';
import type { NativeArray } from '../native';
import type { Device } from '../storage';

export type Data = TypedArray | CudaArray;

/** What a native op takes for `data`. */
export function nativeArg(data: Data): NativeArray {
  return data instanceof CudaArray ? data.buffer : data;
}

export function deviceOf(data: Data): Device {
  return data instanceof CudaArray ? 'cuda' : 'cpu';
}

export function dtypeOf(data: Data): DType {
  return data instanceof CudaArray ? data.dtype : (dtypeOfArray(data) as DType);
}

/** Room for `length` elements on `device` (zeros on the CPU, uninitialised on CUDA). */
export function allocateOn(device: Device, dtype: DType, length: number): Data {
  return device === 'cuda' ? CudaArray.empty(dtype, length) : allocate(dtype, length);
}

/** `length` elements of `value` on `device`. */
export function filledOn(device: Device, dtype: DType, length: number, value: number): Data {
  if (device === 'cuda') return CudaArray.filled(dtype, length, value);
  const out = allocate(dtype, length);
  if (value !== 0) out.fill(value as never);
  return out;
}

/** The host copy of `data` (itself on the CPU). Reading CUDA data waits for the GPU. */
export function hostOf(data: Data): TypedArray {
  return data instanceof CudaArray ? data.toHost() : data;
}
