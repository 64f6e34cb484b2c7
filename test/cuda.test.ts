// The CUDA API on a machine where CUDA is unusable (CI, this repository's development machine):
// every request for the GPU throws with the reason, nothing falls back silently, and the device
// plumbing is a no-op on the CPU. The GPU itself is tested by scripts/gpu-check.sh (test/gpu/check.ts).
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { native } from '../ts/native';

const info = g.cuda.info();
const usable = info.available;
if (usable) console.log('cuda.test: CUDA is usable here, so the "unusable" cases are skipped; run scripts/gpu-check.sh for the GPU tests');

describe.skipIf(usable)('where CUDA is unusable', () => {
  const reason = info.reason;

  it('says why, in info() and isAvailable()', () => {
    expect(g.cuda.isAvailable()).toBe(false);
    expect(reason.length).toBeGreaterThan(20);
    expect(info.cublasPath).toBe('');
    expect(g.device()).toBe('cpu');
  });

  it('throws the reason when a tensor, a module or the default device asks for cuda', () => {
    const t = g.randn([2, 3]);
    expect(() => t.to('cuda')).toThrow(reason);
    expect(() => t.cuda()).toThrow(reason);
    expect(() => new g.nn.LSTM({ inputSize: 3, hiddenSize: 4 }).to('cuda')).toThrow(reason);
    expect(() => g.setDevice('cuda')).toThrow(reason);
    expect(g.getDevice()).toBe('cpu');
    expect(() => g.zeros([2], { device: 'cuda' })).toThrow(reason);
    expect(() => g.tensor([1, 2], undefined, { device: 'cuda' })).toThrow(reason);
    expect(() => g.cuda.setTf32(true)).toThrow(reason);
  });

  it('leaves the tensor and the module usable on the CPU after a refused move', () => {
    const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 4 });
    expect(() => lstm.to('cuda')).toThrow();
    expect(lstm.device).toBe('cpu');
    expect(lstm.forward(g.randn([5, 2, 3])).output.shape).toEqual([5, 2, 4]);
  });

  it('plans no persistent launch, and says so without throwing', () => {
    const spec = { cell: 0, inputSize: 8, hiddenSize: 64, numLayers: 2, bidirectional: false, bias: true, batchFirst: false, seqLen: 5, batch: 4, dropout: 0 };
    const plan = native.cudaPersistentPlan(spec);
    expect(plan.launchesPerLayer).toBe(0);
    expect(plan.wavefront).toEqual({ layers: 1, blocks: 0, sharedBytes: 0 });
  });

  it('reports an empty device memory pool', () => {
    expect(g.cuda.memory()).toEqual({ allocatedBytes: 0, cachedBytes: 0, peakBytes: 0, deviceAllocations: 0 });
    expect(() => g.cuda.emptyCache()).not.toThrow();
  });
});

describe('the CUDA kernel switches', () => {
  it.each([
    ['cudaRecurrence', ['auto', 'gemm', 'persistent'], 'persistent'],
    ['cudaWavefront', ['auto', 'off', 'on'], 'on'],
    ['cudaGraphs', ['auto', 'off', 'on'], 'on'],
    ['cudaStreams', ['auto', 'one', 'two'], 'two'],
    ['cudaUploads', ['auto', 'pageable', 'pinned'], 'pinned'],
  ] as const)('%s offers %j, keeps the setting, and rejects others', (name, variants, forced) => {
    expect(g.backend.kernelVariants(name)).toEqual(variants);
    expect(g.backend.getKernel(name)).toBe('auto');
    g.backend.setKernel(name, forced);
    try {
      expect(g.backend.getKernel(name)).toBe(forced);
      // CPU calls ignore it.
      g.manualSeed(1);
      const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 5, bidirectional: true });
      expect(lstm.forward(g.randn([4, 2, 3])).output.shape).toEqual([4, 2, 10]);
    } finally {
      g.backend.setKernel(name, 'auto');
    }
    expect(() => g.backend.setKernel(name, 'fast')).toThrow(RangeError);
  });
});

describe('device plumbing on the CPU', () => {
  it('to(cpu), cpu() and Module.to(cpu) are no-ops', () => {
    const t = g.randn([2, 2]);
    expect(t.to('cpu')).toBe(t);
    expect(t.cpu()).toBe(t);
    expect(t.device).toBe('cpu');
    const linear = new g.nn.Linear(2, 3);
    expect(linear.to('cpu')).toBe(linear);
    expect(linear.device).toBe('cpu');
  });

  it('still converts dtypes through to()', () => {
    expect(g.tensor([1.5, 2.5]).to('float64').dtype).toBe('float64');
  });

  it('rejects unknown devices, naming the argument', () => {
    expect(() => g.randn([2]).to('gpu' as never)).toThrow(TypeError);
    expect(() => g.zeros([2], { device: 'gpu' as never })).toThrow(/options\.device/);
    expect(() => g.setDevice('tpu' as never)).toThrow(/device/);
    expect(() => new g.nn.Linear(2, 2).to('gpu' as never)).toThrow(TypeError);
  });

  it('reads data asynchronously with await t.data()', async () => {
    const t = g.randn([3, 4]).transpose(0, 1);
    expect(Array.from((await t.data()) as Float32Array)).toEqual(Array.from(t.dataSync() as Float32Array));
  });

  it('refuses objects that are not CUDA buffers at the native boundary', () => {
    expect(() => native.cudaFree({} as never)).toThrow(TypeError);
    expect(() => native.cudaDownload({} as never, new Float32Array(1))).toThrow(/CUDA buffer/);
    expect(() => native.binary(0, [1], {} as never, [1], 0, new Float32Array(1), [1], 0, new Float32Array(1))).toThrow(/CUDA buffer/);
  });
});
