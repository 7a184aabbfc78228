//! Compositing a frame: the background (dimmed), the trails faded towards
//! it, and the frame's coverage in its colours over them, once.
//!
//! Trails are the previous picture faded: each frame the canvas becomes
//! `persistence · canvas + (1 − persistence) · background`, then the new
//! strokes are composited on it. Over black a stroke k frames old shows at
//! `persistence^k` (within two levels: the canvas is the picture itself, a
//! byte a channel, rounded each frame); over the frame, the frames before
//! show through too, a motion trail of the whole picture.
//!
//! Work goes a row at a time, so that the background, the canvas and the
//! picture of a row meet in the cache, in loops of plain integer arithmetic
//! that vectorise; only the pixels a shaded stroke covered are blended one
//! by one.

use wide::{bytemuck, i16x8, u8x16, u16x8};

use super::colouring::{Palette, SOLID};
use super::coverage::Coverage;

/// What the strokes are composited over, before dimming.
#[derive(Clone, Copy)]
pub(super) enum Source<'a> {
    Black,
    /// RGBA8, the frame's size.
    Frame(&'a [u8]),
    /// A grey byte a pixel, the frame's size.
    Filtered(&'a [u8]),
}

/// How one frame is composited.
pub(super) struct Composite<'a> {
    pub width: usize,
    pub height: usize,
    pub source: Source<'a>,
    /// The background's brightness factor in 256ths.
    pub dim: u32,
    /// The strokes' alpha, 0..=255.
    pub alpha: u8,
    pub coverage: &'a Coverage,
    pub palette: &'a Palette,
}

impl Composite<'_> {
    /// The picture into `out` (RGBA8, opaque), without trails.
    pub(super) fn over(&self, out: &mut Vec<u8>) {
        out.clear();
        out.resize(self.width * self.height * 4, 0);
        for y in 0..self.height {
            let row = &mut out[y * self.width * 4..(y + 1) * self.width * 4];
            self.background_row(y, row);
            self.strokes_row(y, row);
        }
    }

    /// The picture into `out` (RGBA8, opaque), and into `canvas`, the
    /// picture before (empty on the first frame), faded by `persistence`
    /// towards the background first.
    pub(super) fn with_trails(&self, out: &mut Vec<u8>, canvas: &mut Vec<u8>, persistence: f64) {
        let len = self.width * self.height * 4;
        out.clear();
        out.resize(len, 0);
        let first = canvas.len() != len;
        if first {
            canvas.clear();
            canvas.resize(len, 0);
        }
        // 65536ths kept; all of it (1: never fades) is the canvas as it is.
        let keep = (persistence * 65536.0).round() as u32;
        for y in 0..self.height {
            let span = y * self.width * 4..(y + 1) * self.width * 4;
            let (picture, before) = (&mut out[span.clone()], &mut canvas[span]);
            // The first frame: the background itself.
            self.background_row(y, picture);
            if !first {
                fade(picture, before, keep);
            }
            self.strokes_row(y, picture);
            // The next frame fades this one: the row is in the cache now.
            before.copy_from_slice(picture);
        }
    }

    /// Row `y` of the background, dimmed, opaque, into `row`. Byte by byte,
    /// then the alpha lanes set: loops that vectorise.
    fn background_row(&self, y: usize, row: &mut [u8]) {
        let dim = self.dim;
        let span = y * self.width..(y + 1) * self.width;
        match self.source {
            Source::Black => row.fill(0),
            Source::Frame(pixels) if dim == 256 => {
                row.copy_from_slice(&pixels[span.start * 4..span.end * 4]);
            }
            Source::Frame(pixels) => {
                let from = &pixels[span.start * 4..span.end * 4];
                for (p, &v) in row.iter_mut().zip(from) {
                    *p = dimmed(v, dim);
                }
            }
            Source::Filtered(values) => {
                // A pixel a 32-bit word, its alpha set with it: grey in
                // three lanes by one multiply (a loop that vectorises as
                // widenings and one multiply, where lane stores did not).
                for (px, &v) in row.as_chunks_mut::<4>().0.iter_mut().zip(&values[span]) {
                    let v = u32::from(dimmed(v, dim));
                    *px = ((v * 0x01_01_01) | 0xFF_00_00_00).to_le_bytes();
                }
                return;
            }
        }
        for px in row.as_chunks_mut::<4>().0 {
            px[3] = 255;
        }
    }

    /// Row `y`'s coverage composited onto `row` in the strokes' colours.
    fn strokes_row(&self, y: usize, row: &mut [u8]) {
        if !self
            .coverage
            .rows()
            .is_some_and(|(first, last)| (first..=last).contains(&y))
        {
            return;
        }
        let span = y * self.width..(y + 1) * self.width;
        let mask = &self.coverage.mask()[span.clone()];
        let alpha = u16::from(self.alpha);
        match self.coverage.shades().get(span) {
            // One colour: four pixels at a time in 16-bit lanes, skipping
            // fours no stroke covered.
            None => blend_solid(row, mask, self.palette.colour(SOLID), alpha),
            // A colour a pixel: only the covered ones.
            Some(shades) => {
                let pixels = row.as_chunks_mut::<4>().0;
                for ((px, &m), &shade) in pixels.iter_mut().zip(mask).zip(shades) {
                    if m != 0 {
                        let colour = self.palette.colour(shade).map(u16::from);
                        blend(px, colour, div255(u16::from(m) * alpha));
                    }
                }
            }
        }
    }
}

