// Kernel variants. Each exists for a reason (speed, or a simple reference to test the fast one
// against); users keep the automatic choice, tests force each variant.
import { native } from './native';
import { checkOneOf } from './validate';

export const KERNELS = { gemm: ['blocked', 'reference'] } as const;
export type KernelName = keyof typeof KERNELS;

export function setKernel<K extends KernelName>(name: K, variant: (typeof KERNELS)[K][number]): void {
  const kernel = checkOneOf(name, 'kernel name', Object.keys(KERNELS) as KernelName[]);
  native.setKernel(kernel, checkOneOf(variant, `${kernel} variant`, KERNELS[kernel]));
}

export function getKernel(name: KernelName): string {
  return native.getKernel(checkOneOf(name, 'kernel name', Object.keys(KERNELS) as KernelName[]));
}
