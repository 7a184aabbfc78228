//! The sketch's pipeline as a stateful tracker: grey, adjust, centroid,
//! difference against the frame one interval before, ghost lines.
//!
//! The sketch grabbed a frame every 200 ms and compared it with the one
//! before, so its vectors are 200 ms of motion. A tracker keeps that time
//! base whatever the frame rate: each frame is measured against the
//! nearest frame at or before its time minus [`TrackerSettings::interval`].

use crate::adjust::{Adjustment, adjust_plane_mut};
use crate::centroid::centroid;
use crate::corners::CornerSettings;
use crate::diff::{Change, SplitMix64, check_diff_parameters, frame_diff_into};
use crate::error::{Error, Result, by_name};
use crate::field::{FieldSettings, FlowField, flow_field, textured};
use crate::flow::{
    FlowPyramid, FlowSettings, FlowStatus, Tracks, dense_flow_pyramids, hold_still,
    seed_candidates, sparse_flow_pyramids,
};
use crate::frame::{Frame, Plane};
use crate::geometry::{Displacement, Point, Vector};
use crate::greyscale::{GreyMethod, greyscale_into};
use crate::history::History;

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
    /// The flow field at every pixel ([`Tracker::field`]), each frame's
    /// searched from the last one's, and its vectors every `step` pixels.
    Field {
        /// Spacing of the vectors drawn from the field, 1..=1024.
        step: u32,
        /// How the field is searched.
        settings: FieldSettings,
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

    /// The preset of [`TrackerMode::field`]: OpenCV's DIS FAST, refined.
    pub const FIELD_PRESET: &'static str = "fast";

    /// The flow field with the [`TrackerMode::FIELD_PRESET`], vectors every
    /// [`TrackerMode::DENSE_STEP`] pixels.
    pub fn field() -> TrackerMode {
        TrackerMode::Field {
            step: TrackerMode::DENSE_STEP,
            settings: FieldSettings::FAST,
        }
    }

    /// Every mode with its defaults, in the order of the WIT variant.
    pub fn all() -> [TrackerMode; 4] {
        [
            TrackerMode::Sketch,
            TrackerMode::sparse(),
            TrackerMode::dense(),
            TrackerMode::field(),
        ]
    }

    /// The mode named `name` (`sketch`, `sparse`, `dense`, `field`) with its
    /// defaults.
    ///
    /// ```
    /// use ghostlines_core::TrackerMode;
    /// assert_eq!(TrackerMode::from_name("dense"), Ok(TrackerMode::dense()));
    /// assert_eq!(TrackerMode::from_name("psychic").unwrap_err().kind(), "invalid-parameter");
    /// ```
    pub fn from_name(name: &str) -> Result<TrackerMode> {
        by_name("mode", TrackerMode::all(), TrackerMode::name, name)
    }

    /// The mode's name (`sketch`, `sparse`, `dense`, `field`).
    pub fn name(&self) -> &'static str {
        match self {
            TrackerMode::Sketch => "sketch",
            TrackerMode::Sparse { .. } => "sparse",
            TrackerMode::Dense { .. } => "dense",
            TrackerMode::Field { .. } => "field",
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
            TrackerMode::Field { step, settings } => {
                crate::flow::check_step(*step)?;
                settings.check()
            }
        }
    }

    /// Checks what depends on the frame size (the dense grid's point count).
    fn check_size(&self, width: u32, height: u32) -> Result<()> {
        match self {
            TrackerMode::Dense { step, .. } => crate::grid::check_grid(width, height, *step),
            TrackerMode::Field { step, settings } => {
                crate::field::check_size(width, height, settings.patch)?;
                crate::grid::check_grid(width, height, *step)
            }
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
    /// Each frame is measured against the nearest frame at or before its
    /// time minus this, milliseconds, 0..=60000: the sketch's 200 ms grab
    /// interval whatever the frame rate; 0 measures consecutive frames.
    pub interval: f64,
}

impl TrackerSettings {
    /// The longest interval, milliseconds: a minute.
    pub const MAX_INTERVAL: f64 = 60_000.0;

    /// Checks every setting; the grey plane's adjustment when they are in
    /// range.
    fn checked(&self) -> Result<Adjustment> {
        let adjustment = Adjustment::new(self.contrast, self.brightness)?;
        check_diff_parameters(self.threshold, self.samples)?;
        self.mode.check()?;
        self.check()?;
        Ok(adjustment)
    }

    fn check(&self) -> Result<()> {
        if !(0.0..=TrackerSettings::MAX_INTERVAL).contains(&self.interval) {
            return Err(Error::InvalidParameter(format!(
                "interval must be in 0..={} milliseconds, got {}",
                TrackerSettings::MAX_INTERVAL,
                self.interval
            )));
        }
        Ok(())
    }
}

impl Default for TrackerSettings {
    /// The original sketch's: the max-RGB grey, contrast +50 then
    /// brightness +50, samples kept where the grey changed by 0.4·255 of
    /// 10,000 positions drawn a frame (seed 0), sketch mode, each frame
    /// measured against the one 200 ms before.
    fn default() -> Self {
        TrackerSettings {
            method: GreyMethod::MaxRgb,
            contrast: 50,
            brightness: 50,
            threshold: 0.4,
            samples: 10_000,
            seed: 0,
            mode: TrackerMode::Sketch,
            interval: 200.0,
        }
    }
}

/// What one [`Tracker::push`] produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackerOutput {
    /// The centroid of the adjusted grey plane, `None` if it is all black.
    pub centroid: Option<Point>,
    /// This centroid minus the reference frame's (the one an interval
    /// before); `None` while there is none, or when either centroid is
    /// `None`.
    pub centroid_motion: Option<Displacement>,
    /// Sketch mode: one vector per kept sample, in draw order, each
    /// displaced by `centroid_motion`; empty when that is `None`. Flow
    /// modes: each point's motion over the interval (see [`Tracker`]).
    pub vectors: Vec<Vector>,
}

