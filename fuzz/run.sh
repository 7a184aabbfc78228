#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), one after another,
# on the committed seeds plus what earlier runs found (corpus/ is git-ignored
# beyond the seeds). Needs: cargo install cargo-fuzz; a nightly toolchain.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
for target in core_ops core_vectors core_field http_request decode stream_framing y4m; do
  mkdir -p "corpus/$target" "work/$target"
  echo "== $target for ${seconds}s"
  cargo +nightly fuzz run -O "$target" "work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1
done
