// The one file that loads the addon and declares its typed interface. Nothing else touches it directly.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FloatArray = Float32Array | Float64Array;
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** What the native rnnForward / rnnBackward need to know about a call. */
export interface RnnSpec {
  cell: number; // 0 LSTM, 1 GRU (reset-after), 2 GRU (reset-before), 3 RNN tanh, 4 RNN relu
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  batchFirst: boolean;
  seqLen: number;
  batch: number;
  dropout: number; // 0 unless training
  /** Operands of every matrix product: 0 float32 (the default), 1 bfloat16, 2 float16 (forward only). */
  precision?: number;
}

export interface RnnForwardResult {
  output: FloatArray;
  h: FloatArray;
  c?: FloatArray;
  reserve?: HostBlock;
}

export interface RnnBackwardResult {
  dInput: FloatArray | null; // null when inputGrad was false
  dh0: FloatArray;
  dc0?: FloatArray;
  dWeights: FloatArray[];
}

export interface NativeCudaDevice {
  index: number;
  name: string;
  computeCapability: string;
  multiprocessors: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
}

export interface NativeCudaStatus {
  compiled: boolean;
  usable: boolean;
  reason: string;
  driverVersion: number;
  runtimeVersion: number;
  devices: NativeCudaDevice[];
}

/** How the CUDA persistent kernels would run a layer's forward or backward pass (native/core/persistent_recurrence.h). */
export interface PersistentPlanInfo {
  /** Launches per layer: 0 where they do not take the shape, 1, or 2 (a bidirectional layer's directions one after the other). */
  launchesPerLayer: number;
  blocks: number;
  directionsPerLaunch: number;
  unitsPerBlock: number;
  /** The operand's K-axis chunk staged in shared memory. */
  chunk: number;
  sharedBytes: number;
  /** The forward pass's wavefront from the first layer on (cudaWavefront as set): its layers (1: a launch per layer) and grid. */
  wavefront: { layers: number; blocks: number; sharedBytes: number };
}

/** A block of CUDA memory owned by the addon (an opaque, tagged external value). */
export interface CudaBuffer {
  readonly __cudaBuffer: unique symbol;
}

/**
 * A forward pass's reserve on the host: a number naming memory that only the addon reads. Free it
 * with hostBlockFree once the backward pass is done with it; the addon reuses the memory.
 */
export type HostBlock = number & { readonly __hostBlock: unique symbol };

/** A buffer a native op reads or writes: on the CPU or on CUDA. */
export type NativeArray = TypedArray | CudaBuffer;

/** The CUDA twins of RnnForwardResult / RnnBackwardResult: every array is a CudaBuffer. */
export interface CudaRnnForwardResult {
  output: CudaBuffer;
  h: CudaBuffer;
  c?: CudaBuffer;
  reserve?: CudaBuffer;
}
export interface CudaRnnBackwardResult {
  dInput: CudaBuffer;
  dh0: CudaBuffer;
  dc0?: CudaBuffer;
  dWeights: CudaBuffer[];
}

/** One optimizer step (native/core/optim_math.h); a kind ignores the fields of the others. */
export interface NativeOptimizerStep {
  kind: number; // 0 SGD, 1 Adam / AdamW, 2 RMSprop
  lr: number;
  weightDecay: number;
  maximize: boolean;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  firstMomentum: boolean;
  beta1: number;
  beta2: number;
  eps: number;
  stepSize: number;
  correction2Sqrt: number;
  amsgrad: boolean;
  decoupled: boolean;
  alpha: number;
  centered: boolean;
}

/** The arguments rnnForward / rnnBackward and their CUDA twins share; A is the buffer type. */
type RnnCallArguments<A> = readonly [
  spec: RnnSpec,
  input: A, // [T, B, I] or [B, T, I]
  weights: A[], // per layer and direction: w_ih [G, I_l], w_hh [G, H], (b_ih [G], b_hh [G])
  lengths: Int32Array | null, // [B], on the host for either device
  h0: A | null, // [L*D, B, H]
  c0: A | null, // [L*D, B, H]
  seed: bigint,
];
/** rnnForward's arguments (A: FloatArray, or CudaBuffer for cudaRnnForward). */
export type RnnForwardArguments<A = FloatArray> = readonly [...RnnCallArguments<A>, keepReserve: boolean];
/**
 * The CPU rnnForward's: those, and the realm then [storage uid, version] per weight tensor, naming
 * its data so that the packed hidden weights can be kept for the next call (null: not kept).
 */
