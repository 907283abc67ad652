#!/usr/bin/env bash
# Shows that the build refuses every forbidden import of docs/architecture.md ("Layers"): each
# probe under */layering_probes (tagged manual) must fail analysis with the expected reason,
# and each control probe must pass. Run from the repository root; tools/test.sh calls it.
#
#   tools/check_layering.sh
set -uo pipefail
cd "$(dirname "$0")/.."

failures=0
refused() {  # LABEL REASON
  local out
  out="$(bazel build --nobuild "$1" 2>&1)"
  if [[ $? == 0 ]]; then
    echo "FAIL: $1 was accepted; the build must refuse it"
    failures=$((failures + 1))
  elif [[ "$out" != *"$2"* ]]; then
    echo "FAIL: $1 was refused, but not because \"$2\":"
    echo "$out" | grep -E "ERROR" | head -3
    failures=$((failures + 1))
  else
    echo "ok: $1 refused ($2)"
  fi
}
accepted() {  # LABEL
  if ! bazel build --nobuild "$1" > /dev/null 2>&1; then
    echo "FAIL: control $1 was refused:"
    bazel build --nobuild "$1" 2>&1 | grep ERROR | head -3
    failures=$((failures + 1))
  else
    echo "ok: $1 accepted"
  fi
}

not_visible="is not visible from target"
refused //platform/layering_probes:uses_a_plugin "$not_visible"
refused //platform/layering_probes:uses_the_builtin_plugins "$not_visible"
refused //platform/layering_probes:uses_the_test_plugins "depends on testonly target"
accepted //platform/layering_probes:uses_the_plugin_api
refused //kernels/layering_probes:uses_ops "$not_visible"
refused //kernels/layering_probes:uses_autograd "$not_visible"
accepted //kernels/layering_probes:uses_tensor
refused //plugins/layering_probes:uses_the_cli "$not_visible"
refused //plugins/layering_probes:uses_the_dashboard "$not_visible"
accepted //plugins/layering_probes:uses_the_runner_layers

if [[ $failures != 0 ]]; then
  echo "check_layering: $failures failure(s)"
  exit 1
fi
echo "check_layering: every forbidden dependency is refused"
