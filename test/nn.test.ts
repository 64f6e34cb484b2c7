// g.nn's losses and layers against PyTorch (test/golden-nn/nn.json, made by scripts/make_nn_golden.py)
// in float64 and float32, finite differences in float64, bad input, and the Module machinery:
// Sequential, user-defined modules, parameter and state_dict names, train()/eval(), chrono init.
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import { Tensor } from '../ts/tensor';
import { floats, relativeError } from './helpers';
import { Built, JsonTensor, buildLoss, buildModule, golden, replayLoss, replayModule } from './nn-replay';

const TOLERANCE: Record<FloatDType, number> = { float64: 1e-10, float32: 1e-5 };
const FD_EPSILON = 1e-6;
const FD_TOLERANCE = 1e-6;

const worst: Partial<Record<FloatDType | 'finite differences', { error: number; where: string }>> = {};

function track(dtype: FloatDType | 'finite differences', error: number, where: string): void {
  const slot = (worst[dtype] ??= { error: 0, where: '' });
  if (error > slot.error) Object.assign(slot, { error, where });
}

function check(dtype: FloatDType, where: string, actual: Tensor | null | undefined, expected: JsonTensor): void {
  expect(actual, `${where}: missing`).toBeTruthy();
  expect([...actual!.shape], `${where}: shape`).toEqual(expected.shape);
  const error = relativeError(floats(actual), expected.data);
  track(dtype, error, where);
  expect(error, where).toBeLessThanOrEqual(TOLERANCE[dtype]);
}

// ---------------------------------------------------------------------------------------------------
// Replaying the PyTorch cases.

describe.each(['float64', 'float32'] as const)('golden (%s)', (dtype) => {
  const compare = (where: string, actual: Tensor | null | undefined, expected: JsonTensor) => check(dtype, where, actual, expected);
  const assert = (fact: boolean, what: string) => expect(fact, what).toBe(true);
  it.each(golden.losses.map((c) => [c.name, c] as const))('loss %s', (_, c) => replayLoss(c, dtype, 'cpu', compare));
  it.each(golden.modules.map((c) => [c.name, c] as const))('module %s', (_, c) => replayModule(c, dtype, 'cpu', compare, assert));
});

describe('golden file', () => {
  it('covers every loss variant and module', () => {
    const fns = new Set(golden.losses.map((c) => c.fn));
    expect([...fns].sort()).toEqual(['bceWithLogits', 'binaryCrossEntropy', 'crossEntropy', 'mseLoss', 'nllLoss']);
    for (const fn of ['crossEntropy', 'nllLoss']) {
      const cases = golden.losses.filter((c) => c.fn === fn);
      expect(new Set(cases.map((c) => c.options.reduction)).size).toBe(3);
      // ignoreIndex hits some rows but not all
      for (const c of cases.filter((k) => k.options.ignoreIndex !== undefined)) {
        const hits = c.target.data.filter((t) => t === c.options.ignoreIndex).length;
        expect(hits).toBeGreaterThan(0);
        expect(hits).toBeLessThan(c.target.data.length);
      }
      expect(cases.some((k) => k.weight && k.options.ignoreIndex !== undefined)).toBe(true);
      expect(cases.some((k) => k.target.data.includes(-100))).toBe(true);
    }
    const modules = new Set(golden.modules.map((c) => c.module));
    expect(modules.size).toBe(7);
    expect(golden.modules.filter((c) => c.module === 'BatchNorm1d' && c.train && c.stateAfter).length).toBeGreaterThanOrEqual(2);
  });
});

// ---------------------------------------------------------------------------------------------------
// Finite differences (float64): central differences of Σ output · R against the analytic gradients.

