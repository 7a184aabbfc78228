//! `ghostlines faults`: a fault and load test against a ghostlines server.
//! Concurrent clients mix good frames (answers checked byte for byte
//! against `core`) with every kind of bad request — wrong lengths, absurd
//! dimensions, malformed queries, wrong methods and media types, truncated
//! bodies, bodies that stall mid-stream, oversized bodies, answers never
//! read — each over its own connection, bounded in count and time. Every
//! bad request must get exactly its 4xx status and error kind (a stall
//! within the server's body deadline plus a second, a reader that never
//! reads cut off within its send deadline plus a second), and the server
//! must still answer afterwards.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ghostlines_core as core_;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A fault run's settings.
#[derive(Debug, Clone)]
pub struct FaultConfig {
    /// `http://host:port` of the server.
    pub url: String,
    /// Clients at once.
    pub concurrency: usize,
    /// Requests in all.
    pub requests: usize,
    /// Stop after this long even if requests remain.
    pub time_limit: Duration,
    /// The server's process id, to read its peak memory (Linux).
    pub server_pid: Option<u32>,
}

/// The kinds of request a fault run sends, in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

const CASES: [Case; 18] = [
    Case::GoodGreyscale,
    Case::GoodAdjust,
    Case::WrongLength,
    Case::AbsurdDimensions,
    Case::MalformedQuery,
    Case::WrongRequest,
    Case::TruncatedBody,
    Case::StalledBody,
    Case::OversizedBody,
    Case::NeverRead,
    Case::StreamGood,
    Case::StreamCut,
    Case::StreamStalled,
    Case::StreamNeverRead,
    Case::StreamTooMany,
    Case::StreamWrongSize,
    Case::StreamTrickleBytes,
    Case::StreamTrickleFrames,
];

/// The server's deadlines, as `GET /` states them: the fault run waits
/// for each promise exactly as long as it may take, and a second more.
#[derive(Debug, Clone, Copy)]
struct Deadlines {
    body: Duration,
    send: Duration,
    stream_idle: Duration,
    max_stream_frames: u64,
    /// Streams one client may hold at once.
    max_client_streams: u64,
}

/// How much later than its deadline a refusal may come.
const GRACE: Duration = Duration::from_secs(1);

/// When a reader that never reads looks whether it was cut off: this long
/// after the send deadline (a cut cannot be seen without reading, and
/// reading would let the answer flow again).
const NEVER_READ_LOOK: Duration = Duration::from_millis(500);

/// What a fault run saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FaultReport {
    /// Requests sent.
    pub sent: usize,
    /// Outcomes by case: `"400 length-mismatch"` (status and error kind),
    /// `"200"`, `"cut"` (the server closed the connection mid-answer) or
    /// `"none"` (no answer).
    pub statuses: BTreeMap<Case, BTreeMap<String, usize>>,
    /// Good requests answered 200 with exactly core's bytes.
    pub good_identical: usize,
    /// Good requests answered otherwise.
    pub good_wrong: usize,
    /// 5xx answers to bad input (must be 0).
    pub bad_5xx: usize,
    /// Bad requests whose outcome was not the promised one (must be 0).
    pub bad_wrong: usize,
    /// The first few broken promises, for people.
    pub broken: Vec<String>,
    /// Slowest good answer, ms (stalled uploads must not block them).
    pub good_max_ms: f64,
    /// The server's body and send deadlines, ms, from `GET /`.
    pub body_timeout_ms: u64,
    pub send_timeout_ms: u64,
    /// Slowest 408 to a stalled upload, ms (it must come within the body
    /// deadline and a second).
    pub stall_max_ms: f64,
    /// The server's peak resident memory (VmHWM), MiB, if its pid was given.
    pub server_peak_rss_mib: Option<f64>,
    /// Whether `GET /` still answered 200 after the run.
    pub answering_after: bool,
    /// Wall time, s.
    pub seconds: f64,
}

