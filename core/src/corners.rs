//! Shi–Tomasi corners ("good features to track"): the smaller eigenvalue
//! of the structure tensor, non-maximum suppression, a minimum distance and
//! a cap on the count.

use crate::bytescan::flagged;
use crate::error::{Error, Result};
use crate::frame::Plane;
use crate::gradients::{GradientOperator, gradient_row};
use crate::pyramid::GreyF32;

/// How corners are picked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CornerSettings {
    /// At most this many corners, the strongest first.
    pub max_corners: u32,
    /// Corners weaker than `quality` times the strongest are dropped; 0..=1.
    pub quality: f64,
    /// No two corners closer than this, in pixels.
    pub min_distance: f64,
}

impl Default for CornerSettings {
    /// 1000 corners, quality 0.01, 8 pixels apart.
    fn default() -> Self {
        CornerSettings {
            max_corners: 1000,
            quality: 0.01,
            min_distance: 8.0,
        }
    }
}

impl CornerSettings {
    /// Checks the ranges.
    pub fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.quality) {
            return Err(Error::InvalidParameter(format!(
                "corner quality must be in 0..=1, got {}",
                self.quality
            )));
        }
        if !(0.0..=1e4).contains(&self.min_distance) {
            return Err(Error::InvalidParameter(format!(
                "corner min-distance must be in 0..=10000, got {}",
                self.min_distance
            )));
        }
        if self.max_corners > MAX_CORNERS {
            return Err(Error::InvalidParameter(format!(
                "max-corners must be at most {MAX_CORNERS}, got {}",
                self.max_corners
            )));
        }
        Ok(())
    }
}

/// The most corners one call may ask for.
pub const MAX_CORNERS: u32 = 1 << 16;

/// A corner and its score (the smaller eigenvalue of the structure tensor,
/// in squared grey levels a pixel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Corner {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// Shi–Tomasi score.
    pub score: f32,
}

/// Half the side of the window the structure tensor is summed over (3x3).
const TENSOR_RADIUS: usize = 1;

/// Shi–Tomasi corners of `plane`, strongest first.
pub fn corners(plane: Plane<'_>, settings: &CornerSettings) -> Result<Vec<Corner>> {
    settings.check()?;
    let image = GreyF32::from_plane(plane);
    Ok(corners_of_image(&image, GradientOperator::Sobel, settings))
}

/// Corners of `image` with gradients from `operator` (a flow pyramid uses
/// Scharr, as its tracker does).
pub(crate) fn corners_of_image(
    image: &GreyF32,
    operator: GradientOperator,
    settings: &CornerSettings,
) -> Vec<Corner> {
    let (w, h) = (image.width, image.height);
    let margin = TENSOR_RADIUS + 1;
    if w <= 2 * margin || h <= 2 * margin || settings.max_corners == 0 {
        return Vec::new();
    }
    let score = min_eigenvalues(image, operator);

    // The strongest score, in eight lanes (a maximum is exact in any
    // order, and lanes vectorise where one running maximum does not).
    let mut lanes = [0.0f32; 8];
    let chunks = score.chunks_exact(8);
    let tail = chunks.remainder().iter().copied().fold(0.0f32, larger);
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = larger(*lane, v);
        }
    }
    let best = lanes.into_iter().fold(tail, larger);
    if best <= 0.0 {
        return Vec::new();
    }
    let floor = (settings.quality as f32 * best).max(f32::MIN_POSITIVE);
    // Non-maximum suppression as a comparison with the 3x3 maximum: the
    // maximum down each column of three rows (a branch-free pass that
    // vectorises), then across three columns for the pixels over the floor.
    let mut candidates = Vec::new();
    let mut column_max = vec![0.0f32; w];
    let inner = w - 2 * margin;
    let mut keep = vec![0u8; inner.next_multiple_of(8)];
    for y in margin..h - margin {
        let row = |y: usize| &score[y * w..(y + 1) * w];
        let (up, mid, down) = (row(y - 1), row(y), row(y + 1));
        for (((m, &a), &b), &c) in column_max.iter_mut().zip(up).zip(mid).zip(down) {
            *m = larger(larger(a, b), c);
        }
        // Which pixels are candidates, branch-free over equal-length
        // slices (it vectorises); equal neighbours both survive here, and
        // the minimum distance keeps one of them.
        let scores = &mid[margin..][..inner];
        let (left, centre, right) = (
            &column_max[margin - 1..][..inner],
            &column_max[margin..][..inner],
            &column_max[margin + 1..][..inner],
        );
        for ((((k, &s), &l), &c), &r) in
            keep.iter_mut().zip(scores).zip(left).zip(centre).zip(right)
        {
            let around = larger(larger(l, c), r);
            *k = u8::from(s >= floor) & u8::from(s >= around);
        }
        // Then only the candidates are looked at (the padding is never
        // flagged).
        candidates.extend(flagged(&keep).map(|x| Corner {
            x: (x + margin) as u32,
            y: y as u32,
            score: scores[x],
        }));
    }
    // Strongest first; position breaks ties so the order is deterministic.
    let order = |a: &Corner, b: &Corner| {
        b.score
            .total_cmp(&a.score)
            .then((a.y, a.x).cmp(&(b.y, b.x)))
    };
    // Most candidates are never looked at: order the strongest few first,
    // and the rest only if the distance rule leaves room.
    let wanted = (settings.max_corners as usize).saturating_mul(8).max(64);
    if candidates.len() > wanted {
        candidates.select_nth_unstable_by(wanted, order);
        let (head, tail) = candidates.split_at_mut(wanted);
        head.sort_unstable_by(order);
        let kept = enforce_min_distance(head.to_vec(), settings, w, h);
        if kept.len() == settings.max_corners as usize {
            return kept;
        }
        tail.sort_unstable_by(order);
    } else {
        candidates.sort_unstable_by(order);
    }
    enforce_min_distance(candidates, settings, w, h)
}

