//! ghostlines' image algorithms: pure Rust, no I/O, the same code natively
//! and inside the WebAssembly component.
//!
//! Frames are RGBA8, row-major, 4 bytes a pixel (the layout of a canvas
//! `getImageData`); planes are one grey byte a pixel. [`Frame`] and
//! [`Plane`] check dimensions, limits and lengths once, so the algorithms
//! that take them cannot fail on bad input.
//!
//! ```
//! use ghostlines_core::{Frame, GreyMethod, greyscale};
//!
//! // One red and one white pixel.
//! let pixels = [255, 0, 0, 255, 255, 255, 255, 255];
//! let frame = Frame::new(2, 1, &pixels)?;
//! assert_eq!(greyscale(frame, GreyMethod::LumaBt601), [76, 255]);
//! # Ok::<(), ghostlines_core::Error>(())
//! ```
//!
//! Each call allocates its working planes afresh and frees them before it
//! returns: a flow field allocates tens of MB a frame. On glibc, malloc
//! hands large blocks and the top of its heap back to the system at once
//! and maps them again on the next call, so a program that calls in a loop
//! pays for those pages every time; the `ghostlines` binary raises
//! malloc's mmap and trim thresholds at start for that reason (its
//! `keep_freed_memory`), and an embedding program may do the same or use
//! another allocator.
#![warn(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod adjust;
mod bytescan;
mod centroid;
mod corners;
mod cors;
#[cfg(feature = "decode")]
mod decode;
mod diff;
mod edges;
mod error;
mod field;
mod flow;
mod frame;
mod geometry;
mod gradients;
mod greyscale;
mod grid;
mod history;
mod limits;
mod pace;
mod paint;
mod pyramid;
mod render;
mod report;
mod scene;
mod svg;
mod time;
mod tracker;
mod y4m;
mod yuv;

pub use adjust::{Adjustment, adjust_plane_mut, adjust_rgba, adjust_rgba_into, adjust_rgba_mut};
pub use centroid::centroid;
pub use corners::{Corner, CornerSettings, MAX_CORNERS, corners};
pub use cors::{
    ALLOWED_HEADERS, CORS_VARIABLE, CorsOrigins, EXPOSED_HEADERS, OriginError,
    PREFLIGHT_MAX_AGE_SECONDS, Preflight, PreflightRefusal,
};
#[cfg(feature = "decode-all")]
pub use decode::decode_gif_frames;
#[cfg(feature = "decode")]
pub use decode::{DecodeError, DecodeLimits, DecodedFrame, decode_frame, guess_format};
pub use diff::{Change, SplitMix64, frame_diff, frame_diff_into};
pub use edges::{EdgeSettings, canny, edge_polylines, rdp};
pub use error::{Error, Result};
pub use field::{FLO_MAGIC, FieldSettings, FlowField, MAX_FIELD_PIXELS, flow_field};
pub use flow::{
    FlowPyramid, FlowSettings, FlowStatus, FlowVector, dense_flow, dense_flow_pyramids,
    sparse_flow, sparse_flow_pyramids, track_points,
};
pub use frame::{Frame, Plane};
pub use geometry::{Displacement, Point, Vector};
pub use gradients::{Gradient, GradientOperator, gradient_field};
pub use greyscale::{GreyMethod, greyscale, greyscale_into, greyscale_owned};
pub use grid::MAX_GRID_POINTS;
pub use limits::{LimitVariable, Limits};
pub use pace::{BODY_TIMEOUT, CutFrame, FramePace, StreamLimits};
pub use paint::{
    Backdrop, Background, Colouring, LineShape, Painter, PainterSettings, Rgba, Strokes,
};
pub use render::{track_and_paint_into, track_prepared_and_paint_into};
pub use report::EdgeReport;
pub use report::{
    EDGES_VERSION, ErrorDetail, ErrorReport, FrameReport, MOTION_VERSION, MotionReport, StreamHead,
};
pub use scene::synthetic_scene;
pub use svg::{SvgStyle, edges_svg, motion_svg, xml_escape};
pub use time::FrameRate;
pub use tracker::{PreparedFrame, Tracker, TrackerMode, TrackerOutput, TrackerSettings};
pub use y4m::{MAX_LINE as Y4M_MAX_LINE, Y4mError, Y4mHeader, Y4mReader};
pub use yuv::{Chroma, yuv_to_rgba};
