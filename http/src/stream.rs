//! The stream routes: one request carries frames back to back, and the
//! answer goes out as they come. `/motion/stream` answers a line of
//! NDJSON a frame (after a first line with the version and size);
//! `/render/stream` the drawn RGBA8 frames back to back.
//!
//! Refusals before the first byte of the answer are the usual 4xx. Once
//! the 200 is out, an error ends `/motion/stream` with a last line
//! `{"error":{"kind":…,"message":…,"frames":N}}`, every line before it
//! valid; `/render/stream` ends without finishing its body (a client sees
//! the transfer cut short), after the whole frames it had drawn. The body
//! is read under the stream's own deadlines (`deadline.rs`): each frame
//! within the idle deadline, the whole within the duration limit.

use ghostlines_core::{
    self as core_, Frame, FrameRate, FrameReport, Painter, StreamHead, Tracker, TrackerOutput,
};
use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};
use spin_sdk::wit::wasi::http0_2_0::types::OutgoingBody;
use wasi::io::streams::{InputStream, OutputStream, StreamError};

use crate::body;
use crate::deadline::TimedBody;
use crate::frames::raw_body_only;
use crate::framing::StreamFraming;
use crate::limits::RequestLimits;
use crate::query::Params;
use crate::respond::{HttpError, Reply};
use crate::route::Route;
use crate::settings::{Tracking, frame_rate};

/// A stream route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRoute {
    /// `/motion/stream`: a line of NDJSON a frame.
    Motion,
    /// `/render/stream`: the drawn frames.
    Render,
}

impl StreamRoute {
    fn route(self) -> Route {
        match self {
            StreamRoute::Motion => Route::MotionStream,
            StreamRoute::Render => Route::RenderStream,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            StreamRoute::Motion => "application/x-ndjson",
            StreamRoute::Render => "application/octet-stream",
        }
    }
}

/// What a stream route does with each frame.
enum Work {
    Motion(Tracker),
    /// The painter boxed: the two variants' sizes apart.
    Render(Tracker, Box<Painter>),
}

/// Everything judged before the 200 goes out.
struct Stream {
    work: Work,
    width: u32,
    height: u32,
    /// The frames' rate: frame k is taken at k / rate.
    rate: FrameRate,
}

impl Stream {
    fn frame_bytes(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height) * 4
    }
}

/// `POST /motion/stream` and `POST /render/stream`.
pub async fn handle(
    request: IncomingRequest,
    out: ResponseOutparam,
    route: StreamRoute,
    query: &str,
    limits: &RequestLimits,
    cors: Vec<(String, String)>,
) {
    let stream = match start(&request, route, query, limits) {
        Ok(stream) => stream,
        Err(e) => return Reply::from(e).headers(cors).send(out).await,
    };
    let (_body, input) = match body::open(&request) {
        Ok(opened) => opened,
        Err(e) => return Reply::from(e).headers(cors).send(out).await,
    };
    let mut headers = vec![(
        "content-type".to_string(),
        route.content_type().as_bytes().to_vec(),
    )];
    headers.extend(
        cors.into_iter()
            .map(|(name, value)| (name, value.into_bytes())),
    );
    if route == StreamRoute::Render {
        headers.push(("x-width".into(), stream.width.to_string().into_bytes()));
        headers.push(("x-height".into(), stream.height.to_string().into_bytes()));
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
    let frame_bytes = usize::try_from(stream.frame_bytes()).unwrap_or(usize::MAX);
    let mut framing = StreamFraming::new(frame_bytes, limits.stream.max_frames);
    match run(stream, &input, &output, &mut framing, limits) {
        Ok(()) => {
            drop(output);
            let _ = OutgoingBody::finish(body, None);
        }
        Err(e) if route == StreamRoute::Motion => {
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
    route: StreamRoute,
    query: &str,
    limits: &RequestLimits,
) -> Result<Stream, HttpError> {
    let params = Params::parse(query, &route.route().params())?;
    let rate = frame_rate(&params)?;
    raw_body_only(request)?;
    let (work, width, height) = match route {
        StreamRoute::Motion => {
            let Tracking {
                tracker,
                width,
                height,
                ..
            } = Tracking::from_query(&params, limits)?;
            (Work::Motion(tracker), width, height)
        }
        StreamRoute::Render => {
            let (
                Tracking {
                    tracker,
                    width,
                    height,
                    ..
                },
                painter,
            ) = Tracking::drawing(&params, limits)?;
            (Work::Render(tracker, Box::new(painter)), width, height)
        }
    };
    let stream = Stream {
        work,
        width,
        height,
        rate,
    };
    if let Some(length) = body::header(request, "content-length") {
        let frame_bytes = stream.frame_bytes();
        let length: u64 = length
            .parse()
            .map_err(|_| HttpError::invalid_parameter(format!("bad content-length {length:?}")))?;
        if !length.is_multiple_of(frame_bytes) {
            return Err(HttpError::length_mismatch(
                (length / frame_bytes + 1) * frame_bytes,
                length,
            ));
        }
        if length / frame_bytes > limits.stream.max_frames {
            return Err(HttpError::too_many_frames(limits.stream.max_frames));
        }
    }
    Ok(stream)
}

/// Reads frames until the body ends, answering each.
fn run(
    stream: Stream,
    input: &InputStream,
    output: &OutputStream,
    framing: &mut StreamFraming,
    limits: &RequestLimits,
) -> Result<(), HttpError> {
    let broken = |_| HttpError::invalid_body("the answer could not be sent");
    let Stream {
        mut work,
        width,
        height,
        rate,
    } = stream;
    if let Work::Motion(_) = work {
        // Plain numbers: serializing cannot fail.
        let mut head = serde_json::to_vec(&StreamHead::new(width, height)).unwrap_or_default();
        head.push(b'\n');
        write_all(output, &head).map_err(broken)?;
    }
    let mut body = TimedBody::frames(
        input,
        u64::from(width) * u64::from(height) * 4,
        &limits.stream,
    );
    let mut drawn = Vec::new();
    while let Some(chunk) = body.next_chunk()? {
        let mut index = framing.frames() as usize;
        framing.push(&chunk, |pixels| -> Result<(), HttpError> {
            let frame = Frame::with_limits(width, height, pixels, &limits.frame)?;
            let time = rate.frame_time_ms(index as u64);
            index += 1;
            match &mut work {
                Work::Motion(tracker) => {
                    let found = tracker.push_at(frame, time)?;
                    write_all(output, &line_of(index - 1, found)).map_err(broken)
                }
                Work::Render(tracker, painter) => {
                    let time = Some(time);
                    core_::track_and_paint_into(tracker, painter, frame, time, &mut drawn)?;
                    write_all(output, &drawn).map_err(broken)
                }
            }
        })?;
    }
    framing.finish()
}

/// The NDJSON line of frame `index`.
fn line_of(index: usize, output: TrackerOutput) -> Vec<u8> {
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
