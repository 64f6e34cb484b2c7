// gated's textbook ("reset-before") GRU against an independent implementation: tfjs-layers' GRU,
// which is Keras' reset_after=False form (the only form tfjs supports), in float32 on the CPU backend.
//
// The two forms of the candidate state n:
//   reset-after  (gated default, PyTorch, cuDNN): n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   reset-before (gated resetAfter: false, tfjs):  n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
// and in both r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
// h' = (1 − z) ⊙ n + z ⊙ h.
//
// tfjs-layers' GRUCell.call (node_modules/@tensorflow/tfjs-layers/dist/layers/recurrent.js):
//   matrixX = x·kernel + bias;  [xZ, xR, xH] = split(matrixX, 3)
//   [rk1, rk2] = split(recurrentKernel, [2H, H]);  [recZ, recR] = split(h·rk1, 2)
//   z = recAct(xZ + recZ);  r = recAct(xR + recR);  hh = act(xH + (r ⊙ h)·rk2)
//   h' = z ⊙ h + (1 − z) ⊙ hh
// so with recurrentActivation 'sigmoid' (its default is 'hardSigmoid') and activation 'tanh' it is
// exactly the reset-before form above, under this mapping of gated's (PyTorch's) parameters:
//   kernel [I, 3H]          = weight_ih_l0 [3H, I] transposed, gate blocks reordered r,z,n -> z,r,h
//   recurrentKernel [H, 3H] = weight_hh_l0 [3H, H] transposed, reordered likewise
//   bias [3H]               = (bias_ih_l0 + bias_hh_l0) reordered: in this form every bias sits
//                             outside r, so only the sum matters
// Gradients map back the same way: weight_ih/weight_hh grads are the kernel/recurrentKernel grads
// reordered z,r,h -> r,z,n and transposed, and bias_ih and bias_hh each get the whole bias grad.
// tfjs input and output are batch-first [B, T, ·], so gated runs with batchFirst: true; tfjs' final
// state is [B, H] where gated's h is [1, B, H].
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { Tensor } from '../ts/tensor';
import { relativeError } from './helpers';

const TOLERANCE = 1e-5;
/** Scale of the random weights: larger than the default init, so the gates are far from linear. */
const WEIGHT_SCALE = 0.3;
/** tfjs' column block k (z, r, h) holds gated's gate row block GATE_OF_BLOCK[k] (r = 0, z = 1, n = 2). */
const GATE_OF_BLOCK = [1, 0, 2];

const worst = { error: 0, where: '' };
function check(where: string, actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const error = relativeError(actual, expected);
  if (error > worst.error) Object.assign(worst, { error, where });
  expect(error, where).toBeLessThanOrEqual(TOLERANCE);
  return error;
}

interface Shape {
  B: number;
  T: number;
  I: number;
  H: number;
  withH0: boolean;
}

const SHAPES: Shape[] = [
  { B: 17, T: 9, I: 5, H: 33, withH0: false },
  { B: 1, T: 1, I: 5, H: 33, withH0: false },
  { B: 1, T: 1, I: 3, H: 4, withH0: true },
  { B: 4, T: 12, I: 7, H: 6, withH0: true },
  { B: 3, T: 5, I: 16, H: 1, withH0: false },
];
const label = (s: Shape) => `B=${s.B} T=${s.T} I=${s.I} H=${s.H}${s.withH0 ? ' h0' : ''}`;

/** gated [3H, X] (rows r, z, n) -> tfjs [X, 3H] (column blocks z, r, h). */
function toKeras(w: ArrayLike<number>, H: number, X: number): Float32Array {
  const out = new Float32Array(X * 3 * H);
  for (let k = 0; k < 3; k++) {
    for (let j = 0; j < H; j++) {
      const row = GATE_OF_BLOCK[k] * H + j;
      for (let x = 0; x < X; x++) out[x * 3 * H + k * H + j] = w[row * X + x];
    }
  }
  return out;
}

/** tfjs [X, 3H] (z, r, h) -> gated [3H, X] (r, z, n); the inverse of toKeras. */
function fromKeras(k3: ArrayLike<number>, H: number, X: number): Float32Array {
  const out = new Float32Array(3 * H * X);
  for (let k = 0; k < 3; k++) {
    for (let j = 0; j < H; j++) {
      const row = GATE_OF_BLOCK[k] * H + j;
      for (let x = 0; x < X; x++) out[row * X + x] = k3[x * 3 * H + k * H + j];
    }
  }
  return out;
}

/** A float32 copy of a gated tensor's elements. */
const f32 = (t: Tensor | null | undefined): Float32Array => {
  if (!t) throw new Error('missing tensor');
  return Float32Array.from(t.dataSync() as Float32Array);
};

