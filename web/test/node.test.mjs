// The component through jco in Node: exact bytes, known geometry, typed
// errors. Run `npm run build` first (the README's test script does).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BACKGROUNDS, COLOURINGS, GREY_METHODS, GhostlinesError, LINE_SHAPES, TRACKER_MODES, adjust, centroid, createPainter, createTracker, defaults, edges, flowField, greyscale, limits,
  prepare, toFrame,
} from '../app/ghostlines.js';
import { scene } from '../app/scene.js';

// The WIT's definitions of the grey methods, in plain JS.
const reference = {
  'max-rgb': (r, g, b) => Math.max(r, g, b),
  'luma-bt601': (r, g, b) => (9798 * r + 19235 * g + 3735 * b + 16384) >> 15,
  'luma-bt709': (r, g, b) => (6966 * r + 23436 * g + 2366 * b + 16384) >> 15,
  average: (r, g, b) => Math.floor((r + g + b + 1) / 3),
  lightness: (r, g, b) => (Math.max(r, g, b) + Math.min(r, g, b) + 1) >> 1,
};

function randomFrame(width, height, seed) {
  const pixels = new Uint8ClampedArray(width * height * 4);
  let s = seed;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    pixels[i] = s >>> 24;
  }
  return { width, height, data: pixels };
}

test('greyscale gives the WIT-defined bytes for every method', () => {
  for (const [width, height] of [[1, 1], [3, 5], [64, 48]]) {
    const frame = randomFrame(width, height, width * 31 + height);
    for (const method of GREY_METHODS) {
      const plane = greyscale(frame, method);
      assert.equal(plane.width, width);
      assert.equal(plane.height, height);
      const want = new Uint8Array(width * height);
      for (let i = 0; i < want.length; i++) {
        const [r, g, b] = frame.data.subarray(4 * i, 4 * i + 3);
        want[i] = reference[method](r, g, b);
      }
      assert.deepEqual(plane.values, want, `${method} ${width}x${height}`);
    }
  }
});

test('a sparse-flow tracker finds a known shift', () => {
  const [width, height] = [320, 240];
  const tracker = createTracker({ mode: 'sparse' });
  // Frames 200 ms apart: the default interval measures the second against
  // the first.
  const first = tracker.push({ width, height, data: scene(width, height, 0, 0) }, 0);
  assert.equal(first.vectors.length, 0);
  const second = tracker.push({ width, height, data: scene(width, height, 5, -3) }, 200);
  const tracked = second.vectors.filter((v) => v.status === 'tracked');
  assert.ok(tracked.length >= 100, `${tracked.length} tracked`);
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  assert.ok(Math.abs(median(tracked.map((v) => v.dx)) - 5) < 0.1);
  assert.ok(Math.abs(median(tracked.map((v) => v.dy)) + 3) < 0.1);
  // Nearly every tracked point is right to half a pixel.
  const good = tracked.filter((v) => Math.hypot(v.dx - 5, v.dy + 3) < 0.5).length;
  assert.ok(good >= 0.95 * tracked.length, `${good} of ${tracked.length}`);
  // Each vector's path over the interval: from where it was to where it is.
  const paths = tracker.paths();
  assert.equal(paths.length, second.vectors.length);
  const [v, path] = [second.vectors[0], paths[0]];
  assert.deepEqual(path[0], { x: v.x, y: v.y });
  assert.ok(Math.hypot(path.at(-1).x - v.x - v.dx, path.at(-1).y - v.y - v.dy) < 1e-9);
  tracker.close();
});

