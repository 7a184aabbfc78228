//! Inverse search: each patch of the previous frame found in the current
//! one by inverse compositional Lucas–Kanade on its translation. The
//! template side (its gradients and their Hessian) is computed once a
//! patch; each iteration only warps the current frame's patch.

use wide::f32x4;

use crate::flow::window::register;
use crate::pyramid::GreyF32;

use super::{FieldSettings, FlowField};

/// A patch's corner in its level and the displacement found for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Patch {
    pub x: usize,
    pub y: usize,
    pub u: f32,
    pub v: f32,
}

/// Central-difference gradients of a level of the previous frame (border
/// replicated): the template's, computed once a level.
pub(super) struct Gradients {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
}

impl Gradients {
    pub(super) fn of(image: &GreyF32) -> Gradients {
        let (x, y) = super::central_differences(&image.data, image.width, image.height);
        Gradients { x, y }
    }
}

/// Where patches start along a side of `length`: every `stride` pixels,
/// and one flush with the far edge, so that every pixel is covered.
pub(super) fn starts(length: usize, patch: usize, stride: usize) -> Vec<usize> {
    let last = length - patch;
    let mut starts: Vec<usize> = (0..=last).step_by(stride).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
}

/// Every patch of a level, each searched from the mean of `field` (this
/// level's first guess) over it.
pub(super) fn search_level(
    previous: &GreyF32,
    current: &GreyF32,
    gradients: &Gradients,
    field: &FlowField,
    settings: &FieldSettings,
) -> Vec<Patch> {
    let patch = settings.patch as usize;
    let stride = settings.stride as usize;
    let xs = starts(previous.width, patch, stride);
    let ys = starts(previous.height, patch, stride);
    let mut found = Vec::with_capacity(xs.len() * ys.len());
    let mut scratch = Scratch::new(patch);
    for &y in &ys {
        for &x in &xs {
            let guess = mean_over(field, x, y, patch);
            let (u, v) = scratch.search(
                previous,
                current,
                gradients,
                (x, y),
                guess,
                settings.iterations,
            );
            found.push(Patch { x, y, u, v });
        }
    }
    found
}

/// The sum of `values` in four lanes added at the end, then the few past
/// the last four.
fn lane_sum(values: &[f32]) -> f32 {
    let (fours, rest) = values.as_chunks::<4>();
    let sum = fours
        .iter()
        .fold(f32x4::ZERO, |sum, &four| sum + f32x4::from(four));
    sum.reduce_add() + rest.iter().sum::<f32>()
}

/// The mean displacement of `field` over the patch at (x, y).
fn mean_over(field: &FlowField, x: usize, y: usize, patch: usize) -> (f32, f32) {
    let w = field.width as usize;
    let (mut su, mut sv) = (0.0, 0.0);
    for row in y..y + patch {
        let i = row * w + x;
        su += field.u[i..i + patch].iter().sum::<f32>();
        sv += field.v[i..i + patch].iter().sum::<f32>();
    }
    let n = (patch * patch) as f32;
    (su / n, sv / n)
}

/// One patch's buffers, reused from patch to patch.
struct Scratch {
    patch: usize,
    template: Vec<f32>,
    gx: Vec<f32>,
    gy: Vec<f32>,
    warped: Vec<f32>,
}

impl Scratch {
    fn new(patch: usize) -> Scratch {
        let n = patch * patch;
        Scratch {
            patch,
            template: vec![0.0; n],
            gx: vec![0.0; n],
            gy: vec![0.0; n],
            warped: vec![0.0; n],
        }
    }

