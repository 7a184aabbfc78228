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
    /// At the field: the current frame warped back by it, and the
    /// derivatives of the average of the two frames (grey levels).
    fn at(previous: &GreyF32, current: &GreyF32, field: &FlowField) -> Derivatives {
        let (w, h) = (previous.width, previous.height);
        let first = &previous.data;
        let mut warped = vec![0.0; w * h];
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                warped[i] = current.sample(x as f32 + field.u[i], y as f32 + field.v[i]);
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
    let d = Derivatives::at(previous, current, field);
    let n = w * h;
    let mut step = Step {
        w,
        h,
        du: vec![0.0; n],
        dv: vec![0.0; n],
        a11: vec![0.0; n],
        a12: vec![0.0; n],
        a22: vec![0.0; n],
        b1: vec![0.0; n],
        b2: vec![0.0; n],
        smooth: vec![0.0; n],
    };
    let mut halves = Checkerboard::new(w, h, field);
    for _ in 0..refinement.iterations {
        step.data_terms(&d, refinement);
        step.smoothness(field, refinement.alpha);
        halves.load(&step);
        for _ in 0..refinement.sweeps {
            halves.sweep(refinement.omega);
        }
        halves.store(&mut step);
    }
    for ((u, v), (du, dv)) in
        (field.u.iter_mut().zip(&mut field.v)).zip(step.du.iter().zip(&step.dv))
    {
        *u += du;
        *v += dv;
    }
}

/// One level's increment (du, dv) and the data terms' part of the linear
/// system it solves, a pixel's [a11 a12; a12 a22]·(du, dv) + (b1, b2),
/// and its smoothness weight towards its right and lower neighbours, in
/// the frame's layout.
struct Step {
    w: usize,
    h: usize,
    du: Vec<f32>,
    dv: Vec<f32>,
    a11: Vec<f32>,
    a12: Vec<f32>,
    a22: Vec<f32>,
    b1: Vec<f32>,
    b2: Vec<f32>,
    smooth: Vec<f32>,
}

impl Step {
    /// The data terms' system at the current increment, the robust
    /// weights frozen there.
    fn data_terms(&mut self, d: &Derivatives, refinement: &Refinement) {
        let Refinement { delta, gamma, .. } = *refinement;
        for i in 0..self.w * self.h {
            let (du, dv) = (self.du[i], self.dv[i]);
            let (ix, iy, iz) = (d.ix[i], d.iy[i], d.iz[i]);
            let (ixx, ixy, iyy, ixz, iyz) = (d.ixx[i], d.ixy[i], d.iyy[i], d.ixz[i], d.iyz[i]);
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
            self.a11[i] = data * ix * ix + gxn * ixx * ixx + gyn * ixy * ixy + ZETA_SQUARED;
            self.a12[i] = data * ix * iy + gxn * ixx * ixy + gyn * ixy * iyy;
            self.a22[i] = data * iy * iy + gxn * ixy * ixy + gyn * iyy * iyy + ZETA_SQUARED;
            self.b1[i] = data * ix * iz + gxn * ixx * ixz + gyn * ixy * iyz;
            self.b2[i] = data * iy * iz + gxn * ixy * ixz + gyn * iyy * iyz;
        }
    }

    /// Each pixel's smoothness weight towards its right and lower
    /// neighbours, at the field plus the increment.
    fn smoothness(&mut self, field: &FlowField, alpha: f32) {
        let (w, h) = (self.w, self.h);
        let (du, dv) = (&self.du, &self.dv);
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let (right, down) = (
                    if x + 1 < w { i + 1 } else { i },
                    if y + 1 < h { i + w } else { i },
                );
                let ux = field.u[right] + du[right] - field.u[i] - du[i];
                let uy = field.u[down] + du[down] - field.u[i] - du[i];
                let vx = field.v[right] + dv[right] - field.v[i] - dv[i];
                let vy = field.v[down] + dv[down] - field.v[i] - dv[i];
                let s = ux * ux + uy * uy + vx * vx + vy * vy;
                self.smooth[i] = alpha * 0.5 / (s + EPSILON_SQUARED).sqrt();
            }
        }
    }
}