test('frames prepared elsewhere push as whole frames do, and a foreign one is refused', () => {
  const [width, height] = [160, 120];
  for (const mode of TRACKER_MODES) {
    const options = { mode, threshold: 0.1 };
    const [whole, finisher] = [createTracker(options), createTracker(options)];
    let vectors = 0;
    for (let k = 0; k < 8; k++) {
      const image = { width, height, data: scene(width, height, 2 * k, -k) };
      const expected = whole.push(image, 40 * k);
      // Through a structured clone, as a worker's message carries it.
      const prepared = structuredClone(prepare(image, options));
      assert.equal(prepared.corners !== undefined, mode === 'sparse', mode);
      assert.deepEqual(finisher.pushPrepared(prepared, 40 * k), expected, `${mode} frame ${k}`);
      vectors += expected.vectors.length;
    }
    assert.ok(vectors > 0, `${mode}: nothing to compare`);
    whole.close();
    finisher.close();
  }
  const tracker = createTracker({ mode: 'sparse' });
  const image = { width, height, data: scene(width, height, 0, 0) };
  assert.equal(kindOf(() => tracker.pushPrepared(prepare(image, { mode: 'dense' }), 0)), 'invalid-parameter');
  assert.equal(kindOf(() => tracker.pushPrepared({ ...prepare(image, { mode: 'sparse' }), corners: [[1]] }, 0)), 'invalid-parameter');
  assert.equal(kindOf(() => tracker.pushPrepared(null, 0)), 'invalid-parameter');
  assert.equal(kindOf(() => prepare(image, { mode: 'psychic' })), 'invalid-parameter');
  const cut = prepare(image, { mode: 'sparse' });
  cut.filtered.values = cut.filtered.values.subarray(1);
  assert.equal(kindOf(() => tracker.pushPrepared(cut, 0)), 'length-mismatch');
  tracker.close();
});

test('a painter draws a prepared frame as the whole one, with its image only over the frame', () => {
  const [width, height] = [160, 120];
  const options = { mode: 'sparse' };
  for (const background of ['black', 'frame']) {
    const look = { background, persistence: 0.5 };
    const [whole, finisher] = [createTracker(options), createTracker(options)];
    const [p1, p2] = [createPainter(look), createPainter(look)];
    for (let k = 0; k < 6; k++) {
      const image = { width, height, data: scene(width, height, 3 * k, k) };
      const expected = p1.track(whole, image, 50 * k);
      const prepared = structuredClone(prepare(image, options));
      const got = p2.trackPrepared(finisher, prepared, background === 'frame' ? image : undefined, 50 * k);
      assert.deepEqual(got.output, expected.output, `${background} frame ${k}`);
      assert.deepEqual(got.image.data, expected.image.data, `${background} frame ${k}`);
    }
    if (background === 'frame') {
      const image = { width, height, data: scene(width, height, 0, 0) };
      assert.equal(kindOf(() => p2.trackPrepared(finisher, prepare(image, options), undefined, 1000)), 'invalid-parameter');
      const small = { width: 8, height: 8, data: new Uint8Array(256) };
      assert.equal(kindOf(() => p2.trackPrepared(finisher, prepare(image, options), small, 1000)), 'size-mismatch');
    }
    for (const x of [whole, finisher, p1, p2]) x.close();
  }
});

test('frames are measured against the one an interval before, at their own times', () => {
  const [width, height] = [64, 48];
  const frame = (shift) => ({ width, height, data: scene(width, height, shift, 0) });
  // 25 frames a second, the default 200 ms: frame 5 against frame 0.
  const tracker = createTracker({ contrast: 0, brightness: 0 });
  const outs = [0, 1, 2, 3, 4, 5, 6].map((k) => tracker.push(frame(k), 40 * k));
  assert.ok(outs.slice(0, 5).every((out) => out.centroidMotion === undefined));
  const centroids = outs.map((out) => out.centroid);
  assert.deepEqual(outs[5].centroidMotion, { dx: centroids[5].x - centroids[0].x, dy: centroids[5].y - centroids[0].y });
  assert.deepEqual(outs[6].centroidMotion, { dx: centroids[6].x - centroids[1].x, dy: centroids[6].y - centroids[1].y });
  // A time that goes back, or is not a number, is refused.
  assert.throws(() => tracker.push(frame(0), 100), (e) => e.kind === 'invalid-parameter');
  assert.throws(() => tracker.push(frame(0), 'soon'), (e) => e.kind === 'invalid-parameter');
  // Without a time, the time of the call: two pushes at once are not an
  // interval apart, a push 250 ms later is.
  const live = createTracker({ contrast: 0, brightness: 0 });
  live.push(frame(0));
  assert.equal(live.push(frame(3)).centroidMotion, undefined);
  const later = performance.now() + 250;
  while (performance.now() < later);
  assert.notEqual(live.push(frame(6)).centroidMotion, undefined);
  // The interval is an option: 0 measures each frame against the one before.
  const consecutive = createTracker({ interval: 0 });
  consecutive.push(frame(0), 0);
  assert.notEqual(consecutive.push(frame(2), 1).centroidMotion, undefined);
});

