// The GPU check: gated's CUDA path against PyTorch's golden files and against its own CPU path,
// plus the device-memory, error and async guarantees. Plain Node (no test runner), so it runs on a
// GPU machine that has no dev dependencies: scripts/gpu-check.sh compiles it here and runs it there.
//
//   node <compiled>/test/gpu/check.js [--device cpu] [--out results.json] [--quick]
//
// --quick runs every group on a few cases only (a run under compute-sanitizer, say).
// --device cpu runs the same comparisons with the CPU standing in for CUDA: a dry run of the
// harness on machines without a GPU. Exit status 0 when every check passed (or CUDA is unusable
// and --device was not given: then it prints why and skips).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as g from '../../ts/index';
import { CudaArray } from '../../ts/cuda_array';
import { FloatDType } from '../../ts/dtype';
import { native } from '../../ts/native';
import { Tensor } from '../../ts/tensor';
import { CaseConfig, cast, floats, goldenNames, loadGolden, makeModule, relativeError, setParameters, withKernel } from '../helpers';
import { JsonTensor, golden as nnGolden, replayLoss, replayModule } from '../nn-replay';
import { OpCase, asNumbers, cases as opCases, makeInputs, run as runOp } from '../ops-replay';
import * as optimReplay from '../optim-replay';
import { AGAINST_REFERENCE, PRECISIONS, Precision, checkReducedErrors, reducedCaseFiles, runReducedCase } from '../reduced-replay';

type Device = 'cpu' | 'cuda';
const TOLERANCE: Record<FloatDType, number> = { float64: 1e-10, float32: 1e-5 };

interface Outcome {
  group: string;
  name: string;
  ok: boolean;
  detail: string;
  /** Wall time of the check, so the summary shows where the stage's time cap goes. */
  ms: number;
}

const outcomes: Outcome[] = [];
/** Cases whose op does not run on CUDA yet (it said so with a TypeError): counted, not failed. */
const unsupported: string[] = [];
const NOT_ON_CUDA = /runs on CPU tensors only|not supported yet|not implemented yet/;

const checkStarted = Date.now();
let currentGroup = '';

function check(group: string, name: string, body: () => string): void {
  // Each group's start is logged, so that a stage killed at its time cap (a kernel that never
  // returns) shows where it stopped.
  if (group !== currentGroup) {
    currentGroup = group;
    console.log(`[${((Date.now() - checkStarted) / 1000).toFixed(1)} s] ${group}`);
  }
  let outcome: Outcome;
  const start = Date.now();
  try {
    outcome = { group, name, ok: true, detail: body(), ms: Date.now() - start };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof TypeError && NOT_ON_CUDA.test(detail)) {
      unsupported.push(`${group} ${name}: ${detail}`);
      return;
    }
    outcome = { group, name, ok: false, detail, ms: Date.now() - start };
  }
  outcomes.push(outcome);
  if (!outcome.ok) console.log(`FAIL ${group} ${name}: ${outcome.detail}`);
}

/** Throws unless `fact` holds. */
function assert(fact: boolean, what: string): void {
  if (!fact) throw new Error(what);
}

/** A comparison against golden values that records the worst error and throws above `tolerance`. */
function comparer(tolerance: number, worst: { error: number; where: string }) {
  return (where: string, actual: Tensor | null | undefined, expected: JsonTensor | ArrayLike<number>): void => {
    if (!actual) throw new Error(`${where}: missing`);
    const values = 'data' in expected ? expected.data : expected;
    const error = relativeError(asNumbers(actual.dataSync()), Array.from(values as ArrayLike<number>));
    if (error >= worst.error) Object.assign(worst, { error, where });
    if (!(error <= tolerance)) throw new Error(`${where}: relative error ${error.toExponential(2)} > ${tolerance}`);
  };
}

/** One ops.json case on `device`: the output and every gradient. */
function opCase(c: OpCase, dtype: FloatDType, device: Device): string {
  const worst = { error: 0, where: '' };
  const compare = comparer(TOLERANCE[dtype], worst);
  const inputs = makeInputs(c, dtype, undefined, device);
  const { out } = runOp(c, 'function', dtype, inputs);
  assert(out.device === device, `${c.name}: output on ${device}`);
  if (c.output.dtype === 'float64') compare(`${c.name} output`, out, c.output.data as number[]);
  else assert(asNumbers(out.dataSync()).join() === asNumbers(c.output.data).join(), `${c.name}: output values`);
  if (c.grad_output === null) return worst.where ? `worst ${worst.error.toExponential(2)}` : 'exact';
  out.backward(g.tensor(c.grad_output, [...out.shape], { dtype: out.dtype, device }));
  for (const [name, grad] of Object.entries(c.grads)) {
    const t = inputs.get(name) as Tensor;
    if (t.grad) compare(`${c.name} ${name}.grad`, t.grad, grad);
    else assert(grad.every((v) => v === 0), `${c.name}: ${name} has a gradient`);
  }
  return `worst ${worst.error.toExponential(2)} (${worst.where})`;
}

/** Every golden optimizer run with the parameters and gradients on `device`. */
function optimizerRun(name: string, dtype: FloatDType, device: Device): string {
  const golden = optimReplay.loadGolden(name);
  const params = golden.initial.map((values) => optimReplay.leaf(values, dtype, device));
  const error = optimReplay.runSteps(golden, optimReplay.makeOptimizer(golden, params), params, 0, golden.grads.length, assert);
  return `worst ${error.toExponential(2)}`;
}

/** The long-dependency task trained on the CPU and on `device` from the same seed and batches. */
function trainingRun(device: Device): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { train } = require(path.join(process.cwd(), 'examples', 'lib', 'long-dependency.js')) as {
    train: (options: Record<string, unknown>) => { accuracy: number; curve: { accuracy: number }[] };
  };
  const run = (on: Device) => {
    const losses: number[] = [];
    const result = train({ cell: 'lstm', seqLength: 20, steps: 150, checkEvery: 50, seed: 3, device: on, onStep: (_: number, loss: number) => losses.push(loss) });
    return { losses, accuracy: result.accuracy };
  };
  const cpu = run('cpu');
  const other = run(device);
  const early = cpu.losses.slice(0, 5).map((l, i) => Math.abs(l - other.losses[i]) / Math.abs(l));
  assert(Math.max(...early) < 1e-4, `the first 5 losses agree to 1e-4 (relative differences ${early.map((e) => e.toExponential(1))})`);
  assert(Math.abs(cpu.accuracy - other.accuracy) <= 0.1, `final accuracies within 0.1: cpu ${cpu.accuracy}, ${device} ${other.accuracy}`);
  return `150 steps: loss ${cpu.losses[149].toFixed(4)} (cpu) vs ${other.losses[149].toFixed(4)} (${device}); accuracy ${cpu.accuracy} vs ${other.accuracy}`;
}

async function checkAsync(group: string, name: string, body: () => Promise<string>): Promise<void> {
  const start = Date.now();
  try {
    outcomes.push({ group, name, ok: true, detail: await body(), ms: Date.now() - start });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    outcomes.push({ group, name, ok: false, detail, ms: Date.now() - start });
    console.log(`FAIL ${group} ${name}: ${detail}`);
  }
}

