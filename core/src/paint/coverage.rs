//! The coverage rasteriser: every stroke of a frame into one mask of a
//! byte a pixel, as a canvas `stroke()` of one path fills the union of its
//! lines, before anything is composited.
//!
//! A stroke is a capsule: every pixel within half the stroke width of the
//! segment, round caps included. A pixel's coverage is
//! `clamp(width/2 + 1/2 − d, 0, 1)` with `d` its centre's distance to the
//! segment (pixel centres at integer coordinates), the usual box-filter
//! approximation of its area: a 1-pixel horizontal stroke on a pixel row
//! covers exactly that row, one half a pixel off covers two rows by half,
//! and any width, sub-pixel ones too, is one kernel. Strokes meet as a
//! union: a pixel keeps the largest coverage any stroke gives it, so two
//! overlapping strokes of one colour are one stroke where they overlap.
//!
//! The mask is a byte a pixel (a quarter of the RGBA canvas, so that
//! strokes scattered over a frame mostly hit the cache), cleared row range
//! by row range after each frame.

use wide::f32x4;

/// One frame's coverage, and (for colourings by vector) which shade won
/// each pixel.
#[derive(Debug, Clone, Default)]
pub(super) struct Coverage {
    width: usize,
    height: usize,
    /// Coverage in 255ths, a byte a pixel; zero outside `rows`.
    mask: Vec<u8>,
    /// The shade of the stroke that gave each pixel its coverage, where
    /// strokes have shades of their own; empty otherwise.
    shades: Vec<u8>,
    /// The rows any stroke reached since the last clear: `(first, last)`.
    rows: Option<(usize, usize)>,
}

impl Coverage {
    /// Ready for a frame of `width × height`, with a shade a pixel when
    /// `shaded`. Empty of strokes.
    pub(super) fn prepare(&mut self, width: usize, height: usize, shaded: bool) {
        if (self.width, self.height) != (width, height) {
            self.width = width;
            self.height = height;
            self.mask.clear();
            self.shades.clear();
            self.rows = None;
        }
        self.mask.resize(width * height, 0);
        if shaded {
            self.shades.resize(width * height, 0);
        } else {
            self.shades = Vec::new();
        }
    }

    /// The mask, a byte a pixel.
    pub(super) fn mask(&self) -> &[u8] {
        &self.mask
    }

    /// Each pixel's shade (empty unless prepared `shaded`).
    pub(super) fn shades(&self) -> &[u8] {
        &self.shades
    }

    /// The rows any stroke reached, if any: `first..=last`.
    pub(super) fn rows(&self) -> Option<(usize, usize)> {
        self.rows
    }

    /// Zeroes what the strokes set, for the next frame.
    pub(super) fn clear(&mut self) {
        if let Some((first, last)) = self.rows.take() {
            self.mask[first * self.width..(last + 1) * self.width].fill(0);
        }
    }

    /// One capsule from `a` to `b` of half-width `radius`, each pixel's
    /// coverage from its distance to the segment, kept where it is larger
    /// than the pixel's (with `shade`, when shaded). Row by row, over only
    /// the pixels of each row within reach of the segment's line, so a
    /// thin stroke costs a few pixels a row and the inner loop runs along
    /// memory.
    pub(super) fn stroke(&mut self, a: (f32, f32), b: (f32, f32), radius: f32, shade: u8) {
        if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
            return;
        }
        // Pixels whose centre lies within `reach` of the segment get
        // coverage.
        let reach = radius + 0.5;
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let Some((top, bottom)) =
            pixel_span(a.1.min(b.1) - reach, a.1.max(b.1) + reach, self.height)
        else {
            return;
        };
        let (left, right) = (a.0.min(b.0) - reach, a.0.max(b.0) + reach);
        let capsule = Capsule::new(a, (dx, dy), reach);
        // Along a row, the pixels within reach of the segment's whole line
        // (a superset of those within reach of the segment): `half` either
        // side of where the line crosses the row, which moves `run` a row.
        let (half, run) = if dy != 0.0 {
            (reach * capsule.length / dy.abs(), dx / dy)
        } else {
            (f32::INFINITY, 0.0)
        };
        let mut crossing = a.0 + (top as f32 - a.1) * run;
        let shaded = !self.shades.is_empty();
        for y in top..=bottom {
            let (from, to) = ((crossing - half).max(left), (crossing + half).min(right));
            crossing += run;
            let Some((first, last)) = pixel_span(from, to, self.width) else {
                continue;
            };
            let row = y * self.width;
            let span = row + first..row + last + 1;
            if shaded {
                let (mask, shades) = (&mut self.mask[span.clone()], &mut self.shades[span]);
                capsule.shade_row(y as f32, first, mask, shades, shade);
            } else {
                capsule.cover_row(y as f32, first, &mut self.mask[span]);
            }
        }
        self.reach_rows(top, bottom);
    }

    fn reach_rows(&mut self, first: usize, last: usize) {
        self.rows = Some(match self.rows {
            Some((f, l)) => (f.min(first), l.max(last)),
            None => (first, last),
        });
    }
}

/// A stroke's segment, as its rows are covered, in four lanes.
struct Capsule {
    /// Where it starts.
    ax: f32x4,
    ay: f32,
    /// Its unit direction.
    ux: f32x4,
    uy: f32x4,
    length: f32,
    lengths: f32x4,
    /// Half its width and half a pixel: a pixel centre this far from the
    /// segment is not covered.
    reach: f32x4,
}

