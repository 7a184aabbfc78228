//! The stream routes: one request carries frames back to back, and the
//! answer goes out as they come. `/motion/stream` answers a line of
//! NDJSON a frame (after a first line with the version and size);
//! `/render/stream` the drawn RGBA8 frames back to back.
//!
//! Refusals before the first byte of the answer are the usual 4xx. Once
//! the 200 is out, an error ends `/motion/stream` with a last line
//! `{"error":{"kind":…,"message":…,"frames":N}}`, every line before it
//! valid; `/render/stream` ends without finishing its body (a client sees
//! the transfer cut short), after the whole frames it had drawn.

use ghostlines_core::{Frame, FrameReport, Painter, StreamHead, Tracker};
use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};
use spin_sdk::wit::wasi::http0_2_0::types::OutgoingBody;
use wasi::io::streams::{InputStream, OutputStream, StreamError};

use crate::body::{self, BodyKind};
use crate::limits::RequestLimits;
use crate::query::Params;
use crate::respond::{HttpError, Reply};
use crate::routes;

/// Bytes asked of the body a read.
const READ_SIZE: u64 = 64 << 10;

/// A stream's frames out of its chunks, wherever the chunks split them.
#[derive(Debug)]
pub struct StreamFraming {
    frame_bytes: usize,
    max_frames: u64,
    buffer: Vec<u8>,
    frames: u64,
}

impl StreamFraming {
    /// Frames of `frame_bytes`, at most `max_frames` of them.
    pub fn new(frame_bytes: usize, max_frames: u64) -> StreamFraming {
        StreamFraming {
            frame_bytes,
            max_frames,
            buffer: Vec::with_capacity(frame_bytes),
            frames: 0,
        }
    }

    /// Whole frames handed on so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Takes the next chunk, handing each frame it completes to `each`;
    /// refuses bytes past the last allowed frame.
    pub fn push<E: From<HttpError>>(
        &mut self,
        mut chunk: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        while !chunk.is_empty() {
            if self.frames == self.max_frames {
                return Err(HttpError::too_many_frames(self.max_frames).into());
            }
            let room = self.frame_bytes - self.buffer.len();
            let (now, later) = chunk.split_at(room.min(chunk.len()));
            chunk = later;
            if self.buffer.is_empty() && now.len() == self.frame_bytes {
                // A whole frame inside the chunk: no copy.
                self.frames += 1;
                each(now)?;
                continue;
            }
            self.buffer.extend_from_slice(now);
            if self.buffer.len() == self.frame_bytes {
                self.frames += 1;
                each(&self.buffer)?;
                self.buffer.clear();
            }
        }
        Ok(())
    }

    /// The end of the body: an error if it stopped inside a frame.
    pub fn finish(&self) -> Result<(), HttpError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        Err(HttpError::cut_frame(
            self.frames,
            self.buffer.len() as u64,
            self.frame_bytes as u64,
        ))
    }
}

/// What a stream route does with each frame.
enum Work {
    Motion(Tracker),
    Render(Tracker, Painter),
}

