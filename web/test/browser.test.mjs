// The live page in real headless Chromium (Debian's package, driven by
// playwright-core), served by `ghostlines serve --app web/app`: it loads
// the component, processes frames from Chromium's fake camera, and draws
// vectors, checked on the canvas pixels in every mode. Without a camera it
// falls back to the generated scene and says so. Screenshots go to
// web/test-results/.
//
// Needs target/release/ghostlines (cargo build --release) and
// /usr/bin/chromium (or CHROMIUM=/path); `npm run build` first.

import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
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
const cameraArgs = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

let server;
let base;

before(async () => {
  assert.ok(existsSync(executablePath), `install Chromium (apt-get install chromium) or set CHROMIUM: ${executablePath}`);
  assert.ok(existsSync(join(web, 'app', 'gen', 'ghostlines.js')), 'run `npm run build` in web/ first');
  mkdirSync(results, { recursive: true });
  server = await startServer(['--app', join(web, 'app')]);
  base = server.base;
});

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

// Frames processed and vectors drawn: waits for `frames` more frames, then
// counts the canvas pixels that are not black.
async function settle(page, frames, minimumVectors = 0) {
  const start = await page.evaluate(() => window.ghostlines?.stats.frames ?? 0);
  await page.waitForFunction(
    ([n, v]) => window.ghostlines?.stats.frames >= n && window.ghostlines.stats.vectors >= v,
    [start + frames, minimumVectors],
    { timeout: 30_000 },
  );
  return page.evaluate(() => {
    const canvas = document.getElementById('view');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let lit = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 60) lit++;
    return { lit, stats: { ...window.ghostlines.stats } };
  });
}

test('the page tracks the fake camera and draws vectors in every mode', async () => {
  await withPage(cameraArgs, '', async (page) => {
    for (const mode of ['sparse', 'sketch', 'dense', 'edges']) {
      await page.selectOption('#mode', mode);
      const { lit, stats } = await settle(page, 12);
      assert.equal(stats.source, 'camera');
      assert.equal(stats.mode, mode);
      assert.equal(stats.error, null);
      assert.ok(stats.drawn > 0, `${mode}: nothing drawn ${JSON.stringify(stats)}`);
      console.log(`# ${mode}: ${lit} lit pixels, ${JSON.stringify(stats)}`);
      assert.ok(lit > 200, `${mode}: only ${lit} lit pixels`);
      assert.match(await page.textContent('#stats'), /fps · [\d.]+ ms a frame/);
      await page.screenshot({ path: join(results, `camera-${mode}.png`) });
    }
  });
});

// The component's files the page itself fetched (a worker's fetches are
// the worker's own).
function componentFetches(page) {
  return page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.includes('/gen/')));
}

test('with ?worker=on the component runs in a module worker and frames are transferred', async () => {
  await withPage(cameraArgs, '?worker=on', async (page) => {
    for (const mode of ['sparse', 'sketch', 'dense', 'edges']) {
      await page.selectOption('#mode', mode);
      const { lit, stats } = await settle(page, 12);
      assert.equal(stats.worker, true);
      assert.equal(stats.transferred, true, 'the frame was copied, not moved');
      assert.equal(stats.mode, mode);
      assert.equal(stats.error, null);
      assert.ok(stats.drawn > 0, `${mode}: nothing drawn ${JSON.stringify(stats)}`);
      assert.ok(lit > 200, `${mode}: only ${lit} lit pixels`);
      assert.match(await page.textContent('#stats'), /fps · [\d.]+ ms a frame in a worker/);
    }
    await page.screenshot({ path: join(results, 'worker-edges.png') });
    assert.deepEqual(await componentFetches(page), [], 'the page loaded the component itself');
  });
  // Without the worker, the page loads it (so the check above can see it).
  await withPage([], '?camera=off', async (page) => {
    await settle(page, 2);
    assert.ok((await componentFetches(page)).includes('/app/gen/ghostlines.js'));
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
    assert.ok(lit > 500, `only ${lit} lit pixels`);
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