/** A reset-before (or reset-after) float32 GRU whose parameters are randn * WEIGHT_SCALE. */
function makeGRU(I: number, H: number, resetAfter: boolean): g.nn.GRU {
  const gru = new g.nn.GRU({ inputSize: I, hiddenSize: H, batchFirst: true, dtype: 'float32', resetAfter });
  for (const [, p] of gru.namedParameters()) {
    const values = g.randn([...p.shape], { dtype: 'float32' }).dataSync() as Float32Array;
    (p.contiguousData() as Float32Array).set(values.map((v) => v * WEIGHT_SCALE));
    p.markModified();
  }
  return gru;
}

/** Copies every parameter of `from` into `to` (same options apart from resetAfter). */
function copyParameters(from: g.nn.Module, to: g.nn.Module): void {
  const source = new Map(from.namedParameters());
  for (const [name, p] of to.namedParameters()) {
    (p.contiguousData() as Float32Array).set(source.get(name)!.dataSync() as Float32Array);
    p.markModified();
  }
}

/** tfjs' [kernel, recurrentKernel, bias] from gated's parameters. */
function kerasWeights(gru: g.nn.GRU): tf.Tensor[] {
  const { inputSize: I, hiddenSize: H } = gru;
  const p = new Map(gru.namedParameters());
  const bias = f32(p.get('bias_ih_l0'));
  const bhh = f32(p.get('bias_hh_l0'));
  for (let i = 0; i < bias.length; i++) bias[i] += bhh[i];
  return [
    tf.tensor2d(toKeras(f32(p.get('weight_ih_l0')), H, I), [I, 3 * H]),
    tf.tensor2d(toKeras(f32(p.get('weight_hh_l0')), H, H), [H, 3 * H]),
    tf.tensor1d(toKeras(bias, H, 1)),
  ];
}

/** A tfjs GRU layer (reset-before, sigmoid/tanh) carrying gated's weights. */
function kerasGRU(gru: g.nn.GRU, inputShape: number[]): tf.layers.Layer {
  const layer = tf.layers.gru({
    units: gru.hiddenSize,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    // no resetAfter: tfjs' GRUCell is always reset_after=False (it throws for true; not in its types)
    useBias: true,
    // overwritten below; zeros also skip the orthogonal initializer's "slowness" warning
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
    returnSequences: true,
    returnState: true,
  });
  // Built by a first call (calling build() directly leaves it unmarked, and apply() builds again).
  tf.tidy(() => {
    layer.apply(tf.zeros(inputShape));
  });
  const weights = kerasWeights(gru);
  layer.setWeights(weights);
  tf.dispose(weights);
  return layer;
}

/** Runs the tfjs layer: [sequence output [B, T, H], final state [B, H]]. */
function applyKeras(layer: tf.layers.Layer, x: tf.Tensor, h0: tf.Tensor | null): [tf.Tensor, tf.Tensor] {
  const out = layer.apply(x, h0 ? { initialState: [h0] } : undefined) as tf.Tensor[];
  return [out[0], out[1]];
}

/**
 * The tfjs sequence output for gradients. tfjs 4.22 cannot differentiate its RNN loop when T = 1
 * (rnn() unstacks the input along time, and Unpack's gradient then receives one tensor where
 * stack() needs an array: "Argument tensors passed to stack must be a `Tensor[]`"), so for one step
 * this calls the layer's own GRUCell directly: the same cell arithmetic without the loop.
 */
function kerasOutputForGrads(layer: tf.layers.Layer, x: tf.Tensor3D, h0: tf.Tensor2D | null): tf.Tensor {
  const [B, T, I] = x.shape;
  if (T > 1) return applyKeras(layer, x, h0)[0];
  const cell = (layer as tf.RNN).cell;
  const units = (cell as unknown as { units: number }).units;
  const [h] = cell.call([tf.reshape(x, [B, I]), h0 ?? tf.zeros([B, units])], {}) as tf.Tensor[];
  return tf.reshape(h, [B, 1, units]);
}

interface Case {
  gru: g.nn.GRU;
  layer: tf.layers.Layer;
  input: Tensor;
  h0: Tensor | undefined;
}

function makeCase(s: Shape, seed: number): Case {
  g.manualSeed(seed);
  const gru = makeGRU(s.I, s.H, false);
  const input = g.randn([s.B, s.T, s.I], { dtype: 'float32', requiresGrad: true });
  const h0 = s.withH0 ? g.randn([1, s.B, s.H], { dtype: 'float32', requiresGrad: true }) : undefined;
  return { gru, layer: kerasGRU(gru, [s.B, s.T, s.I]), input, h0 };
}

beforeAll(async () => {
  // Production mode only silences tfjs' log and warn (the "install our node backend" banner); the
  // arithmetic is the same.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  console.log(`tfjs-gru: largest relative error ${worst.error.toExponential(2)} at ${worst.where}`);
});