impl FaultReport {
    /// Lines for people.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{} requests in {:.1} s; good answers byte-identical to core: {} (wrong: {}), slowest {:.1} ms; bad requests answered otherwise than promised: {} (5xx: {})\n",
            self.sent,
            self.seconds,
            self.good_identical,
            self.good_wrong,
            self.good_max_ms,
            self.bad_wrong,
            self.bad_5xx
        );
        out.push_str(&format!(
            "stalled uploads answered within {:.0} ms (body deadline {} ms); unread answers checked for a cut {} ms after sending (send deadline {} ms)\n",
            self.stall_max_ms,
            self.body_timeout_ms,
            self.send_timeout_ms + NEVER_READ_LOOK.as_millis() as u64,
            self.send_timeout_ms
        ));
        for (case, statuses) in &self.statuses {
            let list: Vec<String> = statuses.iter().map(|(s, n)| format!("{n}x {s}")).collect();
            out.push_str(&format!("  {:<18} {}\n", case.name(), list.join(", ")));
        }
        for broken in &self.broken {
            out.push_str(&format!("  broken: {broken}\n"));
        }
        if let Some(mib) = self.server_peak_rss_mib {
            out.push_str(&format!("server peak RSS: {mib:.0} MiB\n"));
        }
        out.push_str(&format!(
            "server answering after the run: {}\n",
            if self.answering_after { "yes" } else { "NO" }
        ));
        out
    }

    /// Whether every promise held: good answers identical, every bad
    /// request answered exactly as promised and in time, the server still
    /// up.
    pub fn passed(&self) -> bool {
        self.good_wrong == 0 && self.bad_wrong == 0 && self.answering_after
    }
}

