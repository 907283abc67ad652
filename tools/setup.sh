#!/usr/bin/env bash
# Installs every Debian package vlmlab needs to build, test and run. Idempotent: a machine
# that already has them is left alone (no apt-get update unless something is missing).
#
# Usage: tools/setup.sh
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-rules-java bazel-platforms bazel-skylib bazel-rules-proto
  g++ pkg-config git
  libabsl-dev libprotobuf-dev protobuf-compiler
  libdnnl-dev libgoogle-glog-dev libgflags-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev libssl-dev nlohmann-json3-dev libicu-dev libonig-dev
  clang libclang-rt-14-dev
  libpq-dev postgresql
  slurm-wlm munge
  libpng-dev libjpeg62-turbo-dev libfreetype-dev fonts-dejavu-core
  libcpp-httplib-dev chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm for the dashboard's browser tests (tests/dashboard_e2e): Debian's, unless a
# node with npm is already installed (e.g. from NodeSource, whose nodejs conflicts with Debian's
# npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} > 0)); then
  echo "vlmlab setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
