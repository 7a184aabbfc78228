//! Optical flow: pyramidal Lucas–Kanade (Bouguet's formulation) with
//! sub-pixel accuracy and a forward–backward check, for sparse corners
//! and for a dense grid.

use crate::corners::{CornerSettings, corners_of_image};
use crate::error::{Error, Result};
use crate::frame::Plane;
use crate::gradients::GradientOperator;
use crate::pyramid::GreyF32;
use wide::f32x4;

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

/// A frame prepared for tracking: its Gaussian pyramid with gradients.
/// Build it once a frame; a tracker keeps the previous one.
#[derive(Debug, Clone)]
pub struct FlowPyramid {
    levels: Vec<Level>,
}

#[derive(Debug, Clone)]
struct Level {
    image: GreyF32,
    /// Above the finest level, the image again inside a margin of
    /// replicated border pixels (see [`Padded`]).
    padded: Option<Padded>,
}

/// An image inside [`MARGIN`] pixels of replicated border on every side.
/// On the coarse levels most windows of a dense grid cross the border,
/// and gathering each one's clamped pixels anew (every iteration) cost
/// more than its arithmetic; windows read this copy directly. The finest
/// level has few such windows and is not copied.
#[derive(Debug, Clone)]
struct Padded {
    data: Vec<f32>,
    /// The padded width.
    pitch: usize,
}

/// The margin of [`Padded`]: wide enough for every window read while
/// tracking a point inside the frame. A moved window is centred at most a
/// radius outside the level (`track_level` gives up beyond that). Centred
/// a radius right of it, the window starts at its edge and reads 33 pixels
/// (8 registers of samples and one more); centred a radius left, it starts
/// two radii, at most 30 pixels, out. Windows beyond gather their pixels.
const MARGIN: usize = 33;

impl Padded {
    /// The clamped pixels from (−MARGIN, −MARGIN), as a window near the
    /// border gathers them: the same values the gather would read.
    fn new(image: &GreyF32) -> Padded {
        let (w, h) = (image.width, image.height);
        let (pitch, rows) = (w + 2 * MARGIN, h + 2 * MARGIN);
        let mut data = Vec::with_capacity(pitch * rows);
        let corner = -(MARGIN as isize);
        gather_border(image, (corner, corner), (pitch - 1, rows - 1), &mut data);
        Padded { data, pitch }
    }
}

impl FlowPyramid {
    /// The pyramid of `plane` with up to `levels` levels (fewer when the
    /// image gets too small to halve).
    pub fn new(plane: Plane<'_>, levels: u32) -> FlowPyramid {
        FlowPyramid::from_image(GreyF32::from_plane(plane), levels)
    }

    pub(crate) fn from_image(image: GreyF32, levels: u32) -> FlowPyramid {
        let mut images = vec![image];
        while images.len() < levels as usize {
            let last = &images[images.len() - 1];
            if last.width < 16 || last.height < 16 {
                break;
            }
            let next = last.downsample();
            images.push(next);
        }
        // No gradient images: each window's gradients come from its own
        // patch (see `track_level`), which is all Lucas–Kanade looks at.
        let levels = (images.into_iter().enumerate())
            .map(|(level, image)| Level {
                padded: (level > 0).then(|| Padded::new(&image)),
                image,
            })
            .collect();
        FlowPyramid { levels }
    }

    /// (width, height) of the full-resolution level.
    pub fn size(&self) -> (u32, u32) {
        let base = &self.levels[0].image;
        (base.width as u32, base.height as u32)
    }

    /// Corners of the full-resolution level, from its Scharr gradients.
    fn corners(&self, settings: &CornerSettings) -> Vec<crate::corners::Corner> {
        corners_of_image(&self.levels[0].image, GradientOperator::Scharr, settings)
    }
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
    let s = step as usize;
    let points: Vec<(f32, f32)> = (s / 2..h as usize)
        .step_by(s)
        .flat_map(|y| {
            (s / 2..w as usize)
                .step_by(s)
                .map(move |x| (x as f32, y as f32))
        })
        .collect();
    track_points(previous, next, &points, flow)
}

/// The most grid points one dense-flow call tracks (each costs memory in the
/// answer): 2^20.
pub const MAX_GRID_POINTS: u64 = 1 << 20;

