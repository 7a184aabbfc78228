// The live ghostlines page: camera → canvas → the component → thousands of
// vectors, drawn by the component's painter (the same picture the CLI's
// render and HTTP's /render make) and put back on the canvas. Without a
// camera (none, denied, or ?camera=off) a generated moving scene stands
// in, and the page says so.
//
// The page takes the camera's own size (it asks for 1920×1080), or
// ?size=WxH. A camera frame's pixels come the cheapest way the browser
// has (?grab= sets it): `videoframe`, the video element's current frame
// copied out as RGBA (VideoFrame.copyTo), the default; `processor`,
// frames read from the camera's track (MediaStreamTrackProcessor) and
// copied out the same way; `imagedata`, drawn on a canvas and read back
// (getImageData), the one that can also scale to a ?size other than the
// camera's. The component runs in a pool of module workers, one a core
// (navigator.hardwareConcurrency; ?workers=N sets it, ?workers=0 runs it
// in the page's own thread): one worker tracks and draws, and in the flow
// modes the others prepare frames for it, so that as many frames as there
// are workers are in flight; each frame's pixels are transferred, and
// frames are drawn in order.

import { createPipeline } from './pipeline.js';
import { scene } from './scene.js';
import { createWorkerPipeline } from './worker-client.js';

const params = new URLSearchParams(location.search);
// The camera is asked for full HD; the page then takes what it gives.
const WANTED = { width: 1920, height: 1080 };
// The generated scene's size without ?size.
const SCENE = { width: 640, height: 480 };

const $ = (id) => document.getElementById(id);
const view = $('view');
const ink = view.getContext('2d');
const controls = {
  mode: $('mode'),
  threshold: $('threshold'),
  method: $('method'),
  showCamera: $('show-camera'),
};

