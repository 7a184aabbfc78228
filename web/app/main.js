// The live ghostlines page: camera → canvas → the component → thousands of
// vectors, drawn by the component's painter (the same picture the CLI's
// render and HTTP's /render make) and put back on the canvas. Without a
// camera (none, denied, or ?camera=off) a generated moving scene stands
// in, and the page says so.

import { createPainter, createTracker, edges, greyscale } from './ghostlines.js';
import { scene } from './scene.js';

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
    // and a repeated frame has no motion).
    next: (callback) =>
      video.requestVideoFrameCallback
        ? video.requestVideoFrameCallback((now) => callback(now))
        : requestAnimationFrame(callback),
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
  return { draw, next: requestAnimationFrame.bind(window) };
}

// --- processing -----------------------------------------------------------

let tracker = null;
let painter = null;

function settings() {
  return {
    mode: controls.mode.value,
    method: controls.method.value,
    threshold: Number(controls.threshold.value),
  };
}

function rebuild() {
  tracker?.close();
  painter?.close();
  tracker = null;
  const { mode, method, threshold } = settings();
  stats.mode = mode;
  $('threshold-value').value = threshold.toFixed(2);
  // Trails over black, or over the camera dimmed; the sketch's red lines,
  // flow coloured by direction, edges in one colour.
  const look = {
    background: controls.showCamera.checked ? 'frame' : 'black',
    dim: 0.35,
    persistence: 0.65,
  };
  if (mode === 'sketch') painter = createPainter(look);
  else if (mode === 'edges') painter = createPainter({ ...look, colour: { r: 120, g: 255, b: 210, a: 255 } });
  else painter = createPainter({ ...look, colouring: 'direction', scale: 3 });
  if (mode === 'edges') return;
  tracker = createTracker({
    mode,
    method,
    // The sketch's changed-pixel threshold; the flow modes draw motion of
    // at least threshold × 2 px (below).
    threshold: mode === 'sketch' ? threshold : 0.1,
    samples: 4000,
    step: 12,
  });
}

// Vectors (and edge polylines) to draw for one frame.
function vectorsOf(image) {
  const { mode, method, threshold } = settings();
  if (mode === 'edges') {
    const plane = greyscale(image, method);
    const lines = edges(plane, { high: 4 + threshold * 255, low: 2 + threshold * 100 });
    return { lines, vectors: [] };
  }
  const out = tracker.push(image);
  const minimum = mode === 'sketch' ? 0 : threshold * 2;
  const vectors = out.vectors.filter(
    (v) => v.status !== 'lost' && Math.hypot(v.dx, v.dy) >= minimum,
  );
  return { lines: [], vectors, total: out.vectors.length };
}

// --- drawing --------------------------------------------------------------

function draw({ lines, vectors }, image) {
  const drawn = painter.paint(image, { vectors, polylines: lines });
  ink.putImageData(new ImageData(drawn.data, WIDTH, HEIGHT), 0, 0);
  return vectors.length + lines.length;
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
  rebuild();

  let last = performance.now();
  let smoothed = 0;
  const frame = (time) => {
    try {
      source.draw(grab, time);
      const image = grab.getImageData(0, 0, WIDTH, HEIGHT);
      const started = performance.now();
      const result = vectorsOf(image);
      stats.drawn = draw(result, image);
      const ms = performance.now() - started;
      stats.vectors = result.vectors.length;
      stats.frames += 1;
      smoothed = stats.frames === 1 ? ms : 0.9 * smoothed + 0.1 * ms;
      stats.msPerFrame = smoothed;
      const now = performance.now();
      stats.fps = 0.9 * stats.fps + 0.1 * (1000 / Math.max(1, now - last));
      last = now;
      $('stats').textContent =
        `${stats.fps.toFixed(0)} fps · ${smoothed.toFixed(2)} ms a frame in the component (tracked and drawn) · ` +
        `${result.vectors.length} vectors, ${result.lines.length} polylines`;
    } catch (e) {
      stats.error = String(e);
      $('stats').textContent = `error: ${e.message ?? e}`;
    }
    source.next(frame);
  };
  source.next(frame);
}

main();