/// Checks that a grid every `step` pixels (at least 1; callers check their
/// own range) over `width x height` has at most [`MAX_GRID_POINTS`] points.
pub(crate) fn check_grid(width: u32, height: u32, step: u32) -> Result<()> {
    let step = step.max(1);
    let count = |side: u32| u64::from(side.saturating_sub(step / 2)).div_ceil(u64::from(step));
    let points = count(width) * count(height);
    if points > MAX_GRID_POINTS {
        return Err(Error::InvalidParameter(format!(
            "step {step} makes {points} grid points on {width}x{height}; at most {MAX_GRID_POINTS}"
        )));
    }
    Ok(())
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

/// The level the backward pass of the check starts at: the finest at which
/// four times the forward `displacement` is within one window `radius` (as
/// far as one level reaches), so the way back can find a match well beyond
/// its start. For small motion that skips the coarse levels, which cost as
/// much a level as the fine ones; the forward pass always uses them all.
fn check_top(displacement: f32, radius: f32) -> usize {
    let mut level = 0;
    // Huge displacements end at 8, above any pyramid (the caller caps it).
    while level < 8 && 4.0 * displacement > radius * (1u32 << level) as f32 {
        level += 1;
    }
    level
}

/// Where coarse pyramid levels stop iterating (level pixels).
const COARSE_EPSILON: f32 = 0.1;

/// Per-point Lucas–Kanade with its scratch buffers (one allocation a call,
/// not a point).
///
/// A window row is `N` registers of [`LANES`] floats: the window's side
/// padded to whole registers (an 11-pixel row is 3 registers, its last
/// lane padding). `N` is a constant, so each row's loops unroll and every
/// load has a fixed offset; `track_points` picks the tracker for the
/// window. The padding lanes carry zero gradients, so they add nothing to
/// the sums.
struct PointTracker<const N: usize> {
    settings: FlowSettings,
    /// Half the window side.
    radius: isize,
    /// The window side.
    side: usize,
    /// The window with its gradients, one entry a row.
    window: Vec<[Template; N]>,
    /// All ones in the last register's lanes inside the window, zero in
    /// its padding lanes.
    tail: f32x4,
    /// The window plus a one-pixel ring, for its Scharr gradients:
    /// (side + 2) rows of N + 1 registers.
    border_patch: Vec<f32>,
    /// Clamped source pixels for windows at the border.
    scratch: Vec<f32>,
}

/// Whether a level's tracking should also measure its residual (only the
/// finest level of the forward pass reports one).
#[derive(Clone, Copy, PartialEq)]
enum Residual {
    Measure,
    Skip,
}

/// Tracks `points` with windows of `N` registers a row; answers in the
/// caller's order.
fn track_all<const N: usize>(
    previous: &FlowPyramid,
    next: &FlowPyramid,
    points: &[(f32, f32)],
    settings: &FlowSettings,
) -> Vec<FlowVector> {
    let mut tracker = PointTracker::<N>::new(settings);
    // Tracked in row order for the caches (corners come strongest first,
    // scattered over the frame); answered in the caller's order.
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[a]
            .1
            .total_cmp(&points[b].1)
            .then(points[a].0.total_cmp(&points[b].0))
    });
    let mut out = vec![None; points.len()];
    for i in order {
        out[i] = Some(tracker.track_checked(previous, next, points[i]));
    }
    out.into_iter().flatten().collect()
}

impl<const N: usize> PointTracker<N> {
    fn new(settings: &FlowSettings) -> PointTracker<N> {
        let side = settings.window as usize;
        let columns = N * LANES;
        let tail = f32x4::new(std::array::from_fn(|i| (columns - LANES + i) as f32));
        PointTracker {
            settings: *settings,
            radius: (side / 2) as isize,
            side,
            window: vec![[Template::ZERO; N]; side],
            tail: tail.simd_lt(f32x4::splat(side as f32)),
            border_patch: vec![0.0; (side + 2) * (columns + LANES)],
            // The largest gather: the ring patch's (side + 2) rows of
            // N + 1 registers, plus a row and a column.
            scratch: Vec::with_capacity((side + 3) * (columns + LANES + 1)),
        }
    }

