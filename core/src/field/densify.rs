//! Densification: each pixel's displacement is the average of the
//! displacements of the patches that cover it, each weighted by how well
//! it explains that pixel, 1 / max(1, |I1(x + u) − I0(x)|): where patches
//! straddle a motion boundary, the one that matches the pixel wins.

use crate::pyramid::GreyF32;

use super::FlowField;
use super::search::{Patch, warp_patch};

/// The field of a level from its patches (which cover every pixel).
pub(super) fn densify(
    previous: &GreyF32,
    current: &GreyF32,
    patches: &[Patch],
    patch: usize,
) -> FlowField {
    let (w, h) = (previous.width, previous.height);
    let mut sum_u = vec![0.0f32; w * h];
    let mut sum_v = vec![0.0f32; w * h];
    let mut sum_w = vec![0.0f32; w * h];
    let mut warped = vec![0.0f32; patch * patch];
    for p in patches {
        warp_patch(
            current,
            p.x as f32 + p.u,
            p.y as f32 + p.v,
            patch,
            &mut warped,
        );
        for row in 0..patch {
            let at = (p.y + row) * w + p.x;
            let template = &previous.data[at..at + patch];
            let moved = &warped[row * patch..(row + 1) * patch];
            for col in 0..patch {
                // A comparison, not f32::max: in Wasm that is a call
                // (fmaxf, for its NaN rule), and no value here is NaN.
                let error = (moved[col] - template[col]).abs();
                let weight = 1.0 / if error > 1.0 { error } else { 1.0 };
                sum_u[at + col] += weight * p.u;
                sum_v[at + col] += weight * p.v;
                sum_w[at + col] += weight;
            }
        }
    }
    for ((u, v), weight) in sum_u.iter_mut().zip(&mut sum_v).zip(&sum_w) {
        // Every pixel has a patch, and a weight is at least 1/255.
        *u /= weight;
        *v /= weight;
    }
    FlowField {
        width: w as u32,
        height: h as u32,
        u: sum_u,
        v: sum_v,
    }
}
