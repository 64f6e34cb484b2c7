// nn.LSTM, nn.GRU and nn.RNN: PyTorch's options, parameter names, shapes, gate order and init.
import { FloatDType, ReducedFloatDType } from '../dtype';
import { uniform } from '../creation';
import { nextSeed } from '../random';
import { Tensor } from '../tensor';
import {
  checkBoolean,
  checkInteger,
  checkKnownKeys,
  checkNumberInRange,
  checkOneOf,
  rangeError,
  received,
  shapeString,
  typeError,
} from '../validate';
import { Module, Parameter } from './module';
import { RnnCall, RnnResult, runRnn, runRnnAsync } from './rnn_function';

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** A second, reverse-time direction whose outputs are concatenated (default false). */
  bidirectional?: boolean;
  /**
   * What the module computes in (default 'float32'). 'float32' and 'float64' are also its parameters',
   * inputs' and outputs' dtype. 'bfloat16' and 'float16' are for inference: the parameters, inputs and
   * outputs stay float32, and every matrix product rounds both its operands to 16 bits and sums in
   * float32 (on CUDA, on the tensor cores); calls that would record gradients throw.
   */
  dtype?: RecurrentDType;
}

/** The dtypes a recurrent module computes in. */
export type RecurrentDType = FloatDType | ReducedFloatDType;

/** spec.precision of each dtype (native/core/reduced_float.h). */
const PRECISION: Record<RecurrentDType, number> = { float32: 0, float64: 0, bfloat16: 1, float16: 2 };

export interface GRUOptions extends RecurrentOptions {
  /** PyTorch / cuDNN's form (default true), or the textbook form n = tanh(W_in x + W_hn (r * h) + b). */
  resetAfter?: boolean;
}

export interface RNNOptions extends RecurrentOptions {
  nonlinearity?: 'tanh' | 'relu';
}

export interface RecurrentState {
  /** Real length of each sequence [batch]: outputs past it are zero, final states are taken there. */
  lengths?: Tensor | readonly number[] | Int32Array;
  /** Initial hidden state [layers * directions, batch, hidden]; zeros when omitted. */
  h0?: Tensor;
  /** Initial cell state (LSTM only), like h0. */
  c0?: Tensor;
  /**
   * LSTM and GRU: also return every step's gate activations as `gates`, [layers * directions, batch,
   * seq, gates * hidden] (LSTM i f g o, GRU r z n). The normal path stores nothing extra.
   */
  returnGates?: boolean;
}

export interface RecurrentOutput {
  /** Every step's last-layer output: [seq, batch, directions * hidden] ([batch, seq, ...] with batchFirst). */
  output: Tensor;
  /** Final hidden state of every layer and direction: [layers * directions, batch, hidden]. */
  h: Tensor;
  /** The gate activations, with returnGates. */
  gates?: Tensor;
}

export interface LSTMOutput extends RecurrentOutput {
  /** Final cell state, like h. */
  c: Tensor;
}

const BASE_KEYS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype'];
const CELL_NAMES = ['LSTM', 'GRU', 'GRU', 'RNN', 'RNN'];

