#!/usr/bin/env bash
# The end-to-end suite under Node 22 and 24 as well as the machine's Node 20: binaries from the npm
# package `node`, installed into .tools/ (git-ignored), never as devDependencies (whose bin would
# shadow the machine's Node in every npm script). The tests spawn the server with the same binary.
set -euo pipefail
cd "$(dirname "$0")/.."
for major in 22 24; do
  dir=".tools/node$major"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    mkdir -p "$dir"
    echo '{ "private": true }' > "$dir/package.json"
    npm install --prefix "$dir" --no-audit --no-fund --no-package-lock "node@$major" > /dev/null
  fi
  echo "── end-to-end tests under Node $("$dir/node_modules/.bin/node" --version)"
  "$dir/node_modules/.bin/node" node_modules/vitest/vitest.mjs run test/e2e
done