/** ?size=WxH, or undefined. */
function sizeParam() {
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(params.get('size') ?? '');
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/**
 * How camera frames are read: ?grab=, else a VideoFrame of the video
 * element where the browser has them: as cheap as the track's own frames
 * (docs/js.md), and VideoFrame is in more browsers than a page's
 * MediaStreamTrackProcessor (Chromium's only).
 */
function grabParam(size, camera) {
  const given = params.get('grab');
  if (['processor', 'videoframe', 'imagedata'].includes(given)) return given;
  // Copying out of a VideoFrame cannot scale.
  if (typeof VideoFrame === 'undefined' || size.width !== camera.width || size.height !== camera.height) return 'imagedata';
  return 'videoframe';
}

/** ?workers=N (0: the page's thread), else one a core. */
function workersParam() {
  const given = params.get('workers');
  if (given !== null && /^\d{1,2}$/.test(given)) return Number(given);
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

// Frame buffers back from the workers, for the next frames read (a new
// 8 MB buffer a 1080p frame costs its zeroing).
const spares = [];
function frameBuffer({ width, height }) {
  const length = width * height * 4;
  while (spares.length > 0) {
    const spare = spares.pop();
    if (spare.length === length) return spare;
  }
  return new Uint8ClampedArray(length);
}

// What the page is doing, for people (the readout) and for tests.
const stats = {
  source: 'starting',
  mode: controls.mode.value,
  width: 0,
  height: 0,
  frames: 0,
  // Milliseconds from a camera frame grabbed to it drawn: smoothed, and
  // the last 120 as measured.
  msPerFrame: 0,
  frameTimes: [],
  // Where a frame's time goes, smoothed: grabbing its pixels, the
  // component's tracking and drawing (in the drawing worker), putting it
  // on the canvas.
  grabMs: 0,
  drawMs: 0,
  putMs: 0,
  fps: 0,
  vectors: 0,
  drawn: 0,
  error: null,
  // How camera frames are read (videoframe, processor, imagedata; scene
  // without a camera).
  grab: 'scene',
  // Workers the frames are spread over (0: the page's own thread; a pool
  // only in the flow modes), and
  // whether the last frame's pixels were moved to a worker, not copied.
  workers: 0,
  transferred: false,
};
window.ghostlines = { stats };

// --- frame sources --------------------------------------------------------

async function openCamera() {
  if (params.get('camera') === 'off') throw new Error('camera turned off by ?camera=off');
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser has no getUserMedia');
  const wanted = sizeParam() ?? WANTED;
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: wanted.width }, height: { ideal: wanted.height } },
    audio: false,
  });
  const video = $('camera');
  video.srcObject = stream;
  await video.play();
  const camera = { width: video.videoWidth, height: video.videoHeight };
  // The camera's own size, unless the page was asked for another.
  const size = sizeParam() ?? camera;
  const grab = grabParam(size, camera);
  const context = new OffscreenCanvas(size.width, size.height).getContext('2d', { willReadFrequently: true });
  const rgba = async (videoFrame) => {
    try {
      // A frame of another size than the page's (a camera that changed its
      // mind) goes through the canvas, which scales.
      const { width, height } = videoFrame.visibleRect;
      if (width !== size.width || height !== size.height) {
        context.drawImage(videoFrame, 0, 0, size.width, size.height);
        return context.getImageData(0, 0, size.width, size.height);
      }
      const data = frameBuffer(size);
      await videoFrame.copyTo(data, { format: 'RGBA' });
      return { width: size.width, height: size.height, data };
    } finally {
      videoFrame.close();
    }
  };
  if (grab === 'processor') {
    // Frames as the track gives them, each with its own timestamp; one
    // waiting at most (a frame not taken is closed, never queued).
    const track = stream.getVideoTracks()[0];
    const reader = new MediaStreamTrackProcessor({ track, maxBufferSize: 1 }).readable.getReader();
    let current = null;
    return {
      size,
      grab: 'processor',
      read: async () => {
        const frame = current;
        current = null;
        return rgba(frame);
      },
      drop: () => {
        current?.close();
        current = null;
      },
      next: (callback) =>
        reader.read().then(({ value, done }) => {
          if (done) return;
          current = value;
          callback(performance.now(), value.timestamp / 1000);
        }),
    };
  }
  return {
    size,
    grab,
    read: async () => {
      if (grab === 'videoframe') return rgba(new VideoFrame(video));
      context.drawImage(video, 0, 0, size.width, size.height);
      return context.getImageData(0, 0, size.width, size.height);
    },
    drop: () => {},
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
  const size = sizeParam() ?? SCENE;
  const { width, height } = size;
  const margin = 48;
  const [w, h] = [width + 2 * margin, height + 2 * margin];
  const big = scene(w, h);
  let time = 0;
  const read = async () => {
    const t = time / 1000;
    const ox = Math.round(margin + margin * 0.8 * Math.sin(t * 2.1));
    const oy = Math.round(margin + margin * 0.6 * Math.cos(t * 1.7));
    const data = frameBuffer(size);
    for (let y = 0; y < height; y++) {
      const from = 4 * ((y + oy) * w + ox);
      data.set(big.subarray(from, from + 4 * width), 4 * y * width);
    }
    return { width, height, data };
  };
  const next = (callback) =>
    requestAnimationFrame((now) => {
      time = now;
      callback(now, now);
    });
  return { size, grab: 'scene', read, drop: () => {}, next };
}

// --- processing -----------------------------------------------------------

// Workers asked for (0: the page's own thread).
const WORKERS = workersParam();
// In this thread, the library is loaded only when it is used here.
const inThread = WORKERS === 0 ? import('./ghostlines.js') : null;
let pipeline = null;

function settings() {
  return {
    mode: controls.mode.value,
    method: controls.method.value,
    threshold: Number(controls.threshold.value),
    showCamera: controls.showCamera.checked,
  };
}

// Rebuilds started, so that one overtaken by a later one (its workers
// were slower to start) is dropped rather than put back in place.
let rebuilds = 0;

