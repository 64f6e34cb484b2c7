#!/usr/bin/env bash
# Prepares .gpu/ (ignored) for scripts/gpu-check.sh on a GPU machine that has no Node and no
# network: an xz-compressed copy of this Node binary, the addon built here (sm_80, sm_90 + PTX),
# the library and the GPU check compiled to JavaScript, and the headers a rebuild there needs.
#   bash scripts/gpu-prepare.sh     (after npm install, on a machine with nvcc and the cuBLAS headers)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu
addon=build/cmake/Release/gated.node
node -e "if (!require('./$addon') || !require('./dist/index.js').cuda.info().compiled) process.exit(1)" ||
  { echo "gpu-prepare: $addon was built without CUDA; install nvcc and the cuBLAS headers, then npm run build:native" >&2; exit 1; }
cp "$addon" .gpu/gated.node
if [ ! -f .gpu/node.xz ] || [ "$(cat .gpu/node.version 2>/dev/null)" != "$(node --version)" ]; then
  xz -T2 -6 -c "$(command -v node)" > .gpu/node.xz.tmp && mv .gpu/node.xz.tmp .gpu/node.xz
  node --version > .gpu/node.version
fi
npm run build:ts > /dev/null
rm -rf .gpu/build .gpu/node_modules
npx tsc -p tsconfig.gpu.json
mkdir -p .gpu/node_modules
cp -r node_modules/node-addon-api node_modules/node-api-headers .gpu/node_modules/
du -sh .gpu
