//! A frame prepared for tracking: its Gaussian pyramid, and padded copies
//! of the coarse levels for windows that cross the border.

use crate::corners::{Corner, CornerSettings, corners_of_image};
use crate::frame::Plane;
use crate::gradients::GradientOperator;
use crate::pyramid::GreyF32;

use super::level::{Level, Padded};

/// A frame prepared for tracking: its Gaussian pyramid with gradients.
/// Build it once a frame; a tracker keeps the previous one.
#[derive(Debug, Clone)]
pub struct FlowPyramid {
    pub(super) levels: Vec<Level>,
}

impl FlowPyramid {
    /// The pyramid of `plane` with up to `levels` levels (fewer when the
    /// image gets too small to halve).
    pub fn new(plane: Plane<'_>, levels: u32) -> FlowPyramid {
        FlowPyramid::from_image(GreyF32::from_plane(plane), levels)
    }

    pub(crate) fn from_image(image: GreyF32, levels: u32) -> FlowPyramid {
        let mut images = vec![image];
        while images.len() < levels as usize {
            let last = &images[images.len() - 1];
            if last.width < 16 || last.height < 16 {
                break;
            }
            let next = last.downsample();
            images.push(next);
        }
        // No gradient images: each window's gradients come from its own
        // patch (see `track_level`), which is all Lucas–Kanade looks at.
        let levels = (images.into_iter().enumerate())
            .map(|(level, image)| Level {
                padded: (level > 0).then(|| Padded::new(&image)),
                image,
            })
            .collect();
        FlowPyramid { levels }
    }

    /// (width, height) of the full-resolution level.
    pub fn size(&self) -> (u32, u32) {
        let base = &self.levels[0].image;
        (base.width as u32, base.height as u32)
    }

    /// Corners of the full-resolution level, from its Scharr gradients.
    pub(super) fn corners(&self, settings: &CornerSettings) -> Vec<Corner> {
        corners_of_image(&self.levels[0].image, GradientOperator::Scharr, settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_halve_until_too_small_and_only_coarse_ones_are_padded() {
        let values = vec![100u8; 200 * 70];
        let plane = Plane::new(200, 70, &values).unwrap();
        let pyramid = FlowPyramid::new(plane, 8);
        let sizes: Vec<_> = pyramid
            .levels
            .iter()
            .map(|l| (l.image.width, l.image.height))
            .collect();
        // 70 -> 35 -> 18 -> 9: a level under 16 px is not halved again.
        assert_eq!(sizes, [(200, 70), (100, 35), (50, 18), (25, 9)]);
        let padded: Vec<_> = pyramid.levels.iter().map(|l| l.padded.is_some()).collect();
        assert_eq!(padded, [false, true, true, true]);
        assert_eq!(pyramid.size(), (200, 70));
        assert_eq!(FlowPyramid::new(plane, 2).levels.len(), 2);
    }
}
