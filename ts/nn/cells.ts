// LSTMCell, GRUCell, RNNCell: one time step, run by the same native engine as the sequence modules.
import { uniform } from '../creation';
import { FloatDType } from '../dtype';
import { Tensor } from '../tensor';
import { checkBoolean, checkInteger, checkKnownKeys, checkOneOf, rangeError, received, shapeString, typeError } from '../validate';
import { Module, Parameter } from './module';
import { runRnn } from './rnn_function';

export interface CellOptions {
  bias?: boolean;
  dtype?: FloatDType;
}

/** The shared machinery: PyTorch's weight_ih [G, I], weight_hh [G, H], bias_ih [G], bias_hh [G]. */
class CellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly dtype: FloatDType;
  readonly weight_ih: Tensor;
  readonly weight_hh: Tensor;
  readonly bias_ih: Tensor | null;
  readonly bias_hh: Tensor | null;

  protected constructor(private readonly cellCode: number, inputSize: number, hiddenSize: number, options: CellOptions, extraKeys: string[]) {
    super();
    if (typeof options !== 'object' || options === null) throw typeError('options', 'an object', options);
    checkKnownKeys(options, 'cell options', ['bias', 'dtype', ...extraKeys]);
    this.inputSize = checkInteger(inputSize, 'inputSize', 1);
    this.hiddenSize = checkInteger(hiddenSize, 'hiddenSize', 1);
    this.dtype = checkOneOf(options.dtype ?? 'float32', 'dtype', ['float32', 'float64'] as const);
    const G = [4, 3, 3, 1, 1][cellCode] * hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    const make = (shape: number[]) => Parameter(uniform(shape, -k, k, { dtype: this.dtype, device: 'cpu' }));
    this.weight_ih = make([G, inputSize]);
    this.weight_hh = make([G, hiddenSize]);
    const bias = checkBoolean(options.bias ?? true, 'bias');
    this.bias_ih = bias ? make([G]) : null;
    this.bias_hh = bias ? make([G]) : null;
  }

  /** One step: input [B, I] (or [I]) and states [B, H] (or [H]) -> new states. */
  protected step(input: Tensor, h: Tensor | undefined, c: Tensor | undefined): { h: Tensor; c: Tensor | null } {
    if (!(input instanceof Tensor)) throw typeError('input', 'a Tensor', input);
    input.liveStorage('input');
    if (input.dtype !== this.dtype) throw new TypeError(`gated: expected input of dtype ${this.dtype} (the cell's dtype) but received ${input.dtype}`);
    const unbatched = input.rank === 1;
    if ((input.rank !== 1 && input.rank !== 2) || input.shape[input.rank - 1] !== this.inputSize) {
      throw rangeError('input', `[batch, ${this.inputSize}] or [${this.inputSize}]`, received(`shape ${shapeString(input.shape)}`));
    }
    const B = unbatched ? 1 : input.shape[0];
    const state = (t: Tensor | undefined, name: string) => {
      if (t === undefined) return null;
      if (!(t instanceof Tensor)) throw typeError(name, 'a Tensor', t);
      t.liveStorage(name);
      const expected = unbatched ? [this.hiddenSize] : [B, this.hiddenSize];
      if (shapeString(t.shape) !== shapeString(expected)) throw rangeError(name, `of shape ${shapeString(expected)}`, received(`shape ${shapeString(t.shape)}`));
      if (t.dtype !== this.dtype) throw new TypeError(`gated: expected ${name} of dtype ${this.dtype} but received ${t.dtype}`);
      return t.reshape([1, B, this.hiddenSize]);
    };
    const weights = [this.weight_ih, this.weight_hh, ...(this.bias_ih && this.bias_hh ? [this.bias_ih, this.bias_hh] : [])];
    const result = runRnn({
      spec: {
        cell: this.cellCode, inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: 1, bidirectional: false,
        bias: this.bias_ih !== null, batchFirst: false, seqLen: 1, batch: B, dropout: 0,
      },
      dtype: this.dtype,
      input: input.reshape([1, B, this.inputSize]),
      weights,
      lengths: null,
      h0: state(h, 'h'),
      c0: state(c, 'c'),
      seed: 0n,
    });
    const shape = unbatched ? [this.hiddenSize] : [B, this.hiddenSize];
    return { h: result.h.reshape(shape), c: result.c ? result.c.reshape(shape) : null };
  }
}

export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super(0, inputSize, hiddenSize, options, []);
  }

  /** x [B, I] with optional {h, c} [B, H] (zeros when omitted) -> {h, c} after one step. */
  forward(x: Tensor, state: { h?: Tensor; c?: Tensor } = {}): { h: Tensor; c: Tensor } {
    const { h, c } = this.step(x, state.h, state.c);
    return { h, c: c as Tensor };
  }
}

export class GRUCell extends CellBase {
  readonly resetAfter: boolean;

  constructor(inputSize: number, hiddenSize: number, options: CellOptions & { resetAfter?: boolean } = {}) {
    super(checkBoolean(options?.resetAfter ?? true, 'resetAfter') ? 1 : 2, inputSize, hiddenSize, options, ['resetAfter']);
    this.resetAfter = options.resetAfter ?? true;
  }

  /** x [B, I] and optional h [B, H] -> the next h. */
  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, h, undefined).h;
  }
}

export class RNNCell extends CellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: CellOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    super(checkOneOf(options?.nonlinearity ?? 'tanh', 'nonlinearity', ['tanh', 'relu'] as const) === 'relu' ? 4 : 3, inputSize, hiddenSize, options, ['nonlinearity']);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
  }

  /** x [B, I] and optional h [B, H] -> the next h. */
  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, h, undefined).h;
  }
}
