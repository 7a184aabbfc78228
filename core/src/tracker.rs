//! The sketch's pipeline as a stateful tracker: grey, adjust, centroid,
//! difference against the previous frame, ghost lines.

use crate::adjust::{Adjustment, adjust_plane_mut};
use crate::centroid::centroid;
use crate::color::{GreyMethod, greyscale_into};
use crate::corners::CornerSettings;
use crate::diff::{Change, SplitMix64, check_diff_parameters, frame_diff_into};
use crate::error::{Error, Result, by_name};
use crate::flow::{FlowPyramid, FlowSettings, dense_flow_pyramids, sparse_flow_pyramids};
use crate::frame::{Frame, Plane};
use crate::geometry::{Displacement, Point, Vector};

/// Where a tracker's vectors come from.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum TrackerMode {
    /// The sketch's: kept difference samples displaced by the centroid's
    /// motion.
    #[default]
    Sketch,
    /// Each corner's own motion.
    Sparse {
        /// Corner detection.
        corners: CornerSettings,
        /// Tracking.
        flow: FlowSettings,
    },
    /// A grid of motion vectors every `step` pixels.
    Dense {
        /// Grid spacing, 1..=1024.
        step: u32,
        /// Tracking.
        flow: FlowSettings,
    },
}

/// The mode's name.
impl std::fmt::Display for TrackerMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl TrackerMode {
    /// The grid spacing of [`TrackerMode::dense`], pixels.
    pub const DENSE_STEP: u32 = 16;

    /// Sparse flow with the default corner and flow settings.
    pub fn sparse() -> TrackerMode {
        TrackerMode::Sparse {
            corners: CornerSettings::default(),
            flow: FlowSettings::default(),
        }
    }

    /// Dense flow every [`TrackerMode::DENSE_STEP`] pixels with the default
    /// flow settings.
    pub fn dense() -> TrackerMode {
        TrackerMode::Dense {
            step: TrackerMode::DENSE_STEP,
            flow: FlowSettings::default(),
        }
    }

    /// Every mode with its defaults, in the order of the WIT variant.
    pub fn all() -> [TrackerMode; 3] {
        [
            TrackerMode::Sketch,
            TrackerMode::sparse(),
            TrackerMode::dense(),
        ]
    }

    /// The mode named `name` (`sketch`, `sparse`, `dense`) with its defaults.
    ///
    /// ```
    /// use ghostlines_core::TrackerMode;
    /// assert_eq!(TrackerMode::from_name("dense"), Ok(TrackerMode::dense()));
    /// assert_eq!(TrackerMode::from_name("psychic").unwrap_err().kind(), "invalid-parameter");
    /// ```
    pub fn from_name(name: &str) -> Result<TrackerMode> {
        by_name("mode", TrackerMode::all(), TrackerMode::name, name)
    }

    /// The mode's name (`sketch`, `sparse`, `dense`).
    pub fn name(&self) -> &'static str {
        match self {
            TrackerMode::Sketch => "sketch",
            TrackerMode::Sparse { .. } => "sparse",
            TrackerMode::Dense { .. } => "dense",
        }
    }

    fn check(&self) -> Result<()> {
        match self {
            TrackerMode::Sketch => Ok(()),
            TrackerMode::Sparse { corners, flow } => corners.check().and(flow.check()),
            TrackerMode::Dense { step, flow } => {
                crate::flow::check_step(*step)?;
                flow.check()
            }
        }
    }

    /// Checks what depends on the frame size (the dense grid's point count).
    fn check_size(&self, width: u32, height: u32) -> Result<()> {
        match self {
            TrackerMode::Dense { step, .. } => crate::grid::check_grid(width, height, *step),
            _ => Ok(()),
        }
    }
}

