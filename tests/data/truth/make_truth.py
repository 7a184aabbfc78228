#!/usr/bin/env python3
"""Regenerates the golden fixtures in this folder from the peers themselves.

numpy gives max-rgb, OpenCV gives luma-bt601, and adjust_truth.mjs (run with
Node, whose Uint8ClampedArray is the canvas's) gives adjust. The tests
compare ghostlines against these files, so they check what the peers
actually output, not our own formulas. CI does not run this script.

    pip install numpy opencv-python-headless pillow
    python3 tests/data/truth/make_truth.py

It also regenerates tests/data/orbit.gif, the synthetic sequence many tests use.
"""
import pathlib
import subprocess

import cv2
import numpy as np
from PIL import Image, ImageDraw

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent
ROOT = DATA.parent.parent


def write(name, array):
    (HERE / name).write_bytes(np.ascontiguousarray(array, dtype=np.uint8).tobytes())
    print(f"wrote {name}: {array.shape}")


def greyscale_truth(stem, rgba):
    """rgba: (h, w, 4) uint8."""
    h, w, _ = rgba.shape
    write(f"{stem}.rgba", rgba)
    # The sketch's numpy expression, verbatim.
    max_rgb = rgba.reshape(-1, 4)[:, :3].max(1).reshape(h, w)
    write(f"{stem}.max-rgb.gray", max_rgb)
    bt601 = cv2.cvtColor(rgba, cv2.COLOR_RGBA2GRAY)
    write(f"{stem}.luma-bt601.gray", bt601)


def main():
    print("numpy", np.__version__, "opencv", cv2.__version__)
    rng = np.random.default_rng(20261125)
    # Random pixels, odd width: every value and SIMD tails.
    greyscale_truth("random_67x45", rng.integers(0, 256, size=(45, 67, 4), dtype=np.uint8))
    # A crop of the public-domain Hubble photograph (see ../README.md).
    photo = np.asarray(Image.open(DATA / "hubble_deep_field.jpg").convert("RGBA"))
    greyscale_truth("hubble_161x121", photo[300:421, 400:561])

    subprocess.run(["node", str(HERE / "adjust_truth.mjs"), str(HERE / "adjust_js.bin")], check=True)

    make_sample(photo)


def make_sample(photo):
    """tests/data/orbit.gif: a slow pan over the Hubble field with a bright
    comet circling, 16 frames of 256x192."""
    frames = []
    base = Image.fromarray(photo[:, :, :3])
    for i in range(16):
        x0, y0 = 200 + 2 * i, 300 + i
        frame = base.crop((x0, y0, x0 + 256, y0 + 192))
        draw = ImageDraw.Draw(frame)
        angle = 2 * np.pi * i / 16
        cx, cy = 128 + 64 * np.cos(angle), 96 + 48 * np.sin(angle)
        draw.ellipse((cx - 12, cy - 12, cx + 12, cy + 12), fill=(255, 240, 200))
        frames.append(frame)
    out = ROOT / "tests" / "data" / "orbit.gif"
    frames[0].save(out, save_all=True, append_images=frames[1:], duration=80, loop=0)
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
