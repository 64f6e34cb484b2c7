// Outputs, final states and every gradient against PyTorch (float64, CPU), for every cell, layer
// count, direction, lengths, initial states and layout, in both dtypes, with every GEMM algorithm and
// every instruction set this CPU has, and each way of splitting a layer's steps over the threads;
// and through the CUDA persistent kernel's code, run on the CPU as an H100 would run it.
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import { native } from '../ts/native';
import { Tensor } from '../ts/tensor';
import { cast, floats, goldenNames, loadGolden, makeModule, relativeError, setParameters, withKernel, withKernels } from './helpers';

const TOLERANCE: Record<FloatDType, number> = { float64: 1e-10, float32: 1e-5 };
const worst: Record<string, { error: number; where: string }> = {};

function runCase(name: string, dtype: FloatDType): Map<string, number> {
  const { config, tensors } = loadGolden(name);
  const file = (key: string) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`${name}: no tensor '${key}'`);
    return t;
  };
  const module = makeModule(config, dtype);
  setParameters(module, file);
  const input = cast(file('input'), dtype, true);
  const h0 = config.hasH0 ? cast(file('h0'), dtype, true) : undefined;
  const c0 = config.hasH0 && config.cell === 'lstm' ? cast(file('c0'), dtype, true) : undefined;
  const lengths = config.hasLengths ? file('lengths') : undefined;
  const state = config.cell === 'lstm' ? { lengths, h0, c0 } : { lengths, h0 };
  const result = (module as g.nn.LSTM).forward(input, state) as { output: Tensor; h: Tensor; c?: Tensor };
  const outputs = [result.output, result.h, ...(result.c ? [result.c] : [])];
  const grads = [cast(file('grad_output'), dtype), cast(file('grad_h'), dtype), ...(result.c ? [cast(file('grad_c'), dtype)] : [])];
  g.autograd.backward(outputs, grads);

  const errors = new Map<string, number>();
  const compare = (key: string, actual: Tensor | null | undefined) => errors.set(key, relativeError(floats(actual), floats(file(key))));
  compare('output', result.output);
  compare('h', result.h);
  if (result.c) compare('c', result.c);
  compare('input.grad', input.grad);
  if (h0) compare('h0.grad', h0.grad);
  if (c0) compare('c0.grad', c0.grad);
  for (const [paramName, p] of module.namedParameters()) compare(`${paramName}.grad`, p.grad);
  return errors;
}

const names = goldenNames();
const isas = g.backend.kernelVariants('isa').filter((v) => v !== 'auto');
const best = isas[isas.length - 1];
// The golden layers are small (B = 3 and H = 6 in most), so 'auto' runs each direction on one
// thread; 'sequences' and 'units' split even those over the threads.
const variants: [string, string, string, string][] = [
  ['reference', 'baseline', 'scalar', 'auto'],
  ['reference', 'baseline', 'scalar', 'units'],
  ['reference', 'baseline', 'scalar', 'sequences'],
  ['auto', best, 'scalar', 'units'],
  ['auto', best, 'vector', 'serial'],
  ...isas.flatMap((isa) =>
    ['auto', 'packed', 'rows'].flatMap((gemm) =>
      ['auto', 'units', 'sequences'].map((split): [string, string, string, string] => [gemm, isa, 'vector', split]),
    ),
  ),
];

/** Throws unless every error is within the dtype's tolerance; records the worst. */
function expectWithinTolerance(name: string, dtype: FloatDType, errors: Map<string, number>, setting: string): void {
  for (const [key, error] of errors) {
    const slot = (worst[dtype] ??= { error: 0, where: '' });
    if (error > slot.error) Object.assign(slot, { error, where: `${name} ${key} (${setting})` });
    expect(error, `${name} ${key}`).toBeLessThanOrEqual(TOLERANCE[dtype]);
  }
  expect(errors.size).toBeGreaterThanOrEqual(5);
}

describe.each(variants)('gemm %s, isa %s, %s activations, recurrence %s', (gemm, isa, activations, split) => {
  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    it.each(names)('%s', (name) => {
      withKernels({ gemm, isa, activations, recurrence: split }, () => {
        expectWithinTolerance(name, dtype, runCase(name, dtype), `gemm ${gemm}, ${isa}, ${activations} activations, recurrence ${split}`);
      });
    });
  });
});

// The forward and backward passes through the CUDA persistent kernels' step functions
// (native/cpu/persistent_emulation.h): every cell (the reset-before GRU in two stages a step); a
// bidirectional layer's directions share a launch, and the layers of a unidirectional stack a
// wavefront launch (the golden layers are small).
describe.each(['float64', 'float32'] as const)('the CUDA persistent kernel, emulated, %s', (dtype) => {
  it.each(names)('%s', (name) => {
    const before = native.emulatedPersistentLaunches();
    // float32 on the other schedule of blocks and threads (see persistent-emulation.test.ts).
    const emulation = dtype === 'float32' ? 'persistent-reversed' : 'persistent';
    const errors = withKernel('cudaEmulation', emulation, () => runCase(name, dtype));
    const { config } = loadGolden(name);
    const launches = native.emulatedPersistentLaunches() - before;
    // Backward a launch per layer; forward too for bidirectional layers (both directions in one),
    // while a unidirectional stack runs as one wavefront (up to 4 layers a launch).
    const forward = config.bidirectional ? config.numLayers : Math.ceil(config.numLayers / 4);
    expect(launches).toBe(forward + config.numLayers);
    expectWithinTolerance(name, dtype, errors, 'the persistent kernel, emulated');
  });
});

afterAll(() => {
  for (const [dtype, { error, where }] of Object.entries(worst)) {
    console.log(`golden: largest relative error in ${dtype}: ${error.toExponential(2)} at ${where}`);
  }
});