    /// Forward, then (with the check on) backward.
    fn track_checked(
        &mut self,
        previous: &FlowPyramid,
        next: &FlowPyramid,
        p: (f32, f32),
    ) -> FlowVector {
        let lost = FlowVector {
            x: f64::from(p.0),
            y: f64::from(p.1),
            dx: 0.0,
            dy: 0.0,
            status: FlowStatus::Lost,
            error: 0.0,
        };
        // Both windows must lie inside the frame: clamped border pixels
        // would pull the estimate, so such points are lost, not guessed.
        let (w, h) = next.size();
        let r = self.radius as f32;
        let inside = |q: (f32, f32)| {
            q.0 >= r && q.1 >= r && q.0 <= (w - 1) as f32 - r && q.1 <= (h - 1) as f32 - r
        };
        if !inside(p) {
            return lost;
        }
        let Some((q, error)) = self.track(previous, next, p, Residual::Measure, usize::MAX) else {
            return lost;
        };
        if !inside(q) || f64::from(error) > self.settings.max_error {
            return lost;
        }
        if self.settings.fb_threshold > 0.0 {
            // Back from q, from scratch: a false match seldom leads back to
            // where it started. The way back starts at the level that can
            // reach four times as far as the way there went (see
            // `check_top`), not always at the top of the pyramid.
            let top = check_top((q.0 - p.0).hypot(q.1 - p.1), r);
            let Some((back, _)) = self.track(next, previous, q, Residual::Skip, top) else {
                return lost;
            };
            let distance = f64::from(((back.0 - p.0).powi(2) + (back.1 - p.1).powi(2)).sqrt());
            if distance > self.settings.fb_threshold {
                return lost;
            }
        }
        FlowVector {
            dx: f64::from(q.0 - p.0),
            dy: f64::from(q.1 - p.1),
            status: FlowStatus::Tracked,
            error: f64::from(error),
            ..lost
        }
    }

    /// Where `p` of `from` went in `to`, coarse to fine from level `top` (or
    /// the pyramid's top, if lower), with the finest
    /// level's residual if asked (else 0); `None` when a window has too
    /// little texture or the point runs far off the frame.
    fn track(
        &mut self,
        from: &FlowPyramid,
        to: &FlowPyramid,
        p: (f32, f32),
        residual: Residual,
        top: usize,
    ) -> Option<((f32, f32), f32)> {
        let top = (from.levels.len().min(to.levels.len()) - 1).min(top);
        let mut guess = (0.0f32, 0.0f32);
        let mut error = 0.0;
        for level in (0..=top).rev() {
            let scale = (1u32 << level) as f32;
            let at = (p.0 / scale, p.1 / scale);
            let measure = if level == 0 { residual } else { Residual::Skip };
            // Coarse levels only seed the finer ones, which refine their
            // answer: they stop at COARSE_EPSILON, the finest at `epsilon`.
            let epsilon = if level == 0 {
                self.settings.epsilon as f32
            } else {
                (self.settings.epsilon as f32).max(COARSE_EPSILON)
            };
            // A coarse level without enough texture in the window only
            // passes its guess on (as OpenCV does); the finest decides.
            let v = match self.track_level(
                &from.levels[level],
                &to.levels[level],
                at,
                guess,
                (measure, epsilon),
            ) {
                Some((v, e)) => {
                    error = e;
                    v
                }
                None if level > 0 => (0.0, 0.0),
                None => return None,
            };
            guess = if level > 0 {
                (2.0 * (guess.0 + v.0), 2.0 * (guess.1 + v.1))
            } else {
                (guess.0 + v.0, guess.1 + v.1)
            };
        }
        Some(((p.0 + guess.0, p.1 + guess.1), error))
    }

    /// From `border_patch`, the `window` and its Scharr gradients; zero
    /// gradients in the padding lanes.
    fn window_and_gradients(&mut self) {
        let rows = self.border_patch.chunks_exact((N + 1) * LANES);
        let below = rows.clone().skip(1).zip(rows.clone().skip(2));
        let (three, ten) = (f32x4::splat(3.0 / 32.0), f32x4::splat(10.0 / 32.0));
        for ((up, (mid, down)), window) in rows.zip(below).zip(&mut self.window) {
            for (i, template) in window.iter_mut().enumerate() {
                // The 3x3 neighbours of each pixel, a register at a time:
                //   a b c
                //   d   f
                //   g h k
                let at = |row: &[f32], dx: usize| register(row, i * LANES + dx);
                let (a, b, c) = (at(up, 0), at(up, 1), at(up, 2));
                let (d, f) = (at(mid, 0), at(mid, 2));
                let (g, h, k) = (at(down, 0), at(down, 1), at(down, 2));
                // Scharr scaled by 1/32, with the factors gathered: four
                // multiplies fewer a register than term by term.
                *template = Template {
                    pixels: at(mid, 1),
                    gx: ((c - a) + (k - g)) * three + (f - d) * ten,
                    gy: ((g - a) + (k - c)) * three + (h - b) * ten,
                };
            }
            window[N - 1].gx &= self.tail;
            window[N - 1].gy &= self.tail;
        }
    }

