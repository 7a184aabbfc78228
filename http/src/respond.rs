//! Answers: successful replies and JSON errors, with their status codes.

use std::time::Duration;

use futures::SinkExt as _;
use ghostlines_core::{CutFrame, ErrorReport, FramePace};
use spin_sdk::http::{Fields, OutgoingResponse, ResponseOutparam};

/// An error answer: `{"error":{"kind":"…","message":"…"}}`.
#[derive(Debug)]
pub struct HttpError {
    /// HTTP status, 4xx for anything the client sent.
    pub status: u16,
    /// A WIT error case name or an HTTP-level kind.
    pub kind: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The `allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl HttpError {
    fn new(status: u16, kind: &'static str, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            kind,
            message: message.into(),
            allow: None,
        }
    }

    pub fn not_found(path: &str) -> HttpError {
        HttpError::new(
            404,
            "not-found",
            format!("no route {path}; GET / lists them"),
        )
    }

    pub fn method_not_allowed(allow: &'static str) -> HttpError {
        HttpError {
            allow: Some(allow),
            ..HttpError::new(
                405,
                "method-not-allowed",
                format!("this route takes {allow}"),
            )
        }
    }

    pub fn unsupported_media_type(got: &str, accepted: &str) -> HttpError {
        HttpError::new(
            415,
            "unsupported-media-type",
            format!("content-type {got:?} is not accepted here; send {accepted}"),
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> HttpError {
        HttpError::new(400, "invalid-parameter", message)
    }

    pub fn length_mismatch(expected: u64, actual: u64) -> HttpError {
        HttpError::new(
            400,
            "length-mismatch",
            format!("the body must be {expected} bytes (width·height·4 a frame), got {actual}"),
        )
    }

    pub fn body_too_large(limit: u64) -> HttpError {
        HttpError::new(
            413,
            "too-large",
            format!("the body is over the {limit}-byte limit"),
        )
    }

    /// A whole body that did not come within its deadline.
    pub fn body_timeout(timeout: Duration, received: u64) -> HttpError {
        HttpError::new(
            408,
            "timeout",
            format!(
                "the request body did not arrive within {} ms ({received} bytes came)",
                timeout.as_millis()
            ),
        )
    }

    /// A stream's frame that did not come within its waiting budget.
    pub fn frame_timeout(pace: &FramePace, received: u64) -> HttpError {
        HttpError::new(
            408,
            "timeout",
            format!(
                "frame {} did not arrive within {} ms of waiting ({} of its bytes came, {received} in all): a stream must bring each whole frame within its idle deadline",
                pace.frames(),
                pace.budget().as_millis(),
                pace.partial()
            ),
        )
    }

    /// A stream that went on past its duration limit.
    pub fn stream_too_long(limit: Duration, frames: u64) -> HttpError {
        HttpError::new(
            408,
            "timeout",
            format!(
                "the stream passed its {} ms duration limit after {frames} frames",
                limit.as_millis()
            ),
        )
    }

    /// The host's own deadline for the body passed first.
    pub fn host_body_timeout(progress: &str) -> HttpError {
        HttpError::new(
            408,
            "timeout",
            format!("the server's deadline for the body passed after {progress}"),
        )
    }

    pub fn cut_frame(cut: CutFrame) -> HttpError {
        HttpError::new(
            400,
            "length-mismatch",
            format!("{cut} (width·height·4 bytes a frame)"),
        )
    }

    pub fn too_many_frames(max: u64) -> HttpError {
        HttpError::new(
            413,
            "too-large",
            format!("a stream may carry at most {max} frames"),
        )
    }

    pub fn invalid_body(message: impl Into<String>) -> HttpError {
        HttpError::new(400, "invalid-body", message)
    }
}

impl From<ghostlines_core::PreflightRefusal> for HttpError {
    fn from(refusal: ghostlines_core::PreflightRefusal) -> HttpError {
        HttpError::new(refusal.status, refusal.kind, refusal.message)
    }
}

impl From<ghostlines_core::Error> for HttpError {
    fn from(e: ghostlines_core::Error) -> HttpError {
        let status = match e {
            ghostlines_core::Error::TooLarge { .. } => 413,
            _ => 400,
        };
        HttpError::new(status, e.kind(), e.to_string())
    }
}

/// A reply about to be sent.
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body in pieces, sent in order (one for most replies).
    body: Vec<Vec<u8>>,
}

impl Reply {
    /// `status` with a body of `content_type` in `pieces`.
    fn new(status: u16, content_type: &str, pieces: Vec<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: pieces,
        }
    }

    /// 204, no body (a preflight's answer).
    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// 200 with `body` of `content_type`.
    pub fn ok(content_type: &str, body: Vec<u8>) -> Reply {
        Reply::new(200, content_type, vec![body])
    }

    /// 200 with a JSON body, written in pieces ([`Pieces`]).
    pub fn json(value: &impl serde::Serialize) -> Reply {
        let mut pieces = Pieces::default();
        match serde_json::to_writer(&mut pieces, value) {
            Ok(()) => Reply::new(200, "application/json", pieces.0),
            // Our own types always serialise; say so if one ever does not.
            Err(e) => Reply::from(HttpError::new(500, "internal", e.to_string())),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl ToString) -> Reply {
        self.headers.push((name.into(), value.to_string()));
        self
    }

    /// Adds headers.
    pub fn headers(mut self, headers: Vec<(String, String)>) -> Reply {
        self.headers.extend(headers);
        self
    }

    /// Sends the reply.
    pub async fn send(self, out: ResponseOutparam) {
        let mut headers: Vec<(String, Vec<u8>)> = self
            .headers
            .into_iter()
            .map(|(k, v)| (k, v.into_bytes()))
            .collect();
        // A 204 has no body, so no length either (RFC 9110, 8.6).
        if self.status != 204 {
            let length = self.body.iter().map(Vec::len).sum::<usize>();
            headers.push(("content-length".into(), length.to_string().into_bytes()));
        }
        let fields = match Fields::from_list(&headers) {
            Ok(fields) => fields,
            Err(e) => {
                eprintln!("ghostlines-http: bad response headers: {e:?}");
                Fields::new()
            }
        };
        let response = OutgoingResponse::new(fields);
        if response.set_status_code(self.status).is_err() {
            eprintln!("ghostlines-http: bad status {}", self.status);
        }
        let mut body = response.take_body();
        out.set(response);
        // Each piece is freed once it is sent.
        for piece in self.body {
            if let Err(e) = body.send(piece).await {
                // The client went away; nobody is left to tell.
                eprintln!("ghostlines-http: could not send the response: {e:?}");
                return;
            }
        }
    }
}

impl HttpError {
    /// `{"error":{"kind":…,"message":…}}`, with `"frames":N` last on a
    /// stream's error line (the frames answered before it).
    pub fn to_json(&self, frames: Option<u64>) -> Vec<u8> {
        let report = ErrorReport::new(self.kind, &self.message, frames);
        // Strings and a number: serializing cannot fail.
        serde_json::to_vec(&report).unwrap_or_default()
    }
}

impl From<HttpError> for Reply {
    fn from(e: HttpError) -> Reply {
        let mut reply = Reply::new(e.status, "application/json", vec![e.to_json(None)]);
        if let Some(allow) = e.allow {
            reply = reply.header("allow", allow);
        }
        reply
    }
}

/// A writer into pieces that are never reallocated: each holds twice as
/// much as the one before, from 64 KiB (most answers fit in one, and each
/// piece is one write to the response stream) up to 1 MiB. A buffer left
/// to double as it fills holds its old and new copy while it moves, and
/// the largest answers are over 100 MB (`/motion` with a dense grid of
/// 2^20 points): in pieces they need their own size and at most 1 MiB
/// more.
#[derive(Default)]
struct Pieces(Vec<Vec<u8>>);

impl std::io::Write for Pieces {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // Most writes are a few bytes and fit in the last piece.
        if let Some(last) = self.0.last_mut()
            && last.capacity() - last.len() >= bytes.len()
        {
            last.extend_from_slice(bytes);
            return Ok(bytes.len());
        }
        self.write_across(bytes);
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write(bytes).map(|_| ())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Pieces {
    const FIRST: usize = 64 << 10;
    const LARGEST: usize = 1 << 20;

    /// Fills the last piece and starts new ones.
    #[cold]
    fn write_across(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.0.last_mut() {
                Some(last) if last.len() < last.capacity() => {
                    let room = last.capacity() - last.len();
                    let (now, later) = rest.split_at(room.min(rest.len()));
                    last.extend_from_slice(now);
                    rest = later;
                }
                last => {
                    let size =
                        last.map_or(Pieces::FIRST, |l| (2 * l.capacity()).min(Pieces::LARGEST));
                    self.0.push(Vec::with_capacity(size));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn pieces_hold_every_byte_in_order_and_grow_without_moving() {
        let bytes: Vec<u8> = (0..3_500_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let mut pieces = Pieces::default();
        // Writes of assorted lengths, as a serialiser makes them.
        let mut rest = &bytes[..];
        for length in [0, 1, 4095, 1, 2, 70_000, 1 << 20, 3].into_iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at(length.min(rest.len()));
            pieces.write_all(now).unwrap();
            rest = later;
        }
        assert_eq!(pieces.0.concat(), bytes);
        let sizes: Vec<usize> = pieces.0.iter().map(Vec::capacity).collect();
        // 64 KiB doubling to 1 MiB, then 1 MiB pieces; every piece but the
        // last is full.
        assert_eq!(&sizes[..5], [64, 128, 256, 512, 1024].map(|k| k << 10));
        assert!(sizes[5..].iter().all(|&s| s == 1 << 20));
        let (last, full) = pieces.0.split_last().unwrap();
        assert!(full.iter().all(|p| p.len() == p.capacity()));
        assert!(!last.is_empty());
    }
}
