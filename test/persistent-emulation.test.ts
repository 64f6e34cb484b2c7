// The CUDA persistent kernels' code run on the CPU (setKernel('cudaEmulation', 'persistent'), see
// native/cpu/persistent_emulation.h) against the CPU engine, on layers wide and batched enough to
// exercise their tiling as an H100 plans it: several units per block, a last block with fewer
// units, partial tiles of sequences and rows, the K axis split over the threads and staged in
// chunks, lengths and both directions; forward and backward. The golden files run through them
// too (golden.test.ts).
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { FloatDType } from '../ts/dtype';
import { native } from '../ts/native';
import { Tensor } from '../ts/tensor';
import { CaseConfig, floats, makeModule, relativeError } from './helpers';

type Shape = Pick<CaseConfig, 'cell' | 'hiddenSize' | 'batch'> & { bidirectional?: boolean; bias?: boolean; numLayers?: number };

const TOLERANCE: Record<FloatDType, number> = { float64: 1e-10, float32: 1e-5 };
const SEQ_LEN = 3;
const INPUT_SIZE = 5;

/** Outputs and gradients of one forward and backward pass, named, in a fixed order. */
function run(shape: Shape, dtype: FloatDType, emulate: boolean): { values: Map<string, Float64Array>; launches: number } {
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
  const module = makeModule(config, dtype) as g.nn.LSTM;
  const B = shape.batch, H = shape.hiddenSize, states = config.numLayers * (config.bidirectional ? 2 : 1);
  const input = g.randn([SEQ_LEN, B, INPUT_SIZE], { dtype, requiresGrad: true });
  const h0 = g.randn([states, B, H], { dtype, requiresGrad: true });
  const lengths = Array.from({ length: B }, (_, b) => 1 + ((b * 7) % SEQ_LEN));
  const state = shape.cell === 'lstm' ? { lengths, h0, c0: g.randn([states, B, H], { dtype }) } : { lengths, h0 };
  const before = native.emulatedPersistentLaunches();
  g.backend.setKernel('cudaEmulation', emulate ? 'persistent' : 'off');
  let result: { output: Tensor; h: Tensor; c?: Tensor };
  try {
    result = module.forward(input, state) as typeof result;
    const outputs = [result.output, result.h];
    g.autograd.backward(outputs, outputs.map((t) => g.randn(t.shape, { dtype })));
  } finally {
    g.backend.setKernel('cudaEmulation', 'off');
  }
  const launches = native.emulatedPersistentLaunches() - before;
  const values = new Map<string, Float64Array>([
    ['output', floats(result.output)],
    ['h', floats(result.h)],
    ['input.grad', floats(input.grad)],
    ['h0.grad', floats(h0.grad)],
  ]);
  if (result.c) values.set('c', floats(result.c));
  for (const [name, p] of module.namedParameters()) values.set(`${name}.grad`, floats(p.grad));
  return { values, launches };
}

function describeShape(s: Shape): string {
  return `${s.cell} H ${s.hiddenSize} B ${s.batch}${s.bidirectional ? ' bidirectional' : ''}${s.bias === false ? ' no bias' : ''}`;
}

// Units per block on 132 multiprocessors in brackets.
const taken: Shape[] = [
  { cell: 'lstm', hiddenSize: 133, batch: 17, bidirectional: true }, // 2, the last block 1; partial tiles
  { cell: 'gru', hiddenSize: 200, batch: 5, numLayers: 2 },          // 2
  { cell: 'gru', hiddenSize: 70, batch: 9, bias: false },            // 1, no b_hh
  { cell: 'gru_reset_before', hiddenSize: 150, batch: 6, bidirectional: true, numLayers: 2 }, // 3, two stages a step
  { cell: 'rnn_relu', hiddenSize: 300, batch: 64 },                  // 3, the largest batch
  { cell: 'rnn_tanh', hiddenSize: 257, batch: 2, bidirectional: true },
  { cell: 'lstm', hiddenSize: 640, batch: 1 },                       // 5, K split 40 ways
];

describe.each(['float64', 'float32'] as const)('the persistent kernel, emulated, against the CPU engine (%s)', (dtype) => {
  it.each(taken.map((s) => [describeShape(s), s] as const))('%s', (_, shape) => {
    const expected = run(shape, dtype, false).values;
    const { values, launches } = run(shape, dtype, true);
    expect(launches).toBe(2 * (shape.numLayers ?? 1));  // forward and backward; both directions in one launch
    for (const [key, want] of expected) {
      expect(relativeError(values.get(key) ?? new Float64Array(), want), key).toBeLessThanOrEqual(TOLERANCE[dtype]);
    }
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
    for (const [key, want] of expected) {
      expect(relativeError(values.get(key) ?? new Float64Array(), want), key).toBeLessThanOrEqual(TOLERANCE.float32);
    }
  });
});

it('cudaEmulation is a kernel switch with settings off and persistent', () => {
  expect(g.backend.kernelVariants('cudaEmulation')).toEqual(['off', 'persistent']);
  expect(g.backend.getKernel('cudaEmulation')).toBe('off');
  expect(() => g.backend.setKernel('cudaEmulation', 'on')).toThrow(RangeError);
});
