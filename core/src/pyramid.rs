//! Floating-point grey images, bilinear sampling and Gaussian pyramids:
//! the working representation of the flow and edge algorithms.

use wide::{f32x4, i32x4};

use crate::frame::Plane;

/// A grey image in f32, row-major, values 0..=255.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GreyF32 {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

/// The 5-tap binomial kernel [1 4 6 4 1] / 16: a Gaussian of sigma ~1,
/// the classic pyramid filter (Burt and Adelson).
const PYRAMID_KERNEL: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];

impl GreyF32 {
    pub fn from_plane(plane: Plane<'_>) -> GreyF32 {
        GreyF32 {
            width: plane.width() as usize,
            height: plane.height() as usize,
            data: to_floats(plane.values()),
        }
    }

    /// The value at integer coordinates, clamped to the border.
    #[inline]
    pub fn at(&self, x: isize, y: isize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }

    /// Bilinear interpolation at (x, y), border replicated (the flow
    /// field's warp, and the reference the flow's patch sampler is tested
    /// against).
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        // Inside, the four pixels are read directly; at the border (and
        // for NaN), clamped. The same arithmetic either way.
        if x0 >= 0.0 && y0 >= 0.0 && x0 < self.width as f32 - 1.0 && y0 < self.height as f32 - 1.0 {
            let (w, at) = (self.width, y0 as usize * self.width + x0 as usize);
            let top = self.data[at] * (1.0 - fx) + self.data[at + 1] * fx;
            let bottom = self.data[at + w] * (1.0 - fx) + self.data[at + w + 1] * fx;
            return top * (1.0 - fy) + bottom * fy;
        }
        let (x0, y0) = (x0 as isize, y0 as isize);
        let top = self.at(x0, y0) * (1.0 - fx) + self.at(x0 + 1, y0) * fx;
        let bottom = self.at(x0, y0 + 1) * (1.0 - fx) + self.at(x0 + 1, y0 + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// [`GreyF32::sample`] at four points, one a lane: the same arithmetic
    /// in one register where all four lie inside, else each lane on its
    /// own. (Inlined, the border case kept out of line: a call a register
    /// returned its answer through memory in Wasm.)
    #[inline(always)]
    pub fn sample_four(&self, x: f32x4, y: f32x4) -> f32x4 {
        let (x0, y0) = (x.floor(), y.floor());
        let zero = f32x4::ZERO;
        let inside = x0.simd_ge(zero)
            & y0.simd_ge(zero)
            & x0.simd_lt(f32x4::splat(self.width as f32 - 1.0))
            & y0.simd_lt(f32x4::splat(self.height as f32 - 1.0));
        if !inside.all() {
            return self.sample_each(x, y);
        }
        let (fx, fy) = (x - x0, y - y0);
        let w = self.width;
        // Each lane's top-left pixel, converted and combined in one
        // register: in Wasm a float's `as usize` is a saturating
        // conversion of a dozen instructions, and this took eight a call.
        // (Inside, the corners are exact integers within the image, whose
        // index fits an i32: frames are at most 2^25 pixels.)
        let corner = y0.trunc_int() * i32x4::splat(w as i32) + x0.trunc_int();
        let corner = corner.to_array();
        let mut corners = [[0.0f32; 4]; 4];
        for lane in 0..4 {
            // The four pixels from one run, one length check.
            let run = &self.data[corner[lane] as usize..][..w + 2];
            corners[0][lane] = run[0];
            corners[1][lane] = run[1];
            corners[2][lane] = run[w];
            corners[3][lane] = run[w + 1];
        }
        let [top_left, top_right, bottom_left, bottom_right] = corners.map(f32x4::from);
        let one = f32x4::ONE;
        let top = top_left * (one - fx) + top_right * fx;
        let bottom = bottom_left * (one - fx) + bottom_right * fx;
        top * (one - fy) + bottom * fy
    }

    /// [`GreyF32::sample`] at each lane's point.
    #[cold]
    #[inline(never)]
    fn sample_each(&self, x: f32x4, y: f32x4) -> f32x4 {
        let (xs, ys) = (x.to_array(), y.to_array());
        f32x4::from(std::array::from_fn(|lane| self.sample(xs[lane], ys[lane])))
    }

    /// Separable convolution with a symmetric odd kernel, border
    /// replicated. The horizontal pass keeps only the rows the vertical
    /// taps still need (a ring of `kernel.len()` rows), not a second image.
    pub fn convolve(&self, kernel: &[f32]) -> GreyF32 {
        let r = (kernel.len() / 2) as isize;
        let (w, h) = (self.width, self.height);
        // Source row `sy` is horizontally blurred into slot `sy % slots`.
        // The rows output row y reads, clamp(y - r..=y + r), are at most
        // `slots` consecutive rows, so they never share a slot.
        let slots = kernel.len();
        // Each slot is a whole number of blocks, so a vertical tap is one
        // checked index per block of outputs.
        let row_blocks = w.div_ceil(BLOCK);
        let mut ring = vec![[0.0f32; BLOCK]; slots * row_blocks];
        let mut out = vec![0.0f32; w * h];
        let mut starts = vec![0; slots];
        let mut blurred = 0;
        for y in 0..h {
            let last = (y + r as usize).min(h - 1);
            while blurred <= last {
                let slot = &mut ring[blurred % slots * row_blocks..][..row_blocks];
                self.blur_row(blurred, kernel, &mut slot.as_flattened_mut()[..w]);
                blurred += 1;
            }
            for (k, start) in starts.iter_mut().enumerate() {
                let sy = (y as isize + k as isize - r).clamp(0, h as isize - 1) as usize;
                *start = sy % slots * row_blocks;
            }
            let ring = &ring;
            weighted_sum(
                &mut out[y * w..(y + 1) * w],
                kernel,
                |b| starts.iter().map(move |&s| &ring[s + b]),
                |k| ring[starts[k]..].as_flattened(),
            );
        }
        GreyF32 {
            width: w,
            height: h,
            data: out,
        }
    }

    /// Row `y` convolved horizontally with `kernel` into `out` (one row
    /// long), border replicated.
    fn blur_row(&self, y: usize, kernel: &[f32], out: &mut [f32]) {
        let r = (kernel.len() / 2) as isize;
        let w = self.width;
        let ru = r as usize;
        let row = &self.data[y * w..(y + 1) * w];
        // Clamped taps only near the ends; the interior indexes directly.
        let clamped = |x: usize| -> f32 {
            kernel
                .iter()
                .enumerate()
                .map(|(k, &weight)| {
                    weight * row[(x as isize + k as isize - r).clamp(0, w as isize - 1) as usize]
                })
                .sum()
        };
        if w > 2 * ru {
            let span = kernel.len() - 1 + BLOCK;
            weighted_sum(
                &mut out[ru..w - ru],
                kernel,
                |b| row[b * BLOCK..b * BLOCK + span].array_windows::<BLOCK>(),
                |k| &row[k..],
            );
            for x in (0..ru).chain(w - ru..w) {
                out[x] = clamped(x);
            }
        } else {
            for (x, o) in out.iter_mut().enumerate() {
                *o = clamped(x);
            }
        }
    }

    /// Blurs with [`PYRAMID_KERNEL`] and keeps every second pixel:
    /// pixel (x, y) of the result is pixel (2x, 2y) of the blurred image.
    pub fn downsample(&self) -> GreyF32 {
        downsample_rows(self)
    }

    /// `GreyF32::from_plane(plane).downsample()`, to the bit, without the
    /// full-size image, and in integers: the kernel is [1 4 6 4 1] / 16,
    /// so a column's sum of bytes is at most 16 · 255 and a row's sum of
    /// those at most 256 · 255, both within a u16, and each float the
    /// blur makes from bytes is exactly such a sum over 16 and then over
    /// 256 (at most 16 significant bits: no rounding). So the sums are
    /// taken in u16, eight lanes a register in Wasm where floats take
    /// four, and each output converted once. (A flow field searched from
    /// the quarter-size level never reads the full-size one.)
    pub fn downsample_plane(plane: Plane<'_>) -> GreyF32 {
        let (sw, sh) = (plane.width() as usize, plane.height() as usize);
        let (w, h) = (sw.div_ceil(2), sh.div_ceil(2));
        let values = plane.values();
        let row = |y: isize| &values[y.clamp(0, sh as isize - 1) as usize * sw..][..sw];
        // The kernel times 16, on five bytes (a column's sum) and on five
        // column sums (a row's, then over 256 as a float).
        let kernel = |a: u16, b: u16, c: u16, d: u16, e: u16| a + e + 4 * (b + d) + 6 * c;
        let weigh = |a, b, c, d, e| f32::from(kernel(a, b, c, d, e)) * (1.0 / 256.0);
        let mut data = vec![0.0f32; w * h];
        let mut sums = vec![0u16; sw];
        let (mut even, mut odd) = (vec![0u16; sw.div_ceil(2)], vec![0u16; sw / 2]);
        for (y, out) in data.chunks_exact_mut(w).enumerate() {
            // Vertical taps for the even rows kept (as downsample_rows).
            let y = 2 * y as isize;
            let [t0, t1, t2, t3, t4] = [-2, -1, 0, 1, 2].map(|k| row(y + k));
            let taps = t0.iter().zip(t1).zip(t2).zip(t3).zip(t4);
            for (sum, ((((&a, &b), &c), &d), &e)) in sums.iter_mut().zip(taps) {
                let [a, b, c, d, e] = [a, b, c, d, e].map(u16::from);
                *sum = kernel(a, b, c, d, e);
            }
            horizontal_taps(&sums, (&mut even, &mut odd), out, weigh);
        }
        GreyF32 {
            width: w,
            height: h,
            data,
        }
    }
}

/// [`GreyF32::downsample`]: the taps of output row y are rows 2y − 2 ..=
/// 2y + 2 of `image`, clamped.
fn downsample_rows(image: &GreyF32) -> GreyF32 {
    let (sw, sh) = (image.width, image.height);
    let (w, h) = (sw.div_ceil(2), sh.div_ceil(2));
    // The kernel is symmetric: the two taps of each outer weight are
    // added first, 3 multiplications instead of 5 (in Wasm the passes
    // were bound by them).
    let [k0, k1, k2, ..] = PYRAMID_KERNEL;
    let weigh = |a: f32, b: f32, c: f32, d: f32, e: f32| k0 * (a + e) + k1 * (b + d) + k2 * c;
    let mut data = vec![0.0f32; w * h];
    // Vertical taps only for the even rows that are kept, one pass of
    // equal-length rows (it vectorises)...
    let mut column_sums = vec![0.0f32; sw];
    let (mut even, mut odd) = (vec![0.0f32; sw.div_ceil(2)], vec![0.0f32; sw / 2]);
    for (y, out) in data.chunks_exact_mut(w).enumerate() {
        let y = 2 * y as isize;
        let taps = [-2, -1, 0, 1, 2].map(|k| {
            let y = (y + k).clamp(0, sh as isize - 1) as usize;
            &image.data[y * sw..][..sw]
        });
        for (x, sum) in column_sums.iter_mut().enumerate() {
            *sum = weigh(taps[0][x], taps[1][x], taps[2][x], taps[3][x], taps[4][x]);
        }
        // ...then horizontal taps only at the even columns kept.
        horizontal_taps(&column_sums, (&mut even, &mut odd), out, weigh);
    }
    GreyF32 {
        width: w,
        height: h,
        data,
    }
}

/// An output row of a downsampling from its row of column sums: output x
/// is `weigh` of sums 2x − 2 ..= 2x + 2 (clamped at the row's ends), the
/// blur's horizontal taps at the even columns kept. The interior columns
/// (2x − 2 >= 0 and 2x + 2 < the sums' length) from the sums split into
/// `even` and `odd` columns (buffers of half the length, rounded up and
/// down): then every tap is a contiguous slice and the loop vectorises
/// (reading every second column kept it scalar, the component's slowest
/// pass here); the clamped border only at the two ends.
#[inline(always)]
fn horizontal_taps<T: Copy>(
    sums: &[T],
    (even, odd): (&mut [T], &mut [T]),
    out: &mut [f32],
    weigh: impl Fn(T, T, T, T, T) -> f32,
) {
    let sw = sums.len();
    for ((e, o), pair) in even
        .iter_mut()
        .zip(odd.iter_mut())
        .zip(sums.chunks_exact(2))
    {
        (*e, *o) = (pair[0], pair[1]);
    }
    if sw % 2 == 1 {
        even[sw / 2] = sums[sw - 1];
    }
    let at = |x: isize| sums[x.clamp(0, sw as isize - 1) as usize];
    let clamped = |x: usize| {
        let x = 2 * x as isize;
        weigh(at(x - 2), at(x - 1), at(x), at(x + 1), at(x + 2))
    };
    let end = (sw.saturating_sub(1) / 2).max(1);
    if end > 1 {
        let n = end - 1;
        let (e0, e1, e2) = (&even[..n], &even[1..=n], &even[2..n + 2]);
        let (o0, o1) = (&odd[..n], &odd[1..=n]);
        for (i, o) in out[1..end].iter_mut().enumerate() {
            *o = weigh(e0[i], o0[i], e1[i], o1[i], e2[i]);
        }
    }
    out[0] = clamped(0);
    for (x, o) in out.iter_mut().enumerate().skip(end) {
        *o = clamped(x);
    }
}

/// Each value as a float.
fn to_floats(values: &[u8]) -> Vec<f32> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        // 16 values a step. Left to itself, LLVM converts 4 a step in Wasm
        // (a 4-byte load, two widenings, a convert and a store); a loop
        // over blocks of 16 it made scalar.
        let (blocks, rest) = values.as_chunks::<16>();
        let mut floats: Vec<[f32; 16]> = Vec::with_capacity(blocks.len() + 1);
        floats.extend(blocks.iter().map(|&block| widen_bytes(block)));
        let mut floats = floats.into_flattened();
        floats.extend(rest.iter().map(|&v| f32::from(v)));
        floats
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        values.iter().map(|&v| f32::from(v)).collect()
    }
}

