// The live page in real headless Chromium (Debian's package, driven by
// playwright-core), served by `ghostlines serve --app web/app`: it loads
// the component, processes frames from Chromium's fake camera playing
// real footage (tests/data/footage/box.gif as YUV4MPEG2, at its 30 fps,
// forward then backward),
// and draws strokes where the footage moves, checked on the canvas pixels
// in every mode. Without a camera it falls back to the generated scene and
// says so. Screenshots go to web/test-results/.
//
// Needs target/release/ghostlines (cargo build --release) and
// /usr/bin/chromium (or CHROMIUM=/path); `npm run build` first.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, web } from './server.mjs';

const results = join(web, 'test-results');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Chromium as root, in a closed network, with a fake camera that needs no
// permission prompt.
const baseArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// The page's canvas, and the fake camera's footage at its size, played
// forward then backward.
const [WIDTH, HEIGHT] = [640, 480];
const footage = join(results, 'box.y4m');
const cameraArgs = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-video-capture=${footage}`,
];

// The same footage at 1920×1080, for the full-HD figures.
const footageHd = join(results, 'box-1080p.y4m');
const cameraHdArgs = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-video-capture=${footageHd}`,
];

let server;
let base;
// Where the footage moves: pixels whose luma changes by more than 24
// levels against the frame 200 ms (six frames) before, at any point of the
// loop, widened by 32 px (a stroke's length and width, the trails of the
// frames before, and the camera's scaling).
let moving;

before(async () => {
  assert.ok(existsSync(executablePath), `install Chromium (apt-get install chromium) or set CHROMIUM: ${executablePath}`);
  assert.ok(existsSync(join(web, 'app', 'gen', 'ghostlines.js')), 'run `npm run build` in web/ first');
  mkdirSync(results, { recursive: true });
  const excerpt = join(web, '..', 'tests', 'data', 'footage', 'box.gif');
  // Forward then backward: Chromium loops the file, and a loop that jumped
  // from the last frame to the first would be motion the footage never
  // had (strokes away from where it moves, in the trails when the canvas
  // is read).
  const pingPong = `scale=${WIDTH}:${HEIGHT},split[a][b];[b]reverse[r];[a][r]concat=n=2:v=1`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', excerpt, '-filter_complex', pingPong, '-pix_fmt', 'yuv420p', footage]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', excerpt, '-vf', 'scale=1920:1080', '-pix_fmt', 'yuv420p', footageHd]);
  moving = motionMask(readFileSync(footage));
  server = await startServer(['--app', join(web, 'app')]);
  base = server.base;
});

/** The motion mask of a 4:2:0 YUV4MPEG2 stream (see `moving`). */
function motionMask(y4m) {
  const frames = [];
  let at = y4m.indexOf(0x0a) + 1;
  const luma = WIDTH * HEIGHT;
  const frameBytes = luma * 3 / 2;
  while (at < y4m.length) {
    at = y4m.indexOf(0x0a, at) + 1; // the FRAME line
    frames.push(y4m.subarray(at, at + luma));
    at += frameBytes;
  }
  const changed = new Uint8Array(luma);
  for (let k = 6; k < frames.length; k++) {
    for (let i = 0; i < luma; i++) if (Math.abs(frames[k][i] - frames[k - 6][i]) > 24) changed[i] = 1;
  }
  const mask = new Uint8Array(luma);
  const r = 32;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      if (!changed[y * WIDTH + x]) continue;
      for (let yy = Math.max(0, y - r); yy <= Math.min(HEIGHT - 1, y + r); yy++) {
        mask.fill(1, yy * WIDTH + Math.max(0, x - r), yy * WIDTH + Math.min(WIDTH, x + r + 1));
      }
    }
  }
  return mask;
}

after(() => server?.stop());

