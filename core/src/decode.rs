//! Image files to RGBA8 frames under limits (feature `decode`): the one
//! decoder the CLI and the HTTP component share, bounded against
//! decompression bombs — a frame's size is judged from its header before
//! its pixels are decoded, and every decoder allocation counts against a
//! budget.
//!
//! Which formats decode depends on the `image` codecs compiled in: feature
//! `decode` has PNG only (the HTTP component), `decode-all` adds JPEG, GIF
//! and WebP (the CLI).

use std::io::Cursor;

#[cfg(feature = "decode-all")]
use image::AnimationDecoder;
use image::{ImageDecoder, ImageFormat, ImageReader};

use crate::limits::Limits;

/// What decoding may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Frame limits: side and pixels of each decoded frame.
    pub frame: Limits,
    /// Bytes decoding one frame may allocate: the decoder's pixels and
    /// buffers, and the RGBA8 copy of a frame decoded in another layout.
    pub max_alloc: u64,
    /// Frames an animation may have.
    pub max_frames: usize,
    /// Pixels of all of an animation's frames together.
    pub max_total_pixels: u64,
}

impl DecodeLimits {
    /// The CLI's: frames within [`Limits::DEFAULT`], 512 MiB a frame, at
    /// most 10 000 frames and 2^28 pixels (1 GiB of RGBA) in all.
    pub const DEFAULT: DecodeLimits = DecodeLimits {
        frame: Limits::DEFAULT,
        max_alloc: 512 << 20,
        max_frames: 10_000,
        max_total_pixels: 1 << 28,
    };

    fn image_limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.frame.max_side);
        limits.max_image_height = Some(self.frame.max_side);
        limits.max_alloc = Some(self.max_alloc);
        limits
    }
}

/// Why bytes did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not an image of an allowed format, or damaged.
    #[error("{0}")]
    Invalid(String),
    /// Its header states a size over the frame limits (nothing was decoded).
    #[error("over the decoding limits: {0}")]
    TooLarge(String),
    /// Decoding it would allocate more than the budget (`max_alloc`); the
    /// decoder stopped before allocating.
    #[error("over the decoding budget: {0}")]
    OverBudget(String),
}

impl DecodeError {
    /// `invalid-image`, or `too-large` for both size refusals.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Invalid(_) => "invalid-image",
            DecodeError::TooLarge(_) | DecodeError::OverBudget(_) => "too-large",
        }
    }
}

/// A decoded RGBA8 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFrame {
    /// Pixels a row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// RGBA8, row-major.
    pub pixels: Vec<u8>,
    /// How long an animation shows the frame, milliseconds (0 for a still
    /// image): its GIF delay, or 100 ms for a delay under 20 ms, as
    /// browsers show them.
    pub delay_ms: u32,
}

fn image_error(e: image::ImageError) -> DecodeError {
    use image::error::LimitErrorKind;
    match e {
        image::ImageError::Limits(e) => match e.kind() {
            LimitErrorKind::InsufficientMemory => DecodeError::OverBudget(e.to_string()),
            _ => DecodeError::TooLarge(e.to_string()),
        },
        other => DecodeError::Invalid(other.to_string()),
    }
}

/// The format of `bytes`, guessed from their first bytes, if it is one of
/// `allowed` (all compiled-in formats when `allowed` is empty).
pub fn guess_format(bytes: &[u8], allowed: &[ImageFormat]) -> Result<ImageFormat, DecodeError> {
    let format = image::guess_format(bytes)
        .map_err(|_| DecodeError::Invalid("not a PNG, JPEG, GIF or WebP image".into()))?;
    if !allowed.is_empty() && !allowed.contains(&format) {
        return Err(DecodeError::Invalid(format!(
            "{format:?} images are not accepted here"
        )));
    }
    Ok(format)
}