test('the sketch tracker moves its samples by the centroid shift', () => {
  const [width, height] = [40, 30];
  const square = (x0, y0) => {
    const data = new Uint8ClampedArray(width * height * 4);
    for (let y = y0; y < y0 + 6; y++) {
      for (let x = x0; x < x0 + 6; x++) data.fill(255, 4 * (y * width + x), 4 * (y * width + x) + 4);
    }
    return { width, height, data };
  };
  const tracker = createTracker({ samples: 5000, contrast: 0, brightness: 0 });
  tracker.push(square(10, 12), 0);
  const out = tracker.push(square(17, 8), 200);
  assert.deepEqual(out.centroid, { x: 19.5, y: 10.5 });
  assert.deepEqual(out.centroidMotion, { dx: 7, dy: -4 });
  assert.ok(out.vectors.length > 0);
  for (const v of out.vectors) assert.deepEqual([v.dx, v.dy], [7, -4]);
});

test('edges of a square are its outline', () => {
  const [width, height] = [48, 40];
  const values = new Uint8Array(width * height);
  for (let y = 10; y < 30; y++) values.fill(200, y * width + 12, y * width + 36);
  const lines = edges({ width, height, values });
  assert.ok(lines.length >= 1);
  for (const line of lines) {
    for (const { x, y } of line) {
      const toOutline = Math.min(Math.abs(x - 11.5), Math.abs(x - 35.5), Math.abs(y - 9.5), Math.abs(y - 29.5));
      assert.ok(toOutline <= 1, `(${x}, ${y})`);
    }
  }
});

test('the flow field moves every pixel by a known shift, in two Float32Arrays', () => {
  const [width, height] = [160, 120];
  const grey = (dx, dy) => greyscale({ width, height, data: scene(width, height, dx, dy) });
  const field = flowField(grey(0, 0), grey(3, -2), { stride: 2 });
  assert.deepEqual([field.width, field.height], [width, height]);
  assert.ok(field.u instanceof Float32Array && field.v instanceof Float32Array);
  assert.equal(field.u.length, width * height);
  // Inside a border of 16 px, the median pixel moved (3, -2).
  const inside = [];
  for (let y = 16; y < height - 16; y++) {
    for (let x = 16; x < width - 16; x++) inside.push(y * width + x);
  }
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  assert.ok(Math.abs(median(inside.map((i) => field.u[i])) - 3) < 0.1);
  assert.ok(Math.abs(median(inside.map((i) => field.v[i])) + 2) < 0.1);
  assert.deepEqual(defaults().field, { patch: 8, stride: 3, finestLevel: 1, iterations: 25, refinement: 5, fineRefinement: 0 });
  // A preset by name (the component's table), a field changed over it:
  // balanced is fast's search with 6-pixel patches, 4 iterations at most,
  // and a last refinement on the finer data.
  const fine = flowField(grey(0, 0), grey(3, -2), { preset: 'balanced' });
  assert.ok(Math.abs(median(inside.map((i) => fine.u[i])) - 3) < 0.1);
  assert.ok(Math.abs(median(inside.map((i) => fine.v[i])) + 2) < 0.1);
  const spelled = { patch: 6, finestLevel: 2, stride: 4, iterations: 4, fineRefinement: 2 };
  assert.deepEqual(flowField(grey(0, 0), grey(3, -2), spelled), fine);
  const coarser = flowField(grey(0, 0), grey(3, -2), { preset: 'balanced', fineRefinement: 0 });
  assert.deepEqual(coarser, flowField(grey(0, 0), grey(3, -2), { preset: 'fast', patch: 6, iterations: 4 }));
  assert.throws(() => flowField(grey(0, 0), grey(0, 0), { preset: 'slow' }), { kind: 'invalid-parameter' });
  assert.throws(() => flowField(grey(0, 0), grey(0, 0), { preset: 3 }), { kind: 'invalid-parameter' });
  assert.throws(() => flowField(grey(0, 0), grey(0, 0), { finestLevel: 0, fineRefinement: 5 }), { kind: 'invalid-parameter' });
  assert.throws(() => flowField(grey(0, 0), grey(0, 0), { stride: 0 }), { kind: 'invalid-parameter' });
  assert.throws(() => flowField(grey(0, 0), grey(0, 0), { speed: 1 }), { kind: 'invalid-parameter' });
  const small = greyscale({ width: 8, height: 8, data: new Uint8Array(256) });
  assert.throws(() => flowField(grey(0, 0), small), { kind: 'size-mismatch' });
});

