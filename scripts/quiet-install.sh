#!/usr/bin/env bash
# A newcomer's `npm install` prints no warnings, on npm 11 (this machine's) and npm 10: install this
# package.json and lock file into empty folders with each, and fail on any "npm warn" line.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for npm in "npm" "npx -y npm@10"; do
  dir="$(mktemp -d)"
  cp package.json package-lock.json "$dir/"
  version="$(cd "$dir" && $npm --version)"
  output="$(cd "$dir" && $npm install --no-audit --no-fund 2>&1)"
  rm -rf "$dir"
  if grep -qi "npm warn" <<<"$output"; then
    echo "npm $version: npm install printed warnings:"
    grep -i "npm warn" <<<"$output"
    status=1
  else
    echo "npm $version: npm install is quiet"
  fi
done
exit $status
