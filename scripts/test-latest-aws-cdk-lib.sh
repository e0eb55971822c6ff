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
# The newest cdk-nag of each major users run: 2 as `cdk-nag` (compliance.test.ts), 3 as `cdk-nag-v3`
# (compliance-cdk-nag-3.test.ts), since 3 needs aws-cdk-lib 2.257 and cannot install beside the floor.
npm install --no-save --no-audit --no-fund --loglevel=error aws-cdk-lib@latest constructs@10 cdk-nag@2 cdk-nag-v3@npm:cdk-nag@3
version() { node -p "require('$1/package.json').version"; }
versions="aws-cdk-lib $(version aws-cdk-lib) (the floor is $(version "$root/node_modules/aws-cdk-lib")), cdk-nag $(version cdk-nag) and $(version cdk-nag-v3)"
echo "Testing against $versions"
# A failure here is a change in a release, not in this repository: say which releases, above jest's diff.
trap 'status=$?; rm -rf "$scratch"; if [ $status -ne 0 ]; then echo "The suite failed against $versions: the differences are in the failures above." >&2; fi' EXIT

# The ES module build of the runtime, which the ESM bundle tests import by the package's name.
node scripts/build-esm-runtime.mjs

# The install test packs and installs the floor build (it is the same package whatever aws-cdk-lib
# is installed here); the rest runs as it is, with the template validation test switched on.
# The clients the install script put in the working tree's .scratch/ (venvs, Maven repository, Go caches, builds).
CDK_STEP_SCRATCH="$root/.scratch" CDK_LATEST_RELEASE_RUN=1 npx jest --ci --coverage=false --testPathIgnorePatterns '/node_modules/' 'test/install.test.ts'
