//! Checked views of RGBA frames and grey planes, and the checks of a
//! size against the limits.

use crate::error::{Error, Result};
use crate::limits::Limits;

/// The checks of a size against the limits: here, beside the views they
/// guard (the limits themselves are plain data in `limits`).
impl Limits {
    /// Checks that `width x height` is a non-empty size within the limits,
    /// and returns its pixel count.
    pub fn check(&self, width: u32, height: u32) -> Result<usize> {
        if width == 0 || height == 0 {
            return Err(Error::InvalidDimensions { width, height });
        }
        let pixels = u64::from(width) * u64::from(height);
        if width > self.max_side || height > self.max_side || pixels > self.max_pixels {
            return Err(Error::TooLarge {
                width,
                height,
                limits: *self,
            });
        }
        // Cannot fail: pixels <= max_pixels, and a frame of 4 bytes a pixel
        // must also fit in memory, which `check_len` decides by comparing.
        usize::try_from(pixels).map_err(|_| Error::TooLarge {
            width,
            height,
            limits: *self,
        })
    }

    /// Checks a buffer of `bytes_per_pixel` bytes a pixel against
    /// `width x height`: dimensions first, then limits, then the length.
    /// Returns the pixel count.
    pub fn check_len(
        &self,
        width: u32,
        height: u32,
        bytes_per_pixel: u8,
        len: usize,
    ) -> Result<usize> {
        let pixels = self.check(width, height)?;
        let expected = (pixels as u64) * u64::from(bytes_per_pixel);
        if len as u64 != expected {
            return Err(Error::LengthMismatch {
                expected,
                actual: len as u64,
            });
        }
        Ok(pixels)
    }

    /// Checks a sample count.
    pub fn check_samples(&self, samples: u32) -> Result<()> {
        if samples > self.max_samples {
            return Err(Error::InvalidParameter(format!(
                "samples must be at most {}, got {samples}",
                self.max_samples
            )));
        }
        Ok(())
    }
}

/// A checked RGBA8 frame: row-major, 4 bytes a pixel, `width * height * 4`
/// bytes, the layout of a canvas `getImageData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    width: u32,
    height: u32,
    pixels: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Checks `pixels` against `width x height` and the default [`Limits`].
    pub fn new(width: u32, height: u32, pixels: &'a [u8]) -> Result<Self> {
        Self::with_limits(width, height, pixels, &Limits::DEFAULT)
    }

    /// Checks `pixels` against `width x height` and `limits`.
    pub fn with_limits(width: u32, height: u32, pixels: &'a [u8], limits: &Limits) -> Result<Self> {
        limits.check_len(width, height, 4, pixels.len())?;
        Ok(Frame {
            width,
            height,
            pixels,
        })
    }

    /// Pixels a row.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// `width * height`.
    pub fn pixel_count(&self) -> usize {
        self.pixels.len() / 4
    }

    /// The RGBA bytes.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }
}

/// A checked grey plane: row-major, one byte a pixel, `width * height`
/// bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plane<'a> {
    width: u32,
    height: u32,
    values: &'a [u8],
}

impl<'a> Plane<'a> {
    /// Checks `values` against `width x height` and the default [`Limits`].
    pub fn new(width: u32, height: u32, values: &'a [u8]) -> Result<Self> {
        Self::with_limits(width, height, values, &Limits::DEFAULT)
    }

    /// Checks `values` against `width x height` and `limits`.
    pub fn with_limits(width: u32, height: u32, values: &'a [u8], limits: &Limits) -> Result<Self> {
        limits.check_len(width, height, 1, values.len())?;
        Ok(Plane {
            width,
            height,
            values,
        })
    }

    /// Pixels a row.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The grey bytes.
    pub fn values(&self) -> &'a [u8] {
        self.values
    }

    /// Fails with [`Error::SizeMismatch`] unless `other` has this size.
    pub fn check_same_size(&self, other: &Plane<'_>) -> Result<()> {
        if (self.width, self.height) != (other.width, other.height) {
            return Err(Error::SizeMismatch {
                expected: (self.width, self.height),
                actual: (other.width, other.height),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sides_are_invalid_dimensions() {
        assert_eq!(
            Frame::new(0, 5, &[]),
            Err(Error::InvalidDimensions {
                width: 0,
                height: 5
            })
        );
        assert_eq!(
            Plane::new(3, 0, &[]).unwrap_err().kind(),
            "invalid-dimensions"
        );
    }

    #[test]
    fn limits_are_checked_before_the_length() {
        // No buffer of this size exists: the limit answers first.
        let err = Frame::new(16_385, 1, &[]).unwrap_err();
        assert_eq!(err.kind(), "too-large");
        let err = Frame::new(8192, 8192, &[]).unwrap_err();
        assert_eq!(err.kind(), "too-large");
        let err = Frame::new(u32::MAX, u32::MAX, &[]).unwrap_err();
        assert_eq!(err.kind(), "too-large");
        // Exactly at the limits is fine as far as limits go.
        let err = Frame::new(16_384, 2048, &[]).unwrap_err();
        assert_eq!(
            err,
            Error::LengthMismatch {
                expected: 16_384 * 2048 * 4,
                actual: 0
            }
        );
    }

    #[test]
    fn wrong_lengths_report_expected_and_actual() {
        assert_eq!(
            Frame::new(3, 5, &[0; 59]),
            Err(Error::LengthMismatch {
                expected: 60,
                actual: 59
            })
        );
        assert_eq!(
            Plane::new(3, 5, &[0; 16]),
            Err(Error::LengthMismatch {
                expected: 15,
                actual: 16
            })
        );
        assert!(Frame::new(3, 5, &[0; 60]).is_ok());
    }

    #[test]
    fn custom_limits_apply() {
        let limits = Limits {
            max_side: 4,
            max_pixels: 8,
            max_samples: 2,
        };
        assert!(Plane::with_limits(4, 2, &[0; 8], &limits).is_ok());
        assert_eq!(
            Plane::with_limits(3, 3, &[0; 9], &limits)
                .unwrap_err()
                .kind(),
            "too-large"
        );
        assert!(limits.check_samples(2).is_ok());
        assert_eq!(
            limits.check_samples(3).unwrap_err().kind(),
            "invalid-parameter"
        );
    }
}
