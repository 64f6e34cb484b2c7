// Tensor ops against PyTorch (test/golden-ops/ops.json, made by scripts/make_ops_golden.py): every
// case replayed in float64 (≤ 1e-10) through the functions (g.add(a, b)) and, where the op is a
// tensor method, through the methods (a.add(b)); every differentiable case again in float32
// (≤ 1e-5); central finite differences in float64 on fresh random inputs; error messages, g.tidy,
// bool results and gradient accumulation.
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { DType, FloatDType } from '../ts/dtype';
import { Tensor } from '../ts/tensor';
import { relativeError } from './helpers';
import { Arg, Form, GoldenTensor, OpCase, TOLERANCE, asNumbers, cases, differentiable, functions, hasMethod, makeInputs, run } from './ops-replay';

const FD_EPSILON = 1e-6;
const FD_TOLERANCE = 1e-6;

// ---------------------------------------------------------------------------------------------
// Largest errors seen, printed at the end

const worst: Record<string, { error: number; where: string }> = {};
function note(kind: string, error: number, where: string): void {
  const slot = (worst[kind] ??= { error: 0, where: '' });
  if (error > slot.error || !slot.where) Object.assign(slot, { error, where });
}

afterAll(() => {
  const parts = Object.entries(worst).map(([k, { error, where }]) => `${k} ${error.toExponential(2)} (${where})`);
  console.log(`ops: largest relative errors: ${parts.join('; ')}`);
});

/** Replays case c and checks the output and every gradient; returns the number of comparisons. */
function check(c: OpCase, form: Form, dtype: FloatDType): number {
  const tol = TOLERANCE[dtype];
  const kind = form === 'method' ? `${dtype} (methods)` : dtype;
  const { out, tensors } = run(c, form, dtype);
  const expectedDType: DType = c.output.dtype === 'float64' ? dtype : c.output.dtype;
  expect(out.dtype, `${c.name}: output dtype`).toBe(expectedDType);
  expect([...out.shape], `${c.name}: output shape`).toEqual(c.output.shape);
  const actual = asNumbers(out.dataSync());
  const expected = asNumbers(c.output.data);
  if (c.output.dtype === 'float64') {
    const error = relativeError(actual, expected);
    note(kind, error, `${c.name} output`);
    expect(error, `${c.name}: output`).toBeLessThanOrEqual(tol);
  } else {
    expect(actual, `${c.name}: output values`).toEqual(expected);
  }
  if (c.grad_output === null) return 1;
  expect(out.requiresGrad, `${c.name}: output requires gradients`).toBe(true);
  out.backward(g.tensor(c.grad_output, [...out.shape], { dtype: out.dtype }));
  for (const [name, grad] of Object.entries(c.grads)) {
    const t = tensors.get(name)!;
    const got = t.grad ? asNumbers(t.grad.dataSync()) : new Array<number>(grad.length).fill(0);
    if (t.grad) {
      expect([...t.grad.shape], `${c.name}: ${name}.grad shape`).toEqual([...t.shape]);
      expect(t.grad.dtype, `${c.name}: ${name}.grad dtype`).toBe(t.dtype);
    }
    const error = relativeError(got, grad);
    note(kind, error, `${c.name} ${name}.grad`);
    expect(error, `${c.name}: ${name}.grad`).toBeLessThanOrEqual(tol);
  }
  return 1 + Object.keys(c.grads).length;
}

// ---------------------------------------------------------------------------------------------

describe('golden file', () => {
  it('covers every op, with gradients for every differentiable one', () => {
    const ops = new Set<string>();
    const walk = (a: Arg): void => {
      if (Array.isArray(a)) a.forEach(walk);
      else if (a !== null && typeof a === 'object' && 'call' in a) {
        ops.add(a.call);
        a.args.forEach(walk);
      }
    };
    cases.forEach((c) => walk({ call: c.op, args: c.args }));
    const all = 'add sub mul div neg exp log sigmoid tanh relu abs sqrt rsqrt square eq ne gt ge lt le maskedFill sum mean max argmax softmax logSoftmax norm cat stack matmul linear embedding dropout toDType select narrow transpose reshape unsqueeze squeeze permute flatten'.split(' ');
    expect(all.filter((op) => !ops.has(op))).toEqual([]);
    const withGrads = new Set(differentiable.map((c) => c.op));
    const valueOnly = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'argmax']);
    expect(all.filter((op) => !valueOnly.has(op) && !withGrads.has(op))).toEqual([]);
    expect(all.every((op) => typeof functions[op] === 'function')).toBe(true);
  });
});