function expectAtMost(errors: Map<string, number>, tolerance: number): string {
  let worst = 0;
  let where = '';
  for (const [key, error] of errors) {
    if (!(error <= tolerance)) throw new Error(`${key}: relative error ${error.toExponential(2)} > ${tolerance}`);
    if (error >= worst) [worst, where] = [error, key];
  }
  return `worst ${worst.toExponential(2)} (${where})`;
}

type RnnModule = g.nn.LSTM;
type Outputs = { output: Tensor; h: Tensor; c?: Tensor | null };

/** Forward and backward of `module` on `device`; the gradients of every leaf, by name, on the host. */
function forwardBackward(
  module: RnnModule,
  device: Device,
  leaves: { input: Tensor; h0?: Tensor; c0?: Tensor },
  lengths: Tensor | undefined,
  outputGrads: (out: Outputs) => Tensor[],
): Map<string, Float64Array> {
  const onDevice = (t: Tensor | undefined) => (t ? t.to(device) : undefined);
  const state = { lengths, h0: onDevice(leaves.h0), ...(leaves.c0 ? { c0: onDevice(leaves.c0) } : {}) };
  const out = module.forward(onDevice(leaves.input) as Tensor, state) as Outputs;
  const outputs = [out.output, out.h, ...(out.c ? [out.c] : [])];
  g.autograd.backward(outputs, outputGrads(out).map((t) => t.to(device)));
  const values = new Map<string, Float64Array>([
    ['output', floats(out.output)],
    ['h', floats(out.h)],
  ]);
  if (out.c) values.set('c', floats(out.c));
  values.set('input.grad', floats(leaves.input.grad));
  if (leaves.h0) values.set('h0.grad', floats(leaves.h0.grad));
  if (leaves.c0) values.set('c0.grad', floats(leaves.c0.grad));
  for (const [name, p] of module.namedParameters()) values.set(`${name}.grad`, floats(p.grad));
  return values;
}

function goldenCase(name: string, dtype: FloatDType, device: Device): string {
  const { config, tensors } = loadGolden(name);
  const file = (key: string) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`no tensor '${key}'`);
    return t;
  };
  const module = makeModule(config, dtype) as RnnModule;
  setParameters(module, file);
  module.to(device);
  const leaves = {
    input: cast(file('input'), dtype, true),
    h0: config.hasH0 ? cast(file('h0'), dtype, true) : undefined,
    c0: config.hasH0 && config.cell === 'lstm' ? cast(file('c0'), dtype, true) : undefined,
  };
  const lengths = config.hasLengths ? file('lengths') : undefined;
  const values = forwardBackward(module, device, leaves, lengths, (out) => [
    cast(file('grad_output'), dtype),
    cast(file('grad_h'), dtype),
    ...(out.c ? [cast(file('grad_c'), dtype)] : []),
  ]);
  const errors = new Map<string, number>();
  for (const [key, actual] of values) errors.set(key, relativeError(actual, floats(file(key))));
  return expectAtMost(errors, TOLERANCE[dtype]);
}

/** A small deterministic generator for the random configurations. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface RandomCase {
  config: CaseConfig;
  dropout: number;
}

function randomCase(random: () => number, index: number): RandomCase {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const numLayers = pick([1, 1, 2, 3]);
  const config: CaseConfig = {
    name: `random${index}`,
    cell: pick(['lstm', 'gru', 'gru_reset_before', 'rnn_tanh', 'rnn_relu'] as const),
    inputSize: 1 + Math.floor(random() * 70),
    hiddenSize: 1 + Math.floor(random() * 300),
    numLayers,
    bidirectional: random() < 0.5,
    batchFirst: random() < 0.5,
    bias: random() < 0.8,
    seqLen: 1 + Math.floor(random() * 40),
    batch: 1 + Math.floor(random() * 40),
    hasLengths: random() < 0.5,
    hasH0: random() < 0.5,
  };
  return { config, dropout: numLayers > 1 && random() < 0.5 ? 0.3 : 0 };
}

function describeCase({ config: c, dropout }: RandomCase): string {
  return `${c.cell} I${c.inputSize} H${c.hiddenSize} L${c.numLayers}${c.bidirectional ? ' bi' : ''}${c.batchFirst ? ' bf' : ''}${c.bias ? '' : ' nobias'} T${c.seqLen} B${c.batch}${c.hasLengths ? ' lengths' : ''}${c.hasH0 ? ' h0' : ''}${dropout ? ` dropout${dropout}` : ''}`;
}

/**
 * Random data for one configuration, on the host: the input, initial states, lengths and the
 * gradients of output, h and c; leaves() makes fresh leaves of the input and states.
 */
function caseData(rc: RandomCase, dtype: FloatDType) {
  const { config } = rc;
  const T = config.seqLen, B = config.batch, D = config.bidirectional ? 2 : 1;
  const inputShape = config.batchFirst ? [B, T, config.inputSize] : [T, B, config.inputSize];
  const stateShape = [config.numLayers * D, B, config.hiddenSize];
  const input = g.randn(inputShape, { dtype });
  const h0 = config.hasH0 ? g.randn(stateShape, { dtype }) : undefined;
  const c0 = config.hasH0 && config.cell === 'lstm' ? g.randn(stateShape, { dtype }) : undefined;
  const lengths = config.hasLengths ? g.tensor(Array.from({ length: B }, (_, b) => (b * 7919) % (T + 1)), [B], { dtype: 'int32' }) : undefined;
  const outputShape = config.batchFirst ? [B, T, D * config.hiddenSize] : [T, B, D * config.hiddenSize];
  const grads = [g.randn(outputShape, { dtype }), g.randn(stateShape, { dtype }), g.randn(stateShape, { dtype })];
  const leaf = (t: Tensor) => g.tensor(t.dataSync(), [...t.shape], { dtype, requiresGrad: true });
  const leaves = () => ({ input: leaf(input), h0: h0 && leaf(h0), c0: c0 && leaf(c0) });
  return { input, h0, c0, lengths, grads, leaves };
}

/** One random configuration on the CPU and on `device`, from the same weights, inputs and dropout seed. */
function againstCpu(rc: RandomCase, dtype: FloatDType, device: Device, seed: number): Map<string, number> {
  const { config } = rc;
  g.manualSeed(seed);
  const reference = makeModule(config, dtype, rc.dropout) as RnnModule;
  const { leaves, lengths, grads } = caseData(rc, dtype);
  const run = (module: RnnModule, on: Device) => {
    g.manualSeed(seed + 1); // the same dropout masks on both devices
    return forwardBackward(module, on, leaves(), lengths, (out) => grads.slice(0, out.c ? 3 : 2));
  };
  const expected = run(reference, 'cpu');
  const candidate = makeModule(config, dtype, rc.dropout) as RnnModule;
  setParameters(candidate, (name) => reference.parameter(name));
  candidate.to(device);
  const actual = run(candidate, device);
  const errors = new Map<string, number>();
  for (const [key, values] of actual) errors.set(key, relativeError(values, expected.get(key) as Float64Array));
  return errors;
}

