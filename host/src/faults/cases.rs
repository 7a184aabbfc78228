//! The kinds of request a fault run sends, one builder a case: the
//! request, how it is sent, and what it was promised.

use std::time::Duration;

use ghostlines_core as core_;
use serde::Serialize;

use super::raw_http::{RAW, Send, post_head, raw_post, with_body};
use super::verdict::Promise;
use super::{Deadlines, GRACE};

/// The kinds of request a fault run sends, in turn (request `i` is case
/// `i` modulo their number, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Case {
    /// A good greyscale request (checked against core).
    GoodGreyscale,
    /// A good adjust request (checked against core).
    GoodAdjust,
    /// A body one byte short of width·height·4.
    WrongLength,
    /// Zero, huge or unparsable dimensions.
    AbsurdDimensions,
    /// Unknown, repeated, badly encoded or out-of-range parameters.
    MalformedQuery,
    /// A wrong method, media type or path.
    WrongRequest,
    /// `content-length` promises more than is sent before the client
    /// closes its side.
    TruncatedBody,
    /// Half the body, then silence (the server's body deadline must cut it).
    StalledBody,
    /// A `content-length` over the body limit: refused before the body.
    OversizedBody,
    /// A large answer the client never reads (the server's send deadline
    /// must cut it off and free the instance).
    NeverRead,
    /// A good /motion/stream of small frames (lines checked against core).
    StreamGood,
    /// A stream cut inside its third frame.
    StreamCut,
    /// A stream that stalls inside its second frame.
    StreamStalled,
    /// A /render/stream whose answer is never read.
    StreamNeverRead,
    /// A stream of one frame more than the server allows.
    StreamTooMany,
    /// A stream with a size of zero in its query.
    StreamWrongSize,
    /// A stream that trickles a byte at a time, fast enough to restart any
    /// per-chunk deadline, far too slow for a frame.
    StreamTrickleBytes,
    /// A stream that sends whole frames, but each long after the last.
    StreamTrickleFrames,
}

impl Case {
    /// Every case, in declaration order.
    pub fn all() -> &'static [Case] {
        <Case as clap::ValueEnum>::value_variants()
    }

    /// The case's name, as in the JSON report (`wrong-length`).
    pub fn name(&self) -> String {
        clap::ValueEnum::to_possible_value(self)
            .map(|value| value.get_name().to_string())
            .unwrap_or_default()
    }

    /// Request `index`'s case.
    pub(super) fn of_request(index: usize) -> Case {
        Case::all()[index % Case::all().len()]
    }
}

/// A request to make: how it is sent, and what it was promised.
#[derive(Debug)]
pub(super) struct Trial {
    pub send: Send,
    pub promise: Promise,
}

/// What a builder knows of its request.
pub(super) struct Turn {
    /// The request's number in the run.
    pub index: usize,
    /// Which variant of the case: the round, not `index`, so that every
    /// variant comes.
    pub round: usize,
    pub deadlines: Deadlines,
}

impl Turn {
    pub(super) fn new(index: usize, deadlines: Deadlines) -> Turn {
        Turn {
            index,
            round: index / Case::all().len(),
            deadlines,
        }
    }
}

/// Long enough for any answer that has no deadline to meet.
const PATIENT: Duration = Duration::from_secs(30);

/// The frame a reader that never reads asks for: its 14.7 MB answer is
/// several times what the socket buffers between the two ends hold, so
/// the server must wait on the client.
const NEVER_READ_SIZE: (u32, u32) = (2560, 1440);

/// The stream the tricklers, the cut and the stall send: 16x8 frames,
/// 512 bytes each.
const SMALL_STREAM: &str = "/motion/stream?width=16&height=8";
const SMALL_FRAME_BYTES: usize = 16 * 8 * 4;

/// A good frame for request `index`: sizes vary, so lengths are never all
/// alike.
struct GoodFrame {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl GoodFrame {
    fn for_request(index: usize) -> GoodFrame {
        let (width, height) = (32 + (index % 7) as u32 * 29, 24 + (index % 5) as u32 * 17);
        GoodFrame {
            width,
            height,
            pixels: core_::synthetic_scene(width, height, (index % 4) as u32),
        }
    }

    /// `route` with this frame's size in the query, and `more` after it.
    fn target(&self, route: &str, more: &str) -> String {
        format!("{route}?width={}&height={}{more}", self.width, self.height)
    }

    fn view(&self) -> Option<core_::Frame<'_>> {
        core_::Frame::new(self.width, self.height, &self.pixels).ok()
    }
}

