// The CUDA persistent kernels' code run on the CPU (setKernel('cudaEmulation', 'persistent'), see
// native/cpu/persistent_emulation.h) against the CPU engine, on layers wide and batched enough to
// exercise their tiling as an H100 plans it: several units per block, a last block with fewer
// units, partial tiles of sequences and rows, the K axis split over the threads and staged in
// chunks, lengths and both directions; forward and backward; stacked layers as one wavefront
// launch. The golden files run through them too (golden.test.ts).
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import { native } from '../ts/native';
import { Tensor } from '../ts/tensor';
import { CaseConfig, floats, makeModule, relativeError, withKernel } from './helpers';

type Shape = Pick<CaseConfig, 'cell' | 'hiddenSize' | 'batch'> & {
  bidirectional?: boolean;
  bias?: boolean;
  numLayers?: number;
  dropout?: number;
  lengths?: number[];  // (else 1 + (7b mod T) for sequence b)
};
type Wavefront = 'auto' | 'off' | 'on';
/** false: the CPU engine; true: the emulated kernels; 'reversed': blocks and threads the other way round. */
type Emulation = boolean | 'reversed';

const TOLERANCE: Record<FloatDType, number> = { float64: 1e-10, float32: 1e-5 };
const SEQ_LEN = 3;
const INPUT_SIZE = 5;

interface Run {
  values: Map<string, Float64Array>;
  launches: number;          // forward and backward
  forwardLaunches: number;
}

/** Outputs and gradients of one forward and backward pass, named, in a fixed order. */
function run(shape: Shape, dtype: FloatDType, emulate: Emulation, wavefront: Wavefront = 'auto'): Run {
  g.manualSeed(20261203);
  const config = {
    cell: shape.cell,
    inputSize: INPUT_SIZE,
    hiddenSize: shape.hiddenSize,
    numLayers: shape.numLayers ?? 1,
    bidirectional: shape.bidirectional ?? false,
    batchFirst: false,
    bias: shape.bias ?? true,
  };
  const module = makeModule(config, dtype, shape.dropout ?? 0) as g.nn.LSTM;
  const B = shape.batch, H = shape.hiddenSize, states = config.numLayers * (config.bidirectional ? 2 : 1);
  const input = g.randn([SEQ_LEN, B, INPUT_SIZE], { dtype, requiresGrad: true });
  const h0 = g.randn([states, B, H], { dtype, requiresGrad: true });
  const lengths = shape.lengths ?? Array.from({ length: B }, (_, b) => 1 + ((b * 7) % SEQ_LEN));
  const state = shape.cell === 'lstm' ? { lengths, h0, c0: g.randn([states, B, H], { dtype }) } : { lengths, h0 };
  const before = native.emulatedPersistentLaunches();
  const emulation = emulate === 'reversed' ? 'persistent-reversed' : emulate ? 'persistent' : 'off';
  let forwardLaunches = 0;
  const result = withKernel('cudaEmulation', emulation, () =>
    withKernel('cudaWavefront', wavefront, () => {
      const out = module.forward(input, state) as { output: Tensor; h: Tensor; c?: Tensor };
      forwardLaunches = native.emulatedPersistentLaunches() - before;
      const outputs = [out.output, out.h];
      g.autograd.backward(outputs, outputs.map((t) => g.randn(t.shape, { dtype })));
      return out;
    }),
  );
  const launches = native.emulatedPersistentLaunches() - before;
  const values = new Map<string, Float64Array>([
    ['output', floats(result.output)],
    ['h', floats(result.h)],
    ['input.grad', floats(input.grad)],
    ['h0.grad', floats(h0.grad)],
  ]);
  if (result.c) values.set('c', floats(result.c));
  for (const [name, p] of module.namedParameters()) values.set(`${name}.grad`, floats(p.grad));
  return { values, launches, forwardLaunches };
}