/**
 * Inference of one configuration in `dtype` (fixed weights and inputs) on the CPU, then on `device`
 * through `onDevice`, which may force a kernel around the call.
 */
function inferenceOutputs(rc: RandomCase, device: Device, dtype: g.nn.RecurrentDType, onDevice = (forward: () => Outputs) => forward()): { expected: Outputs; actual: Outputs } {
  const { config } = rc;
  g.manualSeed(77);
  const module = makeModule(config, dtype) as RnnModule;
  module.eval();
  const T = config.seqLen, B = config.batch;
  const input = g.randn(config.batchFirst ? [B, T, config.inputSize] : [T, B, config.inputSize]);
  const lengths = config.hasLengths ? g.tensor(Array.from({ length: B }, (_, b) => (b * 7919) % (T + 1)), [B], { dtype: 'int32' }) : undefined;
  const stateShape = [config.numLayers * (config.bidirectional ? 2 : 1), B, config.hiddenSize];
  const h0 = config.hasH0 ? g.randn(stateShape) : undefined;
  const c0 = config.hasH0 && config.cell === 'lstm' ? g.randn(stateShape) : undefined;
  const state = (on: Device) => ({ lengths, ...(h0 ? { h0: h0.to(on) } : {}), ...(c0 ? { c0: c0.to(on) } : {}) });
  const expected = g.noGrad(() => module.forward(input, state('cpu')) as Outputs);
  module.to(device);
  const actual = onDevice(() => g.noGrad(() => module.forward(input.to(device), state(device)) as Outputs));
  return { expected, actual };
}

/** Throws where output, h or c of `actual` is further than `tolerance` from `expected`; else the worst error. */
function compareOutputs(expected: Outputs, actual: Outputs, tolerance: number): string {
  const worst = { error: 0, where: '' };
  const compare = comparer(tolerance, worst);
  compare('output', actual.output, Array.from(expected.output.dataSync() as Float32Array));
  compare('h', actual.h, Array.from(expected.h.dataSync() as Float32Array));
  if (expected.c) compare('c', actual.c, Array.from(expected.c.dataSync() as Float32Array));
  return `worst ${worst.error.toExponential(2)} (${worst.where})`;
}

/** inferenceOutputs compared: throws above `tolerance`, else returns the worst error. */
function inferenceAgainstCpu(rc: RandomCase, device: Device, dtype: g.nn.RecurrentDType, tolerance: number, onDevice?: (forward: () => Outputs) => Outputs): string {
  const { expected, actual } = inferenceOutputs(rc, device, dtype, onDevice);
  return compareOutputs(expected, actual, tolerance);
}

/**
 * The persistent launches one call makes, as the plans for this GPU say, for each pass (the
 * forward pass, or forward and backward): per layer once for both directions, once per
 * direction, or not at all (the GEMM path); forward, a unidirectional stack in wavefronts of
 * plan.wavefront.layers layers (the last group may be shorter: a group of one is a launch per
 * layer).
 */
function plannedLaunches(rc: RandomCase, dtype: FloatDType, passes: ('forward' | 'backward')[]): number {
  const { config } = rc;
  const cell = ['lstm', 'gru', 'gru_reset_before', 'rnn_tanh', 'rnn_relu'].indexOf(config.cell);
  const spec = { cell, inputSize: config.inputSize, hiddenSize: config.hiddenSize, numLayers: config.numLayers, bidirectional: config.bidirectional, bias: config.bias, batchFirst: config.batchFirst, seqLen: config.seqLen, batch: config.batch, dropout: 0 };
  return passes.reduce((sum, pass) => {
    const plan = native.cudaPersistentPlan(spec, dtype, pass);
    const wavefront = pass === 'forward' ? plan.wavefront.layers : 1;
    return sum + (wavefront > 1 ? Math.ceil(config.numLayers / wavefront) : plan.launchesPerLayer * config.numLayers);
  }, 0);
}

/**
 * body() with the persistent kernels forced on CUDA. There it asserts that they ran exactly as
 * their plans for this GPU say (plannedLaunches), for each of the `runs` calls body makes.
 * Returns the launch count.
 */
function onPersistent<R>(device: Device, rc: RandomCase, dtype: FloatDType, passes: ('forward' | 'backward')[], body: () => R, runs = 1): { result: R; launches: number } {
  const before = device === 'cuda' ? native.cudaPersistentLaunches() : 0;
  const result = withKernel('cudaRecurrence', 'persistent', body);
  if (device !== 'cuda') return { result, launches: 0 };
  const launches = native.cudaPersistentLaunches() - before;
  const expected = plannedLaunches(rc, dtype, passes) * runs;
  assert(launches === expected, `${launches} persistent launches, expected ${expected} (as the plans for this GPU say)`);
  return { result, launches };
}

/** Float32 inference of one configuration on the CPU and on `device` with the persistent kernel forced. */
function persistentAgainstCpu(rc: RandomCase, device: Device): string {
  let launches = 0;
  const detail = inferenceAgainstCpu(rc, device, 'float32', 1e-5, (forward) => {
    const run = onPersistent(device, rc, 'float32', ['forward'], forward);
    launches = run.launches;
    return run.result;
  });
  return `${launches} persistent launches; ${detail}`;
}

/** Forward and backward, the persistent kernels forced, on `device` against the CPU, in `dtype`. */
function persistentTrainingAgainstCpu(rc: RandomCase, device: Device, dtype: FloatDType, seed: number): string {
  const { result, launches } = onPersistent(device, rc, dtype, ['forward', 'backward'], () => expectAtMost(againstCpu(rc, dtype, device, seed), TOLERANCE[dtype] * (dtype === 'float32' ? 3 : 1)));
  return `${launches} persistent launches; ${result}`;
}

/**
 * bfloat16 / float16 inference on `device` against the CPU's emulation. Summation orders differ, so
 * a state now and then rounds to the neighbouring 16-bit value: the bound is loose, and the device
 * must also be much closer to the CPU's reduced result than float32 is (so it rounds at all).
 */
function reducedAgainstCpu(rc: RandomCase, device: Device, precision: Precision, onDevice?: (forward: () => Outputs) => Outputs): string {
  const { expected, actual } = inferenceOutputs(rc, device, precision, onDevice);
  const exact = inferenceOutputs(rc, 'cpu', 'float32').expected;
  const onOutput = (a: Outputs, b: Outputs) => relativeError(asNumbers(a.output.dataSync()), asNumbers(b.output.dataSync()));
  const deviceError = onOutput(actual, expected), float32Gap = onOutput(expected, exact);
  const detail = compareOutputs(expected, actual, 20 * AGAINST_REFERENCE[precision]);
  if (float32Gap > 1e-5) assert(deviceError <= float32Gap / 4, `output ${deviceError.toExponential(2)} from the CPU's ${precision}, but float32 is only ${float32Gap.toExponential(2)} from it: does the device round?`);
  return `${detail}; float32 is ${float32Gap.toExponential(2)} away`;
}

