//! The tracker and the painter together: one frame tracked, then drawn
//! over the background the painter asks for, its vectors along their paths
//! where the painter draws paths. What `track-and-paint`, the HTTP
//! `/render` routes and `ghostlines render` do each frame.

use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::paint::{LineShape, Painter, Strokes};
use crate::tracker::{PreparedFrame, Tracker, TrackerOutput};

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
    paint_tracked(tracker, painter, frame, output, out)
}

/// [`track_and_paint_into`] of a frame [`Tracker::prepare`] made from
/// `frame`: the same output and the same picture.
pub fn track_prepared_and_paint_into(
    tracker: &mut Tracker,
    painter: &mut Painter,
    frame: Frame<'_>,
    prepared: PreparedFrame,
    time: f64,
    out: &mut Vec<u8>,
) -> Result<TrackerOutput> {
    painter.check_size(frame.width(), frame.height())?;
    let size = (frame.width(), frame.height());
    let prepared_size = (prepared.width, prepared.height);
    if prepared_size != size {
        return Err(Error::SizeMismatch {
            expected: prepared_size,
            actual: size,
        });
    }
    let output = tracker.push_prepared(prepared, time)?;
    paint_tracked(tracker, painter, frame, output, out)
}

/// Draws what `tracker` found in `frame` (`output`, its last push).
fn paint_tracked(
    tracker: &Tracker,
    painter: &mut Painter,
    frame: Frame<'_>,
    output: TrackerOutput,
    out: &mut Vec<u8>,
) -> Result<TrackerOutput> {
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
