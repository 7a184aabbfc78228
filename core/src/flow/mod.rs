//! Optical flow: pyramidal Lucas–Kanade (Bouguet's formulation) with
//! sub-pixel accuracy and a forward–backward check, for sparse corners
//! and for a dense grid.
//!
//! This file holds the public API and its types; `pyramid` prepares a
//! frame, `level` is one of its levels with its padded copy, `tracker`
//! follows one point through the levels, and `window` holds the SIMD
//! kernels over a tracking window.

mod level;
mod pyramid;
mod tracker;
mod tracks;
pub(crate) mod window;

pub use pyramid::FlowPyramid;
pub(crate) use tracks::{Tracks, seed_candidates};

use crate::corners::CornerSettings;
use crate::error::{Error, Result};
use crate::frame::Plane;
use crate::grid::check_grid;
use tracker::track_all;
use window::LANES;

/// How points are tracked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowSettings {
    /// Side of the square window around each point, odd, 3..=31.
    pub window: u32,
    /// Pyramid levels, 1..=8 (1 = no pyramid); each level halves the
    /// size, so motion up to about window/2 · 2^(levels−1) pixels is found.
    pub levels: u32,
    /// Most Gauss–Newton iterations a level, 1..=100.
    pub iterations: u32,
    /// Iterations at the finest level stop when a step is shorter than
    /// this (pixels); coarser levels, which only seed the finer ones, stop
    /// at 0.1 level pixels (or this, if larger).
    pub epsilon: f64,
    /// A point tracked forward and then back must land within this many
    /// pixels of where it started, else it is lost; 0 turns the check off.
    /// The way back starts from zero motion at the pyramid level that
    /// reaches four times the forward displacement (window/2 · 2^level
    /// pixels a level), not always at the top.
    pub fb_threshold: f64,
    /// A window whose structure tensor's smaller eigenvalue, averaged a
    /// pixel, is below this (grey levels² a pixel²) has too little texture
    /// to track: the point is lost.
    pub min_eigen: f64,
    /// A point whose window still differs by more than this (mean absolute
    /// grey difference at the final position) is lost: a false match.
    pub max_error: f64,
}

impl Default for FlowSettings {
    /// An 11x11 window, 4 levels, 10 iterations, epsilon 0.01, a 0.5 px
    /// forward–backward check, min-eigen 1, max-error 25.
    fn default() -> Self {
        FlowSettings {
            window: 11,
            levels: 4,
            iterations: 10,
            epsilon: 0.01,
            fb_threshold: 0.5,
            min_eigen: 1.0,
            max_error: 25.0,
        }
    }
}

impl FlowSettings {
    /// Checks the ranges.
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::InvalidParameter(what));
        if !(3..=31).contains(&self.window) || self.window.is_multiple_of(2) {
            return bad(format!(
                "window must be odd and in 3..=31, got {}",
                self.window
            ));
        }
        if !(1..=8).contains(&self.levels) {
            return bad(format!("levels must be in 1..=8, got {}", self.levels));
        }
        if !(1..=100).contains(&self.iterations) {
            return bad(format!(
                "iterations must be in 1..=100, got {}",
                self.iterations
            ));
        }
        for (name, value) in [
            ("epsilon", self.epsilon),
            ("fb-threshold", self.fb_threshold),
            ("min-eigen", self.min_eigen),
            ("max-error", self.max_error),
        ] {
            if !(0.0..=1e6).contains(&value) {
                return bad(format!("{name} must be a number in 0..=1e6, got {value}"));
            }
        }
        Ok(())
    }
}

/// Whether a point was followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum FlowStatus {
    /// Found in the next frame (and back, with the forward–backward check).
    Tracked,
    /// Too little texture, its window not inside the frame (at the start
    /// or the end), a residual over `max_error`, or failed the check: its
    /// displacement is 0 and means nothing.
    Lost,
}

