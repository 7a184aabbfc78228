//! Request bodies: content negotiation, and reads that stop as soon as a
//! limit or a deadline is passed (spin-sdk's `Request` would buffer it all,
//! for as long as the client likes).

use spin_sdk::http::IncomingRequest;
use spin_sdk::wit::wasi::http0_2_0::types::{ErrorCode, IncomingBody, IoError, http_error_code};

use ghostlines_core::{DecodeError, decode_frame};
use image::ImageFormat;

use ghostlines_core::DecodeLimits;

use crate::deadline::TimedBody;
use crate::limits::RequestLimits;
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
    media_kind(header(request, "content-type").as_deref(), png_allowed)
}

/// [`body_kind`] from the `content-type` value (lower-cased).
pub fn media_kind(content_type: Option<&str>, png_allowed: bool) -> Result<BodyKind, HttpError> {
    let accepted = if png_allowed {
        "application/octet-stream or image/png"
    } else {
        "application/octet-stream"
    };
    let Some(content_type) = content_type else {
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

/// Reads the body: exactly `expected` bytes when given (a raw frame), at
/// most `limits.max_body_bytes` in any case, all of it within
/// `limits.body_timeout`. A `content-length` over the limit or off
/// `expected` is refused before anything is read; a streamed body is
/// refused at the first chunk that passes either.
pub fn read(
    request: IncomingRequest,
    expected: Option<u64>,
    limits: &RequestLimits,
) -> Result<Vec<u8>, HttpError> {
    let declared = header(&request, "content-length");
    let mut framing = Framing::new(expected, declared.as_deref(), limits.max_body_bytes)?;
    let (_body, input) = open(&request)?;
    let mut body = TimedBody::whole(&input, limits.body_timeout);
    while let Some(chunk) = body.next_chunk()? {
        framing.push(&chunk)?;
    }
    framing.finish()
}

/// The request's body and its stream (the body must outlive the stream,
/// and the request the body).
pub fn open(
    request: &IncomingRequest,
) -> Result<(IncomingBody, wasi::io::streams::InputStream), HttpError> {
    let no_body = |()| HttpError::invalid_body("the request has no body to read");
    let body = request.consume().map_err(no_body)?;
    let input = body.stream().map_err(no_body)?;
    Ok((body, input))
}

/// Why a body stopped before its end, after `progress` (what had come): the
/// host's own deadline for it (408, `ghostlines serve`'s backstop), or a
/// client that broke its request off (400).
pub(crate) fn broken_body(error: &IoError, progress: &str) -> HttpError {
    // A host names a read timeout with the `error-code`; wasmtime-wasi-http
    // 48 (`ghostlines serve`, `wasmtime serve`) keeps its own error type
    // there instead, which `http-error-code` does not see but whose debug
    // string says the same ("connection read timeout").
    let timed_out = matches!(
        http_error_code(error),
        Some(ErrorCode::ConnectionReadTimeout)
    ) || error.to_debug_string().contains("read timeout");
    if timed_out {
        HttpError::host_body_timeout(progress)
    } else {
        HttpError::invalid_body(format!("the body broke off after {progress}"))
    }
}

/// The length rules of a body, chunk by chunk, apart from any stream.
#[derive(Debug)]
pub struct Framing {
    expected: Option<u64>,
    max_body_bytes: u64,
    limit: u64,
    body: Vec<u8>,
}

impl Framing {
    /// Judges the declared `content-length` (if any) against `expected`
    /// and `max_body_bytes` before any byte is read.
    pub fn new(
        expected: Option<u64>,
        content_length: Option<&str>,
        max_body_bytes: u64,
    ) -> Result<Framing, HttpError> {
        let declared =
            match content_length {
                Some(v) => Some(v.parse::<u64>().map_err(|_| {
                    HttpError::invalid_parameter(format!("bad content-length {v:?}"))
                })?),
                None => None,
            };
        if let Some(length) = declared {
            if length > max_body_bytes {
                return Err(HttpError::body_too_large(max_body_bytes));
            }
            if let Some(expected) = expected
                && length != expected
            {
                return Err(HttpError::length_mismatch(expected, length));
            }
        }
        let limit = expected.unwrap_or(max_body_bytes).min(max_body_bytes);
        // Reserve what was promised, never more than the limit.
        let capacity = expected.or(declared).unwrap_or(0).min(limit);
        Ok(Framing {
            expected,
            max_body_bytes,
            limit,
            body: Vec::with_capacity(capacity as usize),
        })
    }

    /// Takes the next chunk, or refuses the body as soon as it is too long.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), HttpError> {
        let total = self.body.len() as u64 + chunk.len() as u64;
        if total > self.max_body_bytes {
            return Err(HttpError::body_too_large(self.max_body_bytes));
        }
        if total > self.limit {
            return Err(HttpError::length_mismatch(self.limit, total));
        }
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    /// Bytes taken so far.
    pub fn received(&self) -> u64 {
        self.body.len() as u64
    }

    /// The whole body, if it has the expected length.
    pub fn finish(self) -> Result<Vec<u8>, HttpError> {
        if let Some(expected) = self.expected
            && self.body.len() as u64 != expected
        {
            return Err(HttpError::length_mismatch(expected, self.body.len() as u64));
        }
        Ok(self.body)
    }
}

/// Decodes a PNG body to RGBA8 under `limits`.
pub fn decode_png(bytes: &[u8], limits: &DecodeLimits) -> Result<(u32, u32, Vec<u8>), HttpError> {
    let frame = decode_frame(bytes, &[ImageFormat::Png], limits).map_err(|e| match e {
        DecodeError::TooLarge(_) | DecodeError::OverBudget(_) => HttpError {
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

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_BODY_BYTES: u64 = RequestLimits::DEFAULT.max_body_bytes;

    fn status(result: Result<impl std::fmt::Debug, HttpError>) -> u16 {
        result.map_or_else(|e| e.status, |ok| panic!("accepted: {ok:?}"))
    }

    #[test]
    fn framing_judges_the_declared_length_before_reading() {
        assert_eq!(status(Framing::new(None, Some("12x"), MAX_BODY_BYTES)), 400);
        assert_eq!(status(Framing::new(None, Some("-1"), MAX_BODY_BYTES)), 400);
        let over = (MAX_BODY_BYTES + 1).to_string();
        assert_eq!(status(Framing::new(None, Some(&over), MAX_BODY_BYTES)), 413);
        assert_eq!(
            status(Framing::new(Some(8), Some("9"), MAX_BODY_BYTES)),
            400
        );
    }

    #[test]
    fn framing_refuses_at_the_first_chunk_too_many() -> Result<(), HttpError> {
        let mut exact = Framing::new(Some(8), None, MAX_BODY_BYTES)?;
        exact.push(&[1; 5])?;
        assert_eq!(status(exact.push(&[1; 4]).map(|()| "")), 400);

        let mut short = Framing::new(Some(8), Some("8"), MAX_BODY_BYTES)?;
        short.push(&[1; 7])?;
        assert_eq!(status(short.finish()), 400);

        let mut whole = Framing::new(Some(3), None, MAX_BODY_BYTES)?;
        whole.push(&[1, 2])?;
        whole.push(&[3])?;
        assert_eq!(whole.finish()?, [1, 2, 3]);

        // Unsized bodies stop at the body limit.
        let mut open = Framing::new(None, None, MAX_BODY_BYTES)?;
        let chunk = vec![0u8; 1 << 20];
        let mut refused = None;
        for _ in 0..=(MAX_BODY_BYTES >> 20) {
            if let Err(e) = open.push(&chunk) {
                refused = Some(e.status);
                break;
            }
        }
        assert_eq!(refused, Some(413));
        Ok(())
    }

    #[test]
    fn media_types_are_negotiated_strictly() {
        assert_eq!(media_kind(None, false).ok(), Some(BodyKind::Raw));
        assert_eq!(
            media_kind(Some("image/png; q=1"), true).ok(),
            Some(BodyKind::Png)
        );
        assert_eq!(status(media_kind(Some("image/png"), false)), 415);
        assert_eq!(
            status(media_kind(Some("application/x-www-form-urlencoded"), true)),
            415
        );
    }
}
