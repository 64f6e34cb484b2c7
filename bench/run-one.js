// One library on one workload, in its own process (so no two libraries share a thread pool).
//
//   node bench/run-one.js --lib gated --workload W1 --data /tmp/W1.safetensors --check-out /tmp/c.safetensors --serve
//
// Libraries: gated, gated-rb (gated's GRU in the reset-before form), tfjs-cpu, tfjs-wasm,
// tfjs-node (only when installed), ort (onnxruntime-node, inference only; needs --model).
//
// Start-up: load the library, build the model with the weights from --data, run the cross-check
// pass (inference: one forward, output saved; training: one step from the initial weights, loss and
// gradients saved, then the loss after that Adam step) into --check-out, and time that first call.
// With --serve it then answers JSON commands on stdin, one per line (see bench/README.md):
//   {"cmd":"probe"}                     one more call, timed with process.hrtime
//   {"cmd":"round","reps":k}            benny: 1 untimed call (benny's own probe) + k timed samples
//   {"cmd":"round","reps":1,"timer":"hrtime"}   one call timed with process.hrtime, nothing else
//   {"cmd":"exit"}
// Every reply is one line on stdout starting with '@@bench '. Without --serve it runs
// --reps (default 5) samples with benny once and prints the result.
'use strict';
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { workloadById, readSafetensors, writeSafetensors, reply, parseArgs } = require('./common');

const args = parseArgs(process.argv.slice(2));
const LIB = args.lib;
const W = workloadById(args.workload);
const THREADS = Number(args.threads ?? os.cpus().length);
const LR = 1e-3;

const f32 = (t) => ({ dtype: 'F32', shape: t.shape, data: t.data });

// ------------------------------------------------------------------------------------ gated

async function setupGated(resetBefore) {
  const g = require(path.join(__dirname, '..'));
  const info = { version: require('../package.json').version };
  if (typeof g.setNumThreads === 'function') {
    g.setNumThreads(THREADS);
    info.threads = typeof g.getNumThreads === 'function' ? g.getNumThreads() : THREADS;
    info.threadsNote = 'g.setNumThreads';
  } else {
    info.threads = 'default';
    info.threadsNote = 'no g.setNumThreads in this build: the engine default';
  }
  try {
    info.isa = g.backend.getKernel('isa');
    info.gemm = g.backend.getKernel('gemm');
  } catch {
    // older builds: no kernel switches
  }
  if (resetBefore && W.cell !== 'gru') throw new Unsupported('reset-before applies to GRU only');
  const dict = await g.load(args.data);
  const Ctor = W.cell === 'lstm' ? g.nn.LSTM : g.nn.GRU;
  const opts = { inputSize: W.input, hiddenSize: W.hidden, numLayers: W.layers, bidirectional: W.bidirectional, batchFirst: true };
  if (W.cell === 'gru') opts.resetAfter = !resetBefore;
  const dirs = W.bidirectional ? 2 : 1;
  class Net extends g.nn.Module {
    constructor() {
      super();
      this.rnn = new Ctor(opts);
      if (W.kind === 'train') this.fc = new g.nn.Linear(W.hidden * dirs, W.classes);
    }
  }
  const net = new Net();
  const { x, labels, ...state } = dict;
  net.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();

  if (W.kind === 'infer') {
    net.eval();
    return {
      info,
      check() {
        return g.tidy(() => g.noGrad(() => ({ output: net.rnn.forward(x).output.dataSync() })));
      },
      call() {
        g.tidy(() => g.noGrad(() => void net.rnn.forward(x)));
      },
    };
  }
  const F = g.nn.functional;
  const optimizer = new g.optim.Adam(net.parameters(), { lr: LR });
  const logitsOf = () => net.fc.forward(net.rnn.forward(x).output.select(1, -1));
  const step = (collect) =>
    g.tidy(() => {
      const loss = F.crossEntropy(logitsOf(), labels);
      optimizer.zeroGrad();
      loss.backward();
      const out = collect
        ? {
            loss1: new Float32Array([loss.item()]),
            'grad.rnn.weight_hh_l0': net.rnn.parameter('weight_hh_l0').grad.dataSync(),
            'grad.rnn.weight_ih_l0': net.rnn.parameter('weight_ih_l0').grad.dataSync(),
            'grad.fc.weight': net.fc.parameter('weight').grad.dataSync(),
          }
        : undefined;
      optimizer.step();
      return out;
    });
  return {
    info,
    check() {
      const out = step(true);
      out.loss2 = new Float32Array([g.tidy(() => g.noGrad(() => F.crossEntropy(logitsOf(), labels).item()))]);
      return out;
    },
    call() {
      step(false);
    },
  };
}