/// One point's motion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowVector {
    /// Origin column (sub-pixel for tracked corners).
    pub x: f64,
    /// Origin row.
    pub y: f64,
    /// Displacement along x.
    pub dx: f64,
    /// Displacement along y.
    pub dy: f64,
    /// Tracked or lost.
    pub status: FlowStatus,
    /// The tracking residual: mean absolute grey difference over the
    /// window at the final position (0 for lost points).
    pub error: f64,
}

/// Tracks `points` from `previous` to `next`.
pub fn track_points(
    previous: &FlowPyramid,
    next: &FlowPyramid,
    points: &[(f32, f32)],
    settings: &FlowSettings,
) -> Result<Vec<FlowVector>> {
    settings.check()?;
    if previous.size() != next.size() {
        let (a, b) = (previous.size(), next.size());
        return Err(Error::SizeMismatch {
            expected: a,
            actual: b,
        });
    }
    // One tracker a window width in registers; `check` allows windows
    // up to 31 pixels, 8 registers.
    let track = match settings.window.div_ceil(LANES as u32) {
        1 => track_all::<1>,
        2 => track_all::<2>,
        3 => track_all::<3>,
        4 => track_all::<4>,
        5 => track_all::<5>,
        6 => track_all::<6>,
        7 => track_all::<7>,
        8 => track_all::<8>,
        n => unreachable!("a window row of {n} registers passed the check"),
    };
    Ok(track(previous, next, points, settings))
}

/// Sparse flow: Shi–Tomasi corners of `previous`, tracked into `next`.
pub fn sparse_flow(
    previous: Plane<'_>,
    next: Plane<'_>,
    corners: &CornerSettings,
    flow: &FlowSettings,
) -> Result<Vec<FlowVector>> {
    previous.check_same_size(&next)?;
    corners.check()?;
    flow.check()?;
    let a = FlowPyramid::new(previous, flow.levels);
    let b = FlowPyramid::new(next, flow.levels);
    sparse_flow_pyramids(&a, &b, corners, flow)
}

/// [`sparse_flow`] on prepared pyramids.
pub fn sparse_flow_pyramids(
    previous: &FlowPyramid,
    next: &FlowPyramid,
    corners: &CornerSettings,
    flow: &FlowSettings,
) -> Result<Vec<FlowVector>> {
    corners.check()?;
    flow.check()?;
    // Corners whose window does not fit in the frame cannot be tracked.
    let margin = flow.window / 2;
    let (w, h) = previous.size();
    let points: Vec<(f32, f32)> = previous
        .corners(corners)
        .iter()
        .filter(|c| c.x >= margin && c.y >= margin && c.x + margin < w && c.y + margin < h)
        .map(|c| (c.x as f32, c.y as f32))
        .collect();
    track_points(previous, next, &points, flow)
}

/// Dense flow: one vector every `step` pixels, starting at (step/2,
/// step/2), row-major; `step` in 1..=1024.
pub fn dense_flow(
    previous: Plane<'_>,
    next: Plane<'_>,
    step: u32,
    flow: &FlowSettings,
) -> Result<Vec<FlowVector>> {
    previous.check_same_size(&next)?;
    flow.check()?;
    check_step(step)?;
    check_grid(previous.width(), previous.height(), step)?;
    let a = FlowPyramid::new(previous, flow.levels);
    let b = FlowPyramid::new(next, flow.levels);
    dense_flow_pyramids(&a, &b, step, flow)
}

/// [`dense_flow`] on prepared pyramids.
pub fn dense_flow_pyramids(
    previous: &FlowPyramid,
    next: &FlowPyramid,
    step: u32,
    flow: &FlowSettings,
) -> Result<Vec<FlowVector>> {
    let (w, h) = previous.size();
    check_step(step)?;
    check_grid(w, h, step)?;
    let points: Vec<(f32, f32)> = crate::grid::grid_points(w, h, step)
        .map(|(x, y)| (x as f32, y as f32))
        .collect();
    track_points(previous, next, &points, flow)
}

