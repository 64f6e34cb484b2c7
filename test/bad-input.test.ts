// Bad input never crashes the process and never corrupts state: every wrong argument throws a
// TypeError or RangeError whose message names the argument, and the objects involved keep working.
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { RnnSpec, native } from '../ts/native';
import { Tensor } from '../ts/tensor';

type ErrorClass = typeof TypeError | typeof RangeError | typeof Error;

/** Runs fn and checks it throws an instance of `cls` whose message starts with 'gated:' and matches every pattern. */
function expectThrow(fn: () => unknown, cls: ErrorClass, ...patterns: (RegExp | string)[]): Error {
  let caught: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (error) {
    threw = true;
    caught = error;
  }
  expect(threw, `expected a ${cls.name} matching ${patterns.join(', ')}`).toBe(true);
  expect(caught, `wrong error class: ${String(caught)}`).toBeInstanceOf(cls);
  const message = (caught as Error).message;
  expect(message).toMatch(/^gated: /);
  for (const pattern of patterns) {
    if (typeof pattern === 'string') expect(message).toContain(pattern);
    else expect(message).toMatch(pattern);
  }
  return caught as Error;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptions = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModule = any;

interface CellCase {
  name: string;
  make: (options: AnyOptions) => AnyModule;
  hasCell: boolean;
}

const CELLS: CellCase[] = [
  { name: 'LSTM', make: (o) => new g.nn.LSTM(o), hasCell: true },
  { name: 'GRU (resetAfter: true)', make: (o) => new g.nn.GRU({ ...o, resetAfter: true }), hasCell: false },
  { name: 'GRU (resetAfter: false)', make: (o) => new g.nn.GRU({ ...o, resetAfter: false }), hasCell: false },
  { name: 'RNN (tanh)', make: (o) => new g.nn.RNN(o), hasCell: false },
  { name: 'RNN (relu)', make: (o) => new g.nn.RNN({ ...o, nonlinearity: 'relu' }), hasCell: false },
];

const BASE = { inputSize: 3, hiddenSize: 4 };

describe.each(CELLS)('$name options', ({ make }) => {
  it('builds with valid options', () => {
    const m = make({ ...BASE, numLayers: 2, dropout: 0.5, bidirectional: true, batchFirst: true, bias: false, dtype: 'float64' });
    expect(m.hiddenSize).toBe(4);
    expect(m.dtype).toBe('float64');
  });

  it.each(['inputSize', 'hiddenSize', 'numLayers'])('rejects bad %s', (key) => {
    for (const bad of [2.5, -3, 0, NaN, Infinity]) {
      expectThrow(() => make({ ...BASE, [key]: bad }), RangeError, new RegExp(`expected ${key} to be an integer >= 1 but received`), String(bad));
    }
    for (const bad of ['4', null, true, [4], 4n]) {
      if (bad === null && key === 'numLayers') continue; // null means "not given" for optional numbers
      expectThrow(() => make({ ...BASE, [key]: bad }), TypeError, `expected ${key} to be an integer >= 1 but received`);
    }
    expectThrow(() => make({ ...BASE, [key]: -3 }), RangeError, `gated: expected ${key} to be an integer >= 1 but received -3 of type number`);
  });

  it('rejects missing required sizes', () => {
    expectThrow(() => make({ hiddenSize: 4 }), TypeError, 'inputSize', 'undefined');
    expectThrow(() => make({ inputSize: 3 }), TypeError, 'hiddenSize', 'undefined');
  });

  it('rejects dropout outside [0, 1] or not a number', () => {
    for (const bad of [-0.1, 1.5, NaN, Infinity, -Infinity]) {
      expectThrow(() => make({ ...BASE, numLayers: 2, dropout: bad }), RangeError, 'expected dropout to be a number in [0, 1]', String(bad));
    }
    for (const bad of ['0.5', true, {}]) {
      expectThrow(() => make({ ...BASE, numLayers: 2, dropout: bad }), TypeError, 'expected dropout to be a number in [0, 1]');
    }
  });

  it('rejects unknown option keys (typos)', () => {
    expectThrow(() => make({ inputSize: 3, hiddenSzie: 4 }), TypeError, "unknown option 'hiddenSzie'", 'hiddenSize');
    expectThrow(() => make({ ...BASE, num_layers: 2 }), TypeError, "unknown option 'num_layers'");
    expectThrow(() => make({ ...BASE, batch_first: true }), TypeError, "unknown option 'batch_first'");
  });

  it('rejects bad dtypes', () => {
    for (const bad of ['half', 'int32', 'int64', 'Float32', 'bf16']) {
      expectThrow(() => make({ ...BASE, dtype: bad }), RangeError, "expected dtype to be 'float32' or 'float64' or 'bfloat16' or 'float16'", `'${bad}'`);
    }
    expectThrow(() => make({ ...BASE, dtype: 32 }), TypeError, 'expected dtype to be', '32 of type number');
  });

  it.each(['bidirectional', 'batchFirst', 'bias'])('rejects a non-boolean %s', (key) => {
    for (const bad of ['true', 1, 0, 'yes', {}]) {
      expectThrow(() => make({ ...BASE, [key]: bad }), TypeError, `expected ${key} to be a boolean`);
    }
  });
});

describe('module-specific options', () => {
  it('rejects missing or non-object options', () => {
    const ctors = [g.nn.LSTM, g.nn.GRU, g.nn.RNN] as unknown as (new (o?: unknown) => unknown)[];
    const names = ['LSTM', 'GRU', 'RNN'];
    ctors.forEach((Ctor, i) => {
      for (const bad of [undefined, null, 5, 'inputSize: 3']) {
        expectThrow(() => new Ctor(bad), TypeError, `expected ${names[i]} options to be an object`);
      }
      expectThrow(() => new Ctor({}), TypeError, 'expected inputSize');
    });
  });

  it('GRU rejects a non-boolean resetAfter', () => {
    for (const bad of ['false', 0, 1, {}]) {
      expectThrow(() => new g.nn.GRU({ ...BASE, resetAfter: bad } as AnyOptions), TypeError, 'expected resetAfter to be a boolean');
    }
  });

  it('RNN rejects a bad nonlinearity', () => {
    for (const bad of ['sigmoid', 'Tanh', 'RELU', '']) {
      expectThrow(() => new g.nn.RNN({ ...BASE, nonlinearity: bad } as AnyOptions), RangeError, "expected nonlinearity to be 'tanh' or 'relu'");
    }
    expectThrow(() => new g.nn.RNN({ ...BASE, nonlinearity: 1 } as AnyOptions), TypeError, 'expected nonlinearity');
  });

  it('options of one cell are unknown to the others', () => {
    expectThrow(() => new g.nn.LSTM({ ...BASE, resetAfter: false } as AnyOptions), TypeError, "unknown option 'resetAfter'");
    expectThrow(() => new g.nn.LSTM({ ...BASE, nonlinearity: 'relu' } as AnyOptions), TypeError, "unknown option 'nonlinearity'");
    expectThrow(() => new g.nn.GRU({ ...BASE, nonlinearity: 'relu' } as AnyOptions), TypeError, "unknown option 'nonlinearity'");
    expectThrow(() => new g.nn.RNN({ ...BASE, resetAfter: true } as AnyOptions), TypeError, "unknown option 'resetAfter'");
  });
});

// Forward: a 2-layer bidirectional module (L * D = 4 state slots), T = 5, B = 2.
const T = 5;
const B = 2;
const H = 4;
const SLOTS = 4;

function snapshot(result: { output: Tensor; h: Tensor; c?: Tensor }): number[][] {
  return [result.output, result.h, ...(result.c ? [result.c] : [])].map((t) => Array.from(t.dataSync() as Float32Array));
}

describe.each(CELLS)('$name forward', ({ make, hasCell }) => {
  it('rejects bad input, state and lengths, and keeps working afterwards', () => {
    g.manualSeed(7);
    const m = make({ ...BASE, numLayers: 2, bidirectional: true, dropout: 0.3 });
    m.eval();
    const bf = make({ ...BASE, numLayers: 2, bidirectional: true, batchFirst: true });
    const x = g.randn([T, B, 3]);
    const h0 = g.randn([SLOTS, B, H]);
    const c0 = g.randn([SLOTS, B, H]);
    const state = hasCell ? { h0, c0, lengths: [5, 3] } : { h0, lengths: [5, 3] };
    const before = snapshot(m.forward(x, state));
    const beforePlain = snapshot(m.forward(x));
    const beforeUnbatched = snapshot(m.forward(x.select(1, 0)));
    const versions = [x.version, h0.version, c0.version];

    // input not a Tensor
    for (const bad of [undefined, null, 5, [[1, 2, 3]], new Float32Array(30), { shape: [5, 2, 3] }]) {
      expectThrow(() => m.forward(bad), TypeError, 'expected input to be a Tensor');
    }
    // wrong rank
    for (const shape of [[3], [T, B, 3, 1], [T, B, 3, 1, 1]]) {
      expectThrow(() => m.forward(g.randn(shape)), RangeError, 'expected input to be a rank-3 tensor', `[${shape.join(', ')}]`);
    }
    expectThrow(() => m.forward(g.tensor(1)), RangeError, 'expected input to be a rank-3 tensor', 'but received shape []');
    // shapes are reported as shapes, not as strings the caller passed
    expect(expectThrow(() => m.forward(g.randn([3])), RangeError).message).not.toContain('of type string');
    // wrong feature size
    expectThrow(() => m.forward(g.randn([T, B, 7])), RangeError, 'expected input.shape[2] to be 3 (inputSize) but received 7');
    expectThrow(() => m.forward(g.randn([T, 7])), RangeError, 'expected input.shape[1] to be 3 (inputSize) but received 7');
    // empty sequences
    expectThrow(() => m.forward(g.randn([0, B, 3])), RangeError, 'input', 'at least one step');
    expectThrow(() => m.forward(g.randn([T, 0, 3])), RangeError, 'input', 'at least one step');
    // dtypes
    expectThrow(() => m.forward(g.randn([T, B, 3], { dtype: 'float64' })), TypeError, 'expected input of dtype float32', 'float64');
    expectThrow(() => m.forward(g.zeros([T, B, 3], { dtype: 'int32' })), TypeError, 'expected input of dtype float32', 'int32');
    expectThrow(() => m.forward(g.zeros([T, B, 3], { dtype: 'int64' })), TypeError, 'expected input of dtype float32', 'int64');
    const m64 = make({ ...BASE, dtype: 'float64' });
    expectThrow(() => m64.forward(x), TypeError, 'expected input of dtype float64', 'float32');
    // state object
    for (const bad of [null, 5, 'h0']) expectThrow(() => m.forward(x, bad), TypeError, 'expected state to be an object');
    expectThrow(() => m.forward(x, { hx: h0 }), TypeError, "unknown option 'hx' in state");
    expectThrow(() => m.forward(x, { h_0: h0 }), TypeError, "unknown option 'h_0' in state");
    // h0 wrong shape / dtype / type
    for (const shape of [[SLOTS, B, H + 1], [SLOTS - 1, B, H], [SLOTS, B + 1, H], [B, H], [SLOTS, B, H, 1], [SLOTS * B * H]]) {
      expectThrow(() => m.forward(x, { h0: g.randn(shape) }), RangeError, 'expected h0 to be of shape [4, 2, 4]', `[${shape.join(', ')}]`);
    }
    expectThrow(() => m.forward(x, { h0: g.randn([SLOTS, B, H], { dtype: 'float64' }) }), TypeError, 'expected h0 of dtype float32', 'float64');
    expectThrow(() => m.forward(x, { h0: g.zeros([SLOTS, B, H], { dtype: 'int32' }) }), TypeError, 'expected h0 of dtype float32', 'int32');
    for (const bad of [null, 0, [[0]], new Float32Array(SLOTS * B * H)]) {
      expectThrow(() => m.forward(x, { h0: bad }), TypeError, 'expected h0 to be a Tensor');
    }
    // unbatched input with a batched h0 and vice versa
    expectThrow(() => m.forward(x.select(1, 0), { h0 }), RangeError, 'expected h0 to be of shape [4, 4]');
    expectThrow(() => m.forward(x, { h0: g.randn([SLOTS, H]) }), RangeError, 'expected h0 to be of shape [4, 2, 4]');
    // batch-first vs time-major: [B, T, I] input, so h0's batch must be B, not T
    const xbf = g.randn([B, T, 3]);
    expect(bf.forward(xbf, { h0 }).output.shape).toEqual([B, T, 2 * H]);
    expectThrow(() => bf.forward(xbf, { h0: g.randn([SLOTS, T, H]) }), RangeError, 'expected h0 to be of shape [4, 2, 4]', '[4, 5, 4]');
    // a batch-first input given to a time-major module reads T = 2, B = 5
    expectThrow(() => m.forward(xbf, { h0 }), RangeError, 'expected h0 to be of shape [4, 5, 4]', '[4, 2, 4]');
    // c0
    if (hasCell) {
      for (const shape of [[SLOTS, B, H + 1], [SLOTS, 1, H], [B, H]]) {
        expectThrow(() => m.forward(x, { h0, c0: g.randn(shape) }), RangeError, 'expected c0 to be of shape [4, 2, 4]');
      }
      expectThrow(() => m.forward(x, { c0: g.randn([SLOTS, B, H], { dtype: 'float64' }) }), TypeError, 'expected c0 of dtype float32');
      expectThrow(() => m.forward(x, { c0: 1 }), TypeError, 'expected c0 to be a Tensor');
      expectThrow(() => m.forward(x.select(1, 0), { c0 }), RangeError, 'expected c0 to be of shape [4, 4]');
    } else {
      expectThrow(() => m.forward(x, { h0, c0 }), TypeError, "unknown option 'c0' in state", 'known options are lengths, h0');
      expectThrow(() => m.forward(x.select(1, 0), { c0: c0.select(1, 0) }), TypeError, "unknown option 'c0' in state");
    }
    // lengths
    const lengthCount = 'expected lengths to be of length 2 (one entry per sequence)';
    expectThrow(() => m.forward(x, { lengths: [5] }), RangeError, `${lengthCount} but received length 1`);
    expectThrow(() => m.forward(x, { lengths: [5, 5, 5] }), RangeError, lengthCount, 'received length 3');
    expectThrow(() => m.forward(x, { lengths: new Int32Array(3) }), RangeError, lengthCount);
    expectThrow(() => m.forward(x, { lengths: g.tensor([5], undefined, { dtype: 'int32' }) }), RangeError, lengthCount);
    const rangeCases: [unknown[], string][] = [
      [[-1, 5], 'lengths[0]'],
      [[5, 6], 'lengths[1]'],
      [[2.5, 5], 'lengths[0]'],
      [[5, NaN], 'lengths[1]'],
      [[Infinity, 5], 'lengths[0]'],
      [[5, -Infinity], 'lengths[1]'],
      [[5, 2 ** 40], 'lengths[1]'],
    ];
    for (const [lengths, argument] of rangeCases) {
      expectThrow(() => m.forward(x, { lengths }), RangeError, `expected ${argument} to be an integer in [0, 5]`);
    }
    for (const bad of [['5', 3], [5, null], [5, undefined], [5, [3]], [true, 3]]) {
      expectThrow(() => m.forward(x, { lengths: bad }), TypeError, /expected lengths\[[01]\] to be an integer in \[0, 5\]/);
    }
    expectThrow(() => m.forward(x, { lengths: new Int32Array([5, 6]) }), RangeError, 'expected lengths[1] to be an integer in [0, 5]', '6');
    expectThrow(() => m.forward(x, { lengths: new Int32Array([-2, 1]) }), RangeError, 'expected lengths[0]', '-2');
    expectThrow(() => m.forward(x, { lengths: g.tensor([5, 9], undefined, { dtype: 'int64' }) }), RangeError, 'expected lengths[1]', '9');
    expectThrow(() => m.forward(x, { lengths: g.tensor([5, 3]) }), TypeError, 'expected lengths of dtype int32 or int64', 'float32');
    expectThrow(() => m.forward(x, { lengths: g.tensor([5, 3], undefined, { dtype: 'float64' }) }), TypeError, 'lengths', 'float64');
    expectThrow(() => m.forward(x, { lengths: g.tensor([[5, 3]], undefined, { dtype: 'int32' }) }), RangeError, 'expected lengths to be a rank-1 tensor [2]', '[1, 2]');
    expectThrow(() => m.forward(x, { lengths: g.tensor(5, undefined, { dtype: 'int32' }) }), RangeError, 'expected lengths to be a rank-1 tensor');
    for (const bad of [null, 5, '5,3', new Float32Array([5, 3]), new BigInt64Array([5n, 3n]), { 0: 5, 1: 3, length: 2 }]) {
      expectThrow(() => m.forward(x, { lengths: bad }), TypeError, 'expected lengths to be a Tensor, an array of integers or an Int32Array');
    }
    expectThrow(() => m.forward(x.select(1, 0), { lengths: [5] }), TypeError, 'lengths', 'rank-2 input');
    // disposed tensors
    const gone = g.randn([T, B, 3]);
    gone.dispose();
    expectThrow(() => m.forward(gone), TypeError, 'input was used after dispose()');
    const goneH0 = g.randn([SLOTS, B, H]);
    goneH0.dispose();
    expectThrow(() => m.forward(x, { h0: goneH0 }), TypeError, 'h0 was used after dispose()');
    expectThrow(() => m.forward(x.select(1, 0), { h0: goneH0 }), TypeError, 'h0 was used after dispose()');
    const goneLengths = g.tensor([5, 3], undefined, { dtype: 'int32' });
    goneLengths.dispose();
    expectThrow(() => m.forward(x, { lengths: goneLengths }), TypeError, 'lengths was used after dispose()');
    if (hasCell) {
      const goneC0 = g.randn([SLOTS, B, H]);
      goneC0.dispose();
      expectThrow(() => m.forward(x, { h0, c0: goneC0 }), TypeError, 'c0 was used after dispose()');
    }

    // Nothing was corrupted: the arguments are intact and the module gives the same results.
    expect([x.version, h0.version, c0.version]).toEqual(versions);
    expect([x.isDisposed, h0.isDisposed, c0.isDisposed]).toEqual([false, false, false]);
    expect(snapshot(m.forward(x, state))).toEqual(before);
    expect(snapshot(m.forward(x))).toEqual(beforePlain);
    expect(snapshot(m.forward(x.select(1, 0)))).toEqual(beforeUnbatched);
  });

  it('rejects a forward after the module (or one parameter) was disposed', () => {
    const m = make({ ...BASE, numLayers: 2 });
    const x = g.randn([T, B, 3]);
    const before = snapshot(m.forward(x));
    m.parameters()[1].dispose();
    expectThrow(() => m.forward(x), TypeError, /parameter 1 of the (LSTM|GRU|RNN)/, 'used after dispose()');
    m.dispose();
    expectThrow(() => m.forward(x), TypeError, /parameter 0 of the (LSTM|GRU|RNN)/, 'used after dispose()');
    expectThrow(() => m.forward(x.select(1, 0)), TypeError, 'used after dispose()');
    // the input is untouched, and a fresh module with the same seed still runs
    expect(x.isDisposed).toBe(false);
    expect(before[0]).toHaveLength(T * B * H);
  });
});

describe('float64 module', () => {
  it('rejects float32 input and state, then still runs', () => {
    const m = new g.nn.LSTM({ ...BASE, dtype: 'float64' });
    const x = g.randn([T, B, 3], { dtype: 'float64' });
    const first = Array.from(m.forward(x).output.dataSync() as Float32Array);
    expectThrow(() => m.forward(g.randn([T, B, 3])), TypeError, 'expected input of dtype float64', 'float32');
    expectThrow(() => m.forward(x, { h0: g.randn([1, B, H]) }), TypeError, 'expected h0 of dtype float64', 'float32');
    expectThrow(() => m.forward(x, { c0: g.randn([1, B, H]) }), TypeError, 'expected c0 of dtype float64', 'float32');
    expect(Array.from(m.forward(x).output.dataSync() as Float32Array)).toEqual(first);
  });
});

describe('tensor creation', () => {
  it('rejects ragged nested arrays', () => {
    expectThrow(() => g.tensor([[1, 2], [3]]), RangeError, 'expected data[1] to be an array of length 2', 'not rectangular');
    expectThrow(() => g.tensor([[1, 2], 3] as AnyOptions), RangeError, 'expected data[1] to be an array of length 2');
    expectThrow(() => g.tensor([1, [2]] as AnyOptions), RangeError, 'expected data[1] to be a number');
    expectThrow(() => g.tensor([[[1], [2]], [[3], [4, 5]]]), RangeError, 'expected data[1][1] to be an array of length 1');
  });

  it('rejects bad data elements', () => {
    expectThrow(() => g.tensor(['a'] as AnyOptions), TypeError, 'data element 0', "'a'");
    expectThrow(() => g.tensor([1, null] as AnyOptions), TypeError, 'data element 1', 'null');
    expectThrow(() => g.tensor([1, 2.5], undefined, { dtype: 'int32' }), TypeError, 'data element 1', 'int32');
    expectThrow(() => g.tensor([NaN], undefined, { dtype: 'int64' }), TypeError, 'data element 0', 'int64');
    expectThrow(() => g.tensor([1, 2 ** 40], undefined, { dtype: 'int32' }), RangeError, 'data element 1', 'int32');
    expectThrow(() => g.tensor([2n ** 63n], undefined, { dtype: 'int64' }), RangeError, 'data element 0', 'int64');
    expectThrow(() => g.tensor(new Float32Array([0.5]), undefined, { dtype: 'int32' }), TypeError, 'data element 0');
    for (const bad of ['1,2', undefined, null, { length: 2 }, new Int16Array(2)]) {
      expectThrow(() => g.tensor(bad as AnyOptions), TypeError, 'expected data to be a number, nested arrays of numbers or a typed array');
    }
    // the edge values themselves are fine
    expect(g.tensor([-(2 ** 31), 2 ** 31 - 1], undefined, { dtype: 'int32' }).toArray()).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(g.tensor([2n ** 63n - 1n], undefined, { dtype: 'int64' }).toArray()).toEqual([2n ** 63n - 1n]);
  });

  it('rejects shapes that do not fit the data or are not non-negative integers', () => {
    expectThrow(() => g.tensor([1, 2, 3, 4], [3]), RangeError, "expected shape to be a shape with 4 elements (the data's length) but received [3]");
    expectThrow(() => g.tensor([1, 2, 3, 4], [2, 3]), RangeError, 'expected shape', '[2, 3]');
    expectThrow(() => g.tensor([1, 2], [-2]), RangeError, 'expected shape[0] to be an integer >= 0', '-2');
    expectThrow(() => g.tensor([1, 2], [1, 2.5]), RangeError, 'expected shape[1] to be an integer >= 0', '2.5');
    expectThrow(() => g.tensor([1, 2], [NaN]), RangeError, 'expected shape[0]', 'NaN');
    expectThrow(() => g.tensor([1, 2], ['2'] as AnyOptions), TypeError, 'expected shape[0] to be an integer >= 0', "'2'");
    expectThrow(() => g.tensor([1, 2], 2 as AnyOptions), TypeError, 'expected shape to be an array');
    for (const make of [g.zeros, g.ones, g.rand, g.randn]) {
      expectThrow(() => make([2, -1]), RangeError, 'expected shape[1] to be an integer >= 0');
      expectThrow(() => make([1.5]), RangeError, 'expected shape[0]');
      expectThrow(() => make('2' as AnyOptions), TypeError, 'expected shape to be an array');
    }
  });

  it('rejects unknown dtypes and options', () => {
    for (const bad of ['float16', 'uint8', 'Float32', 1]) {
      expectThrow(() => g.tensor([1], undefined, { dtype: bad } as AnyOptions), TypeError, 'expected options.dtype to be', String(bad));
      expectThrow(() => g.zeros([1], { dtype: bad } as AnyOptions), TypeError, 'expected options.dtype');
    }
    expectThrow(() => g.randn([2], { dtype: 'int32' }), TypeError, 'expected options.dtype', 'randn', 'int32');
    expectThrow(() => g.rand([2], { dtype: 'int64' }), TypeError, 'expected options.dtype', 'rand');
    expectThrow(() => g.tensor([1], undefined, { dtpye: 'float64' } as AnyOptions), TypeError, "unknown option 'dtpye' in options");
    expectThrow(() => g.tensor([1], undefined, 'float64' as AnyOptions), TypeError, 'expected options to be an object');
    expectThrow(() => g.tensor([1], undefined, { requiresGrad: 'yes' } as AnyOptions), TypeError, 'expected options.requiresGrad to be a boolean');
  });

  it('rejects bad fill values and ranges', () => {
    expectThrow(() => g.full([2], 'x' as AnyOptions), TypeError, 'expected value to be a number');
    expectThrow(() => g.full([2], 1.5, { dtype: 'int32' }), TypeError, 'expected value to be an integer for int32', '1.5');
    expectThrow(() => g.full([2], 2 ** 40, { dtype: 'int32' }), RangeError, 'expected value to be an integer in [-2^31, 2^31) for int32');
    expectThrow(() => g.full([2], NaN, { dtype: 'int64' }), TypeError, 'expected value to be an integer', 'int64');
    expect(g.full([2], NaN).toArray()).toEqual([NaN, NaN]);
    expect(g.full([2], 7, { dtype: 'int64' }).toArray()).toEqual([7, 7]);
    expectThrow(() => g.uniform([2], 'a' as AnyOptions, 1), TypeError, 'expected low to be a finite number');
    expectThrow(() => g.uniform([2], 0, NaN), RangeError, 'expected high to be a finite number');
    expectThrow(() => g.uniform([2], 1, 0), RangeError, 'expected high to be a finite number >= low (1)', '0');
  });

  it('rejects requiresGrad on integer tensors', () => {
    expectThrow(() => g.tensor([1, 2], undefined, { dtype: 'int32', requiresGrad: true }), TypeError, 'requiresGrad', 'int32');
    expectThrow(() => g.zeros([2], { dtype: 'int64', requiresGrad: true }), TypeError, 'requiresGrad', 'int64');
    const t = g.tensor([1, 2], undefined, { dtype: 'int32' });
    expectThrow(() => {
      t.requiresGrad = true;
    }, TypeError, 'requiresGrad', 'int32');
    expect(t.requiresGrad).toBe(false);
    const f = g.tensor([1, 2]);
    expectThrow(() => {
      (f as AnyOptions).requiresGrad = 1;
    }, TypeError, 'expected requiresGrad to be a boolean');
    expect(f.requiresGrad).toBe(false);
  });
});

describe('tensor views and reads', () => {
  it('rejects out-of-range and non-integer view arguments', () => {
    const t = g.tensor([[1, 2, 3], [4, 5, 6]]);
    const version = t.version;
    expectThrow(() => t.select(2, 0), RangeError, 'expected dim to be an integer in [-2, 1]', '2');
    expectThrow(() => t.select(-3, 0), RangeError, 'expected dim');
    expectThrow(() => t.select(0.5, 0), RangeError, 'expected dim', '0.5');
    expectThrow(() => t.select('0' as AnyOptions, 0), TypeError, 'expected dim', "'0'");
    expectThrow(() => t.select(0, 2), RangeError, 'expected index to be an integer in [-2, 1]', '2');
    expectThrow(() => t.select(1, -4), RangeError, 'expected index to be an integer in [-3, 2]', '-4');
    expectThrow(() => t.select(0, 0.5), RangeError, 'expected index', '0.5');
    expectThrow(() => t.select(0, NaN), RangeError, 'expected index', 'NaN');
    expectThrow(() => t.select(0, undefined as AnyOptions), TypeError, 'expected index', 'undefined');
    expectThrow(() => t.narrow(1, 4, 0), RangeError, 'expected start to be an integer in [0, 3]', '4');
    expectThrow(() => t.narrow(1, -1, 1), RangeError, 'expected start', '-1');
    expectThrow(() => t.narrow(1, 2, 2), RangeError, 'expected length to be an integer in [0, 1]', '2');
    expectThrow(() => t.narrow(1, 0, 1.5), RangeError, 'expected length', '1.5');
    expectThrow(() => t.narrow(5, 0, 1), RangeError, 'expected dim');
    expectThrow(() => t.transpose(0, 2), RangeError, 'expected dim1 to be an integer in [-2, 1]', '2');
    expectThrow(() => t.transpose(-3, 0), RangeError, 'expected dim0', '-3');
    expectThrow(() => t.transpose(0.5, 1), RangeError, 'expected dim0', '0.5');
    expectThrow(() => t.transpose(0, '1' as AnyOptions), TypeError, 'expected dim1');
    expectThrow(() => t.reshape([4]), RangeError, 'expected shape to be a shape with 6 elements', '[4]');
    expectThrow(() => t.reshape([-1, -1]), RangeError, 'expected shape to be a shape with at most one -1');
    expectThrow(() => t.reshape([-1, 4]), RangeError, 'expected shape to be a shape compatible with 6 elements');
    expectThrow(() => t.reshape([2.5, 2]), RangeError, 'expected shape[0] to be an integer >= 0', '2.5');
    expectThrow(() => t.reshape([-2, -3]), RangeError, 'expected shape[0]', '-2');
    expectThrow(() => t.reshape([0, -1]), RangeError, 'expected shape');
    expectThrow(() => t.reshape('6' as AnyOptions), TypeError, 'expected shape to be an array');
    expectThrow(() => g.tensor(1).select(0, 0), RangeError, 'expected dim');
    // the tensor is unchanged and its views still work
    expect(t.version).toBe(version);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(t.select(1, -1).toArray()).toEqual([3, 6]);
    expect(t.narrow(1, 1, 2).transpose(0, 1).reshape([-1]).toArray()).toEqual([2, 5, 3, 6]);
  });

  it('item() needs exactly one element', () => {
    expectThrow(() => g.tensor([[1, 2, 3]]).item(), RangeError, 'item()', 'but received a tensor of shape [1, 3]');
    expectThrow(() => g.zeros([0]).item(), RangeError, 'item()', '[0]');
    expect(g.tensor([[7]]).item()).toBe(7);
  });

  it('reading a disposed tensor throws and names the tensor', () => {
    const t = g.tensor([[1, 2], [3, 4]]);
    const view = t.select(0, 1);
    t.dispose();
    t.dispose(); // twice is fine
    expect(t.isDisposed).toBe(true);
    expectThrow(() => t.dataSync(), TypeError, 'tensor was used after dispose()', '[2, 2]');
    expectThrow(() => t.toArray(), TypeError, 'used after dispose()');
    expectThrow(() => t.item(), TypeError, 'used after dispose()');
    expectThrow(() => t.select(0, 0), TypeError, 'used after dispose()');
    expectThrow(() => t.reshape([4]), TypeError, 'used after dispose()');
    expectThrow(() => t.transpose(0, 1), TypeError, 'used after dispose()');
    expectThrow(() => t.narrow(0, 0, 1), TypeError, 'used after dispose()');
    expectThrow(() => t.contiguous(), TypeError, 'used after dispose()');
    expectThrow(() => t.device, TypeError, 'device was used after dispose()');
    // a view taken before keeps the data alive
    expect(view.toArray()).toEqual([3, 4]);
  });
});

describe('autograd', () => {
  it('rejects gradients of the wrong shape, dtype or kind', () => {
    const x = g.randn([2, 3], { requiresGrad: true });
    const y = x.transpose(0, 1);
    expectThrow(() => g.autograd.backward([y], [g.ones([2, 3])]), RangeError, 'grads[0]', '[3, 2]', '[2, 3]');
    expectThrow(() => g.autograd.backward([y], [g.ones([3, 2], { dtype: 'float64' })]), TypeError, 'grads[0]', 'float64');
    expectThrow(() => g.autograd.backward([y], [g.ones([3, 2], { dtype: 'int32' })]), TypeError, 'grads[0]', 'int32');
    expectThrow(() => g.autograd.backward([y], [[1, 2] as AnyOptions]), TypeError, 'expected grads[0] to be a Tensor');
    expectThrow(() => g.autograd.backward([y], [g.ones([3, 2]), g.ones([3, 2])]), RangeError, 'gradients');
    expectThrow(() => g.autograd.backward([y]), TypeError, 'backward()', '[3, 2]');
    expectThrow(() => g.autograd.backward([g.ones([1])]), TypeError, 'tensors[0]', 'does not require gradients');
    expectThrow(() => g.autograd.backward([5 as AnyOptions]), TypeError, 'expected tensors[0] to be a Tensor');
    const goneGrad = g.ones([3, 2]);
    goneGrad.dispose();
    expectThrow(() => g.autograd.backward([y], [goneGrad]), TypeError, 'grads[0] was used after dispose()');
    expectThrow(() => y.backward(g.ones([2, 3])), RangeError, 'grads[0]');
    const leaf = g.randn([2], { requiresGrad: true });
    expectThrow(() => g.autograd.backward([leaf, y], [g.ones([2]), g.ones([9])]), RangeError, 'grads[1]');
    expect(leaf.grad).toBeNull();
    expectThrow(() => g.autograd.backward([y], [g.ones([3, 2])], { retainGrpah: true } as AnyOptions), TypeError, 'retainGrpah');
    expectThrow(() => g.autograd.backward(y as AnyOptions), TypeError, 'tensors');
    expectThrow(() => g.noGrad(5 as AnyOptions), TypeError, 'fn');
    // nothing was accumulated and the graph still works
    expect(x.grad).toBeNull();
    g.autograd.backward([y], [g.ones([3, 2])]);
    expect(x.grad?.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });

  it('backward twice needs retainGraph; with it the gradients accumulate', () => {
    for (const make of CELLS.map((c) => c.make)) {
      g.manualSeed(3);
      const m = make({ ...BASE, numLayers: 2, bidirectional: true });
      const x = g.randn([T, B, 3], { requiresGrad: true });
      const upstream = g.randn([T, B, 2 * H]);

      const once = m.forward(x).output;
      g.autograd.backward([once], [upstream]);
      const firstX = Array.from(x.grad!.dataSync() as Float32Array);
      const firstW = m.parameters().map((p: Tensor) => Array.from(p.grad!.dataSync() as Float32Array));
      const e = expectThrow(() => g.autograd.backward([once], [upstream]), Error, 'retainGraph', 'second time');
      expect(e.message).toMatch(/\{ retainGraph: true \}/);
      expectThrow(() => once.backward(upstream), Error, 'retainGraph');
      // the failed call accumulated nothing
      expect(Array.from(x.grad!.dataSync() as Float32Array)).toEqual(firstX);

      x.grad = null;
      m.parameters().forEach((p: Tensor) => (p.grad = null));
      const twice = m.forward(x).output;
      g.autograd.backward([twice], [upstream], { retainGraph: true });
      expect(Array.from(x.grad!.dataSync() as Float32Array)).toEqual(firstX);
      twice.backward(upstream, { retainGraph: true });
      const close = (actual: ArrayLike<number>, expected: number[]) =>
        expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(2 * v, 5));
      close(x.grad!.dataSync() as Float32Array, firstX);
      m.parameters().forEach((p: Tensor, i: number) => close(p.grad!.dataSync() as Float32Array, firstW[i]));
      // released after a call without retainGraph
      twice.backward(upstream);
      expectThrow(() => twice.backward(upstream), Error, 'retainGraph');
    }
  });
});

// The native layer: the TypeScript layer normally validates first; these checks are the last line.
describe('native layer', () => {
  const I = 3;
  const G = 4 * H; // LSTM
  const spec = (): RnnSpec => ({
    cell: 0,
    inputSize: I,
    hiddenSize: H,
    numLayers: 1,
    bidirectional: false,
    bias: true,
    batchFirst: false,
    seqLen: T,
    batch: B,
    dropout: 0,
  });
  const filled = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5);
  const input = filled(T * B * I, 1);
  const weights = () => [filled(G * I, 2), filled(G * H, 3), filled(G, 4), filled(G, 5)];
  const state = filled(B * H, 6);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const forward = native.rnnForward as (...args: any[]) => ReturnType<typeof native.rnnForward>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const backward = native.rnnBackward as (...args: any[]) => ReturnType<typeof native.rnnBackward>;
  const good = () => forward(spec(), input, weights(), new Int32Array([5, 3]), state, state, 0n, true);

  it('rejects wrong typed array types and lengths', () => {
    const reference = good();
    expectThrow(() => forward(spec(), new Int32Array(T * B * I), weights(), null, null, null, 0n, false), TypeError, 'input', 'Float32Array');
    expectThrow(() => forward(spec(), Array.from(input), weights(), null, null, null, 0n, false), TypeError, 'input');
    expectThrow(() => forward(spec(), new Float64Array(T * B * I), weights(), null, null, null, 0n, false), TypeError, 'weights[0]', 'Float64Array');
    expectThrow(() => forward(spec(), input.subarray(1), weights(), null, null, null, 0n, false), RangeError, 'input', '30', '29');
    expectThrow(() => forward(spec(), new Float32Array(T * B * I + 1), weights(), null, null, null, 0n, false), RangeError, 'input');
    expectThrow(() => forward(spec(), input, 'weights', null, null, null, 0n, false), TypeError, 'weights');
    expectThrow(() => forward(spec(), input, weights().slice(0, 3), null, null, null, 0n, false), RangeError, 'weight tensors');
    const w = weights();
    w[1] = new Float32Array(G * H - 1);
    expectThrow(() => forward(spec(), input, w, null, null, null, 0n, false), RangeError, 'weights[1]');
    const w2 = weights();
    (w2 as unknown[])[2] = undefined;
    expectThrow(() => forward(spec(), input, w2, null, null, null, 0n, false), TypeError, 'weights[2]');
    expectThrow(() => forward(spec(), input, weights(), null, new Float32Array(B * H + 1), null, 0n, false), RangeError, 'h0');
    expectThrow(() => forward(spec(), input, weights(), null, new Float64Array(B * H), null, 0n, false), TypeError, 'h0', 'Float32Array');
    expectThrow(() => forward(spec(), input, weights(), null, 'h0', null, 0n, false), TypeError, 'h0');
    expectThrow(() => forward(spec(), input, weights(), null, state, new Float32Array(1), 0n, false), RangeError, 'c0');
    expectThrow(() => forward(spec(), input, weights(), new Float32Array([5, 3]), null, null, 0n, false), TypeError, 'lengths', 'Int32Array');
    expectThrow(() => forward(spec(), input, weights(), [5, 3], null, null, 0n, false), TypeError, 'lengths');
    expectThrow(() => forward(spec(), input, weights(), new Int32Array(3), null, null, 0n, false), RangeError, 'lengths');
    // still works, and gives the same answer
    expect(Array.from(good().output)).toEqual(Array.from(reference.output));
  });

  it('rejects lengths outside [0, T]', () => {
    for (const lengths of [[6, 1], [1, -1], [2 ** 31 - 1, 0], [-(2 ** 31), 0]]) {
      expectThrow(() => forward(spec(), input, weights(), new Int32Array(lengths), null, null, 0n, false), RangeError, /expected lengths\[[01]\] in \[0, 5\]/);
    }
    expect(forward(spec(), input, weights(), new Int32Array([0, 5]), null, null, 0n, false).output).toHaveLength(T * B * H);
  });

  it('rejects missing or invalid spec fields', () => {
    const keys = Object.keys(spec()) as (keyof RnnSpec)[];
    for (const key of keys) {
      const s = spec() as unknown as Record<string, unknown>;
      delete s[key];
      const e = expectThrow(() => forward(s, input, weights(), null, null, null, 0n, false), Error, `expected ${key} to be`);
      expect(e instanceof TypeError || e instanceof RangeError).toBe(true);
      s[key] = 'x';
      const e2 = expectThrow(() => forward(s, input, weights(), null, null, null, 0n, false), Error, `expected ${key} to be`);
      expect(e2 instanceof TypeError || e2 instanceof RangeError).toBe(true);
    }
    expectThrow(() => forward({ ...spec(), cell: 5 }, input, weights(), null, null, null, 0n, false), RangeError, 'cell');
    expectThrow(() => forward({ ...spec(), inputSize: 2.5 }, input, weights(), null, null, null, 0n, false), RangeError, 'inputSize');
    expectThrow(() => forward({ ...spec(), seqLen: -1 }, input, weights(), null, null, null, 0n, false), RangeError, 'seqLen');
    expectThrow(() => forward({ ...spec(), batch: 0 }, input, weights(), null, null, null, 0n, false), RangeError, 'batch');
    expectThrow(() => forward({ ...spec(), numLayers: NaN }, input, weights(), null, null, null, 0n, false), RangeError, 'numLayers');
    expectThrow(() => forward({ ...spec(), dropout: 2 }, input, weights(), null, null, null, 0n, false), RangeError, 'dropout');
    expectThrow(() => forward({ ...spec(), dropout: NaN }, input, weights(), null, null, null, 0n, false), RangeError, 'dropout');
    expectThrow(() => forward({ ...spec(), bias: 1 }, input, weights(), null, null, null, 0n, false), TypeError, 'bias');
    expectThrow(() => forward({ ...spec(), hiddenSize: 2 ** 40 }, input, weights(), null, null, null, 0n, false), RangeError, 'hiddenSize');
    expectThrow(
      () => forward({ ...spec(), seqLen: 2 ** 30, batch: 2 ** 30 }, input, weights(), null, null, null, 0n, false),
      RangeError,
      'too large',
    );
    for (const bad of [undefined, null, 5, 'spec']) {
      expectThrow(() => forward(bad, input, weights(), null, null, null, 0n, false), TypeError, 'expected spec to be an object');
    }
    expectThrow(() => forward(), TypeError, 'spec');
  });

  it('throws ERR_GATED_OUT_OF_MEMORY for a call too large for the machine, and the process lives on', () => {
    // 65,536 layers of hidden size 1 over 2^27 rows: small arguments (the input's pages are never
    // touched), but a working reserve of about 2^48 bytes, past any machine's address space.
    const L = 65536, T2 = 1 << 14, B2 = 1 << 13;
    const huge: RnnSpec = { ...spec(), inputSize: 1, hiddenSize: 1, numLayers: L, bidirectional: false, bias: false, seqLen: T2, batch: B2 };
    const hugeWeights = Array.from({ length: 2 * L }, () => new Float32Array(4));
    let caught: unknown = null;
    try {
      forward(huge, new Float32Array(T2 * B2), hugeWeights, null, null, null, 0n, false);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as { code?: string }).code).toBe('ERR_GATED_OUT_OF_MEMORY');
    expect((caught as Error).message).toMatch(/^gated: out of host memory/);
    expect(Array.from(good().output).every(Number.isFinite)).toBe(true); // and the next call works
  });

  it('rejects weight stamps of the wrong type or length, and computes the same with any it accepts', () => {
    const args = (stamps: unknown) => [spec(), input, weights(), null, null, null, 0n, false, stamps] as const;
    const reference = forward(...args(null));
    const count = 1 + 2 * weights().length;
    expectThrow(() => forward(...args(new Float32Array(count))), TypeError, 'weightStamps', 'Float64Array');
    expectThrow(() => forward(...args([1, 2, 3])), TypeError, 'weightStamps');
    expectThrow(() => forward(...args(new Float64Array(count - 1))), RangeError, 'weightStamps');
    // Any numbers name the weights, or not (zero, negative, NaN): the answer is the same either way.
    for (const fill of [0, -1, NaN, 2 ** 60, 7]) {
      const stamps = new Float64Array(count).fill(fill);
      expect(Array.from(forward(...args(stamps)).output)).toEqual(Array.from(reference.output));
    }
  });

  it('rejects a seed that is not a 64-bit unsigned bigint', () => {
    for (const bad of [0, '0', undefined, null, 1.5]) {
      expectThrow(() => forward(spec(), input, weights(), null, null, null, bad, false), TypeError, 'expected seed to be a bigint');
    }
    for (const bad of [-1n, 2n ** 64n]) {
      expectThrow(() => forward(spec(), input, weights(), null, null, null, bad, false), RangeError, 'seed', '64');
    }
  });

  it('rnnBackward rejects bad reserve and gradient buffers', () => {
    const fwd = good();
    const args = (reserve: unknown, dOutput: unknown, dh: unknown, dc: unknown) =>
      [spec(), input, weights(), new Int32Array([5, 3]), state, state, 0n, reserve, dOutput, dh, dc, true] as const;
    const dOut = filled(T * B * H, 7);
    const reference = backward(...args(fwd.reserve, dOut, null, null));
    expectThrow(() => backward(...args(null, dOut, null, null)), TypeError, 'reserve');
    const shorter = forward({ ...spec(), seqLen: T - 1 }, input.subarray(0, (T - 1) * B * I), weights(), null, null, null, 0n, true);
    expectThrow(() => backward(...args(shorter.reserve, dOut, null, null)), RangeError, 'reserve');
    expectThrow(() => backward(...args(new Float32Array(10), dOut, null, null)), TypeError, 'reserve', 'host block');
    const inDouble = forward(spec(), Float64Array.from(input), weights().map((w) => Float64Array.from(w)), null, null, null, 0n, true);
    expectThrow(() => backward(...args(inDouble.reserve, dOut, null, null)), TypeError, 'reserve', 'float64');
    const freed = good();
    native.hostBlockFree(freed.reserve!);
    native.hostBlockFree(freed.reserve!); // a second free does nothing
    expectThrow(() => backward(...args(freed.reserve, dOut, null, null)), TypeError, 'reserve', 'not a live host block');
    // A made-up name is refused, never read: the freed slot's next generation, a slot never used,
    // a fraction, NaN, zero, a negative number, one past 2^53.
    for (const madeUp of [freed.reserve! + 2 ** 24, 2 ** 24 - 1, fwd.reserve! + 0.5, NaN, 0, -1, 2 ** 60]) {
      expectThrow(() => backward(...args(madeUp, dOut, null, null)), TypeError, 'reserve', 'not a live host block');
    }
    expectThrow(() => native.hostBlockFree(new Float32Array(4) as never), TypeError, 'host block');
    expectThrow(() => backward(...args(fwd.reserve, dOut.subarray(1), null, null)), RangeError, 'dOutput');
    expectThrow(() => backward(...args(fwd.reserve, new Float64Array(T * B * H), null, null)), TypeError, 'dOutput');
    expectThrow(() => backward(...args(fwd.reserve, dOut, new Float32Array(1), null)), RangeError, 'dh');
    expectThrow(() => backward(...args(fwd.reserve, dOut, null, new Int32Array(B * H))), TypeError, 'dc');
    expectThrow(
      () => backward(spec(), input, weights(), new Int32Array([9, 3]), state, state, 0n, fwd.reserve, dOut, null, null, true),
      RangeError,
      'lengths[0]',
    );
    expect(Array.from(backward(...args(fwd.reserve, dOut, null, null)).dInput!)).toEqual(Array.from(reference.dInput!));
    // Without inputGrad the input's gradient is skipped; every other gradient is the same.
    const withoutInput = backward(...args(fwd.reserve, dOut, null, null).slice(0, 11), false);
    expect(withoutInput.dInput).toBeNull();
    expect(withoutInput.dWeights.map((w) => Array.from(w))).toEqual(reference.dWeights.map((w) => Array.from(w)));
    expect(Array.from(withoutInput.dh0)).toEqual(Array.from(reference.dh0));
  });

  it('random fills and kernel switches reject bad arguments', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const n = native as any;
    expectThrow(() => n.fillUniform(new Int32Array(4), 0n, 0, 0n, 0, 1), TypeError, 'expected array to be a Float32Array or Float64Array');
    expectThrow(() => n.fillUniform([0, 0], 0n, 0, 0n, 0, 1), TypeError, 'expected array');
    expectThrow(() => n.fillUniform(new Float32Array(4), 0, 0, 0n, 0, 1), TypeError, 'expected seed to be a bigint');
    expectThrow(() => n.fillUniform(new Float32Array(4), 0n, -1, 0n, 0, 1), RangeError, 'expected stream');
    expectThrow(() => n.fillUniform(new Float32Array(4), 0n, 0, 0, 0, 1), TypeError, 'expected offset to be a bigint');
    expectThrow(() => n.fillUniform(new Float32Array(4), 0n, 0, 0n, 'a', 1), TypeError, 'expected low to be a number');
    expectThrow(() => n.fillNormal(new Float64Array(4), 0n, 0, 0n, 0, '1'), TypeError, 'expected std to be a number');
    expectThrow(() => n.applyDropout(new Float32Array(4), 0n, 0, 1.5), RangeError, 'probability');
    expectThrow(() => n.philoxBlock(new Uint32Array(3), new Uint32Array(2)), TypeError, 'counter');
    expectThrow(() => n.setKernel('gemm', 'fast'), RangeError, 'gemm variant');
    expectThrow(() => n.setKernel(1, 'auto'), TypeError, 'name');
    expectThrow(() => g.backend.setKernel('gemm', 'fast' as AnyOptions), RangeError, 'expected gemm variant');
    expectThrow(() => g.backend.setKernel('conv' as AnyOptions, 'blocked'), RangeError, 'expected kernel name');
    expect(g.backend.getKernel('gemm')).toBe('auto');
  });
});

