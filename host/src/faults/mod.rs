//! `ghostlines faults`: a fault and load test against a ghostlines server.
//! Concurrent clients mix good frames (answers checked byte for byte
//! against `core`) with every kind of bad request — wrong lengths, absurd
//! dimensions, malformed queries, wrong methods and media types, truncated
//! bodies, bodies that stall mid-stream, oversized bodies, answers never
//! read, streams cut, stalled and trickled — each over its own connection,
//! bounded in count and time. Every bad request must get exactly its 4xx
//! status and error kind (a stall within the server's deadline plus a
//! second, a reader that never reads cut off within its send deadline plus
//! a second), and the server must still answer afterwards.
//!
//! [`cases`] builds each kind of request and its promise, [`raw_http`]
//! sends it, [`verdict`] judges the answer, [`report`] counts.

mod cases;
mod raw_http;
mod report;
mod verdict;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

pub use cases::Case;
pub use report::FaultReport;

use cases::Turn;
use raw_http::{Answer, GET_INDEX, Response, Send};
use verdict::Verdict;

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

/// The server's deadlines and caps, as `GET /` states them: the fault run
/// waits for each promise exactly as long as it may take, and [`GRACE`]
/// more.
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
            let mut verdicts = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total || Instant::now() >= stop_at {
                    break;
                }
                verdicts.push(request(&authority, index, deadlines).await);
            }
            verdicts
        });
    }
    let mut report = FaultReport {
        body_timeout_ms: deadlines.body.as_millis() as u64,
        send_timeout_ms: deadlines.send.as_millis() as u64,
        ..FaultReport::default()
    };
    while let Some(verdicts) = clients.join_next().await {
        for verdict in verdicts.context("a fault client panicked")? {
            report.record(verdict);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.answering_after = index(&authority).await.status == Some(200);
    report.server_peak_rss_mib = config.server_pid.and_then(peak_rss_mib);
    Ok(report)
}

/// Request `index`: its case's request, sent over its own connection, and
/// judged.
async fn request(authority: &str, index: usize, deadlines: Deadlines) -> Verdict {
    let case = Case::of_request(index);
    let trial = case.trial(&Turn::new(index, deadlines));
    let started = Instant::now();
    let answer = trial.send.send(authority).await;
    trial.promise.judge(case, answer, started.elapsed())
}

/// `GET /`.
async fn index(authority: &str) -> Response {
    let get = Send::Whole {
        request: GET_INDEX.to_vec(),
        wait: Duration::from_secs(30),
    };
    match get.send(authority).await {
        Answer::Response(response) => response,
        Answer::Writes { .. } => Response::default(),
    }
}

/// The server's deadlines and stream caps from `GET /`.
async fn deadlines(authority: &str) -> anyhow::Result<Deadlines> {
    let Response { status, body } = index(authority).await;
    anyhow::ensure!(status == Some(200), "GET / answered {status:?}");
    let index: serde_json::Value =
        serde_json::from_slice(&body).context("GET / is not the ghostlines index")?;
    let number = |section: &str, name: &str| {
        index[section][name].as_u64().with_context(|| {
            format!(
                "the server states no {section}.{name} at GET / (run it with `ghostlines serve`)"
            )
        })
    };
    let ms = |section: &str, name: &str| number(section, name).map(Duration::from_millis);
    Ok(Deadlines {
        body: ms("limits", "body_timeout_ms")?,
        send: ms("host", "send_timeout_ms")?,
        stream_idle: ms("limits", "stream_idle_timeout_ms")?,
        max_stream_frames: number("limits", "max_stream_frames")?,
        max_client_streams: number("host", "max_client_streams")?,
    })
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