/// A displacement must explain its window's change to be motion: moved
/// by it, the window must differ from the reference by at most this share
/// of what it differs unmoved. Noise (a camera's, a video codec's flicker)
/// changes a still window, and tracking reads a sub-pixel drift into it
/// that explains little of the change; chained over an interval, or read
/// across one, such drift drew strokes of 1–2 px where nothing moved (up
/// to 72 stroke pixels a 160x120 frame of a still webcam crop; none with
/// this test, which keeps 95–100 % of the strokes on moving footage:
/// tests/all/footage.rs).
pub(crate) const EXPLAINED: f32 = 0.75;

/// The mean absolute difference of `before`'s `side`-pixel window centred
/// at `at` and `after`'s centred `by` further, `after` sampled bilinearly,
/// both clipped to the frame: with `by` zero, how much the window changed
/// without moving.
fn window_difference(
    before: Plane<'_>,
    after: Plane<'_>,
    at: (f64, f64),
    by: (f64, f64),
    side: u32,
) -> f32 {
    let Some(window) = MovedWindow::new(before.width(), before.height(), at, by, side) else {
        return 0.0;
    };
    let (a, b) = (before.values(), after.values());
    if window.reads_inside() {
        window.difference_in_runs(a, b)
    } else {
        window.difference_clamped(a, b)
    }
}

/// [`window_difference`]'s window: its pixels, clipped to a `w` × `h`
/// frame, and where its moved twin samples (`ox`, `oy` whole pixels, then
/// `tx`, `ty` of the next).
struct MovedWindow {
    w: i64,
    h: i64,
    x: std::ops::RangeInclusive<i64>,
    y: std::ops::RangeInclusive<i64>,
    ox: i64,
    oy: i64,
    tx: f32,
    ty: f32,
}

impl MovedWindow {
    /// None when the window lies wholly outside the frame.
    fn new(
        width: u32,
        height: u32,
        at: (f64, f64),
        by: (f64, f64),
        side: u32,
    ) -> Option<MovedWindow> {
        let (w, h) = (i64::from(width), i64::from(height));
        let radius = i64::from(side / 2);
        let (cx, cy) = (at.0.round() as i64, at.1.round() as i64);
        let x = (cx - radius).max(0)..=(cx + radius).min(w - 1);
        let y = (cy - radius).max(0)..=(cy + radius).min(h - 1);
        let (fx, fy) = (by.0.floor(), by.1.floor());
        (!x.is_empty() && !y.is_empty()).then_some(MovedWindow {
            w,
            h,
            x,
            y,
            ox: fx as i64,
            oy: fy as i64,
            tx: (by.0 - fx) as f32,
            ty: (by.1 - fy) as f32,
        })
    }

    /// Whether every sample of the moved window lies inside the frame (most
    /// windows).
    fn reads_inside(&self) -> bool {
        let (x0, x1, y0, y1) = (
            *self.x.start(),
            *self.x.end(),
            *self.y.start(),
            *self.y.end(),
        );
        x0 + self.ox >= 0
            && x1 + self.ox + 1 < self.w
            && y0 + self.oy >= 0
            && y1 + self.oy + 1 < self.h
    }

    /// The mean difference with each row read as runs of `a` and `b`,
    /// without a clamp a read: the same operations in the same order as
    /// [`MovedWindow::difference_clamped`], for a window that
    /// [`MovedWindow::reads_inside`].
    fn difference_in_runs(&self, a: &[u8], b: &[u8]) -> f32 {
        let (w, x0, (ox, oy), (tx, ty)) = (
            self.w,
            *self.x.start(),
            (self.ox, self.oy),
            (self.tx, self.ty),
        );
        let n = self.x.clone().count();
        let mut sum = 0.0f32;
        for y in self.y.clone() {
            let before = &a[(y * w + x0) as usize..][..n];
            let top = &b[((y + oy) * w + x0 + ox) as usize..][..n + 1];
            let bottom = &b[((y + oy + 1) * w + x0 + ox) as usize..][..n + 1];
            for i in 0..n {
                let upper = f32::from(top[i]) * (1.0 - tx) + f32::from(top[i + 1]) * tx;
                let lower = f32::from(bottom[i]) * (1.0 - tx) + f32::from(bottom[i + 1]) * tx;
                let moved = upper * (1.0 - ty) + lower * ty;
                sum += (f32::from(before[i]) - moved).abs();
            }
        }
        sum / (n * self.y.clone().count()) as f32
    }