async function withPage(args, query, body) {
  const browser = await chromium.launch({ executablePath, args: [...baseArgs, ...args] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
    const problems = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${base}/app/${query}`);
    await body(page);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
}

// Frames processed and vectors drawn: waits for the page to draw in the
// mode chosen (new workers take a moment to start), then for `frames`
// more frames, then counts the canvas pixels that are not black.
async function settle(page, frames, minimumVectors = 0) {
  // What the page shows and counts, for a wait that timed out.
  const told = async (e) => {
    const shown = await page.evaluate(() => [window.ghostlines?.stats, document.getElementById('source').textContent]);
    throw new Error(`${e.message}: ${JSON.stringify(shown)}`);
  };
  const mode = await page.inputValue('#mode');
  await page.waitForFunction((m) => window.ghostlines?.stats.mode === m, mode, { timeout: 30_000 }).catch(told);
  const start = await page.evaluate(() => window.ghostlines?.stats.frames ?? 0);
  await page
    .waitForFunction(
      ([n, v]) => window.ghostlines?.stats.frames >= n && window.ghostlines.stats.vectors >= v,
      [start + frames, minimumVectors],
      { timeout: 30_000 },
    )
    .catch(told);
  return page.evaluate(() => {
    const canvas = document.getElementById('view');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const lit = [];
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 60) lit.push(i / 4);
    return { lit, stats: { ...window.ghostlines.stats } };
  });
}

// The share of `lit` pixels where the footage moves.
const inside = (lit) => lit.filter((i) => moving[i]).length / Math.max(1, lit.length);

test('the page tracks real footage from the fake camera and strokes where it moves, in every mode', async () => {
  await withPage(cameraArgs, '', async (page) => {
    for (const mode of ['sparse', 'sketch', 'dense', 'edges']) {
      await page.selectOption('#mode', mode);
      // The interval's 200 ms first, then frames with vectors (edges draws
      // polylines).
      const { lit, stats } = await settle(page, 12, mode === 'edges' ? 0 : 1);
      assert.equal(stats.source, 'camera');
      // The camera's own size, and in the flow modes a worker a core by
      // default.
      assert.deepEqual([stats.width, stats.height], [WIDTH, HEIGHT]);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      assert.equal(stats.workers, ['sparse', 'dense'].includes(mode) ? cores : 1);
      assert.equal(stats.mode, mode);
      assert.equal(stats.error, null);
      assert.ok(stats.drawn > 0, `${mode}: nothing drawn ${JSON.stringify(stats)}`);
      const share = inside(lit);
      console.log(`# ${mode}: ${lit.length} lit pixels, ${(100 * share).toFixed(1)} % where the footage moves, ${JSON.stringify(stats)}`);
      assert.ok(lit.length > 200, `${mode}: only ${lit.length} lit pixels`);
      // The strokes (edges draw every outline, moving or not).
      if (mode !== 'edges') assert.ok(share >= 0.9, `${mode}: ${share} of the strokes where the footage moves`);
      assert.match(await page.textContent('#stats'), /fps · [\d.]+ ms a frame, camera to drawn · \d+ workers? · 640×480/);
      await page.screenshot({ path: join(results, `camera-${mode}.png`) });
    }
  });
});

// The component's files the page itself fetched (a worker's fetches are
// the worker's own; gen/choices.js is only the names of the WIT's enums).
function componentFetches(page) {
  return page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.includes('/gen/ghostlines')));
}

test('with ?workers=1 the component runs in one module worker and frames are transferred', async () => {
  await withPage(cameraArgs, '?workers=1', async (page) => {
    for (const mode of ['sparse', 'sketch', 'dense', 'edges']) {
      await page.selectOption('#mode', mode);
      const { lit, stats } = await settle(page, 12, mode === 'edges' ? 0 : 1);
      assert.equal(stats.workers, 1);
      assert.equal(stats.transferred, true, 'the frame was copied, not moved');
      assert.equal(stats.mode, mode);
      assert.equal(stats.error, null);
      assert.ok(stats.drawn > 0, `${mode}: nothing drawn ${JSON.stringify(stats)}`);
      assert.ok(lit.length > 200, `${mode}: only ${lit.length} lit pixels`);
      assert.match(await page.textContent('#stats'), /fps · [\d.]+ ms a frame, camera to drawn · 1 worker ·/);
    }
    await page.screenshot({ path: join(results, 'worker-edges.png') });
    assert.deepEqual(await componentFetches(page), [], 'the page loaded the component itself');
  });
  // Without a worker, the page loads it (so the check above can see it).
  await withPage([], '?camera=off&workers=0', async (page) => {
    await settle(page, 2);
    assert.ok((await componentFetches(page)).includes('/app/gen/ghostlines.js'));
  });
});

