#!/usr/bin/env node
// gated against TensorFlow.js (cpu, wasm; tfjs-node when installed), onnxruntime-node and PyTorch
// on the workloads of bench/workloads.json. See bench/README.md.
//
//   npm run bench                      every workload (W1–W6), 20 s cap per library per workload
//   npm run bench -- --quick           W1 and W5, fewer samples, 12 s cap (1–2 minutes on 2 cores)
//   npm run bench -- --workloads W2,W3 --libs gated,torch,ort --cap 30 --rounds 5 --max-samples 30
//   other flags: --threads N (default: the core count), --peak GFLOPS, --no-save, --verbose
//
// Each library runs in its own process (bench/run-one.js, or bench/torch_runner.py for PyTorch)
// on the same weights and inputs, written once to a temporary .safetensors file. Every runner's
// first call is a cross-check: its output (or loss and gradients) is compared with gated's.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const readline = require('node:readline');
const { spawn, spawnSync } = require('node:child_process');
const C = require('./common');

const ROOT = path.join(__dirname, '..');
const args = C.parseArgs(process.argv.slice(2));
if (args.help || args.h) {
  const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const QUICK = Boolean(args.quick);
const CAP_S = Number(args.cap ?? (QUICK ? 12 : 20));
const ROUNDS = Number(args.rounds ?? (QUICK ? 3 : 5));
const MAX_SAMPLES = Number(args['max-samples'] ?? (QUICK ? 15 : 30));
const MIN_SAMPLES = 3;
const TOLERANCE = 1e-4;
const THREADS = Number(args.threads ?? os.cpus().length);
const MEASURED_PEAK = args.peak ? null : measuredFmaPeak(THREADS);
const PEAK = Number(args.peak ?? MEASURED_PEAK ?? C.PEAK_GFLOPS[THREADS] ?? C.PEAK_GFLOPS[2]);
const peakSource = () =>
  args.peak ? 'given with --peak'
    : MEASURED_PEAK ? 'measured now by bench/fma_peak.cc (override with --peak N)'
      : "the development machine's, as no C++ compiler could build bench/fma_peak.cc here (override with --peak N)";
const PYTHON = process.env.PYTHON ?? 'python3';
const MODELS_DIR = path.join(__dirname, 'models');
const RESULTS_DIR = path.join(__dirname, 'results');
const list = (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : null);

const workloads = C.loadWorkloads().filter((w) => (list(args.workloads) ?? (QUICK ? ['W1', 'W5'] : null) ?? [w.id]).includes(w.id));
if (!workloads.length) throw new Error(`no workload matches --workloads ${args.workloads}`);

/**
 * This machine's float32 FMA peak on `threads` threads, from bench/fma_peak.cc built with the local
 * C++ compiler (-march=native), or null (and the development machine's figure) without one.
 */
function measuredFmaPeak(threads) {
  const binary = path.join(os.tmpdir(), `gated-fma-peak-${process.pid}`);
  const build = spawnSync('c++', ['-O3', '-march=native', '-pthread', path.join(__dirname, 'fma_peak.cc'), '-o', binary], { encoding: 'utf8' });
  if (build.status !== 0) return null;
  const run = spawnSync(binary, [String(threads)], { encoding: 'utf8' });
  fs.rmSync(binary, { force: true });
  const gflops = Number(/GFLOPS (\S+)/.exec(run.stdout ?? '')?.[1]);
  return Number.isFinite(gflops) && gflops > 0 ? Math.round(gflops) : null;
}

// ------------------------------------------------------------------------------ libraries

const LIBS = [
  { id: 'gated', label: (w) => (w.cell === 'gru' ? 'gated (GRU reset-after)' : 'gated') },
  { id: 'gated-rb', label: () => 'gated (GRU reset-before)', applies: (w) => w.cell === 'gru' },
  { id: 'tfjs-cpu', label: () => 'tfjs cpu', ref: (w) => (w.cell === 'gru' ? 'gated-rb' : 'gated') },
  { id: 'tfjs-wasm', label: () => 'tfjs wasm', ref: (w) => (w.cell === 'gru' ? 'gated-rb' : 'gated') },
  { id: 'tfjs-node', label: () => 'tfjs-node', ref: (w) => (w.cell === 'gru' ? 'gated-rb' : 'gated') },
  { id: 'ort', label: () => 'onnxruntime-node', ref: () => 'gated', applies: (w) => w.kind === 'infer' },
  { id: 'torch', label: () => 'PyTorch', ref: () => 'gated', python: true },
];
const wantedLibs = list(args.libs);
const libs = LIBS.filter((l) => !wantedLibs || wantedLibs.includes(l.id));

function resolves(name) {
  try {
    require.resolve(name, { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}

const unavailable = {}; // lib id -> reason (shown as n/a in every row)
const skipped = {}; // lib id -> reason (not shown as rows)
const notices = [];
let torchVersion = null;

function detect() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) unavailable.gated = unavailable['gated-rb'] = 'dist/ not built (npm run build:ts)';
  if (!resolves('@tensorflow/tfjs')) unavailable['tfjs-cpu'] = unavailable['tfjs-wasm'] = '@tensorflow/tfjs not installed';
  else if (!resolves('@tensorflow/tfjs-backend-wasm')) unavailable['tfjs-wasm'] = '@tensorflow/tfjs-backend-wasm not installed';
  // tfjs-node is never required unless it is installed: only its presence is checked here.
  if (!resolves('@tensorflow/tfjs-node')) {
    skipped['tfjs-node'] = '@tensorflow/tfjs-node is not installed';
    notices.push('tfjs-node: not installed (@tensorflow/tfjs-node not found) — skipped. Install it to add it to the comparison.');
  }
  if (!resolves('onnxruntime-node')) unavailable.ort = 'onnxruntime-node not installed';
  const py = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (py.status === 0) torchVersion = py.stdout.trim();
  else unavailable.torch = `PyTorch not importable by ${PYTHON}`;
}

function pytorchBanner() {
  if (!unavailable.torch || !libs.some((l) => l.id === 'torch')) return;
  const line = '!'.repeat(100);
  console.log(`\n${line}\n!!! PyTorch IS MISSING (${PYTHON} -c 'import torch' failed): THE COMPARISON IS INCOMPLETE — no PyTorch rows.\n${line}\n`);
}

// ------------------------------------------------------------------------------ data and models

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function prepareData(tmp) {
  const files = {};
  for (const w of workloads) {
    files[w.id] = path.join(tmp, `${w.id}.safetensors`);
    C.writeSafetensors(files[w.id], C.makeData(w));
  }
  return files;
}

/** ONNX models for the inference workloads: reuse bench/models/Wn.onnx when it was made from the same data. */
function prepareModels(dataFiles) {
  if (!libs.some((l) => l.id === 'ort') || unavailable.ort) return;
  const infer = workloads.filter((w) => w.kind === 'infer');
  const stale = infer.filter((w) => {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, `${w.id}.json`), 'utf8'));
      return !fs.existsSync(path.join(MODELS_DIR, `${w.id}.onnx`)) || meta.data_sha256 !== sha256(dataFiles[w.id]);
    } catch {
      return true;
    }
  });
  if (!stale.length) return;
  if (unavailable.torch) {
    unavailable.ort = `no ONNX models in bench/models for ${stale.map((w) => w.id).join(', ')}, and python3 + torch are needed to make them`;
    return;
  }
  console.log(`Making ONNX models for ${stale.map((w) => w.id).join(', ')} (scripts/make_onnx_models.py) ...`);
  const r = spawnSync(PYTHON, [path.join(ROOT, 'scripts', 'make_onnx_models.py'), '--data-dir', path.dirname(dataFiles[stale[0].id]), '--out', MODELS_DIR, ...stale.map((w) => w.id)], { encoding: 'utf8' });
  process.stdout.write(r.stdout.replace(/^/gm, '  '));
  if (r.status !== 0) {
    unavailable.ort = `scripts/make_onnx_models.py failed: ${(r.stderr || '').trim().split('\n').slice(-1)[0]}`;
    console.log(r.stderr);
  }
}