    /// The mean difference pixel by pixel, `b`'s reads clamped to the
    /// frame.
    fn difference_clamped(&self, a: &[u8], b: &[u8]) -> f32 {
        let (w, h, (ox, oy), (tx, ty)) = (self.w, self.h, (self.ox, self.oy), (self.tx, self.ty));
        let pixel =
            |x: i64, y: i64| f32::from(b[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize]);
        let (mut sum, mut count) = (0.0f32, 0u32);
        for y in self.y.clone() {
            for x in self.x.clone() {
                let (bx, by) = (x + ox, y + oy);
                let top = pixel(bx, by) * (1.0 - tx) + pixel(bx + 1, by) * tx;
                let bottom = pixel(bx, by + 1) * (1.0 - tx) + pixel(bx + 1, by + 1) * tx;
                let moved = top * (1.0 - ty) + bottom * ty;
                sum += (f32::from(a[(y * w + x) as usize]) - moved).abs();
                count += 1;
            }
        }
        sum / count as f32
    }
}

/// Holds still each tracked vector whose displacement does not explain
/// its window's change from `before` to `after` (see [`EXPLAINED`]): its
/// displacement becomes 0. Returns which vectors it held, one flag a
/// vector.
pub(crate) fn hold_still(
    before: Plane<'_>,
    after: Plane<'_>,
    vectors: &mut [crate::geometry::Vector],
    window: u32,
) -> Vec<bool> {
    vectors
        .iter_mut()
        .map(|v| {
            if v.status != Some(FlowStatus::Tracked) {
                return false;
            }
            let still = window_difference(before, after, (v.x, v.y), (0.0, 0.0), window);
            let moved = window_difference(before, after, (v.x, v.y), (v.dx, v.dy), window);
            let held = moved > EXPLAINED * still;
            if held {
                (v.dx, v.dy) = (0.0, 0.0);
            }
            held
        })
        .collect()
}

