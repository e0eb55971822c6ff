#!/usr/bin/env bash
# The main job, from a fresh clone: install the npm packages, synthesize the example pipeline
# (example/), run its step's bundled asset on example/source-artifact against loopback endpoints,
# and print what it did. Arguments go to the example (`-- --json`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
npx projen example "$@"