/// A pixel's values for the sweeps, in one colour's half.
#[derive(Default)]
struct Half {
    /// The field, and its increment.
    u: Vec<f32>,
    v: Vec<f32>,
    du: Vec<f32>,
    dv: Vec<f32>,
    /// The data terms' off-diagonal and right-hand side.
    a12: Vec<f32>,
    b1: Vec<f32>,
    b2: Vec<f32>,
    /// The inverses of the diagonals, the edges' weights included.
    inverse_u: Vec<f32>,
    inverse_v: Vec<f32>,
    /// The weights of the edges to the left, right, upper and lower
    /// neighbours (0 past the frame's edge).
    left: Vec<f32>,
    right: Vec<f32>,
    up: Vec<f32>,
    down: Vec<f32>,
}

/// The sweeps' values split by colour, as OpenCV's refinement keeps them:
/// pixel (x, y) is red when x + y is even, else black, and each colour's
/// pixels of a row lie side by side, so that a half-sweep runs over
/// contiguous memory (a loop that vectorises) rather than every other
/// pixel. A half's row y holds the pixels x = 2k + ((y + colour) mod 2),
/// at column k + 1 of a grid one cell wider on every side than the
/// frame's half (the margin stays 0: a pixel's missing neighbour weighs
/// 0). In row y, a pixel's left and right neighbours (the other colour)
/// are at columns k + p and k + p + 1, p = (y + colour) mod 2, and its
/// upper and lower ones at column k + 1 of rows y ∓ 1.
struct Checkerboard {
    w: usize,
    h: usize,
    /// A half's row length, margin included.
    stride: usize,
    halves: [Half; 2],
}

impl Checkerboard {
    fn new(w: usize, h: usize, field: &FlowField) -> Checkerboard {
        let stride = w.div_ceil(2) + 2;
        let cells = stride * (h + 2);
        let zeros = || vec![0.0f32; cells];
        let half = || Half {
            u: zeros(),
            v: zeros(),
            du: zeros(),
            dv: zeros(),
            a12: zeros(),
            b1: zeros(),
            b2: zeros(),
            inverse_u: zeros(),
            inverse_v: zeros(),
            left: zeros(),
            right: zeros(),
            up: zeros(),
            down: zeros(),
        };
        let mut board = Checkerboard {
            w,
            h,
            stride,
            halves: [half(), half()],
        };
        let halves = &mut board.halves;
        each_cell(w, h, stride, |_, i, cell, colour| {
            halves[colour].u[cell] = field.u[i];
            halves[colour].v[cell] = field.v[i];
        });
        board
    }

    /// The step's increment and system, and the edges' weights and the
    /// diagonals' inverses from its smoothness weights.
    fn load(&mut self, step: &Step) {
        let (w, h) = (self.w, self.h);
        let smooth = &step.smooth;
        let halves = &mut self.halves;
        each_cell(w, h, self.stride, |(x, y), i, cell, colour| {
            let half = &mut halves[colour];
            half.du[cell] = step.du[i];
            half.dv[cell] = step.dv[i];
            half.a12[cell] = step.a12[i];
            half.b1[cell] = step.b1[i];
            half.b2[cell] = step.b2[i];
            let left = if x > 0 { smooth[i - 1] } else { 0.0 };
            let right = if x + 1 < w { smooth[i] } else { 0.0 };
            let up = if y > 0 { smooth[i - w] } else { 0.0 };
            let down = if y + 1 < h { smooth[i] } else { 0.0 };
            let sum = left + right + up + down;
            half.left[cell] = left;
            half.right[cell] = right;
            half.up[cell] = up;
            half.down[cell] = down;
            half.inverse_u[cell] = 1.0 / (step.a11[i] + sum);
            half.inverse_v[cell] = 1.0 / (step.a22[i] + sum);
        });
    }

