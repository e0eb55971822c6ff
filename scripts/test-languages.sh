#!/usr/bin/env bash
# The Python, Java and Go packages this build made (dist/, jsii-pacmak) used by real apps
# (test/languages/), at the aws-cdk-lib floor and at the newest release every registry serves:
#  - each app synthesizes the TypeScript app's templates, identical after key sorting (so do README's
#    quick start as jsii-rosetta translated it into Python);
#  - pytest, JUnit and `go test` run each app's steps through the CLI (the npm package this build made).
# Everything is installed under .scratch/ (a venv, a Maven repository, a Go module cache, a node_modules).
# Usage: test-languages.sh [aws-cdk-lib version...] (default: the floor and the newest everywhere).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.scratch/languages
apps=$root/test/languages
mkdir -p "$scratch"

for package in dist/js/cdk-lambda-invoke-step@*.jsii.tgz dist/python/*.whl dist/java/io dist/go/cdklambdainvokestep/go.mod; do
  [ -e "$package" ] || { echo "test-languages: $package is missing: run npx projen package first" >&2; exit 1; }
done

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  floor=$(node -p 'require("aws-cdk-lib/package.json").version') # the devDependency pins the floor
  newest=$(bash scripts/newest-aws-cdk-lib-everywhere.sh)
  versions=("$floor")
  [ "$newest" = "$floor" ] || versions+=("$newest")
fi

# CDK's analytics (the CDKMetadata resource) name the language that synthesized, so they are off, as
# `cdk synth --no-version-reporting` turns them off; nothing else is set aside.
export CDK_CONTEXT_JSON='{"aws:cdk:version-reporting":false}'
export GOMODCACHE=$root/.scratch/go/mod GOCACHE=$root/.scratch/go/cache GOFLAGS=-modcacherw GOTOOLCHAIN=local
m2=$root/.scratch/m2
mvn=(mvn -B -q -e "-Dmaven.repo.local=$m2")
seconds() { local started=$1; echo $((SECONDS - started))s; }

for version in "${versions[@]}"; do
  echo "== aws-cdk-lib $version"
  out=$scratch/out-$version
  rm -rf "$out"

  # What a user of any language installs beside a Node.js handler: the package, esbuild and the SDK
  # clients (the CLI's local run needs them). The same esbuild as the repository's, so every app's
  # bundle, and so its asset hash, is the same.
  started=$SECONDS
  node_dir=$scratch/node-$version
  mkdir -p "$node_dir"
  echo '{ "private": true }' > "$node_dir/package.json"
  # Reinstalled every run: the package keeps its version (0.0.0) from one build to the next.
  rm -rf "$node_dir/node_modules/cdk-lambda-invoke-step"
  npm install --prefix "$node_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "aws-cdk-lib@$version" "constructs@10" \
    "esbuild@$(node -p 'require("esbuild/package.json").version')" \
    "@aws-sdk/client-codepipeline@$(node -p 'require("@aws-sdk/client-codepipeline/package.json").version')" \
    "@aws-sdk/client-s3@$(node -p 'require("@aws-sdk/client-s3/package.json").version')" \
    "$root"/dist/js/cdk-lambda-invoke-step@*.jsii.tgz
  echo "npm install: $(seconds $started)"

  started=$SECONDS
  venv=$scratch/venv-$version
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "aws-cdk-lib==$version" "$root"/dist/python/*.whl pytest boto3
  # Reinstalled every run: the wheel keeps its version (0.0.0) from one build to the next.
  "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$root"/dist/python/*.whl
  echo "pip install: $(seconds $started)"

  # The apps find the CLI and esbuild on PATH, and a Python step runs on the venv's python3 (with boto3).
  export PATH="$node_dir/node_modules/.bin:$venv/bin:$PATH"
  cd "$apps"

  # The TypeScript app, from a copy beside the installed packages (its imports resolve there).
  started=$SECONDS
  rm -rf "$node_dir/app" && cp -r typescript "$node_dir/app"
  CDK_OUTDIR=$out/typescript node -r "$root/node_modules/ts-node/register/transpile-only" "$node_dir/app/app.ts"
  echo "TypeScript app: $(seconds $started)"

  started=$SECONDS
  CDK_OUTDIR=$out/python python python/app.py
  node "$root/scripts/compare-templates.mjs" "$out/typescript" "$out/python"
  echo "Python app: $(seconds $started)"

  started=$SECONDS
  (cd "$root" && node scripts/rosetta-quick-start.mjs python) > "$scratch/quick_start.py"
  printf '\nfrom aws_cdk import App\n\napp = App()\nPipelineStack(app, "PipelineStack")\napp.synth()\n' >> "$scratch/quick_start.py"
  CDK_OUTDIR=$out/rosetta-python python "$scratch/quick_start.py"
  node "$root/scripts/compare-templates.mjs" "$out/typescript" "$out/rosetta-python" PipelineStack.template.json
  echo "README's quick start in Python (jsii-rosetta): $(seconds $started)"

  started=$SECONDS
  python -m pytest -q -p no:cacheprovider python
  echo "pytest: $(seconds $started)"

  started=$SECONDS
  mkdir -p "$m2" && cp -r "$root"/dist/java/. "$m2/"
  CDK_OUTDIR=$out/java "${mvn[@]}" -f java/pom.xml "-Dcdk.version=$version" clean compile exec:java
  node "$root/scripts/compare-templates.mjs" "$out/typescript" "$out/java"
  "${mvn[@]}" -f java/pom.xml "-Dcdk.version=$version" test
  echo "Java app and JUnit: $(seconds $started)"

  started=$SECONDS
  modfile=$scratch/go-$version.mod
  cp go/go.mod "$modfile"
  rm -f "${modfile%.mod}.sum"
  (cd go && go mod edit -modfile="$modfile" -require="github.com/aws/aws-cdk-go/awscdk/v2@v$version" \
      -replace="github.com/cdk-lambda-invoke-step/cdk-lambda-invoke-step-go/cdklambdainvokestep=$root/dist/go/cdklambdainvokestep" \
    && go mod tidy -modfile="$modfile" \
    && go build -modfile="$modfile" -o "$scratch/go-app-$version" .)
  echo "Go build: $(seconds $started)"
  started=$SECONDS
  CDK_OUTDIR=$out/go "$scratch/go-app-$version"
  node "$root/scripts/compare-templates.mjs" "$out/typescript" "$out/go"
  (cd go && go test -modfile="$modfile" -count=1 .)
  echo "Go app and go test: $(seconds $started)"
  cd "$root"
done