/** The shared machinery of LSTM, GRU and RNN. */
export class RecurrentBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** The dtype of the parameters, inputs and outputs: float64 for a float64 module, else float32. */
  readonly parameterDtype: FloatDType;
  private computeDtype: RecurrentDType;

  protected constructor(
    private readonly cellCode: number,
    options: RecurrentOptions,
    extraKeys: string[],
  ) {
    super();
    const name = `${CELL_NAMES[cellCode]} options`;
    if (typeof options !== 'object' || options === null) throw typeError(name, 'an object', options);
    checkKnownKeys(options, name, [...BASE_KEYS, ...extraKeys]);
    this.inputSize = checkInteger(options.inputSize, 'inputSize', 1);
    this.hiddenSize = checkInteger(options.hiddenSize, 'hiddenSize', 1);
    this.numLayers = checkInteger(options.numLayers ?? 1, 'numLayers', 1);
    this.bias = checkBoolean(options.bias ?? true, 'bias');
    this.batchFirst = checkBoolean(options.batchFirst ?? false, 'batchFirst');
    this.dropout = checkNumberInRange(options.dropout ?? 0, 'dropout', 0, 1);
    this.bidirectional = checkBoolean(options.bidirectional ?? false, 'bidirectional');
    this.computeDtype = checkOneOf(options.dtype ?? 'float32', 'dtype', ['float32', 'float64', 'bfloat16', 'float16'] as const);
    this.parameterDtype = this.computeDtype === 'float64' ? 'float64' : 'float32';
    this.createParameters();
  }

  /** What the module computes in (see RecurrentOptions.dtype). */
  get dtype(): RecurrentDType {
    return this.computeDtype;
  }

  /**
   * Switches a float32 module between 'float32', 'bfloat16' and 'float16' (its parameters stay
   * as they are): train in float32, then serve in bfloat16. A float64 module stays float64.
   */
  setDtype(dtype: RecurrentDType): this {
    const allowed = this.parameterDtype === 'float64' ? (['float64'] as const) : (['float32', 'bfloat16', 'float16'] as const);
    this.computeDtype = checkOneOf(dtype, 'dtype', allowed);
    return this;
  }

  get cellName(): string {
    return CELL_NAMES[this.cellCode];
  }

  protected get gateCount(): number {
    return [4, 3, 3, 1, 1][this.cellCode];
  }

  private get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** PyTorch's parameters, initialised uniformly in ±1/√hidden. */
  private createParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    const G = this.gateCount * this.hiddenSize;
    const fields = this as unknown as Record<string, Tensor>;
    for (const [layer, suffix] of this.layerDirections()) {
      const inputSize = layer === 0 ? this.inputSize : this.hiddenSize * this.directions;
      const make = (shape: number[]) => Parameter(uniform(shape, -k, k, { dtype: this.parameterDtype, device: 'cpu' }));
      fields[`weight_ih_l${layer}${suffix}`] = make([G, inputSize]);
      fields[`weight_hh_l${layer}${suffix}`] = make([G, this.hiddenSize]);
      if (this.bias) {
        fields[`bias_ih_l${layer}${suffix}`] = make([G]);
        fields[`bias_hh_l${layer}${suffix}`] = make([G]);
      }
    }
  }

  private layerDirections(): [number, string][] {
    const out: [number, string][] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.directions; dir++) out.push([layer, dir === 1 ? '_reverse' : '']);
    }
    return out;
  }

  /** The weights in the native order: per layer and direction w_ih, w_hh, b_ih, b_hh. */
  flatWeights(): Tensor[] {
    const fields = this as unknown as Record<string, Tensor>;
    const names = ['weight_ih', 'weight_hh', ...(this.bias ? ['bias_ih', 'bias_hh'] : [])];
    return this.layerDirections().flatMap(([layer, suffix]) => names.map((n) => fields[`${n}_l${layer}${suffix}`]));
  }

  protected run(input: Tensor, state: RecurrentState = {}): RnnResult {
    const { call, finish } = this.prepare(input, state);
    return finish(runRnn(call));
  }

  /** run() off the JavaScript thread: the event loop stays free while the compute pool works. */
  protected async runAsync(input: Tensor, state: RecurrentState = {}): Promise<RnnResult> {
    const { call, finish } = this.prepare(input, state);
    return finish(await runRnnAsync(call));
  }

  /** Checks a forward call and builds its native call; `finish` shapes the results for the caller. */
  private prepare(input: Tensor, state: RecurrentState): { call: RnnCall; finish: (result: RnnResult) => RnnResult } {
    if (!(input instanceof Tensor)) throw typeError('input', 'a Tensor', input);
    input.liveStorage('input');
    if (typeof state !== 'object' || state === null) throw typeError('state', 'an object { lengths?, h0?, c0? }', state);
    const keys = this.cellCode === 0 ? ['lengths', 'h0', 'c0', 'returnGates'] : this.cellCode <= 2 ? ['lengths', 'h0', 'returnGates'] : ['lengths', 'h0'];
    checkKnownKeys(state, 'state', keys);
    if (input.dtype !== this.parameterDtype) {
      throw new TypeError(`gated: expected input of dtype ${this.parameterDtype} (the module's parameter dtype) but received ${input.dtype}`);
    }
    if (input.rank === 2) return this.prepareUnbatched(input, state);
    if (input.rank !== 3) {
      const layout = this.batchFirst ? '[batch, seq, inputSize]' : '[seq, batch, inputSize]';
      throw rangeError('input', `a rank-3 tensor ${layout} (or rank 2 [seq, inputSize] for one sequence)`, received(`shape ${shapeString(input.shape)}`));
    }
    const [T, B] = this.batchFirst ? [input.shape[1], input.shape[0]] : [input.shape[0], input.shape[1]];
    if (input.shape[2] !== this.inputSize) {
      throw rangeError('input.shape[2]', `${this.inputSize} (inputSize)`, input.shape[2]);
    }
    if (T === 0 || B === 0) throw rangeError('input', 'at least one step and one sequence', received(`shape ${shapeString(input.shape)}`));
    const stateShape = [this.numLayers * this.directions, B, this.hiddenSize];
    const weights = this.flatWeights();
    weights.forEach((w, i) => w.liveStorage(`parameter ${i} of the ${this.cellName}`));
    const call: RnnCall = {
      spec: {
        cell: this.cellCode,
        inputSize: this.inputSize,
        hiddenSize: this.hiddenSize,
        numLayers: this.numLayers,
        bidirectional: this.bidirectional,
        bias: this.bias,
        batchFirst: this.batchFirst,
        seqLen: T,
        batch: B,
        dropout: this.training && this.numLayers > 1 ? this.dropout : 0,
        precision: PRECISION[this.computeDtype],
      },
      dtype: this.parameterDtype,
      input,
      weights,
      lengths: state.lengths === undefined ? null : checkLengths(state.lengths, B, T),
      h0: state.h0 === undefined ? null : this.checkState(state.h0, 'h0', stateShape),
      c0: state.c0 === undefined ? null : this.checkState(state.c0, 'c0', stateShape),
      seed: 0n,
      returnGates: state.returnGates === undefined ? false : checkBoolean(state.returnGates, 'returnGates'),
    };
    if (call.spec.dropout > 0) call.seed = nextSeed();
    return { call, finish: (result) => result };
  }

  /** One sequence [seq, inputSize] with states [layers * directions, hidden], run as a batch of one. */
  private prepareUnbatched(input: Tensor, state: RecurrentState) {
    if (state.lengths !== undefined) {
      throw new TypeError('gated: lengths apply to batches; a rank-2 input is one sequence of its full length');
    }
    if (input.shape[1] !== this.inputSize) throw rangeError('input.shape[1]', `${this.inputSize} (inputSize)`, input.shape[1]);
    const asBatch = (t: Tensor | undefined, name: string) => {
      if (t === undefined) return undefined;
      this.checkState(t, name, [this.numLayers * this.directions, this.hiddenSize]);
      return t.reshape([t.shape[0], 1, t.shape[1]]);
    };
    const inner = this.batchFirst ? input.reshape([1, ...input.shape]) : input.reshape([input.shape[0], 1, input.shape[1]]);
    const { call } = this.prepare(inner, {
      h0: asBatch(state.h0, 'h0'),
      ...(state.c0 ? { c0: asBatch(state.c0, 'c0') } : {}),
      ...(state.returnGates !== undefined ? { returnGates: state.returnGates } : {}),
    });
    const finish = ({ output, h, c, gates }: RnnResult): RnnResult => ({
      output: output.reshape([input.shape[0], output.shape[2]]),
      h: h.reshape([h.shape[0], h.shape[2]]),
      c: c ? c.reshape([c.shape[0], c.shape[2]]) : null,
      ...(gates ? { gates: gates.reshape([gates.shape[0], gates.shape[2], gates.shape[3]]) } : {}),
    });
    return { call, finish };
  }

  private checkState(t: unknown, name: string, shape: number[]): Tensor {
    if (!(t instanceof Tensor)) throw typeError(name, 'a Tensor', t);
    t.liveStorage(name);
    if (t.dtype !== this.parameterDtype) {
      throw new TypeError(`gated: expected ${name} of dtype ${this.parameterDtype} (the module's parameter dtype) but received ${t.dtype}`);
    }
    if (shapeString(t.shape) !== shapeString(shape)) {
      throw rangeError(name, `of shape ${shapeString(shape)} [layers * directions, batch, hidden]`, received(`shape ${shapeString(t.shape)}`));
    }
    return t;
  }
}

