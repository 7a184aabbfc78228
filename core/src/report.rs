//! The versioned JSON of tracker runs: `ghostlines motion --json` and the
//! HTTP `/motion` route. Serialisable with the `serde` feature.

use crate::geometry::{Displacement, Point, Vector};
use crate::gradients::Gradient;
use crate::tracker::TrackerOutput;

/// The schema version; fields are only ever added within a version.
pub const MOTION_VERSION: u32 = 1;

/// `{"version":1,"width":W,"height":H,"frames":[...]}`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MotionReport {
    /// [`MOTION_VERSION`].
    pub version: u32,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// One entry a pushed frame, in order.
    pub frames: Vec<FrameReport>,
}

/// The first line of a motion stream (NDJSON: this, then a
/// [`FrameReport`] a line): `{"version":1,"width":W,"height":H}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StreamHead {
    /// [`MOTION_VERSION`].
    pub version: u32,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
}

impl StreamHead {
    /// The head of a stream of `width x height` frames.
    pub fn new(width: u32, height: u32) -> StreamHead {
        StreamHead {
            version: MOTION_VERSION,
            width,
            height,
        }
    }
}

/// One frame's tracker output:
/// `{"index":i,"centroid":{"x","y"}|null,"centroid_motion":{"dx","dy"}|null,"vectors":[{"x","y","dx","dy"}]}`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FrameReport {
    /// 0-based position in the sequence.
    pub index: usize,
    /// The centroid, `null` for an all-black frame.
    pub centroid: Option<Point>,
    /// The centroid's motion since the previous frame, `null` on the first.
    pub centroid_motion: Option<Displacement>,
    /// The ghost lines.
    pub vectors: Vec<Vector>,
}

impl FrameReport {
    /// The report of frame `index`.
    pub fn new(index: usize, output: TrackerOutput) -> FrameReport {
        FrameReport {
            index,
            centroid: output.centroid,
            centroid_motion: output.centroid_motion,
            vectors: output.vectors,
        }
    }
}

/// The JSON of an error over HTTP, as a whole answer and as a stream's last
/// line: `{"error":{"kind":…,"message":…}}`, with `"frames":N` last on a
/// stream (the frames answered before it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErrorReport {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The inside of an [`ErrorReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErrorDetail {
    /// A WIT error case name or an HTTP-level kind (`timeout`, ...).
    pub kind: String,
    /// A sentence for people.
    pub message: String,
    /// On a stream's last line: how many frames were answered before it
    /// (`"frames"` in the JSON).
    #[cfg_attr(
        feature = "serde",
        serde(default, rename = "frames", skip_serializing_if = "Option::is_none")
    )]
    pub frames_done: Option<u64>,
}

impl ErrorReport {
    /// The report of an error of `kind`, after `frames_done` frames of a
    /// stream.
    pub fn new(kind: &str, message: &str, frames_done: Option<u64>) -> ErrorReport {
        ErrorReport {
            error: ErrorDetail {
                kind: kind.to_string(),
                message: message.to_string(),
                frames_done,
            },
        }
    }
}

/// The schema version of [`EdgeReport`].
pub const EDGES_VERSION: u32 = 1;

/// `{"version":1,"width":W,"height":H,"polylines":[[[x,y],…],…],"gradients":[{"x","y","dx","dy","magnitude"}…]}`:
/// the JSON of `ghostlines edges` and the HTTP `/edges` route.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EdgeReport {
    /// [`EDGES_VERSION`].
    pub version: u32,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Each polyline as `[x, y]` pairs.
    pub polylines: Vec<Vec<[f64; 2]>>,
    /// The gradient field (empty when none was asked for).
    pub gradients: Vec<Gradient>,
}

impl EdgeReport {
    /// The report of `polylines` and `gradients` of a `width x height` frame.
    pub fn new(
        width: u32,
        height: u32,
        polylines: &[Vec<Point>],
        gradients: Vec<Gradient>,
    ) -> EdgeReport {
        EdgeReport {
            version: EDGES_VERSION,
            width,
            height,
            polylines: polylines
                .iter()
                .map(|line| line.iter().map(|p| [p.x, p.y]).collect())
                .collect(),
            gradients,
        }
    }
}
