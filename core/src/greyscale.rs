//! Greyscale conversion: RGBA frames to one byte a pixel.

use crate::error::{Error, Result, by_name};
use crate::frame::Frame;
use wide::{bytemuck, i16x8, i32x4, u8x16, u16x8, u32x4};

/// How a colour pixel becomes one grey byte. Alpha is ignored by every
/// method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GreyMethod {
    /// `max(R, G, B)`: the original sketch's method, bit-exact to numpy's
    /// `arr.reshape(-1, 4)[:, :3].max(1)`.
    #[default]
    MaxRgb,
    /// Rec.601 luma, `(9798·R + 19235·G + 3735·B + 16384) >> 15`: OpenCV's
    /// `cvtColor(RGBA2GRAY)`.
    LumaBt601,
    /// Rec.709 luma, `(6966·R + 23436·G + 2366·B + 16384) >> 15`.
    LumaBt709,
    /// `round((R + G + B) / 3)`, computed as `(R + G + B + 1) / 3`.
    Average,
    /// HSL lightness, `(max + min + 1) >> 1` (half rounds up).
    Lightness,
}

/// The WIT name.
impl std::fmt::Display for GreyMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl GreyMethod {
    /// Every method, in declaration order.
    pub const ALL: [GreyMethod; 5] = [
        GreyMethod::MaxRgb,
        GreyMethod::LumaBt601,
        GreyMethod::LumaBt709,
        GreyMethod::Average,
        GreyMethod::Lightness,
    ];

    /// The method's WIT name (`max-rgb`, `luma-bt601`, ...).
    pub fn name(self) -> &'static str {
        match self {
            GreyMethod::MaxRgb => "max-rgb",
            GreyMethod::LumaBt601 => "luma-bt601",
            GreyMethod::LumaBt709 => "luma-bt709",
            GreyMethod::Average => "average",
            GreyMethod::Lightness => "lightness",
        }
    }

    /// The method named `name` (its WIT name).
    ///
    /// ```
    /// use ghostlines_core::GreyMethod;
    /// assert_eq!(GreyMethod::from_name("luma-bt601"), Ok(GreyMethod::LumaBt601));
    /// ```
    pub fn from_name(name: &str) -> Result<GreyMethod> {
        by_name("grey method", GreyMethod::ALL, |m| m.name(), name)
    }
}

/// Fixed-point luma weights, scaled by 2^15 and summing to 2^15 so that
/// white stays 255.
const BT601: [u32; 3] = [9798, 19235, 3735];
const BT709: [u32; 3] = [6966, 23436, 2366];
const LUMA_SHIFT: u32 = 15;
const LUMA_HALF: u32 = 1 << (LUMA_SHIFT - 1);

/// Converts `frame` to a new grey plane with `method`.
pub fn greyscale(frame: Frame<'_>, method: GreyMethod) -> Vec<u8> {
    let mut out = vec![0; frame.pixel_count()];
    convert(frame.pixels(), &mut out, method);
    out
}

/// Converts an owned RGBA buffer of `width x height` pixels, reusing the
/// buffer: the SIMD kernels write the grey plane over the pixels they
/// have read and shrink the buffer to it, so no second buffer is made (on a
/// big-endian target it allocates as [`greyscale`] does). The result is
/// always [`greyscale`]'s.
///
/// ```
/// use ghostlines_core::{GreyMethod, greyscale_owned};
/// let pixels = vec![255, 0, 0, 255, 0, 0, 255, 255];
/// assert_eq!(greyscale_owned(pixels, 2, 1, GreyMethod::LumaBt601)?, [76, 29]);
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
pub fn greyscale_owned(
    mut pixels: Vec<u8>,
    width: u32,
    height: u32,
    method: GreyMethod,
) -> Result<Vec<u8>> {
    let frame = Frame::new(width, height, &pixels)?;
    let count = frame.pixel_count();
    if !convert_words_in_place(&mut pixels, count, method) {
        return Ok(greyscale(Frame::new(width, height, &pixels)?, method));
    }
    pixels.truncate(count);
    Ok(pixels)
}

