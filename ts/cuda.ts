// CUDA on this machine: whether it is usable and why not, device memory, and the math mode.
// Nothing moves to a GPU unless asked, and nothing falls back silently: asking for CUDA where it
// is unusable throws, with the reason.
import { NativeCudaDevice, native } from './native';

export interface CudaInfo {
  /** Whether tensors and modules can be moved to 'cuda'. */
  available: boolean;
  /** Why CUDA is not usable; empty when it is. */
  reason: string;
  /** Whether this build of the addon contains CUDA code at all. */
  compiled: boolean;
  /** CUDA driver and runtime versions as 'major.minor', or null when unknown. */
  driverVersion: string | null;
  runtimeVersion: string | null;
  /** The cuBLAS library loaded at run time ('' when none was). */
  cublasPath: string;
  devices: NativeCudaDevice[];
}

function versionString(code: number): string | null {
  return code > 0 ? `${Math.floor(code / 1000)}.${Math.floor((code % 1000) / 10)}` : null;
}

/** CUDA's state on this machine. The first call loads cuBLAS when a device is present. */
export function info(): CudaInfo {
  const s = native.cudaStatus();
  const readiness = native.cudaReadiness();
  return {
    available: readiness.reason === '',
    reason: readiness.reason,
    compiled: s.compiled,
    driverVersion: versionString(s.driverVersion),
    runtimeVersion: versionString(s.runtimeVersion),
    cublasPath: readiness.cublasPath,
    devices: s.devices,
  };
}

export function isAvailable(): boolean {
  return native.cudaReadiness().reason === '';
}

export interface CudaMemory {
  /** Bytes in live tensors (and other live device buffers). */
  allocatedBytes: number;
  /** Bytes of freed blocks the caching allocator keeps for reuse. */
  cachedBytes: number;
  /** The most allocatedBytes has been. */
  peakBytes: number;
  /** cudaMalloc calls so far (a steady training loop stops making them). */
  deviceAllocations: number;
}

/** The caching allocator's counters. */
export function memory(): CudaMemory {
  return native.cudaMemory();
}

/** Returns the cached free blocks to the driver (other processes can then use the memory). */
export function emptyCache(): void {
  native.cudaEmptyCache();
}

/** Waits until the GPU has finished all queued work (for timing; reading a tensor waits by itself). */
export function synchronize(): void {
  native.cudaSynchronize();
}

/**
 * Lets float32 matrix products use TF32 tensor cores (10-bit mantissa: about 1e-3 relative error,
 * several times faster). Off by default: float32 means float32.
 */
export function setTf32(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TypeError(`gated: expected enabled to be a boolean but received ${typeof enabled}`);
  native.cudaSetTf32(enabled);
}

export function getTf32(): boolean {
  return native.cudaGetTf32();
}