// ------------------------------------------------------------------------------ child processes

class Child {
  constructor(lib, w, dataFile, checkFile) {
    const common = ['--workload', w.id, '--data', dataFile, '--check-out', checkFile, '--threads', String(THREADS), '--serve'];
    const [cmd, argv] = lib.python
      ? [PYTHON, [path.join(__dirname, 'torch_runner.py'), ...common]]
      : [process.execPath, [path.join(__dirname, 'run-one.js'), '--lib', lib.id, ...common, ...(lib.id === 'ort' ? ['--model', path.join(MODELS_DIR, `${w.id}.onnx`)] : [])]];
    this.proc = spawn(cmd, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.queue = [];
    this.waiter = null;
    this.log = [];
    this.exited = null;
    const keep = (line) => {
      this.log.push(line);
      if (this.log.length > 40) this.log.shift();
    };
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      if (line.startsWith(C.MARK)) this.push(JSON.parse(line.slice(C.MARK.length)));
      else keep(line);
    });
    readline.createInterface({ input: this.proc.stderr }).on('line', keep);
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.push({ error: `process exited (${signal ?? code})`, exited: true });
    });
    this.proc.stdin.on('error', () => {});
  }

  push(msg) {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      clearTimeout(w.timer);
      w.resolve(msg);
    } else this.queue.push(msg);
  }

  /** The next reply, or { timeout: true } after ms. */
  next(ms) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => {
      this.waiter = { resolve, timer: setTimeout(() => { this.waiter = null; resolve({ timeout: true }); }, ms) };
    });
  }

  async ask(cmd, ms) {
    if (this.exited) return { error: 'process had exited' };
    this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    return this.next(ms);
  }

  kill() {
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  async close() {
    if (this.exited) return;
    this.proc.stdin.write('{"cmd":"exit"}\n');
    const done = await Promise.race([new Promise((r) => this.proc.once('exit', () => r(true))), sleep(5000).then(() => false)]);
    if (!done) this.kill();
  }

  tail() {
    return this.log.filter((l) => l.trim()).slice(-8).join('\n    ');
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const T0 = Date.now();
const verbose = (...m) => args.verbose && console.log(`  [${((Date.now() - T0) / 1000).toFixed(1)} s]`, ...m);
const children = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill();
    process.exit(130);
  });
}

