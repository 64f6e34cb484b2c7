// The stacked, bidirectional recurrent op: one native forward call, and one tape node whose backward
// is one native backward call.
import { FloatArray, GradArray, GradNode, SavedTensor, attach, hostGrads, needsGrad } from '../autograd';
import { CudaArray, collectingInto } from '../cuda_array';
import { FloatDType } from '../dtype';
import { CudaBuffer, CudaRnnForwardResult, HostBlock, RnnForwardResult, RnnSpec, native } from '../native';
import { Device } from '../storage';
import { Tensor } from '../tensor';

export interface RnnCall {
  spec: RnnSpec;
  dtype: FloatDType;
  input: Tensor; // [T, B, I] or [B, T, I]
  weights: Tensor[]; // per layer and direction: w_ih, w_hh, (b_ih, b_hh)
  lengths: Int32Array | null; // [B]
  h0: Tensor | null; // [L*D, B, H]
  c0: Tensor | null; // [L*D, B, H] (LSTM)
  seed: bigint; // dropout key
  /** Also return the gate activations (LSTM, GRU), read from the reserve. */
  returnGates?: boolean;
}

export interface RnnResult {
  output: Tensor;
  h: Tensor;
  c: Tensor | null;
  /** [layers * directions, batch, seq, gates * hidden] when asked for. */
  gates?: Tensor;
}

function arrayOf(t: Tensor | null, name: string): FloatArray | null {
  return t ? (t.contiguousData(name) as FloatArray) : null;
}

/** A CUDA tensor's device buffer: its storage when it is exactly the tensor, else a contiguous copy. */
function bufferOf(t: Tensor | null, name: string): CudaBuffer | null {
  return t ? (t.deviceData(name) as CudaArray).buffer : null;
}

function cudaGrad(grad: GradArray | null | undefined, name: string): CudaBuffer | null {
  if (!grad) return null;
  if (!(grad instanceof CudaArray)) throw new Error(`gated: internal error: a host gradient for the CUDA ${name}`);
  return grad.buffer;
}

/** Throws a TypeError naming the first tensor of the call that is not on the input's device. */
export function checkSameDevice(call: RnnCall): Device {
  const device = call.input.device;
  const named: [string, Tensor | null][] = [['h0', call.h0], ['c0', call.c0], ...call.weights.map((w, i): [string, Tensor] => [`weights[${i}]`, w])];
  for (const [name, t] of named) {
    if (t && t.device !== device) {
      throw new TypeError(`gated: expected ${name} on ${device} (the input's device) but it is on ${t.device}; move the module with .to('${device}')`);
    }
  }
  return device;
}

interface CallTensors {
  input: Tensor | null;
  weights: (Tensor | null)[];
  h0: Tensor | null;
  c0: Tensor | null;
}

/**
 * The first seven arguments of rnnForward / rnnBackward and their CUDA twins: the spec, each tensor
 * as `of` gives its native data (host arrays or device buffers), the lengths and the seed.
 */
function sharedArguments<A>(call: RnnCall, t: CallTensors, of: (t: Tensor | null, name: string) => A | null) {
  return [call.spec, of(t.input, 'input') as A, t.weights.map((w, i) => of(w, `weights[${i}]`) as A), call.lengths, of(t.h0, 'h0'), of(t.c0, 'c0'), call.seed] as const;
}

/** Frees the host reserve of a node the garbage collector takes before the tape released it. */
const forgottenReserves = new FinalizationRegistry<HostBlock>((block) => native.hostBlockFree(block));

class RnnNode implements GradNode {
  released = false;
  readonly name: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly outputShapes: readonly (readonly number[])[];
  private saved: (SavedTensor | null)[];

  constructor(
    private readonly call: RnnCall,
    private reserve: HostBlock | CudaArray | null,
    outputs: Tensor[],
  ) {
    this.name = ['LSTM', 'GRU', 'GRU', 'RNN', 'RNN'][call.spec.cell];
    this.inputs = [call.input, call.h0, call.c0, ...call.weights];
    this.outputShapes = outputs.map((t) => t.shape);
    this.saved = this.inputs.map((t) => (t ? new SavedTensor(t) : null));
    if (typeof reserve === 'number') forgottenReserves.register(this, reserve, this);
  }

  backward(grads: (GradArray | null)[]): (GradArray | null)[] {
    return this.reserve instanceof CudaArray ? this.backwardCuda(grads, this.reserve) : this.backwardCpu(grads);
  }

