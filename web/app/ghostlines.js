// ghostlines from JavaScript, for Node and the browser: the library
// (library.js) bound to the jco-transpiled component in gen/. Types:
// ghostlines.d.ts.

import * as component from './gen/ghostlines.js';
import { bind } from './library.js';

export { GhostlinesError } from './error.js';
export { BACKGROUNDS, COLOURINGS, GREY_METHODS, LINE_SHAPES, TRACKER_MODES, toFrame, toPlane } from './library.js';
export const {
  limits, greyscale, adjust, centroid, edges, flowField, defaults, createTracker, createPainter, prepare,
} = bind(component);
