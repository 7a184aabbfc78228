// A module Web Worker that runs the live page's pipeline (tracker and
// painter, pipeline.js) off the main thread, or, in a pool, prepares
// frames for the worker that does. Frames come in transferred (their
// ArrayBuffer moves here, no copy) and go back the same way, with the drawn
// frame's buffer. Messages (each with an `id`, answered once):
//   { type: 'configure', options }                 → { type: 'ready' }
//   { type: 'frame', width, height, buffer, time[, prepared] }
//                                                  → { type: 'frame', frame, drawn, vectors, polylines, ms }
//   { type: 'prepare', width, height, buffer }     → { type: 'prepared', frame, prepared }
//   any failure                                    → { type: 'error', kind, message }
// worker-client.js speaks this for the page.

import { bind } from './library.js';
import { createPipeline, trackerOptions } from './pipeline.js';

// The component module awaits its own instantiation (top-level await), and
// a module worker starts taking messages at that first await: a static
// import would let the first messages arrive before a handler exists. So
// the handler is installed now, and each message waits for the component
// (in order: the promise is resolved once, its waiters run first in, first
// out).
const api = import('./gen/ghostlines.browser.js').then(bind);
let pipeline = null;
let options = null;

self.onmessage = async ({ data: message }) => {
  const { id } = message;
  try {
    const library = await api;
    if (message.type === 'configure') {
      pipeline?.close();
      options = message.options;
      pipeline = createPipeline(library, options);
      self.postMessage({ type: 'ready', id });
    } else if (message.type === 'frame') {
      const { width, height, buffer, time, prepared } = message;
      const image = { width, height, data: new Uint8ClampedArray(buffer) };
      const started = performance.now();
      const result = pipeline.process(image, time, prepared);
      const ms = performance.now() - started;
      // The drawn frame is the component's answer, copied out of its memory
      // into a buffer of its own: both buffers can move.
      const drawn = result.drawn.data.buffer;
      self.postMessage(
        { type: 'frame', id, frame: buffer, drawn, vectors: result.vectors, polylines: result.polylines, ms },
        [buffer, drawn],
      );
    } else if (message.type === 'prepare') {
      const { width, height, buffer } = message;
      const prepared = library.prepare({ width, height, data: new Uint8ClampedArray(buffer) }, trackerOptions(options));
      // The frame goes on to the tracker's worker, and the filtered plane
      // (its own buffer, copied out of the component) with it.
      self.postMessage({ type: 'prepared', id, frame: buffer, prepared }, [buffer, prepared.filtered.values.buffer]);
    } else {
      throw new Error(`unknown message type ${message.type}`);
    }
  } catch (e) {
    self.postMessage({ type: 'error', id, kind: e.kind ?? 'error', message: e.message ?? String(e) });
  }
};
