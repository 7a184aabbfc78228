// ghostlines from JavaScript: a thin layer over the jco-transpiled
// component (./gen/ghostlines.js) for Node and the browser. Frames are
// canvas `ImageData`-shaped: { width, height, data or pixels } with RGBA8
// bytes in a Uint8Array or Uint8ClampedArray (no copy is made here).
//
// Every failure is a GhostlinesError whose `kind` is the WIT error's case
// ('invalid-dimensions', 'length-mismatch', 'size-mismatch', 'too-large',
// 'invalid-parameter').

import { process as proc, tracking, vectors } from './gen/ghostlines.js';

/** The grey methods of the WIT `grey-method` enum. */
export const GREY_METHODS = ['max-rgb', 'luma-bt601', 'luma-bt709', 'average', 'lightness'];

/** The tracker modes: the sketch's centroid shift, sparse flow, a dense grid. */
export const TRACKER_MODES = ['sketch', 'sparse', 'dense'];

export class GhostlinesError extends Error {
  constructor(kind, message, detail) {
    super(message);
    this.name = 'GhostlinesError';
    this.kind = kind;
    this.detail = detail;
  }
}

function describe({ tag, val }) {
  switch (tag) {
    case 'invalid-dimensions':
      return 'width and height must both be at least 1';
    case 'length-mismatch':
      return `expected ${val.expected} bytes, got ${val.actual}`;
    case 'size-mismatch':
      return `expected a ${val.expectedWidth}x${val.expectedHeight} frame, got ${val.actualWidth}x${val.actualHeight}`;
    case 'too-large':
      return `${val.width}x${val.height} is over the limits (side ${val.limits.maxSide}, ${val.limits.maxPixels} pixels)`;
    case 'invalid-parameter':
      return val;
    default:
      return tag;
  }
}

// Calls into the component, turning its typed errors into GhostlinesError.
function call(f) {
  try {
    return f();
  } catch (e) {
    if (e && e.payload && typeof e.payload.tag === 'string') {
      throw new GhostlinesError(e.payload.tag, describe(e.payload), e.payload.val);
    }
    throw e;
  }
}

function bytes(value, what) {
  if (value instanceof Uint8Array || value instanceof Uint8ClampedArray) {
    return value;
  }
  throw new GhostlinesError('invalid-parameter', `${what} must be a Uint8Array or Uint8ClampedArray`);
}

function dimension(value, what) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new GhostlinesError('invalid-parameter', `${what} must be an integer in 0..=4294967295, got ${value}`);
  }
  return value;
}

/** A WIT frame from an ImageData-like object (`data` or `pixels`). */
export function toFrame(image) {
  return {
    width: dimension(image.width, 'width'),
    height: dimension(image.height, 'height'),
    pixels: bytes(image.data ?? image.pixels, 'pixels'),
  };
}

/** A WIT plane from { width, height, values }. */
export function toPlane(plane) {
  return {
    width: dimension(plane.width, 'width'),
    height: dimension(plane.height, 'height'),
    values: bytes(plane.values, 'values'),
  };
}

function greyMethod(method) {
  if (!GREY_METHODS.includes(method)) {
    throw new GhostlinesError('invalid-parameter', `unknown grey method ${JSON.stringify(method)}; expected ${GREY_METHODS.join(', ')}`);
  }
  return method;
}

function seed64(seed) {
  const value = typeof seed === 'bigint' ? seed : Number.isSafeInteger(seed) ? BigInt(seed) : -1n;
  if (value < 0n || value >= 1n << 64n) {
    throw new GhostlinesError('invalid-parameter', `seed must be an integer in 0..2^64, got ${seed}`);
  }
  return value;
}

/** The component's size limits. */
export function limits() {
  return proc.getLimits();
}

/** One grey byte a pixel: { width, height, values }. */
export function greyscale(image, method = 'max-rgb') {
  return call(() => proc.greyscale(toFrame(image), greyMethod(method)));
}

/** Contrast (-100..=100) and brightness (-255..=255) on a frame. */
export function adjust(image, contrast, brightness) {
  return call(() => proc.adjust(toFrame(image), contrast, brightness));
}

/** The brightness centroid { x, y } of a plane, or undefined if it is black. */
export function centroid(plane) {
  return call(() => proc.centroid(toPlane(plane)));
}

/** Canny edges of a plane as polylines ([{ x, y }, ...] each). */
export function edges(plane, settings = {}) {
  const full = { ...vectors.defaultEdgeSettings(), ...settings };
  return call(() => vectors.edges(toPlane(plane), full));
}

/** The default corner, flow and edge settings, from the component. */
export function defaults() {
  return {
    corners: vectors.defaultCornerSettings(),
    flow: vectors.defaultFlowSettings(),
    edges: vectors.defaultEdgeSettings(),
  };
}

/**
 * A stateful tracker: push frames, get vectors. Options (defaults in
 * brackets): mode ['sketch'] | 'sparse' | 'dense', method ['max-rgb'],
 * contrast [0], brightness [0], threshold [0.1], samples [2000], seed [0],
 * step [16] (dense), corners and flow (partial settings for the flow modes).
 */
export function createTracker(options = {}) {
  const {
    mode = 'sketch',
    method = 'max-rgb',
    contrast = 0,
    brightness = 0,
    threshold = 0.1,
    samples = 2000,
    seed = 0,
    step = 16,
  } = options;
  const flow = { ...vectors.defaultFlowSettings(), ...options.flow };
  const corners = { ...vectors.defaultCornerSettings(), ...options.corners };
  let witMode;
  switch (mode) {
    case 'sketch':
      witMode = { tag: 'sketch' };
      break;
    case 'sparse':
      witMode = { tag: 'sparse', val: { corners, flow } };
      break;
    case 'dense':
      witMode = { tag: 'dense', val: { step, flow } };
      break;
    default:
      throw new GhostlinesError('invalid-parameter', `unknown mode ${JSON.stringify(mode)}; expected ${TRACKER_MODES.join(', ')}`);
  }
  const settings = {
    method: greyMethod(method),
    contrast,
    brightness,
    threshold,
    samples,
    seed: seed64(seed),
    mode: witMode,
  };
  const inner = call(() => tracking.Tracker.create(settings));
  return {
    /** Vectors for this frame: { centroid, centroidMotion, vectors }. */
    push: (image) => call(() => inner.push(toFrame(image))),
    /** Forgets the previous frame. */
    reset: () => inner.reset(),
    /** The settings the tracker runs with. */
    settings: () => inner.settings(),
    /** Frees the component-side resource now. */
    close: () => inner[Symbol.dispose](),
  };
}