test('?size asks the camera for another size; each way of reading it gives that size', async () => {
  // The fake camera gives the size asked for, so the page reads it the
  // cheapest way; through the canvas too when asked.
  for (const grab of ['videoframe', 'imagedata']) {
    const query = `?size=320x240&workers=1${grab === 'imagedata' ? '&grab=imagedata' : ''}`;
    await withPage(cameraArgs, query, async (page) => {
      await page.selectOption('#mode', 'sketch');
      const { lit, stats } = await settle(page, 8, 1);
      assert.deepEqual([stats.width, stats.height, stats.grab], [320, 240, grab]);
      assert.deepEqual(await page.evaluate(() => [view.width, view.height]), [320, 240]);
      assert.ok(lit.length > 50, `${grab}: only ${lit.length} lit pixels`);
    });
  }
  // A malformed size is no size: the camera's own.
  await withPage(cameraArgs, '?size=huge&workers=1', async (page) => {
    const { stats } = await settle(page, 2);
    assert.deepEqual([stats.width, stats.height, stats.grab], [WIDTH, HEIGHT, 'videoframe']);
  });
});

test('modes chosen in quick succession end in the last one chosen', async () => {
  // Each choice starts new workers; one that starts slower than the next
  // choice's is dropped, not put back in place over it.
  await withPage(cameraArgs, '', async (page) => {
    await settle(page, 2);
    // All at once: every choice's workers start before any is ready.
    await page.evaluate(() => {
      const select = document.getElementById('mode');
      for (const mode of ['sketch', 'dense', 'edges', 'sparse', 'field', 'sketch', 'dense']) {
        select.value = mode;
        select.dispatchEvent(new Event('input'));
      }
    });
    const { stats } = await settle(page, 6);
    assert.equal(stats.mode, 'dense');
    assert.equal(stats.error, null);
    // Still dense once the dropped ones would have finished starting, and
    // no workers left over from the choices before: only dense's pool.
    await page.waitForTimeout(1500);
    const now = await page.evaluate(() => window.ghostlines.stats);
    assert.equal(now.mode, 'dense');
    assert.equal(page.workers().length, now.workers, `${page.workers().length} workers alive for ${now.workers}`);
  });
});

test('without a camera the page says so and draws the generated scene', async () => {
  await withPage([], '?camera=off', async (page) => {
    await page.selectOption('#mode', 'sparse');
    // The scene pans in whole pixels along a slow curve, so at a high frame
    // rate some frames do not move at all: wait for one that does.
    const { lit, stats } = await settle(page, 12, 51);
    assert.equal(stats.source, 'scene');
    assert.match(await page.textContent('#source'), /no camera .*generated moving scene/);
    assert.ok(stats.vectors > 50, JSON.stringify(stats));
    assert.ok(lit.length > 500, `only ${lit.length} lit pixels`);
    await page.screenshot({ path: join(results, 'no-camera.png') });
  });
});

// A request sent as written: fetch() would normalise `..` away.
function raw(path, method = 'GET') {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path, method }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end(method === 'POST' ? 'x' : undefined);
  });
}

test('the host serves the app and nothing outside it', async () => {
  const index = await raw('/app/');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /text\/html/);
  assert.match(index.body.toString(), /<canvas id="view"/);
  const wasm = await raw('/app/gen/ghostlines.core.wasm');
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.deepEqual([...wasm.body.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
  const redirect = await raw('/app');
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.location, '/app/');
  for (const path of ['/app/../Cargo.toml', '/app/%2e%2e/Cargo.toml', '/app/.hidden', '/app/nope.js', '/app/gen/../../../Cargo.toml', '/app/gen/..%2f..%2fscene.js']) {
    const response = await raw(path);
    assert.equal(response.status, 404, path);
    assert.equal(JSON.parse(response.body).error.kind, 'not-found', path);
  }
  assert.equal((await raw('/app/index.html', 'POST')).status, 405);
  // The component's own routes are still there.
  assert.equal((await raw('/')).status, 200);
});

