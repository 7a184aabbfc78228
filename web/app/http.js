// ghostlines over HTTP, for the browser and Node: posts frames to a
// ghostlines server (`ghostlines serve`, Spin, `wasmtime serve`) with
// `fetch` and answers the same shapes as the local library (ghostlines.js):
// planes, frames, reports and drawn images. It needs no build and no
// component: only this file and error.js.
//
//   import { connect } from 'ghostlines/http';
//   const server = connect('http://127.0.0.1:3000');
//   const { vectors } = await server.motion(previous, current, { mode: 'sparse' });
//
// Every failure is a GhostlinesError: the server's own kind and message
// with `detail.status` for a refusal, 'unreachable' when no answer came
// (the server is down, or a page's browser blocked the answer because the
// server does not allow the page's origin: see docs/http.md, CORS), and
// 'invalid-body' for an answer that is not ghostlines'.
//
// A page cannot stream a request body over HTTP/1.1 (Chromium streams
// uploads only over HTTP/2), so `motionStream` sends its frames as one
// body, a pair or a short batch at a time, and reads the answer's lines as
// they come. Node can stream a whole video: node/stream.mjs.

import { GhostlinesError } from './error.js';

/** The version of the answers' JSON that this client reads. */
const VERSION = 1;

/** A client of the ghostlines server at `base` (its origin, or any URL on it). */
export function connect(base, { fetch: send = (...args) => globalThis.fetch(...args) } = {}) {
  const origin = new URL(base);

  // POSTs `body` to `path` with `query`; the answer when it is a 2xx.
  async function post(path, query, body, accept) {
    const url = new URL(path, origin);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers = { 'content-type': 'application/octet-stream' };
    if (accept) headers.accept = accept;
    let response;
    try {
      response = await send(url, { method: 'POST', body, headers });
    } catch (cause) {
      throw new GhostlinesError(
        'unreachable',
        `no answer from ${url.origin} (${cause.message}): is it running, and does it allow this page's origin (docs/http.md, CORS)?`,
        { cause },
      );
    }
    if (!response.ok) throw await refusal(response);
    return response;
  }

  async function json(response) {
    const text = await response.text();
    const value = parsed(text);
    if (value === undefined || value === null || typeof value !== 'object' || value.version !== VERSION) {
      throw new GhostlinesError('invalid-body', `the server answered ${JSON.stringify(text.slice(0, 200))}, not ghostlines version ${VERSION} JSON`);
    }
    return value;
  }

  // The size a frame answer states in x-width and x-height (readable by a
  // page on another origin because the server exposes them).
  function size(response) {
    const width = Number(response.headers.get('x-width'));
    const height = Number(response.headers.get('x-height'));
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new GhostlinesError('invalid-body', 'the answer has no x-width and x-height (a server on another origin must expose them: docs/http.md, CORS)');
    }
    return { width, height };
  }

  return {
    /** One grey byte a pixel: { width, height, values }. */
    async greyscale(image, method = 'max-rgb') {
      const { width, height, bytes } = frameOf(image);
      const response = await post('/greyscale', { width, height, method }, bytes);
      const values = new Uint8Array(await response.arrayBuffer());
      return { ...size(response), values };
    },
    /** Contrast and brightness on a frame: { width, height, pixels }. */
    async adjust(image, contrast, brightness) {
      const { width, height, bytes } = frameOf(image);
      const response = await post('/adjust', { width, height, contrast, brightness }, bytes);
      return { width, height, pixels: new Uint8Array(await response.arrayBuffer()) };
    },
    /** The brightness centroid { x, y } of a plane (or a frame's max-RGB grey), or undefined if it is black. */
    async centroid(planeOrImage) {
      const { width, height, bytes } = frameOf(planeOrImage);
      const response = await post('/centroid', { width, height }, bytes);
      const text = await response.text();
      const point = parsed(text);
      if (point === null) return undefined;
      if (typeof point?.x !== 'number' || typeof point?.y !== 'number') {
        throw new GhostlinesError('invalid-body', `the server answered ${JSON.stringify(text.slice(0, 200))}, not a centroid`);
      }
      return { x: point.x, y: point.y };
    },
    /** Canny edges of a plane (or a frame's grey) as polylines ([{ x, y }, ...] each). */
    async edges(planeOrImage, options = {}) {
      const { width, height, bytes } = frameOf(planeOrImage);
      const answer = await json(await post('/edges', { width, height, ...query(options) }, bytes));
      return answer.polylines.map((line) => line.map(([x, y]) => ({ x, y })));
    },
    /**
     * `current`'s vectors against `previous`, with createTracker's options:
     * { centroid, centroidMotion, vectors }.
     */
    async motion(previous, current, options = {}) {
      const { width, height, body } = pairOf(previous, current);
      const line = await json(await post('/motion', { width, height, ...query(options) }, body));
      const { index, ...pair } = report(line);
      return pair;
    },
    /**
     * `current` drawn with its vectors against `previous`: the tracker's
     * options and the painter's (createPainter's) in one object. The drawn
     * frame, ImageData-shaped.
     */
    async render(previous, current, options = {}) {
      const { width, height, body } = pairOf(previous, current);
      const response = await post('/render', { width, height, ...query(options) }, body, 'application/octet-stream');
      const data = new Uint8ClampedArray(await response.arrayBuffer());
      return { ...size(response), data };
    },
    /**
     * The flow field from `previous` to `current` (frames or planes),
     * flowField's options (and `preset`): { width, height, u, v }, u and v
     * Float32Arrays, read from the server's .flo answer.
     */
    async flowField(previous, current, options = {}) {
      const { width, height, body } = pairOf(previous, current);
      const response = await post('/flow', { width, height, ...query(options) }, body);
      return fromFlo(new Uint8Array(await response.arrayBuffer()));
    },
    /**
     * Each frame's report ({ index, centroid, centroidMotion, vectors }) of
     * `frames` (ImageData-shaped, one size) sent as one stream, yielded as
     * its line arrives; `options` as motion's, and `fps`, the frames' rate.
     * The first frame's report has no motion.
     */
    async *motionStream(frames, options = {}) {
      const list = [...frames].map(frameOf);
      if (list.length === 0) throw new GhostlinesError('invalid-parameter', 'motionStream needs at least one frame');
      const { width, height } = list[0];
      const response = await post('/motion/stream', { width, height, ...query(options) }, new Blob(list.map((f) => f.bytes)));
      for await (const line of reportLines(response)) yield report(line);
    },
  };
}

