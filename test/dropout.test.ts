// Dropout between layers: Philox masks keyed by seed and element index, identical to applying the
// mask by hand between single-layer modules; off in eval mode; reproducible under a seed.
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { native } from '../ts/native';
import { nextSeed } from '../ts/random';
import { Tensor } from '../ts/tensor';
import { relativeError } from './helpers';

describe('Philox-4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    const block = (counter: number[], key: number[]) => Array.from(native.philoxBlock(new Uint32Array(counter), new Uint32Array(key)));
    expect(block([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect(block([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([
      0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
    ]);
    expect(block([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  it('keeps about 1 - p of the elements, scaled by 1 / (1 - p)', () => {
    const ones = new Float64Array(100_000).fill(1);
    native.applyDropout(ones, 99n, 0, 0.3);
    const kept = ones.filter((v) => v !== 0);
    expect(kept.length / ones.length).toBeGreaterThan(0.69);
    expect(kept.length / ones.length).toBeLessThan(0.71);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-12)).toBe(true);
  });
});

describe('LSTM dropout between layers', () => {
  const options = { inputSize: 5, hiddenSize: 4, bidirectional: true, dtype: 'float64' as const };
  const T = 6, B = 3;

  function stacked(dropout: number) {
    g.manualSeed(5);
    const model = new g.nn.LSTM({ ...options, numLayers: 2, dropout });
    const first = new g.nn.LSTM({ ...options, numLayers: 1 });
    const second = new g.nn.LSTM({ ...options, inputSize: 8, numLayers: 1 });
    const params = new Map(model.namedParameters());
    const copyInto = (m: g.nn.Module, layer: number) => {
      for (const [name, p] of m.namedParameters()) {
        (p.contiguousData() as Float64Array).set(params.get(name.replace('_l0', `_l${layer}`))!.dataSync() as Float64Array);
      }
    };
    copyInto(first, 0);
    copyInto(second, 1);
    return { model, first, second, input: g.randn([T, B, 5], { dtype: 'float64' }) };
  }

  function byHand(first: g.nn.LSTM, second: g.nn.LSTM, input: Tensor, lengths: number[], seed: bigint | null, p: number) {
    const y = first.forward(input, { lengths }).output;
    const masked = y.dataSync() as Float64Array;
    if (seed !== null) native.applyDropout(masked, seed, 0, p);
    return second.forward(g.tensor(masked, [...y.shape], { dtype: 'float64' }), { lengths }).output;
  }

  it('equals the mask applied by hand between two single-layer modules', () => {
    const { model, first, second, input } = stacked(0.5);
    const lengths = [6, 2, 4];
    g.manualSeed(77);
    const seed = nextSeed();
    g.manualSeed(77);
    const out = model.forward(input, { lengths }).output;
    const expected = byHand(first, second, input, lengths, seed, 0.5);
    expect(relativeError(out.dataSync() as Float64Array, expected.dataSync() as Float64Array)).toBeLessThan(1e-13);
    const withoutMask = byHand(first, second, input, lengths, null, 0.5);
    expect(relativeError(out.dataSync() as Float64Array, withoutMask.dataSync() as Float64Array)).toBeGreaterThan(1e-3);
  });

  it('is off in eval mode', () => {
    const { model, first, second, input } = stacked(0.5);
    model.eval();
    const out = model.forward(input).output;
    const expected = byHand(first, second, input, [T, T, T], null, 0.5);
    expect(relativeError(out.dataSync() as Float64Array, expected.dataSync() as Float64Array)).toBeLessThan(1e-13);
  });

  it('draws a new mask per call and repeats under the same seed', () => {
    const { model, input } = stacked(0.5);
    g.manualSeed(3);
    const a = model.forward(input).output.dataSync() as Float64Array;
    const b = model.forward(input).output.dataSync() as Float64Array;
    g.manualSeed(3);
    const c = model.forward(input).output.dataSync() as Float64Array;
    expect(relativeError(a, b)).toBeGreaterThan(1e-3);
    expect(Array.from(c)).toEqual(Array.from(a));
  });
});