function finiteDifferenceErrors(built: Built): Map<string, number> {
  const { leaves, run, module } = built;
  const first = run();
  const keys = Object.keys(first);
  g.manualSeed(99);
  const weights = keys.map((k) => g.randn([...first[k].shape], { dtype: 'float64' }));
  g.autograd.backward(keys.map((k) => first[k]), weights);
  const weightData = weights.map((w) => w.dataSync() as Float64Array);
  const objective = () => g.noGrad(() => {
    const out = run();
    return keys.reduce((acc, k, i) => {
      const values = out[k].dataSync() as Float64Array;
      return acc + values.reduce((s, v, j) => s + v * weightData[i][j], 0);
    }, 0);
  });
  const errors = new Map<string, number>();
  for (const [name, leaf] of leaves) {
    const analytic = floats(leaf.grad);
    const data = leaf.contiguousData() as Float64Array;
    const numeric = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const saved = data[i];
      data[i] = saved + FD_EPSILON;
      leaf.markModified();
      const plus = objective();
      data[i] = saved - FD_EPSILON;
      leaf.markModified();
      const minus = objective();
      data[i] = saved;
      leaf.markModified();
      numeric[i] = (plus - minus) / (2 * FD_EPSILON);
    }
    // Embedding's padding row is read by the forward pass but gets no gradient by design (as in PyTorch).
    if (module instanceof g.nn.Embedding && module.paddingIdx !== null && leaf === module.weight) {
      const width = module.embeddingDim;
      numeric.fill(0, module.paddingIdx * width, (module.paddingIdx + 1) * width);
    }
    errors.set(name, relativeError(analytic, numeric));
  }
  return errors;
}

