// Optimizers, learning-rate schedulers and gradient clipping against PyTorch golden runs
// (test/golden-optim/, made by scripts/make_optim_golden.py), plus state, versions and bad input.
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import { goldenNames, leaf, loadGolden, makeOptimizer, runSteps } from './optim-replay';

const assert = (fact: boolean, what: string) => expect(fact, what).toBe(true);

describe('optimizers against PyTorch', () => {
  const worst: Record<FloatDType, number> = { float64: 0, float32: 0 };
  afterAll(() => {
    console.log(`optim golden: largest relative deviation from PyTorch float64 runs: ${worst.float64.toExponential(2)} in float64 (limit 1e-6), ${worst.float32.toExponential(2)} in float32 (limit 1e-5)`);
  });

  for (const name of goldenNames()) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${name} (${dtype})`, () => {
        const golden = loadGolden(name);
        const params = golden.initial.map((values) => leaf(values, dtype));
        const error = runSteps(golden, makeOptimizer(golden, params), params, 0, golden.grads.length, assert);
        worst[dtype] = Math.max(worst[dtype], error);
      });
    }
  }

  it('saves and restores optimizer state mid-run (stateDict / loadStateDict)', () => {
    for (const name of ['adam_amsgrad', 'rmsprop_centered_momentum', 'sgd_groups']) {
      const golden = loadGolden(name);
      const params = golden.initial.map((values) => leaf(values, 'float64'));
      const first = makeOptimizer(golden, params);
      runSteps(golden, first, params, 0, 8, assert);
      const saved = first.stateDict();
      first.step(); // changes the optimizer, not the saved copy
      const resumed = golden.params[7].map((values) => leaf(values, 'float64'));
      const second = makeOptimizer({ ...golden, config: { ...golden.config, options: {} } }, resumed);
      second.loadStateDict(saved);
      expect(second.paramGroups.map((group) => group.lr)).toEqual(golden.lrs[7]);
      runSteps(golden, second, resumed, 8, golden.grads.length, assert);
    }
  });
});

describe('optimizer behaviour', () => {
  it('zeroGrad sets every grad to null and disposes the old gradients', () => {
    const a = leaf([1, 2], 'float64');
    const b = leaf([3], 'float64');
    const opt = new g.optim.SGD([a, b], { lr: 0.1 });
    const grad = g.tensor([1, 1], undefined, { dtype: 'float64' });
    a.grad = grad;
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(grad.isDisposed).toBe(true);
  });

  it('updates in place, bumps the version once per step, and skips parameters without a gradient', () => {
    const a = leaf([1, 2], 'float32');
    const b = leaf([3], 'float32');
    const before = { a: a.version, b: b.version };
    const data = a.contiguousData();
    const opt = new g.optim.SGD([a, b], { lr: 0.5 });
    a.grad = g.tensor([1, -1]);
    opt.step();
    expect(a.version).toBe(before.a + 1);
    expect(b.version).toBe(before.b);
    expect(b.toArray()).toEqual([3]);
    expect(a.contiguousData().buffer).toBe(data.buffer);
    expect(Array.from(data as Float32Array)).toEqual([0.5, 2.5]);
    expect(opt.stateDict().state).toHaveProperty('0');
    expect(opt.stateDict().state).not.toHaveProperty('1');
  });

  it('uses PyTorch defaults, per-group overrides and a mutable lr', () => {
    const a = leaf([1], 'float64');
    const b = leaf([1], 'float64');
    expect(new g.optim.SGD([a]).defaults).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false });
    expect(new g.optim.Adam([a]).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(new g.optim.AdamW([a]).defaults.weightDecay).toBe(1e-2);
    expect(new g.optim.RMSprop([a]).defaults).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    const opt = new g.optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.5 });
    expect(opt.paramGroups.map((group) => group.lr)).toEqual([0.5, 1]);
    opt.paramGroups[0].lr = 0;
    a.grad = g.tensor([1], undefined, { dtype: 'float64' });
    b.grad = g.tensor([1], undefined, { dtype: 'float64' });
    opt.step();
    expect([a.item(), b.item()]).toEqual([1, 0]);
  });

  it('trains an LSTM with gradients from backward()', () => {
    g.manualSeed(3);
    const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 4, dtype: 'float64' });
    const x = g.randn([5, 2, 3], { dtype: 'float64' });
    const target = g.randn([5, 2, 4], { dtype: 'float64' }).dataSync() as Float64Array;
    const opt = new g.optim.Adam(lstm.parameters(), { lr: 0.05 });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      const { output } = lstm.forward(x);
      const y = output.dataSync() as Float64Array;
      losses.push(y.reduce((s, v, j) => s + (v - target[j]) ** 2, 0) / y.length);
      output.backward(g.tensor(y.map((v, j) => (2 * (v - target[j])) / y.length), [...output.shape]));
      opt.step();
    }
    expect(losses[29]).toBeLessThan(0.7 * losses[0]);
  });
});

describe('schedulers', () => {
  it('StepLR and ExponentialLR follow PyTorch when called after each optimizer step', () => {
    const opt = new g.optim.SGD([leaf([1], 'float64')], { lr: 1 });
    const stepLr = new g.optim.StepLR(opt, { stepSize: 2 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      stepLr.step();
      seen.push(stepLr.getLastLr()[0]);
    }
    expect(seen).toEqual([1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1]);
    const exp = new g.optim.ExponentialLR(opt, { gamma: 0.5 });
    expect(exp.getLastLr()).toEqual([0.1 * 0.1]);
    exp.step();
    expect(opt.paramGroups[0].lr).toBe(0.1 * 0.1 * 0.5);
  });

  it('ReduceLROnPlateau takes a one-element tensor as the metric', () => {
    const opt = new g.optim.SGD([leaf([1], 'float64')], { lr: 1 });
    const plateau = new g.optim.ReduceLROnPlateau(opt, { patience: 0 });
    plateau.step(g.tensor(1));
    plateau.step(g.tensor(2));
    expect(plateau.getLastLr()).toEqual([0.1]);
  });
});

describe('clipGradNorm', () => {
  it('scales gradients, also strided ones, and returns the total norm', () => {
    const a = leaf([[0, 0], [0, 0]], 'float64');
    const b = leaf([0], 'float64');
    a.grad = g.tensor([[0, 0], [3, 0]], undefined, { dtype: 'float64' }).transpose(0, 1);
    b.grad = g.tensor([4], undefined, { dtype: 'float64' });
    const version = b.grad.version;
    expect(g.nn.utils.clipGradNorm([a, b], 1)).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(a.grad.toArray()).toEqual([[0, 3 * coef], [0, 0]]);
    expect(b.grad.toArray()).toEqual([4 * coef]);
    expect(b.grad.version).toBe(version + 1);
    expect(g.nn.utils.clipGradNorm(b, 10, Infinity)).toBe(4 * coef);
    expect(b.grad.toArray()).toEqual([4 * coef]);
    expect(g.nn.utils.clipGradNorm([leaf([1], 'float64')], 1)).toBe(0);
  });

  it('clipGradNormTensor returns the norm as a float64 tensor (on the CPU for CPU gradients) and scales alike', () => {
    const a = leaf([0, 0], 'float32');
    a.grad = g.tensor([6, 8], undefined, { dtype: 'float32' });
    const total = g.nn.utils.clipGradNormTensor([a], 2);
    expect(total.dtype).toBe('float64');
    expect(total.device).toBe('cpu');
    expect(total.item()).toBe(10);
    const coef = 2 / (10 + 1e-6);
    expect(Array.from(a.grad.dataSync() as Float32Array)).toEqual([Math.fround(6 * coef), Math.fround(8 * coef)]);
    expect(() => g.nn.utils.clipGradNormTensor([a], -1)).toThrow(/expected maxNorm to be a finite number >= 0/);
  });
});

describe('bad input', () => {
  const p = () => leaf([1, 2], 'float32');
  const loadAdamState = (state: Record<string, unknown>) => {
    const opt = new g.optim.Adam([p()]);
    opt.loadStateDict({ state: { 0: state as g.optim.ParamState }, paramGroups: opt.stateDict().paramGroups });
  };
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['lr < 0', () => new g.optim.SGD([p()], { lr: -1 }), RangeError, /expected lr to be a finite number >= 0/],
    ['lr NaN', () => new g.optim.Adam([p()], { lr: NaN }), RangeError, /expected lr /],
    ['lr string', () => new g.optim.SGD([p()], { lr: '0.1' as never }), TypeError, /expected lr /],
    ['unknown key', () => new g.optim.SGD([p()], { momentom: 0.9 } as never), TypeError, /unknown option 'momentom' in SGD options/],
    ['nesterov', () => new g.optim.SGD([p()], { nesterov: true }), RangeError, /expected nesterov /],
    ['betas range', () => new g.optim.Adam([p()], { betas: [0.9, 1] }), RangeError, /expected betas\[1\] to be a number in \[0, 1\)/],
    ['betas type', () => new g.optim.AdamW([p()], { betas: 0.9 as never }), TypeError, /expected betas /],
    ['eps', () => new g.optim.Adam([p()], { eps: -1e-8 }), RangeError, /expected eps /],
    ['weightDecay', () => new g.optim.AdamW([p()], { weightDecay: -0.1 }), RangeError, /expected weightDecay /],
    ['amsgrad', () => new g.optim.Adam([p()], { amsgrad: 1 as never }), TypeError, /expected amsgrad /],
    ['alpha', () => new g.optim.RMSprop([p()], { alpha: -1 }), RangeError, /expected alpha /],
    ['momentum', () => new g.optim.RMSprop([p()], { momentum: -1 }), RangeError, /expected momentum /],
    ['centered', () => new g.optim.RMSprop([p()], { centered: 'yes' as never }), TypeError, /expected centered /],
    ['options', () => new g.optim.SGD([p()], null as never), TypeError, /expected SGD options to be an object/],
    ['empty params', () => new g.optim.SGD([]), TypeError, /expected params to be a non-empty array/],
    ['not a tensor', () => new g.optim.SGD([p(), 3 as never]), TypeError, /expected params\[1\] to be a Tensor/],
    ['no grad', () => new g.optim.SGD([g.zeros([2])]), TypeError, /expected params\[0\] to be a tensor that requires grad/],
    ['repeated', () => { const t = p(); return new g.optim.SGD([{ params: [t] }, { params: [t] }]); }, RangeError, /expected params\[1\]\.params\[0\] /],
    ['group key', () => new g.optim.SGD([{ params: [p()], lrr: 1 } as never]), TypeError, /unknown option 'lrr' in params\[0\]/],
    ['group lr', () => new g.optim.SGD([{ params: [p()] }, { params: [p()], lr: -1 }]), RangeError, /expected params\[1\]\.lr /],
    ['grad shape', () => { const t = p(); t.grad = g.zeros([3]); new g.optim.SGD([t]).step(); }, RangeError, /expected paramGroups\[0\]\.params\[0\]\.grad to be of shape \[2\]/],
    ['grad dtype', () => { const t = p(); t.grad = g.zeros([2], { dtype: 'float64' }); new g.optim.SGD([t]).step(); }, TypeError, /expected paramGroups\[0\]\.params\[0\]\.grad to be of dtype float32/],
    ['load groups', () => new g.optim.SGD([p()]).loadStateDict({ state: {}, paramGroups: [] }), RangeError, /expected stateDict\.paramGroups /],
    ['load state key', () => loadAdamState({ expAvgg: new Float32Array(2) }), TypeError, /unknown option 'expAvgg' in stateDict\.state\[0\]/],
    ['load state size', () => loadAdamState({ expAvg: new Float32Array(5) }), RangeError, /expected stateDict\.state\[0\]\.expAvg to be a typed array of length 2/],
    ['scheduler optimizer', () => new g.optim.StepLR({} as never, { stepSize: 1 }), TypeError, /expected optimizer /],
    ['stepSize', () => new g.optim.StepLR(new g.optim.SGD([p()]), { stepSize: 0 }), RangeError, /expected stepSize /],
    ['gamma', () => new g.optim.ExponentialLR(new g.optim.SGD([p()]), {} as never), TypeError, /expected gamma /],
    ['factor', () => new g.optim.ReduceLROnPlateau(new g.optim.SGD([p()]), { factor: 1 }), RangeError, /expected factor to be a number in \[0, 1\)/],
    ['mode', () => new g.optim.ReduceLROnPlateau(new g.optim.SGD([p()]), { mode: 'mid' as never }), RangeError, /expected mode /],
    ['minLr', () => new g.optim.ReduceLROnPlateau(new g.optim.SGD([p()]), { minLr: [0, 0] }), RangeError, /expected minLr /],
    ['plateau key', () => new g.optim.ReduceLROnPlateau(new g.optim.SGD([p()]), { patient: 3 } as never), TypeError, /unknown option 'patient' in ReduceLROnPlateau options/],
    ['metric', () => new g.optim.ReduceLROnPlateau(new g.optim.SGD([p()])).step('low' as never), TypeError, /expected metric /],
    ['maxNorm', () => g.nn.utils.clipGradNorm([p()], -1), RangeError, /expected maxNorm /],
    ['normType', () => g.nn.utils.clipGradNorm([p()], 1, 0), RangeError, /expected normType /],
    ['clip params', () => g.nn.utils.clipGradNorm([3 as never], 1), TypeError, /expected params\[0\] to be a Tensor/],
  ];
  for (const [name, fn, kind, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(fn).toThrow(kind);
      expect(fn).toThrow(message);
    });
  }
});
