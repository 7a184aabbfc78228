//! Variational refinement, as DIS runs it after each level's densification
//! (after Brox et al., "High Accuracy Optical Flow Estimation Based on a
//! Theory for Warping", 2004): the field is nudged by (du, dv) to lower
//!
//! ```text
//! Σ δ·Ψ((Iz + Ix·du + Iy·dv)²)                    brightness constancy
//!   + γ·Ψ(|∇Iz + H·(du, dv)|²)                   gradient constancy
//!   + α·Ψ(|∇(u + du)|² + |∇(v + dv)|²)           smoothness
//! ```
//!
//! with Ψ(s²) = √(s² + ε²), robust to outliers, the derivatives of the
//! frames' average taken where the current frame is warped by the field,
//! and each constancy term normalised by its gradient's magnitude (Zimmer
//! et al. 2011, as OpenCV does), so that strong edges do not outweigh the
//! rest. Each fixed-point iteration freezes the weights
//! Ψ' and solves the linear system left by successive over-relaxation.
//! The parameters are OpenCV's for DIS (α 20, δ 5, γ 10, 5 iterations).
//!
//! Each pixel's two constancy terms are kept as quadratic forms in
//! (du, dv, 1) ([`forms`]): a form's value is its term's squared
//! residual for any increment, and a sum of forms is the sum of several
//! pixels' squares. So a level's grid can be refined on the data of the
//! level below ([`refine_from_finer`]): each grid pixel sums the forms of
//! the fine pixels around it, and the solve runs at the grid's cost with
//! the finer level's detail (as "combined local-global" flow integrates
//! its data term over a window: Bruhn, Weickert and Schnörr, 2005).

use wide::f32x4;

use crate::flow::window::register;
use crate::pyramid::GreyF32;

use super::{FlowField, differences_between, row_differences_along_x};

/// How a field is refined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Refinement {
    /// Smoothness weight α.
    pub alpha: f32,
    /// Brightness constancy weight δ.
    pub delta: f32,
    /// Gradient constancy weight γ.
    pub gamma: f32,
    /// Fixed-point iterations (the weights recomputed each).
    pub iterations: u32,
    /// Over-relaxation sweeps a fixed-point iteration.
    pub sweeps: u32,
    /// The over-relaxation factor ω.
    pub omega: f32,
}

impl Refinement {
    /// OpenCV's DIS FAST and MEDIUM: 5 fixed-point iterations.
    pub const DIS: Refinement = Refinement {
        alpha: 20.0,
        delta: 5.0,
        gamma: 10.0,
        iterations: 5,
        sweeps: 5,
        omega: 1.6,
    };

    /// A level refined on the data of the level below ([`refine_from_finer`]):
    /// DIS's, but smoothed less: α 12 gave the least mean EPE over the
    /// nine warped pairs of scripts/bench-flow.py (α 8, 10, 12 and 15
    /// measured natively with the `balanced` preset: 0.142, 0.137, 0.135
    /// and 0.139 px; more smoothing helps the rotations and shears, less
    /// the swirls).
    ///
    /// Six sweeps at ω 1.7 a fixed-point iteration, not five at 1.6: with
    /// `balanced`'s 2 iterations, the same error as 4 of DIS's or smaller
    /// on most of scripts/bench-flow.py's pairs, in less time.
    pub const FINER: Refinement = Refinement {
        alpha: 12.0,
        sweeps: 6,
        omega: 1.7,
        ..Refinement::DIS
    };

    /// Every level's own refinement when a [`Refinement::FINER`] one
    /// follows: DIS's, with 3 sweeps at ω 1.9 a fixed-point iteration.
    /// Each only starts the next level's search, and the last the fine
    /// refinement, which solves the same grid again on better data; and
    /// their fields are large motions (a rotation, a zoom) seen small,
    /// which over-relaxation spreads faster with a larger ω. Measured on
    /// scripts/bench-flow.py's ten pairs, its nine held-out ones and nine
    /// more (2-5 sweeps, ω 1.6-1.95, the finest level apart from the
    /// coarser ones): against DIS's 5 sweeps at ω 1.6 on the coarser
    /// levels and 3 at 1.75 on the finest, the same error or smaller on
    /// 23 of the 28 pairs (the other five by 0.001-0.003 px), box's
    /// rotation 0.112 -> 0.098 px and the stereo pair 3.11 -> 3.01, in
    /// 3 % less time.
    pub const START: Refinement = Refinement {
        sweeps: 3,
        omega: 1.9,
        ..Refinement::DIS
    };
}

/// Ψ's ε: keeps the weights finite where a residual is zero.
const EPSILON_SQUARED: f32 = 0.001 * 0.001;
/// ζ²: keeps the normalisation finite where a gradient is zero, and the
/// system solvable where there is no data.
const ZETA_SQUARED: f32 = 0.1 * 0.1;

/// The energy's derivatives, a row of eight at a time: Ix, Iy, Iz, Ixx,
/// Ixy, Iyy, Ixz, Iyz, in the order [`forms`] takes them.
trait Rows {
    /// What the rows are computed in.
    type Scratch;
    /// Columns and rows.
    fn size(&self) -> (usize, usize);
    /// A scratch for [`Rows::row`].
    fn scratch(&self) -> Self::Scratch;
    /// Row `y`'s eight derivatives, computed into `scratch` where they
    /// are not kept whole.
    fn row<'a>(&'a self, y: usize, scratch: &'a mut Self::Scratch) -> [&'a [f32]; 8];
}

/// The frames at the field, from which the derivatives are taken a row at
/// a time as they are asked for ([`Rows`]): the current frame warped back
/// by the field, the average of the two frames (grey levels) and its
/// gradient (Ix, Iy), their difference (Iz), and a row's second
/// derivatives from those. Only the few rows a row's derivatives read are
/// kept ([`WarpRows`]), never whole planes: at the fine refinement's
/// level of a 1080p frame, four planes were 8 MB, read back from memory.
struct Warped<'a> {
    previous: &'a GreyF32,
    current: &'a GreyF32,
    field: &'a FlowField,
}

/// The rows a [`Warped`] row is made from, each kept in a ring by row
/// number (rows asked for in order are each made once).
struct WarpRows {
    /// The frames' average and Iz, rows y − 2 ..= y + 2 of row y's
    /// derivatives in four slots: row r in slot r mod 4.
    average: [Vec<f32>; 4],
    iz: [Vec<f32>; 4],
    warped: [usize; 4],
    /// The average's gradient, rows y − 1 ..= y + 1, row r in slot r mod 3.
    ix: [Vec<f32>; 3],
    iy: [Vec<f32>; 3],
    gradients: [usize; 3],
    /// The row's second derivatives: Ixx, Ixy, Iyy, Ixz, Iyz.
    second: [Vec<f32>; 5],
}

/// `N` runs of `n` zeros: rows or planes.
fn zero_runs<const N: usize>(n: usize) -> [Vec<f32>; N] {
    std::array::from_fn(|_| vec![0.0; n])
}