/** The first index where two arrays differ (Object.is: NaN equals NaN, 0 not -0), -1 where none does. */
function firstDifference(actual: Float64Array | undefined, expected: Float64Array): number {
  if (!actual || actual.length !== expected.length) return 0;
  return actual.findIndex((x, i) => !Object.is(x, expected[i]));
}

function expectAgreement(values: Map<string, Float64Array>, expected: Map<string, Float64Array>, dtype: FloatDType): void {
  for (const [key, want] of expected) {
    expect(relativeError(values.get(key) ?? new Float64Array(), want), key).toBeLessThanOrEqual(TOLERANCE[dtype]);
  }
}

function describeShape(s: Shape): string {
  return `${s.cell} H ${s.hiddenSize} B ${s.batch}${s.bidirectional ? ' bidirectional' : ''}${s.bias === false ? ' no bias' : ''}`;
}

// Units per block on 132 multiprocessors in brackets.
const taken: Shape[] = [
  { cell: 'lstm', hiddenSize: 133, batch: 17, bidirectional: true }, // 3 on 66 each, the last block 1; partial tiles
  { cell: 'gru', hiddenSize: 200, batch: 5, numLayers: 2 },          // a wavefront: 6, then 3
  { cell: 'gru', hiddenSize: 70, batch: 9, bias: false },            // 1, no b_hh
  { cell: 'gru_reset_before', hiddenSize: 150, batch: 6, bidirectional: true, numLayers: 2 }, // 3, two stages a step
  { cell: 'rnn_relu', hiddenSize: 300, batch: 64 },                  // 3, the largest batch
  { cell: 'rnn_tanh', hiddenSize: 257, batch: 2, bidirectional: true },
  { cell: 'lstm', hiddenSize: 640, batch: 1 },                       // 5, K split 40 ways
];

describe.each(['float64', 'float32'] as const)('the persistent kernel, emulated, against the CPU engine (%s)', (dtype) => {
  it.each(taken.map((s) => [describeShape(s), s] as const))('%s', (_, shape) => {
    const expected = run(shape, dtype, false).values;
    const { values, launches, forwardLaunches } = run(shape, dtype, true);
    // Both directions in one launch; a unidirectional stack forward in one (a wavefront).
    const layers = shape.numLayers ?? 1;
    expect(forwardLaunches).toBe(shape.bidirectional ? layers : 1);
    expect(launches - forwardLaunches).toBe(layers);
    expectAgreement(values, expected, dtype);
  });
});

// Layer i of a wavefront runs time t at launch step t + i, and computes its input projections as
// it goes (W_ih on chip, the layer below's state as the operand). Up to 4 layers share a launch.
describe.each(['float64', 'float32'] as const)('stacked layers as one wavefront launch, emulated (%s)', (dtype) => {
  const stacks: Shape[] = [
    { cell: 'lstm', hiddenSize: 150, batch: 7, numLayers: 2 },
    { cell: 'gru', hiddenSize: 90, batch: 3, numLayers: 3 },
    { cell: 'gru_reset_before', hiddenSize: 64, batch: 5, numLayers: 2 },  // two stages a step
    { cell: 'rnn_tanh', hiddenSize: 301, batch: 2, numLayers: 3 },
    { cell: 'rnn_relu', hiddenSize: 40, batch: 9, numLayers: 2, bias: false },
    { cell: 'lstm', hiddenSize: 33, batch: 64, numLayers: 5 },  // 4 layers in one launch, then 1
  ];
  it.each(stacks.map((s) => [`${describeShape(s)}, ${s.numLayers} layers`, s] as const))('%s', (_, shape) => {
    const expected = run(shape, dtype, false).values;
    const layers = shape.numLayers ?? 1;
    const on = run(shape, dtype, true, 'on');
    expect(on.forwardLaunches).toBe(Math.ceil(layers / 4));
    expect(on.launches - on.forwardLaunches).toBe(layers);  // backward: a launch per layer
    expectAgreement(on.values, expected, dtype);
    const off = run(shape, dtype, true, 'off');
    expect(off.forwardLaunches).toBe(layers);
    expectAgreement(off.values, expected, dtype);
  });
});