/// `POST /motion/stream` and `POST /render/stream`.
pub async fn handle(
    request: IncomingRequest,
    out: ResponseOutparam,
    path: &str,
    query: &str,
    limits: &RequestLimits,
) {
    let started = match start(&request, path, query, limits) {
        Ok(started) => started,
        Err(e) => return Reply::from(e).send(out).await,
    };
    let (work, width, height, pixels) = started;
    let Ok(incoming) = request.consume() else {
        return Reply::from(HttpError::invalid_body("no body"))
            .send(out)
            .await;
    };
    let Ok(input) = incoming.stream() else {
        return Reply::from(HttpError::invalid_body("no body"))
            .send(out)
            .await;
    };
    let motion = matches!(work, Work::Motion(_));
    let content_type = if motion {
        "application/x-ndjson"
    } else {
        "application/octet-stream"
    };
    let mut headers = vec![("content-type".to_string(), content_type.as_bytes().to_vec())];
    if !motion {
        headers.push(("x-width".into(), width.to_string().into_bytes()));
        headers.push(("x-height".into(), height.to_string().into_bytes()));
    }
    let response =
        OutgoingResponse::new(Fields::from_list(&headers).unwrap_or_else(|_| Fields::new()));
    let _ = response.set_status_code(200);
    let Ok(body) = response.body() else {
        return;
    };
    let Ok(output) = body.write() else {
        return;
    };
    out.set(response);
    let frame_bytes = usize::try_from(pixels * 4).unwrap_or(usize::MAX);
    let mut framing = StreamFraming::new(frame_bytes, limits.max_stream_frames);
    let result = run(work, width, height, &input, &output, &mut framing, limits);
    match result {
        Ok(()) => {
            drop(output);
            let _ = OutgoingBody::finish(body, None);
        }
        Err(e) if motion => {
            let mut line = e.to_json(Some(framing.frames()));
            line.push(b'\n');
            let _ = write_all(&output, &line);
            drop(output);
            let _ = OutgoingBody::finish(body, None);
        }
        Err(e) => {
            // Binary frames have no place for a message: the body is left
            // unfinished, so the client sees the transfer cut short.
            eprintln!(
                "ghostlines-http: /render/stream ended after {} frames: {} ({})",
                framing.frames(),
                e.message,
                e.kind
            );
            drop((output, body));
        }
    }
}

/// Everything judged before the 200 goes out: the query, the media type,
/// the declared length.
fn start(
    request: &IncomingRequest,
    path: &str,
    query: &str,
    limits: &RequestLimits,
) -> Result<(Work, u32, u32, u64), HttpError> {
    let render = path == "/render/stream";
    let names = if render {
        [routes::MOTION_PARAMS, routes::PAINTER_PARAMS].concat()
    } else {
        routes::MOTION_PARAMS.to_vec()
    };
    let params = Params::parse(query, &names)?;
    if body::body_kind(request, false)? != BodyKind::Raw {
        return Err(HttpError::unsupported_media_type(
            "image/png",
            "application/octet-stream",
        ));
    }
    let tracker = Tracker::new(routes::motion_settings(&params)?)?;
    let work = if render {
        Work::Render(tracker, Painter::new(routes::painter_settings(&params)?)?)
    } else {
        Work::Motion(tracker)
    };
    let (width, height, pixels) = routes::raw_size(&params, limits)?;
    let frame_bytes = pixels * 4;
    if let Some(length) = body::header(request, "content-length") {
        let length: u64 = length
            .parse()
            .map_err(|_| HttpError::invalid_parameter(format!("bad content-length {length:?}")))?;
        if !length.is_multiple_of(frame_bytes) {
            return Err(HttpError::length_mismatch(
                (length / frame_bytes + 1) * frame_bytes,
                length,
            ));
        }
        if length / frame_bytes > limits.max_stream_frames {
            return Err(HttpError::too_many_frames(limits.max_stream_frames));
        }
    }
    Ok((work, width, height, pixels))
}

