//! One point through the pyramid: per-point Lucas–Kanade, forward and
//! (with the check on) backward.

use wide::f32x4;

use super::level::Level;
use super::pyramid::FlowPyramid;
use super::window::{
    LANES, Template, fill_patch, locate, mismatch, register, sample_row, tensor_sums,
};
use super::{FlowSettings, FlowStatus, FlowVector};

/// The level the backward pass of the check starts at: the finest at which
/// four times the forward `displacement` is within one window `radius` (as
/// far as one level reaches), so the way back can find a match well beyond
/// its start. For small motion that skips the coarse levels, which cost as
/// much a level as the fine ones; the forward pass always uses them all.
pub(super) fn check_top(displacement: f32, radius: f32) -> usize {
    let mut level = 0;
    // Huge displacements end at 8, above any pyramid (the caller caps it).
    while level < 8 && 4.0 * displacement > radius * (1u32 << level) as f32 {
        level += 1;
    }
    level
}

/// Where coarse pyramid levels stop iterating (level pixels).
pub(super) const COARSE_EPSILON: f32 = 0.1;

/// Per-point Lucas–Kanade with its scratch buffers (one allocation a call,
/// not a point).
///
/// A window row is `N` registers of [`LANES`] floats: the window's side
/// padded to whole registers (an 11-pixel row is 3 registers, its last
/// lane padding). `N` is a constant, so each row's loops unroll and every
/// load has a fixed offset; `track_points` picks the tracker for the
/// window. The padding lanes carry zero gradients, so they add nothing to
/// the sums.
pub(super) struct PointTracker<const N: usize> {
    pub(super) settings: FlowSettings,
    /// Half the window side.
    pub(super) radius: isize,
    /// The window side.
    pub(super) side: usize,
    /// The window with its gradients, one entry a row.
    pub(super) window: Vec<[Template; N]>,
    /// All ones in the last register's lanes inside the window, zero in
    /// its padding lanes.
    pub(super) tail: f32x4,
    /// The window plus a one-pixel ring, for its Scharr gradients:
    /// (side + 2) rows of N + 1 registers.
    pub(super) border_patch: Vec<f32>,
    /// Clamped source pixels for windows at the border.
    pub(super) scratch: Vec<f32>,
}

/// Whether a level's tracking should also measure its residual (only the
/// finest level of the forward pass reports one).
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Residual {
    Measure,
    Skip,
}

/// Tracks `points` with windows of `N` registers a row; answers in the
/// caller's order.
pub(super) fn track_all<const N: usize>(
    previous: &FlowPyramid,
    next: &FlowPyramid,
    points: &[(f32, f32)],
    settings: &FlowSettings,
) -> Vec<FlowVector> {
    let mut tracker = PointTracker::<N>::new(settings);
    let mut out = vec![None; points.len()];
    for i in row_order(points) {
        out[i] = Some(tracker.track_checked(previous, next, points[i]));
    }
    out.into_iter().flatten().collect()
}

/// The indices of `points` in row order, for the caches (corners come
/// strongest first, scattered over the frame): each is tracked in this
/// order and answered in the caller's. Not generic, so that the sort is
/// compiled once, not once a window width (8 copies, 47 KB of the guest).
fn row_order(points: &[(f32, f32)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[a]
            .1
            .total_cmp(&points[b].1)
            .then(points[a].0.total_cmp(&points[b].0))
    });
    order
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::level::tests::as_levels;
    use crate::pyramid::GreyF32;

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
}
