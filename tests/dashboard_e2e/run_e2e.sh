#!/usr/bin/env bash
# Browser tests of `vlmlab serve` (Bazel sh_test; see BUILD):
#   run_e2e.sh FILL_STORE VLMLAB
# Fills a store with the dashboard's example runs, starts `vlmlab serve` on a free loopback
# port with a token, installs playwright-core from npm (npm ci, into the test's temporary
# directory) and runs e2e.mjs against Debian's headless Chromium. Skips (exit 0, with a
# message) when node, npm or chromium are missing; fails when npm cannot install.
#   VLMLAB_CHROMIUM=/path/to/chromium   another browser binary
#   VLMLAB_NPM_CACHE=DIR                npm's download cache (default /tmp/vlmlab-npm-cache)
set -euo pipefail

fill="$1"
vlmlab="$2"
here="$(cd "$(dirname "$0")" && pwd)"

skip() {
  echo "SKIPPED dashboard_e2e_test: $* (tools/setup.sh installs it)"
  exit 0
}
command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
chromium="${VLMLAB_CHROMIUM:-$(command -v chromium || true)}"
[ -n "$chromium" ] && [ -x "$chromium" ] || skip "chromium is not installed"

work="${TEST_TMPDIR:-$(mktemp -d)}/e2e"
rm -rf "$work"
mkdir -p "$work/images"
cp "$here/package.json" "$here/package-lock.json" "$here/e2e.mjs" "$work/"

cache="${VLMLAB_NPM_CACHE:-/tmp/vlmlab-npm-cache}"
mkdir -p "$cache" 2>/dev/null || cache="$work/npm-cache"
if ! (cd "$work" && npm ci --no-audit --no-fund --loglevel=error --cache "$cache" \
        >"$work/npm.log" 2>&1); then
  cat "$work/npm.log" >&2
  echo "dashboard_e2e_test: npm ci of playwright-core failed (is the npm registry reachable?)" >&2
  exit 1
fi

"$fill" "$work/store.sqlite" "$work/images"

token="e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
"$vlmlab" serve --store "$work/store.sqlite" --port 0 --token "$token" \
  --image_root "$work/images" >"$work/server.out" 2>"$work/server.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT

url=""
for _ in $(seq 1 300); do
  url="$(grep -o 'http://[^ ]*' "$work/server.out" 2>/dev/null | head -n 1 || true)"
  [ -n "$url" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/server.err" >&2
    echo "dashboard_e2e_test: vlmlab serve exited before listening" >&2
    exit 1
  fi
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.err" >&2; echo "vlmlab serve printed no address" >&2; exit 1; }

export NODE_PATH="$work/node_modules"
cd "$work"
timeout 150 node e2e.mjs "$url" "$chromium" "${TEST_UNDECLARED_OUTPUTS_DIR:-$work}"
