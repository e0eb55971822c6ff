#!/usr/bin/env bash
# Installs the project's npm packages exactly as package-lock.json pins them (npm ci), when they
# are not installed or the lockfile changed since they were: npm writes node_modules/.package-lock.json
# at every install, so a lockfile newer than it (a pull, a checkout) means the packages are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
npm ci
