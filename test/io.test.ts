// Module buffers and state dicts, g.save / g.load, the safetensors reader on malformed files, and
// weights moving both ways between PyTorch and gated (fixtures made by scripts/make_interop_fixtures.py).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../ts/index';
import { Tensor } from '../ts/tensor';
import { floats, relativeError } from './helpers';

const FIXTURES = path.join(__dirname, 'fixtures', 'interop');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'gated-io-'));
const TOLERANCE = 1e-5;
const measured: string[] = [];

afterAll(() => {
  fs.rmSync(TMP, { recursive: true, force: true });
  for (const line of measured) console.log(`interop: ${line}`);
});

/** Runs fn and checks it throws `cls` with a 'gated:' message containing every pattern. */
function expectThrow(fn: () => unknown, cls: typeof TypeError | typeof RangeError, ...patterns: (string | RegExp)[]): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a ${cls.name}`).toBeInstanceOf(cls);
  const message = (caught as Error).message;
  expect(message).toMatch(/^gated: /);
  for (const p of patterns) expect(message).toMatch(typeof p === 'string' ? new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : p);
  return message;
}

/** A BatchNorm-like module: parameters and buffers interleaved, as fields often are. */
class Norm extends g.nn.Module {
  weight = g.nn.Parameter(g.ones([3]));
  running_mean = g.nn.Buffer(g.zeros([3]));
  bias = g.nn.Parameter(g.zeros([3]));
  running_var = g.nn.Buffer(g.ones([3]));
  num_batches_tracked = g.nn.Buffer(g.zeros([], { dtype: 'int64' }));
}

class Net extends g.nn.Module {
  encoder = new g.nn.LSTM({ inputSize: 2, hiddenSize: 3 });
  scale = g.nn.Parameter(g.ones([1]));
  norm = new Norm();
  step = g.nn.Buffer(g.zeros([1], { dtype: 'int64' }));
}

// PyTorch's nn.LSTM(5, 7, num_layers=2, bidirectional=True).state_dict().keys(), as the python script
// printed them (and stored them in lstm.safetensors's metadata, checked below).
const TORCH_LSTM_KEYS = [
  'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
  'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse',
  'weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1',
  'weight_ih_l1_reverse', 'weight_hh_l1_reverse', 'bias_ih_l1_reverse', 'bias_hh_l1_reverse',
];

describe('buffers', () => {
  it('are found like parameters, in pre-order, and are not parameters', () => {
    const net = new Net();
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['step', 'norm.running_mean', 'norm.running_var', 'norm.num_batches_tracked']);
    expect(net.buffers()).toEqual(net.namedBuffers().map(([, b]) => b));
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale', 'encoder.weight_ih_l0', 'encoder.weight_hh_l0', 'encoder.bias_ih_l0', 'encoder.bias_hh_l0', 'norm.weight', 'norm.bias',
    ]);
    expect(net.norm.running_mean.requiresGrad).toBe(false);
    expect(g.nn.isBuffer(net.step)).toBe(true);
    expect(g.nn.isParameter(net.step)).toBe(false);
    expect(g.nn.isBuffer(net.scale)).toBe(false);
  });

  it('reject non-tensors and tensors already marked the other way', () => {
    expectThrow(() => g.nn.Buffer([1, 2] as unknown as Tensor), TypeError, 'expected tensor to be a Tensor that is not a parameter but received an array');
    expectThrow(() => g.nn.Buffer(g.nn.Parameter(g.zeros([1]))), TypeError, 'not a parameter');
    expectThrow(() => g.nn.Parameter(g.nn.Buffer(g.zeros([1]))), TypeError, 'not a buffer');
  });

  it('are disposed with their module', () => {
    const net = new Net();
    const buffer = net.norm.running_var;
    net.dispose();
    expect(buffer.isDisposed).toBe(true);
  });
});

describe('stateDict', () => {
  it("lists each module's parameters, then its buffers, then its children's, like PyTorch", () => {
    expect(Object.keys(new Net().stateDict())).toEqual([
      'scale', 'step',
      'encoder.weight_ih_l0', 'encoder.weight_hh_l0', 'encoder.bias_ih_l0', 'encoder.bias_hh_l0',
      'norm.weight', 'norm.bias', 'norm.running_mean', 'norm.running_var', 'norm.num_batches_tracked',
    ]);
  });

  it("uses PyTorch's names in PyTorch's order for a 2-layer bidirectional LSTM", () => {
    const lstm = new g.nn.LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, batchFirst: true });
    const { metadata } = g.parseSafetensors(fs.readFileSync(path.join(FIXTURES, 'lstm.safetensors')));
    expect(JSON.parse(metadata.config).stateDictKeys).toEqual(TORCH_LSTM_KEYS);
    expect(Object.keys(lstm.stateDict())).toEqual(TORCH_LSTM_KEYS);
  });

  it('holds detached views that share the data', () => {
    const lstm = new g.nn.LSTM({ inputSize: 2, hiddenSize: 3 });
    const weight = lstm.parameter('weight_hh_l0');
    const view = lstm.stateDict().weight_hh_l0;
    expect(view).not.toBe(weight);
    expect(view.requiresGrad).toBe(false);
    expect(view.shape).toEqual(weight.shape);
    (weight.contiguousData() as Float32Array)[0] = 42;
    expect(view.dataSync()[0]).toBe(42);
    view.dispose();
    expect(weight.isDisposed).toBe(false);
    expect(weight.dataSync()[0]).toBe(42);
  });
});

describe('loadStateDict', () => {
  const seeded = (seed: number) => {
    g.manualSeed(seed);
    return new g.nn.GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true });
  };

  it('copies every tensor in place, bumping versions, and returns empty key lists', () => {
    const source = seeded(1);
    const target = seeded(2);
    const before = target.parameters();
    const versions = before.map((p) => p.version);
    expect(target.loadStateDict(source.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(target.parameters()).toEqual(before);
    target.parameters().forEach((p, i) => {
      expect(p).toBe(before[i]);
      expect(p.version).toBe(versions[i] + 1);
      expect(p.dataSync()).toEqual(source.parameters()[i].dataSync());
    });
    const x = g.randn([4, 2, 3]);
    expect(target.forward(x).output.dataSync()).toEqual(source.forward(x).output.dataSync());
  });

  it('loads buffers, int64 included, from a Map or an object, and non-contiguous sources', () => {
    const net = new Net();
    const dict = new Net().stateDict();
    dict['norm.num_batches_tracked'] = g.tensor([2n ** 60n + 1n], [], { dtype: 'int64' });
    dict['norm.running_mean'] = g.tensor([1, 2, 3]);
    const w = g.tensor([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14], [15, 16], [17, 18], [19, 20], [21, 22], [23, 24]]);
    dict['encoder.weight_ih_l0'] = w.transpose(0, 1).contiguous().transpose(0, 1); // [12, 2], not row-major
    expect(dict['encoder.weight_ih_l0'].isContiguous).toBe(false);
    net.loadStateDict(new Map(Object.entries(dict)));
    expect(net.norm.num_batches_tracked.toArray()).toBe(2n ** 60n + 1n);
    expect(net.norm.running_mean.toArray()).toEqual([1, 2, 3]);
    expect(net.encoder.parameter('weight_ih_l0').toArray()).toEqual(w.toArray());
  });

  it('loads its own state dict (aliasing the same data) without change', () => {
    const lstm = new g.nn.LSTM({ inputSize: 2, hiddenSize: 3 });
    const values = lstm.parameters().map((p) => p.dataSync());
    lstm.loadStateDict(lstm.stateDict());
    expect(lstm.parameters().map((p) => p.dataSync())).toEqual(values);
  });

  it('with strict, lists every missing, unexpected and mis-shaped key in one RangeError and copies nothing', () => {
    const target = seeded(3);
    const dict = seeded(4).stateDict();
    delete dict.weight_hh_l0;
    delete dict.bias_ih_l0_reverse;
    dict.weight_hh_l9 = g.zeros([12, 4]);
    dict.extra = g.zeros([1]);
    dict.bias_hh_l0 = g.zeros([4]);
    const values = target.parameters().map((p) => p.dataSync());
    const message = expectThrow(
      () => target.loadStateDict(dict),
      RangeError,
      'cannot load the state dict into GRU (5 problems)',
      "missing key 'weight_hh_l0'",
      "missing key 'bias_ih_l0_reverse'",
      "unexpected key 'weight_hh_l9'",
      "unexpected key 'extra'",
      "expected stateDict['bias_hh_l0'] to be of shape [12] but received shape [4]",
    );
    expect(message.split('\n')).toHaveLength(6);
    expect(target.parameters().map((p) => p.dataSync())).toEqual(values);
  });

  it('without strict, reports missing and unexpected keys but still rejects wrong shapes', () => {
    const target = seeded(5);
    const source = seeded(6);
    const dict = source.stateDict();
    delete dict.weight_hh_l0;
    dict.extra = g.zeros([1]);
    const result = target.loadStateDict(dict, { strict: false });
    expect(result).toEqual({ missingKeys: ['weight_hh_l0'], unexpectedKeys: ['extra'] });
    expect(target.parameter('weight_ih_l0').dataSync()).toEqual(source.parameter('weight_ih_l0').dataSync());
    expect(target.parameter('weight_hh_l0').dataSync()).not.toEqual(source.parameter('weight_hh_l0').dataSync());

    dict.weight_ih_l0 = g.zeros([3, 12]);
    const message = expectThrow(() => target.loadStateDict(dict, { strict: false }), RangeError, "expected stateDict['weight_ih_l0'] to be of shape [12, 3] but received shape [3, 12]");
    expect(message).not.toContain('missing');
  });

  it('rejects wrong dtypes, non-tensors, disposed tensors and bad options with TypeErrors', () => {
    const lstm = new g.nn.LSTM({ inputSize: 2, hiddenSize: 3 });
    const dict = lstm.stateDict();
    expectThrow(
      () => lstm.loadStateDict({ ...dict, weight_ih_l0: g.zeros([12, 2], { dtype: 'float64' }) }),
      TypeError,
      "expected stateDict['weight_ih_l0'] to be of dtype float32 but received float64",
    );
    expectThrow(() => lstm.loadStateDict({ ...dict, bias_ih_l0: [1, 2] as unknown as Tensor }), TypeError, "expected stateDict['bias_ih_l0'] to be a Tensor but received an array");
    const disposed = g.zeros([12]);
    disposed.dispose();
    expectThrow(() => lstm.loadStateDict({ ...dict, bias_hh_l0: disposed }), TypeError, "stateDict['bias_hh_l0'] was used after dispose()");
    expectThrow(() => lstm.loadStateDict(null as unknown as Record<string, Tensor>), TypeError, 'expected stateDict to be an object or Map of Tensors');
    expectThrow(() => lstm.loadStateDict(dict, { strict: 'yes' as unknown as boolean }), TypeError, 'expected strict to be a boolean');
    expectThrow(() => lstm.loadStateDict(dict, { strikt: true } as object), TypeError, "unknown option 'strikt'");
  });
});

describe('save and load', () => {
  const file = (name: string) => path.join(TMP, name);

  it('round-trips every dtype exactly, int64 beyond 2^53 included, in order, with metadata', async () => {
    const int64 = [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 0n, -1n];
    const tensors = {
      f32: g.tensor([[1 / 3, -0, 3.4e38], [1e-45, -2.5, 7]]),
      f64: g.tensor([1 / 3, 1e-300, -1.7976931348623157e308, Math.PI], [2, 2], { dtype: 'float64' }),
      i32: g.tensor([-(2 ** 31), 2 ** 31 - 1, 5], undefined, { dtype: 'int32' }),
      i64: g.tensor(int64, [5], { dtype: 'int64' }),
      scalar: g.tensor(2.5),
      empty: g.zeros([0, 3]),
      view: g.tensor([[1, 2, 3], [4, 5, 6]]).transpose(0, 1),
      mask: Tensor.fromData(new Uint8Array([1, 0, 1]), [3], 'bool'),
    };
    await g.save(tensors, file('all.safetensors'), { metadata: { note: 'hello', format: 'pt' } });
    const loaded = await g.load(file('all.safetensors'));
    expect(Object.keys(loaded)).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      expect(loaded[name].dtype, name).toBe(t.dtype);
      expect(loaded[name].shape, name).toEqual(t.shape);
      expect(loaded[name].dataSync(), name).toEqual(t.dataSync());
    }
    expect([...(loaded.i64.dataSync() as BigInt64Array)]).toEqual(int64);
    expect(loaded.i64.toArray()).toEqual([2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 0, -1]); // numbers where exact
    expect(Object.is(loaded.f32.dataSync()[1], -0)).toBe(true);
    expect(g.parseSafetensors(fs.readFileSync(file('all.safetensors'))).metadata).toEqual({ note: 'hello', format: 'pt' });
  });

  it('captures the data when called, and loadInto loads a module', async () => {
    const source = new Net();
    source.norm.num_batches_tracked = g.nn.Buffer(g.tensor([7n], [], { dtype: 'int64' }));
    const pending = g.save(source.stateDict(), file('net.safetensors'));
    (source.scale.contiguousData() as Float32Array)[0] = 99; // after the call: not in the file
    await pending;
    const target = new Net();
    expect(await g.loadInto(target, file('net.safetensors'))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(target.scale.item()).toBe(1);
    expect(target.norm.num_batches_tracked.item()).toBe(7);
    expect(target.encoder.parameter('weight_hh_l0').dataSync()).toEqual(source.encoder.parameter('weight_hh_l0').dataSync());
    await g.save({ scale: g.ones([1]) }, file('partial.safetensors'));
    const result = await g.loadInto(target, file('partial.safetensors'), { strict: false });
    expect(result.missingKeys).toHaveLength(10);
    await expect(g.loadInto(target, file('partial.safetensors'))).rejects.toThrow(/missing key 'step'/);
  });

  it('rejects bad arguments with TypeErrors', async () => {
    const t = g.zeros([2]);
    const disposed = g.zeros([2]);
    disposed.dispose();
    const bad: [() => Promise<unknown>, RegExp][] = [
      [() => g.save({ t }, 42 as unknown as string), /expected path to be a non-empty string but received 42 of type number/],
      [() => g.save({ t }, ''), /expected path to be a non-empty string/],
      [() => g.save([t] as unknown as Record<string, Tensor>, file('x')), /expected tensors to be an object or Map of Tensors by name but received an array/],
      [() => g.save({ t: 5 as unknown as Tensor }, file('x')), /expected tensors\['t'\] to be a Tensor but received 5 of type number/],
      [() => g.save({ t: disposed }, file('x')), /tensors\['t'\] was used after dispose\(\)/],
      [() => g.save({ __metadata__: t }, file('x')), /expected a tensor name to be a string other than '__metadata__'/],
      [() => g.save({ t }, file('x'), { metadata: { n: 1 as unknown as string } }), /expected metadata\['n'\] to be a string but received 1 of type number/],
      [() => g.save({ t }, file('x'), { meta: {} } as object), /unknown option 'meta' in save options/],
      [() => g.load(undefined as unknown as string), /expected path to be a non-empty string but received undefined/],
      [() => g.loadInto({} as g.nn.Module, file('x')), /expected module to be a Module/],
    ];
    for (const [call, pattern] of bad) {
      await expect(call()).rejects.toThrow(TypeError);
      await expect(call()).rejects.toThrow(pattern);
    }
    expect(fs.existsSync(file('x'))).toBe(false);
    await expect(g.load(file('does-not-exist.safetensors'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

/** Safetensors bytes with this header (an object, or raw JSON text) and data; the length field may lie. */
function fileBytes(header: unknown, dataBytes = 0, declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });

describe('the safetensors reader on malformed files', () => {
  const cases: [string, Uint8Array, string][] = [
    ['an empty file', new Uint8Array(0), '0 bytes is too short for the 8-byte header length'],
    ['a file shorter than the length field', new Uint8Array(5), '5 bytes is too short'],
    ['a header length beyond the file', fileBytes({}, 0, 1000n), 'header length 1000 exceeds the 2 bytes that follow'],
    ['a huge declared header length (2^64 - 1)', fileBytes({}, 0, 2n ** 64n - 1n), 'header length 18446744073709551615 exceeds'],
    ['a header length over the 100 MB limit', fileBytes({}, 0, 200_000_000n), 'or the 104857600-byte limit'],
    ['invalid JSON', fileBytes('{"a": {"dtype": '), 'the header is not valid UTF-8 JSON'],
    ['invalid UTF-8', fileBytes('{"a?": 1}').map((b, i) => (i === 11 ? 0xff : b)), 'not valid UTF-8 JSON'],
    ['a header that is an array', fileBytes([1, 2]), 'the header is not a JSON object'],
    ['an entry that is not an object', fileBytes({ a: 5 }), "entry 'a' is not an object"],
    ['an unknown dtype', fileBytes({ a: { dtype: 'X9', shape: [1], data_offsets: [0, 4] } }, 4), `tensor 'a' has dtype "X9", which gated cannot read; supported: F32, F64, I32, I64`],
    ['a dtype named like an Object property', fileBytes({ a: { dtype: 'constructor', shape: [1], data_offsets: [0, 4] } }, 4), `tensor 'a' has dtype "constructor"`],
    ['F16', fileBytes({ half: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4), `tensor 'half' has dtype "F16", which gated cannot read`],
    ['BF16', fileBytes({ w: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, 4), `tensor 'w' has dtype "BF16"`],
    ['BOOL bytes other than 0 and 1', fileBytes({ mask: { dtype: 'BOOL', shape: [4], data_offsets: [0, 4] } }, 4).map((b, i, all) => (i === all.length - 2 ? 2 : b)), "tensor 'mask' of dtype BOOL holds 2 at element 2, not 0 or 1"],
    ['a dtype in lower case', fileBytes({ a: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, 4), `tensor 'a' has dtype "f32"`],
    ['a negative dimension', fileBytes({ a: f32([-1], [0, 4]) }, 4), "tensor 'a' has shape [-1], not an array of non-negative integers"],
    ['offsets that are not two integers', fileBytes({ a: f32([1], [0, 4.5]) }, 8), "tensor 'a' has data_offsets [0,4.5], not two non-negative integers"],
    ['a byte range that does not fit shape and dtype', fileBytes({ a: f32([2, 3], [0, 20]) }, 24), "tensor 'a' of shape [2, 3] and dtype F32 needs 24 bytes but spans 20"],
    ['offsets beyond the data', fileBytes({ a: f32([2, 3], [24, 48]) }, 24), "tensor 'a' has data_offsets [24, 48] outside the 24 data bytes"],
    ['offsets in reverse', fileBytes({ a: f32([1], [8, 4]) }, 8), "tensor 'a' has data_offsets [8, 4] outside"],
    ['overlapping ranges', fileBytes({ a: f32([4], [0, 16]), b: f32([4], [8, 24]) }, 24), "tensors 'a' and 'b' overlap"],
    ['non-string metadata', fileBytes({ __metadata__: { epoch: 3 } }), '__metadata__ is not an object of strings'],
    ['metadata that is an array', fileBytes({ __metadata__: ['a'] }), '__metadata__ is not an object of strings'],
  ];

  it.each(cases)('%s throws a RangeError', (_name, bytes, message) => {
    expectThrow(() => g.parseSafetensors(bytes), RangeError, 'gated: invalid safetensors data: ', message);
  });

  it('g.load rejects a malformed file with the same RangeError', async () => {
    fs.writeFileSync(path.join(TMP, 'bad.safetensors'), cases[3][1]);
    await expect(g.load(path.join(TMP, 'bad.safetensors'))).rejects.toThrow(RangeError);
    await expect(g.load(path.join(TMP, 'bad.safetensors'))).rejects.toThrow(/header length 18446744073709551615 exceeds/);
  });

  it('a file truncated at any byte throws a RangeError', () => {
    const bytes = g.serializeSafetensors({ a: g.ones([2, 3]), b: g.tensor([1n, 2n], [2], { dtype: 'int64' }) }, { m: 'x' });
    for (let n = 0; n < bytes.length; n++) expect(() => g.parseSafetensors(bytes.subarray(0, n)), `length ${n}`).toThrow(RangeError);
    expect(g.parseSafetensors(bytes).tensors.get('b')?.toArray()).toEqual([1, 2]);
  });

  it('accepts an empty tensor that shares its offset with another tensor, in either order', () => {
    for (const header of [{ a: f32([2], [0, 8]), z: f32([0], [0, 0]) }, { z: f32([0], [0, 0]), a: f32([2], [0, 8]) }]) {
      const { tensors } = g.parseSafetensors(fileBytes(header, 8));
      expect(tensors.get('z')?.shape).toEqual([0]);
    }
  });

  it("keeps a tensor named '__proto__' as an ordinary entry", async () => {
    const bytes = fileBytes({ ['__proto__']: f32([1], [0, 4]) }, 4);
    fs.writeFileSync(path.join(TMP, 'proto.safetensors'), bytes);
    const loaded = await g.load(path.join(TMP, 'proto.safetensors'));
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(Object.keys(loaded)).toEqual(['__proto__']);
  });
});

describe('PyTorch interop', () => {
  interface InteropConfig {
    cell: 'lstm' | 'gru' | 'rnn';
    stateDictKeys: string[];
    [option: string]: unknown;
  }

  function build({ cell, stateDictKeys: _keys, ...options }: InteropConfig) {
    const all = options as unknown as g.nn.RNNOptions;
    if (cell === 'lstm') return new g.nn.LSTM(all);
    if (cell === 'gru') return new g.nn.GRU(all);
    return new g.nn.RNN(all);
  }

  function compare(label: string, actual: Tensor | undefined, expected: Tensor): void {
    const error = relativeError(floats(actual), floats(expected));
    measured.push(`${label}: relative error ${error.toExponential(2)}`);
    expect(actual?.shape, label).toEqual(expected.shape);
    expect(error, label).toBeLessThanOrEqual(TOLERANCE);
  }

  it.each(['lstm', 'gru', 'rnn_relu'])('PyTorch -> gated: %s loads with loadStateDict and matches PyTorch', async (name) => {
    const { metadata } = g.parseSafetensors(fs.readFileSync(path.join(FIXTURES, `${name}.safetensors`)));
    const config = JSON.parse(metadata.config) as InteropConfig;
    const module = build(config);
    expect(Object.keys(module.stateDict())).toEqual(config.stateDictKeys);
    expect(module.loadStateDict(await g.load(path.join(FIXTURES, `${name}.safetensors`)))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const io = await g.load(path.join(FIXTURES, `${name}.io.safetensors`));
    const result = (module as g.nn.LSTM).forward(io.input, config.cell === 'lstm' ? { h0: io.h0, c0: io.c0 } : { h0: io.h0 });
    compare(`PyTorch -> gated ${name} output`, result.output, io.output);
    compare(`PyTorch -> gated ${name} h`, result.h, io.h);
    if (config.cell === 'lstm') compare(`PyTorch -> gated ${name} c`, result.c, io.c);
  });

  // Keep in step with scripts/make_gated_fixture.js.
  function gatedLstm() {
    g.manualSeed(123);
    return new g.nn.LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 1, bidirectional: true });
  }

  it('gated -> PyTorch: g.save writes today the bytes PyTorch loaded', async () => {
    const out = path.join(TMP, 'gated_lstm.safetensors');
    await g.save(gatedLstm().stateDict(), out, { metadata: { format: 'pt' } });
    const committed = fs.readFileSync(path.join(FIXTURES, 'gated_lstm.safetensors'));
    expect(Buffer.compare(fs.readFileSync(out), committed)).toBe(0);
  });

  it("gated -> PyTorch: gated's forward matches PyTorch's on the weights it loaded", async () => {
    const lstm = gatedLstm().eval();
    const io = await g.load(path.join(FIXTURES, 'gated_lstm.torch-output.safetensors'));
    const { output, h, c } = lstm.forward(io.input);
    compare('gated -> PyTorch lstm output', output, io.output);
    compare('gated -> PyTorch lstm h', h, io.h);
    compare('gated -> PyTorch lstm c', c, io.c);
  });
});
