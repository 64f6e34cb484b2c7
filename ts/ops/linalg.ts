// Matrix products: matmul (1-D, 2-D and batched 3-D, with a 2-D side broadcast over the batch) and
// linear (x W^T + b), each one native GEMM per batch.
import { GradArray } from '../autograd';
import { native } from '../native';
import { Tensor } from '../tensor';
import { rangeError, received, shapeString } from '../validate';
import { Data, allocateOn, deviceOf, dtypeOf, nativeArg } from './data';
import { floatArg } from './operands';
import { commonDevice, expandTo, sumToShape, wrap } from './raw';
import { record } from './record';

interface Batched {
  batch: number; // 1 when the operand is 2-D (then shared by every batch)
  rows: number;
  cols: number;
  data: Data; // [batch, rows, cols], on the CPU or on CUDA
}

function batched(t: Tensor): Batched {
  const data = t.deviceData();
  if (t.rank === 2) return { batch: 1, rows: t.shape[0], cols: t.shape[1], data };
  return { batch: t.shape[0], rows: t.shape[1], cols: t.shape[2], data };
}

/** out [batch, M, N] = op(a) op(b) per batch (added to addTo when given); a 2-D operand (batch 1) is shared. */
function product(batch: number, M: number, N: number, K: number, transA: boolean, a: Batched, transB: boolean, b: Batched, addTo?: GradArray): GradArray {
  const out = addTo ?? allocateOn(deviceOf(a.data), dtypeOf(a.data), batch * M * N);
  native.matmul(batch, M, N, K, transA, transB, nativeArg(a.data), a.batch === 1 ? 0 : M * K, nativeArg(b.data), b.batch === 1 ? 0 : K * N, nativeArg(out), addTo !== undefined);
  return out as GradArray;
}

/** Matrix product with PyTorch's rules for 1-D, 2-D and 3-D operands. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  let x = floatArg(a, 'a');
  let y = floatArg(b, 'b');
  if (x.dtype !== y.dtype) throw new TypeError(`gated: matmul: expected operands of one dtype but received ${x.dtype} and ${y.dtype}`);
  commonDevice('matmul', x, y);
  if (x.rank < 1 || x.rank > 3 || y.rank < 1 || y.rank > 3) {
    throw rangeError('matmul operands', 'tensors of rank 1, 2 or 3', received(`shapes ${shapeString(x.shape)} and ${shapeString(y.shape)}`));
  }
  const vectorA = x.rank === 1;
  const vectorB = y.rank === 1;
  if (vectorA) x = x.reshape([1, x.shape[0]]);
  if (vectorB) y = y.reshape([y.shape[0], 1]);
  const A = batched(x);
  const B = batched(y);
  if (A.cols !== B.rows || (A.batch !== B.batch && A.batch !== 1 && B.batch !== 1)) {
    throw rangeError('matmul operands', 'shapes [.., M, K] and [.., K, N] with matching batches', received(`shapes ${shapeString(a.shape)} and ${shapeString(b.shape)}`));
  }
  const batch = Math.max(A.batch, B.batch);
  const M = A.rows, K = A.cols, N = B.cols;
  const threeD = x.rank === 3 || y.rank === 3;
  const fullShape = threeD ? [batch, M, N] : [M, N];
  let shape = fullShape;
  if (vectorA) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (vectorB) shape = shape.filter((_, i) => i !== shape.length - 1);
  const out = wrap(product(batch, M, N, K, false, A, false, B), shape);
  record('matmul', [x, y], [out], [x, y], ([g], [xs, ys]) => {
    if (!g) return [null, null];
    const G: Batched = { batch, rows: M, cols: N, data: g };
    const As = batched(xs), Bs = batched(ys);
    // dA [batch, M, K] = dC B^T, dB [batch, K, N] = A^T dC; a shared operand sums over the batch.
    const dA = x.requiresGrad ? sumToShape(product(batch, M, K, N, false, G, true, Bs), [batch, M, K], xs.shape) : null;
    const dB = y.requiresGrad ? sumToShape(product(batch, K, N, M, true, As, false, G), [batch, K, N], ys.shape) : null;
    return [dA, dB];
  });
  return out;
}

/** y [..., out] = x [..., in] W^T + b, with W [out, in] and b [out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const input = floatArg(x, 'input');
  const w = floatArg(weight, 'weight');
  const b = bias ? floatArg(bias, 'bias') : null;
  if (w.rank !== 2) throw rangeError('weight', 'a rank-2 tensor [outFeatures, inFeatures]', received(`shape ${shapeString(w.shape)}`));
  const [outFeatures, inFeatures] = w.shape;
  if (input.rank < 1 || input.shape[input.rank - 1] !== inFeatures) {
    throw rangeError('input', `a tensor whose last dimension is ${inFeatures} (inFeatures)`, received(`shape ${shapeString(input.shape)}`));
  }
  if (b && (b.rank !== 1 || b.shape[0] !== outFeatures)) throw rangeError('bias', `of shape [${outFeatures}]`, received(`shape ${shapeString(b.shape)}`));
  for (const [t, name] of [[w, 'weight'], [b, 'bias']] as const) {
    if (t && t.dtype !== input.dtype) throw new TypeError(`gated: expected ${name} of dtype ${input.dtype} (the input's) but received ${t.dtype}`);
  }
  commonDevice('linear', input, w, b);
  const rows = input.size / inFeatures;
  const X: Batched = { batch: 1, rows, cols: inFeatures, data: input.deviceData() };
  const W: Batched = { batch: 1, rows: outFeatures, cols: inFeatures, data: w.deviceData() };
  // y = the bias broadcast over the rows, then += x W^T in the same GEMM (beta = 1).
  const y = b ? expandTo(b.deviceData() as GradArray, [outFeatures], [rows, outFeatures]) : null;
  const out = wrap(y ? product(1, rows, outFeatures, inFeatures, false, X, true, W, y) : product(1, rows, outFeatures, inFeatures, false, X, true, W),
    [...input.shape.slice(0, -1), outFeatures]);
  record('linear', [input, w, b], [out], [input, w], ([g], [xs, ws]) => {
    if (!g) return [null, null, null];
    const G: Batched = { batch: 1, rows, cols: outFeatures, data: g };
    const dX = input.requiresGrad ? product(1, rows, inFeatures, outFeatures, false, G, false, { ...W, data: ws.deviceData() }) : null;
    const dW = w.requiresGrad ? product(1, outFeatures, inFeatures, rows, true, G, false, { ...X, data: xs.deviceData() }) : null;
    const db = b?.requiresGrad ? sumToShape(g, [rows, outFeatures], [outFeatures]) : null;
    return [dX, dW, db];
  });
  return out;
}