describe('reset-before GRU against tfjs-layers (float32)', () => {
  it.each(SHAPES)('forward $B×$T×$I -> $H (h0: $withH0)', (s) => {
    const c = makeCase(s, 1000 + s.B * 31 + s.T * 7 + s.H);
    const { output, h } = c.gru.forward(c.input, c.h0 ? { h0: c.h0 } : undefined);
    expect(output.shape).toEqual([s.B, s.T, s.H]);
    expect(h.shape).toEqual([1, s.B, s.H]);

    const [kOut, kH] = tf.tidy(() => {
      const x = tf.tensor3d(f32(c.input), [s.B, s.T, s.I]);
      const h0 = c.h0 ? tf.tensor2d(f32(c.h0), [s.B, s.H]) : null;
      return applyKeras(c.layer, x, h0);
    });
    expect(kOut.shape).toEqual([s.B, s.T, s.H]);
    expect(kH.shape).toEqual([s.B, s.H]);
    check(`${label(s)} output`, f32(output), kOut.dataSync());
    check(`${label(s)} h`, f32(h), kH.dataSync());
    tf.dispose([kOut, kH]);
    c.layer.dispose();
  });

  it.each(SHAPES)('gradients $B×$T×$I -> $H (h0: $withH0)', (s) => {
    const c = makeCase(s, 2000 + s.B * 31 + s.T * 7 + s.H);
    const { output } = c.gru.forward(c.input, c.h0 ? { h0: c.h0 } : undefined);
    const R = g.randn([s.B, s.T, s.H], { dtype: 'float32' });
    g.autograd.backward([output], [R]);

    // tfjs: d/d(x, h0, kernel, recurrentKernel, bias) of sum(output ⊙ R), all as tf.Variables.
    const x = tf.variable(tf.tensor3d(f32(c.input), [s.B, s.T, s.I]));
    const h0 = c.h0 ? tf.variable(tf.tensor2d(f32(c.h0), [s.B, s.H])) : null;
    const r = tf.tensor3d(f32(R), [s.B, s.T, s.H]);
    const [kernel, recurrentKernel, bias] = c.layer.trainableWeights.map((w) => w.read() as tf.Variable);
    expect(c.layer.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['kernel', 'recurrent_kernel', 'bias']);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(kerasOutputForGrads(c.layer, x, h0), r)) as tf.Scalar,
      [x, ...(h0 ? [h0] : []), kernel, recurrentKernel, bias],
    );
    let dot = 0;
    const out = f32(output);
    const rv = f32(R);
    for (let i = 0; i < out.length; i++) dot += out[i] * rv[i];
    expect(Math.abs(value.dataSync()[0] - dot)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(dot)));

    const { H, I } = s;
    const p = new Map(c.gru.namedParameters());
    check(`${label(s)} input.grad`, f32(c.input.grad), grads[x.name].dataSync());
    if (h0 && c.h0) check(`${label(s)} h0.grad`, f32(c.h0.grad), grads[h0.name].dataSync());
    check(`${label(s)} weight_ih_l0.grad`, f32(p.get('weight_ih_l0')!.grad), fromKeras(grads[kernel.name].dataSync(), H, I));
    check(`${label(s)} weight_hh_l0.grad`, f32(p.get('weight_hh_l0')!.grad), fromKeras(grads[recurrentKernel.name].dataSync(), H, H));
    const biasGrad = fromKeras(grads[bias.name].dataSync(), H, 1);
    check(`${label(s)} bias_ih_l0.grad`, f32(p.get('bias_ih_l0')!.grad), biasGrad);
    check(`${label(s)} bias_hh_l0.grad`, f32(p.get('bias_hh_l0')!.grad), biasGrad);

    tf.dispose([value, ...Object.values(grads), x, r, ...(h0 ? [h0] : [])]);
    c.layer.dispose();
  });

  it('the reset-after and reset-before forms differ on these weights', () => {
    const s = SHAPES[0];
    const c = makeCase(s, 3000);
    const after = new g.nn.GRU({ inputSize: s.I, hiddenSize: s.H, batchFirst: true, dtype: 'float32', resetAfter: true });
    copyParameters(c.gru, after);
    const before = g.noGrad(() => c.gru.forward(c.input).output);
    const resetAfter = g.noGrad(() => after.forward(c.input).output);
    const difference = relativeError(f32(resetAfter), f32(before));
    expect(difference).toBeGreaterThan(1e-3);

    // and tfjs agrees with the reset-before one, not the reset-after one
    const kOut = tf.tidy(() => applyKeras(c.layer, tf.tensor3d(f32(c.input), [s.B, s.T, s.I]), null)[0]);
    expect(relativeError(f32(before), kOut.dataSync())).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(f32(resetAfter), kOut.dataSync())).toBeGreaterThan(1e-3);
    console.log(`tfjs-gru: reset-after vs reset-before outputs differ by ${difference.toExponential(2)} (relative)`);
    kOut.dispose();
    c.layer.dispose();
  });
});