describe('matrix products over several blocks of K', () => {
  // K = 600 spans three of the packed path's K blocks: the first starts each tile of the output
  // (fresh, or from linear's bias), the later ones add to it. Every GEMM path and instruction set,
  // against a plain double-precision loop.
  const M = 13, K = 600, N = 37;
  const random = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 0.5);
  const a = random(M * K, 1), w = random(N * K, 2), bias = random(N, 3);
  const expected = new Float64Array(M * N); // a w^T + bias
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = bias[j];
      for (let p = 0; p < K; p++) sum += a[i * K + p] * w[j * K + p];
      expected[i * N + j] = sum;
    }
  }
  const isas = g.backend.kernelVariants('isa').filter((v) => v !== 'auto');
  const cases = ['packed', 'rows', 'reference'].flatMap((path) => isas.flatMap((isa) => (['float64', 'float32'] as const).map((dtype) => [path, isa, dtype] as const)));
  it.each(cases)('gemm %s, isa %s, %s', (path, isa, dtype) => {
    g.backend.setKernel('gemm', path);
    g.backend.setKernel('isa', isa);
    try {
      const x = g.tensor(a, [M, K], { dtype }), weight = g.tensor(w, [N, K], { dtype }), b = g.tensor(bias, [N], { dtype });
      const tolerance = dtype === 'float64' ? 1e-12 : 1e-5;
      expect(relativeError(g.linear(x, weight, b).dataSync() as Float64Array, expected)).toBeLessThan(tolerance);
      const withoutBias = expected.map((v, k) => v - bias[k % N]);
      expect(relativeError(g.matmul(x, weight.transpose(0, 1)).dataSync() as Float64Array, withoutBias)).toBeLessThan(tolerance);
    } finally {
      g.backend.setKernel('gemm', 'auto');
      g.backend.setKernel('isa', isas[isas.length - 1]);
    }
  });
});

describe('ops against PyTorch (float64, functions)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(check(c, 'function', 'float64')).toBeGreaterThanOrEqual(1);
  });
});

describe('ops against PyTorch (float64, tensor methods)', () => {
  // Cases whose first argument is a tensor (an input or a nested call) and whose op is a method.
  const firstIsTensor = (a: Arg) => a !== null && typeof a === 'object' && !Array.isArray(a) && ('t' in a || 'call' in a);
  const withMethods = cases.filter((c) => hasMethod(c.op) && firstIsTensor(c.args[0]));
  it('uses methods for most cases', () => {
    expect(withMethods.length).toBeGreaterThan(cases.length / 2);
  });
  it.each(withMethods.map((c) => [c.name, c] as const))('%s', (_, c) => {
    check(c, 'method', 'float64');
  });
  it('calls every op that has a method as a method', () => {
    const used = new Set<string>();
    for (const c of withMethods) run(c, 'method', 'float64').used.forEach((op) => used.add(op));
    for (const op of ['add', 'sub', 'mul', 'div', 'exp', 'sum', 'mean', 'max', 'argmax', 'softmax', 'logSoftmax', 'norm', 'matmul', 'select', 'narrow', 'transpose', 'reshape', 'permute', 'toDType']) {
      expect(used.has(op), op).toBe(true);
    }
  });
});

describe('ops against PyTorch (float32)', () => {
  it.each(differentiable.map((c) => [c.name, c] as const))('%s', (_, c) => {
    check(c, 'function', 'float32');
  });
});

// ---------------------------------------------------------------------------------------------
// Finite differences on fresh inputs

