// The component through jco in Node against tight typed-array JavaScript,
// per 800x600 frame: greyscale (max-rgb) and the sketch's whole frame
// (grey, adjust, centroid, frame diff, vectors); and the painter against
// Skia (@napi-rs/canvas), the drawing peer a Node user would pick, bytes in
// and out on both sides. One run, one table.
//
//   npm run bench [-- --width 800 --height 600 --iterations 100]

import { parseArgs } from 'node:util';
import { createCanvas } from '@napi-rs/canvas';
import { createPainter, createTracker, greyscale } from '../app/ghostlines.js';
import { scene } from '../app/scene.js';

const { values: options } = parseArgs({
  options: {
    width: { type: 'string', default: '800' },
    height: { type: 'string', default: '600' },
    iterations: { type: 'string', default: '100' },
  },
});
const width = Number(options.width);
const height = Number(options.height);
const iterations = Number(options.iterations);

// --- the JavaScript side: what the original sketch did, written tight ----

function greyJs(rgba, out) {
  for (let i = 0, j = 0; j < out.length; i += 4, j++) {
    const r = rgba[i];
    const g = rgba[i + 1];
    const b = rgba[i + 2];
    const m = r > g ? r : g;
    out[j] = m > b ? m : b;
  }
  return out;
}

// The sketch's adjust as a lookup table, made the way a canvas would
// (two clamped passes).
function adjustTable(contrast, brightness) {
  const f = contrast / 100 + 1;
  const table = new Uint8ClampedArray(256);
  for (let v = 0; v < 256; v++) table[v] = v * f + 128 * (1 - f);
  for (let v = 0; v < 256; v++) table[v] = table[v] + brightness;
  return table;
}

function sketchJs(state, rgba, settings) {
  const n = width * height;
  const grey = greyJs(rgba, state.current);
  const table = state.table;
  let total = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0, i = 0; y < height; y++) {
    let rowTotal = 0;
    let rowX = 0;
    for (let x = 0; x < width; x++, i++) {
      const v = table[grey[i]];
      grey[i] = v;
      rowTotal += v;
      rowX += v * x;
    }
    total += rowTotal;
    sumX += rowX;
    sumY += rowTotal * y;
  }
  const centroid = total > 0 ? { x: sumX / total, y: sumY / total } : undefined;
  const vectors = [];
  if (state.previous && centroid && state.centroid) {
    const dx = centroid.x - state.centroid.x;
    const dy = centroid.y - state.centroid.y;
    const limit = settings.threshold * 255;
    for (let s = 0; s < settings.samples; s++) {
      // xorshift32: a fast generator, as a sketch would use.
      let r = state.random;
      r ^= r << 13;
      r ^= r >>> 17;
      r ^= r << 5;
      state.random = r >>> 0;
      const i = state.random % n;
      if (Math.abs(grey[i] - state.previous[i]) >= limit) {
        vectors.push({ x: i % width, y: (i / width) | 0, dx, dy });
      }
    }
  }
  [state.current, state.previous] = [state.previous ?? new Uint8Array(n), grey];
  state.centroid = centroid;
  return { centroid, vectors };
}

// --- timing ---------------------------------------------------------------

function time(f) {
  for (let i = 0; i < 20; i++) f(i);
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    f(i);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.round((samples.length - 1) * q)];
  return { median: at(0.5), p90: at(0.9) };
}

const frames = [scene(width, height, 0, 0), scene(width, height, 3, 1)];
const image = (i) => ({ width, height, data: frames[i & 1] });
const rows = [];

rows.push({
  operation: 'copy frame (reference)',
  js: time((i) => frames[i & 1].slice()),
});

const greyOut = new Uint8Array(width * height);
const component = greyscale(image(0), 'max-rgb').values;
const js = greyJs(frames[0], greyOut);
if (!component.every((v, i) => v === js[i])) {
  throw new Error('greyscale: the component and the JS loop disagree');
}
rows.push({
  operation: 'greyscale max-rgb',
  component: time((i) => greyscale(image(i), 'max-rgb')),
  js: time((i) => greyJs(frames[i & 1], greyOut)),
});

