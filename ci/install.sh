#!/usr/bin/env bash
# Installs the `cairn` command for CI: CAIRN_VERSION=X.Y.Z installs cairn-intoto@X.Y.Z from npm;
# empty packs the Cairn checkout this script is in (npm ci; npm pack, whose prepack builds it)
# and installs that tarball, so a workflow that uses the action at a commit runs that commit.
set -euo pipefail
if [ -n "${CAIRN_VERSION:-}" ]; then
  npm install -g --no-audit --no-fund "cairn-intoto@${CAIRN_VERSION}"
else
  src="$(cd "$(dirname "$0")/.." && pwd)"
  out="$(mktemp -d)"
  (cd "$src" && npm ci --no-audit --no-fund && npm pack --pack-destination "$out")
  npm install -g --no-audit --no-fund "$out"/cairn-intoto-*.tgz
fi
cairn --version
