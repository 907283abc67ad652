#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs what is missing, then
# builds and tests every target. Used by CI (.ci/run) and named in README.md.
#
#   tools/test.sh            # everything
#   tools/test.sh //platform/spec/...   # a subset
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools/setup.sh
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(//...); fi
bazel test "${targets[@]}"