/// 16 bytes as 16 floats: two widenings to 16 bits, four to 32, four
/// conversions (signed, which is exact for bytes and one instruction in
/// Cranelift; the unsigned one is a sequence).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn widen_bytes(block: [u8; 16]) -> [f32; 16] {
    use std::arch::wasm32::{
        f32x4_convert_i32x4, u16x8_extend_high_u8x16, u16x8_extend_low_u8x16,
        u32x4_extend_high_u16x8, u32x4_extend_low_u16x8, v128,
    };
    let bytes: v128 = bytemuck::cast(block);
    let (low, high) = (
        u16x8_extend_low_u8x16(bytes),
        u16x8_extend_high_u8x16(bytes),
    );
    let words = [
        u32x4_extend_low_u16x8(low),
        u32x4_extend_high_u16x8(low),
        u32x4_extend_low_u16x8(high),
        u32x4_extend_high_u16x8(high),
    ];
    bytemuck::cast(words.map(|w| f32x4_convert_i32x4(w)))
}

// Wasm: 4 registers of sums. Cranelift loads all of a tap's registers
// before the arithmetic, so 8 of them (32 outputs) needed 18 x86
// registers and kept two sums on the stack; edges ran 3 % slower.
#[cfg(target_arch = "wasm32")]
const BLOCK: usize = 16;
// Natively, 2 AVX-512 registers; 16 outputs were 5 % slower there.
#[cfg(not(target_arch = "wasm32"))]
const BLOCK: usize = 32;

