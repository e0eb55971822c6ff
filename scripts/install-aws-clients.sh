#!/usr/bin/env bash
# The clients AWS publishes for real functions, which the harness's tests run against
# (test/testing/aws-clients/), installed into the project's scratch folder (CDK_STEP_SCRATCH, default
# .scratch/) and pinned in test/fixtures/aws-clients/ and the Go and Java steps' own files:
# - a venv with awslambdaric, Powertools for AWS Lambda (Python) and the newest boto3;
# - a venv with aws-sam-cli, whose pins are its own;
# - Powertools as a layer's content (python/), for Debian's python3 and its boto3 1.26;
# - the Java step's Maven dependencies and the Java runtime interface client, in the project's Maven repository;
# - the Go step's modules (aws-lambda-go, aws-sdk-go-v2), in the project's module cache.
# Each part is skipped when it is already there, so the build runs this every time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${CDK_STEP_SCRATCH:-$root/.scratch}"
clients="$scratch/clients"
pins="$root/test/fixtures/aws-clients"
mkdir -p "$clients"

# installed <marker> <pinned file>: whether the marker says the pinned file was installed as it is now.
installed() { cmp -s "$2" "$1"; }

venv() {
  local directory="$1" requirements="$2"
  installed "$directory/installed.txt" "$requirements" && return
  echo "Installing $(tr '\n' ' ' < "$requirements")into $directory"
  rm -rf "$directory"
  python3 -m venv "$directory"
  "$directory/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$directory/installed.txt"
}
venv "$clients/python" "$pins/python-requirements.txt"
venv "$clients/sam" "$pins/sam-requirements.txt"

layer="$clients/powertools-layer"
if ! installed "$layer/installed.txt" "$pins/powertools-layer-requirements.txt"; then
  echo "Installing Powertools as a layer's content into $layer"
  rm -rf "$layer"
  "$clients/python/bin/pip" install --quiet --disable-pip-version-check --target "$layer/python" -r "$pins/powertools-layer-requirements.txt"
  cp "$pins/powertools-layer-requirements.txt" "$layer/installed.txt"
fi

# Maven: one build of the Java step fetches its dependencies and plugins, so the tests build it offline.
java_step="$root/test/fixtures/java-step"
m2="$scratch/m2"
if ! installed "$clients/java-step-installed.xml" "$java_step/pom.xml"; then
  echo "Fetching the Java step's dependencies and the Java runtime interface client into $m2"
  build="$(mktemp -d)"
  cp -r "$java_step/pom.xml" "$java_step/src" "$build"
  (cd "$build" && mvn -B -q -Dmaven.repo.local="$m2" package)
  rm -rf "$build"
  mvn -B -q -Dmaven.repo.local="$m2" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
    -Dartifact=com.amazonaws:aws-lambda-java-runtime-interface-client:2.10.1
  cp "$java_step/pom.xml" "$clients/java-step-installed.xml"
fi

# Go: the modules go.sum names, in the module cache the packaging already uses.
(cd "$root/test/fixtures/go-step" && GOMODCACHE="$scratch/go/mod" GOFLAGS=-modcacherw go mod download)
