// deploy/spinapp.yaml, the SpinKube manifest: it parses, runs the component
// that spin.toml builds, and scales the Deployment SpinKube makes for it.
// (Here because the YAML and TOML parsers are JS dev dependencies; no
// cluster is reachable from the tests.)

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { web } from './server.mjs';

const root = join(web, '..');

test('the SpinApp names the component spin.toml builds, and the autoscaler scales it', () => {
  const documents = parseAllDocuments(readFileSync(join(root, 'deploy', 'spinapp.yaml'), 'utf8'));
  for (const d of documents) assert.deepEqual(d.errors, []);
  const [app, hpa] = documents.map((d) => d.toJS());
  assert.equal(documents.length, 2);

  const spin = parseToml(readFileSync(join(root, 'spin.toml'), 'utf8'));
  const [trigger] = spin.trigger.http;
  assert.ok(spin.component[trigger.component], `spin.toml has no component ${trigger.component}`);

  assert.equal(app.apiVersion, 'core.spinkube.dev/v1alpha1');
  assert.equal(app.kind, 'SpinApp');
  assert.equal(app.metadata.name, spin.application.name);
  assert.deepEqual(app.spec.components, [trigger.component]);
  assert.equal(app.spec.executor, 'containerd-shim-spin');
  assert.match(app.spec.image, new RegExp(`/${spin.application.name}:${spin.application.version.replaceAll('.', '\\.')}$`));
  assert.equal(app.spec.enableAutoscaling, true);
  for (const key of ['cpu', 'memory']) {
    assert.ok(app.spec.resources.requests[key] && app.spec.resources.limits[key], key);
  }

  assert.equal(hpa.kind, 'HorizontalPodAutoscaler');
  assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: app.metadata.name });
  assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
});

test("docs/deploy.md's body-cap table is the frames' arithmetic", () => {
  const text = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  const number = (s) => Number(s.replaceAll(',', ''));
  const cap = number(text.match(/frames in 10 MiB \(([\d,]+) bytes\)/)[1]);
  assert.equal(cap, 10 * 1024 * 1024);
  const rows = [...text.matchAll(/^\| (\d+)×(\d+) \| ([\d,]+) \| ([\d,]+) \| (\d+) \|$/gm)];
  assert.equal(rows.length, 3);
  for (const [, w, h, one, pair, fit] of rows) {
    const frame = Number(w) * Number(h) * 4;
    assert.equal(number(one), frame, `${w}x${h}`);
    assert.equal(number(pair), 2 * frame, `${w}x${h}`);
    assert.equal(Number(fit), Math.floor(cap / frame), `${w}x${h}`);
  }
});

test("a pod's memory limit holds the worst-case requests its annotation names", () => {
  const [app] = parseAllDocuments(readFileSync(join(root, 'deploy', 'spinapp.yaml'), 'utf8')).map((d) => d.toJS());
  const text = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  // The figure a request needs, as docs/deploy.md states it (a Rust test,
  // http::the_deploy_docs_state_what_a_request_needs, ties it to the code).
  const perRequest = Number(text.match(/needs up to (\d+) MiB of linear\s+memory/)[1]);
  const spin = Number(text.match(/and (\d+) MiB for Spin itself/)[1]);
  const requests = Number(app.metadata.annotations['ghostlines.dev/worst-case-requests']);
  const mib = (quantity) => {
    const [, n, unit] = quantity.match(/^(\d+)(Mi|Gi)$/);
    return Number(n) * (unit === 'Gi' ? 1024 : 1);
  };
  const limit = mib(app.spec.resources.limits.memory);
  assert.ok(requests >= 1);
  assert.ok(requests * perRequest + spin <= limit, `${requests} x ${perRequest} + ${spin} MiB > ${limit} MiB`);
  // The docs say the same numbers.
  assert.match(text, new RegExp(`limit, ${limit / 1024} GiB,\\s+holds ${['zero', 'one', 'two', 'three', 'four', 'five', 'six'][requests]} such requests`));
  assert.ok(mib(app.spec.resources.requests.memory) <= limit);
});
