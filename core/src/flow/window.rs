//! The SIMD kernels over a tracking window: its registers of pixels and
//! gradients, the sums Lucas–Kanade needs, and bilinear patches that read
//! a level (or its padded copy) with no per-sample bounds checks.

use wide::f32x4;

use super::level::{Level, MARGIN, gather_border};

/// A register of the window: its pixels and their Scharr gradients, side
/// by side, so that the sums over a window walk one array (in Wasm, one
/// address to advance a row instead of three).
#[derive(Clone, Copy)]
pub(super) struct Template {
    pub(super) pixels: f32x4,
    pub(super) gx: f32x4,
    pub(super) gy: f32x4,
}

impl Template {
    pub(super) const ZERO: Template = Template {
        pixels: f32x4::ZERO,
        gx: f32x4::ZERO,
        gy: f32x4::ZERO,
    };
}

/// Floats in one 128-bit register (Wasm SIMD, SSE): window rows are padded
/// to a multiple of this.
pub(super) const LANES: usize = 4;

/// The four floats at `s[at..]` as one register. A whole [f32; 4] loads
/// as one register, so overlapping reads (a sample's neighbours) stay
/// plain loads: built lane by lane, LLVM turned them into shuffles.
#[inline(always)]
pub(crate) fn register(s: &[f32], at: usize) -> f32x4 {
    f32x4::from(s[at..].as_chunks::<LANES>().0[0])
}

// The sums below run in four explicit lanes (`wide`'s f32x4: SSE natively,
// simd128 in Wasm), added in one fixed order at the end: the same result on
// every target. Left to LLVM, these ordered float sums came out as scalar
// adds and shuffles, natively and in Wasm.

/// Σ gx², Σ gx·gy and Σ gy²: the structure tensor of a window.
pub(super) fn tensor_sums<const N: usize>(window: &[[Template; N]]) -> [f32; 3] {
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
pub(super) fn mismatch<const N: usize>(source: &Source<'_>, window: &[[Template; N]]) -> [f32; 2] {
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
pub(super) fn sample_row<'a>(source: &Source<'a>, j: usize, registers: usize) -> SampleRow<'a> {
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
pub(super) struct SampleRow<'a> {
    pub(super) rows: &'a [f32],
    pub(super) pitch: usize,
    pub(super) weights: [f32x4; 4],
}

impl SampleRow<'_> {
    /// Register `i` of the row.
    #[inline(always)]
    pub(super) fn at(&self, i: usize) -> f32x4 {
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
pub(super) fn bilinear(
    [w00, w10, w01, w11]: [f32x4; 4],
    [p00, p10, p01, p11]: [f32x4; 4],
) -> f32x4 {
    w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11
}

/// Where a grid of bilinear samples reads its source pixels: `data` (rows
/// of `pitch`) from `origin`, with the four neighbours' weights.
pub(super) struct Source<'a> {
    pub(super) data: &'a [f32],
    pub(super) pitch: usize,
    pub(super) origin: usize,
    /// For (0,0), (1,0), (0,1) and (1,1), each in every lane.
    pub(super) weights: [f32x4; 4],
    /// At a whole-pixel position inside the image: the samples are the
    /// pixels themselves.
    pub(super) whole: bool,
}

/// Bilinear samples of `image` on `rows` rows of `N + 1` registers whose
/// top-left sample is `r` pixels left of and above `c`, into `out`
/// (row-major).
pub(super) fn fill_patch<const N: usize>(
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
pub(super) fn locate<'a>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::level::tests::as_levels;
    use crate::pyramid::GreyF32;

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
}
