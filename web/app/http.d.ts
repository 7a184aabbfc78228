// Types of http.js: the HTTP client, with the local library's shapes.

import type { DrawnImage, FieldPreset, ImageLike, PlaneLike } from './ghostlines.js';
import type { FlowField, Frame, GreyMethod, Plane, Point, Polyline } from './gen/interfaces/ghostlines-image-types.js';
import type { TrackerOutput } from './gen/interfaces/ghostlines-image-tracking.js';

/** createTracker's options, and `fps` for a stream (sent as the query). */
export interface MotionOptions {
  mode?: 'sketch' | 'sparse' | 'dense';
  method?: GreyMethod;
  contrast?: number;
  brightness?: number;
  threshold?: number;
  samples?: number;
  seed?: number | bigint;
  interval?: number;
  step?: number;
  corners?: { maxCorners?: number; quality?: number; minDistance?: number };
  flow?: { window?: number; levels?: number; fbThreshold?: number };
  fps?: number;
}

/** The tracker's and createPainter's options in one object. */
export interface RenderOptions extends MotionOptions {
  colour?: { r: number; g: number; b: number; a: number };
  width?: number;
  scale?: number;
  background?: 'black' | 'frame' | 'filtered' | 'flow';
  dim?: number;
  persistence?: number;
  colouring?: 'solid' | 'direction' | 'speed';
  speedMax?: number;
  shape?: 'straight' | 'path';
}

/** Edge settings, as the library's `edges` takes them. */
export interface EdgeOptions {
  sigma?: number;
  low?: number;
  high?: number;
  tolerance?: number;
  minLength?: number;
  straightOnly?: boolean;
}

/** One frame's report of a stream: the tracker's output and its index. */
export interface StreamReport extends TrackerOutput {
  index: number;
}

/** A client of one ghostlines server. Every failure is a GhostlinesError. */
export interface Client {
  greyscale(image: ImageLike, method?: GreyMethod): Promise<Plane>;
  adjust(image: ImageLike, contrast: number, brightness: number): Promise<Frame>;
  centroid(plane: PlaneLike | ImageLike): Promise<Point | undefined>;
  edges(plane: PlaneLike | ImageLike, options?: EdgeOptions): Promise<Polyline[]>;
  motion(previous: ImageLike, current: ImageLike, options?: MotionOptions): Promise<TrackerOutput>;
  render(previous: ImageLike, current: ImageLike, options?: RenderOptions): Promise<DrawnImage>;
  motionStream(frames: Iterable<ImageLike>, options?: MotionOptions): AsyncGenerator<StreamReport, void, undefined>;
  flowField(previous: PlaneLike | ImageLike, current: PlaneLike | ImageLike, options?: FieldOptions): Promise<FlowField>;
}

/** The field settings, and a preset to start from. */
export interface FieldOptions {
  preset?: FieldPreset;
  patch?: number;
  stride?: number;
  finestLevel?: number;
  iterations?: number;
  refinement?: number;
  fineRefinement?: number;
  method?: GreyMethod;
}

/** A field from a Middlebury .flo file. */
export function fromFlo(bytes: Uint8Array): FlowField;

/** A client of the ghostlines server at `base`; `fetch` to use another. */
export function connect(base: string | URL, options?: { fetch?: typeof fetch }): Client;

/** The reports of a `/motion/stream` answer, as the server wrote them. */
export function reportLines(response: Response): AsyncGenerator<Record<string, unknown>, void, undefined>;

/** The GhostlinesError of a refusal (a non-2xx answer). */
export function refusal(response: Response): Promise<Error>;
