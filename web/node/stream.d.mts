// Types of stream.mjs: the /motion/stream client.

/** One frame's line: the motion schema of `ghostlines motion --json`. */
export interface FrameReport {
  index: number;
  centroid: { x: number; y: number } | null;
  centroid_motion: { dx: number; dy: number } | null;
  vectors: Array<{
    x: number;
    y: number;
    dx: number;
    dy: number;
    status?: 'tracked' | 'lost';
    error?: number;
  }>;
}

/** The query: the frame size, and any tracker parameter of /motion. */
export interface StreamParams {
  width: number;
  height: number;
  [parameter: string]: string | number | boolean;
}

/**
 * Streams `frames` (width·height·4 RGBA8 bytes each) to
 * `${base}/motion/stream` and yields each frame's report as its line
 * arrives. Refusals and a stream's error line throw GhostlinesError.
 */
export function motionStream(
  base: string | URL,
  params: StreamParams,
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<FrameReport, void, undefined>;