test('a field-mode tracker gives the field and its vectors on a grid', () => {
  const [width, height] = [160, 120];
  const tracker = createTracker({ mode: 'field', step: 8, contrast: 0, brightness: 0, field: { refinement: 0 } });
  assert.equal(tracker.settings().mode.val.settings.refinement, 0);
  tracker.push({ width, height, data: scene(width, height, 0, 0) }, 0);
  assert.equal(tracker.field(), undefined);
  const out = tracker.push({ width, height, data: scene(width, height, 3, 0) }, 200);
  const field = tracker.field();
  assert.ok(field.u instanceof Float32Array && field.u.length === width * height);
  const tracked = out.vectors.filter((v) => v.status === 'tracked');
  assert.ok(tracked.length > 50, `${tracked.length} tracked`);
  for (const v of tracked) assert.equal(v.dx, field.u[v.y * width + v.x]);
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  assert.ok(Math.abs(median(tracked.map((v) => v.dx)) - 3) < 0.1);
  assert.throws(() => createTracker({ mode: 'field', field: { patch: 2 } }), { kind: 'invalid-parameter' });
  assert.throws(() => createTracker({ mode: 'field', field: { preset: 'slow' } }), { kind: 'invalid-parameter' });
  const named = createTracker({ mode: 'field', field: { preset: 'balanced', iterations: 8 } });
  assert.deepEqual(named.settings().mode.val.settings, {
    patch: 6, stride: 4, finestLevel: 2, iterations: 8, refinement: 5, fineRefinement: 2,
  });
  named.close();
  tracker.close();
});

test('bad input is a typed GhostlinesError, and nothing else breaks', () => {
  const kind = (f) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof GhostlinesError, String(e));
      assert.ok(e.message.length > 0);
      return e.kind;
    }
    assert.fail('no error');
  };
  const pixels = new Uint8Array(16);
  assert.equal(kind(() => greyscale({ width: 3, height: 1, data: pixels })), 'length-mismatch');
  assert.equal(kind(() => greyscale({ width: 0, height: 4, data: new Uint8Array(0) })), 'invalid-dimensions');
  const { maxSide } = limits();
  assert.equal(kind(() => greyscale({ width: maxSide + 1, height: 1, data: pixels })), 'too-large');
  assert.equal(kind(() => greyscale({ width: 2, height: 2, data: pixels }, 'sepia')), 'invalid-parameter');
  assert.equal(kind(() => greyscale({ width: 2, height: 2, data: [1, 2, 3] })), 'invalid-parameter');
  assert.equal(kind(() => greyscale({ width: -1, height: 2, data: pixels })), 'invalid-parameter');
  assert.equal(kind(() => createTracker({ mode: 'psychic' })), 'invalid-parameter');
  assert.equal(kind(() => createTracker({ threshold: 2 })), 'invalid-parameter');
  assert.equal(kind(() => createTracker({ seed: -1 })), 'invalid-parameter');
  assert.equal(kind(() => createTracker({ mode: 'dense', step: 0 })), 'invalid-parameter');
  const tracker = createTracker();
  tracker.push({ width: 2, height: 2, data: pixels });
  assert.equal(kind(() => tracker.push({ width: 4, height: 1, data: pixels })), 'size-mismatch');
  // The instance is still fine after every refusal.
  assert.deepEqual(greyscale({ width: 1, height: 1, data: new Uint8Array([1, 9, 3, 0]) }).values, new Uint8Array([9]));
});

