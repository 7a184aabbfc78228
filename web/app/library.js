// The ghostlines library over a jco-transpiled component, for Node and the
// browser. Frames are canvas `ImageData`-shaped: { width, height, data or
// pixels } with RGBA8 bytes in a Uint8Array or Uint8ClampedArray (no copy
// is made here).
//
// Every failure is a GhostlinesError whose `kind` is the WIT error's case
// ('invalid-dimensions', 'length-mismatch', 'size-mismatch', 'too-large',
// 'invalid-parameter'), with the component's own message. Every argument
// is checked against its WIT type first: jco would otherwise coerce a
// wrong number silently (2**32 + 50 to 50, 1.9 to 1, '7' to 7, NaN to 0).
// The ranges each parameter means (contrast -100..=100, ...) are the
// component's to check, and its defaults are read from it.
//
// `bind(component)` takes the transpiled module's exports: ghostlines.js
// binds the one whose WASI shims Node and the page's import map resolve,
// worker.js the one that imports them by relative path (workers have no
// import maps).

import { GhostlinesError } from './error.js';
import { BACKGROUNDS, COLOURINGS, GREY_METHODS, LINE_SHAPES, TRACKER_MODES } from './gen/choices.js';

// The names each choice takes, from the component's own types (written by
// `npm run build`): grey methods, tracker modes (the sketch's centroid
// shift, sparse flow, a dense grid), backgrounds, colourings, line shapes.
export { BACKGROUNDS, COLOURINGS, GREY_METHODS, LINE_SHAPES, TRACKER_MODES };

function invalid(message) {
  return new GhostlinesError('invalid-parameter', message);
}