/// The part of a push that needs nothing from the frames before it: the
/// filtered plane, its centroid, and in sparse mode the corners new tracks
/// may start at. [`Tracker::prepare`] makes it anywhere (another thread,
/// another instance), and [`Tracker::push_prepared`] finishes the push:
/// a stream's frames can be prepared side by side and pushed in order,
/// with the same results as [`Tracker::push_at`].
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedFrame {
    /// The settings it was prepared with: a tracker takes it only with its
    /// own.
    pub settings: TrackerSettings,
    /// The frame's width, pixels.
    pub width: u32,
    /// The frame's height, pixels.
    pub height: u32,
    /// The filtered plane: grey, then contrast and brightness.
    pub filtered: Vec<u8>,
    /// The filtered plane's centroid, `None` if it is all black.
    pub centroid: Option<Point>,
    /// Sparse mode: the corners a seeding could take, strongest first
    /// (x, y); `None` in the other modes.
    pub corners: Option<Vec<(u32, u32)>>,
}

/// The sketch's tracker.
///
/// Each push at time `t` (milliseconds; [`Tracker::push`] takes each frame
/// one interval after the one before) is measured against its reference:
/// the nearest earlier frame at or before `t − interval`. Sketch mode
/// differences the filtered planes of the two and moves the samples by
/// their centroids' difference. Sparse mode follows its corners frame to
/// frame and chains the steps (KLT tracking): a point's vector runs from
/// where it was at the reference to where it is now, and its path is the
/// positions it went through ([`Tracker::paths`]); corners seeded since
/// are not reported yet. Dense mode tracks its grid of the reference frame
/// into this one. With no interval the flow modes track consecutive
/// frames, every corner or grid point of the previous frame, lost ones
/// included.
///
/// ```
/// use ghostlines_core::{Frame, Tracker, TrackerSettings};
/// let settings = TrackerSettings {
///     threshold: 0.0,
///     samples: 3,
///     contrast: 0,
///     brightness: 0,
///     ..Default::default()
/// };
/// let mut tracker = Tracker::new(settings)?;
/// // A bright pixel moving one step to the right in a 2x1 frame, 40 ms
/// // apart: against the default 200 ms interval, frame 5 is measured
/// // against frame 0.
/// let left = [255, 255, 255, 255, 0, 0, 0, 255];
/// let right = [0, 0, 0, 255, 255, 255, 255, 255];
/// for k in 0..5 {
///     let out = tracker.push_at(Frame::new(2, 1, &left)?, 40.0 * f64::from(k))?;
///     assert!(out.centroid_motion.is_none() && out.vectors.is_empty());
/// }
/// let out = tracker.push_at(Frame::new(2, 1, &right)?, 200.0)?;
/// let motion = out.centroid_motion.unwrap();
/// assert_eq!((motion.dx, motion.dy), (1.0, 0.0));
/// assert_eq!(out.vectors.len(), 3);
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Tracker {
    settings: TrackerSettings,
    adjustment: Adjustment,
    rng: SplitMix64,
    /// The size of the frames since creation or reset.
    size: Option<(u32, u32)>,
    /// The time of the last push, milliseconds.
    last_time: Option<f64>,
    /// Sketch mode: the filtered planes, one interval back.
    planes: History<Kept>,
    /// Buffers of planes forgotten, for the next ones kept.
    spare: Vec<Vec<u8>>,
    /// Flow modes: the previous frame's pyramid, built once a frame.
    pyramid: Option<FlowPyramid>,
    /// Flow modes with an interval: the points followed.
    tracks: Tracks,
    /// The last frame's filtered plane; reused for the next.
    current: Vec<u8>,
    /// The frame difference's samples, reused.
    changes: Vec<Change>,
    /// Vectors the last push reported.
    reported: usize,
    /// Which of them were held still: their paths are noise, not motion.
    held: Vec<bool>,
    /// Field mode: the last frame's flow field, the next one's first guess.
    field: Option<FlowField>,
}

/// A kept frame of sketch mode.
#[derive(Debug, Clone)]
struct Kept {
    plane: Vec<u8>,
    centroid: Option<Point>,
}

