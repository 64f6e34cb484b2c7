// Contiguous arrays with shapes, and the native kernels on them: the arithmetic of backward passes.
// Every function works on either device: the data says where (see data.ts).
import { GradArray } from '../autograd';
import { DType, TypedArray } from '../dtype';
import { contiguousStrides, elementCount } from '../layout';
import { native } from '../native';
import type { Device } from '../storage';
import { Tensor } from '../tensor';
import { shapeString } from '../validate';
import { Data, allocateOn, deviceOf, dtypeOf, nativeArg } from './data';

export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, eq: 4, ne: 5, gt: 6, ge: 7, lt: 8, le: 9 } as const;
export type BinaryName = keyof typeof BINARY;
export const UNARY = { copy: 0, neg: 1, exp: 2, log: 3, sigmoid: 4, tanh: 5, relu: 6, abs: 7, sqrt: 8, rsqrt: 9, square: 10 } as const;
export type UnaryName = keyof typeof UNARY;

/** Data addressed by strides: a tensor's storage, or a contiguous array. */
export interface Operand {
  data: Data;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

export function operandOf(t: Tensor, name = 'tensor'): Operand {
  return { data: t.liveStorage(name).contents, shape: t.shape, strides: t.strides, offset: t.offset };
}

export function contiguousOperand(data: Data, shape: readonly number[]): Operand {
  return { data, shape, strides: contiguousStrides(shape), offset: 0 };
}

/** The one device of an op's tensors, or a TypeError naming the two it found. */
export function commonDevice(what: string, ...tensors: (Tensor | null | undefined)[]): Device {
  let device: Device | null = null;
  for (const t of tensors) {
    if (!t) continue;
    const d = t.device;
    if (device !== null && d !== device) {
      throw new TypeError(`gated: ${what}: expected tensors on one device but received one on ${device} and one on ${d}; move them with .to()`);
    }
    device = d;
  }
  return device ?? 'cpu';
}

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

/** A new tensor holding `data` (row-major, `shape`), on the data's device. */
export function wrap(data: Data, shape: readonly number[]): Tensor {
  return Tensor.fromData(data, shape, dtypeOf(data));
}

/** a op b over strided, broadcast operands, into a new contiguous array on their device. */
export function binaryOperands(op: BinaryName, a: Operand, b: Operand, shape: readonly number[]): Data {
  const device = deviceOf(a.data);
  if (deviceOf(b.data) !== device) throw new TypeError(`gated: ${op}: expected operands on one device but received ${device} and ${deviceOf(b.data)}`);
  const outDType: DType = BINARY[op] >= BINARY.eq ? 'bool' : dtypeOf(a.data);
  const out = allocateOn(device, outDType, elementCount(shape));
  native.binary(
    BINARY[op], [...shape],
    nativeArg(a.data), broadcastStrides(a.shape, a.strides, shape), a.offset,
    nativeArg(b.data), broadcastStrides(b.shape, b.strides, shape), b.offset,
    nativeArg(out),
  );
  return out;
}

/** Runs a binary kernel on two (strided, broadcast) tensors into a new contiguous array. */
export function binaryData(op: BinaryName, a: Tensor, b: Tensor, shape: readonly number[]): Data {
  commonDevice(op, a, b);
  return binaryOperands(op, operandOf(a, 'a'), operandOf(b, 'b'), shape);
}

/** op(x) for a strided operand, into a new contiguous array of `shape` on its device. */
export function unaryOperand(op: UnaryName, x: Operand, shape: readonly number[] = x.shape, strides: readonly number[] = x.strides): Data {
  const out = allocateOn(deviceOf(x.data), dtypeOf(x.data), elementCount(shape));
  native.unary(UNARY[op], [...shape], nativeArg(x.data), [...strides], x.offset, nativeArg(out));
  return out;
}

/** op(x) for a (strided) tensor, into a new contiguous array. */
export function unaryData(op: UnaryName, x: Tensor): Data {
  return unaryOperand(op, operandOf(x));
}

/** a op b on contiguous arrays with shapes (broadcasting), for backward passes. */
export function rawBinary(op: 'add' | 'sub' | 'mul' | 'div', a: GradArray, aShape: readonly number[], b: GradArray, bShape: readonly number[]): GradArray {
  return binaryOperands(op, contiguousOperand(a, aShape), contiguousOperand(b, bShape), broadcastShapes(aShape, bShape)) as GradArray;
}

/** -a, for backward passes. */
export function rawNegate(a: GradArray, shape: readonly number[]): GradArray {
  return unaryOperand('neg', contiguousOperand(a, shape)) as GradArray;
}

/** grad [gradShape] summed down to `shape` (the backward of broadcasting). */
export function sumToShape(grad: GradArray, gradShape: readonly number[], shape: readonly number[]): GradArray {
  if (shapeString(gradShape) === shapeString(shape)) return grad;
  const padded = [...new Array(gradShape.length - shape.length).fill(1), ...shape];
  const out = allocateOn(deviceOf(grad), dtypeOf(grad), elementCount(shape));
  native.sumTo([...gradShape], nativeArg(grad), padded, nativeArg(out));
  return out as GradArray;
}

/** grad [kept] broadcast back to `shape`, contiguous. */
export function expandTo(grad: GradArray, kept: readonly number[], shape: readonly number[]): GradArray {
  return unaryOperand('copy', contiguousOperand(grad, kept), shape, broadcastStrides(kept, contiguousStrides(kept), shape)) as GradArray;
}

/** grad * op'(saved), elementwise. */
export function unaryGrad(op: UnaryName, grad: GradArray, saved: Data): GradArray {
  const out = allocateOn(deviceOf(grad), dtypeOf(grad), grad.length);
  native.unaryGrad(UNARY[op], nativeArg(grad), nativeArg(saved), nativeArg(out));
  return out as GradArray;
}

/** A contiguous copy of a strided tensor's elements, on its device. */
export function gatherContiguous(t: Tensor): Data {
  return unaryData('copy', t);
}

/** A contiguous copy of a strided CPU tensor's elements. */
export function gatherHost(t: Tensor): TypedArray {
  return gatherContiguous(t) as TypedArray;
}