export type CpuRnnForwardArguments = readonly [...RnnForwardArguments, weightStamps: Float64Array | null];
/** rnnBackward's arguments: the forward call's, its reserve (R), and the gradients of output [like output], h and c [L*D, B, H]. */
type RnnBackwardArguments<A, R> = readonly [...RnnCallArguments<A>, reserve: R, dOutput: A | null, dh: A | null, dc: A | null];

export interface NativeAddon {
  /** This loading of the addon (main thread or worker), unique in the process. */
  readonly realm: number;
  rnnForward(...args: CpuRnnForwardArguments): RnnForwardResult;
  rnnForwardAsync(...args: CpuRnnForwardArguments): Promise<RnnForwardResult>;
  /** The gate activations stored in a reserve: [L*D, B, T, G]. */
  rnnGates(spec: RnnSpec, reserve: HostBlock | FloatArray): FloatArray;
  rnnReserveLength(spec: RnnSpec): number;
  /**
   * values rounded to bfloat16 (precision 1) or float16 (2), as reduced-precision products round
   * operands on the CPU, or with `words` through the 16-bit words the CUDA kernels write.
   */
  roundOperands(values: Float32Array, precision: 1 | 2, words?: boolean): Float32Array;
  /** inputGrad false: the input needs no gradient, so none is computed (dInput null). */
  rnnBackward(...args: [...RnnBackwardArguments<FloatArray, HostBlock>, inputGrad: boolean]): RnnBackwardResult;
  /** Returns a reserve's memory to the addon at once (a second call does nothing). */
  hostBlockFree(block: HostBlock): void;
  fillUniform(array: FloatArray, seed: bigint, stream: number, offset: bigint, low: number, high: number): void;
  fillNormal(array: FloatArray, seed: bigint, stream: number, offset: bigint, mean: number, std: number): void;
  applyDropout(array: FloatArray | CudaBuffer, seed: bigint, stream: number, probability: number): void;
  philoxBlock(counter: Uint32Array, key: Uint32Array): Uint32Array;
  setKernel(name: string, variant: string): void;
  getKernel(name: string): string;
  kernelVariants(name: string): string[];
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  /** Microseconds in [0, 1e6]. */
  setIdleSpin(microseconds: number): void;
  getIdleSpin(): number;
  /** For the tests: a compute-pool job ('run') or team ('team') whose second part runs out of memory. */
  poolFailureProbe(kind: 'run' | 'team'): void;
  emulatedPersistentLaunches(): number;
  cudaStatus(): NativeCudaStatus;

  // The CUDA backend (native/napi/cuda_binding.cc).
  cudaAlloc(dtype: string, length: number): CudaBuffer;
  cudaFree(buffer: CudaBuffer): void;
  cudaUpload(buffer: CudaBuffer, data: TypedArray): void;
  cudaDownload(buffer: CudaBuffer, out: TypedArray): void;
  cudaDownloadAsync(buffer: CudaBuffer, out: TypedArray): Promise<void>;
  cudaCopy(to: CudaBuffer, from: CudaBuffer): void;
  cudaAdd(a: CudaBuffer, b: CudaBuffer, out: CudaBuffer): void;
  cudaRnnForward(...args: RnnForwardArguments<CudaBuffer>): CudaRnnForwardResult;
  cudaRnnBackward(...args: RnnBackwardArguments<CudaBuffer, CudaBuffer>): CudaRnnBackwardResult;
  cudaMemory(): { allocatedBytes: number; cachedBytes: number; peakBytes: number; deviceAllocations: number };
  cudaEmptyCache(): void;
  cudaSynchronize(): void;
  cudaSetTf32(enabled: boolean): void;
  cudaGetTf32(): boolean;
  cudaReadiness(): { reason: string; cublasPath: string };
  cudaPersistentLaunches(): number;
  cudaSideStreamForks(): number;
  /** Step loops captured into CUDA graphs so far (cudaGraphs 'on'). */
  cudaGraphCaptures(): number;
  /** Launches of those graphs so far. */
  cudaGraphLaunches(): number;
  /** The host's waits for the GPU so far: downloads, synchronize() and index checks. */
  cudaHostWaits(): number;
  /** While on, each recurrent call on CUDA times its phases with events and waits for them (slower). */
  cudaPhaseTiming(on: boolean): void;
  /** ms per phase (input projections, recurrence, weight and input gradients, outputs and copies) since the last take. */
  cudaTakePhaseTimes(): Record<string, number>;
  cudaPersistentPlan(spec: RnnSpec, dtype?: 'float32' | 'float64', pass?: 'forward' | 'backward'): PersistentPlanInfo;