impl<'a> Warped<'a> {
    /// At the field (as large as the frames).
    fn at(previous: &'a GreyF32, current: &'a GreyF32, field: &'a FlowField) -> Warped<'a> {
        Warped {
            previous,
            current,
            field,
        }
    }

    /// Row r of the average and Iz, into `scratch` unless it is there.
    fn warp_row(&self, r: usize, scratch: &mut WarpRows) {
        if scratch.warped[r % 4] == r {
            return;
        }
        scratch.warped[r % 4] = r;
        let (w, current) = (self.previous.width, self.current);
        let row = r * w..(r + 1) * w;
        let (u, v) = (&self.field.u[row.clone()], &self.field.v[row.clone()]);
        let first = &self.previous.data[row];
        let (average, iz) = (&mut scratch.average[r % 4], &mut scratch.iz[r % 4]);
        let columns = f32x4::from([0.0, 1.0, 2.0, 3.0]);
        let (half, body) = (f32x4::splat(0.5), w - w % 4);
        for x in (0..body).step_by(4) {
            let at_x = f32x4::splat(x as f32) + columns + register(u, x);
            let at_y = f32x4::splat(r as f32) + register(v, x);
            let (a, b) = (register(first, x), current.sample_four(at_x, at_y));
            average[x..x + 4].copy_from_slice(&(half * (a + b)).to_array());
            // The gradient's change, ∇(warped) − ∇(first), is ∇ of the
            // change.
            iz[x..x + 4].copy_from_slice(&(b - a).to_array());
        }
        for x in body..w {
            let (a, b) = (first[x], current.sample(x as f32 + u[x], r as f32 + v[x]));
            average[x] = 0.5 * (a + b);
            iz[x] = b - a;
        }
    }

    /// Row r of Ix and Iy (central differences of the average, border
    /// replicated), into `scratch` unless it is there.
    fn gradient_row(&self, r: usize, scratch: &mut WarpRows) {
        if scratch.gradients[r % 3] == r {
            return;
        }
        let (up, down) = (r.saturating_sub(1), (r + 1).min(self.previous.height - 1));
        for at in [up, r, down] {
            self.warp_row(at, scratch);
        }
        scratch.gradients[r % 3] = r;
        let WarpRows {
            average, ix, iy, ..
        } = scratch;
        row_differences_along_x(&average[r % 4], &mut ix[r % 3]);
        differences_between(&average[up % 4], &average[down % 4], &mut iy[r % 3]);
    }
}

impl Rows for Warped<'_> {
    type Scratch = WarpRows;

    fn size(&self) -> (usize, usize) {
        (self.previous.width, self.previous.height)
    }

    fn scratch(&self) -> WarpRows {
        let w = self.previous.width;
        WarpRows {
            average: zero_runs(w),
            iz: zero_runs(w),
            warped: [usize::MAX; 4],
            ix: zero_runs(w),
            iy: zero_runs(w),
            gradients: [usize::MAX; 3],
            second: zero_runs(w),
        }
    }

    fn row<'a>(&'a self, y: usize, scratch: &'a mut WarpRows) -> [&'a [f32]; 8] {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(self.previous.height - 1));
        // In this order, the rings never drop a row still to be read: the
        // rows below y's come last.
        for at in [up, y, down] {
            self.gradient_row(at, scratch);
        }
        let WarpRows {
            iz, ix, iy, second, ..
        } = scratch;
        let [ixx, ixy, iyy, ixz, iyz] = second;
        // The rows' slots: the gradients' ring of three, the warp's of four.
        let (g, z) = ([up, y, down].map(|r| r % 3), [up, y, down].map(|r| r % 4));
        row_differences_along_x(&ix[g[1]], ixx);
        differences_between(&ix[g[0]], &ix[g[2]], ixy);
        differences_between(&iy[g[0]], &iy[g[2]], iyy);
        row_differences_along_x(&iz[z[1]], ixz);
        differences_between(&iz[z[0]], &iz[z[2]], iyz);
        [&ix[g[1]], &iy[g[1]], &iz[z[1]], ixx, ixy, iyy, ixz, iyz]
    }
}

/// Where a level's forms go, a row of twelve planes at a time: the
/// refinement's halves ([`Checkerboard`]), or whole planes (the tests').
trait FormRows {
    fn set_row(&mut self, y: usize, forms: &[Vec<f32>; 12]);
}

/// Each pixel's forms at its own level, into `out`.
fn forms_of(d: &impl Rows, out: &mut impl FormRows) {
    let (w, h) = d.size();
    let (mut scratch, mut forms) = (d.scratch(), zero_runs::<12>(w));
    for y in 0..h {
        forms_into(
            d.row(y, &mut scratch),
            1.0,
            forms.each_mut().map(|f| &mut f[..]),
        );
        out.set_row(y, &forms);
    }
}

/// The forms of a `w` × `h` grid from the derivatives `d` of a level
/// twice as fine, into `out`, increments measured in the grid's pixels
/// (two of the fine level's): grid pixel (x, y) is fine pixel (2x, 2y), as
/// the pyramid keeps them, and sums the forms of the fine pixels around it
/// with the tent weights [½ 1 ½] each way, divided by their total, so that
/// a grid pixel weighs as much as a pixel does at its own level. A fine
/// row's forms are added into the one or two grid rows it weighs in, kept
/// at the fine width (contiguous adds); a grid row, once complete, is
/// summed along x.
fn coarser_forms(d: &impl Rows, (w, h): (usize, usize), out: &mut impl FormRows) {
    let (fw, fh) = d.size();
    // How much of a tent lies inside a side of n pixels, centred on i.
    let total = |i: usize, n: usize| {
        1.0 + if i > 0 { 0.5 } else { 0.0 } + if i + 1 < n { 0.5 } else { 0.0 }
    };
    debug_assert_eq!((w, h), (fw.div_ceil(2), fh.div_ceil(2)), "adjacent levels");
    let columns: Vec<f32> = (0..w).map(|x| 1.0 / total(2 * x, fw)).collect();
    let (mut this, mut next) = (zero_runs::<12>(fw), zero_runs::<12>(fw));
    let (mut scratch, mut grid_row) = (d.scratch(), zero_runs::<12>(w));
    for fy in 0..fh {
        let y = fy / 2;
        // Fine row 2y weighs 1 in grid row y; 2y + 1 a half in y and y + 1.
        let (here, there) = match (fy % 2, y + 1 < h) {
            (0, _) => (1.0, 0.0),
            (_, true) => (0.5, 0.5),
            (_, false) => (0.5, 0.0),
        };
        let row = d.row(fy, &mut scratch);
        if fy % 2 == 1 {
            add_forms(row, 2.0, [(&mut this, here), (&mut next, there)]);
        } else {
            add_forms(row, 2.0, [(&mut this, here)]);
        }
        if fy % 2 == 1 || fy + 1 == fh {
            let scale = 1.0 / total(2 * y, fh);
            for (grid, sums) in grid_row.iter_mut().zip(&this) {
                tent_along_x(grid, sums, &columns, scale);
            }
            out.set_row(y, &grid_row);
            std::mem::swap(&mut this, &mut next);
            for plane in &mut next {
                plane.fill(0.0);
            }
        }
    }
}

/// The data terms of four pixels as quadratic forms in (du, dv, 1), from
/// their derivatives [ix, iy, iz, ixx, ixy, iyy, ixz, iyz]: brightness
/// constancy's, [Ix Iy Iz]ᵀ[Ix Iy Iz] over |∇I|² + ζ², then gradient
/// constancy's, the same of each gradient component over its own
/// magnitude, added; each the six distinct entries of a symmetric 3×3
/// form, in the order (1,1) (1,2) (2,2) (1,3) (2,3) (3,3). A pixel's form
/// is its residual's square for any increment, so a sum of forms weighs
/// several pixels' residuals at once: how a coarser grid reads a finer
/// level. Increments are measured in pixels `unit` of the derivatives'
/// apart: first derivatives scale once, second ones twice.
#[inline(always)]
fn forms(d: [f32x4; 8], unit: f32) -> [f32x4; 12] {
    let (one, two) = (f32x4::splat(unit), f32x4::splat(unit * unit));
    let zeta = f32x4::splat(ZETA_SQUARED);
    let [ix, iy, iz, ixx, ixy, iyy, ixz, iyz] = d;
    let (ix, iy, ixz, iyz) = (one * ix, one * iy, one * ixz, one * iyz);
    let (ixx, ixy, iyy) = (two * ixx, two * ixy, two * iyy);
    let nb = f32x4::ONE / (ix * ix + iy * iy + zeta);
    let nx = f32x4::ONE / (ixx * ixx + ixy * ixy + zeta);
    let ny = f32x4::ONE / (ixy * ixy + iyy * iyy + zeta);
    // Each gradient component's derivatives over its own magnitude.
    let (ixn, iyn) = (ix * nb, iy * nb);
    let (ixx_x, ixy_x) = (ixx * nx, ixy * nx);
    let (ixy_y, iyy_y) = (ixy * ny, iyy * ny);
    [
        ixn * ix,
        ixn * iy,
        iyn * iy,
        ixn * iz,
        iyn * iz,
        iz * iz * nb,
        ixx_x * ixx + ixy_y * ixy,
        ixx_x * ixy + ixy_y * iyy,
        ixy_x * ixy + iyy_y * iyy,
        ixx_x * ixz + ixy_y * iyz,
        ixy_x * ixz + iyy_y * iyz,
        ixz * ixz * nx + iyz * iyz * ny,
    ]
}

