// Replaying test/golden-nn/nn.json (made by scripts/make_nn_golden.py) on either device: shared by
// test/nn.test.ts (the CPU, under vitest) and test/gpu/check.ts (CUDA).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import type { Device } from '../ts/storage';
import { Tensor } from '../ts/tensor';
import { TEST_DIR } from './helpers';

export interface JsonTensor {
  shape: number[];
  dtype: 'float64' | 'int64';
  data: number[];
}
export type Reduction = 'mean' | 'sum' | 'none';
export interface LossCase {
  name: string;
  fn: 'crossEntropy' | 'nllLoss' | 'mseLoss' | 'binaryCrossEntropy' | 'bceWithLogits';
  options: { reduction: Reduction; ignoreIndex?: number; posWeight?: number };
  weight: JsonTensor | null;
  input: JsonTensor;
  target: JsonTensor;
  gradOutput: JsonTensor;
  output: JsonTensor;
  inputGrad: JsonTensor;
}
export interface ModuleCase {
  name: string;
  module: 'Linear' | 'Embedding' | 'LayerNorm' | 'BatchNorm1d' | 'LSTMCell' | 'GRUCell' | 'RNNCell';
  args: unknown[];
  options: Record<string, unknown>;
  train: boolean;
  state: Record<string, JsonTensor>;
  inputs: Record<string, JsonTensor>;
  gradOutputs: Record<string, JsonTensor>;
  outputs: Record<string, JsonTensor>;
  inputGrads: Record<string, JsonTensor>;
  paramGrads: Record<string, JsonTensor>;
  stateAfter?: Record<string, JsonTensor>;
}
export interface Golden {
  torch: string;
  losses: LossCase[];
  modules: ModuleCase[];
  structure: {
    sequential: { parameters: string[]; stateDict: string[] };
    net: { parameters: string[]; buffers: string[]; stateDict: string[] };
  };
}

const GOLDEN = path.join(TEST_DIR, 'golden-nn', 'nn.json');
export const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Golden;

/** A JSON tensor as a gated tensor: floats in `dtype`, int64 as int64. */
export function fromJson(t: JsonTensor, dtype: FloatDType, requiresGrad = false, device: Device = 'cpu'): Tensor {
  if (t.dtype === 'int64') return g.tensor(t.data, t.shape, { dtype: 'int64', device });
  return g.tensor(t.data, t.shape, { dtype, requiresGrad, device });
}

// ---------------------------------------------------------------------------------------------------
// Building each case: the leaves that get gradients and a function running the forward pass.

export interface Built {
  leaves: [string, Tensor][];
  run: () => Record<string, Tensor>;
  module?: g.nn.Module;
}

export function buildLoss(c: LossCase, dtype: FloatDType, device: Device = 'cpu'): Built {
  const input = fromJson(c.input, dtype, true, device);
  const target = fromJson(c.target, dtype, false, device);
  const weight = c.weight ? fromJson(c.weight, dtype, false, device) : undefined;
  const F = g.nn.functional;
  const { reduction, ignoreIndex, posWeight } = c.options;
  const run = (): Tensor => {
    switch (c.fn) {
      case 'crossEntropy': return F.crossEntropy(input, target, { weight, reduction, ...(ignoreIndex === undefined ? {} : { ignoreIndex }) });
      case 'nllLoss': return F.nllLoss(input, target, { weight, reduction, ...(ignoreIndex === undefined ? {} : { ignoreIndex }) });
      case 'mseLoss': return F.mseLoss(input, target, { reduction });
      case 'binaryCrossEntropy': return F.binaryCrossEntropy(input, target, { weight, reduction });
      case 'bceWithLogits': return F.bceWithLogits(input, target, { weight, reduction, ...(posWeight === undefined ? {} : { posWeight }) });
    }
  };
  return { leaves: [['input', input]], run: () => ({ output: run() }) };
}

