//! The tracker and the painter together: one frame tracked, then drawn
//! over the background the painter asks for, its vectors along their paths
//! where the painter draws paths. What `track-and-paint`, the HTTP
//! `/render` routes and `ghostlines render` do each frame.

use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::paint::{Backdrop, LineShape, Painter, Strokes};
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
    let size = (frame.width(), frame.height());
    paint_tracked(tracker, painter, (size, Some(frame.pixels())), output, out)
}

/// [`track_and_paint_into`] of a frame [`Tracker::prepare`] made from
/// `frame`: the same output and the same picture. The frame's pixels are
/// needed only over the `frame` background (else `None` will do).
pub fn track_prepared_and_paint_into(
    tracker: &mut Tracker,
    painter: &mut Painter,
    frame: Option<Frame<'_>>,
    prepared: PreparedFrame,
    time: f64,
    out: &mut Vec<u8>,
) -> Result<TrackerOutput> {
    let size = (prepared.width, prepared.height);
    painter.check_size(size.0, size.1)?;
    let pixels = frame.map(|frame| frame.pixels());
    painter.check_frame_pixels(pixels)?;
    if let Some(frame) = frame
        && (frame.width(), frame.height()) != size
    {
        return Err(Error::SizeMismatch {
            expected: size,
            actual: (frame.width(), frame.height()),
        });
    }
    let output = tracker.push_prepared(prepared, time)?;
    paint_tracked(tracker, painter, (size, pixels), output, out)
}

/// Draws what `tracker` found in a frame of `size` (`output`, its last
/// push), over its pixels where there are some.
fn paint_tracked(
    tracker: &Tracker,
    painter: &mut Painter,
    ((width, height), pixels): ((u32, u32), Option<&[u8]>),
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
    let backdrop = Backdrop {
        width,
        height,
        pixels,
        filtered: tracker.filtered(),
        field: tracker.field(),
    };
    painter.paint_backdrop_into(&backdrop, &strokes, out)?;
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paint::{Background, PainterSettings};
    use crate::tracker::{TrackerMode, TrackerSettings};

    /// A prepared frame draws the same picture with or without the frame's
    /// pixels where the background does not show them, and is refused
    /// without them over the frame, leaving tracker and painter as they
    /// were.
    #[test]
    fn a_prepared_frame_needs_its_pixels_only_over_the_frame() {
        let (w, h) = (64, 48);
        let frames: Vec<Vec<u8>> = (0..4)
            .map(|k| crate::synthetic_scene(w, h, 3 * k))
            .collect();
        let settings = TrackerSettings {
            mode: TrackerMode::sparse(),
            interval: 0.0,
            ..Default::default()
        };
        for background in [Background::Filtered, Background::Black, Background::Frame] {
            let painter = PainterSettings {
                background,
                ..Default::default()
            };
            let mut whole = (
                Tracker::new(settings.clone()).unwrap(),
                Painter::new(painter).unwrap(),
            );
            let mut prepared = (
                Tracker::new(settings.clone()).unwrap(),
                Painter::new(painter).unwrap(),
            );
            let (mut expected, mut got) = (Vec::new(), Vec::new());
            for (k, pixels) in frames.iter().enumerate() {
                let frame = Frame::new(w, h, pixels).unwrap();
                let time = 40.0 * k as f64;
                let ready = || Tracker::prepare(&settings, frame).unwrap();
                let (tracker, painter) = &mut whole;
                let out = track_and_paint_into(tracker, painter, frame, Some(time), &mut expected);
                let (tracker, painter) = &mut prepared;
                if background == Background::Frame {
                    let refused = track_prepared_and_paint_into(
                        tracker,
                        painter,
                        None,
                        ready(),
                        time,
                        &mut got,
                    );
                    assert_eq!(refused.unwrap_err().kind(), "invalid-parameter");
                    let small = Frame::new(w / 2, h, &pixels[..pixels.len() / 2]).unwrap();
                    let refused = track_prepared_and_paint_into(
                        tracker,
                        painter,
                        Some(small),
                        ready(),
                        time,
                        &mut got,
                    );
                    assert_eq!(refused.unwrap_err().kind(), "size-mismatch");
                }
                let pixels = (background == Background::Frame).then_some(frame);
                let drawn = track_prepared_and_paint_into(
                    tracker,
                    painter,
                    pixels,
                    ready(),
                    time,
                    &mut got,
                );
                assert_eq!(drawn.unwrap(), out.unwrap(), "{background:?} frame {k}");
                assert!(got == expected, "{background:?} frame {k}: another picture");
            }
        }
    }
}