/** Lengths as an Int32Array [batch], each an integer in [0, T]. */
export function checkLengths(lengths: unknown, batch: number, T: number): Int32Array {
  let values: ArrayLike<number | bigint>;
  if (lengths instanceof Tensor) {
    lengths.liveStorage('lengths');
    if (lengths.dtype !== 'int32' && lengths.dtype !== 'int64') {
      throw new TypeError(`gated: expected lengths of dtype int32 or int64 but received ${lengths.dtype}`);
    }
    if (lengths.rank !== 1) throw rangeError('lengths', `a rank-1 tensor [${batch}]`, received(`shape ${shapeString(lengths.shape)}`));
    values = (lengths.device === 'cuda' ? lengths.dataSync() : lengths.contiguousData('lengths')) as Int32Array | BigInt64Array;
  } else if (Array.isArray(lengths) || lengths instanceof Int32Array) {
    values = lengths as ArrayLike<number>;
  } else {
    throw typeError('lengths', 'a Tensor, an array of integers or an Int32Array', lengths);
  }
  if (values.length !== batch) throw rangeError('lengths', `of length ${batch} (one entry per sequence)`, received(`length ${values.length}`));
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const v = values[b];
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number') throw typeError(`lengths[${b}]`, `an integer in [0, ${T}] (the sequence length)`, v);
    if (!Number.isInteger(n) || n < 0 || n > T) {
      throw rangeError(`lengths[${b}]`, `an integer in [0, ${T}] (the sequence length)`, v);
    }
    out[b] = n;
  }
  return out;
}

