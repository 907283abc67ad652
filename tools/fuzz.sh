#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (one per parser of outside input) with AddressSanitizer
# and UndefinedBehaviorSanitizer, built by Debian's clang in a Bazel output base of their own.
#
# Usage: tools/fuzz.sh [TARGET|all|list] [SECONDS]     (defaults: all, 60 seconds per target)
#   tools/fuzz.sh tokenizer_json_fuzzer 600
#   VLMLAB_FUZZ_RUNS=1000000 tools/fuzz.sh all 3600    # stop at 10^6 executions or an hour
#
# Each target starts from its checked-in corpus (tests/fuzz/corpus/TARGET) plus what earlier
# runs found, kept in ~/.cache/vlmlab/fuzz/corpus/TARGET (outside the checkout). A finding
# (crash, leak, timeout, out-of-memory) is written to ~/.cache/vlmlab/fuzz/findings/ and makes
# the script exit 1: add the input to tests/fuzz/corpus/TARGET (its corpus test then replays it
# in every build) and fix the cause. The last line per target is its number of executions,
# the figure docs/reliability.md records.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

which="${1:-all}"
seconds="${2:-60}"
runs="${VLMLAB_FUZZ_RUNS:--1}"
mapfile -t all < <(ls tests/fuzz/*_fuzzer.cc | xargs -n1 basename | sed 's/\.cc$//')
if [[ "$which" == "list" ]]; then
  printf '%s\n' "${all[@]}"
  exit 0
fi
if [[ "$which" == "all" ]]; then
  targets=("${all[@]}")
elif [[ " ${all[*]} " == *" $which "* ]]; then
  targets=("$which")
else
  echo "tools/fuzz.sh: no fuzz target '$which'; targets: ${all[*]}" >&2
  exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "tools/fuzz.sh: SECONDS must be a positive integer, not '$seconds'" >&2
  exit 2
fi
if ! command -v clang >/dev/null; then
  echo "tools/fuzz.sh: clang is not installed (apt-get install clang; tools/setup.sh does)" >&2
  exit 2
fi

cache="${HOME}/.cache/vlmlab/fuzz"
mkdir -p "$cache/findings"
# An output base per checkout (Bazel ties one to its workspace); the shared --disk_cache of
# .bazelrc still serves compiled actions across checkouts.
output_base="$cache/output-base-$(pwd | cksum | cut -d' ' -f1)"
bazel_fuzz() {
  CC=clang CXX=clang++ bazel --output_base="$output_base" "$@"
}
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:$t"); done
if ! bazel_fuzz build --config=fuzz --symlink_prefix=/ "${labels[@]}"; then
  echo "tools/fuzz.sh: building the fuzz targets with clang failed" >&2
  exit 2
fi
bin="$(bazel_fuzz info --config=fuzz bazel-bin 2>/dev/null)"

status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$cache/corpus/$t"
  log="$cache/$t.log"
  echo "== $t: up to ${seconds}s"
  # Run from the repository root: some targets read checked-in fixtures.
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
    "$bin/tests/fuzz/$t" -max_total_time="$seconds" -runs="$runs" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$cache/findings/$t-" \
    "$cache/corpus/$t" "tests/fuzz/corpus/$t" > "$log" 2>&1
  rc=$?
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  if (( rc != 0 )); then
    status=1
    echo "FINDING in $t (exit $rc); input and log:"
    grep -E "^(==|SUMMARY|artifact_prefix|Test unit written)" "$log" | tail -8
    summary+=("$t: FINDING after ${execs:-?} executions (log $log)")
  else
    summary+=("$t: ${execs:-?} executions, no finding")
  fi
done
printf '%s\n' "${summary[@]}"
exit "$status"
