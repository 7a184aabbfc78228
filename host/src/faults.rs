//! `ghostlines faults`: a fault and load test against a ghostlines server.
//! Concurrent clients mix good frames (answers checked byte for byte
//! against `core`) with every kind of bad request — wrong lengths, absurd
//! dimensions, malformed queries, wrong methods and media types, truncated
//! bodies, bodies that stall mid-stream, oversized bodies — each over its
//! own connection, written byte by byte as sent, bounded in count and time.
//! Bad input must get a 4xx, never a 5xx, and the server must still answer
//! afterwards.

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
    /// How long a stalled upload waits for its answer (more than the
    /// server's body timeout).
    pub stall_wait: Duration,
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
}

const CASES: [Case; 9] = [
    Case::GoodGreyscale,
    Case::GoodAdjust,
    Case::WrongLength,
    Case::AbsurdDimensions,
    Case::MalformedQuery,
    Case::WrongRequest,
    Case::TruncatedBody,
    Case::StalledBody,
    Case::OversizedBody,
];

/// What a fault run saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FaultReport {
    /// Requests sent.
    pub sent: usize,
    /// Statuses by case (`"none"`: the connection ended without one).
    pub statuses: BTreeMap<Case, BTreeMap<String, usize>>,
    /// Good requests answered 200 with exactly core's bytes.
    pub good_identical: usize,
    /// Good requests answered otherwise.
    pub good_wrong: usize,
    /// 5xx answers to bad input (must be 0).
    pub bad_5xx: usize,
    /// Slowest good answer, ms (stalled uploads must not block them).
    pub good_max_ms: f64,
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
            "{} requests in {:.1} s; good answers byte-identical to core: {} (wrong: {}), slowest {:.1} ms; 5xx for bad input: {}\n",
            self.sent,
            self.seconds,
            self.good_identical,
            self.good_wrong,
            self.good_max_ms,
            self.bad_5xx
        );
        for (case, statuses) in &self.statuses {
            let list: Vec<String> = statuses.iter().map(|(s, n)| format!("{n}x {s}")).collect();
            out.push_str(&format!(
                "  {:<18} {}\n",
                serde_json::to_value(case)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                list.join(", ")
            ));
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

    /// Whether every promise held: good answers identical, no 5xx for bad
    /// input, the server still up.
    pub fn passed(&self) -> bool {
        self.good_wrong == 0 && self.bad_5xx == 0 && self.answering_after
    }
}

/// A frame for request `i`: sizes vary so lengths are never all alike.
fn good_frame(i: usize) -> (u32, u32, Vec<u8>) {
    let (w, h) = (32 + (i % 7) as u32 * 29, 24 + (i % 5) as u32 * 17);
    (w, h, core_::synthetic_scene(w, h, (i % 4) as u32))
}

struct Outcome {
    case: Case,
    status: Option<u16>,
    good: Option<bool>,
    millis: f64,
}

/// Runs the mix.
pub async fn run(config: &FaultConfig) -> anyhow::Result<FaultReport> {
    let authority = crate::load::authority(&config.url)?;
    if config.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let authority = Arc::new(authority);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + config.time_limit;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..config.concurrency {
        let (authority, next) = (authority.clone(), next.clone());
        let (total, stall_wait) = (config.requests, config.stall_wait);
        clients.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() >= deadline {
                    break;
                }
                outcomes.push(one(&authority, i, stall_wait).await);
            }
            outcomes
        });
    }
    let mut report = FaultReport::default();
    while let Some(outcomes) = clients.join_next().await {
        for o in outcomes.context("a fault client panicked")? {
            report.sent += 1;
            let status = o.status.map_or("none".to_string(), |s| s.to_string());
            *report
                .statuses
                .entry(o.case)
                .or_default()
                .entry(status)
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
                }
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.answering_after = matches!(
        exchange(
            &authority,
            b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            None
        )
        .await,
        Ok((Some(200), _))
    );
    report.server_peak_rss_mib = config.server_pid.and_then(peak_rss_mib);
    Ok(report)
}

