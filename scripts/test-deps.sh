#!/usr/bin/env bash
# What the browser and runtime tests need beyond the venv: Debian's chromium and the npm packages.
# Idempotent and quiet when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium (browser tests)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: install Debian's 'chromium' package (browser tests will be skipped)" >&2
  fi
fi
if [ -f package.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; }; then
  echo "installing npm packages (test runtime: scorm-again)…"
  npm ci --silent --no-audit --no-fund
  touch node_modules
fi
