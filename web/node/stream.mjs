// A whole video in one request: frames go up to `POST /motion/stream` as a
// fetch ReadableStream body, and each frame's line of vectors comes back
// while later frames are still being sent.
//
//   node node/stream.mjs [http://127.0.0.1:3000] [sketch|sparse|dense] [frames]
//
// streams a generated moving scene (640x360) to a running
// `ghostlines serve` (or Spin) and prints a line a frame. Import
// `motionStream` to stream your own frames; it needs no build, only
// Node 20.19+ (fetch with a streamed body).

import { pathToFileURL } from 'node:url';
import { refusal, reportLines } from '../app/http.js';
import { scene } from '../app/scene.js';

/**
 * Streams `frames` (an iterable or async iterable of RGBA8 byte arrays,
 * width·height·4 bytes each) to `${base}/motion/stream` and yields each
 * frame's report ({ index, centroid, centroid_motion, vectors }) as its
 * line arrives. `params` is the query: width and height, and any tracker
 * parameter of /motion (mode, threshold, samples, ...).
 *
 * The next frame is taken from `frames` only when the connection can take
 * it, so a slow server slows the producer instead of filling memory.
 * Refusals (4xx, before any line) and a stream's error line (after the
 * lines before it were yielded) throw GhostlinesError with the server's
 * kind and message; `detail` holds the HTTP status or the frames done.
 */
export async function* motionStream(base, params, frames) {
  const url = new URL('/motion/stream', base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
  const source = frames[Symbol.asyncIterator]?.() ?? frames[Symbol.iterator]();
  const body = new ReadableStream(
    {
      async pull(controller) {
        const { value, done } = await source.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await source.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  // duplex: 'half' is how fetch is told the body is a stream; Node's fetch
  // still hands over the answer while the body is being sent.
  const response = await fetch(url, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (!response.ok) throw await refusal(response);
  yield* reportLines(response);
}

// Run as a script: a generated scene drifting right and down.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [base = 'http://127.0.0.1:3000', mode = 'sparse', count = '60'] = process.argv.slice(2);
  const [width, height] = [640, 360];
  function* frames() {
    for (let i = 0; i < Number(count); i++) yield scene(width, height, i, i >> 1);
  }
  const started = performance.now();
  let done = 0;
  for await (const report of motionStream(base, { width, height, mode }, frames())) {
    const tracked = report.vectors.filter((v) => v.status !== 'lost').length;
    console.log(`frame ${report.index}: ${report.vectors.length} vectors, ${tracked} tracked`);
    done += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${done} frames in ${seconds.toFixed(2)} s (${(done / seconds).toFixed(0)} frames/s)`);
}
