// The stacked, bidirectional recurrent op: one native forward call, and one tape node whose backward
// is one native backward call.
import { FloatArray, GradNode, SavedTensor, attach, needsGrad } from '../autograd';
import { FloatDType } from '../dtype';
import { RnnForwardResult, RnnSpec, native } from '../native';
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

class RnnNode implements GradNode {
  released = false;
  readonly name: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly outputShapes: readonly (readonly number[])[];
  private saved: (SavedTensor | null)[];

  constructor(
    private readonly call: RnnCall,
    private reserve: FloatArray | null,
    outputs: Tensor[],
  ) {
    this.name = ['LSTM', 'GRU', 'GRU', 'RNN', 'RNN'][call.spec.cell];
    this.inputs = [call.input, call.h0, call.c0, ...call.weights];
    this.outputShapes = outputs.map((t) => t.shape);
    this.saved = this.inputs.map((t) => (t ? new SavedTensor(t) : null));
  }

  backward([dOutput, dh, dc]: (FloatArray | null)[]): (FloatArray | null)[] {
    const [input, h0, c0, ...weights] = this.saved.map((s) => s?.tensor ?? null);
    const c = this.call;
    const result = native.rnnBackward(
      c.spec,
      arrayOf(input, 'input') as FloatArray,
      weights.map((w) => arrayOf(w, 'weight') as FloatArray),
      c.lengths,
      arrayOf(h0, 'h0'),
      arrayOf(c0, 'c0'),
      c.seed,
      this.reserve as FloatArray,
      dOutput ?? null,
      dh ?? null,
      dc ?? null,
    );
    return [result.dInput, h0 ? result.dh0 : null, c0 ? (result.dc0 ?? null) : null, ...result.dWeights];
  }

  release(): void {
    this.saved.forEach((s) => s?.release());
    this.saved = [];
    this.reserve = null;
    this.released = true;
  }
}

function inputsOf(call: RnnCall): (Tensor | null)[] {
  return [call.input, call.h0, call.c0, ...call.weights];
}

/** The native arguments of a call: every tensor as its contiguous data (no copy when contiguous). */
function nativeArguments(call: RnnCall, keepReserve: boolean) {
  return [
    call.spec,
    arrayOf(call.input, 'input') as FloatArray,
    call.weights.map((w, i) => arrayOf(w, `weights[${i}]`) as FloatArray),
    call.lengths,
    arrayOf(call.h0, 'h0'),
    arrayOf(call.c0, 'c0'),
    call.seed,
    keepReserve,
  ] as const;
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
    ? Tensor.fromData(native.rnnGates(spec, result.reserve as FloatArray), [spec.numLayers * D, B, T, H * (spec.cell === 0 ? 4 : 3)], call.dtype)
    : undefined;
  if (recording) {
    const outputs = c ? [output, h, c] : [output, h];
    attach(new RnnNode(call, result.reserve ?? null, outputs), outputs);
  }
  return gates ? { output, h, c, gates } : { output, h, c };
}

export function runRnn(call: RnnCall): RnnResult {
  const recording = needsGrad(inputsOf(call));
  return wrapResult(call, native.rnnForward(...nativeArguments(call, recording || call.returnGates === true)), recording);
}

/**
 * runRnn off the JavaScript thread. The inputs' data is held for the call: disposing them is safe,
 * and changing them in place throws until the promise settles.
 */
export async function runRnnAsync(call: RnnCall): Promise<RnnResult> {
  const recording = needsGrad(inputsOf(call));
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
