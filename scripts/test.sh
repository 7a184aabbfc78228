#!/usr/bin/env bash
# All of ghostlines' tests, the README's one test command:
#   0. what the tests need and a fresh machine lacks is installed first
#      (see scripts/setup.sh), or the run stops at once naming the command
#   1. cargo test --workspace --release   (core, components, host, HTTP)
#   2. in web/: npm ci, npm run build (jco transpile), npm test
#      (Node through jco, and the live page in headless Chromium)
# The wasm32-wasip2 target comes from host/build.rs, as for the main command.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== what the tests need"
scripts/setup.sh

echo "== cargo test --workspace --release"
cargo test --workspace --release

echo "== web: jco, Node and Chromium"
cd web
npm ci --no-audit --no-fund
npm run build
npm test