/// Converts `frame` into `out`, which must hold exactly one byte a pixel.
pub fn greyscale_into(frame: Frame<'_>, method: GreyMethod, out: &mut [u8]) -> Result<()> {
    if out.len() != frame.pixel_count() {
        return Err(Error::LengthMismatch {
            expected: frame.pixel_count() as u64,
            actual: out.len() as u64,
        });
    }
    convert(frame.pixels(), out, method);
    Ok(())
}

// One monomorphised loop a method, so that each inner loop is branch-free
// and LLVM can vectorise it. In Wasm every method takes the explicit SIMD
// kernels below instead (LLVM's own deinterleaving and widening of bytes
// made luma twice as slow as max-rgb there, and its narrows cost 19 ops
// for 16 pixels); natively LLVM's vectorisation, wider than these 128-bit
// kernels, stays. Both are tested equal to the formulas.
fn convert(rgba: &[u8], out: &mut [u8], method: GreyMethod) {
    if cfg!(target_arch = "wasm32") && convert_words(rgba, out, method) {
        return;
    }
    match method {
        GreyMethod::MaxRgb => map_pixels(rgba, out, |r, g, b| pixel(GreyMethod::MaxRgb, r, g, b)),
        GreyMethod::LumaBt601 => {
            map_pixels(rgba, out, |r, g, b| pixel(GreyMethod::LumaBt601, r, g, b))
        }
        GreyMethod::LumaBt709 => {
            map_pixels(rgba, out, |r, g, b| pixel(GreyMethod::LumaBt709, r, g, b))
        }
        GreyMethod::Average => map_pixels(rgba, out, |r, g, b| pixel(GreyMethod::Average, r, g, b)),
        GreyMethod::Lightness => {
            map_pixels(rgba, out, |r, g, b| pixel(GreyMethod::Lightness, r, g, b))
        }
    }
}

/// The SIMD kernels: whole groups of 16 pixels in registers, the rest by
/// the formulas. False (and nothing written) on a big-endian target.
fn convert_words(rgba: &[u8], out: &mut [u8], method: GreyMethod) -> bool {
    if cfg!(target_endian = "big") {
        return false;
    }
    let whole = out.len().min(rgba.len() / 4) / 16 * 16;
    let (rgba_head, rgba_tail) = rgba.split_at(whole * 4);
    let (out_head, out_tail) = out.split_at_mut(whole);
    match method {
        GreyMethod::MaxRgb => map_words(rgba_head, out_head, max_rgb_words),
        GreyMethod::LumaBt601 => map_words(rgba_head, out_head, |w| luma_words(BT601, w)),
        GreyMethod::LumaBt709 => map_words(rgba_head, out_head, |w| luma_words(BT709, w)),
        GreyMethod::Average => map_words(rgba_head, out_head, average_words),
        GreyMethod::Lightness => map_words(rgba_head, out_head, lightness_words),
    }
    map_pixels(rgba_tail, out_tail, |r, g, b| pixel(method, r, g, b));
    true
}