// The JS side pairs consecutive frames, as the sketch did with its grabs:
// so does the component here (interval 0).
const settings = { threshold: 0.1, samples: 2000, contrast: 20, brightness: 10 };
const tracker = createTracker({ mode: 'sketch', method: 'max-rgb', interval: 0, ...settings });
const state = { current: new Uint8Array(width * height), table: adjustTable(20, 10), random: 1 };
// Both sides see the same frames and agree on the centroid.
const a = tracker.push(image(0)).centroid;
const b = sketchJs(state, frames[0], settings).centroid;
if (Math.abs(a.x - b.x) > 1e-9 || Math.abs(a.y - b.y) > 1e-9) {
  throw new Error(`sketch: centroids differ ${JSON.stringify([a, b])}`);
}
rows.push({
  operation: 'sketch frame (grey, adjust, centroid, diff, vectors)',
  component: time((i) => tracker.push(image(i + 1))),
  js: time((i) => sketchJs(state, frames[(i + 1) & 1], settings)),
});
tracker.close();

// Frames 40 ms apart (25 a second) against the one 200 ms before, the
// defaults: each push is timed explicitly, not by the clock of the run.
for (const mode of ['sparse', 'dense']) {
  const flow = createTracker({ mode });
  let pushed = 0;
  rows.push({
    operation: `tracker push (${mode}, 25 fps; no JS version)`,
    component: time((i) => flow.push(image(i), 40 * pushed++)),
  });
  flow.close();
}

// --- the painter against Skia ---------------------------------------------

// 10,000 red 1-pixel lines of up to ±15 px, over the frame: the ghost lines
// at their busiest.
const strokes = (() => {
  let seed = 9;
  const unit = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: 10000 }, () => ({
    x: unit() * width,
    y: unit() * height,
    dx: (unit() * 2 - 1) * 15,
    dy: (unit() * 2 - 1) * 15,
  }));
})();

// Skia draws as a canvas does: the frame put in, one path of every line
// stroked once, the picture read out; with trails, the picture before
// drawn over the frame at the persistence first.
function skiaPainter(persistence) {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  const before = createCanvas(width, height);
  const frame = context.createImageData(width, height);
  let first = true;
  return (data) => {
    frame.data.set(data);
    context.putImageData(frame, 0, 0);
    if (persistence > 0 && !first) {
      context.globalAlpha = persistence;
      context.drawImage(before, 0, 0);
      context.globalAlpha = 1;
    }
    context.strokeStyle = '#ff0000';
    context.lineWidth = 1;
    context.beginPath();
    for (const v of strokes) {
      context.moveTo(v.x, v.y);
      context.lineTo(v.x + v.dx, v.y + v.dy);
    }
    context.stroke();
    const picture = context.getImageData(0, 0, width, height);
    if (persistence > 0) {
      before.getContext('2d').drawImage(canvas, 0, 0);
      first = false;
    }
    return picture.data;
  };
}

for (const persistence of [0, 0.9]) {
  const painter = createPainter({ background: 'frame', persistence });
  const skia = skiaPainter(persistence);
  const trails = persistence ? `trails ${persistence}` : 'no trails';
  rows.push({
    operation: `paint 10,000 lines, bytes out (${trails})`,
    component: time((i) => painter.paint(image(i), { vectors: strokes })),
    peer: time((i) => skia(frames[i & 1])),
  });
  painter.close();
}

// --- the table ------------------------------------------------------------

const cell = (t) => (t ? `${t.median.toFixed(3)} (${t.p90.toFixed(3)})` : '-');
console.log(`ghostlines via jco in Node ${process.version}: ${width}x${height}, ${iterations} iterations, median (p90) ms`);
console.log('peer: tight JS loops, or Skia (@napi-rs/canvas) for the painter rows');
console.log(`${'operation'.padEnd(54)}${'component'.padStart(18)}${'peer'.padStart(18)}${'ratio'.padStart(9)}`);
for (const row of rows) {
  const peer = row.js ?? row.peer;
  const ratio = row.component && peer ? `${(row.component.median / peer.median).toFixed(2)}x` : '-';
  console.log(`${row.operation.padEnd(54)}${cell(row.component).padStart(18)}${cell(peer).padStart(18)}${ratio.padStart(9)}`);
}
