#!/usr/bin/env bash
# The plugin SDK works without Bazel: unpack it outside the workspace, build the sample
# out-of-tree dataset, stage and evaluator with plain g++ and pkg-config, load them into
# `vlmlab` with --plugin_lib, and train and evaluate an experiment made of them.
#
#   args: VLMLAB SDK_TAR EXPERIMENT
set -uo pipefail
VLMLAB="$(realpath "$1")"
SDK_TAR="$(realpath "$2")"
EXPERIMENT="$(realpath "$3")"
WORK="$(mktemp -d "${TEST_TMPDIR:-/tmp}/sdk.XXXXXX")"
cd "$WORK"
fail() { echo "FAIL: $*"; exit 1; }

mkdir sdk && tar -xf "$SDK_TAR" -C sdk || fail "cannot unpack $SDK_TAR"
export PKG_CONFIG_PATH="$WORK/sdk/lib/pkgconfig"
pc_version="$(pkg-config --modversion vlmlab-plugin)" || fail "pkg-config does not find vlmlab-plugin"
abi_version="$(sed -n 's/^#define VLMLAB_PLUGIN_API_VERSION \([0-9]*\)$/\1/p' \
  sdk/include/platform/plugin_api/plugin_abi.h)"
[[ "$pc_version" == "$abi_version" ]] ||
  fail "vlmlab-plugin.pc says version $pc_version, plugin_abi.h $abi_version: update api_version in platform/sdk/BUILD"

cp sdk/share/vlmlab/examples/sdk_sample_plugins.cc .
# shellcheck disable=SC2046
g++ -shared $(pkg-config --cflags vlmlab-plugin) sdk_sample_plugins.cc \
  -o libsdk_sample_plugins.so 2> build.log || { cat build.log; fail "the sample plugins do not build"; }

listing="$("$VLMLAB" plugins --plugin_lib="$WORK/libsdk_sample_plugins.so" 2>&1)" ||
  { echo "$listing"; fail "vlmlab refuses the library"; }
for name in solid_colours caption_lm colour_choice; do
  [[ "$listing" == *"$name - Sample SDK"*"[from $WORK/libsdk_sample_plugins.so]"* ]] ||
    { echo "$listing"; fail "$name is not listed as coming from the library"; }
done

out="$("$VLMLAB" run "$EXPERIMENT" --plugin_lib="$WORK/libsdk_sample_plugins.so" \
  --output_dir="$WORK/runs" --store="$WORK/runs/vlmlab.sqlite" 2>&1)" ||
  { echo "$out"; fail "the experiment of out-of-tree plugins does not run"; }
accuracy="$(sed -n 's/^ *colours\/overall *\([0-9.]*\) .*/\1/p' <<<"$out")"
awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.9) }' ||
  { echo "$out"; fail "colours/overall is '$accuracy': the model trained by the out-of-tree stage should name the colours (chance is 0.33)"; }
echo "PASS: built with g++ from the SDK, loaded, trained and evaluated (colours/overall $accuracy)"