// The kind of the GhostlinesError `f` throws.
function kindOf(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof GhostlinesError, String(e));
    assert.ok(e.message.length > 0);
    return e.kind;
  }
  return assert.fail('no error');
}

test('errors carry the component\'s own message', () => {
  const pixels = new Uint8Array(16);
  const message = (f) => {
    try {
      f();
    } catch (e) {
      return e.message;
    }
    return assert.fail('no error');
  };
  // The texts of ghostlines-core's Display, through the component.
  assert.equal(message(() => greyscale({ width: 3, height: 1, data: pixels })),
    'buffer length mismatch: expected 12 bytes, got 16');
  assert.equal(message(() => greyscale({ width: 0, height: 4, data: new Uint8Array(0) })),
    'invalid dimensions 0x4: width and height must be at least 1');
  assert.equal(message(() => adjust({ width: 2, height: 2, data: pixels }, 101, 0)).startsWith('invalid parameter: '), true);
});

test('every number is checked against its WIT type, never coerced', () => {
  const image = { width: 2, height: 2, data: new Uint8Array(16) };
  const plane = { width: 2, height: 2, values: new Uint8Array(4) };
  // What each WIT type must refuse (an integer type also refuses what a
  // float allows).
  const notFloat = ['7', NaN, Infinity, -Infinity, null, 10n, {}, [5], true];
  const notInteger = [2 ** 32 + 50, 1.9, ...notFloat];
  const notBool = [1, 0, 'true', null];
  const bad = { s32: notInteger, u32: notInteger, f64: notFloat, bool: notBool };
  const types = {
    tracker: { contrast: 's32', brightness: 's32', threshold: 'f64', samples: 'u32', step: 'u32' },
    corners: { maxCorners: 'u32', quality: 'f64', minDistance: 'f64' },
    flow: {
      window: 'u32', levels: 'u32', iterations: 'u32', epsilon: 'f64', fbThreshold: 'f64', minEigen: 'f64', maxError: 'f64',
    },
    edges: { sigma: 'f64', low: 'f64', high: 'f64', tolerance: 'f64', minLength: 'f64', straightOnly: 'bool' },
  };
  // Every setting the component has is covered.
  const d = defaults();
  assert.deepEqual(Object.keys(types.corners).sort(), Object.keys(d.corners).sort());
  assert.deepEqual(Object.keys(types.flow).sort(), Object.keys(d.flow).sort());
  assert.deepEqual(Object.keys(types.edges).sort(), Object.keys(d.edges).sort());
  const refused = (f, what) => assert.equal(kindOf(f), 'invalid-parameter', what);
  for (const value of notInteger) {
    refused(() => adjust(image, value, 0), `contrast ${String(value)}`);
    refused(() => adjust(image, 0, value), `brightness ${String(value)}`);
    refused(() => greyscale({ ...image, width: value }), `width ${String(value)}`);
    refused(() => centroid({ ...plane, height: value }), `height ${String(value)}`);
  }
  for (const [group, fields] of Object.entries(types)) {
    for (const [key, type] of Object.entries(fields)) {
      for (const value of bad[type]) {
        const what = `${group}.${key} = ${String(value)}`;
        if (group === 'tracker') refused(() => createTracker({ mode: 'dense', [key]: value }), what);
        if (group === 'corners') refused(() => createTracker({ mode: 'sparse', corners: { [key]: value } }), what);
        if (group === 'flow') refused(() => createTracker({ mode: 'sparse', flow: { [key]: value } }), what);
        if (group === 'edges') refused(() => edges(plane, { [key]: value }), what);
      }
    }
  }
  // The seed is a u64: a BigInt, or a Number that is a safe integer.
  for (const seed of [1.9, '7', NaN, Infinity, -1, 2n ** 64n, -1n, null, {}, [5]]) {
    refused(() => createTracker({ seed }), `seed ${String(seed)}`);
  }
  assert.equal(createTracker({ seed: 2 ** 32 + 50 }).settings().seed, 2n ** 32n + 50n);
  // In range for the WIT type but not for the parameter: the component's
  // own check, with its message.
  refused(() => adjust(image, 101, 0), 'contrast 101');
  // What is valid still works.
  assert.deepEqual(adjust(image, 0, 0).pixels, image.data);
});