/** body() with the reverse directions on the side stream; on CUDA, asserts that the side stream ran. */
function onTwoStreams<R>(device: Device, body: () => R): R {
  const before = device === 'cuda' ? native.cudaSideStreamForks() : 0;
  const result = withKernel('cudaStreams', 'two', body);
  if (device === 'cuda') assert(native.cudaSideStreamForks() > before, 'the reverse directions ran on the side stream');
  return result;
}

type GraphsSetting = 'on' | 'off';

/**
 * `runs` calls of one configuration on `device` over the same module and data, each in a tidy
 * scope, the GEMM path forced and cudaGraphs set to `graphs`: training steps (forward and
 * backward, gradients cleared after each), or with `precision` bfloat16 / float16 inference. Each
 * call's outputs and gradients. From the second call on, the allocator hands out the same buffers
 * again, so with graphs 'on' the step loops are captured in the second call and replayed after.
 */
function repeatedCalls(rc: RandomCase, device: Device, graphs: GraphsSetting, runs: number, precision?: Precision): Map<string, Float64Array>[] {
  g.manualSeed(5);
  const module = makeModule(rc.config, precision ?? 'float32', rc.dropout) as RnnModule;
  module.to(device);
  const data = caseData(rc, 'float32');
  const infer = () => {
    const onDevice = (t: Tensor | undefined) => (t ? t.to(device) : undefined);
    const out = g.noGrad(() => module.forward(data.input.to(device), { lengths: data.lengths, h0: onDevice(data.h0), ...(data.c0 ? { c0: onDevice(data.c0) } : {}) }) as Outputs);
    return new Map([['output', floats(out.output)], ['h', floats(out.h)]]);
  };
  const train = () => {
    g.manualSeed(6); // the same dropout masks each call
    const values = forwardBackward(module, device, data.leaves(), data.lengths, (out) => data.grads.slice(0, out.c ? 3 : 2));
    module.parameters().forEach((p) => {
      p.grad?.dispose();
      p.grad = null;
    });
    return values;
  };
  if (precision) module.eval();
  const calls = withKernel('cudaRecurrence', 'gemm', () => withKernel('cudaGraphs', graphs, () => Array.from({ length: runs }, () => g.tidy(precision ? infer : train))));
  module.parameters().forEach((p) => p.dispose());
  return calls;
}

/**
 * The step loops as CUDA graphs against launch by launch: 4 calls with graphs 'on', each bitwise
 * equal to one with graphs 'off'. On CUDA, the graphs must have been captured and replayed.
 */
function graphsAgainstLaunches(rc: RandomCase, device: Device, precision?: Precision): string {
  const [expected] = repeatedCalls(rc, device, 'off', 1, precision);
  const counts = () => (device === 'cuda' ? [native.cudaGraphCaptures(), native.cudaGraphLaunches()] : [0, 0]);
  const before = counts();
  const calls = repeatedCalls(rc, device, 'on', 4, precision);
  const [captured, launched] = counts().map((count, i) => count - before[i]);
  calls.forEach((values, call) => {
    for (const [key, want] of expected) {
      const got = values.get(key) as Float64Array;
      const differing = want.filter((v, k) => !Object.is(v, got[k])).length;
      assert(differing === 0, `call ${call + 1}: ${differing} of ${want.length} values of ${key} differ from launch by launch`);
    }
  });
  if (device !== 'cuda') return 'every call identical (the CPU has no graphs)';
  assert(captured > 0 && launched > captured, `${captured} loops captured, ${launched} graph launches: expected captures in the second call and replays after`);
  return `${captured} loops captured, ${launched} graph launches in 4 calls; every value identical to launch by launch`;
}

/** Device memory over `runs` training calls replayed from graphs: the live bytes and cudaMalloc calls after. */
function memoryAfterGraphCalls(rc: RandomCase, runs: number): g.cuda.CudaMemory {
  repeatedCalls(rc, 'cuda', 'on', runs);
  return g.cuda.memory();
}

function bitwiseRepeatable(rc: RandomCase, device: Device): string {
  const first = againstCpu(rc, 'float32', device, 99);
  const second = againstCpu(rc, 'float32', device, 99);
  for (const [key, error] of first) {
    if (second.get(key) !== error) throw new Error(`${key}: ${error} then ${second.get(key)} (not deterministic)`);
  }
  return 'two runs gave identical errors against the CPU';
}

/**
 * A sentiment-style training step on CUDA from host data: int64 tokens and targets uploaded,
 * lengths as an array; embedding, bidirectional LSTM, linear, crossEntropy, backward,
 * clipGradNormTensor and Adam. Returns the step (its loss, unread) and the parameters.
 */
function trainingStepOnCuda(): { step: (tokens: number[]) => Tensor; params: Tensor[] } {
  const B = 4, T = 6, vocab = 50;
  const embedding = new g.nn.Embedding(vocab, 8).to('cuda');
  const lstm = new g.nn.LSTM({ inputSize: 8, hiddenSize: 16, bidirectional: true, batchFirst: true }).to('cuda');
  const head = new g.nn.Linear(32, 3).to('cuda');
  const params = [...embedding.parameters(), ...lstm.parameters(), ...head.parameters()];
  const optimizer = new g.optim.Adam(params, { lr: 1e-3 });
  const step = (tokens: number[]) =>
    g.tidy(() => {
      const x = g.tensor(tokens, [B, T], { dtype: 'int64' }).to('cuda');
      const y = g.tensor([0, 2, 1, 2], [B], { dtype: 'int64' }).to('cuda');
      const { h } = lstm.forward(embedding.forward(x), { lengths: [6, 3, 5, 1] });
      const loss = g.nn.functional.crossEntropy(head.forward(g.cat([h.select(0, 0), h.select(0, 1)], 1)), y);
      optimizer.zeroGrad();
      loss.backward();
      g.nn.utils.clipGradNormTensor(params, 1);
      optimizer.step();
      return loss;
    });
  return { step, params };
}

/**
 * An upload of 128 KiB of tokens queued behind about 50 ms of matrix products: throws if it waited
 * for them. (The driver may stage pageable memory synchronously; the pinned ring must not wait.)
 */
function uploadBehindWork(): string {
  const a = g.randn([4096, 4096]).to('cuda');
  const tokens = new BigInt64Array(16384).map((_, i) => BigInt(i % 1000));
  // The second round reuses the first round's cached blocks: no cudaMalloc (which may wait) in it.
  const round = () => {
    g.cuda.synchronize();
    const queued = process.hrtime.bigint();
    const products = Array.from({ length: 20 }, () => g.matmul(a, a));
    const start = process.hrtime.bigint();
    const uploaded = g.tensor(tokens, [16384], { dtype: 'int64' }).to('cuda');
    const uploadMs = Number(process.hrtime.bigint() - start) / 1e6;
    g.cuda.synchronize();
    const workMs = Number(process.hrtime.bigint() - queued) / 1e6;
    [uploaded, ...products].forEach((t) => t.dispose());
    return { uploadMs, workMs };
  };
  round();
  const { uploadMs, workMs } = round();
  a.dispose();
  assert(uploadMs < workMs / 2, `the upload took ${uploadMs.toFixed(2)} ms behind ${workMs.toFixed(1)} ms of queued work: it waited`);
  return `upload ${uploadMs.toFixed(2)} ms behind ${workMs.toFixed(1)} ms of queued matrix products`;
}