impl Case {
    /// The request this case makes on `turn`.
    pub(super) fn trial(self, turn: &Turn) -> Trial {
        let build = match self {
            Case::GoodGreyscale => good_greyscale,
            Case::GoodAdjust => good_adjust,
            Case::WrongLength => wrong_length,
            Case::AbsurdDimensions => absurd_dimensions,
            Case::MalformedQuery => malformed_query,
            Case::WrongRequest => wrong_request,
            Case::TruncatedBody => truncated_body,
            Case::StalledBody => stalled_body,
            Case::OversizedBody => oversized_body,
            Case::NeverRead => never_read,
            Case::StreamGood => stream_good,
            Case::StreamCut => stream_cut,
            Case::StreamStalled => stream_stalled,
            Case::StreamNeverRead => stream_never_read,
            Case::StreamTooMany => stream_too_many,
            Case::StreamWrongSize => stream_wrong_size,
            Case::StreamTrickleBytes => stream_trickle_bytes,
            Case::StreamTrickleFrames => stream_trickle_frames,
        };
        build(turn)
    }
}

/// A whole request, waited on patiently, that must be refused so.
fn refused(request: Vec<u8>, promised: &'static str) -> Trial {
    Trial {
        send: Send::Whole {
            request,
            wait: PATIENT,
        },
        promise: Promise::Error(promised, PATIENT),
    }
}

fn good_greyscale(turn: &Turn) -> Trial {
    let frame = GoodFrame::for_request(turn.index);
    let method = core_::GreyMethod::ALL[turn.index % core_::GreyMethod::ALL.len()];
    let target = frame.target("/greyscale", &format!("&method={}", method.name()));
    let want = frame.view().map(|f| core_::greyscale(f, method));
    Trial {
        send: Send::Whole {
            request: raw_post(&target, &frame.pixels),
            wait: PATIENT,
        },
        promise: Promise::Bytes(want),
    }
}

fn good_adjust(turn: &Turn) -> Trial {
    let frame = GoodFrame::for_request(turn.index);
    let (contrast, brightness) = (
        (turn.index % 201) as i32 - 100,
        (turn.index % 61) as i32 - 30,
    );
    let target = frame.target(
        "/adjust",
        &format!("&contrast={contrast}&brightness={brightness}"),
    );
    let want = core_::Adjustment::new(contrast, brightness)
        .ok()
        .zip(frame.view())
        .map(|(adjustment, f)| core_::adjust_rgba(f, &adjustment));
    Trial {
        send: Send::Whole {
            request: raw_post(&target, &frame.pixels),
            wait: PATIENT,
        },
        promise: Promise::Bytes(want),
    }
}

fn wrong_length(turn: &Turn) -> Trial {
    let frame = GoodFrame::for_request(turn.index);
    let short = &frame.pixels[..frame.pixels.len() - 1];
    refused(
        raw_post(&frame.target("/greyscale", ""), short),
        "400 length-mismatch",
    )
}

fn absurd_dimensions(turn: &Turn) -> Trial {
    let sizes = [
        ("width=0&height=10", "400 invalid-dimensions"),
        ("width=100000&height=100000", "413 too-large"),
        ("width=4294967296&height=1", "400 invalid-parameter"),
        ("width=16384&height=16384", "413 too-large"),
        ("width=-3&height=2", "400 invalid-parameter"),
    ];
    let (query, promised) = sizes[turn.round % sizes.len()];
    refused(raw_post(&format!("/centroid?{query}"), &[0; 16]), promised)
}

fn malformed_query(turn: &Turn) -> Trial {
    let queries = [
        "width=4&height=4&bogus=1",
        "width=4&width=4&height=4",
        "width=4&height=4&method=%zz",
        "width=4&height=4&contrast=500&brightness=0",
        "width=four&height=4",
        "width=4&height=4&mode=psychic",
    ];
    let route = if turn.round.is_multiple_of(2) {
        "/adjust"
    } else {
        "/motion"
    };
    let target = format!("{route}?{}", queries[turn.round % queries.len()]);
    refused(raw_post(&target, &[0; 64]), "400 invalid-parameter")
}

fn wrong_request(turn: &Turn) -> Trial {
    let frame = GoodFrame::for_request(turn.index);
    let text = with_body(
        post_head(&frame.target("/greyscale", ""), "text/plain", 4),
        b"abcd",
    );
    let requests: [(Vec<u8>, &str); 3] = [
        (
            b"GET /greyscale HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_vec(),
            "405 method-not-allowed",
        ),
        (text, "415 unsupported-media-type"),
        (raw_post("/nowhere", b"abcd"), "404 not-found"),
    ];
    let (request, promised) = &requests[turn.round % requests.len()];
    refused(request.clone(), promised)
}

