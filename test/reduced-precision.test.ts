// Recurrent modules computing in bfloat16 and float16 (inference): the rounding against PyTorch's
// conversions, every cell's forward pass against a PyTorch reference that rounds the same operands
// (test/golden/reduced, scripts/make_reduced_golden.py), the error against float32, and the API's
// refusals (gradients, float64).
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { native } from '../ts/native';
import { floats, relativeError, withKernel, withKernels } from './helpers';
import { PRECISIONS, checkReducedErrors, loadReduced, reducedCaseFiles, runReducedCase } from './reduced-replay';

const caseFiles = reducedCaseFiles();
const worst: Record<string, { error: number; where: string }> = {};

function note(label: string, error: number, where: string) {
  const slot = (worst[label] ??= { error: 0, where: '' });
  if (error > slot.error) Object.assign(slot, { error, where });
}

describe('rounding to 16 bits', () => {
  const table = loadReduced('rounding.safetensors');
  const values = Float32Array.from(floats(table.get('values')));
  it.each([
    ['bfloat16', 1, false],
    ['float16', 2, false],
    ['bfloat16', 1, true],
    ['float16', 2, true],
  ] as const)('%s equals PyTorch on every value (ties, subnormals, overflow, NaN); through 16-bit words: %s', (name, precision, words) => {
    const expected = floats(table.get(name));
    expect(values.length).toBeGreaterThan(1000);
    // The CPU's loops are compiled per instruction set: each must agree.
    let rounded: Float32Array<ArrayBufferLike> = new Float32Array(0);
    for (const isa of words ? ['auto'] : g.backend.kernelVariants('isa')) {
      rounded = withKernels({ gemm: 'auto', isa, activations: 'vector', recurrence: 'auto' }, () => native.roundOperands(values, precision, words));
      let mismatches = 0;
      for (let i = 0; i < values.length; i++) {
        const same = Number.isNaN(expected[i]) ? Number.isNaN(rounded[i]) : Object.is(rounded[i], expected[i]);
        if (!same) mismatches++;
      }
      expect(mismatches, `isa ${isa}`).toBe(0);
    }
    // The table is not trivial: most values change.
    expect(rounded.filter((v, i) => v !== values[i]).length).toBeGreaterThan(values.length / 2);
  });

  it('refuses other precisions and non-float32 values', () => {
    expect(() => native.roundOperands(values, 3 as 1)).toThrow(RangeError);
    expect(() => native.roundOperands(new Float64Array(3) as unknown as Float32Array, 1)).toThrow(TypeError);
  });
});

// Each case under the default kernels, under every instruction set this CPU has, and under a few
// forced variants (the scalar reference GEMM, the vector kernels split by units, then by sequences),
// as the float32 golden tests do.
const isas = g.backend.kernelVariants('isa').filter((v) => v !== 'auto');
const variants: [string, string, string, string][] = [
  ...isas.map((isa): [string, string, string, string] => ['auto', isa, 'vector', 'auto']),
  ['reference', 'baseline', 'scalar', 'serial'],
  ['auto', isas[isas.length - 1], 'vector', 'units'],
  ['packed', isas[isas.length - 1], 'vector', 'sequences'],
];

describe.each(variants)('forward against PyTorch (gemm %s, isa %s, %s activations, recurrence %s)', (gemm, isa, activations, split) => {
  describe.each(PRECISIONS)('%s', (precision) => {
    it.each(caseFiles)('%s', (file) => {
      withKernels({ gemm, isa, activations, recurrence: split }, () => {
        const errors = runReducedCase(file, precision, 'cpu');
        expect(errors.size).toBeGreaterThanOrEqual(2);
        for (const [key, { reference, againstFloat32 }] of errors) {
          note(`${precision} vs PyTorch`, reference, `${file} ${key} (gemm ${gemm}, ${isa}, ${activations}, ${split})`);
          note(`${precision} vs float32`, againstFloat32, `${file} ${key}`);
        }
        checkReducedErrors(errors, precision);
      });
    });
  });
});

// The CUDA persistent kernel, emulated (native/cpu/persistent_emulation.h): it rounds W_hh and
// each state as it stages them, which must give PyTorch's rounded result too.
describe.each(PRECISIONS)('forward against PyTorch through the CUDA persistent kernel, emulated (%s)', (precision) => {
  it.each(caseFiles)('%s', (file) => {
    const before = native.emulatedPersistentLaunches();
    const errors = withKernel('cudaEmulation', 'persistent', () => runReducedCase(file, precision, 'cpu'));
    const launches = native.emulatedPersistentLaunches() - before;
    expect(launches).toBeGreaterThan(0);
    for (const [key, { reference, againstFloat32 }] of errors) {
      note(`${precision} vs PyTorch`, reference, `${file} ${key} (the persistent kernel, emulated)`);
      note(`${precision} vs float32`, againstFloat32, `${file} ${key}`);
    }
    checkReducedErrors(errors, precision);
  });
});

