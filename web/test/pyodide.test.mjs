// Python in Pyodide (the npm package's runtime, no network) calling the
// component through the JS library: node/pyodide.mjs and
// python/ghostlines_demo.py. Run `npm run build` first.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { createTracker, greyscale } from '../app/ghostlines.js';
import { pythonWithGhostlines } from '../node/pyodide.mjs';
import { web } from './server.mjs';

let demo;
let pyodide;

before(async () => {
  pyodide = await pythonWithGhostlines();
  demo = pyodide.pyimport('ghostlines_demo');
});

test("Python's bytes in, the component's grey bytes out, the same as from JS", () => {
  const frame = demo.square_scene(160, 120, 0, 0);
  const rgba = frame.toJs();
  assert.equal(rgba.length, 160 * 120 * 4);
  for (const method of ['max-rgb', 'luma-bt601']) {
    const fromPython = demo.greyscale(160, 120, frame, method).toJs();
    assert.deepEqual(fromPython, greyscale({ width: 160, height: 120, data: rgba }, method).values);
  }
  // The background is RGB (64, 64, 64).
  assert.equal(demo.greyscale(160, 120, frame).toJs()[0], 64);
});

test("the tracker from Python gives JS's vectors, and the square's shift", () => {
  const frames = [demo.square_scene(160, 120, 0, 0), demo.square_scene(160, 120, 3, 2)];
  const tracker = demo.Tracker.callKwargs({ mode: 'sparse' });
  const inJs = createTracker({ mode: 'sparse' });
  for (const [k, frame] of frames.entries()) {
    const fromPython = tracker.push(160, 120, frame, 200 * k).toJs({ dict_converter: Object.fromEntries });
    const fromJs = inJs.push({ width: 160, height: 120, data: frame.toJs() }, 200 * k);
    assert.deepEqual(JSON.parse(JSON.stringify(fromPython)), JSON.parse(JSON.stringify(fromJs)));
  }
  tracker.close();
  inJs.close();
  const result = demo.demo().toJs({ dict_converter: Object.fromEntries });
  assert.deepEqual(result.median_motion, [3, 2]);
  assert.ok(result.tracked > 10, JSON.stringify(result));
});

test('a bad frame from Python is a typed error there', () => {
  const caught = pyodide.runPython(`
import ghostlines_demo
try:
    ghostlines_demo.greyscale(3, 3, b"\\x00" * 8)
except Exception as e:
    result = (type(e).__name__, str(e))
result
`).toJs();
  assert.equal(caught[0], 'JsException');
  assert.match(caught[1], /GhostlinesError: .*36.*8/);
});

test('the Pyodide example runs', () => {
  const out = execFileSync(process.execPath, [join(web, 'node', 'pyodide.mjs')], { encoding: 'utf8' });
  const result = JSON.parse(out);
  assert.deepEqual(result.median_motion, [3, 2]);
  assert.deepEqual(result.grey_first_bytes, [64, 64, 64, 64]);
});