    /// The increment back into the step.
    fn store(&self, step: &mut Step) {
        each_cell(self.w, self.h, self.stride, |_, i, cell, colour| {
            step.du[i] = self.halves[colour].du[cell];
            step.dv[i] = self.halves[colour].dv[cell];
        });
    }

    /// One sweep of successive over-relaxation, in red-black order: the
    /// pixels of one colour depend only on the other's, so each half-sweep
    /// has no chain of updates through it.
    fn sweep(&mut self, omega: f32) {
        for colour in 0..2 {
            let [red, black] = &mut self.halves;
            let (own, other) = if colour == 0 {
                (red, &*black)
            } else {
                (black, &*red)
            };
            for y in 0..self.h {
                let p = (y + colour) % 2;
                let count = (self.w - p).div_ceil(2);
                let row = (y + 1) * self.stride;
                sweep_row(own, other, row, count, p, self.stride, omega);
            }
        }
    }
}

/// `f((x, y), index in the frame, cell in its half, colour)` for each
/// pixel of a `w × h` frame, row by row.
fn each_cell(
    w: usize,
    h: usize,
    stride: usize,
    mut f: impl FnMut((usize, usize), usize, usize, usize),
) {
    for y in 0..h {
        let (first, cells) = (y * w, (y + 1) * stride + 1);
        for x in 0..w {
            f((x, y), first + x, cells + x / 2, (x + y) % 2);
        }
    }
}