/// Four values of each of the eight derivatives from `x`. (Written out:
/// `planes.map` was a call out of line a register in Wasm, 1 % of
/// `balanced`.)
#[inline(always)]
fn registers(planes: &[&[f32]; 8], x: usize) -> [f32x4; 8] {
    let at = |k: usize| register(planes[k], x);
    [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)]
}

/// The forms of a row of pixels from their eight derivatives `planes` (as
/// [`forms_into`] computes them), each times a weight added into the first
/// values of each of `N` sets of sums (`sum += weight · form`): a fine
/// row's share in the one or two grid rows it weighs in, without storing
/// its forms first.
#[inline(never)]
fn add_forms<const N: usize>(
    planes: [&[f32]; 8],
    unit: f32,
    mut sums: [(&mut [Vec<f32>; 12], f32); N],
) {
    let n = planes[0].len();
    let body = n - n % 4;
    for x in (0..body).step_by(4) {
        let forms = forms(registers(&planes, x), unit);
        for (sum, weight) in &mut sums {
            let weight = f32x4::splat(*weight);
            for (plane, form) in sum.iter_mut().zip(forms) {
                let total = register(plane, x) + weight * form;
                plane[x..x + 4].copy_from_slice(&total.to_array());
            }
        }
    }
    for x in body..n {
        let lanes = planes.map(|plane| f32x4::splat(plane[x]));
        let forms = forms(lanes, unit);
        for (sum, weight) in &mut sums {
            for (plane, form) in sum.iter_mut().zip(forms) {
                plane[x] += *weight * form.to_array()[0];
            }
        }
    }
}

/// A form's value at (du, dv, 1), its six entries in [`forms`]' order: a
/// sum of squared residuals, so never below 0, which the rounding of its
/// terms can take it to where the residual is near 0 and the gradients
/// large (then Ψ' = 1 / √(value + ε) was NaN, and a tracker's field with
/// it for every frame after).
#[inline(always)]
fn residual_square(form: [f32x4; 6], du: f32x4, dv: f32x4) -> f32x4 {
    let [f11, f12, f22, f13, f23, f33] = form;
    let two = f32x4::splat(2.0);
    let value = du * (f11 * du + two * (f12 * dv + f13)) + dv * (f22 * dv + two * f23) + f33;
    // fast_max, Wasm's pmax (one instruction): no value here is NaN.
    value.fast_max(f32x4::ZERO)
}

/// Grid row `out` from a fine row's `sums` (twice as long, or one less):
/// grid pixel x the tent [½ 1 ½] around fine pixel 2x, times its column's
/// `columns[x]` and the row's `scale`. (Out of line: called for each of
/// twelve planes, inlined it was twelve unrolled copies.)
#[inline(never)]
fn tent_along_x(out: &mut [f32], sums: &[f32], columns: &[f32], scale: f32) {
    let fw = sums.len();
    let at_border = |x: usize| {
        let x0 = 2 * x;
        let left = if x0 > 0 { sums[x0 - 1] } else { 0.0 };
        let right = if x0 + 1 < fw { sums[x0 + 1] } else { 0.0 };
        (sums[x0] + 0.5 * (left + right)) * columns[x] * scale
    };
    // Pixels 1..inner have both neighbours: there, pairs of fine columns
    // (2x - 1, 2x) and (2x, 2x + 1), in a loop that vectorises.
    let inner = (fw / 2).max(1).min(out.len());
    out[0] = at_border(0);
    if inner > 1 {
        let pairs = sums[1..].chunks_exact(2).zip(sums[2..].chunks_exact(2));
        let inside = out[1..inner].iter_mut().zip(&columns[1..inner]);
        for ((o, &c), (before, after)) in inside.zip(pairs) {
            *o = (after[0] + 0.5 * (before[0] + after[1])) * c * scale;
        }
    }
    for (x, o) in out.iter_mut().enumerate().skip(inner) {
        *o = at_border(x);
    }
}

/// The forms of a row of pixels from their eight derivatives `planes`
/// into `out`'s twelve rows (brightness constancy's six, then gradient
/// constancy's), four pixels at a time; the last few through a padded
/// register (zeros: finite forms, not stored).
#[inline(never)]
fn forms_into(planes: [&[f32]; 8], unit: f32, mut out: [&mut [f32]; 12]) {
    let n = planes[0].len();
    let body = n - n % 4;
    for x in (0..body).step_by(4) {
        // Four values a plane at a time: a copy of a length known here is
        // one vector store in Wasm, where one of a variable length is a
        // call out to the runtime's memory.copy.
        let forms = forms(registers(&planes, x), unit);
        for (plane, form) in out.iter_mut().zip(forms) {
            plane[x..x + 4].copy_from_slice(&form.to_array());
        }
    }
    if body < n {
        let pad = |plane: &[f32]| {
            let mut lanes = [0.0f32; 4];
            lanes[..n - body].copy_from_slice(&plane[body..]);
            f32x4::from(lanes)
        };
        for (plane, form) in out.iter_mut().zip(forms(planes.map(pad), unit)) {
            plane[body..n].copy_from_slice(&form.to_array()[..n - body]);
        }
    }
}

/// `field` refined between `previous` and `current` (one level's frames).
pub(super) fn refine(
    previous: &GreyF32,
    current: &GreyF32,
    field: &mut FlowField,
    refinement: &Refinement,
) {
    let (w, h) = (previous.width, previous.height);
    if w < 2 || h < 2 {
        return;
    }
    let warped = Warped::at(previous, current, field);
    let mut board = Checkerboard::new(w, h, field);
    forms_of(&warped, &mut board);
    solve(board, field, refinement);
}

/// `field` (a level's) refined on the data of the level below, twice as
/// fine (`finer_previous`, `finer_current`): each of its pixels weighs
/// the residuals of the fine pixels around it (a tent over 3 × 3, see
/// [`coarser_forms`]), so that the solve runs on this level's grid with
/// the finer level's detail.
pub(super) fn refine_from_finer(
    finer_previous: &GreyF32,
    finer_current: &GreyF32,
    field: &mut FlowField,
    refinement: &Refinement,
) {
    let (w, h) = (field.width as usize, field.height as usize);
    if w < 2 || h < 2 {
        return;
    }
    let fine = (finer_previous.width, finer_previous.height);
    let fine_field = field.resized(fine.0 as u32, fine.1 as u32);
    let warped = Warped::at(finer_previous, finer_current, &fine_field);
    let mut board = Checkerboard::new(w, h, field);
    coarser_forms(&warped, (w, h), &mut board);
    solve(board, field, refinement);
}

/// The fixed-point iterations on a level's grid (its forms set), then
/// the field moved by the increment found.
fn solve(mut board: Checkerboard, field: &mut FlowField, refinement: &Refinement) {
    for _ in 0..refinement.iterations {
        board.weigh(refinement);
        for _ in 0..refinement.sweeps {
            board.sweep(refinement.omega);
        }
    }
    board.add_increment(field);
}

