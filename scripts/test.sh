#!/usr/bin/env bash
# All of ghostlines' tests, the README's one test command:
#   1. cargo test --workspace --release   (core, components, host, HTTP)
#   2. in web/: npm ci, npm run build (jco transpile), npm test
#      (Node through jco, and the live page in headless Chromium)
# Needs Node 20.19+ and Chromium (/usr/bin/chromium, or set CHROMIUM).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test --workspace --release"
cargo test --workspace --release

echo "== web: jco, Node and Chromium"
command -v node >/dev/null || { echo "Node.js 20.19+ is needed for web/ (https://nodejs.org)" >&2; exit 1; }
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "Chromium is needed for the page's tests: apt-get install chromium, or set CHROMIUM" >&2; exit 1; }
cd web
npm ci --no-audit --no-fund
npm run build
npm test
