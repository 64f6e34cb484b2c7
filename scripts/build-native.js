#!/usr/bin/env node
// Builds the native addon with cmake-js into build/cmake (npm install runs this).
// GATED_CPU_ONLY=1 builds without CUDA even when nvcc is on the PATH. When nvcc is there but the
// cuBLAS headers are not (cuBLAS itself is loaded at run time), they are fetched once from pip's
// nvidia-cublas wheel into .cache/nvidia-cublas; without them the build is CPU-only, and says so.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const cpuOnly = /^(1|true|on|yes)$/i.test(process.env.GATED_CPU_ONLY ?? '');
const cublasWheel = path.join(root, '.cache', 'nvidia-cublas');
const cublasHeader = path.join(cublasWheel, 'nvidia', 'cu13', 'include', 'cublas_v2.h');

function found(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** Whether cublas_v2.h is next to nvcc (a full CUDA toolkit) or already unpacked here. */
function haveCublasHeaders() {
  if (process.env.GATED_CUBLAS_INCLUDE || fs.existsSync(cublasHeader)) return true;
  const nvcc = spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' }).stdout.trim();
  return nvcc !== '' && fs.existsSync(path.join(path.dirname(fs.realpathSync(nvcc)), '..', 'include', 'cublas_v2.h'));
}

if (!cpuOnly && found('nvcc', ['--version']) && !haveCublasHeaders()) {
  console.log('gated: nvcc found but no cuBLAS headers; fetching them from the nvidia-cublas wheel into .cache/nvidia-cublas');
  const pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', cublasWheel, 'nvidia-cublas==13.1.1.3'], { stdio: 'inherit' });
  if (pip.status === 0) fs.rmSync(path.join(cublasWheel, 'nvidia', 'cu13', 'lib'), { recursive: true, force: true });
  else console.log('gated: could not fetch the cuBLAS headers; building CPU only');
}

const args = [cmakeJs, 'compile', '--out', 'build/cmake', '--CDGATED_CPU_ONLY=' + (cpuOnly ? 'ON' : 'OFF')];
if (process.env.GATED_BUILD_PARALLEL) args.push('--parallel', process.env.GATED_BUILD_PARALLEL);

const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`gated: the native build failed (cmake-js exited with ${result.status}).`);
  process.exit(result.status ?? 1);
}
