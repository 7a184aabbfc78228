//! The tracker and the painter together: one frame tracked, then drawn
//! over the background the painter asks for, its vectors along their paths
//! where the painter draws paths. What `track-and-paint`, the HTTP
//! `/render` routes and `ghostlines render` do each frame.

use crate::error::Result;
use crate::frame::Frame;
use crate::paint::{LineShape, Painter, Strokes};
use crate::tracker::{Tracker, TrackerOutput};

/// Pushes `frame` through `tracker` (at `time` milliseconds, or one
/// interval after the frame before) and draws what it found with
/// `painter` into `out`. A frame either refuses is refused before the
/// tracker takes it, so that a refusal leaves both as they were.
pub fn track_and_paint_into(
    tracker: &mut Tracker,
    painter: &mut Painter,
    frame: Frame<'_>,
    time: Option<f64>,
    out: &mut Vec<u8>,
) -> Result<TrackerOutput> {
    painter.check_size(frame.width(), frame.height())?;
    let output = match time {
        Some(time) => tracker.push_at(frame, time)?,
        None => tracker.push(frame)?,
    };
    // Paths only where they are drawn.
    let paths = match painter.settings().shape {
        LineShape::Path => tracker.paths(),
        LineShape::Straight => Vec::new(),
    };
    let strokes = Strokes {
        vectors: &output.vectors,
        paths: &paths,
        polylines: &[],
    };
    painter.paint_over_field_into(frame, tracker.filtered(), tracker.field(), &strokes, out)?;
    Ok(output)
}