export class LSTM extends RecurrentBase {
  constructor(options: RecurrentOptions) {
    super(0, options, []);
  }

  forward(input: Tensor, state?: RecurrentState): LSTMOutput {
    const { output, h, c, gates } = this.run(input, state);
    return gates ? { output, h, c: c as Tensor, gates } : { output, h, c: c as Tensor };
  }

  /** forward() computed off the JavaScript thread; for servers, where the event loop must stay free. */
  async forwardAsync(input: Tensor, state?: RecurrentState): Promise<LSTMOutput> {
    const { output, h, c, gates } = await this.runAsync(input, state);
    return gates ? { output, h, c: c as Tensor, gates } : { output, h, c: c as Tensor };
  }
}

export class GRU extends RecurrentBase {
  readonly resetAfter: boolean;

  constructor(options: GRUOptions) {
    super(checkBoolean(options?.resetAfter ?? true, 'resetAfter') ? 1 : 2, options, ['resetAfter']);
    this.resetAfter = options.resetAfter ?? true;
  }

  forward(input: Tensor, state?: Omit<RecurrentState, 'c0'>): RecurrentOutput {
    const { output, h, gates } = this.run(input, state);
    return gates ? { output, h, gates } : { output, h };
  }

  /** forward() computed off the JavaScript thread; for servers, where the event loop must stay free. */
  async forwardAsync(input: Tensor, state?: Omit<RecurrentState, 'c0'>): Promise<RecurrentOutput> {
    const { output, h, gates } = await this.runAsync(input, state);
    return gates ? { output, h, gates } : { output, h };
  }
}

export class RNN extends RecurrentBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(options: RNNOptions) {
    super(checkOneOf(options?.nonlinearity ?? 'tanh', 'nonlinearity', ['tanh', 'relu'] as const) === 'relu' ? 4 : 3, options, [
      'nonlinearity',
    ]);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
  }

  forward(input: Tensor, state?: Omit<RecurrentState, 'c0' | 'returnGates'>): RecurrentOutput {
    const { output, h } = this.run(input, state);
    return { output, h };
  }

  /** forward() computed off the JavaScript thread; for servers, where the event loop must stay free. */
  async forwardAsync(input: Tensor, state?: Omit<RecurrentState, 'c0' | 'returnGates'>): Promise<RecurrentOutput> {
    const { output, h } = await this.runAsync(input, state);
    return { output, h };
  }
}