/// A pixel's values in one colour's half: the field and the field plus
/// its increment, the data terms' forms at the field, the smoothness
/// weights, and the equations of the current fixed-point iteration.
struct Half {
    /// The field.
    u: Vec<f32>,
    v: Vec<f32>,
    /// The field plus its increment, (u + du, v + dv): what the sweeps
    /// solve for, and what the neighbours read.
    moved_u: Vec<f32>,
    moved_v: Vec<f32>,
    /// The data terms' forms at the field ([`forms`]), in blocks of four
    /// pixels of a row as [`Half::equations`]: one run for the equations
    /// to read, not twelve (in Wasm, a pointer a run, twenty in all, was
    /// more than the registers, reloaded every block).
    forms: Vec<[f32x4; 12]>,
    /// The smoothness weights of the edges to the right and lower
    /// neighbours (0 past the frame's edge); a pixel's left and upper
    /// edges are its neighbours' right and lower ones.
    right: Vec<f32>,
    down: Vec<f32>,
    /// Each pixel's equations, solved for its moved field given its
    /// neighbours' ([`Equation`]), in blocks of four pixels of a row,
    /// made anew each fixed-point iteration: pushed, never zeroed first.
    equations: Vec<[f32x4; Equation::COUNT]>,
}

/// A pixel's two equations of a fixed-point iteration, solved for its
/// moved field (u + du, v + dv) = (x, y) given its neighbours' (x_n, y_n)
/// and its own other component:
///
/// ```text
/// x = scale_u · Σ w_n·x_n + offset_u − couple_u · y
/// y = scale_v · Σ w_n·y_n + offset_v − couple_v · x
/// ```
///
/// rewritten from the data terms' system at the increment,
/// (a11 + Σw)·du = Σ w_n·(x_n − u) − b1 − a12·dv (and the same for v),
/// once an iteration. A block holds these values of four pixels, a
/// register each, beside the four edges' weights w_n (left, right, up,
/// down): a sweep reads a pixel's own values from one place, not ten.
struct Equation;

impl Equation {
    const SCALE_U: usize = 0;
    const SCALE_V: usize = 1;
    const OFFSET_U: usize = 2;
    const OFFSET_V: usize = 3;
    const COUPLE_U: usize = 4;
    const COUPLE_V: usize = 5;
    const LEFT: usize = 6;
    const RIGHT: usize = 7;
    const UP: usize = 8;
    const DOWN: usize = 9;
    const COUNT: usize = 10;
}

/// The refinement's values split by colour, as OpenCV's refinement keeps
/// them, for the whole refinement of a level: pixel (x, y) is red when
/// x + y is even, else black, and each colour's pixels of a row lie side
/// by side, so that every pass runs over contiguous memory (loops that
/// vectorise) rather than every other pixel. A half's row y holds the
/// pixels x = 2k + p, p = (y + colour) mod 2, at its cells k, in whole
/// blocks of four: the lanes past its last pixel read and write the row's
/// padding, which stays 0 (their edges weigh 0 and their equations'
/// offsets are 0). In row y, a pixel's left and right neighbours (the
/// other colour) are at cells k + p − 1 and k + p, and its upper and lower
/// ones at cell k of rows y ∓ 1.
///
/// A half keeps its even rows, then its odd ones, each set between rows of
/// zeros ([`Checkerboard::cell`]): so the rows of one parity lie end to
/// end, and for all of them a pixel's neighbours are at the same distance
/// in the other half (the rows above and below are the other parity's, in
/// the same order). The equations and the sweeps pass over each parity's
/// rows as one run, not a row at a time: at a coarse level's sizes, a row
/// of ten blocks, setting each row up cost a good part of its work. Where
/// a pixel has no neighbour, its edge weighs 0 and what lies there is
/// finite: the zero rows above and below, and at either end of a row, the
/// padding or the last pixel of the row before it or the first of the row
/// after.
struct Checkerboard {
    w: usize,
    h: usize,
    /// A half's row length: its blocks' cells.
    stride: usize,
    /// Blocks of four pixels a row.
    blocks: usize,
    halves: [Half; 2],
}

/// Where a run of a half's cells starts (a row, or every row of its
/// parity from it), and where its first pixel's neighbours are in the
/// other half: each next pixel's are one further.
struct Cells {
    /// The first pixel's cell.
    first: usize,
    /// The left neighbour of the first pixel (the right is one further).
    left: usize,
    /// The upper neighbour of the first pixel.
    up: usize,
    /// The lower neighbour of the first pixel.
    down: usize,
}

impl Checkerboard {
    /// The field split into halves, its forms all 0 until they are set.
    fn new(w: usize, h: usize, field: &FlowField) -> Checkerboard {
        let blocks = w.div_ceil(2).div_ceil(4);
        let stride = 4 * blocks;
        // The rows and three rows of zeros (Checkerboard::cell).
        let cells = stride * (h + 3);
        let zeros = || vec![0.0f32; cells];
        let half = || Half {
            u: zeros(),
            v: zeros(),
            // Derived from u and v below.
            moved_u: Vec::new(),
            moved_v: Vec::new(),
            forms: vec![[f32x4::ZERO; 12]; blocks * h],
            right: zeros(),
            down: zeros(),
            equations: Vec::with_capacity(blocks * h),
        };
        let mut board = Checkerboard {
            w,
            h,
            stride,
            blocks,
            halves: [half(), half()],
        };
        let starts: Vec<usize> = (0..h).map(|y| board.cell(y)).collect();
        let [red, black] = &mut board.halves;
        let split = |plane: &[f32], red: &mut [f32], black: &mut [f32]| {
            split_into_halves(plane, &starts, [red, black]);
        };
        split(&field.u, &mut red.u, &mut black.u);
        split(&field.v, &mut red.v, &mut black.v);
        for half in [&mut *red, &mut *black] {
            // u + du with du = 0 (a field's -0.0 is 0.0 there); the margin
            // stays 0.
            half.moved_u = half.u.iter().map(|&u| u + 0.0).collect();
            half.moved_v = half.v.iter().map(|&v| v + 0.0).collect();
        }
        board
    }

    /// Row y's place among a half's rows of blocks, its parity's rows
    /// first: the even rows, then the odd ones.
    fn place(&self, y: usize) -> usize {
        if y.is_multiple_of(2) {
            y / 2
        } else {
            self.h.div_ceil(2) + y / 2
        }
    }

    /// The first cell of row y of either half (0..=h): its place, after
    /// a row of zeros before the even rows and another before the odd ones
    /// (above row 0 and below the last even row), and a third after them
    /// (below the last odd row). Row h, the one below the last, falls on
    /// the row of zeros after the last row of its parity.
    fn cell(&self, y: usize) -> usize {
        (self.place(y) + 1 + y % 2) * self.stride
    }

    /// The first block of row y's forms and equations.
    fn first_block(&self, y: usize) -> usize {
        self.place(y) * self.blocks
    }

    /// The cells of row y of `colour`'s half, and of every row of its
    /// parity after it.
    fn cells(&self, y: usize, colour: usize) -> Cells {
        let p = (y + colour) % 2;
        let first = self.cell(y);
        // Row 0's upper neighbours lie in the row of zeros before the
        // odd rows.
        let up = if y == 0 {
            self.cell(1) - self.stride
        } else {
            self.cell(y - 1)
        };
        Cells {
            first,
            left: first + p - 1,
            up,
            down: self.cell(y + 1),
        }
    }

    /// The blocks of the rows of one parity (0: even, 1: odd), end to end.
    fn parity_blocks(&self, parity: usize) -> std::ops::Range<usize> {
        let rows = (self.h + 1 - parity) / 2;
        let first = self.first_block(parity);
        first..first + rows * self.blocks
    }

    /// A fixed-point iteration's linear system: the data terms and the
    /// smoothness weights at the field plus the increment, the robust
    /// weights frozen there. (These passes are kept out of line: inlined
    /// into `refine` they made the guest 0.8 KB larger gzipped, no faster.
    /// The sweeps are not: out of line they ran the fast preset 9 % slower
    /// in Wasm.)
    fn weigh(&mut self, refinement: &Refinement) {
        for colour in 0..2 {
            self.smoothness(colour, refinement.alpha);
        }
        for colour in 0..2 {
            self.equations(colour, refinement);
        }
    }

