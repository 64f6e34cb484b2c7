// Helpers shared by bench/run.js (the orchestrator) and bench/run-one.js (one library in one
// process): workloads, seeded weights and inputs, a small safetensors reader/writer, FLOP counts,
// statistics and the child-process protocol. Plain CommonJS; loads no library under test.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const WORKLOADS_FILE = path.join(__dirname, 'workloads.json');

/**
 * The float32 FMA peak of the development machine (2 cores of an AMD EPYC, Zen 5, AVX-512), measured
 * with bench/fma_peak.cc on 2026-11-28: used only when that program cannot be built here.
 */
const PEAK_GFLOPS = { 1: 200, 2: 411 };

function loadWorkloads() {
  return JSON.parse(fs.readFileSync(WORKLOADS_FILE, 'utf8')).workloads;
}

function workloadById(id) {
  const w = loadWorkloads().find((x) => x.id === id);
  if (!w) throw new Error(`unknown workload ${id}`);
  return w;
}

const GATES = { lstm: 4, gru: 3, rnn: 1 };

/** Multiply-adds ×2 of the forward pass: input and recurrent projections, every layer and direction. */
function forwardFlops(w) {
  const dirs = w.bidirectional ? 2 : 1;
  let flops = 0;
  for (let layer = 0; layer < w.layers; layer++) {
    const inSize = layer === 0 ? w.input : w.hidden * dirs;
    flops += dirs * 2 * w.seq * w.batch * GATES[w.cell] * w.hidden * (inSize + w.hidden);
  }
  return flops;
}

/**
 * FLOPs of one call. Inference: the forward GEMMs. Training: the usual 3× forward estimate
 * (backward = input gradients + weight gradients, each as many FLOPs as the forward) plus the
 * Linear head (forward and backward). Elementwise gate maths, the loss and Adam are not counted.
 */
function caseFlops(w) {
  const f = forwardFlops(w);
  if (w.kind === 'infer') return f;
  const dirs = w.bidirectional ? 2 : 1;
  return 3 * f + 3 * 2 * w.batch * dirs * w.hidden * w.classes;
}

// ---------------------------------------------------------------- seeded data

/** mulberry32: a small, fast, seeded 32-bit generator; uniform in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text) {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** PyTorch parameter names of RNN `rnn` (batch-first) + Linear `fc`, with shapes. */
function parameterShapes(w) {
  const G = GATES[w.cell] * w.hidden;
  const dirs = w.bidirectional ? 2 : 1;
  const shapes = [];
  for (let layer = 0; layer < w.layers; layer++) {
    const inSize = layer === 0 ? w.input : w.hidden * dirs;
    for (let d = 0; d < dirs; d++) {
      const sfx = `l${layer}${d === 1 ? '_reverse' : ''}`;
      shapes.push([`rnn.weight_ih_${sfx}`, [G, inSize]]);
      shapes.push([`rnn.weight_hh_${sfx}`, [G, w.hidden]]);
      shapes.push([`rnn.bias_ih_${sfx}`, [G]]);
      shapes.push([`rnn.bias_hh_${sfx}`, [G]]);
    }
  }
  if (w.kind === 'train') {
    shapes.push(['fc.weight', [w.classes, w.hidden * dirs]]);
    shapes.push(['fc.bias', [w.classes]]);
  }
  return shapes;
}

/**
 * Weights (PyTorch's default init: uniform ±1/√hidden, and ±1/√fan_in for the head), the input
 * x [batch, seq, input] ~ N(0, 1) and, for training, labels [batch] in [0, classes). Deterministic
 * for a given workload (seed from the workload id and shape), independent of every library.
 */
function makeData(w) {
  const rand = mulberry32(seedOf(JSON.stringify(w)));
  const uniform = (n, bound) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (2 * rand() - 1) * bound;
    return a;
  };
  const normal = (n) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u = 1 - rand(), v = rand();
      const r = Math.sqrt(-2 * Math.log(u));
      a[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < n) a[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    return a;
  };
  const tensors = {};
  for (const [name, shape] of parameterShapes(w)) {
    const n = shape.reduce((p, s) => p * s, 1);
    const bound = name.startsWith('fc.') ? 1 / Math.sqrt(w.hidden * (w.bidirectional ? 2 : 1)) : 1 / Math.sqrt(w.hidden);
    tensors[name] = { dtype: 'F32', shape, data: uniform(n, bound) };
  }
  tensors.x = { dtype: 'F32', shape: [w.batch, w.seq, w.input], data: normal(w.batch * w.seq * w.input) };
  if (w.kind === 'train') {
    const labels = new BigInt64Array(w.batch);
    for (let i = 0; i < w.batch; i++) labels[i] = BigInt(Math.floor(rand() * w.classes));
    tensors.labels = { dtype: 'I64', shape: [w.batch], data: labels };
  }
  return tensors;
}

// ---------------------------------------------------------------- safetensors

const DTYPES = { F32: Float32Array, F64: Float64Array, I64: BigInt64Array, I32: Int32Array };

function writeSafetensors(file, tensors) {
  const header = {};
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const parts = [head, Buffer.from(json)];
  for (const name of names) {
    const d = tensors[name].data;
    parts.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const Ctor = DTYPES[info.dtype];
    if (!Ctor) throw new Error(`${file}: dtype ${info.dtype} of ${name} not handled`);
    const [a, b] = info.data_offsets;
    const bytes = buf.subarray(8 + n + a, 8 + n + b);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    out[name] = { dtype: info.dtype, shape: info.shape, data: new Ctor(copy.buffer) };
  }
  return out;
}

// ---------------------------------------------------------------- numbers

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Student t critical values at 95% (two-sided), as benchmark.js uses for its margin of error.
const T_TABLE = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Relative margin of error of the mean (%, 95%), benchmark.js's definition. */
function rme(values) {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const critical = T_TABLE[n - 1] ?? 1.96;
  return ((critical * sd) / Math.sqrt(n) / mean) * 100;
}

/** ‖a − b‖ / ‖b‖ over all elements (b is the reference). */
function relErr(a, b) {
  if (a.length !== b.length) return Infinity;
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / (Math.sqrt(den) || 1);
}

// ---------------------------------------------------------------- child protocol
// The child prints one line per reply, prefixed with MARK, and reads one JSON command per stdin line.

const MARK = '@@bench ';

function reply(obj) {
  process.stdout.write(MARK + JSON.stringify(obj) + '\n');
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args[a.slice(2)] = argv[++i];
    else args[a.slice(2)] = true;
  }
  return args;
}

module.exports = {
  PEAK_GFLOPS, GATES, MARK, loadWorkloads, workloadById, forwardFlops, caseFlops, parameterShapes, makeData,
  writeSafetensors, readSafetensors, median, rme, relErr, reply, parseArgs, mulberry32,
};