// The WIT's number types, as JS checks them.
const U8 = { name: 'an integer in 0..=255', ok: (v) => Number.isInteger(v) && v >= 0 && v <= 255 };
const U32 = { name: 'an integer in 0..=4294967295', ok: (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff };
const S32 = { name: 'an integer in -2147483648..=2147483647', ok: (v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff };
const F64 = { name: 'a finite number', ok: (v) => typeof v === 'number' && Number.isFinite(v) };
const BOOL = { name: 'true or false', ok: (v) => typeof v === 'boolean' };
const STRING = { name: 'a string', ok: (v) => typeof v === 'string' };

function checked(value, type, what) {
  if (!type.ok(value)) {
    throw invalid(`${what} must be ${type.name}, got ${describeValue(value)}`);
  }
  return value;
}

function describeValue(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function object(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${what} must be an object, got ${describeValue(value)}`);
  }
  return value;
}

// A settings record: `given`'s fields (each checked by `fields`) over
// `defaults`; an unknown field is refused rather than ignored.
function settings(defaults, given, fields, what) {
  if (given === undefined) return { ...defaults };
  object(given, what);
  const out = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in fields)) {
      throw invalid(`${what} has no field ${JSON.stringify(key)}; known: ${Object.keys(fields).join(', ')}`);
    }
    out[key] = checked(value, fields[key], `${what}.${key}`);
  }
  return out;
}

// A create function's options: every key known, and each one given checked
// by its type in `types` (null: checked where it is used, as a name or a
// settings record). A key left undefined takes its default.
function checkOptions(options, types, what) {
  object(options, what);
  for (const key of Object.keys(options)) {
    if (!(key in types)) {
      throw invalid(`${what} have no field ${JSON.stringify(key)}; known: ${Object.keys(types).join(', ')}`);
    }
  }
  for (const [key, type] of Object.entries(types)) {
    if (type && options[key] !== undefined) checked(options[key], type, key);
  }
}

// `value` when it is one of `choices`.
function oneOf(value, choices, what) {
  if (!choices.includes(value)) {
    throw invalid(`unknown ${what} ${describeValue(value)}; expected ${choices.join(', ')}`);
  }
  return value;
}

const CORNER_FIELDS = { maxCorners: U32, quality: F64, minDistance: F64 };
const FLOW_FIELDS = {
  window: U32, levels: U32, iterations: U32, epsilon: F64, fbThreshold: F64, minEigen: F64, maxError: F64,
};
const EDGE_FIELDS = { sigma: F64, low: F64, high: F64, tolerance: F64, minLength: F64, straightOnly: BOOL };
const FIELD_FIELDS = { patch: U32, stride: U32, finestLevel: U32, iterations: U32, refinement: U32, fineRefinement: U32 };

// Field settings: `given`'s fields over `base`, or over the settings of
// the preset `given.preset` names (read from the component by `preset`).
function fieldSettings(base, given, preset, what) {
  if (given === undefined) return { ...base };
  const { preset: name, ...fields } = object(given, what);
  return settings(name === undefined ? base : preset(name), fields, FIELD_FIELDS, what);
}

// The component's field preset called `name`, its errors typed by `call`.
function fieldPresets(vectors, call) {
  return (name) => call(() => vectors.fieldPreset(checked(name, STRING, 'preset')));
}

function bytes(value, what) {
  if (value instanceof Uint8Array || value instanceof Uint8ClampedArray) {
    return value;
  }
  throw invalid(`${what} must be a Uint8Array or Uint8ClampedArray, got ${describeValue(value)}`);
}

/** A WIT frame from an ImageData-like object (`data` or `pixels`). */
export function toFrame(image) {
  object(image, 'the image');
  return {
    width: checked(image.width, U32, 'width'),
    height: checked(image.height, U32, 'height'),
    pixels: bytes(image.data ?? image.pixels, 'the image data'),
  };
}

/** A WIT plane from { width, height, values }. */
export function toPlane(plane) {
  object(plane, 'the plane');
  return {
    width: checked(plane.width, U32, 'width'),
    height: checked(plane.height, U32, 'height'),
    values: bytes(plane.values, 'the plane values'),
  };
}

function greyMethod(method) {
  return oneOf(method, GREY_METHODS, 'grey method');
}

function seed64(seed) {
  const value = typeof seed === 'bigint' ? seed : Number.isSafeInteger(seed) ? BigInt(seed) : -1n;
  if (value < 0n || value >= 1n << 64n) {
    throw invalid(`seed must be an integer in 0..2^64, got ${describeValue(seed)}`);
  }
  return value;
}

// The component's tracker inside a createTracker() object, for painters.
const TRACKER = Symbol('tracker');

const TRACKER_OPTIONS = {
  mode: null, method: null, contrast: S32, brightness: S32, threshold: F64, samples: U32, seed: null,
  step: U32, corners: null, flow: null, field: null, interval: F64,
};

// A frame's time, milliseconds: the one given (a camera frame's own
// timestamp), else the time of the call.
function frameTime(time) {
  return time === undefined ? performance.now() : checked(time, F64, 'the frame time');
}

const RGBA_FIELDS = { r: U8, g: U8, b: U8, a: U8 };
const PAINTER_OPTIONS = {
  colour: null, width: F64, scale: F64, background: null, dim: F64, persistence: F64, colouring: null, speedMax: F64,
  shape: null,
};

// An RGBA8 frame from the component as ImageData-shaped, on the same bytes.
function toImage({ width, height, pixels }) {
  return { width, height, data: new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.byteLength) };
}

// An option left out takes the default; any other value (null too) is
// used, and checked.
function option(options, key, fallback) {
  return options[key] === undefined ? fallback : options[key];
}

/** The library's functions over one transpiled component's exports. */
export function bind({ painting, process: proc, tracking, vectors }) {
  // Calls into the component, turning its typed errors into GhostlinesError.
  function call(f) {
    try {
      return f();
    } catch (e) {
      if (e && e.payload && typeof e.payload.tag === 'string') {
        throw new GhostlinesError(e.payload.tag, proc.errorMessage(e.payload), e.payload.val);
      }
      throw e;
    }
  }
  return {
    ...processing(proc, vectors, call),
    /** The defaults of every setting, from the component. */
    defaults: () => ({
      corners: vectors.defaultCornerSettings(),
      flow: vectors.defaultFlowSettings(),
      edges: vectors.defaultEdgeSettings(),
      field: vectors.defaultFieldSettings(),
      tracker: tracking.defaultTrackerSettings(),
      sparse: tracking.defaultSparseMode(),
      dense: tracking.defaultDenseMode(),
      painter: painting.defaultPainterSettings(),
      speedMax: painting.defaultSpeedMax(),
    }),
    createTracker: (options = {}) => createTracker(tracking, call, options, fieldPresets(vectors, call)),
    /**
     * The part of a push that needs nothing from the frames before it
     * (grey, contrast, brightness, centroid, sparse mode's corners), for a
     * tracker made with the same `options`, in any worker:
     * `tracker.pushPrepared` finishes it. { settings, filtered, centroid,
     * corners }; `filtered.values.buffer` may be transferred.
     */
    prepare: (image, options = {}) => {
      const full = trackerSettings(tracking, options, fieldPresets(vectors, call));
      const frame = toFrame(image);
      return call(() => tracking.prepare(frame, full));
    },
    createPainter: (options = {}) => createPainter(painting, call, options),
  };
}

// The stateless functions: limits, greyscale, adjust, centroid, edges,
// the flow field.
function processing(proc, vectors, call) {
  return {
    /** The component's size limits. */
    limits: () => proc.getLimits(),
    /** One grey byte a pixel: { width, height, values }. */
    greyscale: (image, method = 'max-rgb') => call(() => proc.greyscale(toFrame(image), greyMethod(method))),
    /** Contrast (-100..=100) and brightness (-255..=255) on a frame. */
    adjust(image, contrast, brightness) {
      const frame = toFrame(image);
      checked(contrast, S32, 'contrast');
      checked(brightness, S32, 'brightness');
      return call(() => proc.adjust(frame, contrast, brightness));
    },
    /** The brightness centroid { x, y } of a plane, or undefined if it is black. */
    centroid: (plane) => call(() => proc.centroid(toPlane(plane))),
    /** Canny edges of a plane as polylines ([{ x, y }, ...] each). */
    edges(plane, options) {
      const full = settings(vectors.defaultEdgeSettings(), options, EDGE_FIELDS, 'the edge settings');
      return call(() => vectors.edges(toPlane(plane), full));
    },
    /**
     * The flow field from `previous` to `current` (planes): { width,
     * height, u, v }, a displacement at every pixel in two Float32Arrays
     * (one copy out of the component each, none a pixel in JS).
     */
    flowField(previous, current, options) {
      const full = fieldSettings(vectors.defaultFieldSettings(), options, fieldPresets(vectors, call), 'the field settings');
      return call(() => vectors.pixelFlow(toPlane(previous), toPlane(current), full));
    },
  };
}

// The full WIT tracker settings of createTracker's `options`.
function trackerSettings(tracking, options, preset) {
  checkOptions(options, TRACKER_OPTIONS, 'the tracker options');
  const base = tracking.defaultTrackerSettings();
  const given = (key) => option(options, key, base[key]);
  const mode = trackerMode(tracking, options, base, preset);
  return {
    method: greyMethod(given('method')),
    contrast: given('contrast'),
    brightness: given('brightness'),
    threshold: given('threshold'),
    samples: given('samples'),
    seed: seed64(given('seed')),
    mode,
    interval: given('interval'),
  };
}

// A prepared frame as `prepare` made it, checked as the WIT types it:
// { settings, filtered (a plane), centroid, corners ([x, y] pairs) }. The
// settings are compared with the tracker's by the component.
function checkPrepared(prepared) {
  object(prepared, 'the prepared frame');
  object(prepared.settings, 'the prepared frame\'s settings');
  const { centroid, corners } = prepared;
  if (centroid != null) {
    checked(object(centroid, 'the centroid').x, F64, 'centroid.x');
    checked(centroid.y, F64, 'centroid.y');
  }
  if (corners != null) {
    if (!Array.isArray(corners)) throw invalid('the prepared corners must be an array of [x, y]');
    for (const pair of corners) {
      if (!Array.isArray(pair) || pair.length !== 2) throw invalid('a prepared corner must be [x, y]');
      checked(pair[0], U32, 'corner x');
      checked(pair[1], U32, 'corner y');
    }
  }
  return { ...prepared, filtered: toPlane(prepared.filtered) };
}

// The WIT tracker-mode of `options`: its name, and for the flow modes
// their partial corner and flow settings and the dense step (the field
// mode's settings may name a preset, read by `preset`).
function trackerMode(tracking, options, base, preset) {
  const mode = option(options, 'mode', base.mode.tag);
  switch (oneOf(mode, TRACKER_MODES, 'mode')) {
    case 'sparse': {
      const d = tracking.defaultSparseMode();
      const corners = settings(d.corners, options.corners, CORNER_FIELDS, 'corners');
      return { tag: 'sparse', val: { corners, flow: settings(d.flow, options.flow, FLOW_FIELDS, 'flow') } };
    }
    case 'dense': {
      const d = tracking.defaultDenseMode();
      const step = option(options, 'step', d.step);
      return { tag: 'dense', val: { step, flow: settings(d.flow, options.flow, FLOW_FIELDS, 'flow') } };
    }
    case 'field': {
      const d = tracking.defaultFieldMode();
      const step = option(options, 'step', d.step);
      return { tag: 'field', val: { step, settings: fieldSettings(d.settings, options.field, preset, 'field') } };
    }
    default:
      return { tag: mode };
  }
}

/**
 * A stateful tracker: push frames, get vectors. Options (the component's
 * defaults when left out): mode 'sketch' | 'sparse' | 'dense' | 'field',
 * method, contrast, brightness, threshold, samples, seed, interval (ms),
 * step (dense, field), corners and flow (partial settings for sparse and
 * dense), field (partial field settings for field mode).
 */
function createTracker(tracking, call, options, preset) {
  const full = trackerSettings(tracking, options, preset);
  const inner = call(() => tracking.Tracker.create(full));
  return {
    [TRACKER]: inner,
    /**
     * Vectors for this frame, taken at `time` milliseconds (a camera
     * frame's own timestamp; the time of the call when left out), measured
     * against the frame an interval before: { centroid, centroidMotion,
     * vectors }.
     */
    push: (image, time) => {
      const frame = toFrame(image);
      const at = frameTime(time);
      return call(() => inner.pushAt(frame, at));
    },
    /**
     * `push` of a frame `prepare` made (with this tracker's options, in any
     * worker): the same answer, with the frame's independent work done
     * elsewhere.
     */
    pushPrepared: (prepared, time) => {
      const ready = checkPrepared(prepared);
      const at = frameTime(time);
      return call(() => inner.pushPrepared(ready, at));
    },
    /** The path each vector of the last push took over the interval (sparse mode), [{ x, y }, ...] each. */
    paths: () => inner.paths(),
    /**
     * Field mode: the last push's flow field, { width, height, u, v } with
     * u and v Float32Arrays; undefined in the other modes and before there
     * is one.
     */
    field: () => inner.field(),
    /** Forgets the previous frame. */
    reset: () => inner.reset(),
    /** The settings the tracker runs with. */
    settings: () => inner.settings(),
    /** Frees the component-side resource now. */
    close: () => inner[Symbol.dispose](),
  };
}

// The WIT colouring of `options`: a name, and for 'speed' its scale.
function colouring(painting, options, base) {
  const name = oneOf(option(options, 'colouring', base.colouring.tag), COLOURINGS, 'colouring');
  if (name !== 'speed') return { tag: name };
  const scale = base.colouring.tag === 'speed' ? base.colouring.val : painting.defaultSpeedMax();
  return { tag: 'speed', val: option(options, 'speedMax', scale) };
}

/**
 * A painter: draws vectors and polylines over a background, frame after
 * frame, with trails. Options (the component's defaults when left out: the
 * sketch's red 1-pixel lines over the filtered frame): colour { r, g, b, a },
 * width (stroke, pixels), scale, background 'black' | 'frame' | 'filtered' | 'flow',
 * dim, persistence, colouring 'solid' | 'direction' | 'speed', speedMax,
 * shape 'straight' | 'path'.
 */
function createPainter(painting, call, options) {
  checkOptions(options, PAINTER_OPTIONS, 'the painter options');
  const base = painting.defaultPainterSettings();
  const given = (key) => option(options, key, base[key]);
  const background = oneOf(given('background'), BACKGROUNDS, 'background');
  const colours = colouring(painting, options, base);
  const shape = oneOf(given('shape'), LINE_SHAPES, 'shape');
  const full = {
    colour: settings(base.colour, options.colour, RGBA_FIELDS, 'colour'),
    width: given('width'),
    scale: given('scale'),
    background,
    dim: given('dim'),
    persistence: given('persistence'),
    colouring: colours,
    shape,
  };
  const inner = call(() => painting.Painter.create(full));
  return {
    /**
     * Draws one frame: `filtered` (a plane) for the filtered background,
     * `vectors` (a tracker's, or any { x, y, dx, dy }) and `polylines`.
     * Returns the drawn frame, ImageData-shaped.
     */
    paint(image, { filtered, vectors: lines = [], polylines = [] } = {}) {
      const frame = toFrame(image);
      const plane = filtered === undefined || filtered === null ? undefined : toPlane(filtered);
      if (!Array.isArray(lines) || !Array.isArray(polylines)) {
        throw invalid('vectors and polylines must be arrays');
      }
      const packed = packVectors(lines);
      const points = polylines.map((line) => {
        if (!Array.isArray(line)) throw invalid('a polyline must be an array of { x, y }');
        return line.map((p) => ({ x: checked(object(p, 'a point').x, F64, 'point.x'), y: checked(p.y, F64, 'point.y') }));
      });
      return toImage(call(() => inner.paintPacked(frame, plane, packed, points)));
    },
    /**
     * Pushes `image` through `tracker` (a createTracker() object) at `time`
     * (as tracker.push takes it) and draws what it found, in one call:
     * { output, image }.
     */
    track(tracker, image, time) {
      if (!tracker || !tracker[TRACKER]) throw invalid('track takes a tracker made by createTracker');
      const frame = toFrame(image);
      const at = frameTime(time);
      const { output, frame: drawn } = call(() => inner.trackAndPaint(tracker[TRACKER], frame, at));
      return { output, image: toImage(drawn) };
    },
    /**
     * `track` of a frame `prepare` made from `image` (in any worker):
     * `tracker.pushPrepared`, then the drawing, in one call. Only the
     * 'frame' background needs the image: over the others, leaving it out
     * spares its copy into the component.
     */
    trackPrepared(tracker, prepared, image, time) {
      if (!tracker || !tracker[TRACKER]) throw invalid('trackPrepared takes a tracker made by createTracker');
      const ready = checkPrepared(prepared);
      const frame = image === undefined || image === null ? undefined : toFrame(image);
      const at = frameTime(time);
      const { output, frame: drawn } = call(() => inner.trackAndPaintPrepared(tracker[TRACKER], ready, frame, at));
      return { output, image: toImage(drawn) };
    },
    /** Forgets the trails. */
    reset: () => inner.reset(),
    /** The settings the painter runs with. */
    settings: () => inner.settings(),
    /** Frees the component-side resource now. */
    close: () => inner[Symbol.dispose](),
  };
}

// { x, y, dx, dy[, status] } vectors, each checked, as `paint-packed`
// takes them: the (x, y, dx, dy) of each one not lost, in one
// Float64Array. jco lowers that with one copy, where a list of WIT vector
// records is written a field at a time (10,000 vectors: about 1.5 ms in
// Node, a quarter of the painter's frame).
function packVectors(vectors) {
  const packed = new Float64Array(4 * vectors.length);
  let n = 0;
  for (const v of vectors) {
    object(v, 'a vector');
    const { x, y, dx, dy, status } = v;
    checked(x, F64, 'vector.x');
    checked(y, F64, 'vector.y');
    checked(dx, F64, 'vector.dx');
    checked(dy, F64, 'vector.dy');
    if (status != null && status !== 'tracked' && status !== 'lost') {
      throw invalid(`vector.status must be 'tracked', 'lost' or left out, got ${describeValue(status)}`);
    }
    if (status === 'lost') continue;
    packed[n++] = x;
    packed[n++] = y;
    packed[n++] = dx;
    packed[n++] = dy;
  }
  return packed.subarray(0, n);
}
