#!/usr/bin/env bash
# Installs what the whole test suite needs, then runs it. Used by `make test` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# Headless Chromium for the browser tests, from the distribution's packages.
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

# The Digital Bazaar verifier and jose, pinned by their lockfile.
$BIN/python -c "from tests.jsverify.client import ensure_installed; ensure_installed()"

# axe-core (accessibility rules) from the npm registry, kept out of git.
if [ ! -f .cache/node/node_modules/axe-core/axe.min.js ]; then
  mkdir -p .cache/node
  npm install --silent --no-audit --no-fund --prefix .cache/node axe-core@4.14.1 >/dev/null
fi

$BIN/ruff check sitegen tests
$BIN/mypy
# pytest exits 5 when it collects nothing: that is a broken setup, never a pass.
exec $BIN/python -m pytest "$@"