    /// The displacement of the patch at `corner` of `previous` in
    /// `current`, from `guess`. Gradients and differences are taken about
    /// their means, so that a change of brightness between the frames
    /// does not move the patch. A step that makes the match worse, or a
    /// patch that wanders more than its own size from the guess, keeps the
    /// best displacement seen (the guess at worst).
    fn search(
        &mut self,
        previous: &GreyF32,
        current: &GreyF32,
        gradients: &Gradients,
        (x0, y0): (usize, usize),
        guess: (f32, f32),
        iterations: u32,
    ) -> (f32, f32) {
        let p = self.patch;
        let n = (p * p) as f32;
        let from = (y0 * previous.width + x0, previous.width);
        copy_patch(&previous.data, from, p, &mut self.template);
        copy_patch(&gradients.x, from, p, &mut self.gx);
        copy_patch(&gradients.y, from, p, &mut self.gy);
        let (mean_gx, mean_gy) = (lane_sum(&self.gx) / n, lane_sum(&self.gy) / n);
        // The gradients about their means, and their Hessian, in four
        // lanes added at the end (as `compare` sums): scalar, these ordered
        // sums were a fifth of the search's own time in Wasm.
        let (gx, gx_rest) = self.gx.as_chunks_mut::<4>();
        let (gy, gy_rest) = self.gy.as_chunks_mut::<4>();
        let (means_x, means_y) = (f32x4::splat(mean_gx), f32x4::splat(mean_gy));
        let mut lanes = [f32x4::ZERO; 3];
        for (gx, gy) in gx.iter_mut().zip(gy.iter_mut()) {
            let (x, y) = (f32x4::from(*gx) - means_x, f32x4::from(*gy) - means_y);
            (*gx, *gy) = (x.to_array(), y.to_array());
            let [xx, xy, yy] = &mut lanes;
            *xx += x * x;
            *xy += x * y;
            *yy += y * y;
        }
        let [mut hxx, mut hxy, mut hyy] = lanes.map(f32x4::reduce_add);
        for (gx, gy) in gx_rest.iter_mut().zip(gy_rest.iter_mut()) {
            (*gx, *gy) = (*gx - mean_gx, *gy - mean_gy);
            hxx += *gx * *gx;
            hxy += *gx * *gy;
            hyy += *gy * *gy;
        }
        let det = hxx * hyy - hxy * hxy;
        let (mut u, mut v) = guess;
        let (mut error, mut bx, mut by) = self.compare(current, x0, y0, u, v);
        let mut best = (u, v, error);
        // A flat or one-directional patch has no translation to find.
        if det <= 1e-6 * (hxx + hyy).powi(2).max(1e-12) {
            return guess;
        }
        let limit = p as f32;
        for _ in 0..iterations {
            let du = (hyy * bx - hxy * by) / det;
            let dv = (hxx * by - hxy * bx) / det;
            u -= du;
            v -= dv;
            if (u - guess.0).abs() > limit || (v - guess.1).abs() > limit {
                break;
            }
            (error, bx, by) = self.compare(current, x0, y0, u, v);
            if error < best.2 {
                best = (u, v, error);
            }
            if du * du + dv * dv < 1e-4 {
                break;
            }
        }
        (best.0, best.1)
    }

    /// Warps the current frame's patch at (x0 + u, y0 + v) and compares it
    /// with the template, in one pass over the differences d: their sum of
    /// squares about their mean (the match's error), and b = Σ g·d, the
    /// next step's right-hand side (the mean of d drops out of b, since the
    /// gradients are taken about their own mean).
    fn compare(
        &mut self,
        current: &GreyF32,
        x0: usize,
        y0: usize,
        u: f32,
        v: f32,
    ) -> (f32, f32, f32) {
        warp_patch(
            current,
            x0 as f32 + u,
            y0 as f32 + v,
            self.patch,
            &mut self.warped,
        );
        // Four lanes (`wide`'s f32x4), added in one order at the end: left
        // to LLVM, these ordered float sums stay scalar, natively and in
        // Wasm. A patch whose pixels are not a multiple of four ends in
        // scalar sums.
        let (warped, warped_rest) = self.warped.as_chunks::<4>();
        let (template, template_rest) = self.template.as_chunks::<4>();
        let (gx, gx_rest) = self.gx.as_chunks::<4>();
        let (gy, gy_rest) = self.gy.as_chunks::<4>();
        let mut lanes = [f32x4::ZERO; 4];
        for (((&warped, &template), &gx), &gy) in warped.iter().zip(template).zip(gx).zip(gy) {
            let d = f32x4::from(warped) - f32x4::from(template);
            let [sum, squares, bx, by] = &mut lanes;
            *sum += d;
            *squares += d * d;
            *bx += f32x4::from(gx) * d;
            *by += f32x4::from(gy) * d;
        }
        let [mut sum, mut squares, mut bx, mut by] = lanes.map(f32x4::reduce_add);
        for (((&warped, &template), &gx), &gy) in warped_rest
            .iter()
            .zip(template_rest)
            .zip(gx_rest)
            .zip(gy_rest)
        {
            let d = warped - template;
            sum += d;
            squares += d * d;
            bx += gx * d;
            by += gy * d;
        }
        let n = self.warped.len() as f32;
        (squares - sum * sum / n, bx, by)
    }
}

