"""What one call into the component costs through wasmtime-py's component
API, by frame size: greyscale checked byte for byte against plain Python
first, then timed (the least of a few calls).

    cargo run --release -- components --out components
    pip install wasmtime        # wasmtime-py; 50.0.1 when this was written
    python3 examples/python/wasmtime_py_cost.py components/ghostlines_guest.wasm
"""

import sys
import time
from types import SimpleNamespace

from wasmtime import Engine, Store, WasiConfig
from wasmtime.component import Component, Linker

engine = Engine()
component = Component.from_file(engine, sys.argv[1])
linker = Linker(engine)
linker.add_wasip2()
store = Store(engine)
store.set_wasi(WasiConfig())
instance = linker.instantiate(store, component)
process = instance.get_export_index(store, "ghostlines:image/process@0.3.0")
greyscale = instance.get_func(store, instance.get_export_index(store, "greyscale", process))


def frame(width, height):
    pixels = bytes((i * 7 + i // 5) % 256 for i in range(width * height * 4))
    return SimpleNamespace(width=width, height=height, pixels=pixels)


print(f"greyscale max-rgb through wasmtime-py, Python {sys.version.split()[0]}: least of the calls, ms")
for width, height in [(1, 1), (32, 24), (160, 120), (800, 600)]:
    f = frame(width, height)
    want = bytes(map(max, f.pixels[0::4], f.pixels[1::4], f.pixels[2::4]))
    times = []
    for _ in range(1 if width * height > 100_000 else 5):
        started = time.perf_counter()
        plane = greyscale(store, f, "max-rgb")
        times.append((time.perf_counter() - started) * 1000)
    assert bytes(plane.values) == want, "not the bytes of max-rgb"
    print(f"{width}x{height:<4} {min(times):10.3f}")