/// Decodes one frame (the first of an animation) of an allowed format.
///
/// ```
/// use ghostlines_core::{DecodeLimits, decode_frame};
/// let err = decode_frame(b"not an image", &[], &DecodeLimits::DEFAULT).unwrap_err();
/// assert_eq!(err.kind(), "invalid-image");
/// ```
pub fn decode_frame(
    bytes: &[u8],
    allowed: &[ImageFormat],
    limits: &DecodeLimits,
) -> Result<DecodedFrame, DecodeError> {
    let format = guess_format(bytes, allowed)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // into_decoder hands the reader's limits to the decoder.
    reader.limits(limits.image_limits());
    let decoder = reader.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    check_frame(width, height, limits)?;
    check_budget(&decoder, limits)?;
    let image = image::DynamicImage::from_decoder(decoder).map_err(image_error)?;
    let rgba = image.into_rgba8();
    Ok(DecodedFrame {
        width: rgba.width(),
        height: rgba.height(),
        pixels: rgba.into_raw(),
        delay_ms: 0,
    })
}

#[cfg(feature = "decode-all")]
/// Every frame of a GIF, composed to full RGBA8 frames, within the
/// animation limits (frames and total pixels counted as they decode).
pub fn decode_gif_frames(
    bytes: &[u8],
    limits: &DecodeLimits,
) -> Result<Vec<DecodedFrame>, DecodeError> {
    guess_format(bytes, &[ImageFormat::Gif])?;
    let mut decoder =
        image::codecs::gif::GifDecoder::new(Cursor::new(bytes)).map_err(image_error)?;
    decoder
        .set_limits(limits.image_limits())
        .map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    check_frame(width, height, limits)?;
    let mut frames = Vec::new();
    let mut total = 0u64;
    for frame in decoder.into_frames() {
        let frame = frame.map_err(image_error)?;
        let delay = frame.delay();
        let buffer = frame.into_buffer();
        total += u64::from(buffer.width()) * u64::from(buffer.height());
        if frames.len() == limits.max_frames || total > limits.max_total_pixels {
            return Err(DecodeError::TooLarge(format!(
                "the animation has more than {} frames or {} pixels in all",
                limits.max_frames, limits.max_total_pixels
            )));
        }
        frames.push(DecodedFrame {
            width: buffer.width(),
            height: buffer.height(),
            pixels: buffer.into_raw(),
            delay_ms: shown_delay_ms(delay),
        });
    }
    if frames.is_empty() {
        return Err(DecodeError::Invalid("the GIF has no frames".into()));
    }
    Ok(frames)
}

#[cfg(feature = "decode-all")]
/// A GIF frame's delay as browsers show it: 100 ms under 20 ms (0 and
/// 10 ms mean "as fast as you can", which browsers slow down).
fn shown_delay_ms(delay: image::Delay) -> u32 {
    let (numerator, denominator) = delay.numer_denom_ms();
    let ms = numerator / denominator.max(1);
    if ms < 20 { 100 } else { ms }
}

/// The decoder's budget covers its own buffers; the RGBA8 copy made of a
/// frame of any other layout is counted here, before either is allocated
/// (a 16384x16384 grey PNG decodes into 256 MiB, then 1 GiB of RGBA).
fn check_budget(decoder: &impl ImageDecoder, limits: &DecodeLimits) -> Result<(), DecodeError> {
    let (width, height) = decoder.dimensions();
    let decoded = decoder.total_bytes();
    let rgba = u64::from(width) * u64::from(height) * 4;
    let needed = if decoder.color_type() == image::ColorType::Rgba8 {
        decoded
    } else {
        decoded.saturating_add(rgba)
    };
    if needed > limits.max_alloc {
        return Err(DecodeError::OverBudget(format!(
            "a {width}x{height} image needs {needed} bytes to decode into RGBA8, over the budget of {}",
            limits.max_alloc
        )));
    }
    Ok(())
}

