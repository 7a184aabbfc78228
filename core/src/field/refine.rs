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

use crate::pyramid::GreyF32;

use super::{FlowField, central_differences as gradients};

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
}

/// Ψ's ε: keeps the weights finite where a residual is zero.
const EPSILON_SQUARED: f32 = 0.001 * 0.001;
/// ζ²: keeps the normalisation finite where a gradient is zero, and the
/// system solvable where there is no data.
const ZETA_SQUARED: f32 = 0.1 * 0.1;

/// The derivatives the energy needs, a pixel each.
struct Derivatives {
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
    /// `n` pixels of zeros.
    fn zeros(n: usize) -> Derivatives {
        let zeros = || vec![0.0f32; n];
        Derivatives {
            ix: zeros(),
            iy: zeros(),
            iz: zeros(),
            ixx: zeros(),
            ixy: zeros(),
            iyy: zeros(),
            ixz: zeros(),
            iyz: zeros(),
        }
    }

    /// Pixel `at` of `from` into pixel `to`.
    fn copy_pixel(&mut self, to: usize, from: &Derivatives, at: usize) {
        self.ix[to] = from.ix[at];
        self.iy[to] = from.iy[at];
        self.iz[to] = from.iz[at];
        self.ixx[to] = from.ixx[at];
        self.ixy[to] = from.ixy[at];
        self.iyy[to] = from.iyy[at];
        self.ixz[to] = from.ixz[at];
        self.iyz[to] = from.iyz[at];
    }