/// The head of a whole frame's POST, and half its body.
fn half_a_body(turn: &Turn) -> Vec<u8> {
    let frame = GoodFrame::for_request(turn.index);
    let mut request = post_head(&frame.target("/greyscale", ""), RAW, frame.pixels.len());
    request.extend_from_slice(&frame.pixels[..frame.pixels.len() / 2]);
    request
}

fn truncated_body(turn: &Turn) -> Trial {
    Trial {
        send: Send::ThenClose {
            request: half_a_body(turn),
            wait: PATIENT,
        },
        promise: Promise::Error("400 invalid-body", PATIENT),
    }
}

fn stalled_body(turn: &Turn) -> Trial {
    let within = turn.deadlines.body + GRACE;
    Trial {
        send: Send::Whole {
            request: half_a_body(turn),
            wait: within,
        },
        promise: Promise::Error("408 timeout", within),
    }
}

fn oversized_body(_: &Turn) -> Trial {
    // Only the head: the refusal must come before any body byte.
    let request = post_head("/motion?width=4096&height=4096", RAW, (64 << 20) + 1);
    refused(request, "413 too-large")
}

fn never_read(turn: &Turn) -> Trial {
    let (w, h) = NEVER_READ_SIZE;
    let body = vec![128u8; w as usize * h as usize * 4];
    let target = format!("/adjust?width={w}&height={h}&contrast=10&brightness=0");
    let look = turn.deadlines.send + super::NEVER_READ_LOOK;
    Trial {
        send: Send::NeverRead {
            request: raw_post(&target, &body),
            look,
        },
        promise: Promise::Cut(body.len(), look + GRACE),
    }
}

fn stream_good(turn: &Turn) -> Trial {
    let (w, h) = (24, 16);
    let frames: Vec<Vec<u8>> = (0..3)
        .map(|k| core_::synthetic_scene(w, h, (turn.index + k) as u32 % 5))
        .collect();
    Trial {
        promise: Promise::Bytes(stream_lines(w, h, &frames)),
        send: Send::Stream {
            path: format!("/motion/stream?width={w}&height={h}"),
            chunks: frames,
            stall: false,
            wait: PATIENT,
        },
    }
}

/// Core's answer to a /motion/stream of `frames` at the default rate: the
/// head line, then a line a frame.
fn stream_lines(w: u32, h: u32, frames: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut tracker = core_::Tracker::new(core_::TrackerSettings::default()).ok()?;
    let mut lines = serde_json::to_string(&core_::StreamHead::new(w, h)).ok()?;
    lines.push('\n');
    for (k, f) in frames.iter().enumerate() {
        let time = core_::FrameRate::DEFAULT.frame_time_ms(k as u64);
        let out = tracker
            .push_at(core_::Frame::new(w, h, f).ok()?, time)
            .ok()?;
        lines.push_str(&serde_json::to_string(&core_::FrameReport::new(k, out)).ok()?);
        lines.push('\n');
    }
    Some(lines.into_bytes())
}

fn stream_cut(_: &Turn) -> Trial {
    let frame = vec![90u8; SMALL_FRAME_BYTES];
    Trial {
        send: Send::Stream {
            path: SMALL_STREAM.to_string(),
            chunks: vec![frame.clone(), frame.clone(), frame[..100].to_vec()],
            stall: false,
            wait: PATIENT,
        },
        promise: Promise::LastLine("length-mismatch", 2, PATIENT),
    }
}

fn stream_stalled(turn: &Turn) -> Trial {
    let frame = vec![90u8; SMALL_FRAME_BYTES];
    let within = turn.deadlines.stream_idle + GRACE;
    Trial {
        send: Send::Stream {
            path: SMALL_STREAM.to_string(),
            chunks: vec![frame.clone(), frame[..200].to_vec()],
            stall: true,
            wait: within,
        },
        promise: Promise::LastLine("timeout", 1, within),
    }
}

fn stream_never_read(turn: &Turn) -> Trial {
    let (w, h) = NEVER_READ_SIZE;
    let within = turn.deadlines.send + GRACE + GRACE;
    Trial {
        send: Send::StreamNeverRead {
            path: format!("/render/stream?width={w}&height={h}"),
            frame: vec![100u8; w as usize * h as usize * 4],
            wait: within,
        },
        promise: Promise::WritesCut(within),
    }
}