  // Tensor ops (native/napi/ops_binding.cc). Strided operands: (data, strides, offset) over `shape`.
  // Every buffer of one call is a typed array (the CPU runs it) or every one a CUDA buffer.
  binary(op: number, shape: number[], a: NativeArray, aStrides: number[], aOffset: number, b: NativeArray, bStrides: number[], bOffset: number, out: NativeArray): void;
  unary(op: number, shape: number[], a: NativeArray, aStrides: number[], aOffset: number, out: NativeArray): void;
  /** One optimizer step in place; a, b, c the kind's state buffers (SGD: momentum; Adam: m, v, vMax; RMSprop: square, mean, momentum). */
  optimizerStep(step: NativeOptimizerStep, param: NativeArray, grad: NativeArray, a: NativeArray | null, b: NativeArray | null, c: NativeArray | null): void;
  /** dst at (dstStrides, dstOffset) = src at (srcStrides, srcOffset), over `shape`. */
  copyInto(shape: number[], src: NativeArray, srcStrides: number[], srcOffset: number, dst: NativeArray, dstStrides: number[], dstOffset: number): void;
  /** out = input converted to out's element type (same length). */
  cast(input: NativeArray, out: NativeArray): void;
  unaryGrad(op: number, grad: NativeArray, saved: NativeArray, out: NativeArray): void;
  maskedFill(shape: number[], a: NativeArray, aStrides: number[], aOffset: number, mask: NativeArray, maskStrides: number[], maskOffset: number, value: number, out: NativeArray): void;
  sumTo(inShape: number[], input: NativeArray, outShape: number[], out: NativeArray): void;
  maxAlong(outer: number, n: number, inner: number, input: NativeArray, values: NativeArray, indices: NativeArray): void;
  /**
   * out [outer, n, inner] = zeros, with values [outer, inner] at the positions indices [outer, inner] pick along n.
   * checked: the caller knows CUDA indices are in [0, n), so the call does not wait to check them.
   */
  scatterAlong(outer: number, n: number, inner: number, indices: NativeArray, values: NativeArray, out: NativeArray, checked?: boolean): void;
  softmax(log: boolean, outer: number, n: number, inner: number, input: NativeArray, out: NativeArray): void;
  softmax(log: boolean, outer: number, n: number, inner: number, y: NativeArray, grad: NativeArray, out: NativeArray): void;
  /** out [batch, M, N] = op(a) op(b), or += with accumulate. */
  matmul(batch: number, M: number, N: number, K: number, transA: boolean, transB: boolean, a: NativeArray, aBatchStride: number, b: NativeArray, bBatchStride: number, out: NativeArray, accumulate?: boolean): void;
  /** Returns the position of the first index outside [0, rows), or -1; checked: as for scatterAlong. */
  embedding(table: NativeArray, rows: number, width: number, indices: NativeArray, out: NativeArray, checked?: boolean): number;
  embeddingBackward(grad: NativeArray, indices: NativeArray, width: number, rows: number, paddingIndex: number, out: NativeArray, checked?: boolean): void;
}

/** Where the addon may be: GATED_ADDON_PATH, then the cmake-js build, then a node-gyp build. */
export function addonCandidates(): string[] {
  const root = path.resolve(__dirname, '..');
  const candidates = [
    path.join(root, 'build', 'cmake', 'Release', 'gated.node'),
    path.join(root, 'build', 'Release', 'gated.node'),
  ];
  const override = process.env.GATED_ADDON_PATH;
  return override ? [path.resolve(override), ...candidates] : candidates;
}

function loadAddon(): NativeAddon {
  const found = addonCandidates().find((candidate) => fs.existsSync(candidate));
  if (!found) {
    throw new Error(
      `gated: the native addon is not built. Looked in:\n  ${addonCandidates().join('\n  ')}\n` +
        'Run `npm install` (or `npm run build:native`) in the gated package.',
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(found) as NativeAddon;
}

export const native: NativeAddon = loadAddon();
