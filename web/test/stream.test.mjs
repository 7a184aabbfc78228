// The Node stream client (node/stream.mjs) against a real `ghostlines
// serve`: the lines are what the component computes in-process through
// jco, each arrives while later frames are still to be sent, and refusals
// and error lines are typed errors.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GhostlinesError, createTracker } from '../app/ghostlines.js';
import { scene } from '../app/scene.js';
import { motionStream } from '../node/stream.mjs';
import { startServer } from './server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(() => server?.stop());

const [width, height] = [160, 120];
const frame = (i) => scene(width, height, i, i >> 1);

// A frame's report as the stream's JSON has it, from the jco tracker's.
function asLine(index, { centroid, centroidMotion, vectors }) {
  return {
    index,
    centroid: centroid ?? null,
    centroid_motion: centroidMotion ?? null,
    vectors: vectors.map(({ x, y, dx, dy, status, error }) => ({
      x,
      y,
      dx,
      dy,
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
    })),
  };
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

for (const mode of ['sketch', 'sparse', 'dense']) {
  test(`${mode}: the component's lines, frame k's before frame k + 1 is sent`, { timeout: 60_000 }, async () => {
    const count = 10;
    const arrived = Array.from({ length: count }, deferred);
    // Frame k + 1 is made only once frame k's line is in: were the lines
    // held back until the body ended, this would stall until the server's
    // idle deadline ended the stream with a timeout line.
    async function* lockstep() {
      for (let k = 0; k < count; k++) {
        if (k >= 1) await arrived[k - 1].promise;
        yield frame(k);
      }
    }
    const tracker = createTracker({ mode });
    let index = 0;
    for await (const line of motionStream(server.base, { width, height, mode }, lockstep())) {
      // A stream without `fps` comes at 25 frames a second.
      assert.deepEqual(line, asLine(index, tracker.push({ width, height, data: frame(index) }, 40 * index)));
      arrived[index].resolve();
      index += 1;
    }
    assert.equal(index, count);
    tracker.close();
  });
}

test('a refusal before any line is a GhostlinesError with the status', async () => {
  const lines = motionStream(server.base, { width: 0, height }, [frame(0)]);
  await assert.rejects(lines.next(), (e) => {
    assert.ok(e instanceof GhostlinesError);
    assert.equal(e.kind, 'invalid-dimensions');
    assert.deepEqual(e.detail, { status: 400 });
    return true;
  });
  const unknown = motionStream(server.base, { width, height, colour: 'red' }, [frame(0)]);
  await assert.rejects(unknown.next(), { kind: 'invalid-parameter' });
});

test('a trailing partial frame: the whole frames, then the error line as a GhostlinesError', async () => {
  const frames = [frame(0), frame(1), frame(2).subarray(0, 1000)];
  const seen = [];
  await assert.rejects(
    (async () => {
      for await (const line of motionStream(server.base, { width, height }, frames)) seen.push(line.index);
    })(),
    (e) => {
      assert.ok(e instanceof GhostlinesError);
      assert.equal(e.kind, 'length-mismatch');
      assert.deepEqual(e.detail, { frames: 2 });
      return true;
    },
  );
  assert.deepEqual(seen, [0, 1]);
});

// A server that is not ghostlines (a proxy's error page) or sends a
// broken line: typed errors too, never a SyntaxError.
test('answers that are not ghostlines JSON are GhostlinesErrors', async () => {
  const answers = [
    [502, 'text/html', '<html><body>Bad Gateway</body></html>', /the server answered 502 with "<html>/],
    [200, 'application/x-ndjson', '{"version":1,"width":160,"height":120}\n{"index":0,"cent', /inside a line/],
    [200, 'application/x-ndjson', '{"version":1,"width":160,"height":120}\nnot json\n', /not a JSON object: "not json"/],
  ];
  for (const [status, type, body, message] of answers) {
    const fake = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(status, { 'content-type': type });
        response.end(body);
      });
    });
    await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${fake.address().port}`;
    try {
      await assert.rejects(
        (async () => {
          for await (const line of motionStream(base, { width, height }, [frame(0)])) assert.equal(line.index, 0);
        })(),
        (e) => {
          assert.ok(e instanceof GhostlinesError, `${e}`);
          assert.equal(e.kind, 'invalid-body');
          assert.match(e.message, message);
          return true;
        },
      );
    } finally {
      fake.close();
    }
  }
});

test('the stream example runs', () => {
  const example = fileURLToPath(new URL('../node/stream.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [example, server.base, 'sparse', '6'], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 7);
  assert.match(lines[5], /^frame 5: \d+ vectors, \d+ tracked$/);
  assert.match(lines[6], /^6 frames in [\d.]+ s \(\d+ frames\/s\)$/);
});