impl Capsule {
    fn new(a: (f32, f32), (dx, dy): (f32, f32), reach: f32) -> Capsule {
        let length = (dx * dx + dy * dy).sqrt();
        // The unit direction; a point is a disk (any direction will do).
        let (ux, uy) = if length > 0.0 {
            (dx / length, dy / length)
        } else {
            (1.0, 0.0)
        };
        Capsule {
            // The four lanes are four pixels of a row.
            ax: f32x4::splat(a.0) - f32x4::from([0.0, 1.0, 2.0, 3.0]),
            ay: a.1,
            ux: f32x4::splat(ux),
            uy: f32x4::splat(uy),
            length,
            lengths: f32x4::splat(length),
            reach: f32x4::splat(reach),
        }
    }

    /// The coverage of four pixels of row `y` from column `x`, in 255ths:
    /// from the distance to the segment (`|perpendicular|` beside it, the
    /// distance to an end past it), as one branchless formula.
    #[inline(always)]
    fn levels(&self, x: usize, y: f32) -> [i32; 4] {
        let qx = f32x4::splat(x as f32) - self.ax;
        let qy = f32x4::splat(y - self.ay);
        let along = qx * self.ux + qy * self.uy;
        let across = qx * self.uy - qy * self.ux;
        let past = along - along.fast_max(f32x4::ZERO).fast_min(self.lengths);
        let distance = (across * across + past * past).sqrt();
        let coverage = (self.reach - distance)
            .fast_max(f32x4::ZERO)
            .fast_min(f32x4::ONE);
        // + 0.5 and truncate: round half up.
        (coverage * f32x4::splat(255.0) + f32x4::splat(0.5))
            .fast_trunc_int()
            .to_array()
    }

    /// Row `y` from column `first` on: each pixel keeps the larger
    /// coverage.
    fn cover_row(&self, y: f32, first: usize, mask: &mut [u8]) {
        for (k, group) in mask.chunks_mut(4).enumerate() {
            let levels = self.levels(first + 4 * k, y);
            for (m, &level) in group.iter_mut().zip(&levels) {
                *m = (*m).max(level as u8);
            }
        }
    }

    /// The same, and where this stroke covers more, its shade.
    fn shade_row(&self, y: f32, first: usize, mask: &mut [u8], shades: &mut [u8], shade: u8) {
        let groups = mask.chunks_mut(4).zip(shades.chunks_mut(4));
        for (k, (group, group_shades)) in groups.enumerate() {
            let levels = self.levels(first + 4 * k, y);
            for ((m, s), &level) in group.iter_mut().zip(group_shades).zip(&levels) {
                if level as u8 > *m {
                    *m = level as u8;
                    *s = shade;
                }
            }
        }
    }
}

/// The pixel centres in `from..=to`, within `0..len`: (first, last), or
/// none. (Casts, not `ceil`/`floor`, which are calls into libm where SSE4.1
/// is not assumed.)
#[inline(always)]
fn pixel_span(from: f32, to: f32, len: usize) -> Option<(usize, usize)> {
    let end = (len - 1) as f32;
    if !(to >= 0.0 && from <= end) {
        return None;
    }
    // Both ends within [0, end] now; truncation floors them.
    let from = from.max(0.0);
    let floor = from as usize;
    let first = if (floor as f32) < from {
        floor + 1
    } else {
        floor
    };
    let last = to.min(end) as usize;
    (first <= last).then_some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(w: usize, h: usize) -> Coverage {
        let mut c = Coverage::default();
        c.prepare(w, h, true);
        c
    }

    /// Two strokes of one colour that overlap are one stroke where they
    /// overlap: the union, not the one blended over the other.
    #[test]
    fn overlapping_strokes_are_their_union() {
        let (w, h) = (24, 12);
        let mut one = coverage(w, h);
        one.stroke((2.0, 5.5), (20.0, 5.5), 0.5, 0);
        let mut two = coverage(w, h);
        two.stroke((2.0, 5.5), (20.0, 5.5), 0.5, 0);
        two.stroke((6.0, 5.5), (14.0, 5.5), 0.5, 0);
        assert_eq!(one.mask(), two.mask());
        // Half a pixel off the row: both rows at half, however often drawn.
        assert_eq!(one.mask()[5 * w + 10], 128);
        // A crossing stroke adds only what it covers beyond the first.
        let mut cross = coverage(w, h);
        cross.stroke((2.0, 5.0), (20.0, 5.0), 0.5, 1);
        cross.stroke((10.0, 1.0), (10.0, 10.0), 0.5, 2);
        assert_eq!(cross.mask()[5 * w + 10], 255);
        assert_eq!(
            cross.mask().iter().filter(|&&m| m == 255).count(),
            19 + 10 - 1
        );
        // The shade of the pixel is the first stroke that covered it fully.
        assert_eq!(cross.shades()[5 * w + 10], 1);
        assert_eq!(cross.shades()[3 * w + 10], 2);
    }

    #[test]
    fn clearing_zeroes_the_rows_strokes_reached() {
        let mut c = coverage(16, 16);
        c.stroke((2.0, 3.0), (3.0, 12.0), 1.5, 0);
        let (first, last) = c.rows().unwrap();
        assert!(first <= 2 && last >= 13, "{first}..={last}");
        assert!(c.mask().iter().any(|&m| m > 0));
        c.clear();
        assert!(c.mask().iter().all(|&m| m == 0));
        assert_eq!(c.rows(), None);
        // Off the canvas, and not finite: nothing.
        c.stroke((-40.0, -40.0), (-30.0, -35.0), 1.0, 0);
        c.stroke((f32::NAN, 1.0), (4.0, 4.0), 1.0, 0);
        assert_eq!(c.rows(), None);
    }
}
