#!/usr/bin/env bash
# The test suite against the newest aws-cdk-lib release, in a scratch copy of the working tree, so
# a release that breaks this library fails CI the day it is out. The build itself tests the floor
# that package-lock.json pins. Run by `npx projen test:latest-cdk`, which the build runs after `test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/latest-aws-cdk-lib.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

cd "$root"
# The working tree as it is: tracked and new files, not node_modules or build output.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  if [ -e "$file" ]; then
    mkdir -p "$scratch/$(dirname "$file")"
    cp -p "$file" "$scratch/$file"
  fi
done

cd "$scratch"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
npm install --no-save --no-audit --no-fund --loglevel=error aws-cdk-lib@latest constructs@10
echo "Testing against aws-cdk-lib $(node -p "require('aws-cdk-lib/package.json').version") (the floor is $(node -p "require('$root/node_modules/aws-cdk-lib/package.json').version"))"

# The ES module build of the runtime, which the ESM bundle tests import by the package's name.
node scripts/build-esm-runtime.mjs

# The install test packs and installs the floor build (it is the same package whatever aws-cdk-lib
# is installed here); the rest runs as it is, with the template validation test switched on.
CDK_LATEST_RELEASE_RUN=1 npx jest --ci --coverage=false --testPathIgnorePatterns '/node_modules/' 'test/install.test.ts'