/// The smaller eigenvalue of the 3x3-summed structure tensor at each pixel
/// (border replicated), in one streaming pass: gradients and horizontal
/// sums of the three products for three rows at a time, so nothing
/// frame-sized is allocated but the result.
fn min_eigenvalues(image: &GreyF32, operator: GradientOperator) -> Vec<f32> {
    const _: () = assert!(TENSOR_RADIUS == 1);
    let (w, h) = (image.width, image.height);
    let mut score = vec![0.0f32; w * h];
    let mut rows: [Vec<f32>; 3] = std::array::from_fn(|_| vec![0.0f32; 3 * w]);
    let (mut gx, mut gy) = (vec![0.0f32; w], vec![0.0f32; w]);
    let mut row_sums = |y: usize, out: &mut [f32]| {
        gradient_row(image, y, operator, &mut gx, &mut gy);
        let (sxx, rest) = out.split_at_mut(w);
        let (sxy, syy) = rest.split_at_mut(w);
        // The ends: 2·p0 + p1 and p[w−2] + 2·p[w−1], or 3·p0 alone.
        let products = |x: usize| [gx[x] * gx[x], gx[x] * gy[x], gy[x] * gy[x]];
        let ends = if w == 1 {
            [products(0).map(|p| 3.0 * p); 2]
        } else {
            let (first, second) = (products(0), products(1));
            let (before, last) = (products(w - 2), products(w - 1));
            [
                std::array::from_fn(|k| 2.0 * first[k] + second[k]),
                std::array::from_fn(|k| before[k] + 2.0 * last[k]),
            ]
        };
        [sxx[0], sxy[0], syy[0]] = ends[0];
        [sxx[w - 1], sxy[w - 1], syy[w - 1]] = ends[1];
        if w < 3 {
            return;
        }
        // Inside, each pixel's three products with its left and right
        // neighbours', computed where they are summed: one pass, rather
        // than the products stored and read back three times. A product
        // is the same float however often it is computed.
        let inner = w - 2;
        let (ax, ay) = (
            (&gx[..inner], &gx[1..][..inner], &gx[2..]),
            (&gy[..inner], &gy[1..][..inner], &gy[2..]),
        );
        let outs = sxx[1..][..inner]
            .iter_mut()
            .zip(&mut sxy[1..][..inner])
            .zip(&mut syy[1..][..inner]);
        for (x, ((xx, xy), yy)) in outs.enumerate() {
            let (a0, a1, a2) = (ax.0[x], ax.1[x], ax.2[x]);
            let (b0, b1, b2) = (ay.0[x], ay.1[x], ay.2[x]);
            *xx = a0 * a0 + a1 * a1 + a2 * a2;
            *xy = a0 * b0 + a1 * b1 + a2 * b2;
            *yy = b0 * b0 + b1 * b1 + b2 * b2;
        }
    };
    row_sums(0, &mut rows[0]);
    row_sums(0, &mut rows[1]);
    for y in 0..h {
        // rows: [y-1, y, y+1] (clamped at the borders).
        let below = (y + 1).min(h - 1);
        row_sums(below, &mut rows[2]);
        let out = &mut score[y * w..(y + 1) * w];
        let [up, mid, down] = &rows;
        // Each product's row as its own slice of exactly w: no bounds
        // checks in the loop, so it vectorises (indexing `up[w + x]` kept
        // it scalar).
        let products = |k: usize| (&up[k * w..][..w], &mid[k * w..][..w], &down[k * w..][..w]);
        let (xx, xy, yy) = (products(0), products(1), products(2));
        for (x, out) in out.iter_mut().enumerate() {
            let a = xx.0[x] + xx.1[x] + xx.2[x];
            let b = xy.0[x] + xy.1[x] + xy.2[x];
            let c = yy.0[x] + yy.1[x] + yy.2[x];
            let half_trace = (a + c) * 0.5;
            let d = (((a - c) * 0.5).powi(2) + b * b).sqrt();
            *out = larger(half_trace - d, 0.0);
        }
        rows.rotate_left(1);
    }
    score
}

