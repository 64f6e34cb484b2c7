// gated on CUDA on the GPU benchmark cases (cases.json), float32 with TF32 off, and the table
// against PyTorch's cuDNN (the JSON cudnn_bench.py wrote).
//
//   node <compiled>/bench/gpu/gated_bench.js CUDNN.json OUT.json
//   node <compiled>/bench/gpu/gated_bench.js --dry-run   (scripts/gpu-dry-run.sh: every step of the
//       script on the CPU, on shrunken cases, the persistent kernels emulated; times mean nothing)
//
// Each case: inference (forward under noGrad) or training (forward + backward of the recurrent
// module with a random output gradient), timed on the host clock around a synchronised run
// after a warm-up; medians in ms. Ratio = cuDNN ms / gated ms (above 1: gated is faster). A case
// with dtype 'bfloat16' runs the module with that dtype (bfloat16 operands, float32 sums).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as g from '../../ts/index';
import { native } from '../../ts/native';
import { Tensor } from '../../ts/tensor';

const DRY_RUN = process.argv.includes('--dry-run');
const device = DRY_RUN ? 'cpu' : 'cuda';
const synchronize = () => {
  if (!DRY_RUN) g.cuda.synchronize();
};
/** Persistent launches so far: on the GPU, or of the CPU's emulation of them in a dry run. */
const persistentLaunches = () => (DRY_RUN ? native.emulatedPersistentLaunches() : native.cudaPersistentLaunches());