// ------------------------------------------------------------------------------------ tfjs

/** PyTorch [G·H, in] (gate blocks in PyTorch order) -> Keras [in, G·H] (blocks in Keras order). */
function toKerasKernel(w, H, perm) {
  const [GH, n] = w.shape;
  const out = new Float32Array(GH * n);
  for (let k = 0; k < perm.length; k++)
    for (let j = 0; j < H; j++) {
      const src = (perm[k] * H + j) * n;
      for (let i = 0; i < n; i++) out[i * GH + k * H + j] = w.data[src + i];
    }
  return out;
}

/** The inverse: Keras [in, G·H] -> PyTorch [G·H, in]. */
function fromKerasKernel(k, inSize, H, perm) {
  const GH = perm.length * H;
  const out = new Float32Array(GH * inSize);
  for (let b = 0; b < perm.length; b++)
    for (let j = 0; j < H; j++) for (let i = 0; i < inSize; i++) out[(perm[b] * H + j) * inSize + i] = k[i * GH + b * H + j];
  return out;
}

async function setupTfjs(backend) {
  let tf;
  const info = {};
  if (backend === 'node') {
    tf = require('@tensorflow/tfjs-node');
    info.version = tf.version?.['tfjs-node'] ?? tf.version?.tfjs;
    info.threads = 'TF default (inter/intra-op pools)';
  } else {
    tf = require('@tensorflow/tfjs');
    info.version = tf.version.tfjs;
    if (backend === 'wasm') {
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setThreadsCount(THREADS);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
      info.threads = wasm.getThreadsCount();
      if (info.threads !== THREADS) info.threadsNote = 'tfjs-backend-wasm disables multithreading under Node (WASM_HAS_MULTITHREAD_SUPPORT=false)';
      info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    } else {
      if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") failed');
      info.threads = 1;
      info.threadsNote = 'pure JavaScript, single-threaded';
    }
  }
  info.backend = tf.getBackend();
  if (W.kind === 'train' && W.bidirectional) {
    throw new Unsupported("Keras' last-step output of a bidirectional RNN is not PyTorch's output[:, -1]");
  }
  const data = readSafetensors(args.data);
  const H = W.hidden;
  const dirs = W.bidirectional ? 2 : 1;
  // Gate order: PyTorch LSTM i,f,g,o = Keras i,f,c,o; PyTorch GRU r,z,n -> Keras z,r,h.
  const perm = W.cell === 'lstm' ? [0, 1, 2, 3] : [1, 0, 2];
  const input = tf.input({ batchShape: [W.batch, W.seq, W.input] });
  let y = input;
  const rnnLayers = [];
  for (let layer = 0; layer < W.layers; layer++) {
    const returnSequences = W.kind === 'infer' || layer < W.layers - 1;
    // Zero initialisers: the weights are set below, and the default orthogonal initialiser of the
    // recurrent kernel (a QR decomposition in JavaScript) takes minutes on the cpu backend.
    const cfg = { units: H, returnSequences, recurrentActivation: 'sigmoid', kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' };
    const make = () => (W.cell === 'lstm' ? tf.layers.lstm(cfg) : tf.layers.gru({ ...cfg, resetAfter: false }));
    const l = W.bidirectional ? tf.layers.bidirectional({ layer: make(), mergeMode: 'concat' }) : make();
    y = l.apply(y);
    rnnLayers.push(l);
  }
  let dense = null;
  if (W.kind === 'train') {
    dense = tf.layers.dense({ units: W.classes, kernelInitializer: 'zeros', biasInitializer: 'zeros' });
    y = dense.apply(y);
  }
  const model = tf.model({ inputs: input, outputs: y });
  for (let layer = 0; layer < W.layers; layer++) {
    const weights = [];
    for (let d = 0; d < dirs; d++) {
      const sfx = `l${layer}${d ? '_reverse' : ''}`;
      const wih = data[`rnn.weight_ih_${sfx}`], whh = data[`rnn.weight_hh_${sfx}`];
      const bih = data[`rnn.bias_ih_${sfx}`].data, bhh = data[`rnn.bias_hh_${sfx}`].data;
      // Keras has one bias: b_ih + b_hh (for the reset-before GRU as well: n = tanh(W x + U (r*h) + b)).
      const bias = new Float32Array(perm.length * H);
      for (let k = 0; k < perm.length; k++) for (let j = 0; j < H; j++) bias[k * H + j] = bih[perm[k] * H + j] + bhh[perm[k] * H + j];
      weights.push(
        tf.tensor2d(toKerasKernel(wih, H, perm), [wih.shape[1], perm.length * H]),
        tf.tensor2d(toKerasKernel(whh, H, perm), [H, perm.length * H]),
        tf.tensor1d(bias),
      );
    }
    rnnLayers[layer].setWeights(weights);
    weights.forEach((t) => t.dispose());
  }
  const x = tf.tensor3d(data.x.data, data.x.shape);
  if (W.kind === 'infer') {
    return {
      info,
      check() {
        return tf.tidy(() => ({ output: model.apply(x, { training: false }).dataSync() }));
      },
      call() {
        tf.tidy(() => void model.apply(x, { training: false }));
      },
    };
  }
  // Training: dense.kernel [H, C] = fc.weight^T, softmax cross-entropy with mean reduction, Adam (PyTorch's eps).
  const fcw = data['fc.weight'];
  const fcT = new Float32Array(fcw.data.length);
  for (let c = 0; c < W.classes; c++) for (let h = 0; h < H; h++) fcT[h * W.classes + c] = fcw.data[c * H + h];
  dense.setWeights([tf.tensor2d(fcT, [H, W.classes]), tf.tensor1d(data['fc.bias'].data)]);
  const labels = Array.from(data.labels.data, Number);
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), W.classes).toFloat();
  const optimizer = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  const vars = model.trainableWeights.map((v) => v.read());
  const l0 = W.bidirectional ? rnnLayers[0].forwardLayer : rnnLayers[0];
  const [kernel0, recurrent0] = l0.trainableWeights.map((v) => v.read());
  const denseKernel = dense.trainableWeights[0].read();
  const step = (collect) =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(oneHot, model.apply(x, { training: true })), vars);
      let out;
      if (collect) {
        const gd = grads[denseKernel.name].dataSync();
        const gfc = new Float32Array(gd.length);
        for (let c = 0; c < W.classes; c++) for (let h = 0; h < H; h++) gfc[c * H + h] = gd[h * W.classes + c];
        out = {
          loss1: new Float32Array([value.dataSync()[0]]),
          'grad.rnn.weight_hh_l0': fromKerasKernel(grads[recurrent0.name].dataSync(), H, H, perm),
          'grad.rnn.weight_ih_l0': fromKerasKernel(grads[kernel0.name].dataSync(), W.input, H, perm),
          'grad.fc.weight': gfc,
        };
      }
      optimizer.applyGradients(grads);
      return out;
    });
  info.note = 'one fused Keras bias (b_ih + b_hh): loss after the Adam step not compared';
  return { info, check: () => step(true), call: () => void step(false) };
}