describe('finite differences (float64, fresh random inputs)', () => {
  // Left out: rounding to float32 (no useful finite difference at eps 1e-6), and softmax of large
  // logits, whose gradients (down to 1e-20) are below the finite differences' rounding noise.
  const fdCases = differentiable.filter((c) => !JSON.stringify(c.args).includes('"float32"') && c.name !== 'softmax large logits');
  it.each(fdCases.map((c, i) => [c.name, c, i] as const))('%s', (_, c, i) => {
    g.manualSeed(1000 + i);
    const fresh = (spec: GoldenTensor) => {
      const opts = { dtype: 'float64' as const, requiresGrad: true };
      return spec.domain === 'positive' ? g.uniform(spec.shape, 0.5, 2, opts) : g.randn(spec.shape, opts);
    };
    const tensors = makeInputs(c, 'float64', fresh);
    const { out } = run(c, 'function', 'float64', tensors);
    const weights = g.randn([...out.shape], { dtype: 'float64' });
    const w = weights.dataSync() as Float64Array;
    const forward = () => g.noGrad(() => run(c, 'function', 'float64', tensors).out.dataSync() as Float64Array);
    out.backward(weights);
    for (const name of Object.keys(c.grads)) {
      const t = tensors.get(name)!;
      const data = t.contiguousData() as Float64Array;
      const numeric = new Float64Array(data.length);
      for (let k = 0; k < data.length; k++) {
        const original = data[k];
        data[k] = original + FD_EPSILON;
        const plus = forward();
        data[k] = original - FD_EPSILON;
        const minus = forward();
        data[k] = original;
        // Σ (y+ − y−)·w, differenced element-wise so that large constant outputs (a fill of -1e9)
        // cancel exactly.
        numeric[k] = plus.reduce((s, v, j) => s + (v - minus[j]) * w[j], 0) / (2 * FD_EPSILON);
      }
      if (c.op === 'embedding' && typeof c.args[2] === 'number') {
        // PyTorch's padding_idx: the padding row is looked up but gets no gradient.
        const [rows, width] = t.shape;
        const pad = (c.args[2] + rows) % rows;
        numeric.fill(0, pad * width, (pad + 1) * width);
      }
      const analytic = t.grad ? (t.grad.dataSync() as Float64Array) : new Float64Array(data.length);
      const error = relativeError(analytic, numeric);
      note('finite differences', error, `${c.name} ${name}`);
      expect(error, `${c.name}: ${name}`).toBeLessThanOrEqual(FD_TOLERANCE);
    }
  });

  it('dropout (training, fixed seed): finite differences and the mask', () => {
    const p = 0.3;
    const x = g.randn([4, 5], { dtype: 'float64', requiresGrad: true });
    const R = g.randn([4, 5], { dtype: 'float64' });
    const r = R.dataSync() as Float64Array;
    const forward = () => {
      g.manualSeed(77);
      return g.dropout(x, p, true);
    };
    const loss = () => g.noGrad(() => (forward().dataSync() as Float64Array).reduce((s, v, k) => s + v * r[k], 0));
    const out = forward();
    out.backward(R);
    const xs = x.dataSync() as Float64Array;
    const ys = out.dataSync() as Float64Array;
    const grad = x.grad!.dataSync() as Float64Array;
    let dropped = 0;
    for (let k = 0; k < xs.length; k++) {
      const scale = ys[k] / xs[k];
      if (ys[k] === 0) dropped++;
      else expect(Math.abs(scale - 1 / (1 - p))).toBeLessThan(1e-12);
      expect(Math.abs(grad[k] - r[k] * (ys[k] === 0 ? 0 : 1 / (1 - p)))).toBeLessThan(1e-12);
    }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(xs.length);
    const data = x.contiguousData() as Float64Array;
    const numeric = new Float64Array(data.length);
    for (let k = 0; k < data.length; k++) {
      const original = data[k];
      data[k] = original + FD_EPSILON;
      const plus = loss();
      data[k] = original - FD_EPSILON;
      const minus = loss();
      data[k] = original;
      numeric[k] = (plus - minus) / (2 * FD_EPSILON);
    }
    const error = relativeError(grad, numeric);
    note('finite differences', error, 'dropout x');
    expect(error).toBeLessThanOrEqual(FD_TOLERANCE);
  });
});

// ---------------------------------------------------------------------------------------------
// Errors

const f64 = (shape: number[], requiresGrad = false) => g.randn(shape, { dtype: 'float64', requiresGrad });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw');
}

