// Central finite differences in float64 against the analytic gradients of every input, initial
// state and parameter, including dropout between layers (the mask is fixed by the seed).
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { Tensor } from '../ts/tensor';
import { CaseConfig, makeModule, relativeError } from './helpers';

const EPSILON = 1e-6;
const TOLERANCE = 1e-6;
const SEED = 1234;

interface GradCase {
  name: string;
  config: Omit<CaseConfig, 'name' | 'seqLen' | 'batch' | 'hasLengths' | 'hasH0'>;
  lengths?: number[];
  h0: boolean;
  dropout: number;
}

const cells = ['lstm', 'gru', 'gru_reset_before', 'rnn_tanh', 'rnn_relu'] as const;
const T = 4;
const B = 3;
const cases: GradCase[] = cells.flatMap((cell) => [
  { name: `${cell} uni lengths h0`, config: { cell, inputSize: 3, hiddenSize: 3, numLayers: 1, bidirectional: false, batchFirst: false, bias: true }, lengths: [4, 1, 3], h0: true, dropout: 0 },
  { name: `${cell} 2-layer bi lengths h0 dropout`, config: { cell, inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, batchFirst: false, bias: true }, lengths: [2, 4, 0], h0: true, dropout: 0.4 },
  { name: `${cell} 2-layer bi batchFirst no bias`, config: { cell, inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, batchFirst: true, bias: false }, h0: false, dropout: 0 },
]);

/** The loss Σ output·R0 + Σ h·R1 (+ Σ c·R2) and the tensors it reads. */
function setup(c: GradCase) {
  g.manualSeed(SEED);
  const module = makeModule(c.config, 'float64', c.dropout);
  const m = module as g.nn.LSTM;
  const layers = c.config.numLayers * (c.config.bidirectional ? 2 : 1);
  const inputShape = c.config.batchFirst ? [B, T, c.config.inputSize] : [T, B, c.config.inputSize];
  const input = g.randn(inputShape, { dtype: 'float64', requiresGrad: true });
  const h0 = c.h0 ? g.randn([layers, B, c.config.hiddenSize], { dtype: 'float64', requiresGrad: true }) : undefined;
  const c0 = c.h0 && c.config.cell === 'lstm' ? g.randn([layers, B, c.config.hiddenSize], { dtype: 'float64', requiresGrad: true }) : undefined;
  const probe = m.forward(input, { h0 }) as { output: Tensor; h: Tensor; c?: Tensor };
  const weights = [probe.output, probe.h, ...(probe.c ? [probe.c] : [])].map((t) => g.randn([...t.shape], { dtype: 'float64' }));
  const forward = () => {
    g.manualSeed(SEED + 1); // the same dropout mask in every evaluation
    const state = c.config.cell === 'lstm' ? { lengths: c.lengths, h0, c0 } : { lengths: c.lengths, h0 };
    const out = m.forward(input, state) as { output: Tensor; h: Tensor; c?: Tensor };
    return [out.output, out.h, ...(out.c ? [out.c] : [])];
  };
  const loss = () =>
    g.noGrad(() => forward().reduce((sum, t, i) => {
      const a = t.dataSync() as Float64Array, w = weights[i].dataSync() as Float64Array;
      return sum + a.reduce((s, v, k) => s + v * w[k], 0);
    }, 0));
  const named: [string, Tensor][] = [['input', input], ...(h0 ? [['h0', h0] as [string, Tensor]] : []), ...(c0 ? [['c0', c0] as [string, Tensor]] : []), ...module.namedParameters()];
  return { forward, loss, weights, named };
}

describe('finite differences (float64)', () => {
  it.each(cases)('$name', (c) => {
    const { forward, loss, weights, named } = setup(c);
    g.autograd.backward(forward(), weights);
    let checked = 0;
    for (const [name, t] of named) {
      const data = t.contiguousData() as Float64Array;
      const numeric = new Float64Array(data.length);
      // Each nudge is an in-place update: writableData bumps the version, as every in-place op does,
      // so nothing computed from the old values (such as the addon's packed weights) is reused.
      const nudge = (i: number, value: number) => ((t.writableData(name) as Float64Array)[i] = value);
      for (let i = 0; i < data.length; i++) {
        const original = data[i];
        nudge(i, original + EPSILON);
        const plus = loss();
        nudge(i, original - EPSILON);
        const minus = loss();
        nudge(i, original);
        numeric[i] = (plus - minus) / (2 * EPSILON);
      }
      const analytic = t.grad ? (t.grad.dataSync() as Float64Array) : new Float64Array(data.length);
      expect(relativeError(analytic, numeric), `${c.name}: ${name}`).toBeLessThanOrEqual(TOLERANCE);
      checked += data.length;
    }
    expect(checked).toBeGreaterThan(50);
  });
});