describe('reduced-precision modules', () => {
  const options = { inputSize: 6, hiddenSize: 10, numLayers: 2, bidirectional: true };

  it('keep float32 parameters, so a float32 state dict loads and setDtype switches back and forth', () => {
    g.manualSeed(11);
    const trained = new g.nn.GRU(options);
    const served = new g.nn.GRU({ ...options, dtype: 'bfloat16' });
    expect(served.dtype).toBe('bfloat16');
    expect(served.parameterDtype).toBe('float32');
    served.loadStateDict(trained.stateDict());
    const x = g.randn([5, 3, 6]);
    const exact = g.noGrad(() => trained.forward(x)).output.dataSync() as Float32Array;
    const reduced = g.noGrad(() => served.forward(x)).output.dataSync() as Float32Array;
    const error = relativeError(reduced, exact);
    expect(error).toBeGreaterThan(1e-4);
    expect(error).toBeLessThan(2e-2);
    served.setDtype('float32');
    expect(Array.from(g.noGrad(() => served.forward(x)).output.dataSync() as Float32Array)).toEqual(Array.from(exact));
    trained.setDtype('float16');
    expect(trained.dtype).toBe('float16');
  });

  it('keep rounded weights across calls only while the parameters and the dtype stay the same', () => {
    g.manualSeed(12);
    const served = new g.nn.LSTM({ ...options, dtype: 'bfloat16' });
    const x = g.randn([6, 2, 6]);
    const outputOf = (m: g.nn.LSTM) => Array.from(g.noGrad(() => m.forward(x)).output.dataSync() as Float32Array);
    // A fresh module with served's current parameters, in `dtype`: nothing cached for it yet.
    const fresh = (dtype: g.nn.RecurrentDType) => {
      const m = new g.nn.LSTM({ ...options, dtype });
      m.loadStateDict(served.stateDict());
      return m;
    };
    outputOf(served); // rounds and caches the copies
    for (const p of served.parameters()) {
      const data = p.contiguousData() as Float32Array;
      data.forEach((v, i) => (data[i] = v * 1.5 + 0.01));
      p.markModified();
    }
    expect(outputOf(served)).toEqual(outputOf(fresh('bfloat16')));
    served.setDtype('float16');
    expect(outputOf(served)).toEqual(outputOf(fresh('float16')));
    expect(outputOf(served)).not.toEqual(outputOf(fresh('bfloat16')));
  });

  it('throw a TypeError naming the way out when a call would record gradients', () => {
    const lstm = new g.nn.LSTM({ ...options, dtype: 'bfloat16' });
    const x = g.randn([4, 2, 6]);
    expect(() => lstm.forward(x)).toThrow(TypeError);
    expect(() => lstm.forward(x)).toThrow(/inference only.*g\.noGrad/);
    return expect(lstm.forwardAsync(x)).rejects.toThrow(/inference only/);
  });

  it('compute the same asynchronously, with lengths and returned gates', async () => {
    const lstm = new g.nn.LSTM({ ...options, dtype: 'float16' });
    const x = g.randn([7, 3, 6]);
    const lengths = [7, 2, 5];
    const sync = g.noGrad(() => lstm.forward(x, { lengths, returnGates: true }));
    const later = await g.noGrad(() => lstm.forwardAsync(x, { lengths, returnGates: true }));
    expect(Array.from(later.output.dataSync() as Float32Array)).toEqual(Array.from(sync.output.dataSync() as Float32Array));
    expect(Array.from(later.c.dataSync() as Float32Array)).toEqual(Array.from(sync.c.dataSync() as Float32Array));
    expect(sync.gates?.shape).toEqual([4, 3, 7, 40]);
  });

  it('refuse float64 inputs and float64 modules', () => {
    const rnn = new g.nn.RNN({ ...options, dtype: 'bfloat16' });
    expect(() => g.noGrad(() => rnn.forward(g.randn([3, 2, 6], { dtype: 'float64' })))).toThrow(/expected input of dtype float32/);
    const wide = new g.nn.RNN({ ...options, dtype: 'float64' });
    expect(() => wide.setDtype('bfloat16')).toThrow(/dtype/);
    expect(() => new g.nn.LSTM({ ...options, dtype: 'int8' as 'float16' })).toThrow(/dtype/);
  });

  it('are refused by the native entry points where they do not apply', () => {
    const spec = { cell: 3, inputSize: 2, hiddenSize: 3, numLayers: 1, bidirectional: false, bias: false, batchFirst: false, seqLen: 2, batch: 1, dropout: 0 };
    const f64 = (n: number) => new Float64Array(n).fill(0.5);
    const f32 = (n: number) => new Float32Array(n).fill(0.5);
    expect(() => native.rnnForward({ ...spec, precision: 1 }, f64(4), [f64(6), f64(9)], null, null, null, 0n, false, null)).toThrow(
      /float32 buffers for a bfloat16 or float16 call/,
    );
    expect(() => native.rnnForward({ ...spec, precision: 5 }, f32(4), [f32(6), f32(9)], null, null, null, 0n, false, null)).toThrow(RangeError);
    const forward = native.rnnForward({ ...spec, precision: 2 }, f32(4), [f32(6), f32(9)], null, null, null, 0n, true, null);
    expect(() =>
      native.rnnBackward({ ...spec, precision: 2 }, f32(4), [f32(6), f32(9)], null, null, null, 0n, forward.reserve!, f32(6), null, null, true),
    ).toThrow(/forward only/);
    native.hostBlockFree(forward.reserve!);
  });
});

afterAll(() => {
  for (const [label, { error, where }] of Object.entries(worst)) {
    console.log(`reduced precision: largest relative error, ${label}: ${error.toExponential(2)} at ${where}`);
  }
});