// ------------------------------------------------------------------------------------ onnxruntime

async function setupOrt() {
  if (W.kind !== 'infer') throw new Unsupported('ONNX Runtime inference sessions only (no training API here)');
  if (!args.model) throw new Unsupported('no ONNX model for this workload');
  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(args.model, {
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const data = readSafetensors(args.data);
  const feeds = { x: new ort.Tensor('float32', data.x.data, data.x.shape) };
  const info = { version: require('onnxruntime-node/package.json').version, threads: THREADS, threadsNote: 'intraOpNumThreads' };
  return {
    info,
    async check() {
      const r = await session.run(feeds);
      return { output: r.output.data };
    },
    async call() {
      const r = await session.run(feeds);
      for (const t of Object.values(r)) t.dispose?.();
    },
  };
}

// ------------------------------------------------------------------------------------ driver

class Unsupported extends Error {}

async function setup() {
  switch (LIB) {
    case 'gated': return setupGated(false);
    case 'gated-rb': return setupGated(true);
    case 'tfjs-cpu': return setupTfjs('cpu');
    case 'tfjs-wasm': return setupTfjs('wasm');
    case 'tfjs-node': return setupTfjs('node');
    case 'ort': return setupOrt();
    default: throw new Error(`unknown --lib ${LIB}`);
  }
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function timeOnce(fn) {
  const t = nowMs();
  await fn();
  return nowMs() - t;
}

/** benny: one untimed call (benny calls the case once to see whether it returns a promise), then `reps` samples. */
async function bennyRound(call, reps) {
  const b = require('benny');
  const log = console.log;
  console.log = () => {}; // benny prints progress; keep the protocol stream clean
  try {
    const summary = await b.suite(
      `${LIB} ${W.id}`,
      // An async case: benchmark.js runs deferred cases without its extra "pretest" call per sample.
      b.add(`${LIB} ${W.id}`, () => async () => { await call(); }),
      // minTime 1e-4 s: every sample is a single call for calls longer than 0.1 ms;
      // maxTime ~0: stop as soon as minSamples samples are taken; no delay between cycles.
      b.configure({ cases: { minSamples: reps, maxTime: 1e-6, minTime: 1e-4, initCount: 1, delay: 0 } }),
    );
    const r = summary.results[0];
    return { samplesMs: r.details.sampleResults.map((s) => s * 1e3), benny: { ops: r.ops, margin: r.margin, samples: r.samples } };
  } finally {
    console.log = log;
  }
}

async function main() {
  let lib;
  try {
    lib = await setup();
  } catch (e) {
    reply(e instanceof Unsupported ? { unsupported: e.message } : { error: String(e?.stack ?? e) });
    process.exit(0);
  }
  reply({ loaded: true, info: lib.info });
  const t = nowMs();
  const check = await lib.check();
  const checkMs = nowMs() - t;
  if (args['check-out']) {
    const tensors = {};
    for (const [k, v] of Object.entries(check)) tensors[k] = f32({ shape: [v.length], data: Float32Array.from(v) });
    writeSafetensors(args['check-out'], tensors);
  }
  reply({ ready: true, checkMs, info: lib.info });

  if (!args.serve) {
    const r = await bennyRound(lib.call, Number(args.reps ?? 5));
    reply(r);
    return;
  }
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const cmd = JSON.parse(line);
    try {
      if (cmd.cmd === 'exit') break;
      if (cmd.cmd === 'probe') reply({ ms: await timeOnce(lib.call) });
      else if (cmd.cmd === 'round') {
        if (cmd.timer === 'hrtime') {
          const samplesMs = [];
          for (let i = 0; i < cmd.reps; i++) samplesMs.push(await timeOnce(lib.call));
          reply({ samplesMs });
        } else reply(await bennyRound(lib.call, cmd.reps));
      } else reply({ error: `unknown command ${line}` });
    } catch (e) {
      reply({ error: String(e?.stack ?? e) });
    }
  }
  process.exit(0);
}

main().catch((e) => {
  reply({ error: String(e?.stack ?? e) });
  process.exit(1);
});
