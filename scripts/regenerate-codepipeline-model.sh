#!/usr/bin/env bash
# Regenerates src/testing/endpoints/codepipeline-model.generated.ts: the shapes of the CodePipeline
# operations the loopback endpoint serves, taken from the service's published API model (the
# botocore copy, which the AWS SDKs' models match). The harness checks calls against this file,
# never against src/private/limits.ts, so a wrong limit in the runtime is caught, not mirrored.
#
#   bash scripts/regenerate-codepipeline-model.sh                  # Debian's python3-botocore, via apt-get download
#   bash scripts/regenerate-codepipeline-model.sh path/service-2.json "botocore 1.35.0"
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ $# -ge 1 ]; then
  model=$1
  source=${2:-$1}
else
  (cd "$work" && apt-get download python3-botocore >/dev/null 2>&1)
  deb=$(ls "$work"/python3-botocore_*.deb)
  dpkg-deb -x "$deb" "$work/x"
  model="$work/x/usr/lib/python3/dist-packages/botocore/data/codepipeline/2015-07-09/service-2.json"
  source="Debian package $(basename "$deb" .deb | sed 's/_all$//'), botocore/data/codepipeline/2015-07-09/service-2.json"
fi

node scripts/extract-codepipeline-model.js "$model" "$source" > src/testing/endpoints/codepipeline-model.generated.ts
echo "wrote src/testing/endpoints/codepipeline-model.generated.ts from $source"
