// Builds the guest component (the same nested cargo build as host/build.rs)
// and transpiles it with jco into an ES module for Node and the browser:
//
//   app/gen/ghostlines.js (+ .core.wasm, .d.ts)   the component, unchanged
//   app/gen/ghostlines.browser.js                  the same, for module workers
//   app/vendor/preview2-shim/*.js                 WASI shims for the browser
//
// The browser page maps the shim's bare specifiers to app/vendor with an
// import map; Node resolves them from node_modules. No hand-written glue.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(web);
const targetDir = join(root, 'target', 'wasm-components');
const component = join(targetDir, 'wasm32-wasip2', 'release', 'ghostlines_guest.wasm');

function run(command, args, options = {}) {
  console.log(`> ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: 'inherit', ...options });
}

// Flags for the host CPU must not leak into the Wasm build; .cargo/config.toml
// sets +simd128 for wasm32-wasip2.
const env = { ...process.env };
for (const name of ['RUSTFLAGS', 'CARGO_ENCODED_RUSTFLAGS', 'CARGO_BUILD_RUSTFLAGS', 'CARGO_TARGET_DIR']) {
  delete env[name];
}
run('cargo', ['build', '--release', '--target', 'wasm32-wasip2', '-p', 'ghostlines-guest',
  '--target-dir', targetDir], { cwd: root, env });

const gen = join(web, 'app', 'gen');
const jco = join(web, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js');
rmSync(gen, { recursive: true, force: true });
run(process.execPath, [jco, 'transpile', component, '--name', 'ghostlines', '--out-dir', gen, '--quiet']);

// The names the library checks choices against, from the component's own
// types (jco's declarations of its WIT), so that no list is copied by hand.
writeFileSync(join(gen, 'choices.js'), choicesModule(join(gen, 'interfaces')));

// The same module importing the browser shims by relative path, for module
// workers (which have no import maps): jco's --map, into a scratch folder,
// of which only the JS is kept (its core module is the same file).
const scratch = join(web, 'app', 'gen-browser');
rmSync(scratch, { recursive: true, force: true });
run(process.execPath, [jco, 'transpile', component, '--name', 'ghostlines', '--out-dir', scratch, '--quiet',
  '--map', 'wasi:cli/*=../vendor/preview2-shim/cli.js#*', '--map', 'wasi:io/*=../vendor/preview2-shim/io.js#*']);
cpSync(join(scratch, 'ghostlines.js'), join(gen, 'ghostlines.browser.js'));
rmSync(scratch, { recursive: true, force: true });

// The browser shims, and every module they import from their own folder.
const shim = join(web, 'node_modules', '@bytecodealliance', 'preview2-shim', 'dist', 'browser');
const vendor = join(web, 'app', 'vendor', 'preview2-shim');
rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
const copied = new Set();
const copy = (file) => {
  if (copied.has(file)) return;
  copied.add(file);
  cpSync(join(shim, file), join(vendor, file));
  const source = readFileSync(join(shim, file), 'utf8');
  for (const [, dep] of source.matchAll(/from\s+["']\.\/([\w.-]+\.js)["']/g)) copy(dep);
};
const generated = readFileSync(join(gen, 'ghostlines.js'), 'utf8');
for (const [, name] of generated.matchAll(/from '@bytecodealliance\/preview2-shim\/(\w+)'/g)) {
  copy(`${name}.js`);
}
console.log(`transpiled ${component}\n  -> ${gen}\n  shims: ${[...copied].join(', ')}`);

// `export const NAME = [...]` for each enum and variant the library takes by
// name: an enum's cases from `export type T = 'a' | 'b';`, a variant's tags
// from the interfaces of its `export type T = TA | TB;`.
function choicesModule(interfaces) {
  const declarations = readdirSync(interfaces)
    .filter((file) => file.startsWith('ghostlines-'))
    .map((file) => readFileSync(join(interfaces, file), 'utf8'))
    .join('\n');
  const cases = (type) => {
    // The declaration itself, not an interface's alias `= import(...)`.
    const union = [...declarations.matchAll(new RegExp(`export type ${type} = ([^;]+);`, 'g'))].find(
      (m) => !m[1].startsWith('import('),
    );
    if (!union) throw new Error(`the component declares no type ${type}`);
    return union[1].split('|').map((member) => {
      member = member.trim();
      const literal = member.match(/^'([^']+)'$/);
      if (literal) return literal[1];
      const tag = declarations.match(new RegExp(`export interface ${member} \\{\\s*tag: '([^']+)'`));
      if (!tag) throw new Error(`${type}: no tag for ${member}`);
      return tag[1];
    });
  };
  const lists = {
    GREY_METHODS: 'GreyMethod',
    TRACKER_MODES: 'TrackerMode',
    BACKGROUNDS: 'Background',
    COLOURINGS: 'Colouring',
    LINE_SHAPES: 'LineShape',
  };
  const lines = Object.entries(lists).map(
    ([name, type]) => `/** The cases of the component's \`${type}\` type. */\nexport const ${name} = Object.freeze(${JSON.stringify(cases(type))});`,
  );
  return `// Generated by scripts/build.mjs from the component's types: do not edit.\n\n${lines.join('\n')}\n`;
}
