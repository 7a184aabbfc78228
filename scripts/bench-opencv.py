#!/usr/bin/env python3
"""OpenCV's greyscale, the peer `ghostlines bench`'s luma-bt601 row is held
against (issue 5 asks for at most 1.5x): cv2.cvtColor(RGBA2GRAY) on an
800x600 RGBA frame, single-threaded, median and p90 of many runs, in ms.

    pip install opencv-python-headless numpy   # if missing
    python3 scripts/bench-opencv.py [--width W --height H --iterations N]

Run it right after `scripts/bench-native.sh`: the machine is shared, so
ratios are only fair between runs close in time. OpenCV's result equals
ghostlines' luma-bt601 byte for byte (tests/data/truth).
"""

import argparse
import time

import cv2
import numpy as np


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=positive, default=800)
    parser.add_argument("--height", type=positive, default=600)
    parser.add_argument("--iterations", type=positive, default=200)
    args = parser.parse_args()
    if args.width > 16384 or args.height > 16384:
        parser.error("--width and --height must be at most 16384 (core's limit)")

    cv2.setNumThreads(1)
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (args.height, args.width, 4), dtype=np.uint8)
    out = np.empty((args.height, args.width), dtype=np.uint8)
    for _ in range(20):  # warm up caches and OpenCV's dispatch
        cv2.cvtColor(frame, cv2.COLOR_RGBA2GRAY, dst=out)
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        cv2.cvtColor(frame, cv2.COLOR_RGBA2GRAY, dst=out)
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    median = times[len(times) // 2]
    p90 = times[len(times) * 9 // 10]
    print(f"OpenCV {cv2.__version__} cvtColor RGBA2GRAY {args.width}x{args.height}, "
          f"1 thread: {median:.3f} ({p90:.3f}) ms")


if __name__ == "__main__":
    main()