/**
 * The reports of a `/motion/stream` answer, as the server wrote them, each
 * as its line arrives (the head line is checked, not yielded). A stream's
 * error line throws a GhostlinesError with `detail.frames`, the frames
 * answered before it.
 */
export async function* reportLines(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  let head = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += value;
    let end;
    while ((end = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, end);
      pending = pending.slice(end + 1);
      const line = parsed(text);
      if (line === undefined || line === null || typeof line !== 'object') {
        throw new GhostlinesError('invalid-body', `the stream sent a line that is not a JSON object: ${JSON.stringify(text.slice(0, 200))}`);
      }
      if (line.error) {
        throw new GhostlinesError(line.error.kind, line.error.message, { frames: line.error.frames });
      }
      if (head === null) {
        head = line;
        if (head.version !== VERSION) {
          throw new GhostlinesError('invalid-body', `stream version ${head.version}, this client reads ${VERSION}`);
        }
      } else {
        yield line;
      }
    }
  }
  if (pending !== '') throw new GhostlinesError('invalid-body', 'the stream ended inside a line');
}

/** The GhostlinesError of a refusal (a non-2xx answer). */
export async function refusal(response) {
  const text = await response.text();
  const error = parsed(text)?.error;
  if (typeof error?.kind !== 'string') {
    // Not ghostlines' answer: a proxy's error page, say.
    return new GhostlinesError('invalid-body', `the server answered ${response.status} with ${JSON.stringify(text.slice(0, 200))}, not a ghostlines error`, { status: response.status });
  }
  return new GhostlinesError(error.kind, error.message, { status: response.status });
}