/// Request `i`: case `i % 9`, over its own connection.
async fn one(authority: &str, i: usize, stall_wait: Duration) -> Outcome {
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
    let (status, good) = match case {
        Case::GoodGreyscale => {
            let method = core_::GreyMethod::ALL[i % core_::GreyMethod::ALL.len()];
            let target = format!("/greyscale?width={w}&height={h}&method={}", method.name());
            let answer = exchange(authority, &raw_post(&target, &frame), None).await;
            let view = core_::Frame::new(w, h, &frame).ok();
            let want = view.map(|f| core_::greyscale(f, method));
            check(answer, want)
        }
        Case::GoodAdjust => {
            let (c, b) = ((i % 201) as i32 - 100, (i % 61) as i32 - 30);
            let target = format!("/adjust?width={w}&height={h}&contrast={c}&brightness={b}");
            let answer = exchange(authority, &raw_post(&target, &frame), None).await;
            let want = core_::Adjustment::new(c, b)
                .ok()
                .zip(core_::Frame::new(w, h, &frame).ok())
                .map(|(a, f)| core_::adjust_rgba(f, &a));
            check(answer, want)
        }
        Case::WrongLength => {
            let target = format!("/greyscale?width={w}&height={h}");
            let request = raw_post(&target, &frame[..frame.len() - 1]);
            bad(exchange(authority, &request, None).await)
        }
        Case::AbsurdDimensions => {
            let sizes = [
                "width=0&height=10",
                "width=100000&height=100000",
                "width=4294967296&height=1",
                "width=16384&height=16384",
                "width=-3&height=2",
            ];
            let target = format!("/centroid?{}", sizes[round % sizes.len()]);
            bad(exchange(authority, &raw_post(&target, &[0; 16]), None).await)
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
            bad(exchange(authority, &raw_post(&target, &[0; 64]), None).await)
        }
        Case::WrongRequest => {
            let requests: [Vec<u8>; 3] = [
                b"GET /greyscale HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_vec(),
                with_body(
                    post(&format!("/greyscale?width={w}&height={h}"), "text/plain", 4),
                    b"abcd",
                ),
                raw_post("/nowhere", b"abcd"),
            ];
            bad(exchange(authority, &requests[round % 3], None).await)
        }
        Case::TruncatedBody => {
            let target = format!("/greyscale?width={w}&height={h}");
            let mut request = post(&target, raw, frame.len());
            request.extend_from_slice(&frame[..frame.len() / 2]);
            bad(exchange_then_close(authority, &request).await)
        }
        Case::StalledBody => {
            let target = format!("/greyscale?width={w}&height={h}");
            let mut request = post(&target, raw, frame.len());
            request.extend_from_slice(&frame[..frame.len() / 2]);
            bad(exchange(authority, &request, Some(stall_wait)).await)
        }
        Case::OversizedBody => {
            // Only the head: the refusal must come before any body byte.
            let request = post("/motion?width=4096&height=4096", raw, (64 << 20) + 1);
            bad(exchange(authority, &request, Some(stall_wait)).await)
        }
    };
    Outcome {
        case,
        status,
        good,
        millis: started.elapsed().as_secs_f64() * 1e3,
    }
}

type Answer = anyhow::Result<(Option<u16>, Vec<u8>)>;

fn check(answer: Answer, want: Option<Vec<u8>>) -> (Option<u16>, Option<bool>) {
    match answer {
        Ok((status, body)) => (
            status,
            Some(status == Some(200) && want.is_some_and(|w| w == body)),
        ),
        Err(_) => (None, Some(false)),
    }
}

fn bad(answer: Answer) -> (Option<u16>, Option<bool>) {
    (answer.ok().and_then(|(status, _)| status), None)
}

/// Writes `request`, then reads the answer until the server closes (all
/// requests say `connection: close`); `wait` bounds the read, else 30 s.
async fn exchange(authority: &str, request: &[u8], wait: Option<Duration>) -> Answer {
    let mut stream = TcpStream::connect(authority).await?;
    // A server may answer and close before taking the whole request (an
    // early 413): a failed write is not the end of the exchange.
    let _ = stream.write_all(request).await;
    read_answer(&mut stream, wait.unwrap_or(Duration::from_secs(30))).await
}

/// Writes `request` and closes the writing side at once.
async fn exchange_then_close(authority: &str, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(authority).await?;
    let _ = stream.write_all(request).await;
    let _ = stream.shutdown().await;
    read_answer(&mut stream, Duration::from_secs(30)).await
}

async fn read_answer(stream: &mut TcpStream, wait: Duration) -> Answer {
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
    let body = match length {
        Some(n) if n <= body.len() => &body[..n],
        _ => body,
    };
    (status, body.to_vec())
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