/// One push's planes: this frame's filtered plane and its reference's
/// (the newest kept at or before `time − interval`).
struct Measure<'a> {
    current: Plane<'a>,
    reference: Option<Plane<'a>>,
    time: f64,
    interval: f64,
    /// Sparse mode: this frame's corners, when they were found beforehand.
    candidates: Option<&'a [(u32, u32)]>,
}

/// Vectors, and which of them were held still.
type Measured = (Vec<Vector>, Vec<bool>);

impl Measure<'_> {
    /// The sketch's: samples that changed against the reference, moved by
    /// the centroid's motion since it (`(threshold, samples)` of `diff`).
    fn sketch(
        &self,
        (threshold, samples): (f64, u32),
        moved: Option<Displacement>,
        rng: &mut SplitMix64,
        changes: &mut Vec<Change>,
    ) -> Result<Vec<Vector>> {
        let Some(before) = self.reference else {
            return Ok(Vec::new());
        };
        frame_diff_into(before, self.current, threshold, samples, rng, changes)?;
        let Some(moved) = moved else {
            return Ok(Vec::new());
        };
        Ok(changes
            .iter()
            .map(|c| Vector::sketch(f64::from(c.x), f64::from(c.y), moved.dx, moved.dy))
            .collect())
    }

    /// Sparse flow: with an interval, corners followed frame to frame
    /// (`tracks`) since the reference; without, the previous frame's
    /// corners tracked into this one. `pyramid` is the previous frame's,
    /// and becomes this one's once all went well.
    fn sparse(
        &self,
        tracks: &mut Tracks,
        pyramid: &mut Option<FlowPyramid>,
        corners: &CornerSettings,
        flow: &FlowSettings,
    ) -> Result<Measured> {
        let next = FlowPyramid::new(self.current, flow.levels);
        let previous = pyramid.as_ref();
        let measured = if self.interval > 0.0 {
            let seeding = (corners, self.candidates);
            let mut vectors =
                tracks.follow(previous, &next, self.time, self.interval, seeding, flow)?;
            // Noise chained over the interval adds up to strokes where
            // nothing moved: a point whose window did not change since the
            // reference holds still.
            let held = match self.reference {
                Some(before) => hold_still(before, self.current, &mut vectors, flow.window),
                None => Vec::new(),
            };
            (vectors, held)
        } else if let Some(before) = previous {
            let vectors = sparse_flow_pyramids(before, &next, corners, flow)?;
            (vectors.into_iter().map(Vector::from).collect(), Vec::new())
        } else {
            (Vec::new(), Vec::new())
        };
        *pyramid = Some(next);
        Ok(measured)
    }

    /// The flow field against the reference, searched from `field` (the
    /// last frame's, then replaced by this one's), and its vectors every
    /// `step` pixels from (step/2, step/2), row-major.
    fn field(
        &self,
        field: &mut Option<FlowField>,
        step: u32,
        settings: &FieldSettings,
    ) -> Result<Vec<Vector>> {
        let Some(before) = self.reference else {
            *field = None;
            return Ok(Vec::new());
        };
        let found = flow_field(before, self.current, settings, field.as_ref())?;
        // Where the reference has no texture, the field is the smoothness
        // term's guess: those grid points are lost, as the dense grid's.
        let radius = (settings.patch / 2).max(1);
        let vectors = crate::grid::grid_points(found.width, found.height, step)
            .map(|(x, y)| {
                let (dx, dy) = found.at(x, y);
                let tracked = textured(before, x, y, radius);
                Vector {
                    x: f64::from(x),
                    y: f64::from(y),
                    dx: if tracked { f64::from(dx) } else { 0.0 },
                    dy: if tracked { f64::from(dy) } else { 0.0 },
                    status: Some(if tracked {
                        FlowStatus::Tracked
                    } else {
                        FlowStatus::Lost
                    }),
                    error: None,
                }
            })
            .collect();
        *field = Some(found);
        Ok(vectors)
    }

    /// A dense grid: the reference frame's tracked into this one. Without
    /// an interval the reference is the previous frame, whose pyramid is
    /// kept in `pyramid`; with one, its pyramid is built from the kept
    /// plane.
    fn dense(
        &self,
        pyramid: &mut Option<FlowPyramid>,
        step: u32,
        flow: &FlowSettings,
    ) -> Result<Measured> {
        let next = FlowPyramid::new(self.current, flow.levels);
        let built;
        let before = match self.reference {
            _ if self.interval == 0.0 => pyramid.as_ref(),
            Some(plane) => {
                built = FlowPyramid::new(plane, flow.levels);
                Some(&built)
            }
            None => None,
        };
        let mut measured = (Vec::new(), Vec::new());
        if let Some(before) = before {
            let vectors = dense_flow_pyramids(before, &next, step, flow)?;
            measured.0 = vectors.into_iter().map(Vector::from).collect();
            // Noise read across the interval: a grid point whose window did
            // not change holds still.
            if let (Some(before), true) = (self.reference, self.interval > 0.0) {
                measured.1 = hold_still(before, self.current, &mut measured.0, flow.window);
            }
        }
        *pyramid = (self.interval == 0.0).then_some(next);
        Ok(measured)
    }
}

