#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs what is missing, then
# builds and tests every target, checks that the build refuses every forbidden import between
# layers (tools/check_layering.sh), then runs the results-store tests again against a throwaway
# PostgreSQL server (tools/with_postgres.sh), then a sweep on a local Slurm
# (tests/slurm/slurm_sweep_test.sh), then the parsers' tests under ASan+UBSan and the
# threaded parts under TSan, then fuzzes each parser briefly (tools/fuzz.sh).
# Used by CI (.ci/run) and named in README.md.
#
#   tools/test.sh            # everything
#   tools/test.sh //platform/spec/...   # a subset (no PostgreSQL pass)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools/setup.sh
if (($# > 0)); then
  exec bazel test "$@"
fi
bazel test //...
tools/check_layering.sh
# The URL carries a random port: passing it only here keeps the main run's cache keys stable.
tools/with_postgres.sh bazel test --test_env=VLMLAB_TEST_POSTGRES_URL //platform/store/...
# A real single-node Slurm on localhost runs a two-run sweep submitted by
# `vlmlab sweep --launcher slurm` (needs root to start munged and slurmd; skips without).
tests/slurm/slurm_sweep_test.sh
# The parsers' tests and the fuzz corpus replays again under AddressSanitizer + UBSan.
bazel test --config=asan //plugins/tokenizers/... //platform/spec/... //platform/weights/... \
  //platform/base/... \
  //tests/fuzz/... //tests:hostile_input_test
# The threaded parts (data loader, sweep scheduler, store, bootstrap, tokenizer cache) under
# ThreadSanitizer.
bazel test --config=tsan //platform/data:data_loader_test //platform/sweep:scheduler_test \
  //platform/store:store_concurrency_test //platform/metrics:bootstrap_test \
  //plugins/tokenizers:bpe_tokenizer_test
# Every fuzz target for a short fixed time under clang with ASan+UBSan (tools/fuzz.sh); the long
# runs are done by hand and recorded in docs/reliability.md. Findings fail the run.
tools/fuzz.sh all 10