/// [`convert_words`] over one buffer: the grey value of pixel `i` goes to
/// byte `i`, which pixel `i` or an earlier one has already been read from
/// (each group of 16 pixels is copied out before its 16 grey bytes are
/// written). False, and nothing written, where `convert_words` declines.
fn convert_words_in_place(rgba: &mut [u8], pixels: usize, method: GreyMethod) -> bool {
    if cfg!(target_endian = "big") || rgba.len() < pixels * 4 {
        return false;
    }
    match method {
        GreyMethod::MaxRgb => map_words_in_place(rgba, pixels, max_rgb_words),
        GreyMethod::LumaBt601 => map_words_in_place(rgba, pixels, |w| luma_words(BT601, w)),
        GreyMethod::LumaBt709 => map_words_in_place(rgba, pixels, |w| luma_words(BT709, w)),
        GreyMethod::Average => map_words_in_place(rgba, pixels, average_words),
        GreyMethod::Lightness => map_words_in_place(rgba, pixels, lightness_words),
    }
    for i in pixels / 16 * 16..pixels {
        rgba[i] = pixel(method, rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
    }
    true
}

#[inline(always)]
fn map_words_in_place(rgba: &mut [u8], pixels: usize, grey: impl Fn(u32x4) -> u32x4) {
    for group in 0..pixels / 16 {
        let mut source = [0u8; 64];
        source.copy_from_slice(&rgba[group * 64..][..64]);
        let mut out = [0u8; 16];
        map_words(&source, &mut out, &grey);
        rgba[group * 16..][..16].copy_from_slice(&out);
    }
}

/// One pixel by the method's formula.
#[inline(always)]
fn pixel(method: GreyMethod, r: u8, g: u8, b: u8) -> u8 {
    match method {
        GreyMethod::MaxRgb => r.max(g).max(b),
        GreyMethod::LumaBt601 => luma(BT601, r, g, b),
        GreyMethod::LumaBt709 => luma(BT709, r, g, b),
        GreyMethod::Average => third(u32::from(r) + u32::from(g) + u32::from(b) + 1),
        GreyMethod::Lightness => {
            let max = r.max(g).max(b);
            let min = r.min(g).min(b);
            ((u16::from(max) + u16::from(min) + 1) >> 1) as u8
        }
    }
}

#[inline(always)]
fn luma(weights: [u32; 3], r: u8, g: u8, b: u8) -> u8 {
    let sum = weights[0] * u32::from(r) + weights[1] * u32::from(g) + weights[2] * u32::from(b);
    ((sum + LUMA_HALF) >> LUMA_SHIFT) as u8
}

/// x / 3 for x <= 766 as a multiply and a shift (43691 / 2^17 is 1/3 to
/// within 2^-17): Wasm SIMD has no high multiply, so a division would not
/// vectorise there.
const THIRD_FACTOR: i32 = 43_691;
const THIRD_SHIFT: u32 = 17;

#[inline(always)]
fn third(x: u32) -> u8 {
    ((x * THIRD_FACTOR as u32) >> THIRD_SHIFT) as u8
}

#[inline(always)]
fn map_pixels(rgba: &[u8], out: &mut [u8], f: impl Fn(u8, u8, u8) -> u8) {
    for (px, grey) in rgba.chunks_exact(4).zip(out.iter_mut()) {
        *grey = f(px[0], px[1], px[2]);
    }
}

// The SIMD kernels work on pixels as little-endian 32-bit words
// (R | G << 8 | B << 16 | A << 24), four to a register, with `wide`'s types
// (SSE natively, simd128 in Wasm). Left to LLVM, the byte deinterleaving
// and widening made luma and average twice as slow as max-rgb in Wasm.

/// 16 pixels at a time: `grey` maps four pixel words to four grey values,
/// each in the low byte of its 32-bit lane (what the bytes above hold does
/// not matter), which are packed back to bytes.
#[inline(always)]
fn map_words(rgba: &[u8], out: &mut [u8], grey: impl Fn(u32x4) -> u32x4) {
    let (sources, destinations) = (rgba.as_chunks::<64>().0, out.as_chunks_mut::<16>().0);
    for (src, dst) in sources.iter().zip(destinations) {
        let words: [u32x4; 4] = bytemuck::cast(*src);
        *dst = bytemuck::cast(pack_low_bytes(words.map(&grey)));
    }
}

/// The low byte of each lane of four registers (pixels 0..4, 4..8, 8..12
/// and 12..16), in pixel order.
#[inline(always)]
fn pack_low_bytes(grey: [u32x4; 4]) -> u8x16 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        pack_low_bytes_by_shuffles(grey)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        pack_low_bytes_by_narrowing(grey)
    }
}