test('objects are checked too: null, arrays and unknown fields', () => {
  for (const value of [null, undefined, 5, 'frame', [1, 2]]) {
    assert.equal(kindOf(() => toFrame(value)), 'invalid-parameter', String(value));
    assert.equal(kindOf(() => greyscale(value)), 'invalid-parameter', String(value));
    assert.equal(kindOf(() => centroid(value)), 'invalid-parameter', String(value));
  }
  const plane = { width: 2, height: 2, values: new Uint8Array(4) };
  assert.equal(kindOf(() => edges(plane, { sigmaa: 2 })), 'invalid-parameter');
  assert.equal(kindOf(() => edges(plane, 7)), 'invalid-parameter');
  assert.equal(kindOf(() => createTracker({ thresold: 0.2 })), 'invalid-parameter');
  assert.equal(kindOf(() => createTracker(null)), 'invalid-parameter');
  assert.equal(kindOf(() => createTracker({ mode: 'sparse', flow: { windw: 5 } })), 'invalid-parameter');
});

test('the defaults are the component\'s', () => {
  const d = defaults();
  // The original sketch's.
  assert.equal(d.tracker.method, 'max-rgb');
  assert.equal(d.tracker.contrast, 50);
  assert.equal(d.tracker.brightness, 50);
  assert.equal(d.tracker.threshold, 0.4);
  assert.equal(d.tracker.samples, 10000);
  assert.equal(d.tracker.interval, 200);
  assert.equal(d.tracker.mode.tag, 'sketch');
  assert.equal(d.dense.step, 16);
  assert.deepEqual(d.sparse.flow, d.flow);
  assert.deepEqual(d.sparse.corners, d.corners);
  const tracker = createTracker({ mode: 'dense' });
  const settings = tracker.settings();
  assert.equal(settings.mode.tag, 'dense');
  assert.equal(settings.mode.val.step, 16);
  assert.equal(settings.samples, 10000);
  tracker.close();
});

// The names the library checks come from the component's types (built by
// `npm run build`): each is accepted, anything else refused with the list.
test('every choice is the component\'s, and speed colouring takes its scale from it', () => {
  assert.deepEqual(GREY_METHODS, ['max-rgb', 'luma-bt601', 'luma-bt709', 'average', 'lightness']);
  assert.deepEqual(TRACKER_MODES, ['sketch', 'sparse', 'dense', 'field']);
  assert.deepEqual(BACKGROUNDS, ['black', 'frame', 'filtered', 'flow']);
  assert.deepEqual(COLOURINGS, ['solid', 'direction', 'speed']);
  assert.deepEqual(LINE_SHAPES, ['straight', 'path']);
  for (const mode of TRACKER_MODES) assert.equal(createTracker({ mode }).settings().mode.tag, mode);
  for (const background of BACKGROUNDS) assert.equal(createPainter({ background }).settings().background, background);
  for (const shape of LINE_SHAPES) assert.equal(createPainter({ shape }).settings().shape, shape);
  for (const colouring of COLOURINGS) assert.equal(createPainter({ colouring }).settings().colouring.tag, colouring);
  assert.throws(() => createPainter({ shape: 'curly' }), { kind: 'invalid-parameter', message: "unknown shape \"curly\"; expected straight, path" });
  // Speed without a scale: the component's default, 10 px.
  assert.equal(defaults().speedMax, 10);
  assert.deepEqual(createPainter({ colouring: 'speed' }).settings().colouring, { tag: 'speed', val: 10 });
  assert.deepEqual(createPainter({ colouring: 'speed', speedMax: 4 }).settings().colouring, { tag: 'speed', val: 4 });
  assert.deepEqual(defaults().painter.colour, { r: 255, g: 0, b: 0, a: 255 });
});