impl Case {
    /// The case's name, as in the JSON report.
    pub fn name(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// A frame for request `i`: sizes vary so lengths are never all alike.
fn good_frame(i: usize) -> (u32, u32, Vec<u8>) {
    let (w, h) = (32 + (i % 7) as u32 * 29, 24 + (i % 5) as u32 * 17);
    (w, h, core_::synthetic_scene(w, h, (i % 4) as u32))
}

/// The frame a reader that never reads asks to adjust: its 14.7 MB answer
/// is several times what the socket buffers between the two ends hold, so
/// the server must wait on the client.
const NEVER_READ_SIZE: (u32, u32) = (2560, 1440);

struct Outcome {
    case: Case,
    /// `"400 length-mismatch"`, `"200"`, `"cut"` or `"none"`.
    label: String,
    status: Option<u16>,
    /// Good cases: whether the answer was exactly core's.
    good: Option<bool>,
    /// Bad cases: the promised label, if it was not met (or not in time).
    broken: Option<String>,
    millis: f64,
}

/// Runs the mix.
pub async fn run(config: &FaultConfig) -> anyhow::Result<FaultReport> {
    let authority = crate::load::authority(&config.url)?;
    if config.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let deadlines = deadlines(&authority).await?;
    // Every client may be in a stream case at once, and all come from
    // this one address.
    if config.concurrency as u64 > deadlines.max_client_streams {
        bail!(
            "--concurrency {} is over the streams the server allows one client ({}): its stream cases would be refused with 429; lower it, or start the server with --max-client-streams {}",
            config.concurrency,
            deadlines.max_client_streams,
            config.concurrency
        );
    }
    let authority = Arc::new(authority);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let stop_at = started + config.time_limit;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..config.concurrency {
        let (authority, next) = (authority.clone(), next.clone());
        let total = config.requests;
        clients.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() >= stop_at {
                    break;
                }
                outcomes.push(one(&authority, i, deadlines).await);
            }
            outcomes
        });
    }
    let mut report = FaultReport {
        body_timeout_ms: deadlines.body.as_millis() as u64,
        send_timeout_ms: deadlines.send.as_millis() as u64,
        ..FaultReport::default()
    };
    while let Some(outcomes) = clients.join_next().await {
        for o in outcomes.context("a fault client panicked")? {
            report.sent += 1;
            *report
                .statuses
                .entry(o.case)
                .or_default()
                .entry(o.label.clone())
                .or_insert(0) += 1;
            match o.good {
                Some(true) => {
                    report.good_identical += 1;
                    report.good_max_ms = report.good_max_ms.max(o.millis);
                }
                Some(false) => report.good_wrong += 1,
                None => {
                    if o.status.is_some_and(|s| s >= 500) {
                        report.bad_5xx += 1;
                    }
                    if o.case == Case::StalledBody {
                        report.stall_max_ms = report.stall_max_ms.max(o.millis);
                    }
                }
            }
            if let Some(promised) = o.broken {
                report.bad_wrong += 1;
                if report.broken.len() < 10 {
                    report.broken.push(format!(
                        "{}: promised {promised}, got {} after {:.0} ms",
                        o.case.name(),
                        o.label,
                        o.millis
                    ));
                }
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.answering_after = matches!(
        exchange(
            &authority,
            b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            Duration::from_secs(30)
        )
        .await,
        Ok((Some(200), _))
    );
    report.server_peak_rss_mib = config.server_pid.and_then(peak_rss_mib);
    Ok(report)
}

/// The server's body and send deadlines from `GET /`.
async fn deadlines(authority: &str) -> anyhow::Result<Deadlines> {
    let (status, body) = exchange(
        authority,
        b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        Duration::from_secs(30),
    )
    .await?;
    anyhow::ensure!(status == Some(200), "GET / answered {status:?}");
    let index: serde_json::Value =
        serde_json::from_slice(&body).context("GET / is not the ghostlines index")?;
    let ms = |section: &str, name: &str| {
        index[section][name]
            .as_u64()
            .map(Duration::from_millis)
            .with_context(|| {
                format!(
                    "the server states no {section}.{name} at GET / (run it with `ghostlines serve`)"
                )
            })
    };
    Ok(Deadlines {
        body: ms("limits", "body_timeout_ms")?,
        send: ms("host", "send_timeout_ms")?,
        stream_idle: ms("limits", "stream_idle_timeout_ms")?,
        max_stream_frames: index["limits"]["max_stream_frames"]
            .as_u64()
            .context("the server states no limits.max_stream_frames at GET /")?,
        max_client_streams: index["host"]["max_client_streams"]
            .as_u64()
            .context("the server states no host.max_client_streams at GET /")?,
    })
}

/// Request `i`: case `i % CASES.len()`, over its own connection.
async fn one(authority: &str, i: usize, deadlines: Deadlines) -> Outcome {
    let case = CASES[i % CASES.len()];
    // Which variant of the case: the round, not `i`, so every variant comes.
    let round = i / CASES.len();
    let started = Instant::now();
    let (w, h, frame) = good_frame(i);
    let post = |target: &str, content_type: &str, length: usize| {
        format!(
            "POST {target} HTTP/1.1\r\nhost: x\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
        )
        .into_bytes()
    };
    let raw = "application/octet-stream";
    let with_body = |mut head: Vec<u8>, body: &[u8]| {
        head.extend_from_slice(body);
        head
    };
    // A whole raw-RGBA POST: the head for `body`, then `body`.
    let raw_post = |target: &str, body: &[u8]| with_body(post(target, raw, body.len()), body);
    let patient = Duration::from_secs(30);
    // (the answer, the promised outcome and the time it may take)
    let (answer, promise): (Answer, Promise) = match case {
        Case::GoodGreyscale => {
            let method = core_::GreyMethod::ALL[i % core_::GreyMethod::ALL.len()];
            let target = format!("/greyscale?width={w}&height={h}&method={}", method.name());
            let answer = exchange(authority, &raw_post(&target, &frame), patient).await;
            let want = core_::Frame::new(w, h, &frame)
                .ok()
                .map(|f| core_::greyscale(f, method));
            (answer, Promise::Bytes(want))
        }
        Case::GoodAdjust => {
            let (c, b) = ((i % 201) as i32 - 100, (i % 61) as i32 - 30);
            let target = format!("/adjust?width={w}&height={h}&contrast={c}&brightness={b}");
            let answer = exchange(authority, &raw_post(&target, &frame), patient).await;
            let want = core_::Adjustment::new(c, b)
                .ok()
                .zip(core_::Frame::new(w, h, &frame).ok())
                .map(|(a, f)| core_::adjust_rgba(f, &a));
            (answer, Promise::Bytes(want))
        }
        Case::WrongLength => {
            let target = format!("/greyscale?width={w}&height={h}");
            let request = raw_post(&target, &frame[..frame.len() - 1]);
            let answer = exchange(authority, &request, patient).await;
            (answer, Promise::Error("400 length-mismatch", patient))
        }
        Case::AbsurdDimensions => {
            let sizes = [
                ("width=0&height=10", "400 invalid-dimensions"),
                ("width=100000&height=100000", "413 too-large"),
                ("width=4294967296&height=1", "400 invalid-parameter"),
                ("width=16384&height=16384", "413 too-large"),
                ("width=-3&height=2", "400 invalid-parameter"),
            ];
            let (query, promised) = sizes[round % sizes.len()];
            let target = format!("/centroid?{query}");
            let answer = exchange(authority, &raw_post(&target, &[0; 16]), patient).await;
            (answer, Promise::Error(promised, patient))
        }
        Case::MalformedQuery => {
            let queries = [
                "width=4&height=4&bogus=1",
                "width=4&width=4&height=4",
                "width=4&height=4&method=%zz",
                "width=4&height=4&contrast=500&brightness=0",
                "width=four&height=4",
                "width=4&height=4&mode=psychic",
            ];
            let route = if round.is_multiple_of(2) {
                "/adjust"
            } else {
                "/motion"
            };
            let target = format!("{route}?{}", queries[round % queries.len()]);
            let answer = exchange(authority, &raw_post(&target, &[0; 64]), patient).await;
            (answer, Promise::Error("400 invalid-parameter", patient))
        }
        Case::WrongRequest => {
            let requests: [(Vec<u8>, &str); 3] = [
                (
                    b"GET /greyscale HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_vec(),
                    "405 method-not-allowed",
                ),
                (
                    with_body(
                        post(&format!("/greyscale?width={w}&height={h}"), "text/plain", 4),
                        b"abcd",
                    ),
                    "415 unsupported-media-type",
                ),
                (raw_post("/nowhere", b"abcd"), "404 not-found"),
            ];
            let (request, promised) = &requests[round % 3];
            let answer = exchange(authority, request, patient).await;
            (answer, Promise::Error(promised, patient))
        }
        Case::TruncatedBody => {
            let target = format!("/greyscale?width={w}&height={h}");
            let mut request = post(&target, raw, frame.len());
            request.extend_from_slice(&frame[..frame.len() / 2]);
            let answer = exchange_then_close(authority, &request, patient).await;
            (answer, Promise::Error("400 invalid-body", patient))
        }
        Case::StalledBody => {
            let target = format!("/greyscale?width={w}&height={h}");
            let mut request = post(&target, raw, frame.len());
            request.extend_from_slice(&frame[..frame.len() / 2]);
            let within = deadlines.body + GRACE;
            let answer = exchange(authority, &request, within).await;
            (answer, Promise::Error("408 timeout", within))
        }
        Case::OversizedBody => {
            // Only the head: the refusal must come before any body byte.
            let request = post("/motion?width=4096&height=4096", raw, (64 << 20) + 1);
            let answer = exchange(authority, &request, patient).await;
            (answer, Promise::Error("413 too-large", patient))
        }
        Case::NeverRead => {
            let (w, h) = NEVER_READ_SIZE;
            let body = vec![128u8; w as usize * h as usize * 4];
            let target = format!("/adjust?width={w}&height={h}&contrast=10&brightness=0");
            let look = deadlines.send + NEVER_READ_LOOK;
            let answer = never_read(authority, &raw_post(&target, &body), look).await;
            (answer, Promise::Cut(body.len(), look + GRACE))
        }
        Case::StreamGood => {
            let (w, h) = (24, 16);
            let frames: Vec<Vec<u8>> = (0..3)
                .map(|k| core_::synthetic_scene(w, h, (i + k) as u32 % 5))
                .collect();
            let path = format!("/motion/stream?width={w}&height={h}");
            let answer = stream_exchange(authority, &path, &frames, false, patient).await;
            let mut tracker = core_::Tracker::new(core_::TrackerSettings::default()).ok();
            let mut want = serde_json::to_string(&core_::StreamHead::new(w, h)).unwrap_or_default();
            want.push('\n');
            for (k, f) in frames.iter().enumerate() {
                // A stream without `fps` comes at the default rate.
                let time = core_::FrameRate::DEFAULT.frame_time_ms(k as u64);
                let out = tracker
                    .as_mut()
                    .and_then(|t| t.push_at(core_::Frame::new(w, h, f).ok()?, time).ok());
                if let Some(out) = out {
                    want.push_str(
                        &serde_json::to_string(&core_::FrameReport::new(k, out))
                            .unwrap_or_default(),
                    );
                    want.push('\n');
                }
            }
            (answer, Promise::Bytes(Some(want.into_bytes())))
        }
        Case::StreamCut => {
            let frame = vec![90u8; 16 * 8 * 4];
            let cut = [frame.clone(), frame.clone(), frame[..100].to_vec()];
            let answer = stream_exchange(
                authority,
                "/motion/stream?width=16&height=8",
                &cut,
                false,
                patient,
            )
            .await;
            (answer, Promise::LastLine("length-mismatch", 2, patient))
        }
        Case::StreamStalled => {
            let frame = vec![90u8; 16 * 8 * 4];
            let stalled = [frame.clone(), frame[..200].to_vec()];
            let within = deadlines.stream_idle + GRACE;
            let answer = stream_exchange(
                authority,
                "/motion/stream?width=16&height=8",
                &stalled,
                true,
                within,
            )
            .await;
            (answer, Promise::LastLine("timeout", 1, within))
        }
        Case::StreamNeverRead => {
            let (w, h) = NEVER_READ_SIZE;
            let path = format!("/render/stream?width={w}&height={h}");
            let within = deadlines.send + GRACE + GRACE;
            let answer = stream_never_read(authority, &path, (w, h), within).await;
            (answer, Promise::WritesCut(within))
        }
        Case::StreamTooMany => {
            // One-pixel frames, one more than allowed.
            let count = (deadlines.max_stream_frames + 1) as usize;
            let frames = [vec![7u8; 4 * count]];
            let answer = stream_exchange(
                authority,
                "/motion/stream?width=1&height=1",
                &frames,
                false,
                patient,
            )
            .await;
            (
                answer,
                Promise::LastLine("too-large", deadlines.max_stream_frames, patient),
            )
        }
        Case::StreamTrickleBytes => {
            let within = deadlines.stream_idle + GRACE;
            // Five bytes an idle deadline: a deadline that restarted on
            // every chunk would never pass.
            let every = deadlines.stream_idle / 5;
            let answer = stream_trickle(authority, TRICKLE_PATH, vec![90], every, within).await;
            (answer, Promise::LastLine("timeout", 0, within))
        }
        Case::StreamTrickleFrames => {
            let within = deadlines.stream_idle + GRACE;
            // Whole frames, one every two idle deadlines: the second is late.
            let every = deadlines.stream_idle * 2;
            let frame = vec![90u8; 16 * 8 * 4];
            let answer = stream_trickle(authority, TRICKLE_PATH, frame, every, within).await;
            (answer, Promise::LastLine("timeout", 1, within))
        }
        Case::StreamWrongSize => {
            let answer = stream_exchange(
                authority,
                "/motion/stream?width=0&height=8",
                &[vec![0; 64]],
                false,
                patient,
            )
            .await;
            (answer, Promise::Error("400 invalid-dimensions", patient))
        }
    };
    let millis = started.elapsed().as_secs_f64() * 1e3;
    let (status, label, good, broken) = promise.judge(answer, started.elapsed());
    Outcome {
        case,
        label,
        status,
        good,
        broken,
        millis,
    }
}

/// What a request was promised.
enum Promise {
    /// 200 with exactly these bytes (none: the request was not valid).
    Bytes(Option<Vec<u8>>),
    /// This status and error kind, within this time.
    Error(&'static str, Duration),
    /// The connection closed before this many answer bytes, within this
    /// time.
    Cut(usize, Duration),
    /// A 200 stream whose last line is this error kind after this many
    /// frames, within this time.
    LastLine(&'static str, u64, Duration),
    /// The server closed the connection while the client still wrote,
    /// within this time.
    WritesCut(Duration),
}

impl Promise {
    /// (status, label, good, broken promise) of an answer that took
    /// `took`.
    fn judge(
        self,
        answer: Answer,
        took: Duration,
    ) -> (Option<u16>, String, Option<bool>, Option<String>) {
        let (status, body) = answer.unwrap_or((None, Vec::new()));
        let label = match status {
            None => "none".to_string(),
            Some(status) => match error_kind(&body) {
                Some(kind) => format!("{status} {kind}"),
                None => status.to_string(),
            },
        };
        match self {
            Promise::Bytes(want) => {
                let good = status == Some(200) && want.is_some_and(|w| w == body);
                (status, label, Some(good), None)
            }
            Promise::Error(promised, within) => {
                let kept = label == promised && took <= within;
                (status, label, None, (!kept).then(|| promised.to_string()))
            }
            Promise::WritesCut(within) => {
                let cut = body == b"cut";
                let label = if cut { "cut" } else { "not cut" }.to_string();
                let kept = cut && took <= within;
                (status, label, None, (!kept).then(|| "cut".to_string()))
            }
            Promise::LastLine(promised, frames, within) => {
                let last = String::from_utf8_lossy(&body)
                    .lines()
                    .last()
                    .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok());
                let error = last.as_ref().map(|l| &l["error"]);
                let label = match error {
                    Some(e) if e.is_object() => format!(
                        "{} line {} after {}",
                        status.unwrap_or(0),
                        e["kind"].as_str().unwrap_or("?"),
                        e["frames"]
                    ),
                    _ => label,
                };
                let want = format!("200 line {promised} after {frames}");
                let kept = label == want && took <= within;
                (status, label, None, (!kept).then_some(want))
            }
            Promise::Cut(whole, within) => {
                // The head and part of the body came, then the end.
                let cut = status == Some(200) && body.len() < whole;
                let label = if cut { "cut".to_string() } else { label };
                let kept = cut && took <= within;
                (status, label, None, (!kept).then(|| "cut".to_string()))
            }
        }
    }
}

/// The `kind` of a JSON error body.
fn error_kind(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    Some(json["error"]["kind"].as_str()?.to_string())
}

type Answer = anyhow::Result<(Option<u16>, Vec<u8>)>;

/// Writes `request`, then reads the answer until the server closes (all
/// requests say `connection: close`), for at most `wait`.
async fn exchange(authority: &str, request: &[u8], wait: Duration) -> Answer {
    let mut stream = TcpStream::connect(authority).await?;
    // A server may answer and close before taking the whole request (an
    // early 413): a failed write is not the end of the exchange.
    let _ = stream.write_all(request).await;
    read_answer(&mut stream, wait).await
}

/// Writes `request` and closes the writing side at once.
async fn exchange_then_close(authority: &str, request: &[u8], wait: Duration) -> Answer {
    let mut stream = TcpStream::connect(authority).await?;
    let _ = stream.write_all(request).await;
    let _ = stream.shutdown().await;
    read_answer(&mut stream, wait).await
}

/// Writes `request` and reads nothing until `look`, then reads what the
/// server sent before it closed (or everything, if it never cut the
/// connection).
async fn never_read(authority: &str, request: &[u8], look: Duration) -> Answer {
    let mut stream = TcpStream::connect(authority).await?;
    stream.write_all(request).await?;
    tokio::time::sleep(look).await;
    read_answer(&mut stream, Duration::from_secs(30)).await
}

/// A chunked POST of `chunks` (one HTTP chunk each) to a stream route:
/// then the end of the body, or (`stall`) nothing more; the answer read
/// for at most `wait`.
async fn stream_exchange(
    authority: &str,
    path: &str,
    chunks: &[Vec<u8>],
    stall: bool,
    wait: Duration,
) -> Answer {
    let mut stream = TcpStream::connect(authority).await?;
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in chunks {
        request.extend(format!("{:x}\r\n", chunk.len()).bytes());
        request.extend_from_slice(chunk);
        request.extend(b"\r\n");
    }
    if !stall {
        request.extend(b"0\r\n\r\n");
    }
    let _ = stream.write_all(&request).await;
    read_answer(&mut stream, wait).await
}

/// The stream the tricklers send: 16x8 frames, 512 bytes each.
const TRICKLE_PATH: &str = "/motion/stream?width=16&height=8";

/// A chunked POST to a stream route that sends `chunk` every `every`, on
/// and on, while it reads the answer for at most `wait`.
async fn stream_trickle(
    authority: &str,
    path: &str,
    chunk: Vec<u8>,
    every: Duration,
    wait: Duration,
) -> Answer {
    let stream = TcpStream::connect(authority).await?;
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await?;
    let mut body = format!("{:x}\r\n", chunk.len()).into_bytes();
    body.extend_from_slice(&chunk);
    body.extend(b"\r\n");
    let sender = tokio::spawn(async move {
        while writer.write_all(&body).await.is_ok() {
            tokio::time::sleep(every).await;
        }
    });
    let answer = read_answer(&mut reader, wait).await;
    sender.abort();
    answer
}

/// Sends frames to a stream route and reads nothing, until a write fails
/// (the server cut the connection) or `wait` passes: `cut` as the body
/// when it was cut.
async fn stream_never_read(
    authority: &str,
    path: &str,
    (w, h): (u32, u32),
    wait: Duration,
) -> Answer {
    let mut stream = TcpStream::connect(authority).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await?;
    let frame = vec![100u8; w as usize * h as usize * 4];
    let mut chunk = format!("{:x}\r\n", frame.len()).into_bytes();
    chunk.extend_from_slice(&frame);
    chunk.extend(b"\r\n");
    let cut = tokio::time::timeout(wait, async {
        while stream.write_all(&chunk).await.is_ok() {}
    })
    .await
    .is_ok();
    Ok((None, if cut { b"cut".to_vec() } else { Vec::new() }))
}

async fn read_answer(stream: &mut (impl AsyncReadExt + Unpin), wait: Duration) -> Answer {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buffer = [0u8; 16 << 10];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    if read.is_err() && bytes.is_empty() {
        return Ok((None, Vec::new()));
    }
    Ok(parse_response(&bytes))
}

/// The status and the body (by `content-length`, else all that follows
/// the head) of a raw HTTP/1.1 answer.
fn parse_response(bytes: &[u8]) -> (Option<u16>, Vec<u8>) {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (None, Vec::new());
    };
    let head = String::from_utf8_lossy(&bytes[..end]);
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|s| s.parse().ok());
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    let body = &bytes[end + 4..];
    let chunked = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.eq_ignore_ascii_case("transfer-encoding") && value.trim() == "chunked"
        })
    });
    if chunked {
        return (status, dechunk(body));
    }
    let body = match length {
        Some(n) if n <= body.len() => &body[..n],
        _ => body,
    };
    (status, body.to_vec())
}

/// The data of a chunked body (as far as it came).
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok());
        let Some(size) = size.filter(|&n| n > 0) else {
            break;
        };
        let data = &body[line_end + 2..];
        let take = size.min(data.len());
        out.extend_from_slice(&data[..take]);
        body = data.get(take + 2..).unwrap_or(&[]);
    }
    out
}

/// VmHWM of `pid` in MiB (Linux).
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_answers_are_parsed() {
        let (status, body) =
            parse_response(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 3\r\n\r\nabcdef");
        assert_eq!((status, body.as_slice()), (Some(413), &b"abc"[..]));
        assert_eq!(parse_response(b"garbage").0, None);
    }
}
