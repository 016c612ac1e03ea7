#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, integration, fault and crash matrices), Node
# (binding, Kibana host, node-crypto interop), C (example program, valgrind) and the drift checks
# of generated files. Installs what it needs from the package registries. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

started=$(date +%s)
declare -a results=()
step() { echo; echo "=== $* ==="; }
record() { results+=("$1: $2"); }

step "toolchain"
cargo --version
node --version
npm --version
if ! command -v valgrind >/dev/null 2>&1; then
  echo "installing valgrind"
  (apt-get update -qq && apt-get install -y -qq valgrind) >/dev/null
fi

step "cargo fmt --check"
cargo fmt --all -- --check
record fmt ok

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
record clippy ok

step "Rust tests (workspace)"
cargo test --workspace --locked --exclude cloud-connect-node 2>&1 | tee /tmp/cloud-connect-rust-tests.log
record "rust" "$(grep -E '^test result:' /tmp/cloud-connect-rust-tests.log | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')"

step "quickstart"
cargo run --locked --quiet --example quickstart > /tmp/cloud-connect-quickstart.log
tail -n 3 /tmp/cloud-connect-quickstart.log
record quickstart ok

step "C API (bindings/c)"
bash bindings/c/scripts/test.sh
record c ok

step "Node binding and Kibana host (bindings/node)"
bash bindings/node/scripts/test.sh
record node ok

step "Kibana format interop with @elastic/node-crypto"
bash crates/cloud-connect/tests/kibana-interop/run.sh
record kibana-interop ok

echo
echo "=== summary ($(( $(date +%s) - started )) s) ==="
for r in "${results[@]}"; do echo "  $r"; done
