#!/usr/bin/env bash
# The GPU check, one command on a machine with an NVIDIA GPU, a CUDA 13 driver, python3 with
# PyTorch (cuDNN), nvcc and cmake, but no Node and no network. It works from a copy of the repo
# plus .gpu/ (made here by scripts/gpu-prepare.sh): Node, the prebuilt addon, the compiled check.
#
#   bash scripts/gpu-check.sh            results and logs in $OUT (default: a new temporary folder)
#
# Stages, each time-capped and logged as it goes: environment, addon (the prebuilt one, else a
# build there), the GPU tests (golden files, CUDA against CPU, memory, errors, async), PyTorch's
# cuDNN timings, gated's timings and the table of both, then a quick run of the tests under
# compute-sanitizer with the time left. The whole run takes about 4 minutes (GATED_CHECK_SECONDS,
# default 240, and at most the stages' caps: 4.5 minutes), unless the prebuilt addon fails and it
# builds one. Exit status: that of the GPU
# tests.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
started=$(date +%s)
budget=${GATED_CHECK_SECONDS:-240}
say() { echo "[$(( $(date +%s) - started ))s] $*"; }

# run NAME CAP COMMAND...: runs a stage under a time cap, its output in $OUT/NAME.log.
run() {
  local name=$1 cap=$2
  shift 2
  say "== $name (cap ${cap}s)"
  timeout --kill-after=5 "$cap" "$@" > >(tee "$OUT/$name.log") 2>&1
  local status=$?
  say "== $name: exit $status"
  return $status
}

say "== environment"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader || true
ldd --version | head -1
python3 -c "import torch; print('torch', torch.__version__, 'cuDNN', torch.backends.cudnn.version(), 'CUDA', torch.version.cuda)" || true
nvidia_dir=$(python3 -c "import nvidia, os; print(*[p for p in nvidia.__path__ if os.path.isdir(os.path.join(p, 'cu13', 'lib'))][:1])" 2>/dev/null)
if [ -n "$nvidia_dir" ]; then
  export GATED_CUBLAS_PATH="$nvidia_dir/cu13/lib" GATED_CUBLAS_INCLUDE="$nvidia_dir/cu13/include"
fi
echo "cuBLAS from Python's nvidia-cublas: ${GATED_CUBLAS_PATH:-none}"

node_bin=/tmp/gated-node/node
if ! command -v node > /dev/null; then
  mkdir -p /tmp/gated-node
  [ -x "$node_bin" ] || { xz -dc .gpu/node.xz > "$node_bin" && chmod +x "$node_bin"; }
  export PATH="/tmp/gated-node:$PATH"
fi
echo "node $(node --version)"

export GATED_ADDON_PATH="$PWD/.gpu/gated.node" GATED_TEST_DIR="$PWD/test" NODE_PATH="$PWD/.gpu/node_modules"
probe='const i = require("./.gpu/build/ts/index.js").cuda.info(); console.log(JSON.stringify(i)); process.exit(i.available ? 0 : 1)'
if ! run addon 30 node -e "$probe"; then
  say "the prebuilt addon does not serve CUDA here: building it on this machine"
  run build 150 bash -c "cmake -S . -B /tmp/gated-build -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_JS_INC=$PWD/.gpu/node_modules/node-api-headers/include -DCMAKE_JS_SRC= -DCMAKE_JS_LIB= > /dev/null &&
      cmake --build /tmp/gated-build -j 16 2>&1 | grep -E 'error|warning: v' ; cp /tmp/gated-build/gated.node .gpu/gated.node"
  run addon-rebuilt 30 node -e "$probe" || { say "CUDA is not usable with gated here; see $OUT/addon*.log"; exit 1; }
fi

run tests 120 node .gpu/build/test/gpu/check.js --device cuda --out "$OUT/check.json"
tests=$?
run cudnn 40 python3 bench/gpu/cudnn_bench.py "$OUT/cudnn.json"
run gated 75 node .gpu/build/bench/gpu/gated_bench.js "$OUT/cudnn.json" "$OUT/bench.json"
# Last, with the time left: a few cases of every group under compute-sanitizer's memcheck, which
# finds out-of-bounds and misaligned device accesses (where the machine's runtime supports it).
left=$(( budget - ($(date +%s) - started) ))
if command -v compute-sanitizer > /dev/null && [ "$left" -ge 20 ]; then
  run memcheck "$left" compute-sanitizer --tool memcheck --leak-check no --error-exitcode 3 \
    node .gpu/build/test/gpu/check.js --device cuda --quick --out "$OUT/memcheck.json"
else
  say "memcheck skipped: ${left}s left of ${budget}s"
fi
say "done; tests exit $tests; results in $OUT"
grep -E '^\| |^GPU|^Ceilings|^## ' "$OUT/tests.log" "$OUT/gated.log" 2>/dev/null | sed 's/^[^:]*://'
grep -E 'ERROR SUMMARY|^GPU check' "$OUT/memcheck.log" 2>/dev/null
exit $tests