/// Two constant byte shuffles and a 64-bit interleave. LLVM lowers Wasm's
/// saturating narrows as clamps and byte shuffles (19 ops for 16 pixels);
/// these are 3, and Cranelift makes each two-register byte shuffle one
/// `vpermi2b` where the CPU has AVX-512 VBMI (`pshufb` twice and `por`
/// where not).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn pack_low_bytes_by_shuffles([a, b, c, d]: [u32x4; 4]) -> u8x16 {
    use std::arch::wasm32::{i8x16_shuffle, i64x2_shuffle, v128};
    let v = |x: u32x4| bytemuck::cast::<u32x4, v128>(x);
    let low = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0>(v(a), v(b));
    let high = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0>(v(c), v(d));
    bytemuck::cast(i64x2_shuffle::<0, 2>(low, high))
}

/// A mask and two saturating narrows (`packssdw`, `packuswb`).
#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
#[inline(always)]
fn pack_low_bytes_by_narrowing(grey: [u32x4; 4]) -> u8x16 {
    let [a, b, c, d] = grey.map(|g| bytemuck::cast::<u32x4, i32x4>(g & u32x4::splat(0xff)));
    let low = i16x8::from_i32x8_saturate(bytemuck::cast([a, b]));
    let high = i16x8::from_i32x8_saturate(bytemuck::cast([c, d]));
    u8x16::narrow_i16x8(low, high)
}

/// G and B of each pixel word shifted down onto R's byte: bytewise
/// operations on the three then give each pixel's result in its low byte.
#[inline(always)]
fn shifted_channels(w: u32x4) -> [u8x16; 3] {
    [w, w >> 8u32, w >> 16u32].map(bytemuck::cast::<u32x4, u8x16>)
}

/// `max(R, G, B)` of each pixel word, in the low byte.
#[inline(always)]
fn max_rgb_words(w: u32x4) -> u32x4 {
    let [r, g, b] = shifted_channels(w);
    bytemuck::cast(r.max(g).max(b))
}

/// `(max + min + 1) >> 1` of each pixel word, in the low byte.
#[inline(always)]
fn lightness_words(w: u32x4) -> u32x4 {
    let [r, g, b] = shifted_channels(w);
    bytemuck::cast(rounding_average(r.max(g).max(b), r.min(g).min(b)))
}

/// `(a + b + 1) >> 1` of each byte: one op in Wasm (`i8x16.avgr_u`), which
/// `wide` does not offer; elsewhere `(a | b) - ((a ^ b) >> 1)`.
#[inline(always)]
fn rounding_average(a: u8x16, b: u8x16) -> u8x16 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use std::arch::wasm32::{u8x16_avgr, v128};
        let v = |x: u8x16| bytemuck::cast::<u8x16, v128>(x);
        bytemuck::cast(u8x16_avgr(v(a), v(b)))
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        (a | b) - (a ^ b).unbounded_shr_scalar(1)
    }
}

/// `(R + G + B + 1) / 3` of each pixel word.
#[inline(always)]
fn average_words(w: u32x4) -> u32x4 {
    let (rb, ga) = split_channels(w);
    let sum = rb.dot(i16x8::splat(1)) + ga.dot(i16x8::new([1, 0, 1, 0, 1, 0, 1, 0]));
    bytemuck::cast(
        ((sum + i32x4::splat(1)) * i32x4::splat(THIRD_FACTOR)).unbounded_shr_scalar(THIRD_SHIFT),
    )
}

/// R and B of each pixel word in 16-bit lanes, and G and A.
#[inline(always)]
fn split_channels(w: u32x4) -> (i16x8, i16x8) {
    let rb = w & u32x4::splat(0x00ff_00ff);
    // A 16-bit lane shifted right by 8 keeps its high byte: one shift and
    // no mask for G and A.
    let ga = bytemuck::cast::<u32x4, u16x8>(w) >> 8u32;
    (bytemuck::cast(rb), bytemuck::cast(ga))
}