/// Reads frames until the body ends, answering each.
fn run(
    mut work: Work,
    width: u32,
    height: u32,
    input: &InputStream,
    output: &OutputStream,
    framing: &mut StreamFraming,
    limits: &RequestLimits,
) -> Result<(), HttpError> {
    let broken = |_| HttpError::invalid_body("the answer could not be sent");
    if let Work::Motion(_) = work {
        // Plain numbers: serializing cannot fail.
        let mut head = serde_json::to_vec(&StreamHead::new(width, height)).unwrap_or_default();
        head.push(b'\n');
        write_all(output, &head).map_err(broken)?;
    }
    let mut drawn = Vec::new();
    loop {
        let chunk = match input.blocking_read(READ_SIZE) {
            Ok(chunk) => chunk,
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(body::broken_body(&e, framing.frames()));
            }
        };
        let mut index = framing.frames() as usize;
        framing.push(&chunk, |pixels| -> Result<(), HttpError> {
            let frame = Frame::with_limits(width, height, pixels, &limits.frame)?;
            index += 1;
            match &mut work {
                Work::Motion(tracker) => {
                    let found = tracker.push(frame)?;
                    write_all(output, &line_of(index - 1, found)).map_err(broken)
                }
                Work::Render(tracker, painter) => {
                    let found = tracker.push(frame)?;
                    painter.paint_into(
                        frame,
                        tracker.filtered(),
                        &found.vectors,
                        &[],
                        &mut drawn,
                    )?;
                    write_all(output, &drawn).map_err(broken)
                }
            }
        })?;
    }
    framing.finish()
}

/// The NDJSON line of frame `index`.
fn line_of(index: usize, output: ghostlines_core::TrackerOutput) -> Vec<u8> {
    let mut line = serde_json::to_vec(&FrameReport::new(index, output)).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Writes all of `bytes` and flushes them, waiting whenever the client's
/// side is full: a client that stops reading stops the stream here, and
/// the host's send deadline ends it.
fn write_all(output: &OutputStream, mut bytes: &[u8]) -> Result<(), StreamError> {
    while !bytes.is_empty() {
        let permit = output.check_write()?;
        if permit == 0 {
            output.subscribe().block();
            continue;
        }
        let n = usize::try_from(permit)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        output.write(&bytes[..n])?;
        bytes = &bytes[n..];
    }
    output.flush()?;
    // The flush is done when the stream takes writes again.
    while output.check_write()? == 0 {
        output.subscribe().block();
    }
    Ok(())
}

/// Every frame of `chunks` (frames of `frame` bytes, at most `max`), and
/// how the stream ended: the framing driven as the route drives it, for
/// the unit tests and the `stream_framing` fuzz target.
pub fn frames_of(
    chunks: &[&[u8]],
    frame: usize,
    max: u64,
) -> (Vec<Vec<u8>>, Result<(), HttpError>) {
    let mut framing = StreamFraming::new(frame, max);
    let mut frames = Vec::new();
    for chunk in chunks {
        let pushed = framing.push(chunk, |f| -> Result<(), HttpError> {
            frames.push(f.to_vec());
            Ok(())
        });
        if let Err(e) = pushed {
            return (frames, Err(e));
        }
    }
    let end = framing.finish();
    assert_eq!(framing.frames() as usize, frames.len());
    (frames, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_out_whole_wherever_the_chunks_split_them() {
        let bytes: Vec<u8> = (0..40u8).collect();
        let whole = frames_of(&[&bytes], 8, 100).0;
        assert_eq!(whole.len(), 5);
        for split in [
            &[1usize, 7, 9, 3, 20][..],
            &[8, 8, 8, 8, 8],
            &[39, 1],
            &[3; 13],
        ] {
            let mut chunks = Vec::new();
            let mut rest = &bytes[..];
            for &n in split.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at(n.min(rest.len()));
                chunks.push(now);
                rest = later;
            }
            let (frames, end) = frames_of(&chunks, 8, 100);
            assert_eq!(frames, whole, "{split:?}");
            assert!(end.is_ok());
        }
    }

    #[test]
    fn a_cut_frame_and_too_many_frames_are_refused_with_their_kind() {
        let bytes = [7u8; 20];
        let (frames, end) = frames_of(&[&bytes], 8, 100);
        assert_eq!(frames.len(), 2);
        let end = end.unwrap_err();
        assert_eq!((end.status, end.kind), (400, "length-mismatch"));
        let (frames, end) = frames_of(&[&bytes[..16], &bytes[16..]], 8, 2);
        assert_eq!(frames.len(), 2);
        assert_eq!(end.unwrap_err().kind, "too-large");
    }
}
