// Tensors: creation, dtypes, seeding, views sharing storage, dispose semantics, version counters.
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';

describe('creation and dtypes', () => {
  it('infers shapes from nested arrays and keeps dtypes', () => {
    const t = g.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(g.tensor([1, 2], undefined, { dtype: 'float64' }).dataSync()).toBeInstanceOf(Float64Array);
    expect(g.tensor(new Int32Array([1, 2, 3, 4]), [2, 2]).dtype).toBe('int32');
    expect(g.zeros([2, 2], { dtype: 'int64' }).dataSync()).toBeInstanceOf(BigInt64Array);
    expect(g.ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(g.full([2], 7, { dtype: 'float64' }).toArray()).toEqual([7, 7]);
    expect(g.tensor(3.5).item()).toBe(3.5);
    expect(g.device()).toBe('cpu');
    expect(g.zeros([1]).device).toBe('cpu');
  });

  it('keeps int64 values beyond 2^53 exactly, also through safetensors', () => {
    const big = 2n ** 60n + 3n;
    const t = g.tensor([big, -5n, 7], [3], { dtype: 'int64' });
    expect(t.toArray()).toEqual([big, -5, 7]);
    const back = g.parseSafetensors(g.serializeSafetensors({ num_batches_tracked: t })).tensors.get('num_batches_tracked')!;
    expect(back.dtype).toBe('int64');
    expect(Array.from<number | bigint>(back.dataSync() as BigInt64Array)).toEqual([big, -5n, 7n]);
  });

  it('makes reproducible random tensors under a seed', () => {
    g.manualSeed(42);
    const a = g.randn([1000], { dtype: 'float64' }).dataSync() as Float64Array;
    const u = g.rand([4]).dataSync();
    g.manualSeed(42);
    expect(Array.from<number | bigint>(g.randn([1000], { dtype: 'float64' }).dataSync())).toEqual(Array.from<number | bigint>(a));
    expect(Array.from<number | bigint>(g.rand([4]).dataSync())).toEqual(Array.from<number | bigint>(u));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    expect(Array.from<number | bigint>(u).every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('initialises recurrent parameters uniformly in ±1/sqrt(hidden)', () => {
    const lstm = new g.nn.LSTM({ inputSize: 7, hiddenSize: 16 });
    const bound = 1 / Math.sqrt(16);
    for (const [, p] of lstm.namedParameters()) {
      const values = Array.from(p.dataSync() as Float32Array);
      expect(Math.max(...values)).toBeLessThanOrEqual(bound);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(-bound);
      expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(bound);
    }
  });
});

describe('views and lifetime', () => {
  it('shares storage between a tensor and its views', () => {
    const t = g.tensor([[1, 2, 3], [4, 5, 6]]);
    const last = t.select(1, -1);
    expect(last.toArray()).toEqual([3, 6]);
    expect(t.transpose(0, 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(t.narrow(1, 1, 2).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(t.transpose(0, 1).reshape([6]).toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    (t.contiguousData() as Float32Array)[2] = 30;
    expect(last.toArray()).toEqual([30, 6]);
  });

  it('dispose() makes the handle unusable but keeps data other views hold', () => {
    const t = g.tensor([1, 2, 3]);
    const v = t.narrow(0, 1, 2);
    t.dispose();
    t.dispose(); // twice is fine
    expect(t.isDisposed).toBe(true);
    expect(() => t.toArray()).toThrow(TypeError);
    expect(() => t.dataSync()).toThrow(/dispose/);
    expect(v.toArray()).toEqual([2, 3]);
  });

  it('keeps what backward needs alive when the user disposes inputs after forward', () => {
    g.manualSeed(1);
    const gru = new g.nn.GRU({ inputSize: 3, hiddenSize: 4, dtype: 'float64' });
    const x = g.randn([5, 2, 3], { dtype: 'float64', requiresGrad: true });
    const reference = gru.forward(x).output;
    g.autograd.backward([reference], [g.ones([5, 2, 4], { dtype: 'float64' })]);
    const expected = gru.parameter('weight_hh_l0').grad!.dataSync();
    gru.namedParameters().forEach(([, p]) => (p.grad = null));
    const y = gru.forward(x).output;
    x.dispose();
    y.backward(g.ones([5, 2, 4], { dtype: 'float64' }));
    expect(Array.from<number | bigint>(gru.parameter('weight_hh_l0').grad!.dataSync())).toEqual(Array.from<number | bigint>(expected));
  });

  it('refuses a backward pass after a saved tensor was modified in place', () => {
    const rnn = new g.nn.RNN({ inputSize: 2, hiddenSize: 3 });
    const x = g.randn([4, 1, 2], { requiresGrad: true });
    const { h } = rnn.forward(x);
    (x.contiguousData() as Float32Array)[0] += 1;
    x.markModified();
    expect(() => h.backward(g.ones([1, 1, 3]))).toThrow(/modified in place/);
  });

  it('sends gradients through views such as output[:, -1, :]', () => {
    g.manualSeed(2);
    const lstm = new g.nn.LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true, dtype: 'float64' });
    const x = g.randn([2, 5, 2], { dtype: 'float64', requiresGrad: true });
    const { output, h } = lstm.forward(x);
    const last = output.select(1, -1);
    expect(last.toArray()).toEqual(h.select(0, 0).toArray());
    last.backward(g.ones([2, 3], { dtype: 'float64' }));
    const viaView = Array.from<number | bigint>(x.grad!.dataSync());
    x.grad = null;
    lstm.forward(x).h.backward(g.ones([1, 2, 3], { dtype: 'float64' }));
    expect(viaView).toEqual(Array.from<number | bigint>(x.grad!.dataSync()));
  });
});

describe('tidy and gradients', () => {
  it('keeps .grad made by a backward() inside tidy, so the optimizer can step outside it', () => {
    const w = g.randn([3], { requiresGrad: true });
    g.tidy(() => w.mul(2).sum().backward());
    expect(w.grad?.toArray()).toEqual([2, 2, 2]);
  });
});
