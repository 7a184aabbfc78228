// The page's side of worker.js: the same pipeline, off the main thread, in
// one worker or spread over a pool. Each frame's pixels are transferred,
// not copied: after `process(image)` the caller's `image.data` is detached
// (length 0), and the promise gives the buffer back (`frame`) with the
// drawn frame.
//
// A pool of n workers for the flow modes: one runs the tracker and the
// painter, the other n − 1 prepare frames for it in turn (`prepare`: grey,
// contrast, brightness, centroid, corners, the part of a push that needs
// nothing from the frames before). Frames reach the tracker's worker in
// the order they were given, whichever preparer finishes first, so that n
// frames can be in flight and come out in order. The sketch's preparing
// is too small a share of its frame to pay for the extra hop (at 1080p in
// Chromium: 17.4 ms a frame camera to drawn through a pool, 16.0 in one
// worker, both at the camera's 30 fps), and edges have no tracker: they
// run in one worker.

import { GhostlinesError } from './error.js';

// A worker.js worker and its messages as promises.
function connect() {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const pending = new Map();
  let next = 0;
  worker.onmessage = ({ data }) => {
    const waiting = pending.get(data.id);
    pending.delete(data.id);
    if (data.type === 'error') waiting.reject(new GhostlinesError(data.kind, data.message));
    else waiting.resolve(data);
  };
  const fail = (error) => {
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  worker.onerror = (event) => fail(new Error(event.message ?? 'the worker failed'));
  return {
    send: (message, transfer = []) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ ...message, id }, transfer);
      }),
    close() {
      worker.terminate();
      fail(new GhostlinesError('closed', 'the worker pipeline was closed'));
    },
  };
}

// The modes whose frames are prepared in a pool.
const POOLED = ['sparse', 'dense', 'field'];

/**
 * A pipeline (pipeline.js's options) in up to `workers` module workers
 * (one worker draws; in the flow modes, the others prepare frames for it).
 */
export function createWorkerPipeline(options, workers = 1) {
  const drawer = connect();
  const preparers = POOLED.includes(options.mode) ? Array.from({ length: workers - 1 }, connect) : [];
  const ready = Promise.all([drawer, ...preparers].map((w) => w.send({ type: 'configure', options })));
  let turn = 0;
  // When the last frame was posted to the drawer: the next one follows it.
  let sent = Promise.resolve();
  return {
    ready,
    /** The workers the frames are spread over. */
    workers: 1 + preparers.length,
    /**
     * Processes `image` (ImageData-shaped, taken at `time` milliseconds) in
     * the workers, moving its buffer there: { drawn, frame, vectors,
     * polylines, transferred }.
     */
    async process(image, time) {
      const { width, height } = image;
      const buffer = image.data.buffer;
      let message;
      if (preparers.length === 0) {
        message = Promise.resolve([{ type: 'frame', width, height, buffer, time }, [buffer]]);
      } else {
        const preparer = preparers[turn++ % preparers.length];
        message = preparer.send({ type: 'prepare', width, height, buffer }, [buffer]).then(({ frame, prepared }) => [
          { type: 'frame', width, height, buffer: frame, time, prepared },
          [frame, prepared.filtered.values.buffer],
        ]);
      }
      // In order: each frame is posted to the drawer right after the one
      // before it was (the reply in a box, so that posting does not wait
      // for it).
      const posted = sent.then(() => message).then(([frame, transfer]) => ({ reply: drawer.send(frame, transfer) }));
      sent = posted.catch(() => {});
      const answer = await (await posted).reply;
      return {
        drawn: { width, height, data: new Uint8ClampedArray(answer.drawn) },
        frame: new Uint8ClampedArray(answer.frame),
        vectors: answer.vectors,
        polylines: answer.polylines,
        // The drawer's own time on the frame.
        ms: answer.ms,
        // A moved buffer is detached on this side.
        transferred: buffer.byteLength === 0,
      };
    },
    /** Stops the workers; frames still in them fail with kind 'closed'. */
    close() {
      for (const worker of [drawer, ...preparers]) worker.close();
    },
  };
}