    fn track_level(
        &mut self,
        from: &Level,
        to: &Level,
        p: (f32, f32),
        guess: (f32, f32),
        (residual, epsilon): (Residual, f32),
    ) -> Option<((f32, f32), f32)> {
        let (r, side) = (self.radius, self.side);
        // One patch a pixel wider on each side gives the window and, by the
        // Scharr kernel on the patch itself, its gradients.
        let (ring, rows) = (r + 1, side + 2);
        fill_patch::<N>(
            from,
            p,
            (ring, rows),
            &mut self.border_patch,
            &mut self.scratch,
        );
        self.window_and_gradients();
        let [gxx, gxy, gyy] = tensor_sums(&self.window);
        let n = (side * side) as f32;
        let det = gxx * gyy - gxy * gxy;
        let min_eigen = ((gxx + gyy) - ((gxx - gyy).powi(2) + 4.0 * gxy * gxy).sqrt()) / (2.0 * n);
        // NaN (a degenerate window) counts as too little texture.
        let textured = min_eigen >= self.settings.min_eigen as f32;
        if !textured || det <= f32::EPSILON {
            return None;
        }
        let (w, h) = (to.image.width as f32, to.image.height as f32);
        let window = (r, N * LANES, side);
        let mut v = (0.0f32, 0.0f32);
        for _ in 0..self.settings.iterations {
            let q = (p.0 + guess.0 + v.0, p.1 + guess.1 + v.1);
            if q.0 < -(r as f32) || q.1 < -(r as f32) || q.0 > w + r as f32 || q.1 > h + r as f32 {
                return None;
            }
            // The moved window is sampled and compared in one pass, never
            // stored.
            let source = locate(to, q, window, &mut self.scratch);
            let [bx, by] = mismatch(&source, &self.window);
            let step = ((gyy * bx - gxy * by) / det, (gxx * by - gxy * bx) / det);
            v = (v.0 + step.0, v.1 + step.1);
            if (step.0 * step.0 + step.1 * step.1).sqrt() < epsilon {
                break;
            }
        }
        if residual == Residual::Skip {
            return Some((v, 0.0));
        }
        let q = (p.0 + guess.0 + v.0, p.1 + guess.1 + v.1);
        let source = locate(to, q, window, &mut self.scratch);
        // Over the window's own columns, not the padding; each row summed
        // in order. (A plain loop: in Wasm, `array::from_fn` here stayed a
        // call a register, with its own bounds checks.)
        let total: f32 = (self.window.iter().enumerate())
            .map(|(j, window)| {
                let moved = sample_row(&source, j, N);
                let mut difference = [[0.0f32; LANES]; N];
                for (i, (d, t)) in difference.iter_mut().zip(window).enumerate() {
                    *d = (t.pixels - moved.at(i)).abs().to_array();
                }
                difference.as_flattened()[..side].iter().sum::<f32>()
            })
            .sum();
        Some((v, total / n))
    }
}

/// A register of the window: its pixels and their Scharr gradients, side
/// by side, so that the sums over a window walk one array (in Wasm, one
/// address to advance a row instead of three).
#[derive(Clone, Copy)]
struct Template {
    pixels: f32x4,
    gx: f32x4,
    gy: f32x4,
}

impl Template {
    const ZERO: Template = Template {
        pixels: f32x4::ZERO,
        gx: f32x4::ZERO,
        gy: f32x4::ZERO,
    };
}

/// Floats in one 128-bit register (Wasm SIMD, SSE): window rows are padded
/// to a multiple of this.
const LANES: usize = 4;

/// The four floats at `s[at..]` as one register. A whole [f32; 4] loads
/// as one register, so overlapping reads (a sample's neighbours) stay
/// plain loads: built lane by lane, LLVM turned them into shuffles.
#[inline(always)]
fn register(s: &[f32], at: usize) -> f32x4 {
    f32x4::from(s[at..].as_chunks::<LANES>().0[0])
}

