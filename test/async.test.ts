// forwardAsync: the same results as forward, computed off the JavaScript thread, so the event loop
// keeps running; concurrent calls share the compute pool safely; inputs are held for the call.
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { native } from '../ts/native';

const options = { inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true, batchFirst: true };

function models() {
  g.manualSeed(4);
  return [new g.nn.LSTM(options), new g.nn.GRU(options), new g.nn.GRU({ ...options, resetAfter: false }), new g.nn.RNN(options)];
}

describe('forwardAsync', () => {
  it('gives exactly the results of forward', async () => {
    for (const model of models()) {
      model.eval();
      const x = g.randn([5, 7, 8]);
      const lengths = [7, 3, 5, 1, 6];
      const sync = g.noGrad(() => model.forward(x, { lengths }));
      const async = await g.noGrad(() => model.forwardAsync(x, { lengths }));
      expect(Array.from(async.output.dataSync() as Float32Array)).toEqual(Array.from(sync.output.dataSync() as Float32Array));
      expect(Array.from(async.h.dataSync() as Float32Array)).toEqual(Array.from(sync.h.dataSync() as Float32Array));
    }
  });

  it('keeps the event loop ticking during a long call', async () => {
    g.manualSeed(1);
    const lstm = new g.nn.LSTM({ inputSize: 64, hiddenSize: 256, numLayers: 2 });
    const x = g.randn([400, 32, 64]);
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    const started = performance.now();
    await g.noGrad(() => lstm.forwardAsync(x));
    const elapsed = performance.now() - started;
    clearInterval(timer);
    console.log(`forwardAsync: ${elapsed.toFixed(0)} ms, ${ticks} timer ticks meanwhile`);
    expect(elapsed).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThanOrEqual(Math.min(5, Math.floor(elapsed / 10)));
  });

  it('runs several calls at once safely', async () => {
    const [lstm] = models();
    lstm.eval();
    const inputs = [0, 1, 2, 3, 4, 5].map(() => g.randn([3, 9, 8]));
    const expected = inputs.map((x) => Array.from(g.noGrad(() => lstm.forward(x)).output.dataSync() as Float32Array));
    const results = await Promise.all(inputs.map((x) => g.noGrad(() => lstm.forwardAsync(x))));
    results.forEach((r, i) => expect(Array.from(r.output.dataSync() as Float32Array)).toEqual(expected[i]));
  });

  it('holds its inputs: disposing them is safe, changing them in place waits for the call', async () => {
    const [, gru] = models();
    gru.eval();
    const x = g.randn([2, 4, 8]);
    const expected = Array.from(g.noGrad(() => gru.forward(x)).output.dataSync() as Float32Array);
    const copy = g.tensor(x.dataSync(), [2, 4, 8]);
    const pending = g.noGrad(() => gru.forwardAsync(copy));
    copy.dispose();
    const weight = gru.parameter('weight_hh_l0');
    expect(() => weight.writableData()).toThrow(/async call/);
    const optimizer = new g.optim.SGD(gru.parameters(), { lr: 0.1 });
    weight.grad = g.ones(weight.shape);
    expect(() => optimizer.step()).toThrow(/async call/);
    expect(Array.from((await pending).output.dataSync() as Float32Array)).toEqual(expected);
    expect(() => optimizer.step()).not.toThrow();
  });

  it('records on the tape, so backward works after an awaited forward', async () => {
    const [lstm] = models();
    const x = g.randn([2, 3, 8], { requiresGrad: true });
    const { h } = await lstm.forwardAsync(x);
    h.sum().backward();
    const asyncGrad = Array.from(x.grad!.dataSync() as Float32Array);
    x.grad = null;
    lstm.forward(x).h.sum().backward();
    expect(asyncGrad).toEqual(Array.from(x.grad!.dataSync() as Float32Array));
  });

  it('rejects bad input with the same errors as forward', async () => {
    const [lstm] = models();
    await expect(lstm.forwardAsync(g.randn([2, 3, 5]))).rejects.toThrow(/inputSize/);
  });
});

describe('compute pool', () => {
  // An LSTM in eval mode, a batch for it, and its output as an array.
  function lstmCase() {
    const [lstm] = models();
    lstm.eval();
    const x = g.randn([64, 20, 8]);
    return () => Array.from(g.noGrad(() => lstm.forward(x)).output.dataSync() as Float32Array);
  }

  // body() with the pool resized to `threads`, then back to its size before.
  function withThreads<T>(threads: number, body: () => T): T {
    const before = g.getNumThreads();
    try {
      g.setNumThreads(threads);
      return body();
    } finally {
      g.setNumThreads(before);
    }
  }

  it('gives the same results with 1 and 2 threads', () => {
    const output = lstmCase();
    expect(withThreads(2, output)).toEqual(withThreads(1, output));
    expect(() => g.setNumThreads(0)).toThrow(RangeError);
  });

  it('wakes sleeping threads for the next call, whatever the idle spin', async () => {
    const output = lstmCase();
    const before = g.getIdleSpin();
    expect(before).toBe(10);
    const expected = output();
    try {
      for (const ms of [0, 0.05, 3]) {
        g.setIdleSpin(ms);
        expect(g.getIdleSpin()).toBe(ms);
        await new Promise((resolve) => setTimeout(resolve, 2 * ms + 5)); // the workers sleep by now
        expect(output()).toEqual(expected);
      }
    } finally {
      g.setIdleSpin(before);
    }
    expect(() => g.setIdleSpin(-1)).toThrow(/milliseconds/);
    expect(() => g.setIdleSpin(Number.NaN)).toThrow(RangeError);
    expect(() => g.setIdleSpin('5' as unknown as number)).toThrow(TypeError);
  });

  it('turns a part that runs out of memory on a pool thread into an error, and works on', () => {
    const output = lstmCase();
    withThreads(2, () => {
      const expected = output();
      for (const kind of ['run', 'team', 'run', 'team'] as const) {
        expect(() => native.poolFailureProbe(kind), kind).toThrow(expect.objectContaining({ code: 'ERR_GATED_OUT_OF_MEMORY' }));
        expect(output()).toEqual(expected);
      }
    });
  });
});