    /// Each pixel's smoothness weight towards its right and lower
    /// neighbours, from the differences of the field plus the increment
    /// towards them (none past the frame's edge): each parity's rows as one
    /// run, then where a run read past the frame, row by row.
    #[inline(never)]
    fn smoothness(&mut self, colour: usize, alpha: f32) {
        for parity in 0..2 {
            let cells = self.cells(parity, colour);
            let n = 4 * self.parity_blocks(parity).len();
            let (own, other) = own_and_other(&mut self.halves, colour);
            let moved: [&[f32]; 2] = [&own.moved_u, &own.moved_v];
            let others: [&[f32]; 2] = [&other.moved_u, &other.moved_v];
            let run = cells.first..cells.first + n;
            // A pixel's edges to the right and below weigh the same (both
            // from its own smoothness term), written to both at once.
            smooth_row(
                window(moved, cells.first, n),
                window(others, cells.left + 1, n),
                window(others, cells.down, n),
                alpha,
                [&mut own.right[run.clone()], &mut own.down[run]],
            );
        }
        for y in 0..self.h {
            let cells = self.cells(y, colour);
            let p = (y + colour) % 2;
            let n = (self.w - p).div_ceil(2);
            let ends_the_frame = p + 2 * (n - 1) == self.w - 1;
            let last_row = y + 1 == self.h;
            let (own, other) = own_and_other(&mut self.halves, colour);
            let Half {
                moved_u,
                moved_v,
                right,
                down,
                ..
            } = own;
            let moved: [&[f32]; 2] = [moved_u, moved_v];
            let others: [&[f32]; 2] = [&other.moved_u, &other.moved_v];
            let row = cells.first..cells.first + n;
            // The last row's lower neighbour is itself, as is the last
            // column's right one: no difference there, and no edge.
            let (below, lower) = if last_row {
                (moved, cells.first)
            } else {
                (others, cells.down)
            };
            if last_row {
                smooth_row(
                    window(moved, cells.first, n),
                    window(others, cells.left + 1, n),
                    window(below, lower, n),
                    alpha,
                    [&mut right[row.clone()], &mut down[row.clone()]],
                );
            }
            if ends_the_frame {
                let last = row.end - 1;
                smooth_row(
                    window(moved, last, 1),
                    window(moved, last, 1),
                    window(below, lower + n - 1, 1),
                    alpha,
                    [&mut right[last..=last], &mut down[last..=last]],
                );
                right[last] = 0.0;
            }
            if last_row {
                down[row.clone()].fill(0.0);
            }
            // The padding has no edges.
            let padding = row.end..cells.first + self.stride;
            right[padding.clone()].fill(0.0);
            down[padding].fill(0.0);
        }
    }

    /// Each pixel's equations ([`Equation`]) from its data terms at the
    /// increment (each term's Ψ' frozen there) and the weights of its four
    /// edges, a block of four pixels at a time.
    #[inline(never)]
    fn equations(&mut self, colour: usize, refinement: &Refinement) {
        let (delta, gamma) = (
            f32x4::splat(refinement.delta * 0.5),
            f32x4::splat(refinement.gamma * 0.5),
        );
        let (epsilon, zeta) = (f32x4::splat(EPSILON_SQUARED), f32x4::splat(ZETA_SQUARED));
        for parity in 0..2 {
            let cells = self.cells(parity, colour);
            let run = self.parity_blocks(parity);
            let (own, other) = own_and_other(&mut self.halves, colour);
            let n = run.len();
            // Every run cut to the rows' blocks before the loop, so that
            // the loop indexes them without a check.
            let mine = |plane| quads(plane, cells.first, n);
            let (u, v, moved_u, moved_v) = (
                mine(&own.u),
                mine(&own.v),
                mine(&own.moved_u),
                mine(&own.moved_v),
            );
            let forms = &own.forms[run.clone()];
            let (right, down) = (mine(&own.right), mine(&own.down));
            let left = quads(&other.right, cells.left, n);
            let up = quads(&other.down, cells.up, n);
            if parity == 0 {
                own.equations.clear();
            }
            // Pushed in a loop over the blocks (as an iterator's map, each
            // block's nine reads were checked: the loop left the function
            // that knows the runs' lengths).
            own.equations.reserve(n);
            for b in 0..n {
                let (u, v) = (f32x4::from(u[b]), f32x4::from(v[b]));
                let (du, dv) = (f32x4::from(moved_u[b]) - u, f32x4::from(moved_v[b]) - v);
                let form = |k: usize| forms[b][k];
                // Each term's squared (normalised) residual at the
                // increment, its form at (du, dv, 1), and Ψ' there.
                let square = |k: usize| {
                    let (f11, f12, f22) = (form(k), form(k + 1), form(k + 2));
                    let (f13, f23, f33) = (form(k + 3), form(k + 4), form(k + 5));
                    residual_square([f11, f12, f22, f13, f23, f33], du, dv)
                };
                let data = delta / (square(0) + epsilon).sqrt();
                let grad = gamma / (square(6) + epsilon).sqrt();
                let term = |b: usize| data * form(b) + grad * form(6 + b);
                let (a11, a12, a22) = (term(0) + zeta, term(1), term(2) + zeta);
                let (b1, b2) = (term(3), term(4));
                let (left, right) = (f32x4::from(left[b]), f32x4::from(right[b]));
                let (up, down) = (f32x4::from(up[b]), f32x4::from(down[b]));
                let sum = left + right + up + down;
                let scale_u = f32x4::ONE / (a11 + sum);
                let couple_u = a12 * scale_u;
                let scale_v = f32x4::ONE / (a22 + sum);
                let couple_v = a12 * scale_v;
                let mut block = [f32x4::ZERO; Equation::COUNT];
                block[Equation::SCALE_U] = scale_u;
                block[Equation::SCALE_V] = scale_v;
                block[Equation::OFFSET_U] = u - scale_u * (sum * u + b1) + couple_u * v;
                block[Equation::OFFSET_V] = v - scale_v * (sum * v + b2) + couple_v * u;
                block[Equation::COUPLE_U] = couple_u;
                block[Equation::COUPLE_V] = couple_v;
                block[Equation::LEFT] = left;
                block[Equation::RIGHT] = right;
                block[Equation::UP] = up;
                block[Equation::DOWN] = down;
                own.equations.push(block);
            }
        }
    }

    /// One sweep of successive over-relaxation, in red-black order: the
    /// pixels of one colour depend only on the other's, so each half-sweep
    /// has no chain of updates through it.
    fn sweep(&mut self, omega: f32) {
        for colour in 0..2 {
            for parity in 0..2 {
                let cells = self.cells(parity, colour);
                let blocks = self.parity_blocks(parity);
                let (own, other) = own_and_other(&mut self.halves, colour);
                sweep_run(own, other, &cells, blocks, omega);
            }
        }
    }

    /// The field moved by its increment.
    fn add_increment(&self, field: &mut FlowField) {
        for y in 0..self.h {
            let (first, cells) = (y * self.w, self.cell(y));
            for x in 0..self.w {
                let (i, cell, colour) = (first + x, cells + x / 2, (x + y) % 2);
                field.u[i] = self.halves[colour].moved_u[cell];
                field.v[i] = self.halves[colour].moved_v[cell];
            }
        }
    }
}

/// The smoothness weights of a run of pixels, `own` their field plus
/// increment, `right` and `down` their neighbours' (all of one length):
/// α/2 over Ψ of the squared differences towards them, into both `out`
/// and `copy` (a pixel's right and lower edges weigh the same).
#[inline(never)]
fn smooth_row(
    own: [&[f32]; 2],
    right: [&[f32]; 2],
    down: [&[f32]; 2],
    alpha: f32,
    [out, copy]: [&mut [f32]; 2],
) {
    let n = out.len();
    let [u, v] = own.map(|s| &s[..n]);
    let [ur, vr] = right.map(|s| &s[..n]);
    let [ud, vd] = down.map(|s| &s[..n]);
    let copy = &mut copy[..n];
    for k in 0..n {
        let ux = ur[k] - u[k];
        let uy = ud[k] - u[k];
        let vx = vr[k] - v[k];
        let vy = vd[k] - v[k];
        let s = ux * ux + uy * uy + vx * vx + vy * vy;
        let weight = alpha * 0.5 / (s + EPSILON_SQUARED).sqrt();
        (out[k], copy[k]) = (weight, weight);
    }
}