  /** The tensors saved at the forward pass. */
  private savedTensors(): CallTensors {
    const [input, h0, c0, ...weights] = this.saved.map((s) => s?.tensor ?? null);
    return { input, h0, c0, weights };
  }

  private backwardCuda([dOutput, dh, dc]: (GradArray | null)[], reserve: CudaArray): (GradArray | null)[] {
    const saved = this.savedTensors();
    const { input, h0, c0, weights } = saved;
    const c = this.call;
    const result = native.cudaRnnBackward(
      ...sharedArguments(c, saved, bufferOf),
      reserve.buffer,
      cudaGrad(dOutput, 'output'),
      cudaGrad(dh, 'h'),
      cudaGrad(dc, 'c'),
    );
    const stateSize = c.spec.numLayers * (c.spec.bidirectional ? 2 : 1) * c.spec.batch * c.spec.hiddenSize;
    const adopt = (buffer: CudaBuffer, size: number) => CudaArray.adopt(buffer, c.dtype, size);
    const dInput = adopt(result.dInput, (input as Tensor).size);
    const dWeights = result.dWeights.map((b, i) => adopt(b, (weights[i] as Tensor).size));
    const dh0 = adopt(result.dh0, stateSize);
    const dc0 = result.dc0 ? adopt(result.dc0, stateSize) : null;
    // The initial-state gradients exist even when no initial state was given: free what no one takes.
    if (!h0) dh0.free();
    if (!c0) dc0?.free();
    return [dInput, h0 ? dh0 : null, c0 ? dc0 : null, ...dWeights];
  }

  private backwardCpu(grads: (GradArray | null)[]): (GradArray | null)[] {
    const [dOutput, dh, dc] = hostGrads(grads, this.name);
    const saved = this.savedTensors();
    const { h0, c0 } = saved;
    const result = native.rnnBackward(
      ...sharedArguments(this.call, saved, arrayOf),
      this.reserve as HostBlock,
      dOutput ?? null,
      dh ?? null,
      dc ?? null,
      this.call.input.requiresGrad,
    );
    return [result.dInput, h0 ? result.dh0 : null, c0 ? (result.dc0 ?? null) : null, ...result.dWeights];
  }

  release(): void {
    this.saved.forEach((s) => s?.release());
    this.saved = [];
    forgottenReserves.unregister(this);
    freeReserve(this.reserve);
    this.reserve = null;
    this.released = true;
  }
}

/** Returns a reserve's memory at once: to the CUDA caching allocator, or to the addon's host cache. */
function freeReserve(reserve: HostBlock | CudaArray | null): void {
  if (reserve instanceof CudaArray) reserve.free();
  else if (reserve) native.hostBlockFree(reserve);
}

function inputsOf(call: RnnCall): (Tensor | null)[] {
  return [call.input, call.h0, call.c0, ...call.weights];
}

/**
 * The native arguments of a call: every tensor as its contiguous data (no copy when contiguous).
 * Without a reserve (no gradients), the weights are named by their storage and its version so the
 * addon can keep their packed form for the next call; a weight that is a copy (not contiguous) is not.
 */
function nativeArguments(call: RnnCall, keepReserve: boolean) {
  return [...sharedArguments(call, call, arrayOf), keepReserve, keepReserve ? null : weightStamps(call.weights)] as const;
}

/** This realm (thread), then [storage uid, version] per weight tensor ([0, 0]: not contiguous, not named). */
function weightStamps(weights: readonly (Tensor | null)[]): Float64Array {
  const stamps = new Float64Array(1 + 2 * weights.length);
  stamps[0] = native.realm;
  weights.forEach((w, i) => {
    if (!w?.isContiguous) return;
    const storage = w.liveStorage();
    stamps[1 + 2 * i] = storage.uid;
    stamps[2 + 2 * i] = storage.version;
  });
  return stamps;
}

/** Tensors around the native results, recorded on the tape when gradients are wanted. */
function wrapResult(call: RnnCall, result: RnnForwardResult, recording: boolean): RnnResult {
  const { spec } = call;
  const T = spec.seqLen, B = spec.batch, H = spec.hiddenSize, D = spec.bidirectional ? 2 : 1;
  const states = [spec.numLayers * D, B, H];
  const output = Tensor.fromData(result.output, spec.batchFirst ? [B, T, H * D] : [T, B, H * D], call.dtype);
  const h = Tensor.fromData(result.h, states, call.dtype);
  const c = result.c ? Tensor.fromData(result.c, states, call.dtype) : null;
  const gates = call.returnGates
    ? Tensor.fromData(native.rnnGates(spec, result.reserve as HostBlock), [spec.numLayers * D, B, T, H * (spec.cell === 0 ? 4 : 3)], call.dtype)
    : undefined;
  if (recording) {
    const outputs = c ? [output, h, c] : [output, h];
    attach(new RnnNode(call, result.reserve ?? null, outputs), outputs);
  } else {
    freeReserve(result.reserve ?? null);
  }
  return gates ? { output, h, c, gates } : { output, h, c };
}

