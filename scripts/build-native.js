#!/usr/bin/env node
// Builds the native addon with cmake-js into build/cmake (npm install runs this).
// GATED_CPU_ONLY=1 builds without CUDA even when nvcc is on the PATH.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const cpuOnly = /^(1|true|on|yes)$/i.test(process.env.GATED_CPU_ONLY ?? '');
const args = [cmakeJs, 'compile', '--out', 'build/cmake', '--CDGATED_CPU_ONLY=' + (cpuOnly ? 'ON' : 'OFF')];
if (process.env.GATED_BUILD_PARALLEL) args.push('--parallel', process.env.GATED_BUILD_PARALLEL);

const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`gated: the native build failed (cmake-js exited with ${result.status}).`);
  process.exit(result.status ?? 1);
}