// The sums below run in four explicit lanes (`wide`'s f32x4: SSE natively,
// simd128 in Wasm), added in one fixed order at the end: the same result on
// every target. Left to LLVM, these ordered float sums came out as scalar
// adds and shuffles, natively and in Wasm.

/// Σ gx², Σ gx·gy and Σ gy²: the structure tensor of a window.
fn tensor_sums<const N: usize>(window: &[[Template; N]]) -> [f32; 3] {
    let (mut xx, mut xy, mut yy) = (f32x4::ZERO, f32x4::ZERO, f32x4::ZERO);
    for row in window {
        for &Template { gx: x, gy: y, .. } in row {
            xx += x * x;
            xy += x * y;
            yy += y * y;
        }
    }
    [xx, xy, yy].map(f32x4::reduce_add)
}

/// Σ (patch − moved)·gx and Σ (patch − moved)·gy, where `moved` is the
/// window's bilinear samples of `source`, taken as it goes.
fn mismatch<const N: usize>(source: &Source<'_>, window: &[[Template; N]]) -> [f32; 2] {
    let (mut bx, mut by) = (f32x4::ZERO, f32x4::ZERO);
    // A register column at a time, down the rows: Cranelift places a loop
    // body's arithmetic after all its loads, so a whole row in one body
    // (7 loads a register) kept more values live than x86 has registers
    // and spilled them; one register a body does not.
    for i in 0..N {
        for (j, row) in window.iter().enumerate() {
            let t = row[i];
            let diff = t.pixels - sample_row(source, j, N).at(i);
            bx += diff * t.gx;
            by += diff * t.gy;
        }
    }
    [bx, by].map(f32x4::reduce_add)
}

/// Row `j` of the bilinear samples of `source`, `registers` wide.
#[inline(always)]
fn sample_row<'a>(source: &Source<'a>, j: usize, registers: usize) -> SampleRow<'a> {
    let pitch = source.pitch;
    // The source row and the next, each a pixel longer than the samples.
    let start = source.origin + j * pitch;
    SampleRow {
        rows: &source.data[start..][..pitch + registers * LANES + 1],
        pitch,
        weights: source.weights,
    }
}

/// One row of bilinear samples, computed a register at a time where it is
/// used: a whole row loaded first (21 registers for an 11-pixel window)
/// left Cranelift more live values than x86 has registers, and it spilled
/// them.
struct SampleRow<'a> {
    rows: &'a [f32],
    pitch: usize,
    weights: [f32x4; 4],
}

impl SampleRow<'_> {
    /// Register `i` of the row.
    #[inline(always)]
    fn at(&self, i: usize) -> f32x4 {
        let (at, below) = (i * LANES, i * LANES + self.pitch);
        let source = |o: usize| register(self.rows, o);
        let pixels = [source(at), source(at + 1), source(below), source(below + 1)];
        bilinear(self.weights, pixels)
    }

    /// The whole row, into `out`. The source row and the next are first
    /// cut to exactly the length read, so that no read needs a bounds
    /// check: 3–4 % off sparse flow in Wasm. (`mismatch`, which reads one
    /// register of a row at a time, was slower with the cut.)
    #[inline(always)]
    fn write_to(&self, out: &mut [[f32; LANES]]) {
        let len = out.len() * LANES + 1;
        let (top, below) = self.rows.split_at(self.pitch);
        let (top, below) = (&top[..len], &below[..len]);
        for (i, out) in out.iter_mut().enumerate() {
            let at = i * LANES;
            let pixels = [
                register(top, at),
                register(top, at + 1),
                register(below, at),
                register(below, at + 1),
            ];
            *out = bilinear(self.weights, pixels).to_array();
        }
    }
}

/// The bilinear sample of four neighbours (top left, top right, bottom
/// left, bottom right), four samples at a time.
#[inline(always)]
fn bilinear([w00, w10, w01, w11]: [f32x4; 4], [p00, p10, p01, p11]: [f32x4; 4]) -> f32x4 {
    w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11
}

/// Where a grid of bilinear samples reads its source pixels: `data` (rows
/// of `pitch`) from `origin`, with the four neighbours' weights.
struct Source<'a> {
    data: &'a [f32],
    pitch: usize,
    origin: usize,
    /// For (0,0), (1,0), (0,1) and (1,1), each in every lane.
    weights: [f32x4; 4],
    /// At a whole-pixel position inside the image: the samples are the
    /// pixels themselves.
    whole: bool,
}