describe('errors', () => {
  it('broadcasting errors are RangeErrors naming both shapes', () => {
    const a = f64([3, 4]);
    const b = f64([2, 3]);
    const calls: [string, () => unknown][] = [
      ['add', () => g.add(a, b)],
      ['sub', () => g.sub(a, b)],
      ['mul', () => g.mul(a, b)],
      ['div', () => g.div(a, b)],
      ['eq', () => g.eq(a, b)],
      ['lt', () => g.lt(a, b)],
      ['a.add(b)', () => a.add(b)],
      ['a.mul(b)', () => a.mul(b)],
      ['rank 3 and 2', () => g.add(f64([2, 3, 4]), f64([3, 5]))],
    ];
    for (const [what, fn] of calls) {
      const e = thrown(fn);
      expect(e, what).toBeInstanceOf(RangeError);
      expect(e.message, what).toMatch(/^gated: /);
      if (what === 'rank 3 and 2') {
        expect(e.message).toContain('[2, 3, 4]');
        expect(e.message).toContain('[3, 5]');
      } else {
        expect(e.message, what).toContain('[3, 4]');
        expect(e.message, what).toContain('[2, 3]');
      }
    }
    const mask = g.tensor([true, false, true, false, true], [5], { dtype: 'bool' });
    const e = thrown(() => g.maskedFill(a, mask, 0));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain('[3, 4]');
    expect(e.message).toContain('[5]');
    // A mask that broadcasts but would grow x.
    expect(() => g.maskedFill(f64([4]), g.zeros([3, 4], { dtype: 'bool' }), 0)).toThrow(RangeError);
    expect(() => g.matmul(f64([2, 3]), f64([4, 5]))).toThrow(RangeError);
    expect(() => g.cat([f64([2, 3]), f64([3, 4])], 0)).toThrow(RangeError);
    expect(() => g.stack([f64([2, 3]), f64([3, 2])])).toThrow(RangeError);
    expect(() => g.linear(f64([2, 3]), f64([4, 5]))).toThrow(RangeError);
  });

  it('dtype mismatches are TypeErrors', () => {
    const x64 = f64([2, 3]);
    const x32 = g.randn([2, 3]);
    const i64 = g.tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'int64' });
    const b = g.gt(x64, 0);
    const calls: [string, () => unknown][] = [
      ['add f64 f32', () => g.add(x64, x32)],
      ['sub f32 f64', () => g.sub(x32, x64)],
      ['mul f64 i64', () => g.mul(x64, i64)],
      ['div i64 i64', () => g.div(i64, i64)],
      ['eq f64 i64', () => g.eq(x64, i64)],
      ['x32.add(x64)', () => x32.add(x64)],
      ['matmul f32 f64', () => g.matmul(x32, f64([3, 2]))],
      ['linear weight f32', () => g.linear(x64, g.randn([4, 3]))],
      ['linear bias f32', () => g.linear(x64, f64([4, 3]), g.randn([4]))],
      ['cat f64 f32', () => g.cat([x64, x32])],
      ['stack f64 i64', () => g.stack([x64, i64])],
      ['maskedFill float mask', () => g.maskedFill(x64, x64, 0)],
      ['exp i64', () => g.exp(i64)],
      ['log bool', () => g.log(b)],
      ['mean i64', () => g.mean(i64)],
      ['softmax i64', () => g.softmax(i64, 0)],
      ['embedding float indices', () => g.embedding(x64, f64([5, 2]))],
      ['embedding int weight', () => g.embedding(i64, i64)],
    ];
    for (const [what, fn] of calls) expect(thrown(fn), what).toBeInstanceOf(TypeError);
    const e = thrown(() => g.add(x64, x32));
    expect(e.message).toContain('float64');
    expect(e.message).toContain('float32');
  });

  it('ops on disposed tensors throw TypeErrors that mention dispose', () => {
    const make = () => {
      const x = f64([2, 3], true);
      x.dispose();
      return x;
    };
    const y = f64([2, 3]);
    const w = f64([4, 3]);
    const calls: [string, () => unknown][] = [
      ['add', () => g.add(make(), y)],
      ['add (second operand)', () => g.add(y, make())],
      ['add number', () => g.add(make(), 1)],
      ['method', () => make().mul(y)],
      ['exp', () => g.exp(make())],
      ['relu', () => make().relu()],
      ['eq', () => g.eq(make(), 0)],
      ['maskedFill', () => g.maskedFill(make(), g.gt(y, 0), 0)],
      ['maskedFill mask', () => {
        const m = g.gt(y, 0);
        m.dispose();
        return g.maskedFill(y, m, 0);
      }],
      ['sum', () => g.sum(make())],
      ['mean', () => make().mean()],
      ['max', () => g.max(make(), 0)],
      ['argmax', () => g.argmax(make())],
      ['softmax', () => g.softmax(make(), 1)],
      ['norm', () => g.norm(make())],
      ['cat', () => g.cat([y, make()])],
      ['stack', () => g.stack([y, make()])],
      ['matmul', () => g.matmul(make(), f64([3, 2]))],
      ['linear', () => g.linear(make(), w)],
      ['linear weight', () => {
        const dead = f64([4, 3]);
        dead.dispose();
        return g.linear(y, dead);
      }],
      ['embedding', () => {
        const idx = g.tensor([0, 1], [2], { dtype: 'int64' });
        idx.dispose();
        return g.embedding(idx, w);
      }],
      ['dropout', () => g.dropout(make(), 0.5)],
      ['toDType', () => make().float()],
      ['select', () => g.select(make(), 0, 0)],
      ['narrow', () => make().narrow(1, 0, 1)],
      ['transpose', () => make().transpose(0, 1)],
      ['reshape', () => make().reshape([-1])],
      ['unsqueeze', () => g.unsqueeze(make(), 0)],
      ['squeeze', () => g.squeeze(make())],
      ['permute', () => make().permute([1, 0])],
      ['flatten', () => g.flatten(make())],
    ];
    for (const [what, fn] of calls) {
      const e = thrown(fn);
      expect(e, what).toBeInstanceOf(TypeError);
      expect(e.message, what).toMatch(/dispose/);
    }
  });

  it('an embedding index out of range is a RangeError naming the element and the range; the process goes on', () => {
    const weight = f64([4, 3], true);
    const bad = g.tensor([[0, 1, 7], [2, 3, 0]], undefined, { dtype: 'int64' });
    const e = thrown(() => g.embedding(bad, weight));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain('element 2');
    expect(e.message).toContain('[0, 3]');
    expect(e.message).toContain('7');
    const negative = thrown(() => g.embedding(g.tensor([1, -1], [2], { dtype: 'int32' }), weight));
    expect(negative).toBeInstanceOf(RangeError);
    expect(negative.message).toContain('element 1');
    expect(negative.message).toContain('-1');
    // Nothing was recorded and the next lookups work, with gradients.
    expect(weight.grad).toBeNull();
    const good = g.tensor([[0, 1, 3], [2, 3, 0]], undefined, { dtype: 'int64' });
    const out = g.embedding(good, weight);
    expect(out.shape).toEqual([2, 3, 3]);
    g.sum(out).backward();
    const counts = [2, 1, 1, 2];
    const grad = weight.grad!.toArray() as number[][];
    grad.forEach((row, i) => row.forEach((v) => expect(v).toBe(counts[i])));
  });
});