// Full HD from the camera: the page takes the camera's 1920×1080, and the
// median time from a camera frame grabbed to it drawn, and the frames drawn
// a second, are reported for each way of reading the camera (one worker)
// and for the default (the cheapest read, a worker a core), in sketch and
// sparse mode. docs/js.md quotes the figures.
test('full HD: the camera\'s own size, and each frame\'s time from camera to drawn', async () => {
  const report = [];
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const pages = ['?workers=1&grab=imagedata', '?workers=1&grab=videoframe', '?workers=1&grab=processor', ''];
  for (const query of pages) {
    await withPage(cameraHdArgs, query, async (page) => {
      for (const mode of ['sketch', 'sparse']) {
        await page.selectOption('#mode', mode);
        await settle(page, 10, 1);
        // 40 frames after the first 10, measured as the page measures them.
        const started = await page.evaluate(() => [window.ghostlines.stats.frames, performance.now()]);
        const { stats } = await settle(page, 40);
        const elapsed = await page.evaluate(([n, t]) => [window.ghostlines.stats.frames - n, performance.now() - t], started);
        assert.deepEqual([stats.width, stats.height], [1920, 1080]);
        assert.equal(stats.error, null);
        assert.match(await page.textContent('#stats'), / · 1920×1080 · .* vectors/);
        const row = {
          query: query || '(default)',
          mode,
          grab: stats.grab,
          workers: stats.workers,
          cores: await page.evaluate(() => navigator.hardwareConcurrency),
          medianMs: median(stats.frameTimes.slice(-40)),
          fps: (1000 * elapsed[0]) / elapsed[1],
          grabMs: stats.grabMs,
          drawMs: stats.drawMs,
          putMs: stats.putMs,
        };
        report.push(row);
        console.log(
          `# 1080p ${mode}, grab ${row.grab}, ${row.workers} worker(s): median ${row.medianMs.toFixed(1)} ms a frame camera to drawn ` +
          `(grab ${row.grabMs.toFixed(1)}, track and draw ${row.drawMs.toFixed(1)}, put ${row.putMs.toFixed(1)}), ${row.fps.toFixed(1)} frames drawn a second`,
        );
      }
    });
  }
  // The default reads the camera's frames as VideoFrames, with a worker a
  // core in sparse mode.
  const defaults = report.filter((r) => r.query === '(default)');
  assert.ok(defaults.every((r) => r.grab === 'videoframe' && r.workers === (r.mode === 'sparse' ? r.cores : 1)), JSON.stringify(defaults));
  // The page as it comes, against the same run's own work, since these
  // machines differ 2-2.5x in speed between sessions (a bound in plain
  // milliseconds passed on one and failed on the next, for the same code).
  // The sketch, in one worker: camera to drawn at most a quarter more than
  // reading, tracking and drawing, and putting it take (no queue), plus
  // 2 ms. Sparse, through the pool: a frame waits at most for the others
  // in flight (one a worker), so at most that many times one worker's
  // latency, and the pool draws at least as many frames a second as one
  // worker (its point: 1.6x on this machine, where one worker keeps up
  // with half the camera's frames). And a ceiling in plain
  // milliseconds, 2.5x the figures docs/js.md quotes, for a slowdown no
  // machine explains.
  const alone = report.find((r) => r.query === '?workers=1&grab=videoframe' && r.mode === 'sparse');
  for (const row of defaults) {
    const bound = row.mode === 'sketch'
      ? 1.25 * (row.grabMs + row.drawMs + row.putMs) + 2
      : row.workers * alone.medianMs;
    assert.ok(row.medianMs <= bound, `${JSON.stringify(row)} above ${bound.toFixed(1)} ms`);
    assert.ok(row.medianMs <= FULL_HD_CEILING_MS[row.mode], `${JSON.stringify(row)} above ${FULL_HD_CEILING_MS[row.mode]} ms`);
    if (row.mode === 'sparse') {
      assert.ok(row.fps >= 0.95 * alone.fps, `the pool drew fewer frames a second than one worker: ${JSON.stringify([row, alone])}`);
    }
  }
});

// Median camera-to-drawn milliseconds past which a 1080p frame is a
// regression on any of these machines: 2.5x docs/js.md's figures.
const FULL_HD_CEILING_MS = { sketch: 60, sparse: 150 };
