//! The versioned JSON of tracker runs: `ghostlines motion --json` and the
//! HTTP `/motion` route. Serialisable with the `serde` feature.

use crate::centroid::Point;
use crate::tracker::{Displacement, TrackerOutput, Vector};

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