impl Tracker {
    /// A tracker with `settings`, or [`Error::InvalidParameter`] when one is
    /// out of range.
    pub fn new(settings: TrackerSettings) -> Result<Tracker> {
        let adjustment = settings.checked()?;
        Ok(Tracker {
            rng: SplitMix64::new(settings.seed),
            settings,
            adjustment,
            size: None,
            last_time: None,
            planes: History::new(),
            spare: Vec::new(),
            pyramid: None,
            tracks: Tracks::default(),
            current: Vec::new(),
            changes: Vec::new(),
            reported: 0,
            held: Vec::new(),
            field: None,
        })
    }

    /// The settings this tracker was created with.
    pub fn settings(&self) -> &TrackerSettings {
        &self.settings
    }

    /// Processes the next frame, one interval after the one before (the
    /// first at 0): each frame is measured against the one before it. See
    /// [`Tracker::push_at`].
    pub fn push(&mut self, frame: Frame<'_>) -> Result<TrackerOutput> {
        let time = self
            .last_time
            .map_or(0.0, |last| last + self.settings.interval);
        self.push_at(frame, time)
    }

    /// Processes the next frame, taken at `time` milliseconds (on any
    /// clock, not before the last push's). It must have the size of the
    /// first frame since creation or [`reset`](Tracker::reset), else
    /// [`Error::SizeMismatch`]; a refused frame leaves the tracker as it
    /// was.
    pub fn push_at(&mut self, frame: Frame<'_>, time: f64) -> Result<TrackerOutput> {
        let (width, height) = (frame.width(), frame.height());
        self.check_push(width, height, time)?;
        filter_into(frame, &self.settings, &self.adjustment, &mut self.current)?;
        let centroid = centroid(Plane::new(width, height, &self.current)?);
        let current = std::mem::take(&mut self.current);
        self.measure(current, (width, height), time, centroid, None)
    }

    /// The work of a push at `frame` that needs nothing from the frames
    /// before, with `settings` (checked as [`Tracker::new`] does): done
    /// anywhere, then finished in order by [`Tracker::push_prepared`] of a
    /// tracker with these settings.
    pub fn prepare(settings: &TrackerSettings, frame: Frame<'_>) -> Result<PreparedFrame> {
        let adjustment = settings.checked()?;
        let (width, height) = (frame.width(), frame.height());
        settings.mode.check_size(width, height)?;
        let mut filtered = vec![0; frame.pixel_count()];
        filter_into(frame, settings, &adjustment, &mut filtered)?;
        let plane = Plane::new(width, height, &filtered)?;
        let corners = match &settings.mode {
            TrackerMode::Sparse { corners, .. } => Some(seed_candidates(plane, corners)),
            _ => None,
        };
        Ok(PreparedFrame {
            settings: settings.clone(),
            width,
            height,
            centroid: centroid(plane),
            filtered,
            corners,
        })
    }

    /// Finishes the push of a frame prepared by [`Tracker::prepare`] with
    /// this tracker's settings (else [`Error::InvalidParameter`]), taken at
    /// `time`: the same output and the same state after it as
    /// [`Tracker::push_at`] of the frame.
    pub fn push_prepared(&mut self, prepared: PreparedFrame, time: f64) -> Result<TrackerOutput> {
        if prepared.settings != self.settings {
            return Err(Error::InvalidParameter(
                "a prepared frame must be prepared with its tracker's settings".into(),
            ));
        }
        let (width, height) = (prepared.width, prepared.height);
        // Its plane must be whole: a prepared frame may come from anywhere.
        Plane::new(width, height, &prepared.filtered)?;
        self.check_push(width, height, time)?;
        let corners = prepared.corners.as_deref();
        self.measure(
            prepared.filtered,
            (width, height),
            time,
            prepared.centroid,
            corners,
        )
    }

    /// Refuses a frame of another size than the ones before, or taken
    /// before the last.
    fn check_push(&self, width: u32, height: u32, time: f64) -> Result<()> {
        if let Some(expected) = self.size
            && expected != (width, height)
        {
            return Err(Error::SizeMismatch {
                expected,
                actual: (width, height),
            });
        }
        if !time.is_finite() || self.last_time.is_some_and(|last| time < last) {
            return Err(Error::InvalidParameter(format!(
                "a frame's time must be a number of milliseconds not before the last frame's ({}), got {time}",
                self.last_time.unwrap_or(f64::NEG_INFINITY)
            )));
        }
        self.settings.mode.check_size(width, height)
    }