/// Bilinear samples of `image` on `rows` rows of `N + 1` registers whose
/// top-left sample is `r` pixels left of and above `c`, into `out`
/// (row-major).
fn fill_patch<const N: usize>(
    level: &Level,
    c: (f32, f32),
    (r, rows): (isize, usize),
    out: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let columns = (N + 1) * LANES;
    let source = locate(level, c, (r, columns, rows), scratch);
    for (j, dst) in out.chunks_exact_mut(columns).take(rows).enumerate() {
        if source.whole {
            // Whole-pixel positions (corners, the dense grid's points at
            // every level on the forward pass) are plain copies.
            let row = source.origin + j * source.pitch;
            dst.copy_from_slice(&source.data[row..][..columns]);
            continue;
        }
        sample_row(&source, j, N + 1).write_to(dst.as_chunks_mut::<LANES>().0);
    }
}

/// The source of a `cols` x `rows` grid of bilinear samples whose top-left
/// sample is `r` pixels left of and above `c`. The fractional part is the
/// same for every sample, so the four weights are computed once. Grids
/// near or past the border read the level's padded copy, or where there is
/// none or they reach beyond it, first gather their clamped source pixels
/// into `scratch`; either way they are then sampled like any other.
#[inline(always)]
fn locate<'a>(
    level: &'a Level,
    c: (f32, f32),
    (r, cols, rows): (isize, usize, usize),
    scratch: &'a mut Vec<f32>,
) -> Source<'a> {
    let (fx0, fy0) = (c.0.floor(), c.1.floor());
    let (ax, ay) = (c.0 - fx0, c.1 - fy0);
    let weights = [
        (1.0 - ax) * (1.0 - ay),
        ax * (1.0 - ay),
        (1.0 - ax) * ay,
        ax * ay,
    ]
    .map(f32x4::splat);
    let image = &level.image;
    let (left, top) = (fx0 as isize - r, fy0 as isize - r);
    let (w, h) = (image.width as isize, image.height as isize);
    // Whether the grid's (cols + 1) x (rows + 1) source pixels lie within
    // `margin` pixels around the image.
    let within = |margin: isize| {
        left >= -margin
            && top >= -margin
            && left + (cols as isize) < w + margin
            && top + (rows as isize) < h + margin
    };
    let whole = ax == 0.0 && ay == 0.0;
    if within(0) {
        return Source {
            data: &image.data,
            pitch: w as usize,
            origin: top as usize * w as usize + left as usize,
            weights,
            whole,
        };
    }
    if let Some(padded) = &level.padded
        && within(MARGIN as isize)
    {
        let (x, y) = (
            (left + MARGIN as isize) as usize,
            (top + MARGIN as isize) as usize,
        );
        return Source {
            data: &padded.data,
            pitch: padded.pitch,
            origin: y * padded.pitch + x,
            weights,
            whole,
        };
    }
    gather_border(image, (left, top), (cols, rows), scratch);
    Source {
        data: scratch,
        pitch: cols + 1,
        origin: 0,
        weights,
        whole: false,
    }
}

