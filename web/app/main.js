// The live ghostlines page: camera → canvas → the component → thousands of
// vectors, drawn by the component's painter (the same picture the CLI's
// render and HTTP's /render make) and put back on the canvas. Without a
// camera (none, denied, or ?camera=off) a generated moving scene stands
// in, and the page says so. With ?worker=on the component runs in a module
// Web Worker (worker.js) and each frame's pixels are transferred to it.

import { createPipeline } from './pipeline.js';
import { scene } from './scene.js';
import { createWorkerPipeline } from './worker-client.js';

const WIDTH = 640;
const HEIGHT = 480;

const $ = (id) => document.getElementById(id);
const view = $('view');
const ink = view.getContext('2d');
const grab = new OffscreenCanvas(WIDTH, HEIGHT).getContext('2d', { willReadFrequently: true });
const controls = {
  mode: $('mode'),
  threshold: $('threshold'),
  method: $('method'),
  showCamera: $('show-camera'),
};

// What the page is doing, for people (the readout) and for tests.
const stats = {
  source: 'starting',
  mode: controls.mode.value,
  frames: 0,
  msPerFrame: 0,
  fps: 0,
  vectors: 0,
  drawn: 0,
  error: null,
  // Off the main thread (?worker=on), and whether the last frame's pixels
  // were moved to the worker rather than copied.
  worker: new URLSearchParams(location.search).get('worker') === 'on',
  transferred: false,
};
window.ghostlines = { stats };

// --- frame sources --------------------------------------------------------

async function openCamera() {
  const params = new URLSearchParams(location.search);
  if (params.get('camera') === 'off') throw new Error('camera turned off by ?camera=off');
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser has no getUserMedia');
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: WIDTH }, height: { ideal: HEIGHT } },
    audio: false,
  });
  const video = $('camera');
  video.srcObject = stream;
  await video.play();
  return {
    draw: (context) => context.drawImage(video, 0, 0, WIDTH, HEIGHT),
    // Each new camera frame once (a 30 fps camera repeats frames at 60 Hz,
    // and a repeated frame has no motion), with its own time: the frame's
    // presentation time where the browser gives it, so that the tracker's
    // interval is the camera's time, whatever the page's frame rate.
    next: (callback) =>
      video.requestVideoFrameCallback
        ? video.requestVideoFrameCallback((now, frame) => callback(now, 1000 * (frame.mediaTime ?? now / 1000)))
        : requestAnimationFrame((now) => callback(now, now)),
  };
}

// A scene larger than the view, panned in a slow loop: made once, copied a
// row at a time each frame.
function generatedScene() {
  const margin = 48;
  const [w, h] = [WIDTH + 2 * margin, HEIGHT + 2 * margin];
  const big = scene(w, h);
  const image = new ImageData(WIDTH, HEIGHT);
  const draw = (context, time) => {
    const t = time / 1000;
    const ox = Math.round(margin + margin * 0.8 * Math.sin(t * 2.1));
    const oy = Math.round(margin + margin * 0.6 * Math.cos(t * 1.7));
    for (let y = 0; y < HEIGHT; y++) {
      const from = 4 * ((y + oy) * w + ox);
      image.data.set(big.subarray(from, from + 4 * WIDTH), 4 * y * WIDTH);
    }
    context.putImageData(image, 0, 0);
  };
  return { draw, next: (callback) => requestAnimationFrame((now) => callback(now, now)) };
}

// --- processing -----------------------------------------------------------

// In this thread, the library is loaded only when it is used here.
const inThread = stats.worker ? null : import('./ghostlines.js');
let pipeline = null;

function settings() {
  return {
    mode: controls.mode.value,
    method: controls.method.value,
    threshold: Number(controls.threshold.value),
    showCamera: controls.showCamera.checked,
  };
}

async function rebuild() {
  const options = settings();
  stats.mode = options.mode;
  $('threshold-value').value = options.threshold.toFixed(2);
  const previous = pipeline;
  if (stats.worker) {
    const next = createWorkerPipeline(options);
    await next.ready;
    pipeline = next;
  } else {
    pipeline = createPipeline(await inThread, options);
  }
  previous?.close();
}

// One frame (taken at `time` ms) through the pipeline, here or in the
// worker.
async function processFrame(image, time) {
  if (!stats.worker) return pipeline.process(image, time);
  const result = await pipeline.process(image, time);
  stats.transferred = result.transferred;
  return result;
}

// --- the loop -------------------------------------------------------------

async function main() {
  let source;
  try {
    source = await openCamera();
    stats.source = 'camera';
    $('source').textContent = 'camera';
  } catch (e) {
    source = generatedScene();
    stats.source = 'scene';
    $('source').textContent = `no camera (${e.message || e.name}): showing a generated moving scene`;
    $('source').classList.add('fallback');
  }
  for (const control of Object.values(controls)) control.addEventListener('input', rebuild);
  await rebuild();

  let last = performance.now();
  let smoothed = 0;
  const frame = async (time, frameTime) => {
    try {
      source.draw(grab, time);
      const image = grab.getImageData(0, 0, WIDTH, HEIGHT);
      const started = performance.now();
      const result = await processFrame(image, frameTime);
      ink.putImageData(new ImageData(result.drawn.data, WIDTH, HEIGHT), 0, 0);
      const ms = performance.now() - started;
      stats.drawn = result.vectors + result.polylines;
      stats.vectors = result.vectors;
      stats.frames += 1;
      smoothed = stats.frames === 1 ? ms : 0.9 * smoothed + 0.1 * ms;
      stats.msPerFrame = smoothed;
      const now = performance.now();
      stats.fps = 0.9 * stats.fps + 0.1 * (1000 / Math.max(1, now - last));
      last = now;
      const where = stats.worker ? 'in a worker' : 'in the component';
      $('stats').textContent =
        `${stats.fps.toFixed(0)} fps · ${smoothed.toFixed(2)} ms a frame ${where} (tracked and drawn) · ` +
        `${result.vectors} vectors, ${result.polylines} polylines`;
    } catch (e) {
      // A frame still in a worker that a change of settings replaced is
      // dropped, not an error.
      if (e.kind !== 'closed') {
        stats.error = String(e);
        $('stats').textContent = `error: ${e.message ?? e}`;
      }
    }
    source.next(frame);
  };
  source.next(frame);
}

main();