fn check_frame(width: u32, height: u32, limits: &DecodeLimits) -> Result<(), DecodeError> {
    limits
        .frame
        .check(width, height)
        .map(drop)
        .map_err(|e| match e {
            crate::Error::InvalidDimensions { .. } => {
                DecodeError::Invalid(format!("the image is {width}x{height}"))
            }
            other => DecodeError::TooLarge(other.to_string()),
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::write_buffer_with_format(
            &mut Cursor::new(&mut out),
            &vec![7u8; (width * height * 4) as usize],
            width,
            height,
            image::ExtendedColorType::Rgba8,
            ImageFormat::Png,
        )
        .unwrap();
        out
    }

    #[test]
    fn decodes_a_png_and_refuses_other_formats_when_asked() {
        let bytes = png(3, 2);
        let frame = decode_frame(&bytes, &[ImageFormat::Png], &DecodeLimits::DEFAULT).unwrap();
        assert_eq!((frame.width, frame.height), (3, 2));
        assert_eq!(frame.pixels, vec![7u8; 24]);
        let err = decode_frame(&bytes, &[ImageFormat::Gif], &DecodeLimits::DEFAULT).unwrap_err();
        assert_eq!(err.kind(), "invalid-image");
        let err = decode_frame(&bytes[..20], &[], &DecodeLimits::DEFAULT).unwrap_err();
        assert_eq!(err.kind(), "invalid-image");
    }

    /// A 16384x16384 grey PNG (1 GiB once RGBA) that compresses to a few
    /// hundred kilobytes.
    fn bomb() -> Vec<u8> {
        let side = 16_384u32;
        let mut bomb = Vec::new();
        {
            let mut writer = png_writer(&mut bomb, side);
            let mut stream = writer.stream_writer().unwrap();
            let row = vec![0u8; side as usize];
            for _ in 0..side {
                std::io::Write::write_all(&mut stream, &row).unwrap();
            }
            stream.finish().unwrap();
        }
        assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
        bomb
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // Within 16384 a side but over 4 Mpx: refused before any pixel is
        // decoded.
        let limits = DecodeLimits {
            frame: Limits {
                max_pixels: 1 << 22,
                ..Limits::DEFAULT
            },
            ..DecodeLimits::DEFAULT
        };
        let err = decode_frame(&bomb(), &[], &limits).unwrap_err();
        assert!(matches!(err, DecodeError::TooLarge(_)), "{err}");
        assert_eq!(err.kind(), "too-large");
    }

    #[test]
    fn a_decompression_bomb_is_refused_by_the_allocation_budget_alone() {
        // Frame limits that let its 2^28 pixels through: only the 512 MiB
        // budget of DecodeLimits::DEFAULT stands between it and a 1 GiB
        // allocation, and refuses it.
        let limits = DecodeLimits {
            frame: Limits {
                max_side: 16_384,
                max_pixels: 1 << 28,
                ..Limits::DEFAULT
            },
            ..DecodeLimits::DEFAULT
        };
        assert!(limits.frame.check(16_384, 16_384).is_ok());
        let err = decode_frame(&bomb(), &[], &limits).unwrap_err();
        assert!(matches!(err, DecodeError::OverBudget(_)), "{err}");
        assert_eq!(err.kind(), "too-large");
    }

    #[cfg(feature = "decode-all")]
    #[test]
    fn animations_are_bounded_in_frames_and_pixels() {
        let mut gif = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
            for v in [10u8, 20, 30] {
                let buffer = image::RgbaImage::from_pixel(4, 3, image::Rgba([v, v, v, 255]));
                encoder.encode_frame(image::Frame::new(buffer)).unwrap();
            }
        }
        let frames = decode_gif_frames(&gif, &DecodeLimits::DEFAULT).unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[2].pixels[..4], [30, 30, 30, 255]);
        let two = DecodeLimits {
            max_frames: 2,
            ..DecodeLimits::DEFAULT
        };
        assert_eq!(
            decode_gif_frames(&gif, &two).unwrap_err().kind(),
            "too-large"
        );
        let few_pixels = DecodeLimits {
            max_total_pixels: 30,
            ..DecodeLimits::DEFAULT
        };
        assert_eq!(
            decode_gif_frames(&gif, &few_pixels).unwrap_err().kind(),
            "too-large"
        );
        assert_eq!(
            decode_gif_frames(&png(2, 2), &DecodeLimits::DEFAULT)
                .unwrap_err()
                .kind(),
            "invalid-image"
        );
    }

    fn png_writer(out: &mut Vec<u8>, side: u32) -> png::Writer<&mut Vec<u8>> {
        let mut encoder = png::Encoder::new(out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header().unwrap()
    }
}
