// `ghostlines serve` for the tests that need a real server: the host built
// by `cargo test --release` (or `cargo build --release`), on a free
// loopback port, stopped with Ctrl-C's SIGINT when the tests end.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const web = dirname(dirname(fileURLToPath(import.meta.url)));
const ghostlines = join(dirname(web), 'target', 'release', 'ghostlines');

/**
 * Starts `ghostlines serve` with `args`; resolves to { base, stop, log }.
 * With `logged`, its log lines (one a request: method, route, status, ms)
 * collect in `log` instead of --quiet.
 */
export async function startServer(args = [], { logged = false } = {}) {
  assert.ok(existsSync(ghostlines), `build the host first: ${ghostlines}`);
  const quiet = logged ? [] : ['--quiet'];
  const server = spawn(ghostlines, ['serve', '--listen', '127.0.0.1:0', ...quiet, ...args], {
    stdio: ['ignore', 'pipe', logged ? 'pipe' : 'inherit'],
  });
  const log = [];
  let partial = '';
  server.stderr?.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    log.push(...lines);
  });
  const base = await new Promise((resolve, reject) => {
    let seen = '';
    server.stdout.on('data', (chunk) => {
      seen += chunk;
      const found = seen.match(/listening on (http:\/\/[\d.:]+)/);
      if (found) resolve(found[1]);
    });
    server.on('exit', (code) => reject(new Error(`ghostlines serve exited with ${code}`)));
  });
  return { base, log, stop: () => server.kill('SIGINT') };
}