/// How a [`Tracker`] turns frames into vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerSettings {
    /// How frames are turned grey.
    pub method: GreyMethod,
    /// Contrast applied to the grey plane, -100..=100.
    pub contrast: i32,
    /// Brightness added to the grey plane, -255..=255.
    pub brightness: i32,
    /// A sample is kept when its value changed by at least `threshold · 255`;
    /// 0..=1.
    pub threshold: f64,
    /// Pixel positions drawn a frame.
    pub samples: u32,
    /// Seed of the SplitMix64 stream the positions are drawn from.
    pub seed: u64,
    /// Sketch vectors or optical flow.
    pub mode: TrackerMode,
}

impl Default for TrackerSettings {
    /// The sketch's defaults: max-rgb, no adjustment, threshold 0.1, 2000
    /// samples a frame, seed 0, sketch mode.
    fn default() -> Self {
        TrackerSettings {
            method: GreyMethod::MaxRgb,
            contrast: 0,
            brightness: 0,
            threshold: 0.1,
            samples: 2000,
            seed: 0,
            mode: TrackerMode::Sketch,
        }
    }
}

/// What one [`Tracker::push`] produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackerOutput {
    /// The centroid of the adjusted grey plane, `None` if it is all black.
    pub centroid: Option<Point>,
    /// This centroid minus the previous frame's; `None` on the first frame
    /// or when either centroid is `None`.
    pub centroid_motion: Option<Displacement>,
    /// One vector per kept sample, in draw order, each displaced by
    /// `centroid_motion`; empty when that is `None`.
    pub vectors: Vec<Vector>,
}

/// The sketch's tracker.
///
/// ```
/// use ghostlines_core::{Frame, Tracker, TrackerSettings};
/// let mut tracker = Tracker::new(TrackerSettings { threshold: 0.0, samples: 3, ..Default::default() })?;
/// // A bright pixel moving one step to the right in a 2x1 frame.
/// let first = tracker.push(Frame::new(2, 1, &[255, 255, 255, 255, 0, 0, 0, 255])?)?;
/// assert!(first.centroid_motion.is_none() && first.vectors.is_empty());
/// let second = tracker.push(Frame::new(2, 1, &[0, 0, 0, 255, 255, 255, 255, 255])?)?;
/// let motion = second.centroid_motion.unwrap();
/// assert_eq!((motion.dx, motion.dy), (1.0, 0.0));
/// assert_eq!(second.vectors.len(), 3);
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Tracker {
    settings: TrackerSettings,
    adjustment: Adjustment,
    rng: SplitMix64,
    previous: Option<Previous>,
    /// Flow modes: the previous frame's pyramid, built once a frame.
    pyramid: Option<FlowPyramid>,
    // Buffers kept between pushes so that a push allocates only its output.
    current: Vec<u8>,
    changes: Vec<Change>,
}

#[derive(Debug, Clone)]
struct Previous {
    width: u32,
    height: u32,
    plane: Vec<u8>,
    centroid: Option<Point>,
}

impl Tracker {
    /// A tracker with `settings`, or [`Error::InvalidParameter`] when one is
    /// out of range.
    pub fn new(settings: TrackerSettings) -> Result<Tracker> {
        let adjustment = Adjustment::new(settings.contrast, settings.brightness)?;
        check_diff_parameters(settings.threshold, settings.samples)?;
        settings.mode.check()?;
        Ok(Tracker {
            rng: SplitMix64::new(settings.seed),
            settings,
            adjustment,
            previous: None,
            pyramid: None,
            current: Vec::new(),
            changes: Vec::new(),
        })
    }

    /// The settings this tracker was created with.
    pub fn settings(&self) -> &TrackerSettings {
        &self.settings
    }

