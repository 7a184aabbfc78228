// A module Web Worker that runs the live page's pipeline (tracker and
// painter, pipeline.js) off the main thread. Frames come in transferred
// (their ArrayBuffer moves here, no copy) and go back the same way, with
// the drawn frame's buffer. Messages (each with an `id`, answered once):
//   { type: 'configure', options }               → { type: 'ready' }
//   { type: 'frame', width, height, buffer, time } → { type: 'frame', frame, drawn, vectors, polylines }
//   any failure                                   → { type: 'error', kind, message }
// worker-client.js speaks this for the page.

import { bind } from './library.js';
import { createPipeline } from './pipeline.js';

// The component module awaits its own instantiation (top-level await), and
// a module worker starts taking messages at that first await: a static
// import would let the first messages arrive before a handler exists. So
// the handler is installed now, and each message waits for the component
// (in order: the promise is resolved once, its waiters run first in, first
// out).
const api = import('./gen/ghostlines.browser.js').then(bind);
let pipeline = null;

self.onmessage = async ({ data: message }) => {
  const { id } = message;
  try {
    const library = await api;
    if (message.type === 'configure') {
      pipeline?.close();
      pipeline = createPipeline(library, message.options);
      self.postMessage({ type: 'ready', id });
    } else if (message.type === 'frame') {
      const { width, height, buffer, time } = message;
      const result = pipeline.process({ width, height, data: new Uint8ClampedArray(buffer) }, time);
      // The drawn frame is the component's answer, copied out of its memory
      // into a buffer of its own: both buffers can move.
      const drawn = result.drawn.data.buffer;
      self.postMessage(
        { type: 'frame', id, frame: buffer, drawn, vectors: result.vectors, polylines: result.polylines },
        [buffer, drawn],
      );
    } else {
      throw new Error(`unknown message type ${message.type}`);
    }
  } catch (e) {
    self.postMessage({ type: 'error', id, kind: e.kind ?? 'error', message: e.message ?? String(e) });
  }
};
