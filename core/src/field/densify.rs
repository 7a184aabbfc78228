//! Densification: each pixel's displacement is the average of the
//! displacements of the patches that cover it, each weighted by how well
//! it explains that pixel, 1 / max(1, |I1(x + u) − I0(x)|): where patches
//! straddle a motion boundary, the one that matches the pixel wins.

use wide::f32x4;

use crate::flow::window::register;
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
    let mut sums = Sums {
        u: &mut sum_u,
        v: &mut sum_v,
        weight: &mut sum_w,
    };
    for p in patches {
        warp_patch(
            current,
            p.x as f32 + p.u,
            p.y as f32 + p.v,
            patch,
            &mut warped,
        );
        // The presets' sides as constants (as the warp's), so that the
        // copies know their registers.
        match patch {
            6 => add_patch(&mut sums, &previous.data, w, p, 6, &warped),
            8 => add_patch(&mut sums, &previous.data, w, p, 8, &warped),
            _ => add_patch(&mut sums, &previous.data, w, p, patch, &warped),
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

/// A level's weighted sums of displacements, and of weights, a pixel each.
struct Sums<'a> {
    u: &'a mut [f32],
    v: &'a mut [f32],
    weight: &'a mut [f32],
}

/// Patch `p`'s share in the sums, its pixels weighed by how well its
/// `warped` pixels match the `template` image's: four columns at a time
/// (`wide`'s f32x4), the same operations a pixel, then the rest of a row.
#[inline(always)]
fn add_patch(
    sums: &mut Sums<'_>,
    template: &[f32],
    w: usize,
    p: &Patch,
    patch: usize,
    warped: &[f32],
) {
    let (u, v) = (f32x4::splat(p.u), f32x4::splat(p.v));
    let body = patch - patch % 4;
    for (row, moved) in warped.chunks_exact(patch).take(patch).enumerate() {
        let at = (p.y + row) * w + p.x;
        let template = &template[at..][..patch];
        let (sum_u, sum_v, sum_w) = (
            &mut sums.u[at..][..patch],
            &mut sums.v[at..][..patch],
            &mut sums.weight[at..][..patch],
        );
        for col in (0..body).step_by(4) {
            let error = (register(moved, col) - register(template, col)).abs();
            // fast_max, Wasm's pmax (one instruction): no value here is NaN.
            let weight = f32x4::ONE / error.fast_max(f32x4::ONE);
            let add = |sum: &mut [f32], value: f32x4| {
                let total = register(sum, col) + value;
                sum[col..col + 4].copy_from_slice(&total.to_array());
            };
            add(sum_u, weight * u);
            add(sum_v, weight * v);
            add(sum_w, weight);
        }
        for col in body..patch {
            // A comparison, not f32::max: in Wasm that is a call (fmaxf,
            // for its NaN rule), and no value here is NaN.
            let error = (moved[col] - template[col]).abs();
            let weight = 1.0 / if error > 1.0 { error } else { 1.0 };
            sum_u[col] += weight * p.u;
            sum_v[col] += weight * p.v;
            sum_w[col] += weight;
        }
    }
}
