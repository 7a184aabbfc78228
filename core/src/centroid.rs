//! The brightness-weighted centre of mass of a grey plane.

use crate::frame::Plane;
use crate::geometry::Point;

/// `x = Σ v·x / Σ v`, `y = Σ v·y / Σ v` over all pixels at their integer
/// coordinates, or `None` when every value is 0.
///
/// The sums are kept in integers, which is exact; every sum of a frame
/// within the default limits stays below 2^53, so this equals accumulating
/// in f64 as the sketch did, with the quotients in f64.
///
/// ```
/// use ghostlines_core::{Plane, Point, centroid};
/// // Weight 1 at x = 0 and 3 at x = 2: (0·1 + 2·3) / 4 = 1.5
/// let plane = Plane::new(3, 1, &[1, 0, 3])?;
/// assert_eq!(centroid(plane), Some(Point { x: 1.5, y: 0.0 }));
/// assert_eq!(centroid(Plane::new(2, 2, &[0; 4])?), None);
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
// Never inlined: the tracker's sketch and the `centroid` export then run
// one copy of the loop, whose speed in the component does not move with
// the code around a call (Cranelift does not align loops, and inlined
// into `Tracker::push` the same loop ran 40 % slower after unrelated code
// before it changed size).
#[inline(never)]
pub fn centroid(plane: Plane<'_>) -> Option<Point> {
    let width = plane.width() as usize;
    let (mut total, mut sum_x, mut sum_y) = (0u64, 0u64, 0u64);
    for (y, row) in plane.values().chunks_exact(width).enumerate() {
        let (mut row_total, mut row_x) = (0u64, 0u64);
        // Columns in blocks of 256, summed in u32 (at most 255·256 and
        // 255·(0 + 1 + … + 255)): 32-bit lanes vectorise where 64-bit
        // ones do not (Wasm SIMD has four u32 lanes, two u64).
        for (block, values) in row.chunks(BLOCK).enumerate() {
            let (t, x) = block_sums(values);
            row_total += u64::from(t);
            row_x += u64::from(x) + u64::from(t) * (block * BLOCK) as u64;
        }
        total += row_total;
        sum_x += row_x;
        sum_y += row_total * y as u64;
    }
    (total != 0).then(|| Point {
        x: sum_x as f64 / total as f64,
        y: sum_y as f64 / total as f64,
    })
}

/// Columns summed in 32 bits at a time.
const BLOCK: usize = 256;

/// `(Σ v, Σ v·i)` over a block of at most [`BLOCK`] values, `i` counted from
/// 0 (at most 255·256 and 255·(0 + 1 + … + 255): both fit in 32 bits).
fn block_sums(values: &[u8]) -> (u32, u32) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        block_sums_simd128(values)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        block_sums_scalar(values)
    }
}

/// LLVM vectorises this well natively; in Wasm it widened every value to
/// 32 bits and multiplied four at a time.
fn block_sums_scalar(values: &[u8]) -> (u32, u32) {
    values
        .iter()
        .enumerate()
        .fold((0u32, 0u32), |(t, sx), (i, &v)| {
            (t + u32::from(v), sx + u32::from(v) * i as u32)
        })
}

/// 16 values a step: `i32x4.dot_i16x8_s` multiplies eight values by their
/// column and adds neighbouring products (one `pmaddwd` on x86), and the
/// plain sums are pairwise byte additions kept in 16 bits (16 steps add
/// at most 16·510 to a lane).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn block_sums_simd128(values: &[u8]) -> (u32, u32) {
    use std::arch::wasm32::{
        i16x8, i16x8_add, i16x8_splat, i32x4_add, i32x4_dot_i16x8, u16x8_extadd_pairwise_u8x16,
        u16x8_extend_high_u8x16, u16x8_extend_low_u8x16, u32x4_extadd_pairwise_u16x8, v128,
    };
    let (chunks, rest) = values.as_chunks::<16>();
    let (mut low_columns, mut high_columns) = (
        i16x8(0, 1, 2, 3, 4, 5, 6, 7),
        i16x8(8, 9, 10, 11, 12, 13, 14, 15),
    );
    let sixteen = i16x8_splat(16);
    let (mut totals, mut weighted) = (i16x8_splat(0), i16x8_splat(0));
    for chunk in chunks {
        let v: v128 = bytemuck::cast(*chunk);
        let (low, high) = (u16x8_extend_low_u8x16(v), u16x8_extend_high_u8x16(v));
        let products = i32x4_add(
            i32x4_dot_i16x8(low, low_columns),
            i32x4_dot_i16x8(high, high_columns),
        );
        weighted = i32x4_add(weighted, products);
        totals = i16x8_add(totals, u16x8_extadd_pairwise_u8x16(v));
        low_columns = i16x8_add(low_columns, sixteen);
        high_columns = i16x8_add(high_columns, sixteen);
    }
    let totals = u32x4_extadd_pairwise_u16x8(totals);
    let sum = |x: v128| bytemuck::cast::<v128, [u32; 4]>(x).into_iter().sum::<u32>();
    let done = chunks.len() * 16;
    let (t, x) = block_sums_scalar(rest);
    (sum(totals) + t, sum(weighted) + x + t * done as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_single_bright_pixel_is_its_own_centroid() {
        let mut values = [0u8; 15];
        values[2 * 3 + 1] = 200; // (1, 2) in a 3x5 plane
        let plane = Plane::new(3, 5, &values).unwrap();
        assert_eq!(centroid(plane), Some(Point { x: 1.0, y: 2.0 }));
    }

    #[test]
    fn a_uniform_square_has_its_centre() {
        let mut values = vec![0u8; 40 * 30];
        for y in 10..20 {
            for x in 5..15 {
                values[y * 40 + x] = 77;
            }
        }
        let plane = Plane::new(40, 30, &values).unwrap();
        assert_eq!(centroid(plane), Some(Point { x: 9.5, y: 14.5 }));
    }

    #[test]
    fn all_black_has_none() {
        assert_eq!(centroid(Plane::new(1, 1, &[0]).unwrap()), None);
    }

    proptest! {
        #[test]
        fn matches_f64_accumulation(w in prop_oneof![1u32..30, 250u32..1100], h in 1u32..12, seed in any::<u64>()) {
            let mut rng = crate::SplitMix64::new(seed);
            // Bright planes too: the 32-bit block sums must not overflow.
            let bright = seed % 2 == 0;
            let values: Vec<u8> = (0..w * h)
                .map(|_| if bright { 255 - (rng.next_u64() >> 62) as u8 } else { (rng.next_u64() >> 56) as u8 })
                .collect();
            let plane = Plane::new(w, h, &values).unwrap();
            // The sketch's way: one f64 accumulator per sum.
            let (mut t, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
            for y in 0..h {
                for x in 0..w {
                    let v = f64::from(values[(y * w + x) as usize]);
                    t += v;
                    sx += v * f64::from(x);
                    sy += v * f64::from(y);
                }
            }
            let expected = (t != 0.0).then(|| Point { x: sx / t, y: sy / t });
            prop_assert_eq!(centroid(plane), expected);
        }
    }
}