/// A row of RGBA pixels towards `colour` by their coverage in `mask` (a
/// byte a pixel) times `alpha`, rounded: four pixels a 128-bit vector, the
/// blend `div255(p · (255 − a) + c · a)` in two halves of 16-bit lanes
/// (the alpha lane blends 255 with 255: it stays opaque).
fn blend_solid(row: &mut [u8], mask: &[u8], colour: [u8; 3], alpha: u16) {
    let [r, g, b] = colour.map(u16::from);
    let colour = u16x8::from([r, g, b, 255, r, g, b, 255]);
    let (full, one) = (u16x8::splat(255), u16x8::splat(128));
    let divide = |x: u16x8| {
        let x = x + one;
        (x + (x >> 8u32)) >> 8u32
    };
    // A pixel's weight in all four of its lanes.
    let spread = |a: u16, b: u16| {
        let lanes = |w: u16| u64::from(w) * 0x0001_0001_0001_0001;
        bytemuck::cast::<[u64; 2], u16x8>([lanes(a), lanes(b)])
    };
    let (fours, rest) = row.as_chunks_mut::<16>();
    let (masks, rest_mask) = mask.as_chunks::<4>();
    for (px, m) in fours.iter_mut().zip(masks) {
        if u32::from_ne_bytes(*m) == 0 {
            continue;
        }
        let a = m.map(|m| div255(u16::from(m) * alpha));
        let pixels = bytemuck::cast::<[u8; 16], u8x16>(*px);
        let blended = [
            (u16x8::from_u8x16_low(pixels), spread(a[0], a[1])),
            (u16x8::from_u8x16_high(pixels), spread(a[2], a[3])),
        ]
        .map(|(p, a)| bytemuck::cast::<u16x8, i16x8>(divide(p * (full - a) + colour * a)));
        *px = u8x16::narrow_i16x8(blended[0], blended[1]).to_array();
    }
    let colour = [r, g, b];
    let pixels = rest.as_chunks_mut::<4>().0;
    for (px, &m) in pixels.iter_mut().zip(rest_mask) {
        blend(px, colour, div255(u16::from(m) * alpha));
    }
}

/// `px`'s colour towards `colour` by `a` 255ths, rounded.
#[inline(always)]
fn blend(px: &mut [u8; 4], colour: [u16; 3], a: u16) {
    for (p, c) in px[..3].iter_mut().zip(colour) {
        *p = div255(u16::from(*p) * (255 - a) + c * a) as u8;
    }
}

/// `x / 255`, rounded, for `x` up to 255², in 16 bits: `(x + 128 + ((x +
/// 128) >> 8)) >> 8` is exact there (255 is odd: no value falls on a half;
/// checked for every value in the tests).
#[inline(always)]
fn div255(x: u16) -> u16 {
    let x = x + 128;
    (x + (x >> 8)) >> 8
}

/// `v` times the dim factor in 256ths, rounded (exact at 256, i.e. 1). In
/// 16 bits (255 · 256 + 128 fits), so that the loops over it use the
/// narrowest vector lanes.
#[inline(always)]
fn dimmed(v: u8, dim: u32) -> u8 {
    ((u16::from(v) * dim as u16 + 128) >> 8) as u8
}

/// `picture` (holding the background) becomes `before` faded towards it,
/// keeping `keep` 65536ths: `p · before + (1 − p) · background`, lane by
/// lane, rounded, in 32-bit lanes (Wasm SIMD multiplies four a
/// 128-bit operation).
fn fade(picture: &mut [u8], before: &[u8], keep: u32) {
    if keep >= 65536 {
        picture.copy_from_slice(before);
        return;
    }
    let take = 65536 - keep;
    for (p, &b) in picture.iter_mut().zip(before) {
        *p = ((u32::from(b) * keep + u32::from(*p) * take + 32768) >> 16) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_division_by_255_is_exact_up_to_255_squared() {
        for x in 0..=255u32 * 255 {
            assert_eq!(u32::from(div255(x as u16)), (x + 127) / 255, "{x}");
        }
    }

    /// The vector blend is the scalar one, pixel for pixel, row lengths
    /// that are and are not multiples of four.
    #[test]
    fn the_vector_blend_is_the_pixel_blend() {
        let mut rng = crate::SplitMix64::new(4);
        for width in [1usize, 4, 7, 33] {
            // Opaque, as every picture the painter composites on is.
            let row: Vec<u8> = (0..width * 4)
                .map(|i| {
                    if i % 4 == 3 {
                        255
                    } else {
                        rng.next_u64() as u8
                    }
                })
                .collect();
            let mask: Vec<u8> = (0..width)
                .map(|k| if k % 3 == 0 { 0 } else { rng.next_u64() as u8 })
                .collect();
            for alpha in [255, 128, 1] {
                let mut vector = row.clone();
                blend_solid(&mut vector, &mask, [250, 7, 99], alpha);
                let mut scalar = row.clone();
                for (px, &m) in scalar.as_chunks_mut::<4>().0.iter_mut().zip(&mask) {
                    blend(px, [250, 7, 99], div255(u16::from(m) * alpha));
                }
                assert_eq!(vector, scalar, "width {width}, alpha {alpha}");
            }
        }
    }

    #[test]
    fn fading_is_the_weighted_mean_in_every_lane() {
        let before: Vec<u8> = (0..37).map(|i| (i * 7) as u8).collect();
        for keep in [1, 6554, 32768, 58982, 65535, 65536] {
            let mut picture: Vec<u8> = (0..37).map(|i| 255 - (i * 3) as u8).collect();
            let background = picture.clone();
            fade(&mut picture, &before, keep);
            let p = f64::from(keep) / 65536.0;
            for ((&got, &b), &g) in picture.iter().zip(&before).zip(&background) {
                let want = p * f64::from(b) + (1.0 - p) * f64::from(g);
                assert!(
                    (f64::from(got) - want).abs() <= 1.0,
                    "{keep}: {got} vs {want}"
                );
            }
        }
    }
}