function deviceGuarantees(device: Device): void {
  const other: Device = device === 'cuda' ? 'cpu' : 'cuda';
  if (device !== 'cuda') return;
  check('host waits', 'a training step from host data never waits for the GPU', () => {
    const { step } = trainingStepOnCuda();
    const tokens = Array.from({ length: 24 }, (_, i) => (i * 7) % 50);
    step(tokens).dispose(); // warm-up: allocations
    const before = native.cudaHostWaits();
    const loss = step(tokens);
    const waits = native.cudaHostWaits() - before;
    assert(waits === 0, `${waits} waits for the GPU in one training step`);
    return `0 waits; loss ${(loss.item() as number).toFixed(4)} (read after the count)`;
  });
  check('host waits', 'an upload of 128 KiB of tokens queued behind GPU work does not wait for it (pageable)', uploadBehindWork);
  check('host waits', 'bad tokens still throw a RangeError naming the element, and CUDA stays usable', () => {
    const { step } = trainingStepOnCuda();
    const tokens = Array.from({ length: 24 }, (_, i) => (i * 7) % 50);
    tokens[9] = 50;
    try {
      step(tokens);
    } catch (error) {
      if (!(error instanceof RangeError) || !/element 9/.test(error.message)) throw error;
      tokens[9] = 49;
      step(tokens).dispose();
      return error.message;
    }
    throw new Error('no error for token 50 of a 50-row embedding');
  });
  check('host waits', 'indices made on the device are checked there (one wait) and still caught', () => {
    const table = g.randn([10, 4]).to('cuda');
    const made = g.add(g.tensor([1, 2, 3], [3], { dtype: 'int64' }).to('cuda'), 7); // 8, 9, 10: unknown bounds
    try {
      g.embedding(made, table);
    } catch (error) {
      if (!(error instanceof RangeError) || !/element 2/.test(error.message)) throw error;
      return error.message;
    }
    throw new Error('no error for index 10 of a 10-row table');
  });
  check('persistent plans', 'a plan depends on the cell and the directions, not only on the sizes', () => {
    const spec = (cell: number, bidirectional: boolean) => ({ cell, inputSize: 8, hiddenSize: 64, numLayers: 1, bidirectional, bias: true, batchFirst: false, seqLen: 5, batch: 4, dropout: 0 });
    const both = native.cudaPersistentPlan(spec(0, true));
    const one = native.cudaPersistentPlan(spec(0, false));
    assert(both.directionsPerLaunch === 2 && both.launchesPerLayer === 1, `bidirectional: ${JSON.stringify(both)}`);
    assert(one.directionsPerLaunch === 1 && one.launchesPerLayer === 1, `unidirectional after bidirectional: ${JSON.stringify(one)}`);
    const lstm = native.cudaPersistentPlan({ ...spec(0, false), hiddenSize: 1024, batch: 16 });
    const rnn = native.cudaPersistentPlan({ ...spec(3, false), hiddenSize: 1024, batch: 16 });
    assert(lstm.sharedBytes > rnn.sharedBytes, `LSTM ${lstm.sharedBytes} bytes a block, RNN ${rnn.sharedBytes}: the cell's gates count`);
    return `bidirectional ${both.blocks} blocks, unidirectional ${one.blocks}; LSTM ${lstm.sharedBytes} bytes a block, RNN ${rnn.sharedBytes}`;
  });
  check('embedding', 'the backward pass sums repeated rows in position order: bitwise the CPU\'s', () => {
    const count = 20000, rows = 50, width = 24;
    const indices = Array.from({ length: count }, (_, i) => (i * 7919 + (i >> 3)) % rows);
    const table = g.randn([rows, width]);
    const upstream = g.randn([count, width]);
    const gradOn = (device: Device) => {
      const weight = g.tensor(table.dataSync(), [rows, width], { requiresGrad: true, device });
      const out = g.nn.functional.embedding(g.tensor(indices, [count], { dtype: 'int64', device }), weight, 3);
      g.autograd.backward([out], [upstream.to(device)]);
      return asNumbers((weight.grad as Tensor).dataSync());
    };
    const onCpu = gradOn('cpu'), onCuda = gradOn('cuda');
    const differing = onCpu.filter((v, i) => v !== onCuda[i]).length;
    assert(differing === 0, `${differing} of ${onCpu.length} gradient values differ from the CPU's`);
    assert(onCuda.slice(3 * width, 4 * width).every((v) => v === 0), 'the padding row has no gradient');
    return `${count} lookups of ${rows} rows: identical to the CPU`;
  });
  check('host waits', 'clipGradNormTensor on CUDA scales as clipGradNorm does on the CPU', () => {
    const values = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 3);
    const onCpu = g.tensor(values, [3, 4], { requiresGrad: true });
    const onCuda = g.tensor(values, [3, 4], { requiresGrad: true }).to('cuda');
    onCpu.grad = g.tensor(values, [3, 4]);
    onCuda.grad = g.tensor(values, [3, 4]).to('cuda');
    const expected = g.nn.utils.clipGradNorm([onCpu], 1);
    const total = g.nn.utils.clipGradNormTensor([onCuda], 1);
    assert(total.device === 'cuda', 'the norm stays on the device');
    assert(Math.abs((total.item() as number) - expected) <= 1e-6 * expected, `norm ${total.item()} vs ${expected}`);
    const error = relativeError(asNumbers(onCuda.grad.dataSync()), asNumbers(onCpu.grad.dataSync()));
    assert(error <= 1e-6, `clipped gradients differ by ${error}`);
    return `norm ${expected.toFixed(4)}, gradients within ${error.toExponential(1)}`;
  });
  check('errors', 'mixing devices throws a TypeError naming the tensor', () => {
    const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 4 }).to(device);
    try {
      lstm.forward(g.randn([2, 1, 3]).to(other));
    } catch (error) {
      if (error instanceof TypeError && /weights\[0\]/.test(error.message)) return error.message;
      throw error;
    }
    throw new Error('no error');
  });
  check('memory', 'running out of device memory throws and leaves CUDA usable', () => {
    let message = '';
    try {
      CudaArray.empty('float32', 2 ** 42).free();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ERR_GATED_CUDA_OUT_OF_MEMORY') throw error;
      message = (error as Error).message;
    }
    if (!message) throw new Error('a 16 TiB allocation succeeded');
    const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 4 }).to('cuda');
    const out = g.noGrad(() => lstm.forward(g.randn([5, 2, 3]).to('cuda')).output);
    if (!Number.isFinite(out.dataSync()[0] as number)) throw new Error('no result after the failed allocation');
    return message;
  });
  check('memory', 'dispose and tidy return device memory; no growth over 300 training steps', () => {
    const before = g.cuda.memory().allocatedBytes;
    const lstm = new g.nn.LSTM({ inputSize: 16, hiddenSize: 32, numLayers: 2 }).to('cuda');
    const input = g.randn([20, 8, 16]).to('cuda');
    const step = () =>
      g.tidy(() => {
        const { output } = lstm.forward(input);
        g.autograd.backward([output], [g.ones([20, 8, 32]).to('cuda')]);
        lstm.parameters().forEach((p) => {
          p.grad?.dispose();
          p.grad = null;
        });
      });
    for (let i = 0; i < 20; i++) step();
    const settled = g.cuda.memory();
    for (let i = 0; i < 300; i++) step();
    const after = g.cuda.memory();
    if (after.allocatedBytes !== settled.allocatedBytes) throw new Error(`live bytes ${settled.allocatedBytes} -> ${after.allocatedBytes}`);
    if (after.deviceAllocations !== settled.deviceAllocations) throw new Error(`cudaMalloc calls ${settled.deviceAllocations} -> ${after.deviceAllocations}`);
    input.dispose();
    lstm.parameters().forEach((p) => p.dispose());
    const end = g.cuda.memory().allocatedBytes;
    if (end !== before) throw new Error(`live bytes ${before} before, ${end} after disposing everything`);
    return `steady at ${after.allocatedBytes} live bytes, ${after.deviceAllocations} cudaMalloc calls in all`;
  });
}

