#!/usr/bin/env bash
# A dry run of the GPU check on this machine, before spending GPU time: the repository's files plus
# .gpu/ and dist/ copied to an empty folder (no node_modules, as on the GPU machine), then the GPU
# tests and the GPU benchmark script with the CPU standing in for CUDA. Run scripts/gpu-prepare.sh
# first.
#   bash scripts/gpu-dry-run.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .gpu/gated.node ] && [ -d .gpu/build ] || { echo "gpu-dry-run: run scripts/gpu-prepare.sh first" >&2; exit 1; }
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$copy"
cp -r .gpu dist "$copy/"
cd "$copy"
export GATED_ADDON_PATH="$PWD/.gpu/gated.node" GATED_TEST_DIR="$PWD/test" NODE_PATH="$PWD/.gpu/node_modules"
node .gpu/build/test/gpu/check.js --device cpu "$@"
# Then every step of the benchmark script, on shrunken cases (its times mean nothing here).
node .gpu/build/bench/gpu/gated_bench.js --dry-run | tail -4
