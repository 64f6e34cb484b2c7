#!/usr/bin/env bash
# Builds the addon CPU-only with node-gyp from binding.gyp, in a scratch copy so it never touches
# build/cmake, and prints the path of the built gated.node. Usage: scripts/build-node-gyp.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cp -r "$root/native" "$root/binding.gyp" "$root/package.json" "$root/.npmrc" "$work/"
mkdir -p "$work/node_modules"
cp -r "$root/node_modules/node-addon-api" "$work/node_modules/"
node_gyp=$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
[ -f "$node_gyp" ] || node_gyp=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
(cd "$work" && node "$node_gyp" rebuild --nodedir=/usr -j 2 >&2)
echo "$work/build/Release/gated.node"