/// `out[i] = Σ kernel[k] · tap(k)[i]`, each sum taken in tap order from
/// 0.0; every `tap(k)` is at least as long as `out`. `block_taps(b)` gives
/// the same values for the outputs of block `b`, in tap order (those of
/// `tap(k)[b·BLOCK..][..BLOCK]`), without a bounds check a tap: such checks
/// outnumbered the arithmetic in Cranelift's code. Blocks of outputs are
/// summed in registers over all the taps and stored once: a pass a tap
/// over the whole row loads and stores every output once a tap, which in
/// 128-bit Wasm cost more than the arithmetic. The block size only
/// changes speed, never the sums.
#[inline(always)]
fn weighted_sum<'a, Taps: Iterator<Item = &'a [f32; BLOCK]>>(
    out: &mut [f32],
    kernel: &[f32],
    block_taps: impl Fn(usize) -> Taps,
    tap: impl Fn(usize) -> &'a [f32],
) {
    let (blocks, rest) = out.as_chunks_mut::<BLOCK>();
    for (b, block) in blocks.iter_mut().enumerate() {
        let mut sums = [0.0f32; BLOCK];
        for (&weight, source) in kernel.iter().zip(block_taps(b)) {
            for (sum, &v) in sums.iter_mut().zip(source) {
                *sum += weight * v;
            }
        }
        *block = sums;
    }
    let done = blocks.len() * BLOCK;
    for (i, o) in rest.iter_mut().enumerate() {
        *o = kernel
            .iter()
            .enumerate()
            .fold(0.0, |sum, (k, &weight)| sum + weight * tap(k)[done + i]);
    }
}

