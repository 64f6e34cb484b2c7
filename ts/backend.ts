// Kernel variants. Each exists for a reason (speed on some shapes or CPUs, or a simple reference
// to test the fast ones against). Users keep 'auto'; tests force every variant.
import { native } from './native';
import { checkInteger, checkNumberInRange, checkOneOf } from './validate';

/**
 * - gemm: 'auto' | 'packed' | 'rows' | 'reference': the matrix-product algorithm
 * - isa:  'auto' | 'baseline' | 'avx2' | 'avx512': the instruction set of the GEMM and activation
 *         kernels (those this CPU has)
 * - activations: 'vector' | 'scalar': float32 gate activations as vectorised polynomials, or libm
 * - recurrence: 'auto' | 'sequences' | 'units' | 'serial': how a recurrent layer's steps use the
 *         CPU threads, for the whole sequence at once. Threads computing different sequences never
 *         wait for each other; threads splitting the hidden units of the same sequences meet once
 *         per step, but each keeps only its part of the recurrent weights in its core's cache.
 *         'auto' splits by sequences when every thread gets at least 8, else by hidden units when
 *         every thread gets at least 16; 'sequences' and 'units' split only that way (for testing
 *         small layers); 'serial' runs each direction on one thread
 * - cudaRecurrence: 'auto' | 'gemm' | 'persistent': how a recurrent layer's steps run on CUDA: a
 *         cuBLAS product and a fused kernel per step, or one persistent kernel for all steps with
 *         W_hh on chip (forward and backward, every dtype, at batch up to 64 where a block's
 *         share fits in shared memory; other calls take the GEMM path). 'auto' takes the GEMM
 *         path until the persistent kernels have passed the GPU check
 * - cudaWavefront: 'auto' | 'off' | 'on': whether the persistent kernels run the forward pass of
 *         stacked unidirectional layers as one launch, each layer a step behind the one below, so
 *         L layers take T + L - 1 grid barriers instead of L * T. 'on' wherever the layers fit on
 *         the GPU together (up to 4 per launch), 'off' a launch per layer; 'auto' where one
 *         layer's step is too small to keep the GPU busy (batch x gates x hidden^2 up to 2^17 per
 *         multiprocessor; an estimate until the GPU check has timed both)
 * - cudaGraphs: 'auto' | 'off' | 'on': whether the GEMM path queues each layer's loop over the
 *         time steps (forward and backward) launch by launch, or as one CUDA graph. 'on': the
 *         second time a loop comes with the same launches (the same shapes and buffers: a training
 *         or inference loop over the same model), it is captured into a graph, which then runs in
 *         its place (up to 64 graphs kept). 'auto' is 'off' until the graphs have passed the GPU
 *         check and won its benchmark
 * - cudaStreams: 'auto' | 'one' | 'two': whether the two directions of a bidirectional layer run
 *         one after the other on CUDA, or at the same time on two streams (the GEMM path, forward
 *         and backward). 'auto' is 'one' until 'two' has passed the GPU check and won its benchmark
 * - cudaUploads: 'auto' | 'pageable' | 'pinned': how uploads from JavaScript memory reach CUDA:
 *         straight from it (the driver may wait for the GPU to stage them), or through a pinned
 *         staging ring, which never waits unless the ring is full of copies not yet done. 'auto'
 *         is 'pageable' until the GPU check has timed both on a card
 * - cudaEmulation: 'off' | 'persistent' | 'persistent-reversed': for testing without a GPU.
 *         'persistent' runs the CPU forward and backward passes through the CUDA persistent
 *         kernels' own code, block by block and thread by thread as an H100 would run them (slow;
 *         layers they do not take run as usual); 'persistent-reversed' runs the blocks of each
 *         stage in the opposite order, and each thread's phases between two barriers at once,
 *         threads last to first: the result changes only where the kernels have a race on the GPU
 */
export type KernelName =
  | 'gemm'
  | 'isa'
  | 'activations'
  | 'recurrence'
  | 'cudaRecurrence'
  | 'cudaWavefront'
  | 'cudaGraphs'
  | 'cudaStreams'
  | 'cudaUploads'
  | 'cudaEmulation';
const KERNEL_NAMES: readonly KernelName[] = [
  'gemm',
  'isa',
  'activations',
  'recurrence',
  'cudaRecurrence',
  'cudaWavefront',
  'cudaGraphs',
  'cudaStreams',
  'cudaUploads',
  'cudaEmulation',
];

/** The variants of a kernel this machine accepts. */
export function kernelVariants(name: KernelName): string[] {
  return native.kernelVariants(checkOneOf(name, 'kernel name', KERNEL_NAMES));
}

/** Forces a kernel variant for every later call in this process (all threads). */
export function setKernel(name: KernelName, variant: string): void {
  const kernel = checkOneOf(name, 'kernel name', KERNEL_NAMES);
  native.setKernel(kernel, checkOneOf(variant, `${kernel} variant`, native.kernelVariants(kernel)));
}

/** The current setting; for 'isa', the instruction set in use. */
export function getKernel(name: KernelName): string {
  return native.getKernel(checkOneOf(name, 'kernel name', KERNEL_NAMES));
}

/**
 * Sets the size of the process-wide compute pool that every call shares (the calling thread
 * included). The default is the number of cores the process may run on (its CPU affinity, as
 * `os.availableParallelism()` reports it): more threads than cores make the threads of a recurrence
 * take turns on a core at every step.
 */
export function setNumThreads(threads: number): void {
  native.setNumThreads(checkInteger(threads, 'threads', 1, 1024));
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/**
 * How long (milliseconds, default 10) the compute pool's threads keep spinning for the next call
 * after they run out of work, before they sleep. A sleeping thread must be woken for the next call,
 * which on a virtual machine costs about 0.3 ms (W1's 1.3 ms call took 1.6 ms after a 5 ms pause
 * with no spinning); a spinning thread keeps its core busy, offering it to any other runnable
 * thread. A server that calls rarely and wants its cores back at once sets 0.
 */
export function setIdleSpin(milliseconds: number): void {
  native.setIdleSpin(Math.round(checkNumberInRange(milliseconds, 'milliseconds', 0, 1000) * 1000));
}

export function getIdleSpin(): number {
  return native.getIdleSpin() / 1000;
}