/** The CUDA forward: the same call on device buffers, the results as CUDA tensors. */
function runRnnCuda(call: RnnCall, recording: boolean): RnnResult {
  const { spec } = call;
  // Copies made of views are freed once the work is queued (one stream: the queue keeps the order).
  const copies = new Set<CudaArray>();
  const args = collectingInto(copies, () => sharedArguments(call, call, bufferOf));
  let result: CudaRnnForwardResult;
  try {
    result = native.cudaRnnForward(...args, recording || call.returnGates === true);
  } finally {
    copies.forEach((copy) => copy.free());
  }
  const T = spec.seqLen, B = spec.batch, H = spec.hiddenSize, D = spec.bidirectional ? 2 : 1;
  const states = [spec.numLayers * D, B, H];
  const wrap = (buffer: CudaBuffer, shape: number[]) =>
    Tensor.fromData(CudaArray.adopt(buffer, call.dtype, shape.reduce((a, b) => a * b, 1)), shape, call.dtype);
  const output = wrap(result.output, spec.batchFirst ? [B, T, H * D] : [T, B, H * D]);
  const h = wrap(result.h, states);
  const c = result.c ? wrap(result.c, states) : null;
  const reserve = result.reserve ? CudaArray.adopt(result.reserve, call.dtype, native.rnnReserveLength(spec)) : null;
  // The gates are read from the reserve on the host (a copy back, like any read) and uploaded again.
  const gateShape = [spec.numLayers * D, B, T, H * (spec.cell === 0 ? 4 : 3)];
  const gates = call.returnGates && reserve
    ? Tensor.fromData(CudaArray.fromHost(native.rnnGates(spec, reserve.toHost() as FloatArray), call.dtype), gateShape, call.dtype)
    : undefined;
  if (recording && reserve) {
    const outputs = c ? [output, h, c] : [output, h];
    attach(new RnnNode(call, reserve, outputs), outputs);
  } else {
    freeReserve(reserve);
  }
  return gates ? { output, h, c, gates } : { output, h, c };
}

/**
 * Whether the tape records this call. A bfloat16 or float16 call has no backward pass: it throws
 * instead, naming the way out.
 */
function recordingOf(call: RnnCall): boolean {
  const recording = needsGrad(inputsOf(call));
  const precision = call.spec.precision ?? 0;
  if (recording && precision !== 0) {
    const cell = ['LSTM', 'GRU', 'GRU', 'RNN', 'RNN'][call.spec.cell];
    const dtype = precision === 1 ? 'bfloat16' : 'float16';
    throw new TypeError(
      `gated: a ${cell} with dtype '${dtype}' runs inference only, but this call would record gradients (its parameters or inputs require them); ` +
        `call it inside g.noGrad(() => ...), or train with dtype 'float32' (module.setDtype('float32'))`,
    );
  }
  return recording;
}

export function runRnn(call: RnnCall): RnnResult {
  const recording = recordingOf(call);
  if (checkSameDevice(call) === 'cuda') return runRnnCuda(call, recording);
  return wrapResult(call, native.rnnForward(...nativeArguments(call, recording || call.returnGates === true)), recording);
}

/**
 * runRnn off the JavaScript thread. The inputs' data is held for the call: disposing them is safe,
 * and changing them in place throws until the promise settles.
 */
export async function runRnnAsync(call: RnnCall): Promise<RnnResult> {
  const recording = recordingOf(call);
  // CUDA work is queued on the GPU's stream and returns at once; reading the results waits.
  if (checkSameDevice(call) === 'cuda') return runRnnCuda(call, recording);
  const args = nativeArguments(call, recording || call.returnGates === true);
  const storages = inputsOf(call)
    .filter((t): t is Tensor => t !== null)
    .map((t) => t.liveStorage());
  storages.forEach((s) => s.beginAsyncRead());
  try {
    return wrapResult(call, await native.rnnForwardAsync(...args), recording);
  } finally {
    storages.forEach((s) => s.endAsyncRead());
  }
}