describe('manualSeed', () => {
  it('rejects bad seeds and keeps the generator', () => {
    g.manualSeed(11);
    const a = Array.from(g.rand([4]).dataSync() as Float32Array);
    for (const bad of [-1, 1.5, NaN]) expectThrow(() => g.manualSeed(bad), RangeError, 'seed');
    expectThrow(() => g.manualSeed('1' as AnyOptions), TypeError, 'seed');
    expectThrow(() => g.manualSeed(-1n), RangeError, 'seed');
    expectThrow(() => g.manualSeed(2n ** 64n), RangeError, 'seed');
    g.manualSeed(11);
    expect(Array.from(g.rand([4]).dataSync() as Float32Array)).toEqual(a);
  });
});

describe('non-finite values in the data', () => {
  it('propagate like in PyTorch (NaN in, NaN out) without crashing or poisoning later calls', () => {
    g.manualSeed(9);
    const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true });
    const clean = g.randn([5, 2, 3]);
    const before = Array.from(lstm.forward(clean).output.dataSync() as Float32Array);
    const dirty = g.tensor(clean.dataSync(), [5, 2, 3]);
    (dirty.contiguousData() as Float32Array)[0] = NaN;
    (dirty.contiguousData() as Float32Array)[1] = Infinity;
    const out = lstm.forward(dirty, { lengths: [5, 3] });
    expect(Array.from(out.output.dataSync() as Float32Array).some(Number.isNaN)).toBe(true);
    // the second sequence never sees the bad values: its final states stay finite
    const h = out.h.dataSync();
    for (const dir of [0, 1]) for (let j = 0; j < 4; j++) expect(Number.isFinite(h[dir * 8 + 4 + j])).toBe(true);
    expect(Array.from(lstm.forward(clean).output.dataSync() as Float32Array)).toEqual(before);
  });
});

