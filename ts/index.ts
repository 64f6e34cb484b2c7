// gated: fast LSTM, GRU and RNN for Node.js.
import * as autograd from './autograd';
import * as backend from './backend';
import * as cuda from './cuda';
import * as data from './data';
import * as nn from './nn';
import * as optim from './optim';
import type { Device } from './storage';
import { getDevice } from './device';
import './ops/methods';

export { Tensor } from './tensor';
export type { NestedArray } from './tensor';
export type { DType, FloatDType, IntDType, ReducedFloatDType, TypedArray } from './dtype';
export type { Device } from './storage';
export type { TensorOptions } from './creation';
export { tensor, zeros, ones, full, rand, randn, uniform } from './creation';
export { manualSeed, initialSeed } from './random';
export { setNumThreads, getNumThreads, setIdleSpin, getIdleSpin } from './backend';
export { noGrad, tidy } from './autograd';
export * from './ops/index';
export { autograd, backend, cuda, data, nn, optim };

export { setDevice, getDevice } from './device';

/** The device new tensors are made on: the CPU unless g.setDevice() said otherwise. */
export function device(): Device {
  return getDevice();
}
export { parseSafetensors, serializeSafetensors } from './io/safetensors';
export { save, load, loadInto } from './io/save';
export type { SaveOptions } from './io/save';
