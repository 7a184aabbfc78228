//! Request bodies: content negotiation, and streaming reads that stop as
//! soon as a limit is passed (spin-sdk's `Request` would buffer it all).

use futures::StreamExt;
use spin_sdk::http::IncomingRequest;

use ghostlines_core::{DecodeError, decode_frame};
use image::ImageFormat;

use crate::limits::{DECODE_LIMITS, MAX_BODY_BYTES};
use crate::respond::HttpError;

/// What a request body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// Raw RGBA8 (`application/octet-stream`, or no content-type).
    Raw,
    /// A PNG image (`image/png`).
    Png,
}

/// One header's first value, lower-cased, without parameters.
pub fn header(request: &IncomingRequest, name: &str) -> Option<String> {
    let values = request.headers().get(name);
    let first = values.first()?;
    let text = String::from_utf8_lossy(first);
    Some(text.trim().to_ascii_lowercase())
}

/// The media type of the body; `png_allowed` for single-frame routes.
pub fn body_kind(request: &IncomingRequest, png_allowed: bool) -> Result<BodyKind, HttpError> {
    let accepted = if png_allowed {
        "application/octet-stream or image/png"
    } else {
        "application/octet-stream"
    };
    let Some(content_type) = header(request, "content-type") else {
        return Ok(BodyKind::Raw);
    };
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    match media_type {
        "application/octet-stream" => Ok(BodyKind::Raw),
        "image/png" if png_allowed => Ok(BodyKind::Png),
        other => Err(HttpError::unsupported_media_type(other, accepted)),
    }
}

/// Whether the `accept` header asks for `media_type`.
pub fn accepts(request: &IncomingRequest, media_type: &str) -> bool {
    header(request, "accept").is_some_and(|accept| {
        accept
            .split(',')
            .any(|part| part.split(';').next().unwrap_or("").trim() == media_type)
    })
}

/// Reads the body: exactly `expected` bytes when given (a raw frame), else
/// at most [`MAX_BODY_BYTES`]. A `content-length` over the limit or off
/// `expected` is refused before anything is read; a streamed body is
/// refused at the first chunk that passes either.
pub async fn read(request: IncomingRequest, expected: Option<u64>) -> Result<Vec<u8>, HttpError> {
    let declared = match header(&request, "content-length") {
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| HttpError::invalid_parameter(format!("bad content-length {v:?}")))?,
        ),
        None => None,
    };
    if let Some(length) = declared {
        if length > MAX_BODY_BYTES {
            return Err(HttpError::body_too_large(MAX_BODY_BYTES));
        }
        if let Some(expected) = expected
            && length != expected
        {
            return Err(HttpError::length_mismatch(expected, length));
        }
    }
    let limit = expected.unwrap_or(MAX_BODY_BYTES);
    let capacity = expected.or(declared).unwrap_or(0).min(MAX_BODY_BYTES);
    let mut body = Vec::with_capacity(capacity as usize);
    let mut stream = request.into_body_stream();
    while let Some(chunk) = stream.next().await {
        // The host cuts a body off at its deadline; a broken connection
        // looks the same from here and gets the same (unread) answer.
        let chunk = chunk.map_err(|_| HttpError::timeout())?;
        let total = body.len() as u64 + chunk.len() as u64;
        if total > MAX_BODY_BYTES {
            return Err(HttpError::body_too_large(MAX_BODY_BYTES));
        }
        if total > limit {
            return Err(HttpError::length_mismatch(limit, total));
        }
        body.extend_from_slice(&chunk);
    }
    if let Some(expected) = expected
        && body.len() as u64 != expected
    {
        return Err(HttpError::length_mismatch(expected, body.len() as u64));
    }
    Ok(body)
}

/// Decodes a PNG body to RGBA8 under the HTTP decoding limits.
pub fn decode_png(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), HttpError> {
    let frame = decode_frame(bytes, &[ImageFormat::Png], &DECODE_LIMITS).map_err(|e| match e {
        DecodeError::TooLarge(_) => HttpError {
            status: 413,
            kind: "too-large",
            message: format!("the PNG is {e}"),
            allow: None,
        },
        DecodeError::Invalid(e) => {
            HttpError::invalid_body(format!("the body is not a valid PNG: {e}"))
        }
    })?;
    Ok((frame.width, frame.height, frame.pixels))
}