describe('the native op boundary (every buffer sized against its shape, without overflow)', () => {
  it('refuses strides whose reach wraps around 64 bits', () => {
    const one = new Float32Array(1);
    expectThrow(() => native.binary(0, [4097], one, [2 ** 52], 0, one, [0], 0, new Float32Array(4097)), RangeError, 'reach outside');
  });

  it('refuses sizes whose product overflows', () => {
    expectThrow(() => native.softmax(false, 2 ** 32, 2 ** 32, 1, new Float32Array(0), new Float32Array(0)), RangeError, 'too many elements');
    expectThrow(() => native.maxAlong(2 ** 40, 2 ** 30, 1, new Float32Array(0), new Float32Array(0), new BigInt64Array(0)), RangeError);
    expectThrow(() => native.matmul(1, 2 ** 32, 2 ** 32, 1, false, false, new Float32Array(0), 0, new Float32Array(0), 0, new Float32Array(0)), RangeError);
  });

  it('refuses integer division (a zero divisor would trap)', () => {
    const a = new Int32Array([1]);
    expectThrow(() => native.binary(3, [1], a, [1], 0, new Int32Array([0]), [1], 0, new Int32Array(1)), TypeError, 'div');
  });

  it('refuses scatter positions outside the dimension', () => {
    expectThrow(() => native.scatterAlong(1, 2, 1, new BigInt64Array([5n]), new Float32Array(1), new Float32Array(2)), RangeError, 'indices');
  });
});

describe('dtype casts of special values (the same on CUDA)', () => {
  it('makes NaN true and non-finite integers 0', () => {
    const x = g.tensor([NaN, Infinity, -2.7, 0]);
    expect(Array.from(x.to('bool').dataSync() as Uint8Array)).toEqual([1, 1, 1, 0]);
    expect(Array.from(x.to('int64').dataSync() as BigInt64Array)).toEqual([0n, 0n, -2n, 0n]);
    expect(Array.from(x.to('int32').dataSync() as Int32Array)).toEqual([0, 0, -2, 0]);
  });
});