/// The `patch` × `patch` values of `plane` (rows `w` apart) from
/// `start`, into `out`, a row after the other. The presets' sides as
/// constants: a copy of a known length is a few moves, where one of a
/// variable length is a call out to the runtime's memory.copy in Wasm
/// (18 a patch, a tenth of the search's time at 320x240).
fn copy_patch(plane: &[f32], (start, w): (usize, usize), patch: usize, out: &mut [f32]) {
    #[inline(always)]
    fn rows<const N: usize>(plane: &[f32], start: usize, w: usize, out: &mut [f32]) {
        for (row, out) in out.chunks_exact_mut(N).enumerate() {
            let from: &[f32; N] = &plane[start + row * w..].as_chunks::<N>().0[0];
            out.copy_from_slice(from);
        }
    }
    match patch {
        6 => rows::<6>(plane, start, w, out),
        8 => rows::<8>(plane, start, w, out),
        _ => {
            for (row, out) in out.chunks_exact_mut(patch).enumerate() {
                out.copy_from_slice(&plane[start + row * w..][..patch]);
            }
        }
    }
}

/// The `patch` × `patch` pixels of `image` from (x, y), bilinearly: one
/// set of weights for the whole patch, since it moves as one. Rows inside
/// the image are read directly, the rest border replicated.
pub(super) fn warp_patch(image: &GreyF32, x: f32, y: f32, patch: usize, out: &mut [f32]) {
    let (fx0, fy0) = (x.floor(), y.floor());
    let (fx, fy) = (x - fx0, y - fy0);
    let (ix, iy) = (fx0 as isize, fy0 as isize);
    let (w, h) = (image.width as isize, image.height as isize);
    let (a, b, c, d) = (
        (1.0 - fx) * (1.0 - fy),
        fx * (1.0 - fy),
        (1.0 - fx) * fy,
        fx * fy,
    );
    // Columns ix..=ix + patch and rows iy..=iy + patch are read.
    let reach = patch as isize;
    let inside = ix >= 0 && iy >= 0 && ix + reach < w && iy + reach < h;
    if inside {
        let (w, origin) = (w as usize, iy as usize * w as usize + ix as usize);
        let (image, weights) = (&image.data[origin..], [a, b, c, d].map(f32x4::splat));
        // The presets' sides as constants, so that each copy of the loop
        // knows its registers (and checks no bounds between them); any
        // other side through the same code.
        match patch {
            6 => warp_inside(image, w, 6, weights, out),
            8 => warp_inside(image, w, 8, weights, out),
            _ => warp_inside(image, w, patch, weights, out),
        }
    } else {
        for row in 0..patch {
            let sy = iy + row as isize;
            for col in 0..patch {
                let sx = ix + col as isize;
                out[row * patch + col] = a * image.at(sx, sy)
                    + b * image.at(sx + 1, sy)
                    + c * image.at(sx, sy + 1)
                    + d * image.at(sx + 1, sy + 1);
            }
        }
    }
}

/// The patch of `patch` × `patch` pixels from the top left of `image` (a
/// slice of rows `w` apart, with the row and column past the patch), with
/// the bilinear `weights` of its four taps: four columns at a time
/// (`wide`'s f32x4), the same operations a pixel; a row that is not a
/// multiple of four ends in a register flush with its end, which writes a
/// few columns twice with the same values (6-pixel patches: two registers
/// a row, not one and two scalar columns).
#[inline(always)]
fn warp_inside(image: &[f32], w: usize, patch: usize, weights: [f32x4; 4], out: &mut [f32]) {
    let [a, b, c, d] = weights;
    for (row, out) in out.chunks_exact_mut(patch).take(patch).enumerate() {
        let top = &image[row * w..][..patch + 1];
        let bottom = &image[(row + 1) * w..][..patch + 1];
        let mut col = 0;
        loop {
            let value = a * register(top, col)
                + b * register(top, col + 1)
                + c * register(bottom, col)
                + d * register(bottom, col + 1);
            out[col..col + 4].copy_from_slice(&value.to_array());
            if col + 4 >= patch {
                break;
            }
            col = (col + 4).min(patch - 4);
        }
    }
}