// ---------------------------------------------------------------------------------------------
// tidy, bool results, accumulation

describe('g.tidy', () => {
  it('disposes intermediates, keeps what it returns, leaves parameters alone', () => {
    const w = f64([3, 2], true);
    const x = f64([4, 3]);
    const module = new g.nn.Linear(3, 2, { dtype: 'float64' });
    let inner: Tensor[] = [];
    let made: g.nn.Linear | null = null;
    const result = g.tidy(() => {
      const h = g.matmul(x, w);
      const t = g.tanh(h);
      const y = module.forward(x);
      made = new g.nn.Linear(2, 2, { dtype: 'float64' });
      inner = [h, t, y];
      return { loss: g.sum(t), pair: [y.sum(), g.mean(t)] };
    });
    expect(inner.map((t) => t.isDisposed)).toEqual([true, true, true]);
    expect(result.loss.isDisposed).toBe(false);
    expect(result.pair.map((t) => t.isDisposed)).toEqual([false, false]);
    expect(w.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    for (const [, p] of module.namedParameters()) expect(p.isDisposed).toBe(false);
    for (const [, p] of made!.namedParameters()) expect(p.isDisposed).toBe(false);
    // Kept tensors are usable.
    expect(Number.isFinite(result.loss.item())).toBe(true);
  });

  // Regression: disposing an intermediate used to cut the graph, and tidy disposed the tape's saved
  // handles made inside its scope.
  it('backward after tidy works (intermediates disposed)', () => {
    const w = f64([3, 2], true);
    const x = f64([4, 3]);
    const loss = g.tidy(() => g.sum(g.tanh(g.mul(g.matmul(x, w), 2))));
    loss.backward();
    // The same loss without tidy.
    const w2 = g.tensor(Array.from(w.dataSync() as Float64Array), [3, 2], { dtype: 'float64', requiresGrad: true });
    g.sum(g.tanh(g.mul(g.matmul(x, w2), 2))).backward();
    expect(w.grad).not.toBeNull();
    expect(relativeError(w.grad!.dataSync() as Float64Array, w2.grad!.dataSync() as Float64Array)).toBeLessThan(1e-15);
  });

  it('backward after tidy works when nothing that backward needs is made inside', () => {
    const w = f64([3], true);
    const loss = g.tidy(() => g.sum(w));
    loss.backward();
    expect(Array.from(w.grad!.dataSync() as Float64Array)).toEqual([1, 1, 1]);
  });
});

describe('bool and int results', () => {
  it('comparisons give bool tensors; toArray gives booleans', () => {
    const a = g.tensor([[1, 2, 3], [4, 5, 6]], undefined, { dtype: 'float64' });
    const b = g.tensor([3, 2, 1], [3], { dtype: 'float64' });
    const expected: Record<string, boolean[][]> = {
      eq: [[false, true, false], [false, false, false]],
      ne: [[true, false, true], [true, true, true]],
      gt: [[false, false, true], [true, true, true]],
      ge: [[false, true, true], [true, true, true]],
      lt: [[true, false, false], [false, false, false]],
      le: [[true, true, false], [false, false, false]],
    };
    for (const op of Object.keys(expected)) {
      const out = functions[op](a, b) as Tensor;
      expect(out.dtype, op).toBe('bool');
      expect(out.requiresGrad, op).toBe(false);
      expect(out.toArray(), op).toEqual(expected[op]);
      expect((a as unknown as Record<string, (o: unknown) => Tensor>)[op](b).toArray(), `${op} method`).toEqual(expected[op]);
    }
    const x = f64([2, 2], true);
    const mask = x.gt(0);
    expect(mask.dtype).toBe('bool');
    expect(mask.requiresGrad).toBe(false);
    expect(g.gt(5, g.tensor([4, 6], [2], { dtype: 'int64' })).toArray()).toEqual([true, false]);
    expect(g.eq(g.tensor(1.5, undefined, { dtype: 'float64' }), 1.5).toArray()).toBe(true);
  });

  it('.float() on a bool tensor, then .mean(), gives the accuracy', () => {
    const logits = g.tensor([[0.1, 2, -1], [3, 0, 0], [0, 0, 1], [1, 2, 3], [5, 4, 3]], undefined, { dtype: 'float64' });
    const labels = g.tensor([1, 0, 1, 2, 1], [5], { dtype: 'int64' });
    const correct = logits.argmax(1).eq(labels);
    expect(correct.dtype).toBe('bool');
    expect(correct.toArray()).toEqual([true, true, false, true, false]);
    const asFloat = correct.float();
    expect(asFloat.dtype).toBe('float32');
    expect(asFloat.toArray()).toEqual([1, 1, 0, 1, 0]);
    const accuracy = asFloat.mean();
    expect(accuracy.dtype).toBe('float32');
    expect(accuracy.shape).toEqual([]);
    expect(accuracy.item()).toBeCloseTo(0.6, 6);
    expect(correct.double().mean().item()).toBe(0.6);
  });

  it('sum of bool gives int64', () => {
    const x = g.tensor([[1, -2, 3], [-4, 5, 6]], undefined, { dtype: 'float64' });
    const positive = g.gt(x, 0);
    const total = g.sum(positive);
    expect(total.dtype).toBe('int64');
    expect(total.shape).toEqual([]);
    expect(total.item()).toBe(4);
    const perRow = positive.sum(1);
    expect(perRow.dtype).toBe('int64');
    expect(perRow.toArray()).toEqual([2, 2]);
    expect(positive.sum(0, true).toArray()).toEqual([[1, 1, 2]]);
    expect(g.sum(g.tensor([1, 2, 3], [3], { dtype: 'int32' })).dtype).toBe('int64');
  });
});

describe('gradient accumulation', () => {
  it('y = x*x + x: gradients from both uses add up; a second backward accumulates', () => {
    const x = g.tensor([0.5, -1.5, 2], [3], { dtype: 'float64', requiresGrad: true });
    const expected = [2, -2, 5]; // 2x + 1
    g.add(g.mul(x, x), x).backward(g.ones([3], { dtype: 'float64' }));
    expect(Array.from(x.grad!.dataSync() as Float64Array)).toEqual(expected);
    x.mul(x).add(x).sum().backward();
    expect(Array.from(x.grad!.dataSync() as Float64Array)).toEqual(expected.map((v) => 2 * v));
  });

  it('a non-leaf used twice: h = exp(x); y = h*h + h', () => {
    const x = g.tensor([0.5, -1], [2], { dtype: 'float64', requiresGrad: true });
    const h = g.exp(x);
    g.add(g.mul(h, h), h).backward(g.ones([2], { dtype: 'float64' }));
    const expected = [0.5, -1].map((v) => 2 * Math.exp(2 * v) + Math.exp(v));
    expect(relativeError(x.grad!.dataSync() as Float64Array, expected)).toBeLessThan(1e-15);
  });

  // Regression: add's backward hands the same gradient array to both inputs; accumulating into one
  // input's slot in place used to change the other's too.
  it('two non-leaves fed one gradient array: t = (u + v) + u', () => {
    const x = g.tensor([0.5, 1], [2], { dtype: 'float64', requiresGrad: true });
    const w = g.tensor([0.25, -1], [2], { dtype: 'float64', requiresGrad: true });
    const u = g.exp(x);
    const v = g.exp(w);
    g.add(g.add(u, v), u).backward(g.ones([2], { dtype: 'float64' }));
    expect(relativeError(x.grad!.dataSync() as Float64Array, [0.5, 1].map((a) => 2 * Math.exp(a)))).toBeLessThan(1e-15);
    expect(relativeError(w.grad!.dataSync() as Float64Array, [0.25, -1].map((a) => Math.exp(a)))).toBeLessThan(1e-15);
  });
});

describe('float32 activation kernels', () => {
  it('match Math within 2e-7 absolute from -100 to 100 and pass NaN and infinities through', () => {
    const inputs: number[] = [];
    for (let x = -100; x <= 100; x += 0.0173) inputs.push(x);
    inputs.push(0, -0, 1e-30, -1e-30, 88.7, -88.7, 87.4, -87.4);
    const special = [NaN, Infinity, -Infinity];
    for (const activations of ['vector', 'scalar']) {
      g.backend.setKernel('activations', activations);
      try {
        const x = g.tensor([...inputs, ...special]);
        const rounded = x.dataSync() as Float32Array;
        const sig = g.sigmoid(x).dataSync() as Float32Array;
        const th = g.tanh(x).dataSync() as Float32Array;
        let worst = 0;
        inputs.forEach((_, i) => {
          const v = rounded[i];
          worst = Math.max(worst, Math.abs(sig[i] - 1 / (1 + Math.exp(-v))), Math.abs(th[i] - Math.tanh(v)));
        });
        expect(worst, `${activations} activations`).toBeLessThan(2e-7);
        const n = inputs.length;
        expect([sig[n], sig[n + 1], sig[n + 2]]).toEqual([NaN, 1, 0]);
        expect([th[n], th[n + 1], th[n + 2]]).toEqual([NaN, 1, -1]);
      } finally {
        g.backend.setKernel('activations', 'vector');
      }
    }
  });
});
