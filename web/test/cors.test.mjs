// The HTTP API from a page on another origin, in real headless Chromium:
// the page comes from one `ghostlines serve` (--app), the API is a second
// one on another port. Allowed, the page's script (through ghostlines/http)
// uses every single-frame route and /motion/stream's answer stream, reads
// x-width, draws a /render answer on a canvas and reads an error's JSON;
// the server's log shows the browser's preflights. Refused, the browser
// blocks the answers and the script sees the failed fetch.
//
// Needs target/release/ghostlines and /usr/bin/chromium (or CHROMIUM=).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer, web } from './server.mjs';

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let page;
let allowed;
let refused;
let browser;

before(async () => {
  assert.ok(existsSync(executablePath), `install Chromium (apt-get install chromium) or set CHROMIUM: ${executablePath}`);
  page = await startServer(['--app', join(web, 'app')]);
  allowed = await startServer(['--cors-origin', page.base], { logged: true });
  refused = await startServer(['--cors-origin', 'http://elsewhere.example'], { logged: true });
  browser = await chromium.launch({ executablePath, args });
});

after(async () => {
  await browser?.close();
  for (const server of [page, allowed, refused]) server?.stop();
});

// Runs `body` (a function of the API's base URL) in a page from the app
// server, with ghostlines/http imported as `connect`.
async function inPage(api, body) {
  const tab = await browser.newPage();
  const problems = [];
  tab.on('pageerror', (e) => problems.push(String(e)));
  try {
    // Any document of the page's origin will do: the library's own file.
    await tab.goto(`${page.base}/app/http.js`);
    const result = await tab.evaluate(
      async ([api, source]) => {
        const { connect } = await import('/app/http.js');
        return new Function('connect', 'api', `return (${source})(connect, api);`)(connect, api);
      },
      [api, body.toString()],
    );
    assert.deepEqual(problems, []);
    return result;
  } finally {
    await tab.close();
  }
}

test('an allowed page uses every route, reads the size headers and the errors', { timeout: 60_000 }, async () => {
  const got = await inPage(allowed.base, async (connect, api) => {
    const server = connect(api);
    // A frame of 3 by 2: the component's max-RGB grey is known.
    const data = new Uint8ClampedArray([10, 200, 30, 255, 40, 50, 60, 255, 255, 0, 0, 255, 1, 2, 3, 255, 90, 90, 90, 255, 0, 0, 0, 255]);
    const frame = { width: 3, height: 2, data };
    const grey = await server.greyscale(frame);
    // x-width read by the script itself, straight from fetch.
    const raw = await fetch(`${api}/greyscale?width=3&height=2`, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
    const xWidth = raw.headers.get('x-width');
    const adjusted = await server.adjust(frame, 50, 50);
    const centroid = await server.centroid(grey);
    // A scene that moves: a bright square 4 px to the right.
    const scene = (dx) => {
      const [w, h] = [64, 48];
      const bytes = new Uint8ClampedArray(w * h * 4);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inside = x >= 20 + dx && x < 36 + dx && y >= 16 && y < 32;
          bytes.set(inside ? [250, 250, 250, 255] : [20, 20, 20, 255], (y * w + x) * 4);
        }
      }
      return { width: w, height: h, data: bytes };
    };
    const edges = await server.edges(scene(0));
    const motion = await server.motion(scene(0), scene(4), { threshold: 0.1 });
    const drawn = await server.render(scene(0), scene(4), { threshold: 0.1, background: 'black' });
    const field = await server.flowField(scene(0), scene(4), { preset: 'fast' });
    const middle = field.u[24 * field.width + 28];
    // Drawn on a canvas, and read back: the red strokes are there.
    const canvas = new OffscreenCanvas(drawn.width, drawn.height);
    const context = canvas.getContext('2d');
    context.putImageData(new ImageData(drawn.data, drawn.width, drawn.height), 0, 0);
    const pixels = context.getImageData(0, 0, drawn.width, drawn.height).data;
    let red = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 200 && pixels[i + 1] < 60) red++;
    const lines = [];
    for await (const report of server.motionStream([scene(0), scene(2), scene(4)], { threshold: 0.1, fps: 5 })) {
      lines.push({ index: report.index, vectors: report.vectors.length });
    }
    let error;
    try {
      await server.motion(scene(0), scene(4), { mode: 'warp' });
    } catch (e) {
      error = { name: e.name, kind: e.kind, status: e.detail?.status, message: e.message };
    }
    return {
      grey: [...grey.values], size: [grey.width, grey.height], xWidth, adjusted: adjusted.pixels.length, centroid,
      edges: edges.length, motion: motion.vectors.length, moved: motion.centroidMotion?.dx, red, lines, error,
      field: [field.width, field.height], middle,
    };
  });
  assert.deepEqual(got.grey, [200, 60, 255, 3, 90, 0]);
  assert.deepEqual(got.size, [3, 2]);
  assert.equal(got.xWidth, '3');
  assert.equal(got.adjusted, 24);
  assert.ok(got.centroid.x > 0 && got.centroid.y >= 0);
  assert.ok(got.edges > 0, 'the square has edges');
  assert.ok(got.motion > 0 && got.moved > 0, JSON.stringify(got));
  assert.ok(got.red > 0, 'red strokes on the canvas');
  // The square's left edge moved 4 px right.
  assert.deepEqual(got.field, [64, 48]);
  assert.ok(Math.abs(got.middle - 4) < 1, `${got.middle}`);
  assert.deepEqual(got.lines.map((l) => l.index), [0, 1, 2]);
  assert.ok(got.lines[1].vectors > 0);
  assert.deepEqual({ ...got.error, message: undefined }, { name: 'GhostlinesError', kind: 'invalid-parameter', status: 400, message: undefined });
  assert.match(got.error.message, /unknown mode "warp"/);
  // The browser asked first: preflights, answered 204.
  assert.ok(allowed.log.some((line) => /^OPTIONS \/greyscale 204 /.test(line)), allowed.log.join('\n'));
  assert.ok(allowed.log.some((line) => /^OPTIONS \/motion\/stream 204 /.test(line)), allowed.log.join('\n'));
});

test('a page from an origin the server does not allow is blocked by the browser', { timeout: 60_000 }, async () => {
  const got = await inPage(refused.base, async (connect, api) => {
    const frame = { width: 1, height: 1, data: new Uint8ClampedArray([10, 200, 30, 255]) };
    let viaClient;
    try {
      await connect(api).greyscale(frame);
    } catch (e) {
      viaClient = { kind: e.kind, cause: e.detail?.cause?.name };
    }
    let viaFetch;
    try {
      // A simple request (no preflight): sent and answered, but its
      // answer is kept from the script.
      await fetch(`${api}/`);
      viaFetch = 'read';
    } catch (e) {
      viaFetch = e.name;
    }
    return { viaClient, viaFetch };
  });
  assert.deepEqual(got, { viaClient: { kind: 'unreachable', cause: 'TypeError' }, viaFetch: 'TypeError' });
  // The preflight was refused, and the real request never sent.
  assert.ok(refused.log.some((line) => /^OPTIONS \/greyscale 403 /.test(line)), refused.log.join('\n'));
  assert.ok(!refused.log.some((line) => /^POST \/greyscale /.test(line)), refused.log.join('\n'));
  assert.ok(refused.log.some((line) => /^GET \/ 200 /.test(line)), refused.log.join('\n'));
});