// A 16-bit call rounds the layer below's state and W_ih as it stages them, as the GEMM path and
// the CPU round the layer input and W_ih; only the order of the float32 sums differs.
describe.each(['bfloat16', 'float16'] as const)('a wavefront in %s (inference)', (dtype) => {
  it.each(['lstm', 'gru', 'gru_reset_before'] as const)('%s, 3 layers, with lengths', (cell) => {
    g.manualSeed(7);
    const config = { cell, inputSize: INPUT_SIZE, hiddenSize: 48, numLayers: 3, bidirectional: false, batchFirst: true, bias: true };
    const module = makeModule(config, dtype);
    const input = g.randn([4, 6, INPUT_SIZE]);  // [B, T, I]
    const lengths = [6, 1, 3, 5];
    const outputOf = (emulate: boolean) => {
      const before = native.emulatedPersistentLaunches();
      return withKernel('cudaEmulation', emulate ? 'persistent' : 'off', () =>
        withKernel('cudaWavefront', 'on', () => {
          const { output, h } = g.noGrad(() => module.forward(input, { lengths }) as { output: Tensor; h: Tensor });
          return { output: floats(output), h: floats(h), launches: native.emulatedPersistentLaunches() - before };
        }),
      );
    };
    const expected = outputOf(false), emulated = outputOf(true);
    expect(emulated.launches).toBe(1);
    expect(relativeError(emulated.output, expected.output)).toBeLessThanOrEqual(TOLERANCE.float32);
    expect(relativeError(emulated.h, expected.h)).toBeLessThanOrEqual(TOLERANCE.float32);
  });
});

// In training, each layer below another applies the dropout to its output as it writes it for the
// layer above: the same masks as the CPU engine draws.
describe.each(['float64', 'float32'] as const)('a wavefront with dropout between the layers (%s)', (dtype) => {
  it.each([
    { cell: 'lstm', hiddenSize: 40, batch: 4, numLayers: 3, dropout: 0.3 },
    { cell: 'gru_reset_before', hiddenSize: 24, batch: 6, numLayers: 2, dropout: 0.5 },
    { cell: 'rnn_relu', hiddenSize: 31, batch: 3, numLayers: 6, dropout: 0.2 },  // 4 layers, then 2
    { cell: 'gru', hiddenSize: 20, batch: 4, numLayers: 3, dropout: 0.3, lengths: [0, 3, 1, 0] },  // empty sequences
  ] as Shape[])('$cell, $numLayers layers, p $dropout', (shape) => {
    const expected = run(shape, dtype, false).values;
    const emulated = run(shape, dtype, true, 'on');
    expect(emulated.forwardLaunches).toBe(Math.ceil((shape.numLayers ?? 1) / 4));
    expectAgreement(emulated.values, expected, dtype);
  });
});

describe('where a wavefront does not run', () => {
  it('bidirectional layers (the next layer needs the whole sequence of both directions)', () => {
    const shape: Shape = { cell: 'gru', hiddenSize: 40, batch: 4, numLayers: 2, bidirectional: true };
    expect(run(shape, 'float64', true, 'on').forwardLaunches).toBe(2);
  });

  // At H 1024 in float32, a layer above the first would need 12 units' rows of W_ih and W_hh per
  // block (over 384 KiB) to share the 132 multiprocessors with the first: over 227 KiB.
  it('layers too wide to share the multiprocessors: a launch per layer', () => {
    const shape: Shape = { cell: 'lstm', hiddenSize: 1024, batch: 2, numLayers: 2 };
    const emulated = run(shape, 'float32', true, 'on');
    expect(emulated.forwardLaunches).toBe(2);
  });

  // 'auto' takes a wavefront where one layer's step product is at most 2^17 multiply-adds per
  // multiprocessor (batch x gates x H^2 <= 2^17 x 132 = 17.3M): LSTM H 256 at batch 64 (16.8M)
  // is within it, H 512 at batch 32 (33.6M) past it.
  it("'auto' leaves large steps to a launch per layer", () => {
    expect(run({ cell: 'lstm', hiddenSize: 512, batch: 32, numLayers: 2 }, 'float32', true).forwardLaunches).toBe(2);
    expect(run({ cell: 'lstm', hiddenSize: 256, batch: 64, numLayers: 2 }, 'float32', true).forwardLaunches).toBe(1);
  });
});

