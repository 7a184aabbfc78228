// The page's side of worker.js: the same pipeline, off the main thread.
// Each frame's pixels are transferred to the worker, not copied: after
// `process(image)` the caller's `image.data` is detached (length 0), and
// the promise gives the buffer back (`frame`) with the drawn frame.

import { GhostlinesError } from './error.js';

/** A pipeline (pipeline.js's options) in a module worker. */
export function createWorkerPipeline(options) {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const pending = new Map();
  let next = 0;
  worker.onmessage = ({ data }) => {
    const waiting = pending.get(data.id);
    pending.delete(data.id);
    if (data.type === 'error') waiting.reject(new GhostlinesError(data.kind, data.message));
    else waiting.resolve(data);
  };
  worker.onerror = (event) => {
    for (const waiting of pending.values()) waiting.reject(new Error(event.message ?? 'the worker failed'));
    pending.clear();
  };
  const send = (message, transfer = []) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  const ready = send({ type: 'configure', options });
  return {
    ready,
    /**
     * Processes `image` (ImageData-shaped, taken at `time` milliseconds) in
     * the worker, moving its buffer there: { drawn, frame, vectors,
     * polylines, transferred }.
     */
    async process(image, time) {
      const { width, height } = image;
      const buffer = image.data.buffer;
      const reply = await send({ type: 'frame', width, height, buffer, time }, [buffer]);
      return {
        drawn: { width, height, data: new Uint8ClampedArray(reply.drawn) },
        frame: new Uint8ClampedArray(reply.frame),
        vectors: reply.vectors,
        polylines: reply.polylines,
        // A moved buffer is detached on this side.
        transferred: buffer.byteLength === 0,
      };
    },
    /** Stops the worker; frames still in it fail with kind 'closed'. */
    close() {
      worker.terminate();
      for (const waiting of pending.values()) waiting.reject(new GhostlinesError('closed', 'the worker pipeline was closed'));
      pending.clear();
    },
  };
}
