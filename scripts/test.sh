#!/usr/bin/env bash
# The whole test suite, from a fresh clone, as CI runs it (.ci/run): install what the tests use, then
# build (compile with jsii, the tests on this machine's Node.js, on 22, 24 and 26 and on the newest
# aws-cdk-lib, lint, API.md, the packages of every language and the apps that use them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
# Debian's boto3 for /usr/bin/python3, for the Python runner's tests (the build also installs it when missing).
bash scripts/ensure-python-boto3.sh
# AWS's clients the harness is tested against, from PyPI, Maven Central and the Go module proxy, into .scratch/.
bash scripts/install-aws-clients.sh
# The Node.js majors the build also tests on (22, 24 and 26), from the npm registry, into .node-versions/.
bash scripts/test-node-versions.sh --install-only
npx projen build
