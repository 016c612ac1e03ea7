#!/usr/bin/env bash
# Everything the Node binding needs from a clean clone: installs the npm packages (the binding's
# and the Kibana host example's), builds the native addon (debug) and the simulator binary, checks
# the generated files for drift, and runs the Node tests (binding, exit, Kibana host).
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

step() { echo; echo "=== node: $* ==="; }
fail() { echo "node: $*" >&2; exit 1; }

step "npm ci"
npm ci --no-audit --no-fund || fail "npm ci failed (bindings/node)"
(cd "$root/examples/kibana-host" && npm ci --no-audit --no-fund) || fail "npm ci failed (examples/kibana-host)"

step "build the simulator"
(cd "$root" && cargo build -p cloud-connect-testkit --bin cloud-connect-sim) || fail "building cloud-connect-sim failed"
export CLOUD_CONNECT_SIM="${CARGO_TARGET_DIR:-$root/target}/debug/cloud-connect-sim"

step "build the addon and check the generated files for drift"
drift=0
bash scripts/check-generated.sh --install || drift=$?
ls ./*.node >/dev/null 2>&1 || fail "the native addon was not built"

step "node --test"
tests=0
node --test __test__/*.test.mjs || tests=$?

[ "$drift" -eq 0 ] || echo "node: the generated files are out of date (see above)" >&2
[ "$tests" -eq 0 ] || echo "node: tests failed" >&2
[ "$drift" -eq 0 ] && [ "$tests" -eq 0 ]