export function makeModule(c: ModuleCase, dtype: FloatDType): g.nn.Module {
  const [a, b] = c.args as [number, number];
  const options = { ...c.options, dtype };
  switch (c.module) {
    case 'Linear': return new g.nn.Linear(a, b, options);
    case 'Embedding': return new g.nn.Embedding(a, b, options);
    case 'LayerNorm': return new g.nn.LayerNorm(c.args[0] as number[], options);
    case 'BatchNorm1d': return new g.nn.BatchNorm1d(a, options);
    case 'LSTMCell': return new g.nn.LSTMCell(a, b, options);
    case 'GRUCell': return new g.nn.GRUCell(a, b, options);
    case 'RNNCell': return new g.nn.RNNCell(a, b, options as { nonlinearity?: 'tanh' | 'relu'; dtype: FloatDType });
  }
}

export function buildModule(c: ModuleCase, dtype: FloatDType, device: Device = 'cpu'): Built {
  const module = makeModule(c, dtype);
  const state = Object.fromEntries(Object.entries(c.state).map(([k, t]) => [k, fromJson(t, dtype)]));
  const loaded = module.loadStateDict(state);
  if (loaded.missingKeys.length + loaded.unexpectedKeys.length > 0) throw new Error(`${c.name}: the golden state does not fit the module`);
  module.train(c.train);
  module.to(device);
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, fromJson(t, dtype, t.dtype !== 'int64', device)]));
  const { x, h, c: cell } = inputs;
  const run = (): Record<string, Tensor> => {
    switch (c.module) {
      case 'LSTMCell': {
        const out = (module as g.nn.LSTMCell).forward(x, h ? { h, c: cell } : {});
        return { h: out.h, c: out.c };
      }
      case 'GRUCell': return { h: (module as g.nn.GRUCell).forward(x, h) };
      case 'RNNCell': return { h: (module as g.nn.RNNCell).forward(x, h) };
      default: return { y: (module as g.nn.Linear).forward(x) };
    }
  };
  const leaves: [string, Tensor][] = [...Object.entries(inputs).filter(([, t]) => t.requiresGrad), ...module.namedParameters()];
  return { leaves, run, module };
}

// ---------------------------------------------------------------------------------------------------
// Replaying one case: `compare` checks a tensor against the golden values; `assert` a fact.

export type Compare = (where: string, actual: Tensor | null | undefined, expected: JsonTensor) => void;
export type Assert = (fact: boolean, what: string) => void;

export function replayLoss(c: LossCase, dtype: FloatDType, device: Device, compare: Compare): void {
  const { leaves, run } = buildLoss(c, dtype, device);
  const { output } = run();
  compare(`${c.name} output`, output, c.output);
  g.autograd.backward([output], [fromJson(c.gradOutput, dtype, false, device)]);
  compare(`${c.name} input.grad`, leaves[0][1].grad, c.inputGrad);
}

export function replayModule(c: ModuleCase, dtype: FloatDType, device: Device, compare: Compare, assert: Assert): void {
  const { leaves, run, module } = buildModule(c, dtype, device);
  const outputs = run();
  assert(Object.keys(outputs).sort().join() === Object.keys(c.outputs).sort().join(), `${c.name}: the outputs are ${Object.keys(c.outputs)}`);
  for (const [key, expected] of Object.entries(c.outputs)) compare(`${c.name} ${key}`, outputs[key], expected);
  const keys = Object.keys(c.gradOutputs);
  g.autograd.backward(keys.map((k) => outputs[k]), keys.map((k) => fromJson(c.gradOutputs[k], dtype, false, device)));
  const byName = new Map(leaves);
  const expectedGrads = { ...c.inputGrads, ...c.paramGrads };
  assert([...byName.keys()].sort().join() === Object.keys(expectedGrads).sort().join(), `${c.name}: gradients for ${Object.keys(expectedGrads)}`);
  for (const [key, expected] of Object.entries(expectedGrads)) compare(`${c.name} ${key}.grad`, byName.get(key)!.grad, expected);
  if (c.stateAfter) {
    const after = module!.stateDict();
    for (const [key, expected] of Object.entries(c.stateAfter)) {
      if (expected.dtype === 'int64') {
        assert(after[key].dtype === 'int64', `${c.name} ${key} is int64`);
        const values = Array.from(after[key].dataSync() as BigInt64Array);
        assert(values.join() === expected.data.map(BigInt).join(), `${c.name} ${key} equals ${expected.data}`);
      } else {
        compare(`${c.name} ${key} after the step`, after[key], expected);
      }
    }
  }
}