fn stream_too_many(turn: &Turn) -> Trial {
    // One-pixel frames, one more than allowed.
    let allowed = turn.deadlines.max_stream_frames;
    Trial {
        send: Send::Stream {
            path: "/motion/stream?width=1&height=1".to_string(),
            chunks: vec![vec![7u8; 4 * (allowed as usize + 1)]],
            stall: false,
            wait: PATIENT,
        },
        promise: Promise::LastLine("too-large", allowed, PATIENT),
    }
}

fn stream_wrong_size(_: &Turn) -> Trial {
    Trial {
        send: Send::Stream {
            path: "/motion/stream?width=0&height=8".to_string(),
            chunks: vec![vec![0; 64]],
            stall: false,
            wait: PATIENT,
        },
        promise: Promise::Error("400 invalid-dimensions", PATIENT),
    }
}

fn stream_trickle_bytes(turn: &Turn) -> Trial {
    let within = turn.deadlines.stream_idle + GRACE;
    Trial {
        // Five bytes an idle deadline: a deadline that restarted on every
        // chunk would never pass.
        send: Send::Trickle {
            path: SMALL_STREAM.to_string(),
            chunk: vec![90],
            every: turn.deadlines.stream_idle / 5,
            wait: within,
        },
        promise: Promise::LastLine("timeout", 0, within),
    }
}

fn stream_trickle_frames(turn: &Turn) -> Trial {
    let within = turn.deadlines.stream_idle + GRACE;
    Trial {
        // Whole frames, one every two idle deadlines: the second is late.
        send: Send::Trickle {
            path: SMALL_STREAM.to_string(),
            chunk: vec![90u8; SMALL_FRAME_BYTES],
            every: turn.deadlines.stream_idle * 2,
            wait: within,
        },
        promise: Promise::LastLine("timeout", 1, within),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadlines() -> Deadlines {
        Deadlines {
            body: Duration::from_millis(1500),
            send: Duration::from_millis(1500),
            stream_idle: Duration::from_millis(1500),
            max_stream_frames: 500,
            max_client_streams: 8,
        }
    }

    #[test]
    fn requests_cycle_through_every_case_and_its_variants() {
        assert_eq!(Case::all().len(), 18);
        assert_eq!(Case::of_request(0), Case::GoodGreyscale);
        assert_eq!(Case::of_request(19), Case::GoodAdjust);
        assert_eq!(Case::StreamTrickleBytes.name(), "stream-trickle-bytes");
        // Over rounds, each variant of a case comes.
        let promised: std::collections::BTreeSet<String> = (0..5)
            .map(|round| {
                let turn = Turn::new(3 + round * 18, deadlines());
                match Case::AbsurdDimensions.trial(&turn).promise {
                    Promise::Error(promised, _) => promised.to_string(),
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        assert_eq!(promised.len(), 3, "{promised:?}");
    }

    #[test]
    fn each_case_sends_what_it_names() {
        let turn = Turn::new(7, deadlines());
        let head_of = |case: Case| match case.trial(&turn).send {
            Send::Whole { request, .. }
            | Send::ThenClose { request, .. }
            | Send::NeverRead { request, .. } => String::from_utf8_lossy(
                &request[..request.windows(4).position(|w| w == b"\r\n\r\n").unwrap()],
            )
            .into_owned(),
            Send::Stream { path, .. }
            | Send::Trickle { path, .. }
            | Send::StreamNeverRead { path, .. } => path,
        };
        assert!(head_of(Case::OversizedBody).contains("content-length: 67108865"));
        assert!(head_of(Case::WrongLength).starts_with("POST /greyscale?width="));
        assert_eq!(
            head_of(Case::StreamWrongSize),
            "/motion/stream?width=0&height=8"
        );
        // A wrong length is one byte short of its frame.
        let Send::Whole { request, .. } = Case::WrongLength.trial(&turn).send else {
            panic!()
        };
        let frame = GoodFrame::for_request(7);
        let head = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert_eq!(request.len() - head, frame.pixels.len() - 1);
        // A stall waits its deadline and a second.
        let Trial {
            send: Send::Whole { wait, .. },
            promise: Promise::Error("408 timeout", within),
        } = Case::StalledBody.trial(&turn)
        else {
            panic!()
        };
        assert_eq!(
            (wait, within),
            (Duration::from_millis(2500), Duration::from_millis(2500))
        );
        // A good stream's promise is core's lines: a head and three frames.
        let Promise::Bytes(Some(lines)) = Case::StreamGood.trial(&turn).promise else {
            panic!()
        };
        assert_eq!(lines.iter().filter(|&&b| b == b'\n').count(), 4);
    }
}
