// Element-wise ops with broadcasting: arithmetic, activations, comparisons, maskedFill.
import { GradArray } from '../autograd';
import { isFloatDType } from '../dtype';
import { elementCount } from '../layout';
import { native } from '../native';
import { Tensor } from '../tensor';
import { Data, allocateOn, nativeArg } from './data';
import { TensorLike, floatArg, operandPair, tensorArg } from './operands';
import {
  BinaryName,
  Operand,
  UnaryName,
  binaryData,
  broadcastShapes,
  broadcastStrides,
  commonDevice,
  contiguousOperand,
  operandOf,
  rawBinary,
  rawNegate,
  sumToShape,
  unaryData,
  unaryGrad,
  wrap,
} from './raw';
import { record } from './record';

type Arithmetic = 'add' | 'sub' | 'mul' | 'div';

function arithmetic(op: Arithmetic, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operandPair(op, a, b);
  if (op === 'div' && !isFloatDType(x.dtype)) throw new TypeError(`gated: div: expected float operands but received ${x.dtype}`);
  const shape = broadcastShapes(x.shape, y.shape, `${op}: the operands`);
  const out = wrap(binaryData(op, x, y, shape), shape);
  const save = op === 'mul' ? [x, y] : op === 'div' ? [y, out] : [];
  record(op, [x, y], [out], save, ([g], saved) => {
    if (!g) return [null, null];
    const down = (grad: GradArray, t: Tensor) => (t.requiresGrad ? sumToShape(grad, shape, t.shape) : null);
    const data = (t: Tensor) => t.deviceData() as GradArray;
    switch (op) {
      case 'add':
        return [down(g, x), down(g, y)];
      case 'sub':
        return [down(g, x), y.requiresGrad ? rawNegate(down(g, y) as GradArray, y.shape) : null];
      case 'mul': {
        const [xs, ys] = saved;
        return [
          x.requiresGrad ? down(rawBinary('mul', g, shape, data(ys), ys.shape), x) : null,
          y.requiresGrad ? down(rawBinary('mul', g, shape, data(xs), xs.shape), y) : null,
        ];
      }
      case 'div': {
        const [ys, outs] = saved;
        const gx = rawBinary('div', g, shape, data(ys), ys.shape);
        const gy = y.requiresGrad ? rawNegate(rawBinary('mul', gx, shape, data(outs), shape), shape) : null;
        return [x.requiresGrad ? down(gx, x) : null, gy ? down(gy, y) : null];
      }
    }
  });
  return out;
}

export const add = (a: TensorLike, b: TensorLike): Tensor => arithmetic('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => arithmetic('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => arithmetic('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => arithmetic('div', a, b);

// Ops whose derivative is read off their output rather than their input.
const GRAD_FROM_OUTPUT = new Set<UnaryName>(['exp', 'sigmoid', 'tanh', 'relu', 'sqrt', 'rsqrt']);

function unary(op: UnaryName, x: Tensor, name: string): Tensor {
  const input = op === 'neg' || op === 'abs' || op === 'relu' || op === 'square' ? tensorArg(x, name) : floatArg(x, name);
  const out = wrap(unaryData(op, input), input.shape);
  const saved = GRAD_FROM_OUTPUT.has(op) ? out : input;
  record(op, [input], [out], [saved], ([g], [s]) => [g ? unaryGrad(op, g, s.deviceData()) : null]);
  return out;
}

export const neg = (x: Tensor): Tensor => unary('neg', x, 'x');
export const exp = (x: Tensor): Tensor => unary('exp', x, 'x');
export const log = (x: Tensor): Tensor => unary('log', x, 'x');
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, 'x');
export const tanh = (x: Tensor): Tensor => unary('tanh', x, 'x');
export const relu = (x: Tensor): Tensor => unary('relu', x, 'x');
export const abs = (x: Tensor): Tensor => unary('abs', x, 'x');
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, 'x');
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, 'x');
export const square = (x: Tensor): Tensor => unary('square', x, 'x');

function comparison(op: BinaryName, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operandPair(op, a, b);
  const shape = broadcastShapes(x.shape, y.shape, `${op}: the operands`);
  return wrap(binaryData(op, x, y, shape), shape);
}

/** Element-wise comparisons, as bool tensors (no gradient). */
export const eq = (a: TensorLike, b: TensorLike): Tensor => comparison('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => comparison('ne', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => comparison('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => comparison('ge', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => comparison('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => comparison('le', a, b);

/** x with `value` where mask (bool, broadcast to x's shape) is true. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  const input = tensorArg(x, 'x');
  const m = tensorArg(mask, 'mask');
  if (m.dtype !== 'bool') throw new TypeError(`gated: maskedFill: expected mask of dtype bool but received ${m.dtype}`);
  if (typeof value !== 'number') throw new TypeError(`gated: maskedFill: expected value to be a number but received ${typeof value}`);
  const shape = broadcastShapes(input.shape, m.shape, 'maskedFill: x and mask');
  if (shape.length !== input.rank || shape.some((d, i) => d !== input.shape[i])) {
    throw new RangeError(`gated: maskedFill: mask of shape [${m.shape}] must broadcast to x's shape [${input.shape}]`);
  }
  commonDevice('maskedFill', input, m);
  // out [shape] = data (strided) with v where the mask is set.
  const fill = (data: Operand, maskTensor: Tensor, v: number): Data => {
    const out = allocateOn(input.device, input.dtype, elementCount(shape));
    native.maskedFill([...shape], nativeArg(data.data), [...data.strides], data.offset, nativeArg(maskTensor.liveStorage().contents),
      broadcastStrides(maskTensor.shape, maskTensor.strides, shape), maskTensor.offset, v, nativeArg(out));
    return out;
  };
  const out = wrap(fill(operandOf(input), m, value), shape);
  record('maskedFill', [input], [out], [m], ([g], [savedMask]) => [g ? (fill(contiguousOperand(g, shape), savedMask, 0) as GradArray) : null]);
  return out;
}
