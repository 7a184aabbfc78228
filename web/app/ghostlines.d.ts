// Types of ghostlines.js, the library over the jco-transpiled component.
// The records are the component's own (generated from the WIT into gen/).

import type {
  CornerSettings,
  EdgeSettings,
  FieldSettings,
  FlowField,
  FlowSettings,
  Frame,
  GreyMethod,
  Limits,
  Plane,
  Point,
  Polyline,
  Vector,
} from './gen/interfaces/ghostlines-image-types.js';
import type {
  DenseMode,
  PreparedFrame,
  SparseMode,
  TrackerOutput,
  TrackerSettings,
} from './gen/interfaces/ghostlines-image-tracking.js';
import type {
  Background,
  LineShape,
  PainterSettings,
  Rgba,
} from './gen/interfaces/ghostlines-image-painting.js';

export { GhostlinesError } from './error.js';
export type {
  Background,
  LineShape,
  CornerSettings,
  DenseMode,
  EdgeSettings,
  FieldSettings,
  FlowField,
  FlowSettings,
  Frame,
  GreyMethod,
  Limits,
  PainterSettings,
  Plane,
  Point,
  Polyline,
  PreparedFrame,
  Rgba,
  SparseMode,
  TrackerOutput,
  TrackerSettings,
  Vector,
};

/** RGBA8 bytes, row-major: a canvas `getImageData`'s layout. */
export type Bytes = Uint8Array | Uint8ClampedArray;

/** An `ImageData`-shaped frame: its bytes in `data` (or `pixels`). */
export type ImageLike =
  | { width: number; height: number; data: Bytes }
  | { width: number; height: number; pixels: Bytes };

/** One grey byte a pixel. */
export interface PlaneLike {
  width: number;
  height: number;
  values: Bytes;
}

/** A frame the component drew, `ImageData`-shaped. */
export interface DrawnImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type TrackerModeName = 'sketch' | 'sparse' | 'dense' | 'field';
/** The flow field's presets: OpenCV's DIS presets' search, and ours, balanced. */
export type FieldPreset = 'ultrafast' | 'fast' | 'balanced' | 'medium';
/** Field settings over a preset's (the default's when none is named). */
export type FieldOptions = Partial<FieldSettings> & { preset?: FieldPreset };
export type ColouringName = 'solid' | 'direction' | 'speed';

export const GREY_METHODS: readonly GreyMethod[];
export const TRACKER_MODES: readonly TrackerModeName[];
export const BACKGROUNDS: readonly Background[];
export const COLOURINGS: readonly ColouringName[];
export const LINE_SHAPES: readonly LineShape[];

export function toFrame(image: ImageLike): Frame;
export function toPlane(plane: PlaneLike): Plane;
/** The component's size limits. */
export function limits(): Limits;
/** One grey byte a pixel. */
export function greyscale(image: ImageLike, method?: GreyMethod): Plane;
/** Contrast (-100..=100) and brightness (-255..=255) on a frame. */
export function adjust(image: ImageLike, contrast: number, brightness: number): Frame;
/** The brightness centroid, or undefined if the plane is black. */
export function centroid(plane: PlaneLike): Point | undefined;
/** Canny edges as polylines. */
export function edges(plane: PlaneLike, options?: Partial<EdgeSettings>): Polyline[];
/**
 * The flow field from `previous` to `current`: a displacement at every
 * pixel, row-major, in two Float32Arrays (pixel (x, y) moved by
 * (u[i], v[i]), i = y·width + x). Options over the defaults (OpenCV's DIS
 * medium search), or over the preset they name.
 */
export function flowField(previous: PlaneLike, current: PlaneLike, options?: FieldOptions): FlowField;