/**
 * How many samples fit in the cap, given one call's time p (ms). Calls under 1 s are timed by benny,
 * which spends one untimed call per round (its probe of the case: a warm-up after the other
 * libraries ran); calls of 1 s or more are timed with process.hrtime, one call per sample and no
 * warm-up call (the cross-check call already warmed up, and caches do not matter at that length).
 */
function plan(pMs) {
  const budget = Math.floor((CAP_S * 1000) / pMs);
  if (budget < 1) return null;
  const slow = pMs >= 1000;
  const extra = slow ? 0 : 1;
  const target = ROUNDS * Math.ceil(MAX_SAMPLES / ROUNDS);
  const repsFor = (rounds) => Math.max(1, Math.min(Math.ceil(MAX_SAMPLES / rounds), Math.floor(budget / rounds) - extra));
  let rounds = Math.max(1, Math.min(ROUNDS, Math.floor(budget / (1 + extra))));
  let reps = repsFor(rounds);
  while (rounds > 1 && rounds * reps < MIN_SAMPLES) reps = repsFor(--rounds);
  return { rounds, reps, timer: slow ? 'hrtime' : 'benny', capped: rounds * reps < target };
}

function fmtS(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

async function runWorkload(w, dataFile, tmp) {
  const flops = C.caseFlops(w);
  console.log(`\n== ${w.id}: ${w.desc} — ${w.kind === 'infer' ? 'inference (no grad)' : 'train step (forward + backward + Adam)'}, ${(flops / 1e9).toFixed(2)} GFLOP per call`);
  const rows = [];
  for (const lib of libs) {
    if (lib.applies && !lib.applies(w)) continue;
    if (skipped[lib.id]) continue;
    const row = { lib: lib.id, label: lib.label(w), ref: lib.ref?.(w) ?? null, status: 'ok', samplesMs: [], notes: [] };
    rows.push(row);
    if (unavailable[lib.id]) {
      row.status = `n/a (${unavailable[lib.id]})`;
      continue;
    }
    row.checkFile = path.join(tmp, `check-${w.id}-${lib.id}.safetensors`);
    verbose(`start ${row.label}`);
    const child = new Child(lib, w, dataFile, row.checkFile);
    children.add(child);
    row.child = child;
    const t0 = Date.now();
    let msg = await child.next(180_000);
    if (msg.loaded) msg = await child.next((w.kind === 'train' ? 2 : 1.5) * CAP_S * 1000 + 15_000);
    if (msg.unsupported) row.status = `n/a (${msg.unsupported})`;
    else if (msg.timeout) row.status = `n/a (first call did not finish within the ${CAP_S} s cap; stopped after ${((Date.now() - t0) / 1000).toFixed(0)} s)`;
    else if (msg.error) {
      row.status = `n/a (error: ${msg.error.split('\n')[0].slice(0, 160)})`;
      console.log(`  ${row.label}: ${msg.error.split('\n').slice(0, 4).join('\n    ')}\n    ${child.tail()}`);
    } else if (msg.ready) {
      row.info = msg.info;
      row.firstCallMs = msg.checkMs;
      let p = msg.checkMs;
      if (p > CAP_S * 1000) row.status = `n/a (one call took ${fmtS(p)}, over the ${CAP_S} s cap)`;
      else {
        // The first call includes one-time costs; a second call gives the plan a better estimate.
        if (p < (CAP_S * 1000) / 2) {
          const probe = await child.ask({ cmd: 'probe' }, CAP_S * 1000 + 10_000);
          if (probe.ms != null) p = Math.min(p, probe.ms);
          else if (probe.timeout) row.status = `n/a (the second call did not finish within the ${CAP_S} s cap)`;
          else row.status = `n/a (error: ${String(probe.error).split('\n')[0].slice(0, 160)})`;
        }
        if (row.status === 'ok') {
          row.plan = plan(p);
          row.probeMs = p;
          if (!row.plan) row.status = `n/a (one call took ${fmtS(p)}, over the ${CAP_S} s cap)`;
        }
      }
    }
    if (row.status !== 'ok') {
      child.kill();
      children.delete(child);
      row.child = null;
    }
    const i = row.info;
    console.log(`  ${row.label.padEnd(26)} ${row.status === 'ok' ? `ready: first call ${fmtS(row.firstCallMs)}, plan ${row.plan.rounds}×${row.plan.reps} (${row.plan.timer})${row.plan.capped ? ` — capped by the ${CAP_S} s budget` : ''}; threads ${i?.threads}` : row.status}`);
  }

  // Rounds: every library runs its share of round r before any runs round r + 1; the order rotates.
  const live = rows.filter((r) => r.child);
  const maxRounds = Math.max(0, ...live.map((r) => r.plan.rounds));
  for (let round = 0; round < maxRounds; round++) {
    const order = live.map((_, k) => live[(k + round) % live.length]);
    for (const row of order) {
      if (!row.child || round >= row.plan.rounds) continue;
      await sleep(50); // let the previous library's worker threads go idle
      verbose(`round ${round + 1}: ${row.label}`);
      const res = await row.child.ask({ cmd: 'round', reps: row.plan.reps, timer: row.plan.timer }, (row.plan.reps + 1) * row.probeMs * 4 + 30_000);
      if (res.samplesMs) {
        row.samplesMs.push(...res.samplesMs);
        if (res.benny) (row.benny ??= []).push(res.benny);
      } else {
        row.status = res.timeout ? 'n/a (a timed round ran far over its expected time)' : `n/a (error: ${String(res.error).split('\n')[0]})`;
        if (res.error) console.log(`  ${row.label}: ${res.error}\n    ${row.child.tail()}`);
        row.child.kill();
        row.child = null;
      }
    }
  }
  for (const row of rows) {
    if (row.child) {
      verbose(`close ${row.label}`);
      await row.child.close();
      children.delete(row.child);
      row.child = null;
    }
  }

  // Statistics.
  for (const row of rows) {
    if (row.status !== 'ok' || !row.samplesMs.length) continue;
    row.medianMs = C.median(row.samplesMs);
    row.minMs = Math.min(...row.samplesMs);
    row.rme = C.rme(row.samplesMs);
    row.seqPerS = w.batch / (row.medianMs / 1000);
    row.gflops = flops / (row.medianMs / 1000) / 1e9;
    row.pctPeak = (100 * row.gflops) / PEAK;
    row.timer = row.lib === 'torch' ? 'perf_counter' : row.plan.timer;
    if (row.plan.capped) row.notes.push(`capped: ${row.samplesMs.length} sample${row.samplesMs.length > 1 ? 's' : ''} within the ${CAP_S} s budget (one call ≈ ${fmtS(row.probeMs)})`);
  }
  const byLib = Object.fromEntries(rows.map((r) => [r.lib, r]));
  for (const row of rows) {
    const ref = row.ref && byLib[row.ref];
    if (row.ref && ref?.medianMs && row.medianMs) row.ratio = row.medianMs / ref.medianMs;
    // Cross-check against gated on the same function.
    if (!row.ref || !row.checkFile || !fs.existsSync(row.checkFile)) continue;
    if (!ref?.checkFile || !fs.existsSync(ref.checkFile)) {
      row.check = { status: `no reference (${row.ref} did not run)` };
      continue;
    }
    const a = C.readSafetensors(row.checkFile), b = C.readSafetensors(ref.checkFile);
    const errs = {};
    for (const k of Object.keys(a)) if (b[k]) errs[k] = C.relErr(a[k].data, b[k].data);
    const max = Math.max(...Object.values(errs));
    row.check = { against: row.ref, relErr: errs, maxRelErr: max, ok: max <= TOLERANCE };
    if (!row.check.ok) {
      row.notes.push(`CROSS-CHECK FAILED against ${row.ref}: ${Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
    }
  }
  for (const row of rows) if (row.info?.note) row.notes.push(row.info.note);
  return { id: w.id, desc: w.desc, kind: w.kind, workload: w, flops, rows };
}

// ------------------------------------------------------------------------------ output

function fmt(v, digits) {
  if (v == null || !Number.isFinite(v)) return '';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

function threadsOf(row) {
  return row.info?.threads ?? '';
}

function table(results) {
  const out = [];
  out.push(`| workload | library | threads | median ms | ±% | samples (timer) | seq/s | ratio vs gated | GFLOP/s | % of ${PEAK} GFLOP/s peak | cross-check (max rel. err.) |`);
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    for (const row of r.rows) {
      const check = row.check?.maxRelErr != null ? `${row.check.ok ? 'ok' : 'FAIL'} ${row.check.maxRelErr.toExponential(1)} vs ${row.check.against}` : row.ref ? row.check?.status ?? '' : 'reference';
      if (row.status !== 'ok') {
        out.push(`| ${r.id} | ${row.label} | ${threadsOf(row)} | ${row.status} | | | | | | | ${row.check ? check : ''} |`);
        continue;
      }
      const ratio = row.ref ? (row.ratio ? `${row.ratio.toFixed(2)}×` : '') : row.lib === 'gated-rb' ? '1 (ref for tfjs GRU)' : '1 (ref)';
      out.push(`| ${r.id} | ${row.label} | ${threadsOf(row)} | ${fmt(row.medianMs, 2)} | ${row.rme != null ? row.rme.toFixed(0) : ''} | ${row.samplesMs.length} ${row.timer}${row.plan?.capped ? ', capped' : ''} | ${fmt(row.seqPerS, 1)} | ${ratio} | ${fmt(row.gflops, 1)} | ${fmt(row.pctPeak, 1)}% | ${check} |`);
    }
  }
  return out.join('\n');
}

async function main() {
  detect();
  const cpus = os.cpus();
  const load = os.loadavg();
  console.log(`gated benchmark — ${new Date().toISOString()}${QUICK ? ' (quick)' : ''}`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}; Node ${process.version}; PyTorch ${torchVersion ?? 'missing'}; load average ${load.map((x) => x.toFixed(2)).join(' ')}`);
  if (load[0] > 0.5) console.log(`note: the machine is busy (1-minute load ${load[0].toFixed(2)}): expect noisy numbers`);
  console.log(`float32; threads asked of each library: ${THREADS}; cap ${CAP_S} s per library per workload; up to ${ROUNDS} interleaved rounds and ${MAX_SAMPLES} samples`);
  console.log(`peak: ${PEAK} GFLOP/s, ${peakSource()}; % of peak uses it for every library`);
  for (const n of notices) console.log(n);
  pytorchBanner();

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gated-bench-'));
  const started = Date.now();
  try {
    const dataFiles = prepareData(tmp);
    prepareModels(dataFiles);
    if (unavailable.ort && libs.some((l) => l.id === 'ort')) console.log(`onnxruntime-node: skipped — ${unavailable.ort}`);
    const results = [];
    for (const w of workloads) results.push(await runWorkload(w, dataFiles[w.id], tmp));

    console.log(`\n## Results (median per call; float32; peak ${PEAK} GFLOP/s = ${THREADS}-thread FMA peak, ${peakSource()})\n`);
    console.log(table(results));
    const notes = results.flatMap((r) => r.rows.flatMap((row) => row.notes.map((n) => `- ${r.id} ${row.label}: ${n}`)));
    if (notes.length) console.log(`\n${notes.join('\n')}`);
    console.log(
      '\nratio = median ms / median ms of gated computing the same function (tfjs GRU: gated reset-before; others: gated reset-after); above 1: gated is faster.' +
        '\nGFLOP/s counts the GEMM FLOPs only (training: 3× forward + head). ±% = 95% margin of error of the mean over the samples.',
    );
    for (const n of notices) console.log(n);
    pytorchBanner();

    const failed = results.some((r) => r.rows.some((row) => row.check && row.check.ok === false));
    if (!args['no-save']) {
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      const file = path.join(RESULTS_DIR, `${new Date().toISOString().replace(/:/g, '-').replace(/\..*/, '')}.json`);
      const json = {
        date: new Date().toISOString(),
        quick: QUICK,
        seconds: (Date.now() - started) / 1000,
        machine: { cpus: cpus.length, model: cpus[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}`, loadavg: load },
        settings: { threads: THREADS, capSeconds: CAP_S, rounds: ROUNDS, maxSamples: MAX_SAMPLES, tolerance: TOLERANCE, peakGflops: PEAK, peaks: C.PEAK_GFLOPS },
        versions: { torch: torchVersion },
        unavailable,
        skipped,
        results: results.map((r) => ({ ...r, rows: r.rows.map(({ child, checkFile, ...row }) => row) })),
      };
      fs.writeFileSync(file, JSON.stringify(json, null, 1));
      console.log(`\nsaved ${path.relative(ROOT, file)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    if (failed) {
      console.log('\nA CROSS-CHECK FAILED: see the notes above.');
      process.exitCode = 1;
    }
  } finally {
    for (const c of children) c.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  for (const c of children) c.kill();
  console.error(e);
  process.exit(1);
});