    /// Measures the filtered plane `filtered` of a frame of `size` taken
    /// at `time` against its reference, and keeps what later frames need.
    fn measure(
        &mut self,
        filtered: Vec<u8>,
        (width, height): (u32, u32),
        time: f64,
        centroid: Option<Point>,
        candidates: Option<&[(u32, u32)]>,
    ) -> Result<TrackerOutput> {
        self.current = filtered;
        let current = Plane::new(width, height, &self.current)?;
        let interval = self.settings.interval;
        let reference = self.planes.at_or_before(time - interval);
        let mut output = TrackerOutput {
            centroid,
            centroid_motion: reference.and_then(|(_, kept)| motion(centroid, kept.centroid)),
            ..TrackerOutput::default()
        };
        let measure = Measure {
            current,
            reference: match reference {
                Some((_, kept)) => Some(Plane::new(width, height, &kept.plane)?),
                None => None,
            },
            time,
            interval,
            candidates,
        };
        let (vectors, held) = match self.settings.mode {
            TrackerMode::Sketch => {
                let diff = (self.settings.threshold, self.settings.samples);
                let moved = output.centroid_motion;
                let vectors = measure.sketch(diff, moved, &mut self.rng, &mut self.changes)?;
                (vectors, Vec::new())
            }
            TrackerMode::Sparse { corners, flow } => {
                measure.sparse(&mut self.tracks, &mut self.pyramid, &corners, &flow)?
            }
            TrackerMode::Dense { step, flow } => measure.dense(&mut self.pyramid, step, &flow)?,
            TrackerMode::Field { step, settings } => {
                (measure.field(&mut self.field, step, &settings)?, Vec::new())
            }
        };
        output.vectors = vectors;
        self.held = held;
        // Keep this frame for the frames an interval later: its centroid
        // and its filtered plane (the sketch's difference, the dense grid's
        // pyramid, and what changed for the flow modes).
        if self.planes.wants(time, interval) {
            let mut plane = self.spare.pop().unwrap_or_default();
            plane.clear();
            plane.extend_from_slice(&self.current);
            self.planes.push(time, Kept { plane, centroid });
        }
        let spare = &mut self.spare;
        self.planes
            .forget_before(time, interval, |kept| spare.push(kept.plane));
        self.size = Some((width, height));
        self.last_time = Some(time);
        self.reported = output.vectors.len();
        self.held.resize(self.reported, false);
        Ok(output)
    }

    /// The path each vector of the last push took over the interval,
    /// oldest position first, one a vector, in order (empty for lost
    /// points, and for points held still: their wander is noise): sparse
    /// mode with an interval follows its points frame to frame; in the
    /// other modes every path is empty, and a painter draws their vectors
    /// straight.
    pub fn paths(&self) -> Vec<Vec<Point>> {
        match self.settings.mode {
            TrackerMode::Sparse { .. } if self.settings.interval > 0.0 => {
                let mut paths = self.tracks.paths(self.reported);
                for (path, _) in paths.iter_mut().zip(&self.held).filter(|(_, held)| **held) {
                    path.clear();
                }
                paths
            }
            _ => vec![Vec::new(); self.reported],
        }
    }

    /// The last pushed frame's filtered plane (grey, then contrast and
    /// brightness): what the sketch drew its lines over.
    pub fn filtered(&self) -> Option<Plane<'_>> {
        let (width, height) = self.size?;
        Plane::new(width, height, &self.current).ok()
    }

    /// Forgets the frames before and their size; the sample stream goes on.
    pub fn reset(&mut self) {
        self.size = None;
        self.last_time = None;
        let spare = &mut self.spare;
        self.planes.clear(|kept| spare.push(kept.plane));
        self.pyramid = None;
        self.tracks.clear();
        self.reported = 0;
        self.held.clear();
        self.field = None;
    }

    /// Field mode: the flow field of the last push, from the frame an
    /// interval before it (none before there is one).
    pub fn field(&self) -> Option<&FlowField> {
        self.field.as_ref()
    }
}

/// Grey, then contrast and brightness: the plane every mode measures.
fn filter_into(
    frame: Frame<'_>,
    settings: &TrackerSettings,
    adjustment: &Adjustment,
    out: &mut Vec<u8>,
) -> Result<()> {
    out.resize(frame.pixel_count(), 0);
    greyscale_into(frame, settings.method, out)?;
    if !adjustment.is_identity() {
        adjust_plane_mut(out, adjustment);
    }
    Ok(())
}