/// The dense grid's spacing: 1..=1024.
pub(crate) fn check_step(step: u32) -> Result<()> {
    if !(1..=1024).contains(&step) {
        return Err(Error::InvalidParameter(format!(
            "step must be in 1..=1024, got {step}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth random texture, shifted by (sx, sy): sums of sinusoids, so
    /// any sub-pixel shift is exact.
    fn texture(w: u32, h: u32, sx: f64, sy: f64) -> Vec<u8> {
        let waves = [
            (0.21, 0.13, 0.0, 40.0),
            (-0.07, 0.31, 1.0, 35.0),
            (0.37, -0.11, 2.0, 25.0),
            (0.05, 0.05, 0.5, 30.0),
        ];
        (0..w * h)
            .map(|i| {
                let (x, y) = (f64::from(i % w) - sx, f64::from(i / w) - sy);
                let v: f64 = waves
                    .iter()
                    .map(|&(a, b, c, amp)| amp * (a * x + b * y + c).sin())
                    .sum();
                (128.0 + v).round().clamp(0.0, 255.0) as u8
            })
            .collect()
    }

    /// `window_difference` reads whole runs where the moved window lies
    /// inside the frame and clamps pixel by pixel elsewhere: it gives what
    /// the clamped reads give everywhere, bit for bit, and both paths are
    /// taken here.
    #[test]
    fn window_difference_is_the_clamped_mean_everywhere() {
        let (w, h) = (40u32, 30u32);
        let (before, after) = (texture(w, h, 0.0, 0.0), texture(w, h, 1.3, -0.7));
        let (a, b) = (
            Plane::new(w, h, &before).unwrap(),
            Plane::new(w, h, &after).unwrap(),
        );
        let mut inside = 0;
        for at in [
            (20.0, 15.0),
            (2.0, 3.0),
            (38.6, 28.2),
            (-5.0, 10.0),
            (60.0, 60.0),
        ] {
            for by in [
                (0.0, 0.0),
                (1.25, -0.5),
                (-3.7, 2.2),
                (8.0, 0.0),
                (-30.0, 1.0),
            ] {
                for side in [1, 7, 21] {
                    let got = window_difference(a, b, at, by, side);
                    let Some(window) = MovedWindow::new(w, h, at, by, side) else {
                        assert_eq!(got, 0.0, "{at:?}: outside the frame");
                        continue;
                    };
                    inside += usize::from(window.reads_inside());
                    let want = window.difference_clamped(&before, &after);
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "{at:?} {by:?} {side}: {got} {want}"
                    );
                }
            }
        }
        assert!(inside > 10, "the runs were taken {inside} times");
    }

    /// The middle of `values` once sorted (the upper one of an even count).
    fn median(mut values: Vec<f64>) -> f64 {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    }

    #[test]
    fn every_window_width_tracks_a_sub_pixel_shift() {
        let (w, h) = (160, 120);
        let a = texture(w, h, 0.0, 0.0);
        let b = texture(w, h, 1.7, -0.6);
        for window in (3..=31).step_by(4) {
            let settings = FlowSettings {
                window,
                ..FlowSettings::default()
            };
            let planes = (Plane::new(w, h, &a).unwrap(), Plane::new(w, h, &b).unwrap());
            let flow = dense_flow(planes.0, planes.1, 8, &settings).unwrap();
            let errors: Vec<f64> = flow
                .iter()
                .filter(|v| v.status == FlowStatus::Tracked)
                .map(|v| (v.dx - 1.7).hypot(v.dy + 0.6))
                .collect();
            // Wide windows lose the points near the border (their window
            // must fit), a 3-px window about half to its texture threshold.
            assert!(
                errors.len() > flow.len() / 4,
                "window {window}: {} of {}",
                errors.len(),
                flow.len()
            );
            let median = median(errors);
            assert!(median < 0.1, "window {window}: median error {median}");
        }
    }

    #[test]
    fn recovers_a_sub_pixel_shift() {
        let (w, h) = (120, 90);
        let a = texture(w, h, 0.0, 0.0);
        let b = texture(w, h, 2.3, -1.6);
        let flow = dense_flow(
            Plane::new(w, h, &a).unwrap(),
            Plane::new(w, h, &b).unwrap(),
            10,
            &FlowSettings::default(),
        )
        .unwrap();
        // Points whose window stays inside the frame are all tracked.
        let interior =
            |v: &&FlowVector| (10.0..110.0).contains(&v.x) && (10.0..80.0).contains(&v.y);
        let tracked: Vec<_> = flow
            .iter()
            .filter(|v| v.status == FlowStatus::Tracked)
            .collect();
        assert!(
            flow.iter()
                .filter(interior)
                .all(|v| v.status == FlowStatus::Tracked)
        );
        assert!(tracked.len() >= flow.iter().filter(interior).count());
        let errors: Vec<f64> = tracked
            .iter()
            .map(|v| (v.dx - 2.3).hypot(v.dy + 1.6))
            .collect();
        let median = median(errors);
        assert!(median < 0.1, "median error {median}");
    }

    #[test]
    fn identical_frames_give_zero_motion() {
        let a = texture(64, 64, 0.0, 0.0);
        let plane = Plane::new(64, 64, &a).unwrap();
        let flow = sparse_flow(
            plane,
            plane,
            &CornerSettings::default(),
            &FlowSettings::default(),
        )
        .unwrap();
        assert!(!flow.is_empty());
        for v in &flow {
            assert_eq!(v.status, FlowStatus::Tracked);
            assert!(v.dx.abs() < 1e-3 && v.dy.abs() < 1e-3, "{v:?}");
        }
    }

    /// A smooth random texture shifted by (sx, sy): values from `seed` on
    /// a grid every `cell` pixels, bilinearly interpolated (so sub-pixel
    /// shifts are exact); not periodic, unlike [`texture`].
    fn noise(w: u32, h: u32, seed: u64, cell: f64, (sx, sy): (f64, f64)) -> Vec<u8> {
        let mut rng = crate::diff::SplitMix64::new(seed);
        let pad = 64.0;
        let (gw, gh) = (
            (f64::from(w) / cell) as usize + 40,
            (f64::from(h) / cell) as usize + 40,
        );
        let grid: Vec<f64> = (0..gw * gh).map(|_| rng.next_below(256) as f64).collect();
        (0..w * h)
            .map(|i| {
                let x = (f64::from(i % w) - sx + pad) / cell;
                let y = (f64::from(i / w) - sy + pad) / cell;
                let (x0, y0) = (x.floor() as usize, y.floor() as usize);
                let (fx, fy) = (x.fract(), y.fract());
                let g = |gx: usize, gy: usize| grid[gy * gw + gx];
                let top = g(x0, y0) * (1.0 - fx) + g(x0 + 1, y0) * fx;
                let bottom = g(x0, y0 + 1) * (1.0 - fx) + g(x0 + 1, y0 + 1) * fx;
                (top * (1.0 - fy) + bottom * fy).round() as u8
            })
            .collect()
    }

    #[test]
    fn large_motion_is_found_through_the_pyramid() {
        // 17.3 px right and 11.6 up, three times what one level reaches:
        // the forward pass needs the coarse levels, and the check must not
        // throw good points away.
        let (w, h) = (480, 360);
        let a = noise(w, h, 7, 6.0, (0.0, 0.0));
        let b = noise(w, h, 7, 6.0, (17.3, -11.6));
        let (a, b) = (Plane::new(w, h, &a).unwrap(), Plane::new(w, h, &b).unwrap());
        let good = |settings: &FlowSettings| {
            let flow = dense_flow(a, b, 10, settings).unwrap();
            let tracked: Vec<f64> = flow
                .iter()
                .filter(|v| v.status == FlowStatus::Tracked)
                .map(|v| (v.dx - 17.3).hypot(v.dy + 11.6))
                .collect();
            let good = tracked.iter().filter(|&&e| e < 0.5).count();
            (tracked, good)
        };
        let (_, unchecked) = good(&FlowSettings {
            fb_threshold: 0.0,
            ..FlowSettings::default()
        });
        let (errors, checked) = good(&FlowSettings::default());
        // Nearly every point the check keeps is right (1288 of 1293), and
        // it keeps most of those the forward pass got right (of 1367).
        assert!(
            checked * 100 >= errors.len() * 99,
            "{checked} of {} right",
            errors.len()
        );
        assert!(
            checked * 100 >= unchecked * 90,
            "{checked} kept of {unchecked}"
        );
        let median = median(errors);
        assert!(median < 0.1, "median {median}");
    }

    #[test]
    fn the_forward_backward_check_rejects_false_matches() {
        // Two unrelated frames: whatever the forward pass finds is false.
        let (w, h) = (160, 120);
        let (a, b) = (
            noise(w, h, 1, 4.0, (0.0, 0.0)),
            noise(w, h, 2, 4.0, (0.0, 0.0)),
        );
        let (a, b) = (Plane::new(w, h, &a).unwrap(), Plane::new(w, h, &b).unwrap());
        let lenient = FlowSettings {
            max_error: 1e6,
            fb_threshold: 0.0,
            ..FlowSettings::default()
        };
        let tracked = |settings: &FlowSettings| {
            let flow = dense_flow(a, b, 6, settings).unwrap();
            flow.iter()
                .filter(|v| v.status == FlowStatus::Tracked)
                .count()
        };
        let unchecked = tracked(&lenient);
        let checked = tracked(&FlowSettings {
            fb_threshold: 0.5,
            ..lenient
        });
        // 383 and 31 (28 with the way back always from the top).
        assert!(
            unchecked > 300 && checked * 10 <= unchecked,
            "{checked} of {unchecked}"
        );
    }

    #[test]
    fn flat_windows_and_points_leaving_the_frame_are_lost() {
        let flat = vec![50u8; 40 * 40];
        let plane = Plane::new(40, 40, &flat).unwrap();
        let flow = dense_flow(plane, plane, 8, &FlowSettings::default()).unwrap();
        assert!(
            flow.iter()
                .all(|v| v.status == FlowStatus::Lost && v.dx == 0.0)
        );

        // A texture moved 6 px left: points near the left edge leave.
        let (w, h) = (80, 60);
        let a = texture(w, h, 0.0, 0.0);
        let b = texture(w, h, -6.0, 0.0);
        let pa = FlowPyramid::new(Plane::new(w, h, &a).unwrap(), 3);
        let pb = FlowPyramid::new(Plane::new(w, h, &b).unwrap(), 3);
        let out = track_points(
            &pa,
            &pb,
            &[(2.0, 30.0), (40.0, 30.0)],
            &FlowSettings::default(),
        )
        .unwrap();
        assert_eq!(out[0].status, FlowStatus::Lost);
        assert_eq!(out[1].status, FlowStatus::Tracked);
        assert!((out[1].dx + 6.0).abs() < 0.1, "{:?}", out[1]);
    }

    #[test]
    fn settings_and_sizes_are_checked() {
        let a = Plane::new(20, 20, &[0; 400]).unwrap();
        let b = Plane::new(20, 10, &[0; 200]).unwrap();
        assert_eq!(
            dense_flow(a, b, 4, &FlowSettings::default())
                .unwrap_err()
                .kind(),
            "size-mismatch"
        );
        for bad in [
            FlowSettings {
                window: 4,
                ..Default::default()
            },
            FlowSettings {
                window: 33,
                ..Default::default()
            },
            FlowSettings {
                levels: 0,
                ..Default::default()
            },
            FlowSettings {
                iterations: 0,
                ..Default::default()
            },
            FlowSettings {
                epsilon: f64::NAN,
                ..Default::default()
            },
            FlowSettings {
                fb_threshold: -1.0,
                ..Default::default()
            },
            FlowSettings {
                max_error: f64::NAN,
                ..Default::default()
            },
        ] {
            assert_eq!(
                dense_flow(a, a, 4, &bad).unwrap_err().kind(),
                "invalid-parameter",
                "{bad:?}"
            );
        }
        // 2000x1000 every pixel: over the grid limit.
        let big = vec![0u8; 2000 * 1000];
        let big = Plane::new(2000, 1000, &big).unwrap();
        assert_eq!(
            dense_flow(big, big, 1, &FlowSettings::default())
                .unwrap_err()
                .kind(),
            "invalid-parameter"
        );
        assert_eq!(
            dense_flow(a, a, 0, &FlowSettings::default())
                .unwrap_err()
                .kind(),
            "invalid-parameter"
        );
    }
    #[test]
    fn a_displacement_that_explains_no_change_is_held_still() {
        let (w, h) = (64, 48);
        let a = texture(w, h, 0.0, 0.0);
        let b = texture(w, h, 2.0, -1.0);
        let (pa, pb) = (Plane::new(w, h, &a).unwrap(), Plane::new(w, h, &b).unwrap());
        let tracked = |dx, dy| crate::geometry::Vector {
            status: Some(FlowStatus::Tracked),
            error: Some(0.0),
            ..crate::geometry::Vector::sketch(30.0, 20.0, dx, dy)
        };
        // The true motion explains the change: kept.
        let mut vectors = [tracked(2.0, -1.0)];
        hold_still(pa, pb, &mut vectors, 11);
        assert_eq!((vectors[0].dx, vectors[0].dy), (2.0, -1.0));
        // A drift read into noise: held still.
        let noisy: Vec<u8> = a
            .iter()
            .enumerate()
            .map(|(i, &v)| v.saturating_add((i * 7 % 5) as u8))
            .collect();
        let pn = Plane::new(w, h, &noisy).unwrap();
        let mut vectors = [tracked(0.7, 0.4)];
        hold_still(pa, pn, &mut vectors, 11);
        assert_eq!((vectors[0].dx, vectors[0].dy), (0.0, 0.0));
        // Lost points are left as they are.
        let mut lost = [crate::geometry::Vector {
            status: Some(FlowStatus::Lost),
            ..tracked(0.7, 0.4)
        }];
        hold_still(pa, pn, &mut lost, 11);
        assert_eq!(lost[0].dx, 0.7);
    }
}
