//! One level of a flow pyramid, and the padded copy that windows crossing
//! its border read instead of gathering clamped pixels.

use crate::pyramid::GreyF32;

/// A level of a [`FlowPyramid`](super::FlowPyramid).
#[derive(Debug, Clone)]
pub(super) struct Level {
    pub(super) image: GreyF32,
    /// Above the finest level, the image again inside a margin of
    /// replicated border pixels (see [`Padded`]).
    pub(super) padded: Option<Padded>,
}

/// An image inside [`MARGIN`] pixels of replicated border on every side.
/// On the coarse levels most windows of a dense grid cross the border,
/// and gathering each one's clamped pixels anew (every iteration) cost
/// more than its arithmetic; windows read this copy directly. The finest
/// level has few such windows and is not copied.
#[derive(Debug, Clone)]
pub(super) struct Padded {
    pub(super) data: Vec<f32>,
    /// The padded width.
    pub(super) pitch: usize,
}

/// The margin of [`Padded`]: wide enough for every window read while
/// tracking a point inside the frame. A moved window is centred at most a
/// radius outside the level (`track_level` gives up beyond that). Centred
/// a radius right of it, the window starts at its edge and reads 33 pixels
/// (8 registers of samples and one more); centred a radius left, it starts
/// two radii, at most 30 pixels, out. Windows beyond gather their pixels.
pub(super) const MARGIN: usize = 33;

impl Padded {
    /// The clamped pixels from (−MARGIN, −MARGIN), as a window near the
    /// border gathers them: the same values the gather would read.
    pub(super) fn new(image: &GreyF32) -> Padded {
        let (w, h) = (image.width, image.height);
        let (pitch, rows) = (w + 2 * MARGIN, h + 2 * MARGIN);
        let mut data = Vec::with_capacity(pitch * rows);
        let corner = -(MARGIN as isize);
        gather_border(image, (corner, corner), (pitch - 1, rows - 1), &mut data);
        Padded { data, pitch }
    }
}

/// The (rows + 1) x (cols + 1) source pixels from (left, top) into
/// `scratch`, border replicated: each row the first pixel repeated, the
/// part inside copied, the last pixel repeated. Not inlined: most grids are
/// inside, and `locate` stays small where it is.
#[inline(never)]
pub(super) fn gather_border(
    image: &GreyF32,
    (left, top): (isize, isize),
    (cols, rows): (usize, usize),
    scratch: &mut Vec<f32>,
) {
    let (w, h) = (image.width as isize, image.height as isize);
    scratch.clear();
    let span = cols as isize + 1;
    let before = (-left).clamp(0, span) as usize;
    let (first, last) = (left.max(0), (left + span - 1).min(w - 1));
    for j in 0..=rows as isize {
        let y = (top + j).clamp(0, h - 1) as usize;
        let row = &image.data[y * w as usize..][..w as usize];
        scratch.extend(std::iter::repeat_n(row[0], before));
        if first <= last {
            scratch.extend_from_slice(&row[first as usize..=last as usize]);
        }
        let after = (span as usize * (j as usize + 1)).saturating_sub(scratch.len());
        scratch.extend(std::iter::repeat_n(row[w as usize - 1], after));
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `image` as a level without and with a padded copy (the finest level
    /// and the coarser ones).
    pub(in crate::flow) fn as_levels(image: &GreyF32) -> [Level; 2] {
        [None, Some(Padded::new(image))].map(|padded| Level {
            image: image.clone(),
            padded,
        })
    }

    #[test]
    fn the_padded_copy_is_the_clamped_image() {
        let image = GreyF32 {
            width: 5,
            height: 3,
            data: (0..15).map(|i| i as f32).collect(),
        };
        let padded = Padded::new(&image);
        assert_eq!(padded.pitch, 5 + 2 * MARGIN);
        assert_eq!(padded.data.len(), padded.pitch * (3 + 2 * MARGIN));
        for y in -(MARGIN as isize)..(3 + MARGIN as isize) {
            for x in -(MARGIN as isize)..(5 + MARGIN as isize) {
                let at =
                    (y + MARGIN as isize) as usize * padded.pitch + (x + MARGIN as isize) as usize;
                let clamped = (y.clamp(0, 2) * 5 + x.clamp(0, 4)) as f32;
                assert_eq!(padded.data[at], clamped, "({x}, {y})");
            }
        }
    }
}
