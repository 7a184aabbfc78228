// One frame of the live page, wherever it runs (the page's own thread, or
// worker.js): the tracker's vectors (or Canny edges), the small ones left
// out, drawn by the painter. `api` is a bound library (library.js's bind).

/**
 * The tracker's options of the page's { mode, method, threshold }
 * (undefined for edges, which has no tracker): the same in every worker,
 * so that a frame prepared in one is taken by the tracker in another.
 */
export function trackerOptions({ mode, method, threshold }) {
  if (mode === 'edges') return undefined;
  return {
    mode,
    method,
    // The sketch's changed-pixel threshold; the flow modes draw motion of
    // at least threshold × 2 px (below).
    threshold: mode === 'sketch' ? threshold : 0.1,
    samples: 4000,
    step: 12,
  };
}

/**
 * A pipeline for { mode, method, threshold, showCamera }: `process(image,
 * time)` (the frame's own time, milliseconds) returns { drawn
 * (ImageData-shaped), vectors, polylines } (the counts drawn);
 * `process(image, time, prepared)` takes a frame `api.prepare` made with
 * `trackerOptions` (in another worker).
 */
export function createPipeline(api, { mode, method, threshold, showCamera }) {
  // Trails over black, or over the camera dimmed; the sketch's red lines,
  // flow coloured by direction, edges in one colour.
  const look = { background: showCamera ? 'frame' : 'black', dim: 0.35, persistence: 0.65 };
  let painter;
  if (mode === 'sketch') painter = api.createPainter(look);
  else if (mode === 'edges') painter = api.createPainter({ ...look, colour: { r: 120, g: 255, b: 210, a: 255 } });
  // Flow over the interval is long enough to see unscaled.
  else painter = api.createPainter({ ...look, colouring: 'direction' });
  const options = trackerOptions({ mode, method, threshold });
  const tracker = options ? api.createTracker(options) : null;

  // The last frame's time: one that goes back (a video looping) starts
  // the tracker anew rather than being refused.
  let last = -Infinity;

  // Vectors (and edge polylines) to draw for one frame.
  const linesOf = (image, time, prepared) => {
    if (mode === 'edges') {
      const plane = api.greyscale(image, method);
      return { polylines: api.edges(plane, { high: 4 + threshold * 255, low: 2 + threshold * 100 }), vectors: [] };
    }
    // Each frame at its own time: the tracker measures it against the one
    // an interval (the sketch's 200 ms) before, at any camera rate.
    if (time < last) tracker.reset();
    last = time;
    const out = prepared ? tracker.pushPrepared(prepared, time) : tracker.push(image, time);
    const minimum = mode === 'sketch' ? 0 : threshold * 2;
    const vectors = out.vectors.filter((v) => v.status !== 'lost' && Math.hypot(v.dx, v.dy) >= minimum);
    return { polylines: [], vectors };
  };

  // The sketch draws every vector: tracked and drawn in one call, the
  // frame copied into the component once (or, prepared, not at all over
  // black).
  const trackAndDraw = (image, time, prepared) => {
    if (time < last) tracker.reset();
    last = time;
    const { output, image: drawn } = prepared
      ? painter.trackPrepared(tracker, prepared, showCamera ? image : undefined, time)
      : painter.track(tracker, image, time);
    return { drawn, vectors: output.vectors.length, polylines: 0 };
  };

  return {
    process(image, time, prepared) {
      if (mode === 'sketch') return trackAndDraw(image, time, prepared);
      const { vectors, polylines } = linesOf(image, time, prepared);
      const drawn = painter.paint(image, { vectors, polylines });
      return { drawn, vectors: vectors.length, polylines: polylines.length };
    },
    close() {
      tracker?.close();
      painter.close();
    },
  };
}
