// ghostlines from Node: two frames of a moving scene through the component.
//
//   node node/example.mjs [sketch|sparse|dense]
//
// Frames are RGBA bytes, exactly as a canvas getImageData gives them.

import { createTracker, greyscale } from '../app/ghostlines.js';
import { scene } from '../app/scene.js';

const mode = process.argv[2] ?? 'sparse';
const [width, height] = [640, 480];
const tracker = createTracker({ mode, threshold: 0.05 });
// Two frames 200 ms apart (their own times, in milliseconds): the tracker
// measures each frame against the one its interval, 200 ms, before.
tracker.push({ width, height, data: scene(width, height, 0, 0) }, 0);
const started = performance.now();
const { vectors, centroidMotion } = tracker.push({ width, height, data: scene(width, height, 4, 2) }, 200);
const ms = performance.now() - started;

const tracked = vectors.filter((v) => v.status !== 'lost');
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1] ?? 0;
console.log(
  `${mode}: ${vectors.length} vectors, ${tracked.length} tracked, median motion ` +
    `(${median(tracked.map((v) => v.dx)).toFixed(3)}, ${median(tracked.map((v) => v.dy)).toFixed(3)}) ` +
    `in ${ms.toFixed(1)} ms`,
);
if (centroidMotion) {
  console.log(`centroid moved (${centroidMotion.dx.toFixed(2)}, ${centroidMotion.dy.toFixed(2)})`);
}
const grey = greyscale({ width, height, data: scene(width, height) });
console.log(`greyscale: ${grey.width}x${grey.height}, first bytes ${[...grey.values.subarray(0, 4)]}`);
tracker.close();