/// The `n` values from `start` of each of `N` planes.
fn window<const N: usize>(planes: [&[f32]; N], start: usize, n: usize) -> [&[f32]; N] {
    planes.map(|plane| &plane[start..start + n])
}

/// `colour`'s half to write, and the other's to read.
fn own_and_other(halves: &mut [Half; 2], colour: usize) -> (&mut Half, &Half) {
    let [red, black] = halves;
    if colour == 0 {
        (red, &*black)
    } else {
        (black, &*red)
    }
}

/// A frame-layout `plane` into its red and black halves, its row y from
/// cell `starts[y]` ([`Checkerboard::cell`]), a row at a time.
fn split_into_halves(plane: &[f32], starts: &[usize], [red, black]: [&mut [f32]; 2]) {
    let w = plane.len() / starts.len();
    for ((y, row), &start) in plane.chunks_exact(w).enumerate().zip(starts) {
        split_row(row, y, start, [&mut *red, &mut *black]);
    }
}

/// Of the red and black halves (or their parts), the one that holds row
/// `y`'s even pixels and the one that holds its odd ones: pixel (x, y) is
/// red when x + y is even.
fn evens_and_odds<T>(y: usize, [red, black]: [T; 2]) -> (T, T) {
    if y.is_multiple_of(2) {
        (red, black)
    } else {
        (black, red)
    }
}

/// Row `y` of a frame-layout plane into its red and black halves
/// ([`evens_and_odds`]), from their cell `start`.
fn split_row(row: &[f32], y: usize, start: usize, [red, black]: [&mut [f32]; 2]) {
    let w = row.len();
    let (evens, odds) = evens_and_odds(y, [red, black]);
    // Pairs of columns, each to its half: one loop of known stride (which
    // vectorises, as two step_by loops did not), then the last column of
    // an odd row.
    let pairs = w / 2;
    let (evens_row, odds_row) = (&mut evens[start..][..pairs], &mut odds[start..][..pairs]);
    for ((even, odd), pair) in evens_row.iter_mut().zip(odds_row).zip(row.chunks_exact(2)) {
        *even = pair[0];
        *odd = pair[1];
    }
    if w % 2 == 1 {
        evens[start + pairs] = row[w - 1];
    }
}

impl FormRows for Checkerboard {
    fn set_row(&mut self, y: usize, forms: &[Vec<f32>; 12]) {
        let (blocks, first) = (self.blocks, self.first_block(y));
        let (evens, odds) = evens_and_odds(y, self.halves.each_mut());
        let evens = &mut evens.forms[first..][..blocks];
        let odds = &mut odds.forms[first..][..blocks];
        for (k, row) in forms.iter().enumerate() {
            split_into_blocks(row, k, evens, odds);
        }
    }
}

/// Form `k` of a frame-layout row into the blocks of its halves' row:
/// pixel 2i to lane i mod 4 of `evens`' block i / 4, pixel 2i + 1 to the
/// same of `odds` (as [`split_row`] places them, in blocks). Eight pixels
/// at a time, then the rest; the lanes past a row's end stay as they are.
fn split_into_blocks(row: &[f32], k: usize, evens: &mut [[f32x4; 12]], odds: &mut [[f32x4; 12]]) {
    let eights = row.chunks_exact(8);
    let (rest, full) = (eights.remainder(), row.len() / 8);
    for ((pixels, even), odd) in eights.zip(&mut *evens).zip(&mut *odds) {
        even[k] = f32x4::from([pixels[0], pixels[2], pixels[4], pixels[6]]);
        odd[k] = f32x4::from([pixels[1], pixels[3], pixels[5], pixels[7]]);
    }
    for (j, &value) in rest.iter().enumerate() {
        let block = if j % 2 == 0 {
            &mut evens[full]
        } else {
            &mut odds[full]
        };
        let mut lanes = block[k].to_array();
        lanes[j / 2] = value;
        block[k] = f32x4::from(lanes);
    }
}

/// The pixels of a run of one half's `cells` (its `blocks` of equations):
/// each pixel's moved field over-relaxed towards the solution of its
/// equations ([`Equation`]), its neighbours (`other`'s) held; four pixels
/// a register, in the order of operations of one pixel alone.
fn sweep_run(
    own: &mut Half,
    other: &Half,
    cells: &Cells,
    blocks: std::ops::Range<usize>,
    omega: f32,
) {
    let omega = f32x4::splat(omega);
    let equations = &own.equations[blocks];
    let n = equations.len();
    // Every run cut to the row's blocks before the loop, so that the loop
    // indexes them without a check.
    let runs = |plane, start| quads(plane, start, n);
    let (xs, ys): (&[f32], &[f32]) = (&other.moved_u, &other.moved_v);
    let (xl, xr, xu, xd) = (
        runs(xs, cells.left),
        runs(xs, cells.left + 1),
        runs(xs, cells.up),
        runs(xs, cells.down),
    );
    let (yl, yr, yu, yd) = (
        runs(ys, cells.left),
        runs(ys, cells.left + 1),
        runs(ys, cells.up),
        runs(ys, cells.down),
    );
    let x = quads_mut(&mut own.moved_u, cells.first, n);
    let y = quads_mut(&mut own.moved_v, cells.first, n);
    for b in 0..n {
        let e = &equations[b];
        let (wl, wr) = (e[Equation::LEFT], e[Equation::RIGHT]);
        let (wu, wd) = (e[Equation::UP], e[Equation::DOWN]);
        // x, then y: y's values read after x's store, which LLVM keeps
        // (as far as it knows the store may change them), so that in Wasm
        // Cranelift holds half as many at once; read before it, they were
        // all loaded first and spilled. Left, right, up, down: the order
        // the pixel-by-pixel sum takes.
        let su = wl * f32x4::from(xl[b])
            + wr * f32x4::from(xr[b])
            + wu * f32x4::from(xu[b])
            + wd * f32x4::from(xd[b]);
        let (old_x, old_y) = (f32x4::from(x[b]), f32x4::from(y[b]));
        let new_x =
            e[Equation::SCALE_U] * su + e[Equation::OFFSET_U] - e[Equation::COUPLE_U] * old_y;
        let moved_x = old_x + omega * (new_x - old_x);
        x[b] = moved_x.to_array();
        let sv = wl * f32x4::from(yl[b])
            + wr * f32x4::from(yr[b])
            + wu * f32x4::from(yu[b])
            + wd * f32x4::from(yd[b]);
        let new_y =
            e[Equation::SCALE_V] * sv + e[Equation::OFFSET_V] - e[Equation::COUPLE_V] * moved_x;
        y[b] = (old_y + omega * (new_y - old_y)).to_array();
    }
}

/// `n` groups of four values of `plane` from `start`.
fn quads(plane: &[f32], start: usize, n: usize) -> &[[f32; 4]] {
    plane[start..start + 4 * n].as_chunks().0
}

