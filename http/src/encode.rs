//! Answers as images: PNG, or raw bytes with their size in headers.

use crate::respond::{HttpError, Reply};

/// How a route answers with an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageOut {
    /// `image/png`.
    Png,
    /// `application/octet-stream`, with `x-width` and `x-height`.
    Raw,
}

/// `pixels` (`colour`, `width` × `height`) as `out` says.
pub(crate) fn image_reply(
    pixels: Vec<u8>,
    width: u32,
    height: u32,
    colour: image::ExtendedColorType,
    out: ImageOut,
) -> Result<Reply, HttpError> {
    Ok(match out {
        ImageOut::Png => Reply::ok("image/png", encode_png(&pixels, width, height, colour)?),
        ImageOut::Raw => Reply::ok("application/octet-stream", pixels)
            .header("x-width", width)
            .header("x-height", height),
    })
}

/// `bytes` (`color`, `width` × `height`) as a PNG.
fn encode_png(
    bytes: &[u8],
    width: u32,
    height: u32,
    color: image::ExtendedColorType,
) -> Result<Vec<u8>, HttpError> {
    let mut png = Vec::new();
    image::write_buffer_with_format(
        &mut std::io::Cursor::new(&mut png),
        bytes,
        width,
        height,
        color,
        image::ImageFormat::Png,
    )
    .map_err(|e| HttpError::invalid_body(format!("could not encode the PNG: {e}")))?;
    Ok(png)
}

/// RGBA pixels as a `data:` URL of a PNG, for an SVG's background. The
/// PNG is freed once encoded into the URL, and the URL is not copied again.
pub(crate) fn png_data_url(rgba: &[u8], width: u32, height: u32) -> Result<String, HttpError> {
    use base64::Engine as _;
    let png = encode_png(rgba, width, height, image::ExtendedColorType::Rgba8)?;
    let mut url = String::from("data:image/png;base64,");
    base64::engine::general_purpose::STANDARD.encode_string(&png, &mut url);
    Ok(url)
}
