// gated: fast LSTM, GRU and RNN for Node.js.
import * as autograd from './autograd';
import * as backend from './backend';
import * as cuda from './cuda';
import * as nn from './nn';
import type { Device } from './storage';

export { Tensor } from './tensor';
export type { NestedArray } from './tensor';
export type { DType, FloatDType, IntDType, TypedArray } from './dtype';
export type { Device } from './storage';
export type { TensorOptions } from './creation';
export { tensor, zeros, ones, full, rand, randn, uniform } from './creation';
export { manualSeed, initialSeed } from './random';
export { noGrad } from './autograd';
export { autograd, backend, cuda, nn };

/** The device new tensors are made on: always the CPU unless set otherwise. */
export function device(): Device {
  return 'cpu';
}
export { parseSafetensors, serializeSafetensors } from './io/safetensors';