interface Case {
  id: string;
  kind: 'infer' | 'train';
  cell: 'lstm' | 'gru';
  batch: number;
  seq: number;
  input: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  dtype?: 'bfloat16';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** GEMM FLOPs of one call: forward 2 * T * B * G * (I_l + H) per layer and direction; training 3x. */
function flopsOf(c: Case): number {
  const G = (c.cell === 'lstm' ? 4 : 3) * c.hidden;
  const D = c.bidirectional ? 2 : 1;
  let forward = 0;
  for (let layer = 0; layer < c.layers; layer++) {
    const inputSize = layer === 0 ? c.input : D * c.hidden;
    forward += D * 2 * c.seq * c.batch * G * (inputSize + c.hidden);
  }
  return c.kind === 'train' ? 3 * forward : forward;
}

/** How the persistent kernels run a case's layers (blocks, units per block, operand chunk, shared memory per block). */
function persistentPlans(c: Case): string {
  const spec = { cell: c.cell === 'lstm' ? 0 : 1, inputSize: c.input, hiddenSize: c.hidden, numLayers: c.layers, bidirectional: c.bidirectional, bias: true, batchFirst: true, seqLen: c.seq, batch: c.batch, dropout: 0 };
  const passes = c.kind === 'train' ? (['forward', 'backward'] as const) : (['forward'] as const);
  return passes
    .map((pass) => {
      const plan = native.cudaPersistentPlan(spec, 'float32', pass);
      if (plan.launchesPerLayer === 0) return `${pass}: GEMM path`;
      const { wavefront } = plan;
      const front = wavefront.layers > 1 ? `, as wavefronts of ${wavefront.layers} layers: ${wavefront.blocks} blocks, ${(wavefront.sharedBytes / 1024).toFixed(0)} KiB` : '';
      return `${pass}: ${plan.launchesPerLayer} launch(es) per layer, ${plan.blocks} blocks of ${plan.unitsPerBlock} units, K chunk ${plan.chunk}, ${(plan.sharedBytes / 1024).toFixed(0)} KiB${front}`;
    })
    .join('; ');
}

/** The card's ceilings, measured: device-to-device copy bandwidth (bytes read + written) and float32 SGEMM. */
function ceilings(): { copyGBs: number; sgemmTflops: number } {
  if (DRY_RUN) return { copyGBs: 0, sgemmTflops: 0 };
  const bytes = 1 << 30;
  const from = g.zeros([bytes / 4], { device: 'cuda' });
  const to = g.zeros([bytes / 4], { device: 'cuda' });
  const copy = () => native.cudaCopy(to.liveStorage().cudaData.buffer, from.liveStorage().cudaData.buffer);
  const copyMs = medianMs(copy, 10);
  const n = 8192;
  const a = g.randn([n, n], { device: 'cuda' });
  const b = g.randn([n, n], { device: 'cuda' });
  const sgemmMs = medianMs(() => g.tidy(() => void g.matmul(a, b)), 5);
  [from, to, a, b].forEach((t) => t.dispose());
  return { copyGBs: (2 * bytes) / (copyMs / 1e3) / 1e9, sgemmTflops: (2 * n ** 3) / (sgemmMs / 1e3) / 1e12 };
}

/** Median milliseconds of fn on the GPU (synchronised around each run, after a warm-up). */
function medianMs(fn: () => void, runs: number): number {
  fn();
  synchronize();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    synchronize();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

interface Timing {
  ms: number;
  runs: number;
  /** Where a call's time goes on the GPU: each phase's share, from 3 more calls timed with events. */
  phases?: Record<string, number>;
}

/**
 * The phases of 3 calls of step, as shares of their sum: none in a dry run (no CUDA events), or
 * where timing them fails (logged; the case's time stands).
 */
function phaseShares(step: () => void): Record<string, number> | undefined {
  if (DRY_RUN) return undefined;
  native.cudaTakePhaseTimes();
  native.cudaPhaseTiming(true);
  try {
    for (let i = 0; i < 3; i++) step();
  } catch (error) {
    console.log(`phase timing failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    native.cudaPhaseTiming(false);
  }
  const times = native.cudaTakePhaseTimes();
  const total = Object.values(times).reduce((sum, ms) => sum + ms, 0);
  if (total === 0) return undefined;  // nothing timed (directions on two streams are not)
  return Object.fromEntries(Object.entries(times).map(([phase, ms]) => [phase, ms / total]));
}

function describePhases(phases: Record<string, number> | undefined): string {
  if (!phases) return '';
  return ` [${Object.entries(phases)
    .map(([phase, share]) => `${phase} ${(100 * share).toFixed(0)}%`)
    .join(', ')}]`;
}

/** The median of up to `repeats` calls within budgetMs (at least 5), and with `phases` their breakdown. */
function timeCase(c: Case, repeats: number, budgetMs: number, phases = true): Timing {
  const options = { inputSize: c.input, hiddenSize: c.hidden, numLayers: c.layers, bidirectional: c.bidirectional, batchFirst: true, dtype: c.dtype ?? ('float32' as const) };
  const module = (c.cell === 'lstm' ? new g.nn.LSTM(options) : new g.nn.GRU(options)).to(device);
  const x = g.randn([c.batch, c.seq, c.input], { device });
  const grad = g.randn([c.batch, c.seq, (c.bidirectional ? 2 : 1) * c.hidden], { device });
  const step = () =>
    g.tidy(() => {
      if (c.kind === 'infer') {
        g.noGrad(() => module.forward(x));
        return;
      }
      const { output } = module.forward(x);
      g.autograd.backward([output], [grad]);
      module.parameters().forEach((p: Tensor) => {
        p.grad?.dispose();
        p.grad = null;
      });
    });
  for (let i = 0; i < 3; i++) step();
  synchronize();
  const times: number[] = [];
  let spent = 0;
  while (times.length < repeats && (times.length < 5 || spent < budgetMs)) {
    const start = process.hrtime.bigint();
    step();
    synchronize();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    spent += times[times.length - 1];
  }
  const shares = phases ? phaseShares(step) : undefined;
  x.dispose();
  grad.dispose();
  module.parameters().forEach((p: Tensor) => p.dispose());
  return { ms: median(times), runs: times.length, phases: shares };
}

/** "theirs / ours" as a ratio, or a dash where either is missing. */
function ratio(theirs: number | undefined, ours: number | undefined): string {
  return theirs === undefined || ours === undefined ? '—' : `${(theirs / ours).toFixed(2)}×`;
}

/** The issue's speed targets: float32 training at batch 64, hidden 256 to 1024, 1.3× cuDNN; float32 inference at batch 1 to 8, 3×. */
function targetOf(c: Case): number | undefined {
  if (c.dtype) return undefined;
  if (c.kind === 'train' && c.batch === 64 && c.hidden >= 256 && c.hidden <= 1024) return 1.3;
  if (c.kind === 'infer' && c.batch <= 8) return 3;
  return undefined;
}

/**
 * Two verdicts from the timings: each target case's fastest gated path against cuDNN, and each
 * forced path against the GEMM path (the first column): in how many cases it was faster, and
 * its median speed-up, which is what the 'auto' of its switch should follow.
 */
function printVerdicts(cases: Case[], paths: [string, Record<string, Timing>][], cudnnMs: (c: Case) => number | undefined): void {
  console.log('\n## The targets: each case\'s fastest gated path\n\n| case | kind | target | fastest path | gated ms | cuDNN / gated | met |\n| --- | --- | ---: | --- | ---: | ---: | --- |');
  for (const c of cases) {
    const target = targetOf(c);
    if (target === undefined) continue;
    const timed = paths.filter(([, column]) => column[c.id]).map(([name, column]) => ({ name, ms: column[c.id].ms }));
    const best = timed.reduce((a, b) => (b.ms < a.ms ? b : a));
    const theirs = cudnnMs(c);
    const met = theirs === undefined ? 'no cuDNN time' : theirs / best.ms >= target ? 'yes' : 'no';
    console.log(`| ${c.id} | ${c.kind} | ${target}× | ${best.name} | ${best.ms.toFixed(3)} | ${ratio(theirs, best.ms)} | ${met} |`);
  }
  const [, gemm] = paths[0];
  console.log('\n## Each path against the GEMM path\n\n| path | cases timed | faster in | median speed-up |\n| --- | ---: | ---: | ---: |');
  for (const [name, column] of paths.slice(1)) {
    const speedUps = cases.filter((c) => column[c.id]).map((c) => gemm[c.id].ms / column[c.id].ms);
    if (speedUps.length === 0) continue;
    console.log(`| ${name} | ${speedUps.length} | ${speedUps.filter((x) => x > 1).length} | ${median(speedUps).toFixed(2)}× |`);
  }
}

function main(): void {
  const [cudnnPath, outPath] = process.argv.slice(2);
  const casesPath = path.join(__dirname, '..', '..', '..', '..', 'bench', 'gpu', 'cases.json');
  const listed = (JSON.parse(fs.readFileSync(fs.existsSync(casesPath) ? casesPath : path.join(process.cwd(), 'bench/gpu/cases.json'), 'utf8')) as { cases: Case[] }).cases;
  const cases = DRY_RUN ? listed.map((c) => ({ ...c, seq: 3, input: Math.min(c.input, 8), hidden: Math.min(c.hidden, 24) })) : listed;
  const cudnn = cudnnPath && fs.existsSync(cudnnPath) ? JSON.parse(fs.readFileSync(cudnnPath, 'utf8')) : null;
  if (!DRY_RUN) g.cuda.setTf32(false);
  const info = g.cuda.info();
  const results: Record<string, Timing> = {};
  const persistent: Record<string, Timing> = {};
  const twoStreams: Record<string, Timing> = {};
  const graphs: Record<string, Timing> = {};  // the GEMM path, cudaGraphs 'on'
  const graphsTwoStreams: Record<string, Timing> = {};  // and cudaStreams 'two' (bidirectional cases)
  const layerByLayer: Record<string, Timing> = {};  // persistent, cudaWavefront 'off'
  // The GEMM path first, then the paths that have not yet run on a GPU, so that a fault in them (a
  // sticky CUDA error) cannot cost the GEMM path's column.
  for (const c of cases) {
    results[c.id] = timeCase(c, 30, 3000);
    console.log(`gated ${c.id.padEnd(10)} ${c.kind.padEnd(5)} ${results[c.id].ms.toFixed(3).padStart(9)} ms (${results[c.id].runs} runs)${describePhases(results[c.id].phases)}`);
  }
  const ceiling = ceilings();
  if (DRY_RUN) g.backend.setKernel('cudaEmulation', 'persistent');
  // A failure here is logged and leaves the case's cell empty; the table is printed regardless.
  const attempt = (c: Case, path: string, time: () => void) => {
    try {
      time();
    } catch (error) {
      console.log(`gated ${c.id.padEnd(10)} ${c.kind.padEnd(5)} ${path} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      g.backend.setKernel('cudaRecurrence', 'auto');
      g.backend.setKernel('cudaWavefront', 'auto');
      g.backend.setKernel('cudaStreams', 'auto');
      g.backend.setKernel('cudaGraphs', 'auto');
    }
  };
  // The paths timed, as the table's columns: the GEMM path (every case), then those forced.
  const paths: [string, Record<string, Timing>][] = [
    ['GEMM path', results],
    ['persistent', persistent],
    ['two streams', twoStreams],
    ['GEMM path, graphs', graphs],
    ['graphs, two streams', graphsTwoStreams],
  ];
  const cudnnMs = (c: Case): number | undefined => cudnn?.cases?.[c.id]?.ms;
  // The table as far as it goes, and the JSON: printed after the GEMM path's column too, so that
  // a new path that never returns (the stage is killed at its time cap) cannot cost it.
  const report = (title: string) => {
    console.log(`\n## ${title}\nCeilings measured on this card: device-to-device copy ${ceiling.copyGBs.toFixed(0)} GB/s (read + written), float32 SGEMM 8192^3 ${ceiling.sgemmTflops.toFixed(1)} TFLOP/s (TF32 off)`);
    console.log(`\nGPU: ${info.devices[0]?.name}; gated float32, cuBLAS without TF32 (CUBLAS_DEFAULT_MATH)${cudnn ? `; PyTorch ${cudnn.torch}, cuDNN ${cudnn.cudnn}, ${cudnn.mathMode}` : '; no cuDNN results'}`);
    const header = ['case', 'kind', 'cell', 'batch', 'seq', 'input', 'hidden', 'layers', 'dirs', 'cuDNN ms', 'gated TFLOP/s on the GEMM path (% of SGEMM)', ...paths.flatMap(([name]) => [`gated ms (${name})`, `cuDNN / ${name}`])];
    console.log(`\n| ${header.join(' | ')} |\n| --- | --- | --- | ${header.slice(3).map(() => '---:').join(' | ')} |`);
    for (const c of cases) {
      const theirs = cudnnMs(c);
      const cells = [c.id, c.kind, c.cell, c.batch, c.seq, c.input, c.hidden, c.layers, c.bidirectional ? 2 : 1];
      const tflops = flopsOf(c) / (results[c.id].ms / 1e3) / 1e12;
      const share = ceiling.sgemmTflops > 0 ? `${((100 * tflops) / ceiling.sgemmTflops).toFixed(0)}%` : 'no ceiling';
      const timed = paths.flatMap(([, column]) => [column[c.id] ? column[c.id].ms.toFixed(3) : '—', ratio(theirs, column[c.id]?.ms)]);
      console.log(`| ${[...cells, theirs === undefined ? '—' : theirs.toFixed(3), `${tflops.toFixed(2)} (${c.dtype ?? share})`, ...timed].join(' | ')} |`);
    }
    printVerdicts(cases, [...paths, ['persistent, a launch per layer', layerByLayer]], cudnnMs);
    if (outPath) fs.writeFileSync(outPath, JSON.stringify({ device: info.devices[0]?.name, ceiling, gated: results, persistent, layerByLayer, twoStreams, graphs, graphsTwoStreams, cudnn }, null, 1));
  };
  report('The GEMM path (the persistent, two-stream and graph columns follow)');
  for (const c of cases) {
    // The persistent kernels run up to batch 64, forward and backward, in every dtype.
    if (c.batch <= 64) {
      attempt(c, 'persistent', () => {
        g.backend.setKernel('cudaRecurrence', 'persistent');
        const launches = persistentLaunches();
        const timed = timeCase(c, 30, 3000);
        // Only a run that used the kernel goes in its column.
        if (persistentLaunches() > launches) persistent[c.id] = timed;
        console.log(`gated ${c.id.padEnd(10)} ${c.kind.padEnd(5)} ${timed.ms.toFixed(3).padStart(9)} ms ${persistent[c.id] ? 'persistent' : 'persistent forced, but the shape took the GEMM path'} (${persistentPlans(c)})${describePhases(timed.phases)}`);
      });
    }
    // A unidirectional stack: the persistent kernels a launch per layer too, against the column's
    // 'auto' (a wavefront where a step is small), to calibrate kWavefrontWorkPerMultiprocessor.
    if (c.batch <= 64 && c.layers > 1 && !c.bidirectional) {
      attempt(c, 'persistent, a launch per layer', () => {
        g.backend.setKernel('cudaRecurrence', 'persistent');
        g.backend.setKernel('cudaWavefront', 'off');
        layerByLayer[c.id] = timeCase(c, 30, 3000, false);
        const auto = persistent[c.id]?.ms;
        const versus = auto === undefined ? '' : ` ('auto' took ${auto.toFixed(3)} ms: ${(layerByLayer[c.id].ms / auto).toFixed(2)}× as fast)`;
        console.log(`gated ${c.id.padEnd(10)} ${c.kind.padEnd(5)} ${layerByLayer[c.id].ms.toFixed(3).padStart(9)} ms persistent, a launch per layer${versus}`);
      });
    }
    if (c.bidirectional) {
      attempt(c, 'two streams', () => {
        g.backend.setKernel('cudaStreams', 'two');
        twoStreams[c.id] = timeCase(c, 30, 3000, false);
        console.log(`gated ${c.id.padEnd(10)} ${c.kind.padEnd(5)} ${twoStreams[c.id].ms.toFixed(3).padStart(9)} ms two streams`);
      });
    }
  }
  // Last (the smallest expected gain): the GEMM path with each layer's step loops replayed from
  // CUDA graphs, captured in the warm-up.
  // A bidirectional case also with its directions' graphs on two streams.
  const timeGraphs = (c: Case, streams: 'auto' | 'two', column: Record<string, Timing>) =>
    attempt(c, `graphs, cudaStreams ${streams}`, () => {
      g.backend.setKernel('cudaRecurrence', 'gemm');
      g.backend.setKernel('cudaGraphs', 'on');
      g.backend.setKernel('cudaStreams', streams);
      const launches = DRY_RUN ? 0 : native.cudaGraphLaunches();
      const timed = timeCase(c, 30, 2000, false);
      const replays = DRY_RUN ? 0 : native.cudaGraphLaunches() - launches;
      // Only a run that launched graphs goes in the column (a dry run has none to launch).
      if (replays > 0 || DRY_RUN) column[c.id] = timed;
      const how = DRY_RUN ? 'dry run: no graphs' : replays > 0 ? `${replays} graph launches` : 'graphs on, but none launched';
      console.log(`gated ${c.id.padEnd(10)} ${c.kind.padEnd(5)} ${timed.ms.toFixed(3).padStart(9)} ms GEMM path, graphs, cudaStreams ${streams} (${how}; launch by launch ${results[c.id].ms.toFixed(3)} ms)`);
    });
  for (const c of cases) {
    timeGraphs(c, 'auto', graphs);
    if (c.bidirectional) timeGraphs(c, 'two', graphsTwoStreams);
  }
  report('All paths');
}

main();