/// The larger of two scores (never NaN here). Unlike `f32::max` it needs
/// no NaN handling, so it is one `maxps` natively and one `f32x4.pmax` in
/// Wasm, where `f32::max` is a libm call on baseline x86-64 and a
/// multi-instruction sequence in Cranelift.
#[inline]
fn larger(a: f32, b: f32) -> f32 {
    if a < b { b } else { a }
}

/// Greedy: keeps a corner unless a kept one lies within `min_distance`;
/// a grid of cells that size makes each check look at 3x3 cells.
fn enforce_min_distance(
    candidates: Vec<Corner>,
    settings: &CornerSettings,
    w: usize,
    h: usize,
) -> Vec<Corner> {
    let max = settings.max_corners as usize;
    let distance = settings.min_distance as f32;
    if distance < 1.0 {
        return candidates.into_iter().take(max).collect();
    }
    let cell = distance;
    let (cols, rows) = (
        (w as f32 / cell).ceil() as usize,
        (h as f32 / cell).ceil() as usize,
    );
    let mut grid: Vec<Vec<(f32, f32)>> = vec![Vec::new(); cols * rows];
    let mut kept = Vec::new();
    for corner in candidates {
        let (x, y) = (corner.x as f32, corner.y as f32);
        let (cx, cy) = ((x / cell) as usize, (y / cell) as usize);
        let crowded = (cy.saturating_sub(1)..=(cy + 1).min(rows - 1)).any(|gy| {
            (cx.saturating_sub(1)..=(cx + 1).min(cols - 1)).any(|gx| {
                grid[gy * cols + gx]
                    .iter()
                    .any(|&(px, py)| (px - x).powi(2) + (py - y).powi(2) < distance * distance)
            })
        });
        if !crowded {
            grid[cy * cols + cx].push((x, y));
            kept.push(corner);
            if kept.len() == max {
                break;
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scores pixel by pixel, as the tensor is defined: the products at
    /// the clamped neighbours, summed across (the ends 2·p0 + p1 and
    /// p[w−2] + 2·p[w−1], one pixel 3·p0), then down, in that order.
    fn min_eigenvalues_per_pixel(image: &GreyF32, operator: GradientOperator) -> Vec<f32> {
        let (w, h) = (image.width, image.height);
        let products = |y: usize| {
            let (mut gx, mut gy) = (vec![0.0f32; w], vec![0.0f32; w]);
            gradient_row(image, y, operator, &mut gx, &mut gy);
            let p = |x: usize| [gx[x] * gx[x], gx[x] * gy[x], gy[x] * gy[x]];
            (0..w)
                .map(|x| {
                    let across = |k: usize| match (x, w) {
                        (_, 1) => 3.0 * p(0)[k],
                        (0, _) => 2.0 * p(0)[k] + p(1)[k],
                        _ if x == w - 1 => p(w - 2)[k] + 2.0 * p(w - 1)[k],
                        _ => p(x - 1)[k] + p(x)[k] + p(x + 1)[k],
                    };
                    [across(0), across(1), across(2)]
                })
                .collect::<Vec<_>>()
        };
        let rows: Vec<_> = (0..h).map(products).collect();
        let mut score = Vec::with_capacity(w * h);
        for y in 0..h {
            let (up, mid, down) = (
                &rows[y.saturating_sub(1)],
                &rows[y],
                &rows[(y + 1).min(h - 1)],
            );
            for x in 0..w {
                let sum = |k: usize| up[x][k] + mid[x][k] + down[x][k];
                let (a, b, c) = (sum(0), sum(1), sum(2));
                let d = (((a - c) * 0.5).powi(2) + b * b).sqrt();
                score.push(larger((a + c) * 0.5 - d, 0.0));
            }
        }
        score
    }

    #[test]
    fn scores_match_the_per_pixel_definition() {
        let mut rng = crate::SplitMix64::new(7);
        // Widths of one and two pixels (the special cases) and wider.
        for (w, h) in [
            (1, 1),
            (1, 4),
            (2, 3),
            (3, 1),
            (4, 2),
            (5, 5),
            (16, 3),
            (17, 4),
            (37, 6),
        ] {
            // Full-precision values, so that sums in another order round
            // differently (whole grey levels often sum exactly).
            let data = (0..w * h)
                .map(|_| (rng.next_u64() >> 40) as f32 / 65536.0)
                .collect();
            let image = GreyF32 {
                width: w,
                height: h,
                data,
            };
            for operator in [GradientOperator::Sobel, GradientOperator::Scharr] {
                let expected = min_eigenvalues_per_pixel(&image, operator);
                let score = min_eigenvalues(&image, operator);
                let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&score), bits(&expected), "{w}x{h} {operator:?}");
            }
        }
    }

    /// A black image with white squares whose corners are known.
    fn squares() -> (Vec<u8>, u32, u32) {
        let (w, h) = (64u32, 48u32);
        let mut v = vec![0u8; (w * h) as usize];
        for (x0, y0) in [(10, 10), (40, 20)] {
            for y in y0..y0 + 12 {
                for x in x0..x0 + 12 {
                    v[(y * w + x) as usize] = 255;
                }
            }
        }
        (v, w, h)
    }

    #[test]
    fn finds_the_corners_of_squares() {
        let (v, w, h) = squares();
        let found = corners(Plane::new(w, h, &v).unwrap(), &CornerSettings::default()).unwrap();
        assert_eq!(found.len(), 8, "{found:?}");
        for (cx, cy) in [
            (10, 10),
            (21, 10),
            (10, 21),
            (21, 21),
            (40, 20),
            (51, 20),
            (40, 31),
            (51, 31),
        ] {
            assert!(
                found
                    .iter()
                    .any(|c| (c.x as i32 - cx).abs() <= 1 && (c.y as i32 - cy).abs() <= 1),
                "no corner near ({cx}, {cy}): {found:?}"
            );
        }
    }

    #[test]
    fn cap_and_distance_are_respected() {
        let (v, w, h) = squares();
        let plane = Plane::new(w, h, &v).unwrap();
        let capped = corners(
            plane,
            &CornerSettings {
                max_corners: 3,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(capped.len(), 3);
        let far = corners(
            plane,
            &CornerSettings {
                min_distance: 20.0,
                ..Default::default()
            },
        )
        .unwrap();
        for (i, a) in far.iter().enumerate() {
            for b in &far[i + 1..] {
                let d =
                    ((a.x as f32 - b.x as f32).powi(2) + (a.y as f32 - b.y as f32).powi(2)).sqrt();
                assert!(d >= 20.0, "{a:?} {b:?}");
            }
        }
        assert!(far.len() < 8);
    }

    #[test]
    fn flat_images_have_no_corners_and_settings_are_checked() {
        let flat = Plane::new(20, 20, &[9; 400]).unwrap();
        assert!(
            corners(flat, &CornerSettings::default())
                .unwrap()
                .is_empty()
        );
        let bad = CornerSettings {
            quality: 2.0,
            ..Default::default()
        };
        assert_eq!(corners(flat, &bad).unwrap_err().kind(), "invalid-parameter");
        let bad = CornerSettings {
            max_corners: u32::MAX,
            ..Default::default()
        };
        assert_eq!(corners(flat, &bad).unwrap_err().kind(), "invalid-parameter");
        let bad = CornerSettings {
            min_distance: f64::NAN,
            ..Default::default()
        };
        assert_eq!(corners(flat, &bad).unwrap_err().kind(), "invalid-parameter");
    }
}