describe('finite differences (float64)', () => {
  it.each(golden.losses.map((c) => [c.name, c] as const))('loss %s', (_, c) => {
    const errors = finiteDifferenceErrors(buildLoss(c, 'float64'));
    expect(errors.size).toBe(1);
    for (const [key, error] of errors) {
      track('finite differences', error, `${c.name} ${key}`);
      expect(error, `${c.name} ${key}`).toBeLessThanOrEqual(FD_TOLERANCE);
    }
  });

  it.each(golden.modules.map((c) => [c.name, c] as const))('module %s', (_, c) => {
    const errors = finiteDifferenceErrors(buildModule(c, 'float64'));
    expect(errors.size).toBeGreaterThanOrEqual(1);
    for (const [key, error] of errors) {
      track('finite differences', error, `${c.name} ${key}`);
      expect(error, `${c.name} ${key}`).toBeLessThanOrEqual(FD_TOLERANCE);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Bad input.

describe('errors', () => {
  const F = g.nn.functional;
  const f64 = { dtype: 'float64' as const };
  const logits = () => g.randn([3, 4], f64);
  const labels = (values: number[]) => g.tensor(values, [values.length], { dtype: 'int64' });

  it('a class index out of range names target[i]', () => {
    expect(() => F.crossEntropy(logits(), labels([0, 4, 1]))).toThrow(/target\[1\]/);
    expect(() => F.crossEntropy(logits(), labels([0, 1, -1]))).toThrow(/target\[2\]/);
    expect(() => F.nllLoss(logits(), labels([7, 1, 1]))).toThrow(/target\[0\]/);
    expect(() => F.crossEntropy(logits(), labels([0, 4, 1]))).toThrow(RangeError);
    // ignoreIndex itself is not out of range, even when it is not a class
    expect(() => F.crossEntropy(logits(), labels([0, -100, 1]))).not.toThrow();
    expect(() => F.crossEntropy(logits(), labels([0, 9, 1]), { ignoreIndex: 9 })).not.toThrow();
    expect(() => F.crossEntropy(logits(), g.tensor([0, 4, 1], [3], { dtype: 'int32' }))).toThrow(/target\[1\]/);
  });

  it('a wrong target dtype', () => {
    expect(() => F.crossEntropy(logits(), g.tensor([0, 1, 2], [3], f64))).toThrow(TypeError);
    expect(() => F.crossEntropy(logits(), g.tensor([0, 1, 2], [3], f64))).toThrow(/target.*int64/);
    expect(() => F.nllLoss(logits(), g.tensor([0, 1, 2], [3], { dtype: 'float32' }))).toThrow(/target/);
    expect(() => F.mseLoss(logits(), g.randn([3, 4], { dtype: 'float32' }))).toThrow(TypeError);
    expect(() => F.mseLoss(logits(), g.randn([3, 4], { dtype: 'float32' }))).toThrow(/target.*float64/);
    expect(() => F.binaryCrossEntropy(g.rand([3], f64), g.tensor([0, 1, 0], [3], { dtype: 'int64' }))).toThrow(/target/);
    expect(() => F.bceWithLogits(g.rand([3], f64), g.rand([3], { dtype: 'float32' }))).toThrow(/target/);
  });

  it('mismatched shapes', () => {
    expect(() => F.crossEntropy(logits(), labels([0, 1]))).toThrow(/target.*\[3\]/);
    // rank-1 input (one sample) needs a rank-0 target, as in PyTorch
    expect(() => F.crossEntropy(g.randn([4], f64), labels([0]))).toThrow(/target.*rank-0/);
    const single = g.randn([4], f64);
    const batched = F.crossEntropy(single.reshape([1, 4]), labels([2])).item();
    expect(F.crossEntropy(single, g.tensor(2n, [], { dtype: 'int64' })).item()).toBeCloseTo(batched, 12);
    expect(() => F.nllLoss(g.randn([4], f64), labels([0]))).toThrow(/input.*rank-2/);
    expect(() => F.crossEntropy(logits(), labels([0, 1, 2]), { weight: g.ones([3], f64) })).toThrow(/options\.weight/);
    expect(() => F.mseLoss(logits(), g.randn([4, 3], f64))).toThrow(RangeError);
    expect(() => F.mseLoss(logits(), g.randn([4, 3], f64))).toThrow(/target.*\[3, 4\].*\[4, 3\]/);
    expect(() => F.binaryCrossEntropy(g.rand([2, 3], f64), g.rand([3, 2], f64))).toThrow(/target/);
    expect(() => F.binaryCrossEntropy(g.rand([2, 3], f64), g.rand([2, 3], f64), { weight: g.ones([3], f64) })).toThrow(/options\.weight/);
    expect(() => F.bceWithLogits(g.rand([2, 3], f64), g.rand([6], f64))).toThrow(/target/);
    expect(() => new g.nn.Linear(3, 2, f64).forward(g.randn([4, 2], f64))).toThrow(/input.*3/);
    expect(() => new g.nn.Embedding(5, 2, f64).forward(labels([0, 5]))).toThrow(/indices/);
    expect(() => new g.nn.Embedding(5, 2, f64).forward(g.tensor([0, 1], [2], f64))).toThrow(/indices/);
    expect(() => new g.nn.LayerNorm([2, 3], f64).forward(g.randn([4, 3, 2], f64))).toThrow(/input.*\[2, 3\]/);
    expect(() => new g.nn.BatchNorm1d(4, f64).forward(g.randn([8, 3], f64))).toThrow(/input/);
    expect(() => new g.nn.BatchNorm1d(4, f64).forward(g.randn([8], f64))).toThrow(/input/);
    const cell = new g.nn.LSTMCell(4, 3, f64);
    expect(() => cell.forward(g.randn([2, 5], f64))).toThrow(/input/);
    expect(() => cell.forward(g.randn([2, 4], f64), { h: g.randn([3, 3], f64), c: g.randn([2, 3], f64) })).toThrow(/\bh\b.*\[2, 3\]/);
    expect(() => cell.forward(g.randn([2, 4], f64), { h: g.randn([2, 3], f64), c: g.randn([3], f64) })).toThrow(/\bc\b/);
    expect(() => cell.forward(g.randn([4], f64), { h: g.randn([1, 3], f64) })).toThrow(/\bh\b.*\[3\]/);
    expect(() => cell.forward(g.randn([2, 4], { dtype: 'float32' }))).toThrow(/input.*float64/);
    expect(() => new g.nn.GRUCell(4, 3, f64).forward(g.randn([2, 4], f64), g.randn([2, 3], { dtype: 'float32' }))).toThrow(/\bh\b.*float64/);
  });

  it('BatchNorm1d in training mode needs more than one value per channel', () => {
    const bn = new g.nn.BatchNorm1d(4, f64);
    expect(() => bn.forward(g.randn([1, 4], f64))).toThrow(/more than one value per channel/);
    expect(() => bn.forward(g.randn([1, 4, 1], f64))).toThrow(/more than one value per channel/);
    expect(bn.num_batches_tracked!.item()).toBe(0); // nothing was updated
    expect(() => bn.forward(g.randn([1, 4, 2], f64))).not.toThrow();
    bn.eval();
    expect(() => bn.forward(g.randn([1, 4], f64))).not.toThrow();
  });

  it('bad options name the option', () => {
    const x = logits();
    const t = labels([0, 1, 2]);
    expect(() => F.mseLoss(x, g.randn([3, 4], f64), { reduction: 'avg' as never })).toThrow(/options\.reduction/);
    expect(() => F.crossEntropy(x, t, { reduction: 'average' as never })).toThrow(/options\.reduction/);
    expect(() => F.crossEntropy(x, t, { ignore_index: 1 } as never)).toThrow(/'ignore_index'/);
    expect(() => F.nllLoss(x, t, { label_smoothing: 0.1 } as never)).toThrow(/'label_smoothing'/);
    expect(() => F.bceWithLogits(g.rand([3], f64), g.rand([3], f64), { posWeight: -1 })).toThrow(/options\.posWeight/);
    expect(() => F.bceWithLogits(g.rand([3], f64), g.rand([3], f64), { posWeight: g.ones([3], f64) as never })).toThrow(/options\.posWeight/);
    expect(() => F.bceWithLogits(g.rand([3], f64), g.rand([3], f64), { pos_weight: 2 } as never)).toThrow(/'pos_weight'/);
    expect(() => F.binaryCrossEntropy(g.tensor([0.5, 1.5], [2], f64), g.rand([2], f64))).toThrow(/input element 1/);
    expect(() => new g.nn.Linear(3, 2, { bais: true } as never)).toThrow(/'bais'/);
    expect(() => new g.nn.Linear(3, 2, { bias: 1 } as never)).toThrow(/bias/);
    expect(() => new g.nn.Linear(0, 2)).toThrow(/inFeatures/);
    expect(() => new g.nn.Linear(3, 2, { dtype: 'int32' as never })).toThrow(/dtype/);
    expect(() => new g.nn.Embedding(7, 3, { paddingIdx: 7 })).toThrow(/paddingIdx/);
    expect(() => new g.nn.Embedding(7, 3, { padding_idx: 1 } as never)).toThrow(/'padding_idx'/);
    expect(() => new g.nn.LayerNorm([6], { eps: -1 })).toThrow(/eps/);
    expect(() => new g.nn.LayerNorm([6], { elementwise_affine: false } as never)).toThrow(/'elementwise_affine'/);
    expect(() => new g.nn.LayerNorm([6, 0])).toThrow(/normalizedShape\[1\]/);
    expect(() => new g.nn.BatchNorm1d(4, { momentum: 2 })).toThrow(/momentum/);
    expect(() => new g.nn.BatchNorm1d(4, { affine: 'yes' as never })).toThrow(/affine/);
    expect(() => new g.nn.RNNCell(3, 2, { nonlinearity: 'sigmoid' as never })).toThrow(/nonlinearity/);
    expect(() => new g.nn.GRUCell(3, 2, { resetAfter: 'yes' as never })).toThrow(/resetAfter/);
    expect(() => new g.nn.LSTMCell(3, 2, { hidden: 2 } as never)).toThrow(/'hidden'/);
    expect(() => new g.nn.Dropout(1.5)).toThrow(/\bp\b/);
    expect(() => g.nn.init.chrono(new g.nn.LSTMCell(3, 2), { maxLength: 2 })).toThrow(/maxLength/);
    const linear = new g.nn.Linear(3, 2, f64);
    expect(() => linear.loadStateDict({ weight: g.zeros([2, 4], f64), bias: g.zeros([2], f64) })).toThrow(/stateDict\['weight'\].*\[2, 3\]/);
    expect(() => linear.loadStateDict({ weight: g.zeros([2, 3], f64) })).toThrow(/missing key 'bias'/);
    expect(() => linear.loadStateDict({ weight: g.zeros([2, 3]), bias: g.zeros([2]) })).toThrow(/stateDict\['weight'\].*float64/);
    expect(() => linear.loadStateDict(linear.stateDict(), { strict: 1 } as never)).toThrow(/strict/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Modules: Sequential, user-defined modules, names, modes, initialisation.

class Relu extends g.nn.Module {
  forward(x: Tensor): Tensor {
    return g.relu(x);
  }
}

/** Mirrors Net in scripts/make_nn_golden.py. */
class Net extends g.nn.Module {
  readonly embed = new g.nn.Embedding(10, 4, { paddingIdx: 0, dtype: 'float64' });
  readonly cell = new g.nn.LSTMCell(4, 5, { dtype: 'float64' });
  readonly norm = new g.nn.BatchNorm1d(5, { dtype: 'float64' });
  readonly head = new g.nn.Sequential(new g.nn.Linear(5, 6, { dtype: 'float64' }), new Relu(), new g.nn.Linear(6, 3, { bias: false, dtype: 'float64' }));
  readonly scale = g.nn.Parameter(g.ones([3], { dtype: 'float64' }));

  forward(indices: Tensor): Tensor {
    const x = this.embed.forward(indices);
    const { h } = this.cell.forward(x, this.cell.forward(x)); // two steps, so weight_hh matters
    return g.mul(this.head.forward(this.norm.forward(h)), this.scale);
  }
}

/** x W^T + b by hand. */
function affine(x: Float64Array, rows: number, weight: Tensor, bias: Tensor | null): Float64Array {
  const [out, inp] = weight.shape;
  const w = floats(weight);
  const b = bias ? floats(bias) : new Float64Array(out);
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let acc = b[o];
      for (let i = 0; i < inp; i++) acc += x[r * inp + i] * w[o * inp + i];
      y[r * out + o] = acc;
    }
  }
  return y;
}

describe('modules', () => {
  const f64 = { dtype: 'float64' as const };

  it('Sequential runs its layers in order and names them like PyTorch', () => {
    g.manualSeed(3);
    const first = new g.nn.Linear(3, 4, f64);
    const last = new g.nn.Linear(4, 2, f64);
    const model = new g.nn.Sequential(first, new Relu(), last);
    expect(model.length).toBe(3);
    expect(model.at(0)).toBe(first);
    expect(model.namedParameters().map(([n]) => n)).toEqual(golden.structure.sequential.parameters);
    expect(Object.keys(model.stateDict())).toEqual(golden.structure.sequential.stateDict);
    expect(model.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2']);
    expect(model.parameter('2.weight')).toBe(last.weight);

    const x = g.randn([5, 3], { dtype: 'float64', requiresGrad: true });
    const y = model.forward(x);
    const hidden = affine(floats(x), 5, first.weight, first.bias).map((v) => Math.max(v, 0));
    const expected = affine(hidden, 5, last.weight, last.bias);
    expect(y.shape).toEqual([5, 2]);
    expect(relativeError(floats(y), expected)).toBeLessThan(1e-14);
    g.sum(y).backward();
    for (const [name, p] of model.namedParameters()) expect(p.grad, name).not.toBeNull();
    expect(x.grad).not.toBeNull();

    // a larger Sequential keeps numeric order past 9
    const many = new g.nn.Sequential(...Array.from({ length: 12 }, () => new g.nn.Linear(2, 2, f64)));
    expect(many.namedParameters().map(([n]) => n).filter((n) => n.endsWith('weight'))).toEqual(Array.from({ length: 12 }, (_, i) => `${i}.weight`));
    expect(() => new g.nn.Sequential({} as never)).toThrow(/layers\[0\]/);
  });

  it('a user-defined module finds its submodules and parameters in PyTorch order', () => {
    g.manualSeed(4);
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(golden.structure.net.parameters);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(golden.structure.net.buffers);
    expect(Object.keys(net.stateDict())).toEqual(golden.structure.net.stateDict);
    expect(net.children()).toHaveLength(4);
    expect(net.parameters()).toHaveLength(golden.structure.net.parameters.length);

    // forward and backward reach every parameter
    const indices = g.tensor([1, 4, 0, 9], [4], { dtype: 'int64' });
    const out = net.forward(indices);
    expect(out.shape).toEqual([4, 3]);
    g.sum(g.square(out)).backward();
    for (const [name, p] of net.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      expect(floats(p.grad).some((v) => v !== 0), name).toBe(true);
    }
    expect(net.norm.num_batches_tracked!.item()).toBe(1);

    // the state dict round-trips into a fresh copy, buffers included
    g.manualSeed(5);
    const copy = new Net();
    expect(copy.loadStateDict(net.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [name, t] of Object.entries(copy.stateDict())) {
      expect(Array.from(t.dataSync() as Float64Array), name).toEqual(Array.from(net.stateDict()[name].dataSync() as Float64Array));
    }
    net.eval();
    copy.eval();
    expect(floats(copy.forward(indices))).toEqual(floats(net.forward(indices)));
  });

  it('train() and eval() reach every submodule; Dropout is the identity in eval mode', () => {
    g.manualSeed(6);
    const dropout = new g.nn.Dropout(0.5);
    const inner = new g.nn.Sequential(new g.nn.Linear(8, 8, f64), dropout);
    const outer = new g.nn.Sequential(inner, new Relu(), new g.nn.BatchNorm1d(8, f64));
    const all = (m: g.nn.Module): g.nn.Module[] => m.modules();
    expect(all(outer)).toHaveLength(6);
    expect(all(outer)[0]).toBe(outer);
    expect(all(outer)[1]).toBe(inner);
    expect(all(outer)[3]).toBe(dropout);
    expect(all(outer).every((m) => m.training)).toBe(true);
    expect(outer.eval()).toBe(outer);
    expect(all(outer).every((m) => !m.training)).toBe(true);

    const x = g.randn([16, 8], f64);
    expect(floats(dropout.forward(x))).toEqual(floats(x));
    outer.train();
    expect(all(outer).every((m) => m.training)).toBe(true);
    const dropped = floats(dropout.forward(x));
    const original = floats(x);
    const zeros = dropped.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(20);
    expect(zeros).toBeLessThan(108);
    dropped.forEach((v, i) => {
      if (v !== 0) expect(v).toBeCloseTo(2 * original[i], 12);
    });
    outer.train(false);
    expect(all(outer).every((m) => !m.training)).toBe(true);
    expect(() => outer.train('yes' as never)).toThrow(/mode/);
  });

  it('init.chrono sets LSTM forget biases in [log 1, log(T-1)] and input biases to their negatives', () => {
    const T = 10;
    const H = 5;
    const checkPair = (bi: Float64Array, bh: Float64Array, before: { bi: Float64Array; bh: Float64Array }, isLstm: boolean) => {
      for (let j = 0; j < H; j++) {
        const forget = bi[H + j];
        expect(forget).toBeGreaterThanOrEqual(0);
        expect(forget).toBeLessThanOrEqual(Math.log(T - 1) + 1e-7);
        expect(bh[H + j]).toBe(0);
        if (isLstm) {
          expect(bi[j]).toBe(-forget);
          expect(bh[j]).toBe(0);
        } else {
          expect(bi[j]).toBe(before.bi[j]);
          expect(bh[j]).toBe(before.bh[j]);
        }
      }
      // the other gates are untouched
      for (let j = 2 * H; j < bi.length; j++) {
        expect(bi[j]).toBe(before.bi[j]);
        expect(bh[j]).toBe(before.bh[j]);
      }
    };
    g.manualSeed(7);
    for (const dtype of ['float64', 'float32'] as const) {
      const cells = [new g.nn.LSTMCell(3, H, { dtype }), new g.nn.GRUCell(3, H, { dtype })];
      for (const cell of cells) {
        const before = { bi: floats(cell.bias_ih), bh: floats(cell.bias_hh) };
        const version = cell.bias_ih!.version;
        g.nn.init.chrono(cell, { maxLength: T });
        expect(cell.bias_ih!.version).toBeGreaterThan(version);
        checkPair(floats(cell.bias_ih), floats(cell.bias_hh), before, cell instanceof g.nn.LSTMCell);
      }
    }
    const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, dtype: 'float64' });
    const named = new Map(lstm.namedParameters());
    const befores = new Map([...named].map(([n, p]) => [n, floats(p)]));
    g.nn.init.chrono(lstm, { maxLength: T });
    const inputBiases = [...named.keys()].filter((n) => n.startsWith('bias_ih'));
    expect(inputBiases).toHaveLength(4);
    const forgets: number[] = [];
    for (const name of inputBiases) {
      const hhName = name.replace('bias_ih', 'bias_hh');
      checkPair(floats(named.get(name)), floats(named.get(hhName)), { bi: befores.get(name)!, bh: befores.get(hhName)! }, true);
      forgets.push(...floats(named.get(name)).slice(H, 2 * H));
    }
    expect(new Set(forgets).size).toBe(forgets.length); // drawn, not constant
    expect(() => g.nn.init.chrono(new g.nn.LSTMCell(3, 2, { bias: false }), { maxLength: 5 })).toThrow(/bias/);
    expect(() => g.nn.init.chrono(new g.nn.Linear(3, 2) as never, { maxLength: 5 })).toThrow(/module/);
  });
});

afterAll(() => {
  const parts = (['float64', 'float32', 'finite differences'] as const)
    .filter((d) => worst[d])
    .map((d) => `${d} ${worst[d]!.error.toExponential(2)} (${worst[d]!.where})`);
  if (parts.length > 0) console.log(`nn golden: largest relative error: ${parts.join('; ')}`);
});

describe('fixes found by review', () => {
  const F = g.nn.functional;
  it('lists a tied parameter once, under its first name, and can optimise it', () => {
    class Tied extends g.nn.Module {
      a = new g.nn.Linear(2, 2);
      b = this.a;
    }
    const tied = new Tied();
    expect(tied.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias']);
    expect(() => new g.optim.SGD(tied.parameters(), { lr: 0.1 })).not.toThrow();
    expect(Object.keys(tied.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  });

  it('rejects a non-integer ignoreIndex', () => {
    const x = g.randn([3, 4], { dtype: 'float64' });
    const y = g.tensor([0, 1, 2], undefined, { dtype: 'int64' });
    expect(() => F.crossEntropy(x, y, { ignoreIndex: 1.5 })).toThrow(/options\.ignoreIndex/);
    expect(() => F.crossEntropy(x, y, { ignoreIndex: '2' as unknown as number })).toThrow(TypeError);
  });

  it('sends gradients to the target of both binary cross entropies (finite differences)', () => {
    for (const [loss, input] of [
      [F.binaryCrossEntropy, g.rand([2, 3], { dtype: 'float64' }).mul(0.8).add(0.1)],
      [F.bceWithLogits, g.randn([2, 3], { dtype: 'float64' })],
    ] as const) {
      const target = g.rand([2, 3], { dtype: 'float64', requiresGrad: true });
      const options = loss === F.bceWithLogits ? { posWeight: 2 } : {};
      loss(input, target, options).backward();
      const data = target.contiguousData() as Float64Array;
      const analytic = Array.from(target.grad!.dataSync() as Float64Array);
      analytic.forEach((a, i) => {
        const original = data[i];
        data[i] = original + 1e-6;
        const plus = g.noGrad(() => loss(input, target, options).item());
        data[i] = original - 1e-6;
        const minus = g.noGrad(() => loss(input, target, options).item());
        data[i] = original;
        expect(Math.abs((plus - minus) / 2e-6 - a)).toBeLessThan(1e-7);
      });
    }
  });

  it('rejects null options with a TypeError naming them', () => {
    expect(() => new g.nn.Linear(3, 2, null as never)).toThrow(/Linear options/);
    expect(() => new g.nn.LayerNorm(3, null as never)).toThrow(/LayerNorm options/);
  });

  it('names the module dtype when a norm layer gets another dtype', () => {
    expect(() => new g.nn.LayerNorm(3, { dtype: 'float64' }).forward(g.randn([2, 3]))).toThrow(/LayerNorm's dtype/);
    expect(() => new g.nn.BatchNorm1d(3).forward(g.randn([2, 3], { dtype: 'float64' }))).toThrow(/BatchNorm1d's dtype/);
  });
});

describe('nllLoss with ignored rows', () => {
  it('gives those rows 0 even where their log-probabilities are -Infinity, and no gradient', () => {
    const logp = g.tensor([[-Infinity, -1], [-0.5, -2], [-Infinity, -Infinity]], undefined, { requiresGrad: true });
    const target = g.tensor([-100, 1, -100], undefined, { dtype: 'int64' });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const loss = g.nn.functional.nllLoss(logp, target, { reduction });
      const expected = reduction === 'none' ? [0, 2, 0] : [2];
      expect(Array.from(loss.dataSync() as Float32Array)).toEqual(expected);
      logp.grad = null;
      loss.sum().backward();
      expect(Array.from(logp.grad!.dataSync() as Float32Array)).toEqual([0, 0, 0, -1, 0, 0]);
    }
  });
});
