// The npm package as a user gets it: `npm pack`, the tarball installed into
// a fresh project, its example and its exports run from there in Node, and
// its types checked by TypeScript (a wrong call must fail to compile).
// Run `npm run build` first (the README's test script does).

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'ghostlines-package-'));
const project = join(work, 'project');
let packed;

before(() => {
  const [info] = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: web, encoding: 'utf8' }),
  );
  packed = info;
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user', private: true, type: 'module' }));
  // The dependency (the WASI shim) comes from npm's cache when it is there.
  execFileSync(
    npm,
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, info.filename)],
    { cwd: project, stdio: 'pipe' },
  );
});

after(() => rmSync(work, { recursive: true, force: true }));

function node(args) {
  return spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8' });
}

test('the tarball holds the library, its types and the component, and nothing dev-only', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const want of [
    'app/ghostlines.js', 'app/library.js', 'app/ghostlines.d.ts', 'app/error.js', 'app/error.d.ts', 'app/gen/ghostlines.js',
    'app/gen/ghostlines.core.wasm', 'node/stream.mjs', 'node/stream.d.mts', 'node/example.mjs', 'package.json',
    'app/http.js', 'app/http.d.ts',
  ]) {
    assert.ok(files.includes(want), `${want} is missing from ${files.join(', ')}`);
  }
  for (const path of files) {
    assert.doesNotMatch(path, /^(test|scripts|bench|node_modules|test-results)\/|^app\/(vendor|index\.html|main\.js|worker|pipeline)|browser\.js$/, path);
  }
  // docs/js.md: "under 220 KB".
  assert.ok(packed.size < 220_000, `the tarball is ${packed.size} bytes`);
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'ghostlines', 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'ghostlines');
  assert.deepEqual(Object.keys(manifest.dependencies), ['@bytecodealliance/preview2-shim']);
});

test("the package's example runs from the installed package", () => {
  const run = node([join('node_modules', 'ghostlines', 'node', 'example.mjs'), 'sparse']);
  assert.equal(run.status, 0, run.stderr);
  // The scene moves (4, 2) px between the two frames.
  assert.match(run.stdout, /^sparse: \d+ vectors, \d+ tracked, median motion \(4\.000, 2\.000\)/);
});

test('the exports resolve by name, and only they do', () => {
  const script = `
    import { greyscale, createTracker, GhostlinesError } from 'ghostlines';
    import { GhostlinesError as FromError } from 'ghostlines/error';
    import { motionStream } from 'ghostlines/stream';
    import { connect } from 'ghostlines/http';
    const grey = greyscale({ width: 1, height: 1, data: new Uint8ClampedArray([10, 200, 30, 255]) });
    let kind;
    try { createTracker({ threshold: 2 }); } catch (e) { kind = e instanceof FromError && e.kind; }
    console.log(JSON.stringify({ grey: [...grey.values], kind, stream: typeof motionStream, http: typeof connect('http://127.0.0.1:1').motion, same: GhostlinesError === FromError }));
  `;
  writeFileSync(join(project, 'use.mjs'), script);
  const run = node(['use.mjs']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { grey: [200], kind: 'invalid-parameter', stream: 'function', http: 'function', same: true });
  writeFileSync(join(project, 'deep.mjs'), "import 'ghostlines/app/gen/ghostlines.js';");
  const deep = node(['deep.mjs']);
  assert.notEqual(deep.status, 0);
  assert.match(deep.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test('the types compile for a right use and refuse a wrong one', () => {
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022',
        lib: ['es2023', 'esnext.disposable', 'dom'], types: [],
      },
    }),
  );
  const tsc = join(web, 'node_modules', 'typescript', 'bin', 'tsc');
  const check = (name, source) => {
    writeFileSync(join(project, name), source);
    return spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
  };
  const right = check('use.ts', `
    import { createPainter, createTracker, defaults, flowField, greyscale, type TrackerOutput } from 'ghostlines';
    import { GhostlinesError } from 'ghostlines/error';
    import { motionStream, type FrameReport } from 'ghostlines/stream';
    import { connect, type StreamReport } from 'ghostlines/http';
    const image = { width: 1, height: 1, data: new Uint8ClampedArray([10, 200, 30, 255]) };
    const first: number = greyscale(image, 'luma-bt601').values[0];
    const tracker = createTracker({ mode: 'dense', step: 8, flow: { window: 11 } });
    const out: TrackerOutput = tracker.push(image);
    const dx: number | undefined = out.centroidMotion?.dx;
    const painter = createPainter({ persistence: 0.8, colouring: 'direction' });
    const drawn: Uint8ClampedArray = painter.track(tracker, image).image.data;
    const step: number = defaults().dense.step;
    const field: Float32Array = flowField(greyscale(image), greyscale(image), { stride: 2 }).u;
    async function lines(): Promise<FrameReport[]> {
      const got: FrameReport[] = [];
      for await (const report of motionStream('http://127.0.0.1:3000', { width: 1, height: 1 }, [new Uint8Array(4)])) got.push(report);
      return got;
    }
    const e: string = new GhostlinesError('timeout', 'late').kind;
    const server = connect('http://127.0.0.1:3000');
    async function remote(): Promise<number> {
      const grey = await server.greyscale(image, 'luma-bt601');
      const motion: TrackerOutput = await server.motion(image, image, { mode: 'sparse', corners: { maxCorners: 50 } });
      const drawn = await server.render(image, image, { persistence: 0.8, colour: { r: 0, g: 255, b: 0, a: 255 } });
      const reports: StreamReport[] = [];
      for await (const report of server.motionStream([image, image], { fps: 30 })) reports.push(report);
      return grey.values[0] + motion.vectors.length + drawn.data[0] + reports[0].index;
    }
    export { first, dx, drawn, step, field, lines, e, remote };
  `);
  assert.equal(right.status, 0, right.stdout + right.stderr);
  rmSync(join(project, 'use.ts'));
  const wrong = check('wrong.ts', `
    import { greyscale } from 'ghostlines';
    greyscale({ width: 1, height: 1, data: new Uint8Array(4) }, 'purple');
  `);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stdout, /wrong\.ts.*TS2345.*"purple"/);
});