    /// Processes the next frame. It must have the size of the first frame
    /// since creation or [`reset`](Tracker::reset), else
    /// [`Error::SizeMismatch`], and the tracker is left as it was.
    pub fn push(&mut self, frame: Frame<'_>) -> Result<TrackerOutput> {
        if let Some(previous) = &self.previous
            && (previous.width, previous.height) != (frame.width(), frame.height())
        {
            return Err(Error::SizeMismatch {
                expected: (previous.width, previous.height),
                actual: (frame.width(), frame.height()),
            });
        }
        self.settings
            .mode
            .check_size(frame.width(), frame.height())?;
        self.current.resize(frame.pixel_count(), 0);
        greyscale_into(frame, self.settings.method, &mut self.current)?;
        if !self.adjustment.is_identity() {
            adjust_plane_mut(&mut self.current, &self.adjustment);
        }
        let current = Plane::new(frame.width(), frame.height(), &self.current)?;
        let centroid = centroid(current);

        let mut output = TrackerOutput {
            centroid,
            ..TrackerOutput::default()
        };
        let motion = self.previous.as_ref().and_then(|previous| {
            let (now, then) = (centroid?, previous.centroid?);
            Some(Displacement {
                dx: now.x - then.x,
                dy: now.y - then.y,
            })
        });
        output.centroid_motion = motion;
        match self.settings.mode {
            TrackerMode::Sketch => {
                if let Some(previous) = &self.previous {
                    let before = Plane::new(previous.width, previous.height, &previous.plane)?;
                    frame_diff_into(
                        before,
                        current,
                        self.settings.threshold,
                        self.settings.samples,
                        &mut self.rng,
                        &mut self.changes,
                    )?;
                    if let Some(motion) = motion {
                        output.vectors = self
                            .changes
                            .iter()
                            .map(|c| {
                                Vector::sketch(f64::from(c.x), f64::from(c.y), motion.dx, motion.dy)
                            })
                            .collect();
                    }
                }
            }
            TrackerMode::Sparse { corners, flow } => {
                let pyramid = FlowPyramid::new(current, flow.levels);
                if let (Some(before), Some(_)) = (&self.pyramid, &self.previous) {
                    let vectors = sparse_flow_pyramids(before, &pyramid, &corners, &flow)?;
                    output.vectors = vectors.into_iter().map(Vector::from).collect();
                }
                self.pyramid = Some(pyramid);
            }
            TrackerMode::Dense { step, flow } => {
                let pyramid = FlowPyramid::new(current, flow.levels);
                if let (Some(before), Some(_)) = (&self.pyramid, &self.previous) {
                    let vectors = dense_flow_pyramids(before, &pyramid, step, &flow)?;
                    output.vectors = vectors.into_iter().map(Vector::from).collect();
                }
                self.pyramid = Some(pyramid);
            }
        }

        // The current plane becomes the previous one; its old buffer is
        // reused for the next push.
        let plane = std::mem::take(&mut self.current);
        if let Some(previous) = self.previous.take() {
            self.current = previous.plane;
        }
        self.previous = Some(Previous {
            width: frame.width(),
            height: frame.height(),
            plane,
            centroid,
        });
        Ok(output)
    }