// A report as the local tracker gives it: camelCase, and what the JSON
// leaves out (no centroid; a sketch vector's status and error) undefined.
function report(line) {
  return {
    ...(line.index === undefined ? {} : { index: line.index }),
    centroid: line.centroid ?? undefined,
    centroidMotion: line.centroid_motion ?? undefined,
    vectors: line.vectors.map((v) => ({ x: v.x, y: v.y, dx: v.dx, dy: v.dy, status: v.status, error: v.error })),
  };
}

// The query of createTracker's and createPainter's options: names in
// snake_case, corners and flow flattened, the colour as #rrggbbaa, the
// painter's stroke `width` as stroke_width. The server judges the values.
function query(options) {
  const out = {};
  const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if ((key === 'corners' || key === 'flow') && typeof value === 'object' && value !== null) {
      for (const [inner, v] of Object.entries(value)) out[snake(inner)] = v;
    } else if (key === 'colour' && typeof value === 'object' && value !== null) {
      const hex = (n) => Number(n ?? 255).toString(16).padStart(2, '0');
      out.colour = `#${hex(value.r)}${hex(value.g)}${hex(value.b)}${hex(value.a)}`;
    } else if (key === 'width') {
      out.stroke_width = value;
    } else {
      out[snake(key)] = value;
    }
  }
  return out;
}

// A frame's size and RGBA bytes: an ImageData-shaped frame as it is, a
// plane ({ width, height, values }) as grey RGBA, whose max-RGB grey is
// the plane itself.
function frameOf(image) {
  if (image === null || typeof image !== 'object') {
    throw new GhostlinesError('invalid-parameter', 'a frame must be { width, height, data } or a plane { width, height, values }');
  }
  const { width, height } = image;
  const pixels = image.data ?? image.pixels;
  if (pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray) {
    return { width, height, bytes: pixels };
  }
  if (image.values instanceof Uint8Array || image.values instanceof Uint8ClampedArray) {
    const bytes = new Uint8Array(image.values.length * 4);
    for (let i = 0, o = 0; i < image.values.length; i++, o += 4) {
      bytes[o] = bytes[o + 1] = bytes[o + 2] = image.values[i];
      bytes[o + 3] = 255;
    }
    return { width, height, bytes };
  }
  throw new GhostlinesError('invalid-parameter', 'a frame must be { width, height, data } or a plane { width, height, values }, its bytes a Uint8Array or Uint8ClampedArray');
}

// Two frames of one size, back to back.
function pairOf(previous, current) {
  const [a, b] = [frameOf(previous), frameOf(current)];
  if (a.width !== b.width || a.height !== b.height) {
    throw new GhostlinesError('size-mismatch', `the frames are ${a.width}x${a.height} and ${b.width}x${b.height}`);
  }
  return { width: a.width, height: a.height, body: new Blob([a.bytes, b.bytes]) };
}

/**
 * A field from a Middlebury .flo file: "PIEH", width and height (32-bit),
 * then (u, v) a pixel, all little-endian.
 */
export function fromFlo(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  const [width, height] = bytes.length >= 12 ? [view.getInt32(4, true), view.getInt32(8, true)] : [0, 0];
  if (tag !== 'PIEH' || width < 1 || height < 1 || bytes.length !== 12 + 8 * width * height) {
    throw new GhostlinesError('invalid-body', `the answer is not a .flo file of its stated size (${bytes.length} bytes)`);
  }
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  for (let i = 0; i < u.length; i++) {
    u[i] = view.getFloat32(12 + 8 * i, true);
    v[i] = view.getFloat32(16 + 8 * i, true);
  }
  return { width, height, u, v };
}

/** `text` as JSON, or undefined when it is not JSON. */
function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