/// `n` groups of four values of `plane` from `start`, to write.
fn quads_mut(plane: &mut [f32], start: usize, n: usize) -> &mut [[f32; 4]] {
    plane[start..start + 4 * n].as_chunks_mut().0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{central_differences as gradients, differences_along_y};

    /// The derivatives as eight whole planes, in the frame's layout: the
    /// references' way of taking them.
    struct Derivatives {
        w: usize,
        h: usize,
        ix: Vec<f32>,
        iy: Vec<f32>,
        iz: Vec<f32>,
        ixx: Vec<f32>,
        ixy: Vec<f32>,
        iyy: Vec<f32>,
        ixz: Vec<f32>,
        iyz: Vec<f32>,
    }

    impl Derivatives {
        /// At the field, each plane from the one before it whole.
        fn at(previous: &GreyF32, current: &GreyF32, field: &FlowField) -> Derivatives {
            let (w, h) = (previous.width, previous.height);
            let first = &previous.data;
            let warped: Vec<f32> = (0..w * h)
                .map(|i| {
                    let (x, y) = ((i % w) as f32, (i / w) as f32);
                    current.sample(x + field.u[i], y + field.v[i])
                })
                .collect();
            let average: Vec<f32> = first
                .iter()
                .zip(&warped)
                .map(|(a, b)| 0.5 * (a + b))
                .collect();
            let (ix, iy) = gradients(&average, w, h);
            let (ixx, ixy) = gradients(&ix, w, h);
            let iyy = differences_along_y(&iy, w, h);
            let iz: Vec<f32> = warped.iter().zip(first).map(|(b, a)| b - a).collect();
            let (ixz, iyz) = gradients(&iz, w, h);
            Derivatives {
                w,
                h,
                ix,
                iy,
                iz,
                ixx,
                ixy,
                iyy,
                ixz,
                iyz,
            }
        }
    }

    /// A level's forms as twelve whole planes in the frame's layout: the
    /// references' way of keeping them.
    struct Tensors {
        /// Brightness constancy's six planes, then gradient constancy's.
        planes: [Vec<f32>; 12],
    }

    impl Tensors {
        fn zeros(n: usize) -> Tensors {
            Tensors {
                planes: zero_runs::<12>(n),
            }
        }
    }

    impl FormRows for Tensors {
        fn set_row(&mut self, y: usize, forms: &[Vec<f32>; 12]) {
            for (plane, form) in self.planes.iter_mut().zip(forms) {
                plane[y * form.len()..][..form.len()].copy_from_slice(form);
            }
        }
    }

    impl Rows for Derivatives {
        type Scratch = ();

        fn size(&self) -> (usize, usize) {
            (self.w, self.h)
        }

        fn scratch(&self) {}

        fn row<'a>(&'a self, y: usize, _: &'a mut ()) -> [&'a [f32]; 8] {
            [
                &self.ix, &self.iy, &self.iz, &self.ixx, &self.ixy, &self.iyy, &self.ixz, &self.iyz,
            ]
            .map(|plane| &plane[y * self.w..][..self.w])
        }
    }

    /// The refinement in its halves gives, bit for bit, what the same
    /// refinement pixel by pixel in the frame's layout gives (the
    /// reference below: the layout's whole point being only where the
    /// values sit), on odd and even sizes and with several fixed-point
    /// iterations, so that the data terms, the smoothness weights at the
    /// frame's edges and the sweeps are all held; 21 and 40 columns are
    /// rows of several blocks (each colour's forms land in blocks of four
    /// pixels, eight frame columns at a time, then the rest).
    #[test]
    fn the_refinement_in_halves_equals_it_pixel_by_pixel() {
        for (w, h) in [(7, 5), (8, 6), (2, 2), (9, 4), (3, 7), (21, 5), (40, 3)] {
            let n = w * h;
            let mut seed = 0x2545_f491_4f6c_dd1du64 ^ (w * 31 + h) as u64;
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 40) as f32 / (1u64 << 24) as f32
            };
            let mut values = |scale: f32, offset: f32| -> Vec<f32> {
                (0..n).map(|_| offset + scale * next()).collect()
            };
            let image = |data: Vec<f32>| GreyF32 {
                width: w,
                height: h,
                data,
            };
            let previous = image(values(255.0, 0.0));
            let current = image(values(255.0, 0.0));
            let field = FlowField {
                width: w as u32,
                height: h as u32,
                u: values(4.0, -2.0),
                v: values(4.0, -2.0),
            };
            let refinement = Refinement {
                iterations: 3,
                ..Refinement::DIS
            };
            let mut refined = field.clone();
            refine(&previous, &current, &mut refined, &refinement);
            let mut reference = field.clone();
            reference_refine(&previous, &current, &mut reference, &refinement);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&refined.u), bits(&reference.u), "{w}x{h} u");
            assert_eq!(bits(&refined.v), bits(&reference.v), "{w}x{h} v");
            assert_ne!(bits(&refined.u), bits(&field.u), "{w}x{h}: refined");
        }
    }

    /// Pixel `i`'s two forms one value at a time, as written in
    /// [`Tensors`]' comment.
    fn reference_forms(d: &Derivatives, i: usize, unit: f32) -> ([f32; 6], [f32; 6]) {
        let (ix, iy, iz) = (unit * d.ix[i], unit * d.iy[i], d.iz[i]);
        let u2 = unit * unit;
        let (ixx, ixy, iyy) = (u2 * d.ixx[i], u2 * d.ixy[i], u2 * d.iyy[i]);
        let (ixz, iyz) = (unit * d.ixz[i], unit * d.iyz[i]);
        let nb = 1.0 / (ix * ix + iy * iy + ZETA_SQUARED);
        let nx = 1.0 / (ixx * ixx + ixy * ixy + ZETA_SQUARED);
        let ny = 1.0 / (ixy * ixy + iyy * iyy + ZETA_SQUARED);
        // In `forms`' order of operations, so that the two agree to the bit.
        let (ixn, iyn) = (ix * nb, iy * nb);
        let (ixx_x, ixy_x, ixy_y, iyy_y) = (ixx * nx, ixy * nx, ixy * ny, iyy * ny);
        let brightness = [
            ixn * ix,
            ixn * iy,
            iyn * iy,
            ixn * iz,
            iyn * iz,
            iz * iz * nb,
        ];
        let gradient = [
            ixx_x * ixx + ixy_y * ixy,
            ixx_x * ixy + ixy_y * iyy,
            ixy_x * ixy + iyy_y * iyy,
            ixx_x * ixz + ixy_y * iyz,
            ixy_x * ixz + iyy_y * iyz,
            ixz * ixz * nx + iyz * iyz * ny,
        ];
        (brightness, gradient)
    }

    /// A grid's forms from a level twice as fine are the tent-weighted
    /// means of the fine pixels' own (first derivatives doubled, second
    /// ones quadrupled), fine pixel (2x, 2y) at the centre, on odd and even
    /// sides; and each pixel's form, at (du, dv, 1), is its residual's
    /// square, whose root the data terms weigh.
    #[test]
    fn a_coarser_grid_reads_the_fine_levels_forms_through_a_tent() {
        for (fw, fh) in [(9usize, 7usize), (8, 6), (3, 2), (1, 5)] {
            let n = fw * fh;
            let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (fw * 17 + fh) as u64;
            let mut plane = || -> Vec<f32> {
                (0..n)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        (seed >> 40) as f32 / (1u64 << 24) as f32 * 20.0 - 10.0
                    })
                    .collect()
            };
            let d = Derivatives {
                w: fw,
                h: fh,
                ix: plane(),
                iy: plane(),
                iz: plane(),
                ixx: plane(),
                ixy: plane(),
                iyy: plane(),
                ixz: plane(),
                iyz: plane(),
            };
            let (w, h) = (fw.div_ceil(2), fh.div_ceil(2));
            let mut grid = Tensors::zeros(w * h);
            coarser_forms(&d, (w, h), &mut grid);
            let planes = &grid.planes;
            for y in 0..h {
                for x in 0..w {
                    let mut sums = [0.0f64; 12];
                    let mut total = 0.0f64;
                    for fy in (2 * y).saturating_sub(1)..(2 * y + 2).min(fh) {
                        for fx in (2 * x).saturating_sub(1)..(2 * x + 2).min(fw) {
                            let weight = if fx == 2 * x { 1.0 } else { 0.5 }
                                * if fy == 2 * y { 1.0 } else { 0.5 };
                            let (b, g) = reference_forms(&d, fy * fw + fx, 2.0);
                            for (k, f) in b.iter().chain(&g).enumerate() {
                                sums[k] += weight * f64::from(*f);
                            }
                            total += weight;
                        }
                    }
                    for k in 0..12 {
                        let (got, want) = (f64::from(planes[k][y * w + x]), sums[k] / total);
                        assert!(
                            (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                            "{fw}x{fh} ({x}, {y}) form {k}: {got} against {want}"
                        );
                    }
                }
            }
        }
        // One pixel: its brightness form at (du, dv, 1) is the normalised
        // residual's square.
        let [b11, b12, b22, b13, b23, b33, ..] = one_pixels_forms(3.0, -2.0, 5.0);
        let (du, dv) = (0.5f32, 1.25f32);
        let form = du * du * b11
            + 2.0 * du * dv * b12
            + dv * dv * b22
            + 2.0 * du * b13
            + 2.0 * dv * b23
            + b33;
        let residual = 5.0 + 3.0 * du - 2.0 * dv;
        assert!((form - residual * residual / (9.0 + 4.0 + ZETA_SQUARED)).abs() < 1e-5);
    }

    /// The twelve forms of one pixel with these first derivatives and no
    /// second ones (so only brightness constancy's six are not 0).
    fn one_pixels_forms(ix: f32, iy: f32, iz: f32) -> [f32; 12] {
        let one = |v: f32| vec![v];
        let d = Derivatives {
            w: 1,
            h: 1,
            ix: one(ix),
            iy: one(iy),
            iz: one(iz),
            ixx: one(0.0),
            ixy: one(0.0),
            iyy: one(0.0),
            ixz: one(0.0),
            iyz: one(0.0),
        };
        let mut t = Tensors::zeros(1);
        forms_of(&d, &mut t);
        std::array::from_fn(|k| t.planes[k][0])
    }

    /// A form's value at an increment is a sum of squares, but its terms
    /// round: one pixel whose residual is near 0 under large gradients
    /// (found by a search over f32 values) comes out below 0 before the
    /// clamp, by more than ε, where Ψ' was the root of a negative number.
    /// The clamp keeps it at 0, and Ψ' finite.
    #[test]
    fn a_forms_value_is_never_below_zero() {
        let forms = one_pixels_forms(-87.923_836, -123.759_78, -496.151_18);
        let (du, dv) = (f32x4::splat(-1.615_214_1), f32x4::splat(-2.861_466_4));
        let form: [f32x4; 6] = std::array::from_fn(|k| f32x4::splat(forms[k]));
        // Unclamped, as the form's terms add up in f32.
        let [f11, f12, f22, f13, f23, f33] = form.map(|f| f.to_array()[0]);
        let (u, v) = (du.to_array()[0], dv.to_array()[0]);
        let raw = u * (f11 * u + 2.0 * (f12 * v + f13)) + v * (f22 * v + 2.0 * f23) + f33;
        assert!(
            raw + EPSILON_SQUARED < 0.0,
            "the case no longer rounds below 0: {raw}"
        );
        let value = residual_square(form, du, dv).to_array()[0];
        assert_eq!(value, 0.0);
        assert!((value + EPSILON_SQUARED).sqrt().recip().is_finite());
    }

    /// The refinement pixel by pixel, in the frame's layout: each fixed-
    /// point iteration's data terms and smoothness weights (an edge's
    /// weight the left or upper pixel's), then red-black sweeps.
    fn reference_refine(
        previous: &GreyF32,
        current: &GreyF32,
        field: &mut FlowField,
        refinement: &Refinement,
    ) {
        let (w, h) = (previous.width, previous.height);
        let d = Derivatives::at(previous, current, field);
        let n = w * h;
        // The field plus its increment.
        let mut moved_u: Vec<f32> = field.u.iter().map(|&u| u + 0.0).collect();
        let mut moved_v: Vec<f32> = field.v.iter().map(|&v| v + 0.0).collect();
        let Refinement {
            alpha,
            delta,
            gamma,
            omega,
            ..
        } = *refinement;
        for _ in 0..refinement.iterations {
            let (mut a11, mut a12, mut a22) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            let (mut b1, mut b2, mut smooth) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            for i in 0..n {
                let ([b11, b12, b22, b13, b23, b33], [g11, g12, g22, g13, g23, g33]) =
                    reference_forms(&d, i, 1.0);
                let (du, dv) = (moved_u[i] - field.u[i], moved_v[i] - field.v[i]);
                let square = |f: [f32; 6]| {
                    let [f11, f12, f22, f13, f23, f33] = f;
                    let value = du * (f11 * du + 2.0 * (f12 * dv + f13))
                        + dv * (f22 * dv + 2.0 * f23)
                        + f33;
                    if value < 0.0 { 0.0 } else { value }
                };
                let qb = square([b11, b12, b22, b13, b23, b33]);
                let qg = square([g11, g12, g22, g13, g23, g33]);
                let data = delta * 0.5 / (qb + EPSILON_SQUARED).sqrt();
                let grad = gamma * 0.5 / (qg + EPSILON_SQUARED).sqrt();
                a11[i] = data * b11 + grad * g11 + ZETA_SQUARED;
                a12[i] = data * b12 + grad * g12;
                a22[i] = data * b22 + grad * g22 + ZETA_SQUARED;
                b1[i] = data * b13 + grad * g13;
                b2[i] = data * b23 + grad * g23;
            }
            for y in 0..h {
                for x in 0..w {
                    let i = y * w + x;
                    let right = if x + 1 < w { i + 1 } else { i };
                    let down = if y + 1 < h { i + w } else { i };
                    let ux = moved_u[right] - moved_u[i];
                    let uy = moved_u[down] - moved_u[i];
                    let vx = moved_v[right] - moved_v[i];
                    let vy = moved_v[down] - moved_v[i];
                    let s = ux * ux + uy * uy + vx * vx + vy * vy;
                    smooth[i] = alpha * 0.5 / (s + EPSILON_SQUARED).sqrt();
                }
            }
            for _ in 0..refinement.sweeps {
                for colour in 0..2 {
                    for y in 0..h {
                        for x in ((y + colour) % 2..w).step_by(2) {
                            let i = y * w + x;
                            let (mut su, mut sv) = (0.0, 0.0);
                            let edges = [
                                (x > 0, i.wrapping_sub(1), i.wrapping_sub(1)),
                                (x + 1 < w, i + 1, i),
                                (y > 0, i.wrapping_sub(w), i.wrapping_sub(w)),
                                (y + 1 < h, i + w, i),
                            ];
                            let weight = |(there, _, owner): (bool, usize, usize)| {
                                if there { smooth[owner] } else { 0.0 }
                            };
                            for edge @ (there, j, _) in edges {
                                if there {
                                    su += weight(edge) * moved_u[j];
                                    sv += weight(edge) * moved_v[j];
                                }
                            }
                            let sum = edges.map(weight);
                            let sum = sum[0] + sum[1] + sum[2] + sum[3];
                            // Each equation solved for its own component:
                            // (a11 + Σw)·du = Σ w·(x_n − u) − b1 − a12·dv.
                            let (u, v) = (field.u[i], field.v[i]);
                            let scale = 1.0 / (a11[i] + sum);
                            let couple = a12[i] * scale;
                            let offset = u - scale * (sum * u + b1[i]) + couple * v;
                            let new_x = scale * su + offset - couple * moved_v[i];
                            moved_u[i] += omega * (new_x - moved_u[i]);
                            let scale = 1.0 / (a22[i] + sum);
                            let couple = a12[i] * scale;
                            let offset = v - scale * (sum * v + b2[i]) + couple * u;
                            let new_y = scale * sv + offset - couple * moved_u[i];
                            moved_v[i] += omega * (new_y - moved_v[i]);
                        }
                    }
                }
            }
        }
        field.u = moved_u;
        field.v = moved_v;
    }
}
