"""ghostlines from Python in Pyodide: bytes in, a grey plane and vectors out.

The component runs through the JS library (registered in Pyodide as the
module `ghostlines` by pyodide.mjs); Python hands it RGBA bytes, the layout
of a canvas getImageData, and gets Python values back. No numpy: its wheel
would need the network, and nothing here needs it.
"""

from js import Object
from pyodide.ffi import to_js

import ghostlines


def _js(value):
    """A Python dict (of dicts, numbers, strings) as a plain JS object."""
    return to_js(value, dict_converter=Object.fromEntries)


def _frame(width, height, rgba):
    # to_js copies the bytes into a Uint8Array in one go.
    return _js({"width": width, "height": height, "data": to_js(rgba)})


def greyscale(width, height, rgba, method="max-rgb"):
    """One grey byte a pixel, as `bytes`."""
    plane = ghostlines.greyscale(_frame(width, height, rgba), method)
    return plane.values.to_bytes()


class Tracker:
    """The component's tracker: push RGBA frames, get vectors as dicts."""

    def __init__(self, **options):
        self._tracker = ghostlines.createTracker(_js(options))

    def push(self, width, height, rgba, time=None):
        """The frame taken at `time` milliseconds (the time of the call when
        left out), measured against the one the tracker's interval (200 ms)
        before: {'centroid', 'centroidMotion', 'vectors': [{'x', 'y', 'dx',
        'dy', ...}]}"""
        return self._tracker.push(_frame(width, height, rgba), time).to_py()

    def close(self):
        self._tracker.close()


def square_scene(width, height, dx, dy):
    """RGBA bytes: mid-grey, with a textured bright square moved by (dx, dy)."""
    rgba = bytearray(b"\x40\x40\x40\xff" * (width * height))
    for y in range(height // 4, height // 4 + height // 3):
        for x in range(width // 4, width // 4 + width // 3):
            value = 160 + ((x * 7 + y * 13) % 5) * 20
            at = 4 * ((y + dy) * width + (x + dx))
            rgba[at : at + 3] = bytes((value, value, value))
    return bytes(rgba)


def demo(width=160, height=120, shift=(3, 2)):
    """Grey bytes of the first frame, and sparse flow across the shift."""
    first = square_scene(width, height, 0, 0)
    second = square_scene(width, height, *shift)
    grey = greyscale(width, height, first)
    tracker = Tracker(mode="sparse")
    # Two frames 200 ms apart, as the sketch grabbed them.
    tracker.push(width, height, first, 0)
    out = tracker.push(width, height, second, 200)
    tracker.close()
    tracked = [v for v in out["vectors"] if v.get("status") == "tracked"]
    median = lambda values: sorted(values)[len(values) // 2]
    return {
        "grey_first_bytes": list(grey[:4]),
        "grey_sum": sum(grey),
        "tracked": len(tracked),
        "median_motion": [round(median([v["dx"] for v in tracked]), 3), round(median([v["dy"] for v in tracked]), 3)],
    }