/// A normalised Gaussian kernel of `sigma`, radius ceil(3 sigma).
pub(crate) fn gaussian_kernel(sigma: f32) -> Vec<f32> {
    let radius = (3.0 * sigma).ceil().max(1.0) as isize;
    let sigma = f64::from(sigma);
    let mut kernel: Vec<f32> = (-radius..=radius)
        .map(|i| exp_neg((i * i) as f64 / (2.0 * sigma * sigma)) as f32)
        .collect();
    let sum: f32 = kernel.iter().sum();
    kernel.iter_mut().for_each(|k| *k /= sum);
    kernel
}

/// e^-x for x >= 0 from arithmetic alone: libm's `exp` differs in the last
/// bit between targets, and the component must give the same bytes as
/// native code. Halve x until it is small, sum the Taylor series, square
/// back.
fn exp_neg(x: f64) -> f64 {
    let mut halvings = 0;
    let mut y = x;
    while y > 0.125 {
        y *= 0.5;
        halvings += 1;
    }
    // e^-y for y <= 1/8: 12 terms are far past f64 precision.
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 1..=12 {
        term *= -y / f64::from(k);
        sum += term;
    }
    for _ in 0..halvings {
        sum *= sum;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(w: usize, h: usize, f: impl Fn(usize, usize) -> f32) -> GreyF32 {
        GreyF32 {
            width: w,
            height: h,
            data: (0..w * h).map(|i| f(i % w, i / w)).collect(),
        }
    }

    #[test]
    fn bilinear_is_exact_on_a_plane() {
        let img = image(5, 4, |x, y| 3.0 * x as f32 + 7.0 * y as f32);
        assert!((img.sample(1.25, 2.5) - (3.75 + 17.5)).abs() < 1e-4);
        assert_eq!(img.sample(2.0, 1.0), 13.0);
        // Outside: the border is replicated.
        assert_eq!(img.sample(-3.0, 0.0), 0.0);
    }

    #[test]
    fn four_points_sample_as_each_does_alone() {
        // Inside, on the last row and column, outside and NaN: a register
        // of four either takes the vector path or falls back lane by lane,
        // and gives each lane the bits `sample` gives it.
        let img = image(9, 6, |x, y| ((x * 37 + y * 101) % 255) as f32 * 0.731);
        let points = [
            (0.0, 0.0),
            (3.25, 2.5),
            (7.99, 4.01),
            (1.5, 0.75),
            (8.0, 5.0),
            (-0.5, 2.0),
            (4.4, 5.5),
            (f32::NAN, 1.0),
            (6.125, 3.875),
            (2.0, 4.999),
            (0.001, 0.002),
            (7.5, 4.5),
        ];
        for group in points.chunks_exact(4) {
            let (x, y): (Vec<f32>, Vec<f32>) = group.iter().copied().unzip();
            let four = img
                .sample_four(
                    f32x4::from(<[f32; 4]>::try_from(x).unwrap()),
                    f32x4::from(<[f32; 4]>::try_from(y).unwrap()),
                )
                .to_array();
            for (&(x, y), got) in group.iter().zip(four) {
                assert_eq!(got.to_bits(), img.sample(x, y).to_bits(), "at ({x}, {y})");
            }
        }
    }

    #[test]
    fn bytes_become_their_floats_in_order() {
        // Lengths around the 16-value blocks of the Wasm path (which the
        // component's parity tests run).
        for len in [0, 1, 15, 16, 17, 255, 256, 300] {
            let values: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            let want: Vec<f32> = values.iter().map(|&v| f32::from(v)).collect();
            assert_eq!(to_floats(&values), want, "{len} values");
        }
    }

    #[test]
    fn blur_keeps_constants_and_downsample_halves() {
        let img = image(7, 5, |_, _| 42.0);
        assert!(
            img.convolve(&gaussian_kernel(1.4))
                .data
                .iter()
                .all(|&v| (v - 42.0).abs() < 1e-3)
        );
        let half = img.downsample();
        assert_eq!((half.width, half.height), (4, 3));
        assert!(half.data.iter().all(|&v| (v - 42.0).abs() < 1e-3));
    }

    #[test]
    fn convolve_matches_the_separable_definition() {
        let kernel = gaussian_kernel(1.4);
        let r = (kernel.len() / 2) as isize;
        // 31 rows: the ring of 11 blurred rows wraps around. 75 and 100
        // columns: rows of two and more blocks of outputs and a remainder,
        // in Wasm (16) and natively (32).
        for (w, h) in [
            (1, 1),
            (3, 5),
            (11, 2),
            (12, 3),
            (40, 9),
            (23, 31),
            (75, 13),
            (100, 4),
        ] {
            let img = image(w, h, |x, y| ((x * 37 + y * 91) % 256) as f32);
            let blurred = img.convolve(&kernel);
            // Exactly the separable sums, each taken in tap order from 0.0:
            // blocks change the speed, never a bit of the result.
            let taps = |at: &dyn Fn(isize) -> f32, centre: usize| {
                kernel.iter().enumerate().fold(0.0f32, |sum, (k, &weight)| {
                    sum + weight * at(centre as isize + k as isize - r)
                })
            };
            let rows: Vec<Vec<f32>> = (0..h)
                .map(|y| {
                    (0..w)
                        .map(|x| taps(&|sx| img.at(sx, y as isize), x))
                        .collect()
                })
                .collect();
            for (i, &got) in blurred.data.iter().enumerate() {
                let (x, y) = (i % w, i / w);
                let column = |sy: isize| rows[sy.clamp(0, h as isize - 1) as usize][x];
                assert_eq!(
                    got.to_bits(),
                    taps(&column, y).to_bits(),
                    "{w}x{h} at ({x}, {y})"
                );
            }
            for y in 0..h {
                for x in 0..w {
                    let mut want = 0.0f32;
                    for (j, ky) in kernel.iter().enumerate() {
                        for (i, kx) in kernel.iter().enumerate() {
                            let (sx, sy) =
                                (x as isize + i as isize - r, y as isize + j as isize - r);
                            want += ky * kx * img.at(sx, sy);
                        }
                    }
                    let got = blurred.data[y * w + x];
                    assert!(
                        (got - want).abs() < 1e-3,
                        "{w}x{h} at ({x}, {y}): {got} vs {want}"
                    );
                }
            }
        }
    }

    /// Level 1 straight from the bytes (in integer sums) is, bit for bit,
    /// the float image's downsampling, on odd and even sides down to one
    /// pixel (where the five rows the blur reads repeat), on varied bytes
    /// and on all 255 (the largest sums, 255 · 256 before the division).
    #[test]
    fn a_plane_downsampled_from_its_bytes_is_its_floats_downsampled() {
        let sides = [
            (1usize, 1usize),
            (2, 3),
            (3, 2),
            (5, 4),
            (6, 7),
            (17, 9),
            (40, 3),
            (41, 12),
        ];
        let contents: [fn(usize) -> u8; 2] = [|i| ((i * 7919 + 13) % 256) as u8, |_| 255];
        for ((w, h), content) in sides
            .into_iter()
            .flat_map(|side| contents.map(|c| (side, c)))
        {
            let bytes: Vec<u8> = (0..w * h).map(content).collect();
            let plane = Plane::new(w as u32, h as u32, &bytes).unwrap();
            let direct = GreyF32::downsample_plane(plane);
            let through = GreyF32::from_plane(plane).downsample();
            assert_eq!(
                (direct.width, direct.height),
                (through.width, through.height)
            );
            let bits = |g: &GreyF32| g.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&direct), bits(&through), "{w}x{h}");
        }
    }

    #[test]
    fn downsample_matches_the_separable_definition() {
        for (w, h) in [
            (1, 1),
            (2, 3),
            (3, 2),
            (4, 1),
            (5, 4),
            (6, 7),
            (17, 9),
            (40, 3),
            (41, 5),
        ] {
            let img = image(w, h, |x, y| ((x * 37 + y * 91) % 256) as f32);
            let half = img.downsample();
            assert_eq!((half.width, half.height), (w.div_ceil(2), h.div_ceil(2)));
            for y in 0..half.height {
                for x in 0..half.width {
                    let mut want = 0.0f32;
                    for (j, ky) in PYRAMID_KERNEL.iter().enumerate() {
                        for (i, kx) in PYRAMID_KERNEL.iter().enumerate() {
                            let (sx, sy) = (
                                2 * x as isize + i as isize - 2,
                                2 * y as isize + j as isize - 2,
                            );
                            want += ky * kx * img.at(sx, sy);
                        }
                    }
                    let got = half.data[y * half.width + x];
                    assert!(
                        (got - want).abs() < 1e-3,
                        "{w}x{h} at ({x}, {y}): {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn exp_neg_matches_libm_closely() {
        for x in [0.0, 0.01, 0.5, 1.0, 2.0, 4.5, 10.0] {
            let (ours, libm) = (exp_neg(x), (-x).exp());
            assert!(
                (ours - libm).abs() <= 1e-13 * libm.max(1e-300),
                "{x}: {ours} vs {libm}"
            );
        }
    }

    #[test]
    fn gaussian_kernel_is_normalised_and_symmetric() {
        let k = gaussian_kernel(1.0);
        assert_eq!(k.len(), 7);
        assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(k[0], k[6]);
    }
}
