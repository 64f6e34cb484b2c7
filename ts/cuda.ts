// What CUDA can do on this machine. Nothing moves to a GPU unless asked, and nothing falls back silently.
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
  devices: NativeCudaDevice[];
}

function versionString(code: number): string | null {
  return code > 0 ? `${Math.floor(code / 1000)}.${Math.floor((code % 1000) / 10)}` : null;
}

/** CUDA's state on this machine, queried once. */
export function info(): CudaInfo {
  const s = native.cudaStatus();
  // The CUDA backend (device tensors, kernels) is not part of this build yet: say so even on a GPU machine.
  const reason = s.usable
    ? 'a CUDA device is present, but this version of gated has no CUDA tensor backend yet; tensors stay on the CPU'
    : s.reason;
  return {
    available: false,
    reason,
    compiled: s.compiled,
    driverVersion: versionString(s.driverVersion),
    runtimeVersion: versionString(s.runtimeVersion),
    devices: s.devices,
  };
}

export function isAvailable(): boolean {
  return info().available;
}
