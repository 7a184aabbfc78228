#!/usr/bin/env bash
# ghostlines bench with the native baseline built for this CPU
# (-C target-cpu=native), as the fair comparison for the component.
# Its own target directory (target/native) keeps the normal build's
# artifacts; the first run compiles Wasmtime once more (~10 min on 2 cores).
# host/build.rs drops RUSTFLAGS for the nested Wasm build, so the component
# is the same as in a normal build. Arguments go to `ghostlines bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR=target/native RUSTFLAGS="-C target-cpu=native" \
  cargo run --release -- bench "$@"
