// Greyscale of an 800x600 frame from Python in Pyodide: the component
// through the JS library (the hand-over of the bytes both ways included)
// against the same max-rgb greyscale in pure Python, checked to agree first.
//
//   node bench/pyodide.mjs [iterations]

import { pythonWithGhostlines } from '../node/pyodide.mjs';

const iterations = Number(process.argv[2] ?? 20);
const pyodide = await pythonWithGhostlines();
pyodide.runPython(`
import time, ghostlines_demo

def pure_python_max_rgb(rgba):
    # The fastest plain Python we know: one slice a channel, map(max).
    return bytes(map(max, rgba[0::4], rgba[1::4], rgba[2::4]))

def median_ms(f, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1000)
    return sorted(times)[n // 2]

frame = ghostlines_demo.square_scene(800, 600, 0, 0)
assert ghostlines_demo.greyscale(800, 600, frame) == pure_python_max_rgb(frame)
`);
const component = pyodide.runPython(
  `median_ms(lambda: ghostlines_demo.greyscale(800, 600, frame), ${iterations})`,
);
const pure = pyodide.runPython(`median_ms(lambda: pure_python_max_rgb(frame), ${Math.max(3, iterations >> 2)})`);
console.log(`greyscale max-rgb of an 800x600 frame from Python in Pyodide ${pyodide.version}, Node ${process.version}, median ms`);
console.log(`the component (via the JS library, bytes handed over both ways)  ${component.toFixed(3)}`);
console.log(`pure Python (map(max) over channel slices)                        ${pure.toFixed(3)}`);
console.log(`ratio                                                             ${(pure / component).toFixed(1)}x`);
