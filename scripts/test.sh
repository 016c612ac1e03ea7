#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, integration, fault and crash matrices), Node
# (binding, Kibana host, node-crypto interop), C (example program, valgrind) and the drift checks
# of generated files. Installs what it needs from the package registries. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

started=$(date +%s)
declare -a results=()
logs=$(mktemp -d)
# "# pass N" / "# fail N" of node's test runner, as "N passed, M failed".
node_counts() { awk '/^# pass /{p=$3} /^# fail /{f=$3} END {print p+0" passed, "f+0" failed"}' "$1"; }
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
cargo test --workspace --locked 2>&1 | tee "$logs/rust.log"
record rust "$(grep -E '^test result:' "$logs/rust.log" | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')"

step "quickstart"
cargo run --locked --quiet --example quickstart > "$logs/quickstart.log"
tail -n 3 "$logs/quickstart.log"
record quickstart ok

step "C API (bindings/c)"
bash bindings/c/scripts/test.sh 2>&1 | tee "$logs/c.log"
record c "$(grep -E '^c-api: ' "$logs/c.log" | tail -n 1 | sed 's/^c-api: //')"

step "Node binding and Kibana host (bindings/node)"
bash bindings/node/scripts/test.sh 2>&1 | tee "$logs/node.log"
record node "$(node_counts "$logs/node.log")"

step "Kibana format interop with @elastic/node-crypto"
bash crates/cloud-connect/tests/kibana-interop/run.sh 2>&1 | tee "$logs/interop.log"
record kibana-interop "$(node_counts "$logs/interop.log")"

echo
echo "=== summary ($(( $(date +%s) - started )) s) ==="
passed=0; failed=0
for r in "${results[@]}"; do
  echo "  $r"
  if [[ $r =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
  fi
done
echo "total: $passed passed, $failed failed"