/// `(wR·R + wG·G + wB·B + 2^14) >> 15` of each pixel word: two 16-bit
/// multiply-adds a register (`pmaddwd`, `i32x4.dot_i16x8_s`).
#[inline(always)]
fn luma_words(weights: [u32; 3], w: u32x4) -> u32x4 {
    let [r, g, b] = weights.map(|v| v as i16);
    let (rb, ga) = split_channels(w);
    let sum =
        rb.dot(i16x8::new([r, b, r, b, r, b, r, b])) + ga.dot(i16x8::new([g, 0, g, 0, g, 0, g, 0]));
    bytemuck::cast((sum + i32x4::splat(LUMA_HALF as i32)).unbounded_shr_scalar(LUMA_SHIFT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grey(pixels: &[u8], method: GreyMethod) -> Vec<u8> {
        let frame = Frame::new((pixels.len() / 4) as u32, 1, pixels).unwrap();
        greyscale(frame, method)
    }

    #[test]
    fn third_is_exact_for_every_sum_of_three_bytes_plus_one() {
        for x in 0..=766u32 {
            assert_eq!(u32::from(third(x)), x / 3, "{x}");
        }
    }

    #[test]
    fn each_method_on_literal_pixels() {
        // red, green, blue, white, black, a mid colour with alpha 0
        let pixels = [
            255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 10,
            200, 31, 0,
        ];
        assert_eq!(
            grey(&pixels, GreyMethod::MaxRgb),
            [255, 255, 255, 255, 0, 200]
        );
        // 9798*255/32768 = 76.25, 19235*255/32768 = 149.69, 3735*255/32768 = 29.07
        assert_eq!(
            grey(&pixels, GreyMethod::LumaBt601),
            [76, 150, 29, 255, 0, 124]
        );
        assert_eq!(
            grey(&pixels, GreyMethod::LumaBt709),
            [54, 182, 18, 255, 0, 147]
        );
        // (10 + 200 + 31) / 3 = 80.33
        assert_eq!(grey(&pixels, GreyMethod::Average), [85, 85, 85, 255, 0, 80]);
        // (255 + 0) / 2 = 127.5 rounds up; (200 + 10) / 2 = 105
        assert_eq!(
            grey(&pixels, GreyMethod::Lightness),
            [128, 128, 128, 255, 0, 105]
        );
    }

    #[test]
    fn packing_keeps_pixel_order_and_ignores_the_high_bytes() {
        // Low bytes that differ in every register and lane, under garbage.
        let grey: [u32x4; 4] = std::array::from_fn(|r| {
            u32x4::new(std::array::from_fn(|l| {
                0xa5c3_7e00 | ((r * 4 + l) as u32 * 17)
            }))
        });
        let expected: [u8; 16] = std::array::from_fn(|i| i as u8 * 17);
        assert_eq!(pack_low_bytes(grey).to_array(), expected);
    }

    #[test]
    fn rounding_average_of_every_pair() {
        for a in 0..=255u8 {
            let b: [u8; 16] = std::array::from_fn(|i| i as u8);
            for start in (0..=255u8).step_by(16) {
                let b = u8x16::new(b) + u8x16::splat(start);
                let expected = b
                    .to_array()
                    .map(|b| ((u16::from(a) + u16::from(b) + 1) >> 1) as u8);
                assert_eq!(rounding_average(u8x16::splat(a), b).to_array(), expected);
            }
        }
    }

    #[test]
    fn simd_kernels_are_exact_for_every_colour() {
        // All 2^24 colours, a red value at a time, alpha varying too.
        let mut rgba = vec![0u8; 65_536 * 4];
        let (mut fast, mut slow) = (vec![0u8; 65_536], vec![0u8; 65_536]);
        for r in 0..=255u8 {
            for (i, px) in rgba.chunks_exact_mut(4).enumerate() {
                px.copy_from_slice(&[r, (i >> 8) as u8, i as u8, (i * 7) as u8]);
            }
            for method in GreyMethod::ALL {
                if convert_words(&rgba, &mut fast, method) {
                    map_pixels(&rgba, &mut slow, |r, g, b| pixel(method, r, g, b));
                    assert!(fast == slow, "{method:?}, red {r}");
                }
            }
        }
    }

    #[test]
    fn weights_sum_to_one() {
        assert_eq!(BT601.iter().sum::<u32>(), 1 << LUMA_SHIFT);
        assert_eq!(BT709.iter().sum::<u32>(), 1 << LUMA_SHIFT);
    }

    #[test]
    fn names_round_trip() {
        for method in GreyMethod::ALL {
            assert_eq!(GreyMethod::from_name(method.name()), Ok(method));
        }
        assert_eq!(
            GreyMethod::from_name("sepia").unwrap_err().kind(),
            "invalid-parameter"
        );
    }

    #[test]
    fn into_checks_the_output_length() {
        let frame = Frame::new(1, 1, &[1, 2, 3, 4]).unwrap();
        let mut out = [0; 2];
        assert_eq!(
            greyscale_into(frame, GreyMethod::MaxRgb, &mut out),
            Err(Error::LengthMismatch {
                expected: 1,
                actual: 2
            })
        );
        let mut out = [0; 1];
        greyscale_into(frame, GreyMethod::MaxRgb, &mut out).unwrap();
        assert_eq!(out, [3]);
    }

    /// A deliberately plain reference, written from the formulas with
    /// floating point where that is the definition.
    fn naive(r: u8, g: u8, b: u8, method: GreyMethod) -> u8 {
        let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        match method {
            GreyMethod::MaxRgb => max as u8,
            GreyMethod::LumaBt601 => {
                ((9798.0 * r + 19235.0 * g + 3735.0 * b) / 32768.0 + 0.5).floor() as u8
            }
            GreyMethod::LumaBt709 => {
                ((6966.0 * r + 23436.0 * g + 2366.0 * b) / 32768.0 + 0.5).floor() as u8
            }
            GreyMethod::Average => ((r + g + b) / 3.0).round() as u8,
            GreyMethod::Lightness => ((max + min) / 2.0 + 0.5).floor() as u8,
        }
    }

    fn frame_strategy() -> impl Strategy<Value = (u32, u32, Vec<u8>)> {
        prop_oneof![
            Just((1u32, 1u32)),
            Just((3, 5)),
            Just((17, 3)),
            (1u32..40, 1u32..12),
        ]
        .prop_flat_map(|(w, h)| {
            let len = (w * h * 4) as usize;
            (
                Just(w),
                Just(h),
                proptest::collection::vec(any::<u8>(), len),
            )
        })
    }

    proptest! {
        #[test]
        fn simd_kernels_match_the_formulas((w, h, pixels) in frame_strategy()) {
            // What Wasm runs, checked natively too.
            for method in GreyMethod::ALL {
                let mut fast = vec![0; (w * h) as usize];
                if convert_words(&pixels, &mut fast, method) {
                    let slow: Vec<u8> = pixels
                        .chunks(4)
                        .map(|p| naive(p[0], p[1], p[2], method))
                        .collect();
                    prop_assert_eq!(fast, slow, "method {:?}", method);
                }
            }
        }

        #[test]
        fn owned_conversion_equals_the_borrowed_one((w, h, pixels) in frame_strategy()) {
            for method in GreyMethod::ALL {
                let borrowed = greyscale(Frame::new(w, h, &pixels).unwrap(), method);
                prop_assert_eq!(greyscale_owned(pixels.clone(), w, h, method).unwrap(), borrowed);
            }
        }

        #[test]
        fn matches_the_naive_reference((w, h, pixels) in frame_strategy()) {
            let frame = Frame::new(w, h, &pixels).unwrap();
            for method in GreyMethod::ALL {
                let fast = greyscale(frame, method);
                let slow: Vec<u8> = pixels
                    .chunks(4)
                    .map(|p| naive(p[0], p[1], p[2], method))
                    .collect();
                prop_assert_eq!(fast, slow, "method {:?}", method);
            }
        }
    }
}