describe('the shapes the emulated H100 does not take run as usual', () => {
  it.each([
    ['batch 65 (over 64)', { cell: 'lstm', hiddenSize: 16, batch: 65 } as Shape, 'float32'],
    ['LSTM H 1024 B 16 in float64 (over 227 KiB of shared memory per block)', { cell: 'lstm', hiddenSize: 1024, batch: 16 } as Shape, 'float64'],
  ] as const)('%s', (_, shape, dtype) => {
    const expected = run(shape, dtype, false).values;
    const { values, launches } = run(shape, dtype, true);
    expect(launches).toBe(0);
    expect(relativeError(values.get('output') ?? new Float64Array(), expected.get('output') ?? new Float64Array())).toBe(0);
  });

  // Forward: all of K staged at B 16; in 4 chunks of 256 at B 64. Backward (K = 4096): chunks of
  // 1024 at B 16, of 256 at B 64. Bidirectional, the directions' shares do not fit on half the
  // multiprocessors each (16 units per block): a launch per direction.
  it.each([
    [16, false, 2],
    [64, false, 2],
    [16, true, 4],
  ] as const)('LSTM H 1024 B %i (bidirectional: %s) in float32 fits, in chunks, and agrees', (batch, bidirectional, launchCount) => {
    const shape: Shape = { cell: 'lstm', hiddenSize: 1024, batch, bidirectional };
    const expected = run(shape, 'float32', false).values;
    const { values, launches } = run(shape, 'float32', true);
    expect(launches).toBe(launchCount);
    expectAgreement(values, expected, 'float32');
  });
});

// The GPU runs a stage's blocks in no fixed order, and between two block barriers each thread's
// phases in no fixed order against the other threads'. Where the kernels have no race (a block
// reading what another writes in the same stage, a thread what another of its block writes before
// a barrier separates them), the order cannot change a bit: run everything the other way round,
// each thread's phases up to a barrier at once (see HostBlock).
describe.each(['float64', 'float32'] as const)('another schedule of blocks and threads gives the same bits (%s)', (dtype) => {
  const shapes: Shape[] = [
    ...taken,
    ...(dtype === 'float32' ? [{ cell: 'lstm', hiddenSize: 1024, batch: 16 } as Shape] : []),  // operands in chunks
    { cell: 'gru', hiddenSize: 90, batch: 3, numLayers: 3 },  // a wavefront
    { cell: 'gru_reset_before', hiddenSize: 64, batch: 5, numLayers: 2, dropout: 0.4 },
    { cell: 'lstm', hiddenSize: 33, batch: 64, numLayers: 5, dropout: 0.2 },
  ];
  it.each(shapes.map((s) => [`${describeShape(s)}, ${s.numLayers ?? 1} layer(s)`, s] as const))('%s', (_, shape) => {
    const inOrder = run(shape, dtype, true, 'on');
    const reversed = run(shape, dtype, 'reversed', 'on');
    expect(reversed.launches).toBe(inOrder.launches);
    expect(inOrder.launches).toBeGreaterThan(0);
    for (const [key, values] of inOrder.values) expect(firstDifference(reversed.values.get(key), values), key).toBe(-1);
  });
});

it('cudaEmulation is a kernel switch with settings off, persistent and persistent-reversed', () => {
  expect(g.backend.kernelVariants('cudaEmulation')).toEqual(['off', 'persistent', 'persistent-reversed']);
  expect(g.backend.getKernel('cudaEmulation')).toBe('off');
  expect(() => g.backend.setKernel('cudaEmulation', 'on')).toThrow(RangeError);
});
