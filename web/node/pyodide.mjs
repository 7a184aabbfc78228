// Python in Pyodide calling the ghostlines component through the JS
// library, in Node (the browser works the same way):
//
//   node node/pyodide.mjs        prints the demo's result as JSON
//
// The library is registered as the Python module `ghostlines`; the Python
// side is python/ghostlines_demo.py. Pyodide's runtime ships in its npm
// package, so this needs no network.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadPyodide } from 'pyodide';
import * as ghostlines from '../app/ghostlines.js';

const web = dirname(dirname(fileURLToPath(import.meta.url)));

/** Pyodide with `ghostlines` (the JS library) and the demo module loaded. */
export async function pythonWithGhostlines() {
  const pyodide = await loadPyodide();
  pyodide.registerJsModule('ghostlines', ghostlines);
  pyodide.FS.writeFile('/home/pyodide/ghostlines_demo.py', readFileSync(join(web, 'python', 'ghostlines_demo.py')));
  pyodide.runPython('import sys; sys.path.insert(0, "/home/pyodide")');
  return pyodide;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const pyodide = await pythonWithGhostlines();
  console.log(pyodide.runPython('import json, ghostlines_demo; json.dumps(ghostlines_demo.demo())'));
}