    /// The last pushed frame's filtered plane (grey, then contrast and
    /// brightness): what the sketch drew its lines over.
    pub fn filtered(&self) -> Option<Plane<'_>> {
        let previous = self.previous.as_ref()?;
        Plane::new(previous.width, previous.height, &previous.plane).ok()
    }

    /// Forgets the previous frame and its size; the sample stream goes on.
    pub fn reset(&mut self) {
        self.previous = None;
        self.pyramid = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::FlowStatus;

    /// A `w x h` black RGBA frame with a white `size x size` square at (x, y).
    fn square(w: u32, h: u32, x: u32, y: u32, size: u32) -> Vec<u8> {
        let mut pixels = vec![0u8; (w * h * 4) as usize];
        for (i, px) in pixels.chunks_exact_mut(4).enumerate() {
            let (px_x, px_y) = (i as u32 % w, i as u32 / w);
            let inside = (x..x + size).contains(&px_x) && (y..y + size).contains(&px_y);
            let v = if inside { 255 } else { 0 };
            px.copy_from_slice(&[v, v, v, 255]);
        }
        pixels
    }

    #[test]
    fn a_moving_square_gives_its_motion() {
        let settings = TrackerSettings {
            threshold: 0.5,
            samples: 5000,
            ..Default::default()
        };
        let mut tracker = Tracker::new(settings).unwrap();
        let a = square(64, 48, 10, 12, 8);
        let b = square(64, 48, 13, 10, 8);
        let first = tracker.push(Frame::new(64, 48, &a).unwrap()).unwrap();
        assert_eq!(first.centroid, Some(Point { x: 13.5, y: 15.5 }));
        assert_eq!(first.centroid_motion, None);
        assert!(first.vectors.is_empty());

        let second = tracker.push(Frame::new(64, 48, &b).unwrap()).unwrap();
        assert_eq!(
            second.centroid_motion,
            Some(Displacement { dx: 3.0, dy: -2.0 })
        );
        assert!(!second.vectors.is_empty());
        for v in &second.vectors {
            assert_eq!((v.dx, v.dy), (3.0, -2.0));
            // Every kept sample lies where exactly one of the squares is.
            let (x, y) = (v.x as u32, v.y as u32);
            let in_a = (10..18).contains(&x) && (12..20).contains(&y);
            let in_b = (13..21).contains(&x) && (10..18).contains(&y);
            assert!(in_a != in_b, "sample at ({x}, {y})");
        }
    }

    #[test]
    fn the_sample_stream_continues_and_reset_keeps_it() {
        let settings = TrackerSettings {
            threshold: 0.0,
            samples: 4,
            seed: 99,
            ..Default::default()
        };
        let a = square(5, 3, 0, 0, 2);
        let b = square(5, 3, 1, 1, 2);
        let frames = [&a, &b, &a];
        let mut tracker = Tracker::new(settings).unwrap();
        let mut positions = Vec::new();
        for f in frames {
            let out = tracker.push(Frame::new(5, 3, f).unwrap()).unwrap();
            positions.extend(out.vectors.iter().map(|v| v.x as u64 + 5 * v.y as u64));
        }
        let mut rng = SplitMix64::new(99);
        let expected: Vec<u64> = (0..8).map(|_| rng.next_below(15)).collect();
        assert_eq!(positions, expected);

        tracker.reset();
        let out = tracker.push(Frame::new(5, 3, &b).unwrap()).unwrap();
        assert!(out.vectors.is_empty() && out.centroid_motion.is_none());
        let out = tracker.push(Frame::new(5, 3, &a).unwrap()).unwrap();
        let after: Vec<u64> = out
            .vectors
            .iter()
            .map(|v| v.x as u64 + 5 * v.y as u64)
            .collect();
        let expected: Vec<u64> = (0..4).map(|_| rng.next_below(15)).collect();
        assert_eq!(after, expected);
    }

    #[test]
    fn another_size_is_refused_and_changes_nothing() {
        let mut tracker = Tracker::new(TrackerSettings {
            threshold: 0.0,
            samples: 1,
            ..Default::default()
        })
        .unwrap();
        let a = square(4, 4, 0, 0, 2);
        tracker.push(Frame::new(4, 4, &a).unwrap()).unwrap();
        let err = tracker.push(Frame::new(2, 8, &a).unwrap()).unwrap_err();
        assert_eq!(
            err,
            Error::SizeMismatch {
                expected: (4, 4),
                actual: (2, 8)
            }
        );
        // The previous frame is still there: the next push has vectors.
        let b = square(4, 4, 1, 1, 2);
        let out = tracker.push(Frame::new(4, 4, &b).unwrap()).unwrap();
        assert_eq!(out.centroid_motion, Some(Displacement { dx: 1.0, dy: 1.0 }));
        assert_eq!(out.vectors.len(), 1);
        // After a reset another size is fine.
        tracker.reset();
        assert!(tracker.push(Frame::new(2, 8, &a).unwrap()).is_ok());
    }

    #[test]
    fn black_frames_have_no_centroid_and_no_vectors() {
        let mut tracker = Tracker::new(TrackerSettings {
            threshold: 0.0,
            ..Default::default()
        })
        .unwrap();
        let black = vec![0u8; 4 * 4 * 4];
        let a = square(4, 4, 0, 0, 2);
        tracker.push(Frame::new(4, 4, &a).unwrap()).unwrap();
        let out = tracker.push(Frame::new(4, 4, &black).unwrap()).unwrap();
        assert_eq!(out.centroid, None);
        assert_eq!(out.centroid_motion, None);
        assert!(out.vectors.is_empty());
    }

    #[test]
    fn adjustment_is_applied_to_the_grey_plane() {
        // Brightness -255 makes everything black: no centroid.
        let mut tracker = Tracker::new(TrackerSettings {
            brightness: -255,
            ..Default::default()
        })
        .unwrap();
        let a = square(4, 4, 0, 0, 2);
        assert_eq!(
            tracker
                .push(Frame::new(4, 4, &a).unwrap())
                .unwrap()
                .centroid,
            None
        );
    }

    #[test]
    fn invalid_settings_are_refused() {
        for settings in [
            TrackerSettings {
                contrast: 101,
                ..Default::default()
            },
            TrackerSettings {
                brightness: -256,
                ..Default::default()
            },
            TrackerSettings {
                threshold: f64::NAN,
                ..Default::default()
            },
            TrackerSettings {
                samples: u32::MAX,
                ..Default::default()
            },
        ] {
            assert_eq!(
                Tracker::new(settings).unwrap_err().kind(),
                "invalid-parameter"
            );
        }
    }

    /// An RGBA frame of a smooth texture shifted by (sx, sy).
    fn texture(w: u32, h: u32, sx: f64, sy: f64) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (f64::from(i % w) - sx, f64::from(i / w) - sy);
                let v = 128.0
                    + 50.0 * (0.21 * x + 0.13 * y).sin()
                    + 40.0 * (0.31 * y - 0.07 * x + 1.0).sin();
                let v = v.round() as u8;
                [v, v, v, 255]
            })
            .collect()
    }

    #[test]
    fn flow_modes_track_each_point() {
        let (w, h) = (96, 72);
        let a = texture(w, h, 0.0, 0.0);
        let b = texture(w, h, 1.5, -0.5);
        for mode in [
            TrackerMode::Sparse {
                corners: CornerSettings::default(),
                flow: FlowSettings::default(),
            },
            TrackerMode::Dense {
                step: 8,
                flow: FlowSettings::default(),
            },
        ] {
            let mut tracker = Tracker::new(TrackerSettings {
                mode,
                ..Default::default()
            })
            .unwrap();
            let first = tracker.push(Frame::new(w, h, &a).unwrap()).unwrap();
            assert!(first.vectors.is_empty());
            let second = tracker.push(Frame::new(w, h, &b).unwrap()).unwrap();
            assert!(!second.vectors.is_empty(), "{}", mode.name());
            if let TrackerMode::Dense { .. } = mode {
                assert_eq!(second.vectors.len(), 12 * 9);
            }
            let tracked: Vec<_> = second
                .vectors
                .iter()
                .filter(|v| v.status == Some(FlowStatus::Tracked))
                .collect();
            // Every point whose window stays clear of the border is tracked.
            let interior = |v: &&Vector| (10.0..86.0).contains(&v.x) && (10.0..62.0).contains(&v.y);
            assert!(
                second
                    .vectors
                    .iter()
                    .filter(interior)
                    .all(|v| v.status == Some(FlowStatus::Tracked))
            );
            assert!(!tracked.is_empty(), "{}", mode.name());
            for v in tracked {
                assert!(
                    (v.dx - 1.5).abs() < 0.2 && (v.dy + 0.5).abs() < 0.2,
                    "{v:?}"
                );
                assert!(v.error.is_some());
            }
            // Reset forgets the pyramid too.
            tracker.reset();
            assert!(
                tracker
                    .push(Frame::new(w, h, &b).unwrap())
                    .unwrap()
                    .vectors
                    .is_empty()
            );
        }
        let bad = TrackerMode::Dense {
            step: 0,
            flow: FlowSettings::default(),
        };
        assert_eq!(
            Tracker::new(TrackerSettings {
                mode: bad,
                ..Default::default()
            })
            .unwrap_err()
            .kind(),
            "invalid-parameter"
        );
    }
}