async function asyncReads(device: Device): Promise<void> {
  await checkAsync('async', 'await t.data() and forwardAsync match the synchronous results', async () => {
    const gru = new g.nn.GRU({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true }).to(device);
    const input = g.randn([9, 3, 5]).to(device);
    const sync = g.noGrad(() => gru.forward(input).output.dataSync());
    const viaAsync = await (await g.noGrad(() => gru.forwardAsync(input))).output.data();
    const error = relativeError(Array.from(viaAsync as Float32Array), Array.from(sync as Float32Array));
    if (error !== 0) throw new Error(`relative error ${error}`);
    return `${sync.length} values identical`;
  });
}

/**
 * The paths that have not yet run on a GPU: pinned uploads, each bidirectional layer's directions
 * on two streams, the persistent kernels, and the step loops as CUDA graphs. They run last, so that
 * a fault in them (a sticky CUDA error ends the process's CUDA) cannot cost the groups before them;
 * the graphs, the smallest gain, come after the persistent kernels for the same reason.
 */
function newPathChecks(device: Device, cases: RandomCase[], some: <T>(items: readonly T[]) => T[]): void {
  if (device === 'cuda') {
    check('pinned uploads', 'uploads through the staging ring arrive intact, around its wrap', () =>
      withKernel('cudaUploads', 'pinned', () => {
        let bytes = 0;
        for (let i = 0; i < 300; i++) {
          const values = Float64Array.from({ length: 1000 + ((i * 7919) % 60000) }, (_, k) => Math.sin(i + k));
          bytes += values.byteLength;
          const back = g.tensor(values, [values.length], { dtype: 'float64' }).to('cuda').dataSync() as Float64Array;
          assert(back.every((v, k) => v === values[k]), `upload ${i} of ${values.length} values came back changed`);
        }
        return `${(bytes / 2 ** 20).toFixed(0)} MiB through the 16 MiB ring`;
      }),
    );
    check('pinned uploads', 'an upload of 128 KiB of tokens queued behind GPU work does not wait for it', () => withKernel('cudaUploads', 'pinned', uploadBehindWork));
    check('pinned uploads', '40 MiB queued behind GPU work waits for the 16 MiB ring to drain, and arrives intact', () =>
      withKernel('cudaUploads', 'pinned', () => {
        const sent = Array.from({ length: 40 }, (_, i) => Float32Array.from({ length: 262144 }, (_, k) => i + k / 262144));
        const a = g.randn([4096, 4096]).to('cuda');
        // Blocks for the uploads in the allocator's cache first: no cudaMalloc (which may wait) below.
        sent.map((values) => g.zeros([values.length], { device: 'cuda' })).forEach((t) => t.dispose());
        g.cuda.synchronize();
        const products = Array.from({ length: 20 }, () => g.matmul(a, a));
        const before = native.cudaHostWaits();
        const uploaded = sent.map((values) => g.tensor(values, [values.length]).to('cuda'));
        const waits = native.cudaHostWaits() - before;
        uploaded.forEach((t, i) => assert((t.dataSync() as Float32Array).every((v, k) => v === sent[i][k]), `upload ${i} came back changed`));
        [a, ...products, ...uploaded].forEach((t) => t.dispose());
        assert(waits > 0, 'the ring never waited, though 40 MiB passed through 16 MiB behind queued work');
        return `${waits} waits for the ring; every upload intact`;
      }),
    );
  }
  // The bidirectional configurations again with the reverse direction on the side stream: training
  // in float32, bfloat16 inference, and bitwise repeatability.
  const bidirectional = cases.filter((c) => c.config.bidirectional);
  for (const [i, rc] of some(bidirectional).entries()) {
    check('two streams against the CPU float32', describeCase(rc), () => onTwoStreams(device, () => expectAtMost(againstCpu(rc, 'float32', device, 2000 + i), TOLERANCE.float32 * 3)));
    check('two streams bfloat16 inference against the CPU', describeCase(rc), () => reducedAgainstCpu(rc, device, 'bfloat16', (forward) => onTwoStreams(device, forward)));
  }
  check('two streams determinism', describeCase(bidirectional[0]), () => onTwoStreams(device, () => bitwiseRepeatable(bidirectional[0], device)));
  // The persistent kernel: the random configurations (those it does not take must run the GEMM
  // path) and wide layers at the batch sizes it targets, inference and training, both dtypes.
  const wide = (hiddenSize: number, batches: number[]): RandomCase[] =>
    batches.flatMap((batch) =>
      (['lstm', 'gru', 'rnn_relu'] as const).map((cell) => ({
        config: { name: `wide-${cell}-${hiddenSize}-${batch}`, cell, inputSize: 64, hiddenSize, numLayers: 2, bidirectional: true, batchFirst: true, bias: true, seqLen: 30, batch, hasLengths: batch > 1, hasH0: batch === 8 },
        dropout: 0,
      })),
    );
  const persistentCases = [...cases, ...wide(1024, [1, 8, 16]), ...wide(512, [64])];
  for (const rc of some(persistentCases)) check('persistent inference against the CPU', describeCase(rc), () => persistentAgainstCpu(rc, device));
  // (The wide layers' CPU references dominate the stage's time: fewer of them for training, and
  // float64 at hidden 512, where a block's share of W_hh still fits.)
  const trainingCases: Record<FloatDType, RandomCase[]> = { float32: [...cases, ...wide(1024, [1, 8])], float64: [...cases, ...wide(512, [8])] };
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [i, rc] of some(trainingCases[dtype]).entries()) {
      check(`persistent training against the CPU ${dtype}`, describeCase(rc), () => persistentTrainingAgainstCpu(rc, device, dtype, 3000 + i));
    }
  }
  for (const precision of PRECISIONS) {
    for (const rc of some([...cases, ...wide(1024, [8])])) {
      check(`persistent ${precision} inference against the CPU`, describeCase(rc), () =>
        reducedAgainstCpu(rc, device, precision, (forward) => onPersistent(device, rc, 'float32', ['forward'], forward).result),
      );
    }
  }
  check('persistent determinism', describeCase(cases[0]), () => onPersistent(device, cases[0], 'float32', ['forward', 'backward'], () => bitwiseRepeatable(cases[0], device), 2).result);
  // Unidirectional stacks as wavefront launches, forced on where they fit ('auto' decides by the
  // size of a step), and forced off: inference and training against the CPU, then the plans.
  // (Training with dropout: each layer below another drops its output out as it writes it.)
  const stack = (cell: RandomCase['config']['cell'], hiddenSize: number, batch: number, numLayers: number, dropout = 0): RandomCase => ({
    config: { name: `stack-${cell}-${hiddenSize}-${batch}-L${numLayers}${dropout ? `-p${dropout}` : ''}`, cell, inputSize: 32, hiddenSize, numLayers, bidirectional: false, batchFirst: true, bias: true, seqLen: 40, batch, hasLengths: batch > 1, hasH0: true },
    dropout,
  });
  const stacks = [stack('lstm', 256, 8, 3, 0.3), stack('gru', 512, 1, 2), stack('gru_reset_before', 128, 16, 2), stack('rnn_tanh', 300, 4, 5, 0.2), stack('lstm', 128, 64, 4)];
  for (const mode of ['on', 'off'] as const) {
    for (const rc of some(stacks)) {
      check(`persistent wavefront ${mode}: inference against the CPU`, describeCase(rc), () => withKernel('cudaWavefront', mode, () => persistentAgainstCpu(rc, device)));
      check(`persistent wavefront ${mode}: training against the CPU float32`, describeCase(rc), () => withKernel('cudaWavefront', mode, () => persistentTrainingAgainstCpu(rc, device, 'float32', 4000)));
    }
  }
  // The GEMM path's step loops as CUDA graphs: training in both dtypes' worth of cells and shapes,
  // 16-bit inference, the reverse directions captured on the side stream, and device memory.
  for (const rc of some(cases.slice(0, 8))) check('cuda graphs against launch by launch', describeCase(rc), () => graphsAgainstLaunches(rc, device));
  for (const precision of PRECISIONS) check(`cuda graphs ${precision} inference`, describeCase(cases[1]), () => graphsAgainstLaunches(cases[1], device, precision));
  check('cuda graphs on two streams', describeCase(bidirectional[0]), () => onTwoStreams(device, () => graphsAgainstLaunches(bidirectional[0], device)));
  if (device === 'cuda') {
    check('cuda graphs host waits', 'a training step from host data replayed from graphs never waits for the GPU', () =>
      withKernel('cudaRecurrence', 'gemm', () =>
        withKernel('cudaGraphs', 'on', () => {
          const { step, params } = trainingStepOnCuda();
          const tokens = Array.from({ length: 24 }, (_, i) => (i * 7) % 50);
          const launched = native.cudaGraphLaunches();
          for (let i = 0; i < 3; i++) step(tokens).dispose(); // the loops run, are captured, then replayed
          const before = native.cudaHostWaits();
          const loss = step(tokens);
          const waits = native.cudaHostWaits() - before;
          assert(waits === 0, `${waits} waits for the GPU in one training step`);
          const graphLaunches = native.cudaGraphLaunches() - launched;
          params.forEach((p) => p.dispose());
          return `0 waits; ${graphLaunches} graph launches in 4 steps; loss ${(loss.item() as number).toFixed(4)} (read after the count)`;
        }),
      ),
    );
    check('cuda graphs memory', 'no device memory growth over 200 calls replayed from graphs', () => {
      const settled = memoryAfterGraphCalls(cases[0], 20);
      const after = memoryAfterGraphCalls(cases[0], 200);
      assert(after.allocatedBytes === settled.allocatedBytes, `live bytes ${settled.allocatedBytes} -> ${after.allocatedBytes}`);
      assert(after.deviceAllocations === settled.deviceAllocations, `cudaMalloc calls ${settled.deviceAllocations} -> ${after.deviceAllocations}`);
      return `steady at ${after.allocatedBytes} live bytes, ${after.deviceAllocations} cudaMalloc calls in all`;
    });
  }
  if (device !== 'cuda') return;  // the plans are this GPU's
  check('persistent wavefront plans', 'layers per launch, as the switch and the sizes say', () => {
    const spec = (hiddenSize: number, batch: number) => ({ cell: 0, inputSize: 8, hiddenSize, numLayers: 6, bidirectional: false, bias: true, batchFirst: false, seqLen: 5, batch, dropout: 0 });
    const layersOf = (mode: string, hiddenSize: number, batch: number) => withKernel('cudaWavefront', mode, () => native.cudaPersistentPlan(spec(hiddenSize, batch)).wavefront.layers);
    assert(layersOf('on', 256, 8) === 4, 'LSTM H 256 B 8, forced on: 4 layers a launch');
    assert(layersOf('off', 256, 8) === 1, 'forced off: a launch per layer');
    assert(layersOf('on', 1024, 8) === 1, "LSTM H 1024: a layer above the first does not fit on its share of the multiprocessors");
    const auto = [layersOf('auto', 256, 8), layersOf('auto', 512, 64)];
    assert(auto[0] === 4 && auto[1] === 1, `auto: ${auto.join(', ')} layers a launch; expected 4 at B 8 H 256, 1 at B 64 H 512`);
    return `on: 4 a launch; auto at B 8 H 256: ${auto[0]}, at B 64 H 512: ${auto[1]}`;
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const deviceArg = args.includes('--device') ? args[args.indexOf('--device') + 1] : 'cuda';
  const outPath = args.includes('--out') ? args[args.indexOf('--out') + 1] : null;
  const device = deviceArg as Device;
  // Every group's cases, or with --quick every seventh of them (at least one).
  const quick = args.includes('--quick');
  const some = <T>(items: readonly T[]): T[] => (quick ? items.filter((_, i) => i % 7 === 0) : [...items]);
  const info = g.cuda.info();
  console.log(`gated GPU check on ${device}; CUDA: ${info.available ? `${info.devices[0]?.name}, driver ${info.driverVersion}, runtime ${info.runtimeVersion}, cuBLAS ${info.cublasPath}` : info.reason}`);
  if (device === 'cuda' && !info.available) {
    console.log(`SKIPPED: CUDA is not usable here: ${info.reason}`);
    return args.includes('--device') ? 1 : 0;
  }
  const started = Date.now();
  for (const dtype of ['float32', 'float64'] as const) {
    for (const name of some(goldenNames())) check(`golden ${dtype}`, name, () => goldenCase(name, dtype, device));
  }
  const random = generator(20261127);
  const cases = some(Array.from({ length: 60 }, (_, i) => randomCase(random, i)));
  cases.forEach((rc, i) => {
    for (const dtype of ['float32', 'float64'] as const) {
      check(`against the CPU ${dtype}`, describeCase(rc), () => expectAtMost(againstCpu(rc, dtype, device, 1000 + i), TOLERANCE[dtype] * (dtype === 'float32' ? 3 : 1)));
    }
  });
  check('determinism', describeCase(cases[0]), () => bitwiseRepeatable(cases[0], device));
  // bfloat16 / float16 inference: against PyTorch rounding the same operands, and against the CPU's
  // reduced path on the random configurations (summation orders differ: a state now and then rounds
  // to the neighbouring 16-bit value, hence the looser bound).
  for (const precision of PRECISIONS) {
    for (const file of some(reducedCaseFiles())) check(`${precision} golden`, file, () => checkReducedErrors(runReducedCase(file, precision, device), precision));
    for (const rc of some(cases)) check(`${precision} inference against the CPU`, describeCase(rc), () => reducedAgainstCpu(rc, device, precision));
  }
  for (const dtype of ['float64', 'float32'] as const) {
    for (const c of some(opCases)) check(`ops ${dtype}`, c.name, () => opCase(c, dtype, device));
    const nnWorst = { error: 0, where: '' };
    for (const c of some(nnGolden.losses)) check(`nn losses ${dtype}`, c.name, () => (replayLoss(c, dtype, device, comparer(TOLERANCE[dtype], nnWorst)), 'ok'));
    for (const c of some(nnGolden.modules)) check(`nn modules ${dtype}`, c.name, () => (replayModule(c, dtype, device, comparer(TOLERANCE[dtype], nnWorst), assert), 'ok'));
    for (const name of some(optimReplay.goldenNames())) check(`optimizers ${dtype}`, name, () => optimizerRun(name, dtype, device));
  }
  if (!quick) check('training', 'long-dependency task, LSTM, 150 Adam steps', () => trainingRun(device));
  check('optimizers', 'Adam state follows a module moved after the optimizer was made', () => {
    const run = (moveAfterFirst: boolean) => {
      g.manualSeed(21);
      const linear = new g.nn.Linear(7, 5);
      const opt = new g.optim.Adam(linear.parameters(), { lr: 0.1, amsgrad: true });
      for (let step = 0; step < 3; step++) {
        if (moveAfterFirst && step === 1) linear.to(device);
        g.manualSeed(100 + step);
        linear.parameters().forEach((p) => (p.grad = g.randn(p.shape as number[]).to(p.device)));
        opt.step();
      }
      return Array.from(linear.weight.dataSync() as Float32Array);
    };
    const worst = { error: 0, where: '' };
    const expected = run(false);
    comparer(1e-6, worst)('weight after 3 steps', g.tensor(run(true), [35]), expected);
    return `worst ${worst.error.toExponential(2)}`;
  });
  check('views', 'an LSTM reads a transposed, narrowed view of a CUDA tensor; gradients reach it', () => {
    g.manualSeed(12);
    const lstm = new g.nn.LSTM({ inputSize: 5, hiddenSize: 6 });
    const base = g.randn([4, 9, 5], { requiresGrad: true }); // [B, T', I]
    const viewOf = (t: Tensor) => t.transpose(0, 1).narrow(0, 2, 6); // [6, 4, 5], not contiguous
    const expected = lstm.forward(viewOf(base)).output;
    g.autograd.backward([expected], [g.ones(expected.shape as number[])]);
    const expectedGrad = Array.from(base.grad!.dataSync() as Float32Array);
    const onDevice = g.tensor(base.dataSync(), [4, 9, 5], { requiresGrad: true, device });
    lstm.to(device);
    const actual = lstm.forward(viewOf(onDevice)).output;
    g.autograd.backward([actual], [g.ones(actual.shape as number[], { device })]);
    const worst = { error: 0, where: '' };
    comparer(1e-5, worst)('output', actual, Array.from(expected.dataSync() as Float32Array));
    comparer(1e-5, worst)('input grad', onDevice.grad, expectedGrad);
    return `worst ${worst.error.toExponential(2)} (${worst.where})`;
  });
  for (const dtype of quick ? [] : (['float32', 'float64'] as const)) {
    check('long reductions', `sum, mean and norm of 3 x 1,000,003 (${dtype})`, () => {
      g.manualSeed(9);
      const x = g.randn([3, 1_000_003], { dtype });
      const onDevice = x.to(device);
      const worst = { error: 0, where: '' };
      const compare = comparer(TOLERANCE[dtype], worst);
      const pairs: [string, (t: Tensor) => Tensor][] = [
        ['sum over dim 1', (t) => g.sum(t, 1)],
        ['sum of all', (t) => g.sum(t)],
        ['mean over dim 0 of the transpose (a strided long reduction)', (t) => g.mean(t.transpose(0, 1).contiguous(), 0)],
        ['norm of all', (t) => g.norm(t)],
      ];
      for (const [what, fn] of pairs) compare(what, fn(onDevice), Array.from(fn(x).dataSync() as Float64Array));
      return `worst ${worst.error.toExponential(2)} (${worst.where})`;
    });
  }
  check('gates', 'returnGates of a 2-layer bidirectional LSTM and GRU', () => {
    const worst = { error: 0, where: '' };
    for (const Module of [g.nn.LSTM, g.nn.GRU]) {
      g.manualSeed(5);
      const module = new Module({ inputSize: 6, hiddenSize: 9, numLayers: 2, bidirectional: true });
      const x = g.randn([7, 3, 6]);
      const cpu = g.noGrad(() => module.forward(x, { returnGates: true }));
      module.to(device);
      const other = g.noGrad(() => module.forward(x.to(device), { returnGates: true }));
      comparer(1e-5, worst)(`${Module.name} gates`, other.gates, Array.from(cpu.gates!.dataSync() as Float32Array));
    }
    return `worst ${worst.error.toExponential(2)}`;
  });
  if (!quick) deviceGuarantees(device);
  await asyncReads(device);
  newPathChecks(device, cases, some);

  const groups = new Map<string, { passed: number; failed: number; worst: string; ms: number }>();
  for (const o of outcomes) {
    const entry = groups.get(o.group) ?? { passed: 0, failed: 0, worst: '', ms: 0 };
    if (o.ok) entry.passed += 1;
    else entry.failed += 1;
    entry.ms += o.ms;
    groups.set(o.group, entry);
  }
  console.log(`\n| group | passed | failed | seconds |\n| --- | ---: | ---: | ---: |`);
  for (const [group, { passed, failed, ms }] of groups) console.log(`| ${group} | ${passed} | ${failed} | ${(ms / 1000).toFixed(1)} |`);
  const failed = outcomes.filter((o) => !o.ok).length;
  if (unsupported.length > 0) console.log(`\nNot on CUDA yet (${unsupported.length} cases, each a clear TypeError):\n  ${[...new Set(unsupported.map((u) => u.replace(/^[^:]*: /, '')))].join('\n  ')}`);
  console.log(`\nGPU check: ${outcomes.length - failed} passed, ${failed} failed, ${unsupported.length} not on CUDA yet, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (outPath) fs.writeFileSync(outPath, JSON.stringify({ device, info, outcomes, unsupported }, null, 1));
  return failed === 0 ? 0 : 1;
}

main().then(
  (status) => process.exit(status),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
