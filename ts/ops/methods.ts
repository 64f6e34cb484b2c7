// Tensor methods for every op: a.add(b) is g.add(a, b).
import { isDevice, toDevice } from '../device';
import { DType } from '../dtype';
import type { Device } from '../storage';
import { Tensor } from '../tensor';
import * as ops from './index';
import { TensorLike } from './operands';

declare module '../tensor' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    abs(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    maskedFill(mask: Tensor, value: number): Tensor;
    sum(dims?: number | readonly number[], keepdim?: boolean): Tensor;
    mean(dims?: number | readonly number[], keepdim?: boolean): Tensor;
    max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
    argmax(dim?: number, keepdim?: boolean): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    norm(dims?: number | readonly number[], keepdim?: boolean): Tensor;
    matmul(other: Tensor): Tensor;
    unsqueeze(dim: number): Tensor;
    squeeze(dim?: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    /**
     * This tensor on another device ('cpu' or 'cuda'), or in another dtype: itself when already so,
     * else a copy through which gradients flow back. Moving to 'cuda' where CUDA is unusable throws,
     * with the reason.
     */
    to(target: Device | DType): Tensor;
    float(): Tensor;
    double(): Tensor;
    int(): Tensor;
    long(): Tensor;
    bool(): Tensor;
  }
}

const methods: Partial<Record<keyof Tensor, (this: Tensor, ...args: never[]) => unknown>> = {
  add(this: Tensor, other: TensorLike) { return ops.add(this, other); },
  sub(this: Tensor, other: TensorLike) { return ops.sub(this, other); },
  mul(this: Tensor, other: TensorLike) { return ops.mul(this, other); },
  div(this: Tensor, other: TensorLike) { return ops.div(this, other); },
  neg(this: Tensor) { return ops.neg(this); },
  exp(this: Tensor) { return ops.exp(this); },
  log(this: Tensor) { return ops.log(this); },
  sigmoid(this: Tensor) { return ops.sigmoid(this); },
  tanh(this: Tensor) { return ops.tanh(this); },
  relu(this: Tensor) { return ops.relu(this); },
  abs(this: Tensor) { return ops.abs(this); },
  sqrt(this: Tensor) { return ops.sqrt(this); },
  rsqrt(this: Tensor) { return ops.rsqrt(this); },
  square(this: Tensor) { return ops.square(this); },
  eq(this: Tensor, other: TensorLike) { return ops.eq(this, other); },
  ne(this: Tensor, other: TensorLike) { return ops.ne(this, other); },
  gt(this: Tensor, other: TensorLike) { return ops.gt(this, other); },
  ge(this: Tensor, other: TensorLike) { return ops.ge(this, other); },
  lt(this: Tensor, other: TensorLike) { return ops.lt(this, other); },
  le(this: Tensor, other: TensorLike) { return ops.le(this, other); },
  maskedFill(this: Tensor, mask: Tensor, value: number) { return ops.maskedFill(this, mask, value); },
  sum(this: Tensor, dims?: number | readonly number[], keepdim?: boolean) { return ops.sum(this, dims, keepdim); },
  mean(this: Tensor, dims?: number | readonly number[], keepdim?: boolean) { return ops.mean(this, dims, keepdim); },
  max(this: Tensor, dim: number, keepdim?: boolean) { return ops.max(this, dim, keepdim); },
  argmax(this: Tensor, dim?: number, keepdim?: boolean) { return ops.argmax(this, dim, keepdim); },
  softmax(this: Tensor, dim: number) { return ops.softmax(this, dim); },
  logSoftmax(this: Tensor, dim: number) { return ops.logSoftmax(this, dim); },
  norm(this: Tensor, dims?: number | readonly number[], keepdim?: boolean) { return ops.norm(this, dims, keepdim); },
  matmul(this: Tensor, other: Tensor) { return ops.matmul(this, other); },
  unsqueeze(this: Tensor, dim: number) { return ops.unsqueeze(this, dim); },
  squeeze(this: Tensor, dim?: number) { return ops.squeeze(this, dim); },
  permute(this: Tensor, dims: readonly number[]) { return ops.permute(this, dims); },
  flatten(this: Tensor, startDim?: number, endDim?: number) { return ops.flatten(this, startDim, endDim); },
  to(this: Tensor, target: Device | DType) { return isDevice(target) ? toDevice(this, target) : ops.toDType(this, target); },
  float(this: Tensor) { return ops.toDType(this, 'float32'); },
  double(this: Tensor) { return ops.toDType(this, 'float64'); },
  int(this: Tensor) { return ops.toDType(this, 'int32'); },
  long(this: Tensor) { return ops.toDType(this, 'int64'); },
  bool(this: Tensor) { return ops.toDType(this, 'bool'); },
};

Object.assign(Tensor.prototype, methods);
