// Contiguous arrays with shapes, and the native kernels on them: the arithmetic of backward passes.
import { FloatArray } from '../autograd';
import { DType, TypedArray, allocate, dtypeOfArray } from '../dtype';
import { elementCount } from '../layout';
import { native } from '../native';
import { Tensor } from '../tensor';
import { shapeString } from '../validate';

export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, eq: 4, ne: 5, gt: 6, ge: 7, lt: 8, le: 9 } as const;
export type BinaryName = keyof typeof BINARY;
export const UNARY = { copy: 0, neg: 1, exp: 2, log: 3, sigmoid: 4, tanh: 5, relu: 6, abs: 7, sqrt: 8, rsqrt: 9, square: 10 } as const;
export type UnaryName = keyof typeof UNARY;

/** The shape both operands broadcast to (numpy rules), or a RangeError naming the shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], what = 'the operands'): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`gated: ${what} of shapes ${shapeString(a)} and ${shapeString(b)} do not broadcast together`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides that read a view of `shape`/`strides` broadcast to `target` (0 on broadcast dims). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const lead = target.length - shape.length;
  return target.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : strides[i - lead]));
}

/** A new tensor holding `data` (row-major, `shape`). */
export function wrap(data: TypedArray, shape: readonly number[]): Tensor {
  return Tensor.fromData(data, shape, dtypeOfArray(data) as DType);
}

/** Runs a binary kernel on two (strided, broadcast) tensors into a new contiguous array. */
export function binaryData(op: BinaryName, a: Tensor, b: Tensor, shape: readonly number[]): TypedArray {
  const outDType: DType = BINARY[op] >= BINARY.eq ? 'bool' : a.dtype;
  const out = allocate(outDType, elementCount(shape));
  native.binary(
    BINARY[op], [...shape],
    a.liveStorage('a').data, broadcastStrides(a.shape, a.strides, shape), a.offset,
    b.liveStorage('b').data, broadcastStrides(b.shape, b.strides, shape), b.offset,
    out,
  );
  return out;
}

/** op(x) for a (strided) tensor, into a new contiguous array. */
export function unaryData(op: UnaryName, x: Tensor): TypedArray {
  const out = allocate(x.dtype, x.size);
  native.unary(UNARY[op], [...x.shape], x.liveStorage().data, [...x.strides], x.offset, out);
  return out;
}

/** A contiguous float array as a temporary tensor for binaryData. */
function view(data: FloatArray, shape: readonly number[]): Tensor {
  return wrap(data, shape);
}

/** a op b on contiguous arrays with shapes (broadcasting), for backward passes. */
export function rawBinary(op: 'add' | 'sub' | 'mul' | 'div', a: FloatArray, aShape: readonly number[], b: FloatArray, bShape: readonly number[]): FloatArray {
  return binaryData(op, view(a, aShape), view(b, bShape), broadcastShapes(aShape, bShape)) as FloatArray;
}

/** grad [gradShape] summed down to `shape` (the backward of broadcasting). */
export function sumToShape(grad: FloatArray, gradShape: readonly number[], shape: readonly number[]): FloatArray {
  if (shapeString(gradShape) === shapeString(shape)) return grad;
  const padded = [...new Array(gradShape.length - shape.length).fill(1), ...shape];
  const out = allocate(dtypeOfArray(grad) as DType, elementCount(shape)) as FloatArray;
  native.sumTo([...gradShape], grad, padded, out);
  return out;
}

/** grad * op'(saved), elementwise. */
export function unaryGrad(op: UnaryName, grad: FloatArray, saved: FloatArray): FloatArray {
  const out = new (grad.constructor as Float32ArrayConstructor)(grad.length) as FloatArray;
  native.unaryGrad(UNARY[op], grad, saved, out);
  return out;
}

/** A contiguous copy of a strided tensor's elements. */
export function gatherContiguous(t: Tensor): TypedArray {
  const out = allocate(t.dtype, t.size);
  native.unary(UNARY.copy, [...t.shape], t.liveStorage().data, [...t.strides], t.offset, out);
  return out;
}