/// The (rows + 1) x (cols + 1) source pixels from (left, top) into
/// `scratch`, border replicated: each row the first pixel repeated, the
/// part inside copied, the last pixel repeated. Not inlined: most grids are
/// inside, and `locate` stays small where it is.
#[inline(never)]
fn gather_border(
    image: &GreyF32,
    (left, top): (isize, isize),
    (cols, rows): (usize, usize),
    scratch: &mut Vec<f32>,
) {
    let (w, h) = (image.width as isize, image.height as isize);
    scratch.clear();
    let span = cols as isize + 1;
    let before = (-left).clamp(0, span) as usize;
    let (first, last) = (left.max(0), (left + span - 1).min(w - 1));
    for j in 0..=rows as isize {
        let y = (top + j).clamp(0, h - 1) as usize;
        let row = &image.data[y * w as usize..][..w as usize];
        scratch.extend(std::iter::repeat_n(row[0], before));
        if first <= last {
            scratch.extend_from_slice(&row[first as usize..=last as usize]);
        }
        let after = (span as usize * (j as usize + 1)).saturating_sub(scratch.len());
        scratch.extend(std::iter::repeat_n(row[w as usize - 1], after));
    }
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

    /// The middle of `values` once sorted (the upper one of an even count).
    fn median(mut values: Vec<f64>) -> f64 {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    }

    /// `image` as a level without and with a padded copy (the finest level
    /// and the coarser ones).
    fn as_levels(image: &GreyF32) -> [Level; 2] {
        [None, Some(Padded::new(image))].map(|padded| Level {
            image: image.clone(),
            padded,
        })
    }

    #[test]
    fn patches_are_bilinear_samples_inside_and_at_the_border() {
        let image = GreyF32 {
            width: 23,
            height: 17,
            data: (0..23 * 17).map(|i| ((i * 53) % 251) as f32).collect(),
        };
        // Rows of two registers: 8 samples.
        let (r, cols, rows) = (3isize, 8usize, 7usize);
        let mut out = vec![0.0; cols * rows];
        // Inside, near each border, wholly outside, and (for the padded
        // copy) beyond its margin: gathered then.
        let places = [
            (10.25, 8.75),
            (1.5, 2.125),
            (21.9, 15.5),
            (-0.5, 16.2),
            (-9.0, 5.3),
            (29.5, 18.7),
            (7.0, 3.0),
            (-45.5, 60.25),
        ];
        for c in places {
            let mut patches = Vec::new();
            for level in as_levels(&image) {
                fill_patch::<1>(&level, c, (r, rows), &mut out, &mut Vec::new());
                for j in 0..rows {
                    for i in 0..cols {
                        let (x, y) = (c.0 - r as f32 + i as f32, c.1 - r as f32 + j as f32);
                        let (got, want) = (out[j * cols + i], image.sample(x, y));
                        assert!(
                            (got - want).abs() < 1e-3,
                            "{c:?} ({i}, {j}): {got} vs {want}"
                        );
                    }
                }
                patches.push(out.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
            }
            // The padded copy holds exactly the pixels a gather clamps to.
            assert_eq!(patches[0], patches[1], "{c:?}");
        }
    }

    #[test]
    fn the_margin_holds_every_window_of_the_widest_rows() {
        // Sides 29 and 31 have rows of 8 registers, the most there are.
        const N: usize = 8;
        let (w, h) = (40usize, 30usize);
        let image = GreyF32 {
            width: w,
            height: h,
            data: (0..w * h).map(|i| (i % 256) as f32).collect(),
        };
        let [_, level] = as_levels(&image);
        let padded = level.padded.as_ref().map(|p| p.data.as_ptr());
        let reads_padded = |c: (f32, f32), extent: (isize, usize, usize)| {
            let mut scratch = Vec::new();
            let source = locate(&level, c, extent, &mut scratch);
            Some(source.data.as_ptr()) == padded && scratch.is_empty()
        };
        for side in [29usize, 31] {
            let r = (side / 2) as isize;
            let (wf, hf, rf) = (w as f32, h as f32, r as f32);
            // A point's own patch with its ring: the point lies in the level.
            for p in [
                (0.0, 0.0),
                (wf - 0.01, hf - 0.01),
                (0.0, hf - 0.01),
                (wf - 0.01, 0.0),
            ] {
                let patch = (r + 1, (N + 1) * LANES, side + 2);
                assert!(reads_padded(p, patch), "{side} {p:?}");
            }
            // The moved window, up to a radius outside the level.
            for q in [
                (-rf, -rf),
                (wf + rf, hf + rf),
                (-rf, hf + rf),
                (wf + rf, -rf),
            ] {
                assert!(reads_padded(q, (r, N * LANES, side)), "{side} {q:?}");
            }
            // Beyond that, pixels are gathered.
            assert!(!reads_padded((wf + rf + 1.0, 0.0), (r, N * LANES, side)));
        }
    }

    /// One window's register kernels (`window_and_gradients`, `mismatch`)
    /// against per-pixel arithmetic on `image.sample`, inside the image
    /// and at its borders.
    fn check_window_kernels<const N: usize>(side: u32) {
        let image = GreyF32 {
            width: 61,
            height: 47,
            data: (0..61 * 47).map(|i| ((i * 53) % 251) as f32).collect(),
        };
        let settings = FlowSettings {
            window: side,
            ..FlowSettings::default()
        };
        let mut tracker = PointTracker::<N>::new(&settings);
        let (r, columns) = (tracker.radius, N * LANES);
        // Lane i of row j of the pixels (0), gx (1) or gy (2).
        let lane = |tracker: &PointTracker<N>, what: usize, i: usize, j: usize| {
            let t = tracker.window[j][i / LANES];
            [t.pixels, t.gx, t.gy][what].to_array()[i % LANES]
        };
        let places = [(30.25, 20.75), (1.5, 2.125), (59.9, 45.5), (-0.5, 46.2)];
        for (level, c) in as_levels(&image)
            .iter()
            .flat_map(|l| places.map(|c| (l, c)))
        {
            fill_patch::<N>(
                level,
                c,
                (r + 1, side as usize + 2),
                &mut tracker.border_patch,
                &mut tracker.scratch,
            );
            tracker.window_and_gradients();
            // The window's pixel (i, j) is at c + (i − r, j − r).
            let at = |i: usize, j: usize, di: f32, dj: f32| {
                let (x, y) = (c.0 + (i as isize - r) as f32, c.1 + (j as isize - r) as f32);
                image.sample(x + di, y + dj)
            };
            for j in 0..side as usize {
                for i in 0..columns {
                    let (gx, gy) = (lane(&tracker, 1, i, j), lane(&tracker, 2, i, j));
                    assert!((lane(&tracker, 0, i, j) - at(i, j, 0.0, 0.0)).abs() < 1e-3);
                    if i >= side as usize {
                        // Padding: zero gradients, so it adds nothing.
                        assert_eq!((gx, gy), (0.0, 0.0), "{c:?} ({i}, {j})");
                        continue;
                    }
                    let p = |di, dj| at(i, j, di, dj);
                    let want_x = (3.0
                        * (p(1.0, -1.0) - p(-1.0, -1.0) + p(1.0, 1.0) - p(-1.0, 1.0))
                        + 10.0 * (p(1.0, 0.0) - p(-1.0, 0.0)))
                        / 32.0;
                    let want_y = (3.0
                        * (p(-1.0, 1.0) - p(-1.0, -1.0) + p(1.0, 1.0) - p(1.0, -1.0))
                        + 10.0 * (p(0.0, 1.0) - p(0.0, -1.0)))
                        / 32.0;
                    assert!(
                        (gx - want_x).abs() < 1e-2,
                        "{c:?} ({i}, {j}): {gx} vs {want_x}"
                    );
                    assert!(
                        (gy - want_y).abs() < 1e-2,
                        "{c:?} ({i}, {j}): {gy} vs {want_y}"
                    );
                }
            }
            // The window compared with the image around q.
            for q in [(c.0 + 0.3, c.1 - 0.7), (c.0 - 2.0, c.1 + 1.0)] {
                let mut scratch = Vec::new();
                let source = locate(level, q, (r, columns, side as usize), &mut scratch);
                let [bx, by] = mismatch(&source, &tracker.window);
                let (mut want_x, mut want_y, mut scale) = (0.0f64, 0.0f64, 0.0f64);
                for j in 0..side as usize {
                    for i in 0..columns {
                        let (x, y) = (q.0 + (i as isize - r) as f32, q.1 + (j as isize - r) as f32);
                        let diff = f64::from(lane(&tracker, 0, i, j) - image.sample(x, y));
                        let (gx, gy) = (lane(&tracker, 1, i, j), lane(&tracker, 2, i, j));
                        want_x += diff * f64::from(gx);
                        want_y += diff * f64::from(gy);
                        scale += (diff * f64::from(gx.abs() + gy.abs())).abs();
                    }
                }
                let tolerance = 1e-4 * scale + 1e-3;
                assert!(
                    (f64::from(bx) - want_x).abs() < tolerance,
                    "{q:?}: {bx} vs {want_x}"
                );
                assert!(
                    (f64::from(by) - want_y).abs() < tolerance,
                    "{q:?}: {by} vs {want_y}"
                );
            }
        }
    }

    #[test]
    fn window_kernels_match_per_pixel_arithmetic() {
        // Every window `check` allows, with its register width.
        check_window_kernels::<1>(3);
        check_window_kernels::<2>(5);
        check_window_kernels::<2>(7);
        check_window_kernels::<3>(9);
        check_window_kernels::<3>(11);
        check_window_kernels::<4>(13);
        check_window_kernels::<4>(15);
        check_window_kernels::<5>(17);
        check_window_kernels::<5>(19);
        check_window_kernels::<6>(21);
        check_window_kernels::<6>(23);
        check_window_kernels::<7>(25);
        check_window_kernels::<7>(27);
        check_window_kernels::<8>(29);
        check_window_kernels::<8>(31);
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
}
