// Shared test helpers: golden files, norm-wise relative error, module construction from a config.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import { Tensor } from '../ts/tensor';

/** The test folder: this file's, or GATED_TEST_DIR when the tests run compiled elsewhere (the GPU check). */
export const TEST_DIR = process.env.GATED_TEST_DIR ?? __dirname;
export const GOLDEN_DIR = path.join(TEST_DIR, 'golden');

export interface CaseConfig {
  name: string;
  cell: 'lstm' | 'gru' | 'gru_reset_before' | 'rnn_tanh' | 'rnn_relu';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  bias: boolean;
  seqLen: number;
  batch: number;
  hasLengths: boolean;
  hasH0: boolean;
}

export function goldenNames(): string[] {
  return fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.safetensors')).map((f) => f.replace('.safetensors', '')).sort();
}

export function loadGolden(name: string): { config: CaseConfig; tensors: Map<string, Tensor> } {
  const { tensors, metadata } = g.parseSafetensors(fs.readFileSync(path.join(GOLDEN_DIR, `${name}.safetensors`)));
  return { config: JSON.parse(metadata.config) as CaseConfig, tensors };
}

/** ‖a − b‖ / ‖b‖ (or ‖a‖ when b is all zeros). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

export function makeModule(
  config: Omit<CaseConfig, 'name' | 'seqLen' | 'batch' | 'hasLengths' | 'hasH0'>,
  dtype: g.nn.RecurrentDType,
  dropout = 0,
) {
  const options = {
    dropout,
    inputSize: config.inputSize,
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    bidirectional: config.bidirectional,
    batchFirst: config.batchFirst,
    bias: config.bias,
    dtype,
  };
  switch (config.cell) {
    case 'lstm': return new g.nn.LSTM(options);
    case 'gru': return new g.nn.GRU(options);
    case 'gru_reset_before': return new g.nn.GRU({ ...options, resetAfter: false });
    case 'rnn_tanh': return new g.nn.RNN(options);
    case 'rnn_relu': return new g.nn.RNN({ ...options, nonlinearity: 'relu' });
  }
}

/** The CPU kernel variants a golden test forces (see g.backend.setKernel). */
export interface KernelVariant {
  gemm: string;
  isa: string;
  activations: string;
  recurrence: string;
}

/** body() under the kernel variant `v`; then every switch goes back to its default (the ISA to what it was). */
export function withKernels<R>(v: KernelVariant, body: () => R): R {
  const previousIsa = g.backend.getKernel('isa');
  g.backend.setKernel('gemm', v.gemm);
  g.backend.setKernel('isa', v.isa);
  g.backend.setKernel('activations', v.activations);
  g.backend.setKernel('recurrence', v.recurrence);
  try {
    return body();
  } finally {
    g.backend.setKernel('gemm', 'auto');
    g.backend.setKernel('isa', previousIsa);
    g.backend.setKernel('activations', 'vector');
    g.backend.setKernel('recurrence', 'auto');
  }
}

/** body() with one kernel switch set to `variant`, and back to its previous setting after. */
export function withKernel<R>(name: g.backend.KernelName, variant: string, body: () => R): R {
  const previous = g.backend.getKernel(name);
  g.backend.setKernel(name, variant);
  try {
    return body();
  } finally {
    g.backend.setKernel(name, previous);
  }
}

/** A copy of `t` in `dtype`. */
export function cast(t: Tensor, dtype: FloatDType, requiresGrad = false): Tensor {
  return g.tensor(Array.from(t.dataSync() as Float64Array), [...t.shape], { dtype, requiresGrad });
}

/** Overwrites each parameter with the same-named tensor (cast to the parameter's dtype). */
export function setParameters(module: g.nn.Module, source: (name: string) => Tensor): void {
  for (const [name, p] of module.namedParameters()) {
    const values = source(name).dataSync();
    (p.contiguousData() as Float64Array).set(values as Float64Array);
    p.markModified();
  }
}

export function floats(t: Tensor | null | undefined): Float64Array {
  if (!t) throw new Error('missing tensor');
  return Float64Array.from(t.dataSync() as Float64Array);
}