async function rebuild() {
  const mine = ++rebuilds;
  const options = settings();
  $('threshold-value').value = options.threshold.toFixed(2);
  let next;
  if (WORKERS > 0) {
    next = createWorkerPipeline(options, WORKERS);
    await next.ready;
  } else {
    const local = createPipeline(await inThread, options);
    const process = async (image, time) => {
      const started = performance.now();
      const result = local.process(image, time);
      return { ...result, ms: performance.now() - started };
    };
    next = { ...local, workers: 0, process };
  }
  if (mine !== rebuilds) {
    next.close();
    return;
  }
  const previous = pipeline;
  pipeline = next;
  // The mode of the frames drawn from now on (new workers take a moment to
  // start, and the old ones draw until then), and the workers drawing it.
  stats.mode = options.mode;
  stats.workers = pipeline.workers;
  previous?.close();
}

// --- the loop -------------------------------------------------------------

async function main() {
  let source;
  try {
    source = await openCamera();
    stats.source = 'camera';
    $('source').textContent = `camera, ${source.size.width}×${source.size.height}`;
  } catch (e) {
    source = generatedScene();
    stats.source = 'scene';
    $('source').textContent = `no camera (${e.message || e.name}): showing a generated moving scene`;
    $('source').classList.add('fallback');
  }
  const { width, height } = source.size;
  Object.assign(stats, { width, height, grab: source.grab });
  view.width = width;
  view.height = height;
  for (const control of Object.values(controls)) control.addEventListener('input', rebuild);
  await rebuild();

  let last = performance.now();
  let inFlight = 0;
  // Frames are drawn in the order they were grabbed.
  let drawn = Promise.resolve();
  const smooth = (key, ms) => {
    stats[key] = stats.frames === 0 ? ms : 0.9 * stats[key] + 0.1 * ms;
  };
  const show = (result, grabbed) => {
    const putting = performance.now();
    ink.putImageData(new ImageData(result.drawn.data, width, height), 0, 0);
    smooth('putMs', performance.now() - putting);
    smooth('drawMs', result.ms);
    const ms = performance.now() - grabbed;
    stats.transferred = result.transferred ?? false;
    if (result.frame && spares.length < 4) spares.push(result.frame);
    stats.drawn = result.vectors + result.polylines;
    stats.vectors = result.vectors;
    stats.frames += 1;
    stats.msPerFrame = stats.frames === 1 ? ms : 0.9 * stats.msPerFrame + 0.1 * ms;
    stats.frameTimes.push(ms);
    if (stats.frameTimes.length > 120) stats.frameTimes.shift();
    const now = performance.now();
    stats.fps = 0.9 * stats.fps + 0.1 * (1000 / Math.max(1, now - last));
    last = now;
    const where = stats.workers === 0 ? "in the page's thread" : `${stats.workers} worker${stats.workers === 1 ? '' : 's'}`;
    $('stats').textContent =
      `${stats.fps.toFixed(0)} fps · ${stats.msPerFrame.toFixed(1)} ms a frame, camera to drawn · ${where} · ` +
      `${width}×${height} · ${result.vectors} vectors, ${result.polylines} polylines · ` +
      `grab ${stats.grabMs.toFixed(1)} ms (${stats.grab}), track and draw ${stats.drawMs.toFixed(1)}, put ${stats.putMs.toFixed(1)}`;
  };
  const frame = (_, frameTime) => {
    // As many frames in flight as there are workers to take them; a frame
    // that finds none free (or no pipeline yet) is let go.
    if (pipeline && inFlight < Math.max(1, pipeline.workers)) {
      inFlight += 1;
      const grabbed = performance.now();
      const result = source.read().then((image) => {
        smooth('grabMs', performance.now() - grabbed);
        return pipeline.process(image, frameTime);
      });
      drawn = drawn
        .then(() => result)
        .then((r) => show(r, grabbed))
        .catch((e) => {
          // A frame still in a worker that a change of settings replaced is
          // dropped, not an error.
          if (e.kind !== 'closed') {
            stats.error = String(e);
            $('stats').textContent = `error: ${e.message ?? e}`;
          }
        })
        .finally(() => {
          inFlight -= 1;
        });
    } else {
      source.drop();
    }
    source.next(frame);
  };
  source.next(frame);
}

main();
