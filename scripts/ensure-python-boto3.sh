#!/usr/bin/env bash
# The Python runner's tests run handlers on Debian's /usr/bin/python3 with its python3-boto3 (boto3
# 1.26, older than the AWS_ENDPOINT_URL_* variables: the case a local run must keep on loopback).
# Installs it when it is missing, so that the build's tests run on a fresh machine. PYTHON_FOR_TESTS
# names another interpreter with boto3 instead.
set -euo pipefail
python="${PYTHON_FOR_TESTS:-/usr/bin/python3}"
if "$python" -c 'import boto3' 2>/dev/null; then
  exit 0
fi
if [ "$python" != /usr/bin/python3 ] || ! command -v apt-get >/dev/null; then
  echo "The Python runner's tests need boto3 for $python: install it, or set PYTHON_FOR_TESTS to an interpreter that has it" >&2
  exit 1
fi
echo "Installing Debian's python3-boto3 for /usr/bin/python3 (the Python runner's tests)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-boto3