test('the painter draws the sketch strokes, trails that fade, and typed errors', () => {
  const [width, height] = [20, 9];
  const black = { width, height, data: new Uint8Array(width * height * 4) };
  const red = (image, x, y) => image.data[(y * width + x) * 4];
  // A 1-pixel horizontal stroke covers exactly its row.
  const painter = createPainter({ background: 'black', persistence: 0.5 });
  const drawn = painter.paint(black, { vectors: [{ x: 3, y: 4, dx: 10, dy: 0 }] });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      assert.equal(red(drawn, x, y), y === 4 && x >= 3 && x <= 13 ? 255 : 0, `(${x}, ${y})`);
    }
  }
  // Trails: half as bright each frame after.
  for (let k = 1; k <= 4; k++) {
    const faded = painter.paint(black);
    assert.ok(Math.abs(red(faded, 8, 4) - 255 * 0.5 ** k) <= 1, `frame ${k}: ${red(faded, 8, 4)}`);
  }
  painter.close();
  // The defaults are the sketch's: the filtered background needs a plane,
  // or a tracker to take it from.
  const sketch = createPainter();
  assert.equal(kindOf(() => sketch.paint(black)), 'invalid-parameter');
  const tracker = createTracker();
  const first = sketch.track(tracker, black);
  assert.equal(first.output.vectors.length, 0);
  assert.equal(first.image.data.length, width * height * 4);
  assert.equal(kindOf(() => sketch.track({}, black)), 'invalid-parameter');
  // Bad options, by WIT type and by the component's ranges.
  for (const options of [
    { background: 'white' }, { colouring: 'rainbow' }, { colour: { r: 300, g: 0, b: 0, a: 255 } },
    { colour: { r: 0, g: 0, b: 0 } , brush: 1 }, { width: 0 }, { width: '2' }, { persistence: 2 }, { dim: NaN },
  ]) {
    assert.equal(kindOf(() => createPainter(options)), 'invalid-parameter', JSON.stringify(options));
  }
  assert.equal(kindOf(() => sketch.paint(black, { vectors: [{ x: 1, y: 'a', dx: 0, dy: 0 }] })), 'invalid-parameter');
  // Vectors are checked in place: a status the WIT does not have is refused,
  // a tracker's own vectors (with their error) and extra fields pass.
  const framed = createPainter({ background: 'black' });
  assert.equal(kindOf(() => framed.paint(black, { vectors: [{ x: 1, y: 1, dx: 3, dy: 0, status: 'moved' }] })), 'invalid-parameter');
  const kept = framed.paint(black, { vectors: [{ x: 1, y: 1, dx: 3, dy: 0, status: 'tracked', error: 0.5, label: 'mine' }] });
  const lost = framed.paint(black, { vectors: [{ x: 1, y: 1, dx: 3, dy: 0, status: 'lost' }, { x: 1, y: 3, dx: 3, dy: 0, status: null }] });
  assert.equal(kept.data[(1 * width + 2) * 4], 255);
  assert.equal(lost.data[(1 * width + 2) * 4], 0, 'a lost vector is not drawn');
  assert.equal(lost.data[(3 * width + 2) * 4], 255);
  framed.close();
  // A frame of another size after the first.
  assert.equal(kindOf(() => sketch.track(tracker, { width: 2, height: 2, data: new Uint8Array(16) })), 'size-mismatch');
});

test('the Node example runs', () => {
  const example = fileURLToPath(new URL('../node/example.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [example, 'sparse'], { encoding: 'utf8' });
  assert.match(out, /sparse: \d+ vectors, \d+ tracked, median motion \(4\.\d+, 2\.\d+\)/);
});