/// `now − then`, when both are known.
fn motion(now: Option<Point>, then: Option<Point>) -> Option<Displacement> {
    let (now, then) = (now?, then?);
    Some(Displacement {
        dx: now.x - then.x,
        dy: now.y - then.y,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults with no adjustment: the grey values as they are.
    fn unadjusted() -> TrackerSettings {
        TrackerSettings {
            contrast: 0,
            brightness: 0,
            ..Default::default()
        }
    }

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

    /// Prepared frames pushed in order answer as frames pushed whole, in
    /// every mode, at any interval: the vectors, the paths, the field and
    /// the filtered plane, frame after frame.
    #[test]
    fn prepared_frames_push_as_whole_frames_do() {
        let (w, h) = (96, 64);
        let frames: Vec<Vec<u8>> = (0..12)
            .map(|k| crate::synthetic_scene(w, h, k * 2 + k % 3))
            .collect();
        for mode in TrackerMode::all() {
            for interval in [0.0, 100.0] {
                let settings = TrackerSettings {
                    mode,
                    interval,
                    threshold: 0.1,
                    ..Default::default()
                };
                let mut whole = Tracker::new(settings.clone()).unwrap();
                let mut prepared = Tracker::new(settings.clone()).unwrap();
                let mut vectors = 0;
                for (k, pixels) in frames.iter().enumerate() {
                    let frame = Frame::new(w, h, pixels).unwrap();
                    let time = 33.3 * k as f64;
                    let expected = whole.push_at(frame, time).unwrap();
                    let ready = Tracker::prepare(&settings, frame).unwrap();
                    assert_eq!(ready.corners.is_some(), mode.name() == "sparse");
                    let got = prepared.push_prepared(ready, time).unwrap();
                    assert_eq!(got, expected, "{mode} {interval} frame {k}");
                    assert_eq!(prepared.paths(), whole.paths());
                    assert_eq!(prepared.field(), whole.field());
                    assert_eq!(prepared.filtered(), whole.filtered());
                    vectors += got.vectors.len();
                }
                assert!(vectors > 0, "{mode} {interval}: nothing to compare");
            }
        }
    }

    #[test]
    fn a_prepared_frame_is_refused_by_a_tracker_of_other_settings_or_size() {
        let pixels = crate::synthetic_scene(32, 24, 0);
        let frame = Frame::new(32, 24, &pixels).unwrap();
        let settings = TrackerSettings::default();
        let mut tracker = Tracker::new(settings.clone()).unwrap();
        let other = TrackerSettings {
            contrast: 0,
            ..settings.clone()
        };
        let foreign = Tracker::prepare(&other, frame).unwrap();
        let refused = tracker.push_prepared(foreign, 0.0).unwrap_err();
        assert_eq!(refused.kind(), "invalid-parameter");
        let mut cut = Tracker::prepare(&settings, frame).unwrap();
        cut.filtered.pop();
        let refused = tracker.push_prepared(cut, 0.0).unwrap_err();
        assert_eq!(refused.kind(), "length-mismatch");
        // Refusals leave the tracker as it was: the first size still free.
        tracker
            .push_prepared(Tracker::prepare(&settings, frame).unwrap(), 0.0)
            .unwrap();
        let small = Frame::new(16, 24, &pixels[..16 * 24 * 4]).unwrap();
        let refused = tracker
            .push_prepared(Tracker::prepare(&settings, small).unwrap(), 40.0)
            .unwrap_err();
        assert_eq!(refused.kind(), "size-mismatch");
        let bad = TrackerSettings {
            contrast: 101,
            ..settings
        };
        assert_eq!(
            Tracker::prepare(&bad, frame).unwrap_err().kind(),
            "invalid-parameter"
        );
    }

    proptest::proptest! {
        /// A prepared frame from anywhere (its plane's bytes, its size and
        /// its corners any values at all) is pushed or refused with a typed
        /// error, never a panic; corners outside the frame are passed over.
        #[test]
        fn any_prepared_frame_is_pushed_or_refused(
            size in (1u32..40, 1u32..40),
            mut values in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1700),
            // Corners in the frame and far outside it.
            corners in proptest::collection::vec(
                (proptest::prop_oneof![0u32..30, proptest::prelude::any::<u32>()],
                 proptest::prop_oneof![0u32..20, proptest::prelude::any::<u32>()]),
                0..300,
            ),
            whole in proptest::prelude::any::<bool>(),
            time in -10.0f64..1000.0,
        ) {
            // Half the cases a whole plane of the tracker's size, so that
            // the corners reach the seeding.
            let size = if whole { (24, 16) } else { size };
            if whole {
                values.resize(24 * 16, 7);
            }
            let settings = TrackerSettings {
                mode: TrackerMode::sparse(),
                ..Default::default()
            };
            let mut tracker = Tracker::new(settings.clone()).unwrap();
            let pixels = crate::synthetic_scene(24, 16, 0);
            tracker.push_at(Frame::new(24, 16, &pixels).unwrap(), 0.0).unwrap();
            let prepared = PreparedFrame {
                settings,
                width: size.0,
                height: size.1,
                filtered: values,
                centroid: None,
                corners: Some(corners),
            };
            let fits = prepared.width * prepared.height == prepared.filtered.len() as u32
                && (prepared.width, prepared.height) == (24, 16)
                && time >= 0.0;
            match tracker.push_prepared(prepared, time) {
                Ok(_) => proptest::prop_assert!(fits),
                Err(e) => proptest::prop_assert!(
                    ["length-mismatch", "size-mismatch", "invalid-parameter", "invalid-dimensions"]
                        .contains(&e.kind()),
                    "{e}"
                ),
            }
        }
    }

    #[test]
    fn a_moving_square_gives_its_motion() {
        let settings = TrackerSettings {
            threshold: 0.5,
            samples: 5000,
            ..unadjusted()
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
            ..unadjusted()
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
            ..unadjusted()
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
        // With no interval, the previous frame's corners or whole grid,
        // lost points included; with one, sparse mode's points followed
        // from where they were seeded, and the reference frame's grid.
        for (interval, mode) in [0.0, 200.0].into_iter().flat_map(|interval| {
            [
                TrackerMode::Sparse {
                    corners: CornerSettings::default(),
                    flow: FlowSettings::default(),
                },
                TrackerMode::Dense {
                    step: 8,
                    flow: FlowSettings::default(),
                },
            ]
            .map(|mode| (interval, mode))
        }) {
            let mut tracker = Tracker::new(TrackerSettings {
                mode,
                interval,
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
            let paths = tracker.paths();
            assert_eq!(paths.len(), second.vectors.len());
            let with_paths = paths.iter().filter(|p| p.len() >= 2).count();
            if interval > 0.0 && matches!(mode, TrackerMode::Sparse { .. }) {
                assert!(with_paths > 0);
            } else {
                assert_eq!(with_paths, 0);
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

    /// At 25 frames a second with the default 200 ms interval, the sketch
    /// pairs frame t with frame t − 5, as the sketch's 200 ms grab did:
    /// the centroid motion is their centroids' difference, and the samples
    /// are the pixels that changed against frame t − 5, drawn from the
    /// stream as one frame difference a frame.
    #[test]
    fn sketch_mode_pairs_each_frame_with_the_one_an_interval_before() {
        let (w, h) = (48, 36);
        let frames: Vec<Vec<u8>> = (0..14).map(|k| square(w, h, 2 + 2 * k, 3 + k, 9)).collect();
        let settings = TrackerSettings::default();
        let mut tracker = Tracker::new(settings.clone()).unwrap();
        let adjustment = Adjustment::new(settings.contrast, settings.brightness).unwrap();
        let filtered = |pixels: &[u8]| {
            let mut grey = crate::greyscale(Frame::new(w, h, pixels).unwrap(), settings.method);
            adjust_plane_mut(&mut grey, &adjustment);
            grey
        };
        let planes: Vec<Vec<u8>> = frames.iter().map(|f| filtered(f)).collect();
        let centroids: Vec<Point> = planes
            .iter()
            .map(|p| centroid(Plane::new(w, h, p).unwrap()).unwrap())
            .collect();
        let mut rng = SplitMix64::new(settings.seed);
        for (t, frame) in frames.iter().enumerate() {
            let out = tracker
                .push_at(Frame::new(w, h, frame).unwrap(), 40.0 * t as f64)
                .unwrap();
            assert_eq!(out.centroid, Some(centroids[t]));
            if t < 5 {
                assert_eq!(out.centroid_motion, None, "frame {t}");
                assert!(out.vectors.is_empty());
                continue;
            }
            let (now, then) = (centroids[t], centroids[t - 5]);
            let moved = Displacement {
                dx: now.x - then.x,
                dy: now.y - then.y,
            };
            assert_eq!(out.centroid_motion, Some(moved), "frame {t}");
            let changes = crate::frame_diff(
                Plane::new(w, h, &planes[t - 5]).unwrap(),
                Plane::new(w, h, &planes[t]).unwrap(),
                settings.threshold,
                settings.samples,
                &mut rng,
            )
            .unwrap();
            assert!(!changes.is_empty());
            let want: Vec<Vector> = changes
                .iter()
                .map(|c| Vector::sketch(f64::from(c.x), f64::from(c.y), moved.dx, moved.dy))
                .collect();
            assert_eq!(out.vectors, want, "frame {t}");
        }
        // Times that go back, or are not numbers, are refused, and change
        // nothing.
        let frame = Frame::new(w, h, &frames[0]).unwrap();
        for bad in [100.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                tracker.push_at(frame, bad).unwrap_err().kind(),
                "invalid-parameter"
            );
        }
        assert!(tracker.push_at(frame, 13.0 * 40.0).is_ok());
        for interval in [-1.0, 60_001.0, f64::NAN] {
            let settings = TrackerSettings {
                interval,
                ..Default::default()
            };
            assert_eq!(
                Tracker::new(settings).unwrap_err().kind(),
                "invalid-parameter"
            );
        }
    }

    /// At any rate the reference is the nearest kept frame at or before
    /// t − interval: at 29.97 frames a second, six frames back; a frame
    /// without a time comes one interval after the one before.
    #[test]
    fn the_reference_follows_the_frames_own_times() {
        let (w, h) = (40, 30);
        let frames: Vec<Vec<u8>> = (0..20).map(|k| square(w, h, k, 2, 6)).collect();
        let mut tracker = Tracker::new(unadjusted()).unwrap();
        let outputs: Vec<TrackerOutput> = frames
            .iter()
            .enumerate()
            .map(|(k, f)| {
                let time = k as f64 * 1001.0 / 30.0;
                tracker.push_at(Frame::new(w, h, f).unwrap(), time).unwrap()
            })
            .collect();
        for (k, out) in outputs.iter().enumerate().skip(6) {
            // The square moves a pixel a frame: six back is 6 px.
            let moved = out.centroid_motion.unwrap();
            assert!((moved.dx - 6.0).abs() < 1e-9, "frame {k}: {moved:?}");
        }
        assert!(outputs[5].centroid_motion.is_none());
        // Untimed, the next frame is one interval on: its reference is the
        // frame before.
        let out = tracker.push(Frame::new(w, h, &frames[0]).unwrap()).unwrap();
        assert!((out.centroid_motion.unwrap().dx + 19.0).abs() < 1e-9);
    }

    /// A still scene under camera-like noise: sparse mode follows its
    /// corners through the noise, and every point held still has no path
    /// (its wander is the noise), so a painter drawing paths draws nothing,
    /// as it draws nothing straight.
    #[test]
    fn a_point_held_still_has_no_path() {
        let (w, h) = (96, 72);
        let still = texture(w, h, 0.0, 0.0);
        let mut rng = SplitMix64::new(3);
        let mut tracker = Tracker::new(TrackerSettings {
            mode: TrackerMode::sparse(),
            ..unadjusted()
        })
        .unwrap();
        let mut held = 0;
        for k in 0..12 {
            let noisy: Vec<u8> = still
                .chunks(4)
                .flat_map(|p| {
                    let v = p[0].saturating_add_signed(rng.next_below(13) as i8 - 6);
                    [v, v, v, 255]
                })
                .collect();
            let out = tracker
                .push_at(Frame::new(w, h, &noisy).unwrap(), 40.0 * f64::from(k))
                .unwrap();
            let paths = tracker.paths();
            for (v, path) in out.vectors.iter().zip(&paths) {
                if v.status == Some(FlowStatus::Tracked) && (v.dx, v.dy) == (0.0, 0.0) {
                    held += 1;
                    assert!(path.is_empty(), "{v:?}: {path:?}");
                }
            }
            let mut painter = crate::Painter::new(crate::PainterSettings {
                shape: crate::LineShape::Path,
                background: crate::Background::Black,
                ..Default::default()
            })
            .unwrap();
            let drawn = painter
                .paint(
                    Frame::new(w, h, &noisy).unwrap(),
                    None,
                    &crate::Strokes {
                        vectors: &out.vectors,
                        paths: &paths,
                        polylines: &[],
                    },
                )
                .unwrap();
            assert!(drawn.chunks(4).all(|p| p[..3] == [0, 0, 0]), "frame {k}");
        }
        assert!(held > 50, "{held} points held still");
    }

    #[test]
    fn field_mode_draws_the_field_where_there_is_texture_and_searches_from_the_last() {
        let (w, h) = (160, 120);
        let frame = |shift| crate::synthetic_scene(w, h, shift);
        let mode = TrackerMode::Field {
            step: 8,
            settings: FieldSettings::FAST,
        };
        let mut tracker = Tracker::new(TrackerSettings {
            mode,
            contrast: 0,
            brightness: 0,
            ..TrackerSettings::default()
        })
        .unwrap();
        let first = tracker.push(Frame::new(w, h, &frame(0)).unwrap()).unwrap();
        assert!(first.vectors.is_empty() && tracker.field().is_none());
        let second = tracker.push(Frame::new(w, h, &frame(3)).unwrap()).unwrap();
        let field = tracker.field().expect("a field after the second frame");
        assert_eq!((field.width, field.height), (w, h));
        // Every grid point, row-major from (4, 4); each tracked one is the
        // field there, every lost one still.
        assert_eq!(second.vectors.len(), 20 * 15);
        assert_eq!((second.vectors[0].x, second.vectors[0].y), (4.0, 4.0));
        let tracked: Vec<_> = second
            .vectors
            .iter()
            .filter(|v| v.status == Some(FlowStatus::Tracked))
            .collect();
        assert!(tracked.len() >= 100, "{} tracked", tracked.len());
        for v in &tracked {
            let (u, dv) = field.at(v.x as u32, v.y as u32);
            assert_eq!((v.dx, v.dy), (f64::from(u), f64::from(dv)));
        }
        let right = tracked
            .iter()
            .filter(|v| (v.dx - 3.0).abs() < 0.25 && v.dy.abs() < 0.25);
        assert!(right.count() * 10 >= tracked.len() * 9);
        for v in second
            .vectors
            .iter()
            .filter(|v| v.status == Some(FlowStatus::Lost))
        {
            assert_eq!((v.dx, v.dy), (0.0, 0.0));
        }
        // Measured from a blank frame, which has no texture: every point
        // lost.
        let blank = vec![90u8; (w * h * 4) as usize];
        tracker.push(Frame::new(w, h, &blank).unwrap()).unwrap();
        let fourth = tracker.push(Frame::new(w, h, &frame(0)).unwrap()).unwrap();
        assert!(
            fourth
                .vectors
                .iter()
                .all(|v| v.status == Some(FlowStatus::Lost))
        );
        tracker.reset();
        assert!(tracker.field().is_none());
        // Frames smaller than a patch are refused before anything is kept.
        let tiny = vec![0u8; 4 * 5 * 4];
        let e = tracker.push(Frame::new(4, 5, &tiny).unwrap()).unwrap_err();
        assert_eq!(e.kind(), "invalid-parameter");
    }
}
