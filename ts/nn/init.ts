// Initialisation helpers beyond PyTorch's defaults.
import { uniform } from '../creation';
import { Tensor } from '../tensor';
import { checkInteger, typeError } from '../validate';
import { GRUCell, LSTMCell } from './cells';
import { Module } from './module';
import { GRU, LSTM } from './rnn';

/**
 * Chrono initialisation (Tallec & Ollivier, "Can recurrent neural networks warp time?", 2018):
 * gate biases that make the memory last about maxLength steps. LSTM: forget bias log U(1, T−1) and
 * input bias its negative; GRU: the update gate z gets log U(1, T−1), so h mostly keeps its value.
 * The values go into bias_ih; the matching bias_hh rows are zeroed. Modifies the module in place.
 */
export function chrono(module: LSTM | GRU | LSTMCell | GRUCell, options: { maxLength: number }): void {
  if (!(module instanceof LSTM || module instanceof GRU || module instanceof LSTMCell || module instanceof GRUCell)) {
    throw typeError('module', 'an LSTM, GRU, LSTMCell or GRUCell', module);
  }
  const T = checkInteger(options?.maxLength, 'options.maxLength', 3);
  const H = module.hiddenSize;
  const isLstm = module instanceof LSTM || module instanceof LSTMCell;
  const pairs = biasPairs(module);
  if (pairs.length === 0) throw new TypeError('gated: chrono initialisation needs gate biases; the module was built with bias: false');
  for (const [inputBias, hiddenBias] of pairs) {
    const memory = uniform([H], 1, T - 1, { dtype: inputBias.dtype, device: 'cpu' }).contiguousData() as Float32Array;
    const bi = inputBias.writableData('bias_ih') as Float32Array;
    const bh = hiddenBias.writableData('bias_hh') as Float32Array;
    // LSTM rows: i [0, H), f [H, 2H); GRU rows: r [0, H), z [H, 2H).
    for (let j = 0; j < H; j++) {
      const b = Math.log(memory[j]);
      bi[H + j] = b;
      bh[H + j] = 0;
      if (isLstm) {
        bi[j] = -b;
        bh[j] = 0;
      }
    }
  }
}

/** [bias_ih, bias_hh] of every layer and direction. */
function biasPairs(module: Module): [Tensor, Tensor][] {
  const named = new Map(module.namedParameters());
  const pairs: [Tensor, Tensor][] = [];
  for (const [name, inputBias] of named) {
    if (!name.startsWith('bias_ih')) continue;
    pairs.push([inputBias, named.get(name.replace('bias_ih', 'bias_hh')) as Tensor]);
  }
  return pairs;
}
