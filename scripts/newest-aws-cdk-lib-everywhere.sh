#!/usr/bin/env bash
# Prints the newest aws-cdk-lib release that the npm registry, PyPI, Maven Central and the Go module
# proxy all serve: the language apps compare templates at one version, and the registries publish a
# release days apart (npm first). Release candidates and prereleases are left out.
set -euo pipefail
central=https://repo1.maven.org/maven2

# Maven Central's maven-metadata.xml leaves out releases it serves, and serves some poms without their
# jar: a release counts when its jar and the jars of the CDK artifacts its pom names are there.
maven_serves() {
  local pom dependency
  pom=$(curl -sf -m 60 "$central/software/amazon/awscdk/aws-cdk-lib/$1/aws-cdk-lib-$1.pom") || return 1
  curl -sfI -o /dev/null -m 60 "$central/software/amazon/awscdk/aws-cdk-lib/$1/aws-cdk-lib-$1.jar" || return 1
  for dependency in $(tr -d ' \n' <<<"$pom" | grep -oE '<groupId>software\.amazon\.awscdk</groupId><artifactId>[^<]+</artifactId><version>[^<]+' \
      | sed -E 's#<groupId>[^<]+</groupId><artifactId>([^<]+)</artifactId><version>\[?([^]<]+)\]?#\1/\2#'); do
    curl -sfI -o /dev/null -m 60 "$central/software/amazon/awscdk/$dependency/${dependency%/*}-${dependency#*/}.jar" || return 1
  done
}
pypi=$(curl -sSf -m 60 https://pypi.org/simple/aws-cdk-lib/ | grep -oE 'aws_cdk_lib-[0-9]+\.[0-9]+\.[0-9]+-py3' | sed -E 's/aws_cdk_lib-(.*)-py3/\1/' | sort -u)
for version in $(npm view aws-cdk-lib versions --json | node -e 'for (const v of JSON.parse(require("fs").readFileSync(0, "utf8")).reverse()) if (/^\d+\.\d+\.\d+$/.test(v)) console.log(v)'); do
  grep -qxF "$version" <<<"$pypi" || continue
  # The Go proxy's version list leaves out releases it serves: ask for the release itself.
  curl -sf -o /dev/null -m 60 "https://proxy.golang.org/github.com/aws/aws-cdk-go/awscdk/v2/@v/v$version.info" || continue
  maven_serves "$version" || continue
  echo "$version"
  exit 0
done
echo "No aws-cdk-lib release is served by npm, PyPI, Maven Central and the Go module proxy alike" >&2
exit 1
