// The stacked, bidirectional recurrent op: one native forward call, and one tape node whose backward
// is one native backward call.
import { FloatArray, GradNode, SavedTensor, attach, needsGrad } from '../autograd';
import { FloatDType } from '../dtype';
import { RnnSpec, native } from '../native';
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
}

export interface RnnResult {
  output: Tensor;
  h: Tensor;
  c: Tensor | null;
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

export function runRnn(call: RnnCall): RnnResult {
  const recording = needsGrad([call.input, call.h0, call.c0, ...call.weights]);
  const result = native.rnnForward(
    call.spec,
    arrayOf(call.input, 'input') as FloatArray,
    call.weights.map((w, i) => arrayOf(w, `weights[${i}]`) as FloatArray),
    call.lengths,
    arrayOf(call.h0, 'h0'),
    arrayOf(call.c0, 'c0'),
    call.seed,
    recording,
  );
  const { spec } = call;
  const T = spec.seqLen, B = spec.batch, H = spec.hiddenSize;
  const states = [spec.numLayers * (spec.bidirectional ? 2 : 1), B, H];
  const outputShape = spec.batchFirst ? [B, T, H * (spec.bidirectional ? 2 : 1)] : [T, B, H * (spec.bidirectional ? 2 : 1)];
  const output = Tensor.fromData(result.output, outputShape, call.dtype);
  const h = Tensor.fromData(result.h, states, call.dtype);
  const c = result.c ? Tensor.fromData(result.c, states, call.dtype) : null;
  if (recording) {
    const outputs = c ? [output, h, c] : [output, h];
    attach(new RnnNode(call, result.reserve ?? null, outputs), outputs);
  }
  return { output, h, c };
}
