// ghostlines/http in Node against a real `ghostlines serve`: every route
// answers what the local library (the component through jco) answers for
// the same frames, byte for byte, and every failure is a GhostlinesError.
// Needs target/release/ghostlines and `npm run build`.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as local from '../app/ghostlines.js';
import { GhostlinesError } from '../app/error.js';
import { connect } from '../app/http.js';
import { scene } from '../app/scene.js';
import { startServer } from './server.mjs';

let server;
let remote;

before(async () => {
  server = await startServer();
  remote = connect(server.base);
});
after(() => server?.stop());

const [W, H] = [96, 64];
const frame = (dx, dy, width = W, height = H) => ({ width, height, data: scene(width, height, dx, dy) });
const previous = frame(0, 0);
const current = frame(4, 2);

test('greyscale, adjust, centroid and edges answer what the local library does', async () => {
  for (const method of local.GREY_METHODS) {
    assert.deepEqual(await remote.greyscale(current, method), local.greyscale(current, method), method);
  }
  assert.deepEqual(await remote.adjust(current, 50, 50), local.adjust(current, 50, 50));
  const plane = local.greyscale(current);
  assert.deepEqual(await remote.centroid(plane), local.centroid(plane));
  const black = { width: 2, height: 2, values: new Uint8Array(4) };
  assert.equal(await remote.centroid(black), undefined);
  const options = { sigma: 1.2, minLength: 3 };
  const lines = await remote.edges(plane, options);
  assert.ok(lines.length > 0);
  assert.deepEqual(lines, local.edges(plane, options));
});

test('motion and render answer what a local tracker and painter do', async () => {
  for (const options of [{ threshold: 0.05 }, { mode: 'sparse', corners: { maxCorners: 50 } }, { mode: 'dense', step: 8, contrast: 50 }]) {
    // The server measures the pair an interval apart, whatever it is.
    const tracker = local.createTracker(options);
    tracker.push(previous, 0);
    const expected = tracker.push(current, tracker.settings().interval);
    const got = await remote.motion(previous, current, options);
    assert.ok(got.vectors.length > 0, JSON.stringify(options));
    assert.deepEqual(got, expected, JSON.stringify(options));
  }
  const painterOptions = { colour: { r: 0, g: 255, b: 0, a: 255 }, width: 2, background: 'black' };
  const tracker = local.createTracker({ mode: 'sparse' });
  const painter = local.createPainter(painterOptions);
  painter.track(tracker, previous, 0);
  const { image } = painter.track(tracker, current, tracker.settings().interval);
  const drawn = await remote.render(previous, current, { mode: 'sparse', ...painterOptions });
  assert.deepEqual(drawn, image);
  assert.ok(drawn.data.some((v, i) => i % 4 === 1 && v === 255), 'green strokes');
});

test('motionStream yields each frame\'s report as the local tracker gives it', async () => {
  const frames = [0, 1, 2, 3].map((i) => frame(3 * i, i));
  const tracker = local.createTracker({ mode: 'sparse' });
  const reports = [];
  for await (const report of remote.motionStream(frames, { mode: 'sparse', fps: 5 })) reports.push(report);
  assert.deepEqual(reports.map((r) => r.index), [0, 1, 2, 3]);
  // At 5 fps each frame is 200 ms, the default interval, after the last.
  frames.forEach((frame, i) => {
    const { index, ...report } = reports[i];
    assert.deepEqual(report, tracker.push(frame, 200 * i), `frame ${index}`);
  });
});

test('the flow field over HTTP is the local library\'s', async () => {
  const grey = (frame) => local.greyscale(frame);
  const options = { stride: 2, iterations: 10 };
  const remote_ = await remote.flowField(grey(previous), grey(current), options);
  const here = local.flowField(grey(previous), grey(current), options);
  assert.deepEqual(remote_, here);
  await assert.rejects(remote.flowField(previous, current, { preset: 'slow' }), { kind: 'invalid-parameter' });
});

test('refusals are GhostlinesErrors with the server\'s kind and status', async () => {
  const refused = (promise, kind, status) =>
    assert.rejects(promise, (e) => e instanceof GhostlinesError && e.kind === kind && e.detail?.status === status && e.message.length > 0);
  await refused(remote.greyscale(current, 'nope'), 'invalid-parameter', 400);
  await refused(remote.motion(previous, current, { mode: 'warp' }), 'invalid-parameter', 400);
  await refused(remote.render(previous, current, { persistence: 2 }), 'invalid-parameter', 400);
  await refused(remote.greyscale({ width: 1e6, height: 1e6, data: new Uint8Array(4) }), 'too-large', 413);
  await assert.rejects(remote.motion(previous, frame(0, 0, 8, 8)), { kind: 'size-mismatch' });
  const frames = [previous, current];
  await assert.rejects(async () => {
    for await (const _ of remote.motionStream(frames, { samples: -1 })) { /* refused first */ }
  }, { kind: 'invalid-parameter' });
  const nobody = connect('http://127.0.0.1:9');
  await assert.rejects(nobody.greyscale(current), (e) => e instanceof GhostlinesError && e.kind === 'unreachable');
});
