//! Reading frames from image files and raw RGBA, and writing results.

use std::fs;
use std::io::Cursor;
use std::path::Path;

use anyhow::{Context as _, bail};
use ghostlines_core::{DecodeLimits, DecodedFrame, decode_frame, decode_gif_frames, guess_format};
use image::ImageFormat;

use crate::bindings::{Frame, Plane};

/// A frame size given on the command line as `WxH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Pixels a row.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

impl std::str::FromStr for Size {
    type Err = String;

    fn from_str(s: &str) -> Result<Size, String> {
        let (w, h) = s
            .split_once(['x', 'X'])
            .ok_or_else(|| format!("expected WIDTHxHEIGHT, like 800x600, got {s:?}"))?;
        let parse = |v: &str, what: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|e| format!("{what} {v:?} in {s:?}: {e}"))
        };
        Ok(Size {
            width: parse(w, "width")?,
            height: parse(h, "height")?,
        })
    }
}

fn frame(decoded: DecodedFrame) -> Frame {
    Frame {
        width: decoded.width,
        height: decoded.height,
        pixels: decoded.pixels,
    }
}

/// Reads one frame: raw RGBA8 of `size` for a `.rgba` or `.raw` file, else
/// a PNG, JPEG, GIF (its first frame) or WebP, whose format is guessed from
/// its bytes (and which brings its own size: `size` is refused with it).
pub fn read_frame(path: &Path, size: Option<Size>) -> anyhow::Result<Frame> {
    let raw = crate::video::is_raw(path);
    if !raw && size.is_some() {
        bail!(
            "--size describes raw RGBA input (a .rgba or .raw file); {} is read as an image, which brings its own size",
            path.display()
        );
    }
    if let Some(size) = size {
        // Size and length are judged from the file's length, before a byte
        // of it is read (a huge file with a wrong --size costs nothing).
        let length = fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        ghostlines_core::Limits::DEFAULT
            .check_len(size.width, size.height, 4, length)
            .map_err(|e| crate::bindings::refusal(e.into()))
            .with_context(|| {
                format!("{} as {}x{} RGBA", path.display(), size.width, size.height)
            })?;
        let pixels = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(Frame {
            width: size.width,
            height: size.height,
            pixels,
        });
    }
    ensure_not_raw(path)?;
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let decoded = decode_frame(&bytes, &[], &DecodeLimits::DEFAULT)
        .with_context(|| format!("decoding {}", path.display()))?;
    Ok(frame(decoded))
}

fn ensure_not_raw(path: &Path) -> anyhow::Result<()> {
    if crate::video::is_raw(path) {
        bail!(
            "{} is raw RGBA: give its size with --size WIDTHxHEIGHT",
            path.display()
        );
    }
    Ok(())
}

/// Whether `path` holds a GIF (by its first bytes).
pub(crate) fn is_gif(path: &Path) -> anyhow::Result<bool> {
    let mut head = [0u8; 6];
    let mut file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let read = std::io::Read::read(&mut file, &mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(guess_format(&head[..read], &[ImageFormat::Gif]).is_ok())
}

/// Every frame of a GIF with its delay, milliseconds, within
/// `DecodeLimits::DEFAULT`.
pub(crate) fn read_gif_frames(path: &Path) -> anyhow::Result<Vec<(Frame, u32)>> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let frames = decode_gif_frames(&bytes, &DecodeLimits::DEFAULT)
        .with_context(|| format!("decoding the frames of {}", path.display()))?;
    Ok(frames
        .into_iter()
        .map(|decoded| {
            let delay = decoded.delay_ms;
            (frame(decoded), delay)
        })
        .collect())
}

/// Writes `bytes` to `path`, creating its folder if needed.
pub fn write_output(path: &Path, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Writes a grey plane: raw bytes when `path` ends in `.gray`, else an
/// 8-bit greyscale PNG.
pub fn write_plane(path: &Path, plane: &Plane) -> anyhow::Result<()> {
    if has_extension(path, "gray") {
        return write_output(path, &plane.values);
    }
    let png = encode_png(
        &plane.values,
        plane.width,
        plane.height,
        image::ExtendedColorType::L8,
    )?;
    write_output(path, png)
}

/// Writes a frame: raw bytes when `path` ends in `.rgba`, else an RGBA
/// PNG.
pub fn write_frame(path: &Path, frame: &Frame) -> anyhow::Result<()> {
    if has_extension(path, "rgba") {
        return write_output(path, &frame.pixels);
    }
    write_output(path, png_rgba(frame)?)
}

/// A frame as a `data:image/png;base64,...` URI, for SVG backgrounds.
pub fn png_data_uri(frame: &Frame) -> anyhow::Result<String> {
    use base64::Engine as _;
    let png = png_rgba(frame)?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// A frame encoded as an RGBA PNG in memory.
pub fn png_rgba(frame: &Frame) -> anyhow::Result<Vec<u8>> {
    encode_png(
        &frame.pixels,
        frame.width,
        frame.height,
        image::ExtendedColorType::Rgba8,
    )
}

fn encode_png(
    bytes: &[u8],
    width: u32,
    height: u32,
    color: image::ExtendedColorType,
) -> anyhow::Result<Vec<u8>> {
    let mut png = Vec::new();
    image::write_buffer_with_format(
        &mut Cursor::new(&mut png),
        bytes,
        width,
        height,
        color,
        ImageFormat::Png,
    )
    .context("encoding a PNG")?;
    Ok(png)
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(
            "800x600".parse::<Size>(),
            Ok(Size {
                width: 800,
                height: 600
            })
        );
        assert!("800".parse::<Size>().is_err());
        assert!("ax600".parse::<Size>().is_err());
        assert!("-1x2".parse::<Size>().is_err());
    }
}