    /// At the field: the current frame warped back by it, and the
    /// derivatives of the average of the two frames (grey levels).
    fn at(previous: &GreyF32, current: &GreyF32, field: &FlowField) -> Derivatives {
        let (w, h) = (previous.width, previous.height);
        let first = &previous.data;
        let mut warped = vec![0.0; w * h];
        for y in 0..h {
            let row = y * w..(y + 1) * w;
            let (u, v) = (&field.u[row.clone()], &field.v[row.clone()]);
            for (x, (out, (&u, &v))) in warped[row].iter_mut().zip(u.iter().zip(v)).enumerate() {
                *out = current.sample(x as f32 + u, y as f32 + v);
            }
        }
        let average: Vec<f32> = first
            .iter()
            .zip(&warped)
            .map(|(a, b)| 0.5 * (a + b))
            .collect();
        let (ix, iy) = gradients(&average, w, h);
        let (ixx, ixy) = gradients(&ix, w, h);
        let (_, iyy) = gradients(&iy, w, h);
        let (x0, y0) = gradients(first, w, h);
        let (x1, y1) = gradients(&warped, w, h);
        Derivatives {
            iz: warped.iter().zip(first).map(|(b, a)| b - a).collect(),
            ixz: x1.iter().zip(&x0).map(|(b, a)| b - a).collect(),
            iyz: y1.iter().zip(&y0).map(|(b, a)| b - a).collect(),
            ix,
            iy,
            ixx,
            ixy,
            iyy,
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
    let derivatives = Derivatives::at(previous, current, field);
    let mut board = Checkerboard::new(w, h, field, &derivatives);
    for _ in 0..refinement.iterations {
        board.weigh(refinement);
        for _ in 0..refinement.sweeps {
            board.sweep(refinement.omega);
        }
    }
    board.add_increment(field);
}

/// A pixel's values in one colour's half: the field and its increment,
/// the derivatives at the field, and the linear system of the current
/// fixed-point iteration, [a11 a12; a12 a22]·(du, dv) + (b1, b2) from the
/// data terms with the edges' smoothness weights.
struct Half {
    /// The field, and its increment.
    u: Vec<f32>,
    v: Vec<f32>,
    du: Vec<f32>,
    dv: Vec<f32>,
    /// The field plus its increment (u + du, v + dv), as its neighbours
    /// read it: kept beside the increment, so that a neighbour is two
    /// reads, not four.
    moved_u: Vec<f32>,
    moved_v: Vec<f32>,
    /// The derivatives at the field, in this half's layout.
    derivatives: Derivatives,
    /// The data terms' system.
    a11: Vec<f32>,
    a12: Vec<f32>,
    a22: Vec<f32>,
    b1: Vec<f32>,
    b2: Vec<f32>,
    /// The inverses of the diagonals, the edges' weights included.
    inverse_u: Vec<f32>,
    inverse_v: Vec<f32>,
    /// The smoothness weights of the edges to the right and lower
    /// neighbours (0 past the frame's edge); a pixel's left and upper
    /// edges are its neighbours' right and lower ones.
    right: Vec<f32>,
    down: Vec<f32>,
}

/// The refinement's values split by colour, as OpenCV's refinement keeps
/// them, for the whole refinement of a level: pixel (x, y) is red when
/// x + y is even, else black, and each colour's pixels of a row lie side
/// by side, so that every pass runs over contiguous memory (loops that
/// vectorise) rather than every other pixel. A half's row y holds the
/// pixels x = 2k + ((y + colour) mod 2), at column k + 1 of a grid one cell
/// wider on every side than the frame's half (the margin stays 0: a
/// pixel's missing neighbour weighs 0). In row y, a pixel's left and right
/// neighbours (the other colour) are at columns k + p and k + p + 1,
/// p = (y + colour) mod 2, and its upper and lower ones at column k + 1 of
/// rows y ∓ 1.
struct Checkerboard {
    w: usize,
    h: usize,
    /// A half's row length, margin included.
    stride: usize,
    halves: [Half; 2],
}

/// A half's row: the cells of its pixels, and where their neighbours
/// start in the other half.
struct Row {
    /// The first pixel's cell.
    first: usize,
    /// Pixels in the row.
    count: usize,
    /// The left neighbour of the first pixel (the right is one further).
    left: usize,
    /// The upper neighbour of the first pixel.
    up: usize,
    /// The lower neighbour of the first pixel.
    down: usize,
    /// Whether the row's last pixel is the frame's last column.
    ends_the_frame: bool,
}

impl Checkerboard {
    fn new(w: usize, h: usize, field: &FlowField, d: &Derivatives) -> Checkerboard {
        let stride = w.div_ceil(2) + 2;
        let cells = stride * (h + 2);
        let zeros = || vec![0.0f32; cells];
        let half = || Half {
            u: zeros(),
            v: zeros(),
            du: zeros(),
            dv: zeros(),
            moved_u: zeros(),
            moved_v: zeros(),
            derivatives: Derivatives::zeros(cells),
            a11: zeros(),
            a12: zeros(),
            a22: zeros(),
            b1: zeros(),
            b2: zeros(),
            inverse_u: zeros(),
            inverse_v: zeros(),
            right: zeros(),
            down: zeros(),
        };
        let mut board = Checkerboard {
            w,
            h,
            stride,
            halves: [half(), half()],
        };
        let halves = &mut board.halves;
        each_cell(w, h, stride, |i, cell, colour| {
            let half = &mut halves[colour];
            half.u[cell] = field.u[i];
            half.v[cell] = field.v[i];
            half.moved_u[cell] = field.u[i] + 0.0;
            half.moved_v[cell] = field.v[i] + 0.0;
            half.derivatives.copy_pixel(cell, d, i);
        });
        board
    }

    /// Row y of `colour`'s half.
    fn row(&self, y: usize, colour: usize) -> Row {
        let p = (y + colour) % 2;
        let count = (self.w - p).div_ceil(2);
        let start = (y + 1) * self.stride;
        Row {
            first: start + 1,
            count,
            left: start + p,
            up: start + 1 - self.stride,
            down: start + 1 + self.stride,
            ends_the_frame: p + 2 * (count - 1) == self.w - 1,
        }
    }

    /// A fixed-point iteration's linear system: the data terms and the
    /// smoothness weights at the field plus the increment, the robust
    /// weights frozen there. (These passes are kept out of line: inlined
    /// into `refine` they made the guest 0.8 KB larger gzipped, no faster.
    /// The sweeps are not: out of line they ran the fast preset 9 % slower
    /// in Wasm.)
    fn weigh(&mut self, refinement: &Refinement) {
        for half in &mut self.halves {
            half.data_terms(refinement);
        }
        for colour in 0..2 {
            self.smoothness(colour, refinement.alpha);
        }
        for colour in 0..2 {
            self.diagonals(colour);
        }
    }

    /// Each pixel's smoothness weight towards its right and lower
    /// neighbours, from the differences of the field plus the increment
    /// towards them (none past the frame's edge).
    #[inline(never)]
    fn smoothness(&mut self, colour: usize, alpha: f32) {
        for y in 0..self.h {
            let row = self.row(y, colour);
            let last_row = y + 1 == self.h;
            let [red, black] = &mut self.halves;
            let (own, other) = if colour == 0 {
                (red, &*black)
            } else {
                (black, &*red)
            };
            let Half {
                u,
                v,
                du,
                dv,
                moved_u,
                moved_v,
                right,
                down,
                ..
            } = own;
            let n = row.count;
            let cells = row.first..row.first + n;
            let mine: [&[f32]; 4] = [u, v, du, dv];
            let moved: [&[f32]; 2] = [moved_u, moved_v];
            let others: [&[f32]; 2] = [&other.moved_u, &other.moved_v];
            // The last row's lower neighbour is itself, as is the last
            // column's right one: no difference there, and no edge.
            let (below, lower) = if last_row {
                (moved, row.first)
            } else {
                (others, row.down)
            };
            smooth_row(
                window(mine, row.first, n),
                window(others, row.left + 1, n),
                window(below, lower, n),
                alpha,
                &mut right[cells.clone()],
            );
            if row.ends_the_frame {
                let last = n - 1;
                let mut weight = [0.0];
                smooth_row(
                    window(mine, row.first + last, 1),
                    window(moved, row.first + last, 1),
                    window(below, lower + last, 1),
                    alpha,
                    &mut weight,
                );
                right[row.first + last] = weight[0];
            }
            if last_row {
                down[cells.clone()].fill(0.0);
            } else {
                down[cells.clone()].copy_from_slice(&right[cells.clone()]);
            }
            if row.ends_the_frame {
                right[row.first + n - 1] = 0.0;
            }
        }
    }

    /// Each pixel's diagonals' inverses: the data terms' diagonal plus the
    /// weights of its four edges.
    #[inline(never)]
    fn diagonals(&mut self, colour: usize) {
        for y in 0..self.h {
            let row = self.row(y, colour);
            let [red, black] = &mut self.halves;
            let (own, other) = if colour == 0 {
                (red, &*black)
            } else {
                (black, &*red)
            };
            let n = row.count;
            let cells = row.first..row.first + n;
            let (wl, wu) = (&other.right[row.left..][..n], &other.down[row.up..][..n]);
            let (wr, wd) = (&own.right[cells.clone()], &own.down[cells.clone()]);
            let (a11, a22) = (&own.a11[cells.clone()], &own.a22[cells.clone()]);
            let inverse_u = &mut own.inverse_u[cells.clone()];
            for k in 0..n {
                let sum = wl[k] + wr[k] + wu[k] + wd[k];
                inverse_u[k] = 1.0 / (a11[k] + sum);
            }
            let inverse_v = &mut own.inverse_v[cells];
            for k in 0..n {
                let sum = wl[k] + wr[k] + wu[k] + wd[k];
                inverse_v[k] = 1.0 / (a22[k] + sum);
            }
        }
    }

    /// One sweep of successive over-relaxation, in red-black order: the
    /// pixels of one colour depend only on the other's, so each half-sweep
    /// has no chain of updates through it.
    fn sweep(&mut self, omega: f32) {
        for colour in 0..2 {
            for y in 0..self.h {
                let row = self.row(y, colour);
                let [red, black] = &mut self.halves;
                let (own, other) = if colour == 0 {
                    (red, &*black)
                } else {
                    (black, &*red)
                };
                sweep_row(own, other, &row, omega);
            }
        }
    }

    /// The increment added to the field.
    fn add_increment(&self, field: &mut FlowField) {
        each_cell(self.w, self.h, self.stride, |i, cell, colour| {
            field.u[i] += self.halves[colour].du[cell];
            field.v[i] += self.halves[colour].dv[cell];
        });
    }
}

impl Half {
    /// The data terms' system at the current increment, over the whole
    /// half (the margin's zeros give finite values no pixel reads).
    #[inline(never)]
    fn data_terms(&mut self, refinement: &Refinement) {
        let Refinement { delta, gamma, .. } = *refinement;
        let n = self.du.len();
        let (du, dv) = (&self.du[..n], &self.dv[..n]);
        let Derivatives {
            ix,
            iy,
            iz,
            ixx,
            ixy,
            iyy,
            ixz,
            iyz,
        } = &self.derivatives;
        let (ix, iy, iz) = (&ix[..n], &iy[..n], &iz[..n]);
        let (ixx, ixy, iyy) = (&ixx[..n], &ixy[..n], &iyy[..n]);
        let (ixz, iyz) = (&ixz[..n], &iyz[..n]);
        let (a11, a12, a22) = (&mut self.a11[..n], &mut self.a12[..n], &mut self.a22[..n]);
        let (b1, b2) = (&mut self.b1[..n], &mut self.b2[..n]);
        for i in 0..n {
            let (du, dv) = (du[i], dv[i]);
            let (ix, iy, iz) = (ix[i], iy[i], iz[i]);
            let (ixx, ixy, iyy, ixz, iyz) = (ixx[i], ixy[i], iyy[i], ixz[i], iyz[i]);
            // Brightness constancy, normalised by |∇I|².
            let norm = ix * ix + iy * iy + ZETA_SQUARED;
            let dz = iz + ix * du + iy * dv;
            let data = delta * 0.5 / (dz * dz / norm + EPSILON_SQUARED).sqrt() / norm;
            // Gradient constancy, each component normalised by its own.
            let (norm_x, norm_y) = (
                ixx * ixx + ixy * ixy + ZETA_SQUARED,
                ixy * ixy + iyy * iyy + ZETA_SQUARED,
            );
            let gx = ixz + ixx * du + ixy * dv;
            let gy = iyz + ixy * du + iyy * dv;
            let grad = gamma * 0.5 / (gx * gx / norm_x + gy * gy / norm_y + EPSILON_SQUARED).sqrt();
            let (gxn, gyn) = (grad / norm_x, grad / norm_y);
            a11[i] = data * ix * ix + gxn * ixx * ixx + gyn * ixy * ixy + ZETA_SQUARED;
            a12[i] = data * ix * iy + gxn * ixx * ixy + gyn * ixy * iyy;
            a22[i] = data * iy * iy + gxn * ixy * ixy + gyn * iyy * iyy + ZETA_SQUARED;
            b1[i] = data * ix * iz + gxn * ixx * ixz + gyn * ixy * iyz;
            b2[i] = data * iy * iz + gxn * ixy * ixz + gyn * iyy * iyz;
        }
    }
}

/// The smoothness weights of a run of pixels, `own` their (u, v, du, dv),
/// `right` and `down` their neighbours' field plus increment (all of one
/// length): α/2 over Ψ of the squared differences of the field plus
/// increment towards them.
#[inline(never)]
fn smooth_row(
    own: [&[f32]; 4],
    right: [&[f32]; 2],
    down: [&[f32]; 2],
    alpha: f32,
    out: &mut [f32],
) {
    let n = out.len();
    let [u, v, du, dv] = own.map(|s| &s[..n]);
    let [ur, vr] = right.map(|s| &s[..n]);
    let [ud, vd] = down.map(|s| &s[..n]);
    for k in 0..n {
        let ux = ur[k] - u[k] - du[k];
        let uy = ud[k] - u[k] - du[k];
        let vx = vr[k] - v[k] - dv[k];
        let vy = vd[k] - v[k] - dv[k];
        let s = ux * ux + uy * uy + vx * vx + vy * vy;
        out[k] = alpha * 0.5 / (s + EPSILON_SQUARED).sqrt();
    }
}

/// The `n` values from `start` of each of `N` planes.
fn window<const N: usize>(planes: [&[f32]; N], start: usize, n: usize) -> [&[f32]; N] {
    planes.map(|plane| &plane[start..start + n])
}

/// `f(index in the frame, cell in its half, colour)` for each pixel of a
/// `w × h` frame, row by row.
fn each_cell(w: usize, h: usize, stride: usize, mut f: impl FnMut(usize, usize, usize)) {
    for y in 0..h {
        let (first, cells) = (y * w, (y + 1) * stride + 1);
        for x in 0..w {
            f(first + x, cells + x / 2, (x + y) % 2);
        }
    }
}

/// The pixels of one half's `row`: each pixel's (du, dv) over-relaxed
/// towards the solution of its equations, its neighbours (`other`'s) held.
/// The same operations in the same order as pixel by pixel, on slices of
/// one length, so that the loop vectorises.
fn sweep_row(own: &mut Half, other: &Half, row: &Row, omega: f32) {
    let count = row.count;
    let cells = row.first..row.first + count;
    let (left, right) = (
        row.left..row.left + count,
        row.left + 1..row.left + 1 + count,
    );
    let (up, down) = (row.up..row.up + count, row.down..row.down + count);
    let (u, v) = (&own.u[cells.clone()], &own.v[cells.clone()]);
    let (a12, b1, b2) = (
        &own.a12[cells.clone()],
        &own.b1[cells.clone()],
        &own.b2[cells.clone()],
    );
    let (inverse_u, inverse_v) = (&own.inverse_u[cells.clone()], &own.inverse_v[cells.clone()]);
    let (wl, wr) = (&other.right[left.clone()], &own.right[cells.clone()]);
    let (wu, wd) = (&other.down[up.clone()], &own.down[cells.clone()]);
    let (ul, vl) = (&other.moved_u[left.clone()], &other.moved_v[left]);
    let (ur, vr) = (&other.moved_u[right.clone()], &other.moved_v[right]);
    let (uu, vu) = (&other.moved_u[up.clone()], &other.moved_v[up]);
    let (ud, vd) = (&other.moved_u[down.clone()], &other.moved_v[down]);
    let (moved_u, moved_v) = (
        &mut own.moved_u[cells.clone()],
        &mut own.moved_v[cells.clone()],
    );
    let du = &mut own.du[cells.clone()];
    let dv = &mut own.dv[cells];
    for k in 0..count {
        let (ui, vi) = (u[k], v[k]);
        // Left, right, up, down: the order the pixel-by-pixel sum took.
        let su = wl[k] * (ul[k] - ui)
            + wr[k] * (ur[k] - ui)
            + wu[k] * (uu[k] - ui)
            + wd[k] * (ud[k] - ui);
        let sv = wl[k] * (vl[k] - vi)
            + wr[k] * (vr[k] - vi)
            + wu[k] * (vu[k] - vi)
            + wd[k] * (vd[k] - vi);
        let new_u = (su - b1[k] - a12[k] * dv[k]) * inverse_u[k];
        du[k] += omega * (new_u - du[k]);
        moved_u[k] = ui + du[k];
        let new_v = (sv - b2[k] - a12[k] * du[k]) * inverse_v[k];
        dv[k] += omega * (new_v - dv[k]);
        moved_v[k] = vi + dv[k];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refinement in its halves gives, bit for bit, what the same
    /// refinement pixel by pixel in the frame's layout gives (the
    /// reference below: the layout's whole point being only where the
    /// values sit), on odd and even sizes and with several fixed-point
    /// iterations, so that the data terms, the smoothness weights at the
    /// frame's edges and the sweeps are all held.
    #[test]
    fn the_refinement_in_halves_equals_it_pixel_by_pixel() {
        for (w, h) in [(7, 5), (8, 6), (2, 2), (9, 4), (3, 7)] {
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
        let (mut du, mut dv) = (vec![0.0f32; n], vec![0.0f32; n]);
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
                let (ix, iy, iz) = (d.ix[i], d.iy[i], d.iz[i]);
                let (ixx, ixy, iyy, ixz, iyz) = (d.ixx[i], d.ixy[i], d.iyy[i], d.ixz[i], d.iyz[i]);
                let norm = ix * ix + iy * iy + ZETA_SQUARED;
                let dz = iz + ix * du[i] + iy * dv[i];
                let data = delta * 0.5 / (dz * dz / norm + EPSILON_SQUARED).sqrt() / norm;
                let (norm_x, norm_y) = (
                    ixx * ixx + ixy * ixy + ZETA_SQUARED,
                    ixy * ixy + iyy * iyy + ZETA_SQUARED,
                );
                let gx = ixz + ixx * du[i] + ixy * dv[i];
                let gy = iyz + ixy * du[i] + iyy * dv[i];
                let grad =
                    gamma * 0.5 / (gx * gx / norm_x + gy * gy / norm_y + EPSILON_SQUARED).sqrt();
                let (gxn, gyn) = (grad / norm_x, grad / norm_y);
                a11[i] = data * ix * ix + gxn * ixx * ixx + gyn * ixy * ixy + ZETA_SQUARED;
                a12[i] = data * ix * iy + gxn * ixx * ixy + gyn * ixy * iyy;
                a22[i] = data * iy * iy + gxn * ixy * ixy + gyn * iyy * iyy + ZETA_SQUARED;
                b1[i] = data * ix * iz + gxn * ixx * ixz + gyn * ixy * iyz;
                b2[i] = data * iy * iz + gxn * ixy * ixz + gyn * iyy * iyz;
            }
            for y in 0..h {
                for x in 0..w {
                    let i = y * w + x;
                    let right = if x + 1 < w { i + 1 } else { i };
                    let down = if y + 1 < h { i + w } else { i };
                    let ux = field.u[right] + du[right] - field.u[i] - du[i];
                    let uy = field.u[down] + du[down] - field.u[i] - du[i];
                    let vx = field.v[right] + dv[right] - field.v[i] - dv[i];
                    let vy = field.v[down] + dv[down] - field.v[i] - dv[i];
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
                                    su += weight(edge) * (field.u[j] + du[j] - field.u[i]);
                                    sv += weight(edge) * (field.v[j] + dv[j] - field.v[i]);
                                }
                            }
                            let sum = edges.map(weight);
                            let sum = sum[0] + sum[1] + sum[2] + sum[3];
                            let new_u = (su - b1[i] - a12[i] * dv[i]) * (1.0 / (a11[i] + sum));
                            du[i] += omega * (new_u - du[i]);
                            let new_v = (sv - b2[i] - a12[i] * du[i]) * (1.0 / (a22[i] + sum));
                            dv[i] += omega * (new_v - dv[i]);
                        }
                    }
                }
            }
        }
        for i in 0..n {
            field.u[i] += du[i];
            field.v[i] += dv[i];
        }
    }
}
