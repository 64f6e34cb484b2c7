// The package's build and entry points: one source list for both build systems, CommonJS and ES
// module entries sharing one addon, a context-aware addon, and CUDA reporting why it is unusable.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as g from '../ts/index';

const root = path.resolve(__dirname, '..');

function cmakeList(variable: string): string[] {
  const text = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
  const match = new RegExp(`set\\(${variable}\\s+([^)]*)\\)`).exec(text);
  if (!match) throw new Error(`CMakeLists.txt has no set(${variable} ...)`);
  return match[1].split(/\s+/).filter(Boolean);
}

describe('build', () => {
  it('lists the same CPU sources in CMakeLists.txt and binding.gyp', () => {
    const gyp = JSON.parse(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8')) as { targets: { sources: string[] }[] };
    const fromCmake = [...cmakeList('GATED_CPU_SOURCES'), ...cmakeList('GATED_CUDA_STUB_SOURCES')].sort();
    expect(gyp.targets[0].sources.slice().sort()).toEqual(fromCmake);
  });

  it('lists every native source file in one of the build lists', () => {
    const listed = new Set([...cmakeList('GATED_CPU_SOURCES'), ...cmakeList('GATED_CUDA_SOURCES'), ...cmakeList('GATED_CUDA_STUB_SOURCES')]);
    const onDisk = fs
      .readdirSync(path.join(root, 'native'), { recursive: true })
      .map((f) => `native/${String(f)}`)
      .filter((f) => /\.(cc|cu)$/.test(f));
    expect(onDisk.filter((f) => !listed.has(f))).toEqual([]);
  });

  it('loads through the CommonJS and ES module entries with one shared state', () => {
    // Plain Node, outside vitest's module runner: what a user's program sees.
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from ${JSON.stringify(path.join(root, 'dist', 'index.mjs'))};
      import esmDefault from ${JSON.stringify(path.join(root, 'dist', 'index.mjs'))};
      const cjs = createRequire(import.meta.url)(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
      cjs.manualSeed(11);
      const a = Array.from(cjs.rand([3]).dataSync());
      esm.manualSeed(11);
      const b = Array.from(esm.rand([3]).dataSync());
      console.log(JSON.stringify({ sameDefault: esmDefault === cjs, sameFunction: esm.tensor === cjs.tensor, sameDraws: a.join() === b.join() }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ sameDefault: true, sameFunction: true, sameDraws: true });
    expect(fs.existsSync(path.join(root, 'dist', 'index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist', 'index.d.mts'))).toBe(true);
  });

  it('runs in worker_threads (a context-aware addon)', async () => {
    const script = `
      const { parentPort } = require('node:worker_threads');
      const g = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
      g.manualSeed(0);
      const lstm = new g.nn.LSTM({ inputSize: 3, hiddenSize: 4 });
      parentPort.postMessage(lstm.forward(g.randn([2, 1, 3])).h.shape);`;
    const shape = await new Promise((resolve, reject) => {
      const worker = new Worker(script, { eval: true });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(shape).toEqual([1, 1, 4]);
  });
});

describe.skipIf(g.cuda.isAvailable())('CUDA status (skipped where CUDA is usable)', () => {
  it('keeps everything on the CPU and says why CUDA is not in use', () => {
    const info = g.cuda.info();
    expect(g.device()).toBe('cpu');
    expect(info.available).toBe(false);
    expect(g.cuda.isAvailable()).toBe(false);
    expect(info.reason.length).toBeGreaterThan(20);
    console.log(`cuda.info(): compiled=${info.compiled}, runtime=${info.runtimeVersion}, reason: ${info.reason}`);
  });
});
