#!/usr/bin/env bash
# Interop test of the Rust Kibana codec with @elastic/node-crypto (the library Kibana uses):
# builds the `kibana_codec` example, installs the pinned npm packages, runs `node --test`.
# Needs cargo, node >= 18 and npm.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

cargo build --quiet -p cloud-connect --example kibana_codec
target_dir="$(cargo metadata --format-version 1 --no-deps \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
export KIBANA_CODEC_BIN="$target_dir/debug/examples/kibana_codec"
test -x "$KIBANA_CODEC_BIN" || { echo "not built: $KIBANA_CODEC_BIN" >&2; exit 1; }

npm ci --no-audit --no-fund --silent
node --test