/// The `count` pixels of one half's row starting at cell `row + 1`: each
/// pixel's (du, dv) over-relaxed towards the solution of its equations,
/// its neighbours (`other`'s) held. The same operations in the same order
/// as pixel by pixel, on slices of one length, so that the loop
/// vectorises.
fn sweep_row(
    own: &mut Half,
    other: &Half,
    row: usize,
    count: usize,
    p: usize,
    stride: usize,
    omega: f32,
) {
    let at = |values: &[f32], start: usize| -> std::ops::Range<usize> {
        debug_assert!(start + count <= values.len());
        start..start + count
    };
    let cells = at(&own.u, row + 1);
    let (left, right) = (at(&other.u, row + p), at(&other.u, row + p + 1));
    let (up, down) = (
        at(&other.u, row + 1 - stride),
        at(&other.u, row + 1 + stride),
    );
    let (u, v) = (&own.u[cells.clone()], &own.v[cells.clone()]);
    let (a12, b1, b2) = (
        &own.a12[cells.clone()],
        &own.b1[cells.clone()],
        &own.b2[cells.clone()],
    );
    let (inverse_u, inverse_v) = (&own.inverse_u[cells.clone()], &own.inverse_v[cells.clone()]);
    let (wl, wr) = (&own.left[cells.clone()], &own.right[cells.clone()]);
    let (wu, wd) = (&own.up[cells.clone()], &own.down[cells.clone()]);
    let (ul, dul) = (&other.u[left.clone()], &other.du[left.clone()]);
    let (ur, dur) = (&other.u[right.clone()], &other.du[right.clone()]);
    let (uu, duu) = (&other.u[up.clone()], &other.du[up.clone()]);
    let (ud, dud) = (&other.u[down.clone()], &other.du[down.clone()]);
    let (vl, dvl) = (&other.v[left.clone()], &other.dv[left]);
    let (vr, dvr) = (&other.v[right.clone()], &other.dv[right]);
    let (vu, dvu) = (&other.v[up.clone()], &other.dv[up]);
    let (vd, dvd) = (&other.v[down.clone()], &other.dv[down]);
    let du = &mut own.du[cells.clone()];
    let dv = &mut own.dv[cells];
    for k in 0..count {
        let (ui, vi) = (u[k], v[k]);
        // Left, right, up, down: the order the pixel-by-pixel sum took.
        let su = wl[k] * (ul[k] + dul[k] - ui)
            + wr[k] * (ur[k] + dur[k] - ui)
            + wu[k] * (uu[k] + duu[k] - ui)
            + wd[k] * (ud[k] + dud[k] - ui);
        let sv = wl[k] * (vl[k] + dvl[k] - vi)
            + wr[k] * (vr[k] + dvr[k] - vi)
            + wu[k] * (vu[k] + dvu[k] - vi)
            + wd[k] * (vd[k] + dvd[k] - vi);
        let new_u = (su - b1[k] - a12[k] * dv[k]) * inverse_u[k];
        du[k] += omega * (new_u - du[k]);
        let new_v = (sv - b2[k] - a12[k] * du[k]) * inverse_v[k];
        dv[k] += omega * (new_v - dv[k]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checkerboard's sweeps give, bit for bit, what red-black sweeps
    /// pixel by pixel give (the reference below, the layout's whole
    /// point being only where the values sit), on odd and even sizes.
    #[test]
    fn checkerboard_sweeps_equal_pixel_by_pixel_ones() {
        for (w, h) in [(7, 5), (8, 6), (2, 2), (9, 4)] {
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
            let field = FlowField {
                width: w as u32,
                height: h as u32,
                u: values(4.0, -2.0),
                v: values(4.0, -2.0),
            };
            let step = Step {
                w,
                h,
                du: values(0.2, -0.1),
                dv: values(0.2, -0.1),
                a11: values(2.0, 0.5),
                a12: values(0.5, -0.25),
                a22: values(2.0, 0.5),
                b1: values(1.0, -0.5),
                b2: values(1.0, -0.5),
                smooth: values(3.0, 0.1),
            };
            let omega = 1.6;
            let (mut du, mut dv) = (step.du.clone(), step.dv.clone());
            for _ in 0..3 {
                reference_sweep(&step, &field, &mut du, &mut dv, omega);
            }
            let mut board = Checkerboard::new(w, h, &field);
            board.load(&step);
            for _ in 0..3 {
                board.sweep(omega);
            }
            let mut swept = Step {
                du: vec![0.0; n],
                dv: vec![0.0; n],
                ..step
            };
            board.store(&mut swept);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&swept.du), bits(&du), "{w}x{h} du");
            assert_eq!(bits(&swept.dv), bits(&dv), "{w}x{h} dv");
        }
    }

    /// One red-black sweep pixel by pixel, each edge's weight the left or
    /// upper pixel's smoothness weight.
    fn reference_sweep(step: &Step, field: &FlowField, du: &mut [f32], dv: &mut [f32], omega: f32) {
        let (w, h, smooth) = (step.w, step.h, &step.smooth);
        for colour in 0..2 {
            for y in 0..h {
                for x in ((y + colour) % 2..w).step_by(2) {
                    let i = y * w + x;
                    let (mut su, mut sv, mut sum) = (0.0, 0.0, 0.0);
                    let mut edge = |j: usize, wj: f32| {
                        su += wj * (field.u[j] + du[j] - field.u[i]);
                        sv += wj * (field.v[j] + dv[j] - field.v[i]);
                        sum += wj;
                    };
                    if x > 0 {
                        edge(i - 1, smooth[i - 1]);
                    }
                    if x + 1 < w {
                        edge(i + 1, smooth[i]);
                    }
                    if y > 0 {
                        edge(i - w, smooth[i - w]);
                    }
                    if y + 1 < h {
                        edge(i + w, smooth[i]);
                    }
                    // The diagonal's inverse, as the refinement keeps it.
                    let new_u =
                        (su - step.b1[i] - step.a12[i] * dv[i]) * (1.0 / (step.a11[i] + sum));
                    du[i] += omega * (new_u - du[i]);
                    let new_v =
                        (sv - step.b2[i] - step.a12[i] * du[i]) * (1.0 / (step.a22[i] + sum));
                    dv[i] += omega * (new_v - dv[i]);
                }
            }
        }
    }
}
