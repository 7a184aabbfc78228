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
    let (mut du, mut dv) = (vec![0.0f32; n], vec![0.0f32; n]);
    // The linear system of a pixel: [a11 a12; a12 a22]·(du, dv) + (b1, b2),
    // and its smoothness weight (for its right and lower neighbours).
    let (mut a11, mut a12, mut a22) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
    let (mut b1, mut b2) = (vec![0.0f32; n], vec![0.0f32; n]);
    let mut smooth = vec![0.0f32; n];
    let (mut inverse_u, mut inverse_v) = (vec![0.0f32; n], vec![0.0f32; n]);
    let Refinement {
        alpha,
        delta,
        gamma,
        iterations,
        sweeps,
        omega,
    } = *refinement;
    for _ in 0..iterations {
        for i in 0..n {
            let (ix, iy, iz) = (d.ix[i], d.iy[i], d.iz[i]);
            let (ixx, ixy, iyy, ixz, iyz) = (d.ixx[i], d.ixy[i], d.iyy[i], d.ixz[i], d.iyz[i]);
            // Brightness constancy, normalised by |∇I|².
            let norm = ix * ix + iy * iy + ZETA_SQUARED;
            let dz = iz + ix * du[i] + iy * dv[i];
            let data = delta * 0.5 / (dz * dz / norm + EPSILON_SQUARED).sqrt() / norm;
            // Gradient constancy, each component normalised by its own.
            let (norm_x, norm_y) = (
                ixx * ixx + ixy * ixy + ZETA_SQUARED,
                ixy * ixy + iyy * iyy + ZETA_SQUARED,
            );
            let gx = ixz + ixx * du[i] + ixy * dv[i];
            let gy = iyz + ixy * du[i] + iyy * dv[i];
            let grad = gamma * 0.5 / (gx * gx / norm_x + gy * gy / norm_y + EPSILON_SQUARED).sqrt();
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
                let (right, down) = (
                    if x + 1 < w { i + 1 } else { i },
                    if y + 1 < h { i + w } else { i },
                );
                let ux = field.u[right] + du[right] - field.u[i] - du[i];
                let uy = field.u[down] + du[down] - field.u[i] - du[i];
                let vx = field.v[right] + dv[right] - field.v[i] - dv[i];
                let vy = field.v[down] + dv[down] - field.v[i] - dv[i];
                let s = ux * ux + uy * uy + vx * vx + vy * vy;
                smooth[i] = alpha * 0.5 / (s + EPSILON_SQUARED).sqrt();
            }
        }
        // The weights stay for the sweeps: each pixel's sum of edge
        // weights and the inverses of its diagonal, once.
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let mut sum = 0.0;
                if x > 0 {
                    sum += smooth[i - 1];
                }
                if x + 1 < w {
                    sum += smooth[i];
                }
                if y > 0 {
                    sum += smooth[i - w];
                }
                if y + 1 < h {
                    sum += smooth[i];
                }
                inverse_u[i] = 1.0 / (a11[i] + sum);
                inverse_v[i] = 1.0 / (a22[i] + sum);
            }
        }
        // Red-black order: the pixels of one colour depend only on the
        // other's, so each half-sweep has no chain of updates through it.
        for _ in 0..sweeps {
            for colour in 0..2 {
                for y in 0..h {
                    for x in ((y + colour) % 2..w).step_by(2) {
                        let i = y * w + x;
                        let (mut su, mut sv) = (0.0, 0.0);
                        let mut edge = |j: usize, wj: f32| {
                            su += wj * (field.u[j] + du[j] - field.u[i]);
                            sv += wj * (field.v[j] + dv[j] - field.v[i]);
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
                        let new_u = (su - b1[i] - a12[i] * dv[i]) * inverse_u[i];
                        du[i] += omega * (new_u - du[i]);
                        let new_v = (sv - b2[i] - a12[i] * du[i]) * inverse_v[i];
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
