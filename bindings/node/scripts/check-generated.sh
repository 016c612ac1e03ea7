#!/usr/bin/env bash
# Fails when the committed generated files (index.d.ts and the native.js loader from `napi build`,
# error-codes.js and error-codes.d.ts from scripts/generate-error-codes.mjs) differ from what the
# current Rust sources generate. Builds the addon (debug) into a temporary directory, never over
# the committed files. With --install, also copies the freshly built addon into the package so
# the tests use it. Needs `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
install=false
[ "${1:-}" = "--install" ] && install=true
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! npx napi build --platform --output-dir "$tmp" --js native.js --dts index.d.ts >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  echo "check-generated: napi build failed" >&2
  exit 1
fi
if $install; then
  cp "$tmp"/*.node .
fi
node scripts/generate-error-codes.mjs "$tmp" "$tmp"

status=0
for f in index.d.ts native.js error-codes.js error-codes.d.ts; do
  if [ ! -f "$f" ]; then
    echo "check-generated: $f is missing; run 'npm run build' and commit it" >&2
    status=1
  elif ! diff -u "$f" "$tmp/$f"; then
    echo "check-generated: $f is out of date; run 'npm run build' and commit it" >&2
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "check-generated: index.d.ts, native.js, error-codes.js, error-codes.d.ts are up to date"
fi
exit "$status"