/** Every default, read from the component. */
export interface Defaults {
  corners: CornerSettings;
  flow: FlowSettings;
  edges: EdgeSettings;
  field: FieldSettings;
  tracker: TrackerSettings;
  sparse: SparseMode;
  dense: DenseMode;
  painter: PainterSettings;
  /** The displacement `speed` colouring draws red when no speedMax is given, pixels. */
  speedMax: number;
}
export function defaults(): Defaults;

/** createTracker's options; each left out takes the component's default. */
export interface TrackerOptions {
  mode?: TrackerModeName;
  method?: GreyMethod;
  contrast?: number;
  brightness?: number;
  threshold?: number;
  samples?: number;
  seed?: number | bigint;
  /** Dense and field modes: a vector every `step` pixels. */
  step?: number;
  corners?: Partial<CornerSettings>;
  flow?: Partial<FlowSettings>;
  /** Field mode: how the flow field is searched. */
  field?: FieldOptions;
  /** Each frame is measured against the one this many milliseconds before (0: the one before it). */
  interval?: number;
}

export interface Tracker {
  /**
   * Vectors for this frame, taken at `time` milliseconds (a camera frame's
   * own timestamp; the time of the call when left out): { centroid,
   * centroidMotion, vectors }.
   */
  push(image: ImageLike, time?: number): TrackerOutput;
  /**
   * `push` of a frame `prepare` made with this tracker's options (in any
   * worker): the same answer.
   */
  pushPrepared(prepared: PreparedFrame, time?: number): TrackerOutput;
  /** The path each vector of the last push took over the interval (sparse mode). */
  paths(): Polyline[];
  /** Field mode: the last push's flow field (undefined in other modes). */
  field(): FlowField | undefined;
  /** Forgets the previous frame. */
  reset(): void;
  settings(): TrackerSettings;
  /** Frees the component-side resource now. */
  close(): void;
}
export function createTracker(options?: TrackerOptions): Tracker;

/**
 * The part of a tracker's push that needs nothing from the frames before
 * (grey, contrast, brightness, centroid, sparse mode's corners), made for a
 * tracker with the same `options`: `tracker.pushPrepared` finishes it.
 * `filtered.values.buffer` may be transferred to another worker.
 */
export function prepare(image: ImageLike, options?: TrackerOptions): PreparedFrame;

/** createPainter's options; each left out takes the component's default. */
export interface PainterOptions {
  colour?: Partial<Rgba>;
  /** Stroke width in pixels (sub-pixel widths allowed). */
  width?: number;
  /** Length scale of the vectors. */
  scale?: number;
  background?: Background;
  dim?: number;
  /** Trails: how much of the previous drawing stays, 0..=1. */
  persistence?: number;
  colouring?: ColouringName;
  /** Colouring 'speed': the speed at the top of the wheel. */
  speedMax?: number;
  /** A vector drawn straight along its motion, or (sparse mode) along its path. */
  shape?: LineShape;
}

/** What to draw on a frame. */
export interface PaintInput {
  /** The filtered grey plane, for background 'filtered'. */
  filtered?: PlaneLike | null;
  vectors?: Array<Pick<Vector, 'x' | 'y' | 'dx' | 'dy'> & { status?: Vector['status'] }>;
  polylines?: Polyline[];
}

export interface Painter {
  paint(image: ImageLike, input?: PaintInput): DrawnImage;
  /** Pushes `image` through `tracker` at `time` (as push takes it) and draws what it found. */
  track(tracker: Tracker, image: ImageLike, time?: number): { output: TrackerOutput; image: DrawnImage };
  /**
   * `track` of a frame `prepare` made from `image`, in one call. Only the
   * 'frame' background needs the image: leave it out over the others.
   */
  trackPrepared(
    tracker: Tracker,
    prepared: PreparedFrame,
    image: ImageLike | undefined,
    time?: number,
  ): { output: TrackerOutput; image: DrawnImage };
  /** Forgets the trails. */
  reset(): void;
  settings(): PainterSettings;
  /** Frees the component-side resource now. */
  close(): void;
}
export function createPainter(options?: PainterOptions): Painter;
