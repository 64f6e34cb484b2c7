// returnGates: the gate activations the forward pass stored, checked against the cell equations
// recomputed with ops from the returned states.
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { relativeError } from './helpers';

/** pre-activations [B, G] of step t: x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh. */
function preActivations(m: g.nn.LSTM | g.nn.GRU, xt: g.Tensor, hPrev: g.Tensor, split: boolean) {
  const fromInput = g.linear(xt, m.parameter('weight_ih_l0'), m.parameter('bias_ih_l0'));
  const fromState = g.linear(hPrev, m.parameter('weight_hh_l0'), m.parameter('bias_hh_l0'));
  return split ? { fromInput, fromState } : { sum: g.add(fromInput, fromState) };
}

describe('returnGates', () => {
  it('LSTM gates are sigmoid(i), sigmoid(f), tanh(g), sigmoid(o) of the pre-activations, per step', () => {
    g.manualSeed(3);
    const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 4, batchFirst: true, dtype: 'float64' });
    const x = g.randn([2, 5, 3], { dtype: 'float64' });
    const { output, gates } = g.noGrad(() => lstm.forward(x, { returnGates: true }));
    expect(gates!.shape).toEqual([1, 2, 5, 16]);
    const H = 4;
    for (const t of [0, 3]) {
      const hPrev = t === 0 ? g.zeros([2, H], { dtype: 'float64' }) : output.select(1, t - 1);
      const { sum } = preActivations(lstm, x.select(1, t), hPrev, false) as { sum: g.Tensor };
      const expected = g.cat([sum.narrow(1, 0, 2 * H).sigmoid(), sum.narrow(1, 2 * H, H).tanh(), sum.narrow(1, 3 * H, H).sigmoid()], 1);
      const actual = gates!.select(0, 0).select(1, t);
      expect(relativeError(actual.dataSync() as Float64Array, expected.dataSync() as Float64Array)).toBeLessThan(1e-14);
    }
  });

  it('GRU gates are r, z and n of the reset-after form', () => {
    g.manualSeed(4);
    const gru = new g.nn.GRU({ inputSize: 3, hiddenSize: 4, dtype: 'float64' });
    const x = g.randn([6, 2, 3], { dtype: 'float64' });
    const { output, gates } = g.noGrad(() => gru.forward(x, { returnGates: true }));
    const H = 4;
    const t = 2;
    const { fromInput, fromState } = preActivations(gru, x.select(0, t), output.select(0, t - 1), true) as { fromInput: g.Tensor; fromState: g.Tensor };
    const rz = g.add(fromInput.narrow(1, 0, 2 * H), fromState.narrow(1, 0, 2 * H)).sigmoid();
    const n = g.add(fromInput.narrow(1, 2 * H, H), g.mul(rz.narrow(1, 0, H), fromState.narrow(1, 2 * H, H))).tanh();
    const expected = g.cat([rz, n], 1);
    const actual = gates!.select(0, 0).select(1, t);
    expect(relativeError(actual.dataSync() as Float64Array, expected.dataSync() as Float64Array)).toBeLessThan(1e-14);
  });

  it('leaves the normal path alone and refuses a plain RNN', () => {
    const lstm = new g.nn.LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true });
    expect(lstm.forward(g.randn([4, 1, 2])).gates).toBeUndefined();
    expect(lstm.forward(g.randn([4, 1, 2]), { returnGates: true }).gates!.shape).toEqual([4, 1, 4, 12]);
    expect(lstm.forward(g.randn([4, 2]), { returnGates: true }).gates!.shape).toEqual([4, 4, 12]);
    const rnn = new g.nn.RNN({ inputSize: 2, hiddenSize: 3 });
    expect(() => rnn.forward(g.randn([4, 1, 2]), { returnGates: true } as never)).toThrow(/returnGates/);
  });
});
