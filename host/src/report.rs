//! The versioned JSON of `ghostlines motion --json`.

use serde::{Deserialize, Serialize};

use crate::bindings::TrackerOutput;

/// The schema version; fields are only ever added within a version.
pub const MOTION_VERSION: u32 = 1;

/// `{"version":1,"width":W,"height":H,"frames":[...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// One frame's tracker output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameReport {
    /// 0-based position in the sequence.
    pub index: usize,
    /// The centroid, `null` for an all-black frame.
    pub centroid: Option<PointJson>,
    /// The centroid's motion since the previous frame, `null` on the first.
    pub centroid_motion: Option<DisplacementJson>,
    /// The ghost lines.
    pub vectors: Vec<VectorJson>,
}

/// `{"x":..,"y":..}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointJson {
    /// Column.
    pub x: f64,
    /// Row.
    pub y: f64,
}

/// `{"dx":..,"dy":..}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DisplacementJson {
    /// Along x.
    pub dx: f64,
    /// Along y.
    pub dy: f64,
}

/// `{"x":..,"y":..,"dx":..,"dy":..}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VectorJson {
    /// Origin column.
    pub x: f64,
    /// Origin row.
    pub y: f64,
    /// Displacement along x.
    pub dx: f64,
    /// Displacement along y.
    pub dy: f64,
}

impl FrameReport {
    /// The report of frame `index` from the tracker's output.
    pub fn new(index: usize, output: &TrackerOutput) -> FrameReport {
        FrameReport {
            index,
            centroid: output.centroid.map(|p| PointJson { x: p.x, y: p.y }),
            centroid_motion: output
                .centroid_motion
                .map(|d| DisplacementJson { dx: d.dx, dy: d.dy }),
            vectors: output
                .vectors
                .iter()
                .map(|v| VectorJson {
                    x: v.x,
                    y: v.y,
                    dx: v.dx,
                    dy: v.dy,
                })
                .collect(),
        }
    }
}
