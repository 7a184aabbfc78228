//! Stream clients: `ghostlines load --streams N` posts N concurrent
//! `/motion/stream` requests of F frames each, and times each frame from
//! the moment the connection takes it to write to the moment its line
//! comes back.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde::Serialize;
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;

use crate::bench::percentile;
use crate::fixture::synthetic_frame;

/// A stream run's settings.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// `http://host:port` of the server.
    pub url: String,
    /// Streams at once, one request (and connection) each.
    pub streams: usize,
    /// Frames a stream.
    pub frames: usize,
    /// Frame size.
    pub width: u32,
    pub height: u32,
    /// The tracker's mode (`sketch`, `sparse`, `dense`).
    pub mode: String,
    /// Stop after this long even if frames remain.
    pub time_limit: Duration,
}

/// What a stream run measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StreamReport {
    /// Streams that ran to their end with every line.
    pub completed_streams: usize,
    /// Lines of frames received, in all streams.
    pub frames: usize,
    /// Wall time of the run.
    pub seconds: f64,
    /// Frames answered a second, all streams together.
    pub frames_per_second: f64,
    /// Median and 99th percentile from sending a frame to its line.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Streams that failed, with why.
    pub errors: Vec<String>,
}

impl StreamReport {
    /// A few lines for people.
    pub fn summary(&self) -> String {
        let errors = if self.errors.is_empty() {
            "none".to_string()
        } else {
            self.errors.join("; ")
        };
        format!(
            "{} frames in {:.2} s: {:.1} frames/s, frame to line p50 {:.2} ms, p99 {:.2} ms, {} streams whole, errors: {errors}\n",
            self.frames,
            self.seconds,
            self.frames_per_second,
            self.p50_ms,
            self.p99_ms,
            self.completed_streams,
        )
    }
}

/// Runs the streams; `on_line(stream, index)` is called after each frame's
/// line (progress, and the soak test's memory samples).
pub async fn run(
    config: &StreamConfig,
    on_line: impl Fn(usize, usize) + Send + Sync + 'static,
) -> anyhow::Result<StreamReport> {
    let authority = super::authority(&config.url)?;
    if config.streams == 0 || config.frames == 0 {
        bail!("--streams and --frames must be at least 1");
    }
    let (w, h) = (config.width, config.height);
    // A few frames of the moving scene, sent in turn (cheap clones).
    let frames: Arc<Vec<Bytes>> = Arc::new(
        (0..8)
            .map(|shift| Bytes::from(synthetic_frame(w, h, shift).pixels))
            .collect(),
    );
    let path = format!("/motion/stream?width={w}&height={h}&mode={}", config.mode);
    let on_line = Arc::new(on_line);
    let started = Instant::now();
    let mut streams = tokio::task::JoinSet::new();
    for stream in 0..config.streams {
        let (authority, path, frames, on_line) = (
            authority.clone(),
            path.clone(),
            frames.clone(),
            on_line.clone(),
        );
        let (count, limit) = (config.frames, config.time_limit);
        streams.spawn(async move {
            let lines = move |index| on_line(stream, index);
            tokio::time::timeout(limit, one(&authority, &path, &frames, count, lines))
                .await
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the time limit passed")))
        });
    }
    let mut report = StreamReport::default();
    let mut latencies = Vec::new();
    while let Some(done) = streams.join_next().await {
        match done.context("a stream client panicked")? {
            Ok(mut stream) => {
                report.completed_streams += 1;
                latencies.append(&mut stream);
            }
            Err(e) => report.errors.push(format!("{e:#}")),
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.frames = latencies.len();
    report.frames_per_second = report.frames as f64 / report.seconds;
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| percentile(&latencies, q);
    (report.p50_ms, report.p99_ms) = (at(0.5), at(0.99));
    Ok(report)
}

/// One stream: frames sent as the connection takes them, lines read as
/// they come; the latency of each frame, ms.
async fn one(
    authority: &str,
    path: &str,
    frames: &[Bytes],
    count: usize,
    on_line: impl Fn(usize),
) -> anyhow::Result<Vec<f64>> {
    let stream = TcpStream::connect(authority)
        .await
        .with_context(|| format!("connecting to {authority}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("the HTTP handshake")?;
    tokio::spawn(connection);
    // The body is a channel the connection pulls from: each frame's
    // sent-at is the moment the connection takes it to write (not when it
    // was queued), so a frame's latency does not count the wait behind
    // the frame before it.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::convert::Infallible>>(1);
    let sent: Arc<Mutex<Vec<Instant>>> = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let body = StreamBody::new(taken_at(rx, sent.clone()));
    let request = hyper::Request::post(path)
        .header("host", authority)
        .header("content-type", "application/octet-stream")
        .body(body)?;
    let feeder = {
        let frames = frames.to_vec();
        tokio::spawn(async move {
            for k in 0..count {
                let frame = frames[k % frames.len()].clone();
                if tx.send(Ok(Frame::data(frame))).await.is_err() {
                    return;
                }
            }
        })
    };
    let response = sender
        .send_request(request)
        .await
        .context("sending the stream")?;
    if response.status() != 200 {
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        bail!("{status}: {}", String::from_utf8_lossy(&body));
    }
    let mut body = response.into_body();
    let mut pending = Vec::new();
    let mut latencies = Vec::with_capacity(count);
    let mut head = true;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.context("reading the answer")?.into_data() else {
            continue;
        };
        pending.extend_from_slice(&data);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            if std::mem::take(&mut head) {
                continue;
            }
            let value: serde_json::Value = serde_json::from_slice(&line)?;
            if let Some(error) = value.get("error") {
                bail!("the stream ended with {error}");
            }
            let index = value["index"].as_u64().context("a line without an index")? as usize;
            // A line before its frame was taken would be no latency at
            // all: a broken server, said so.
            let at = lock(&sent).get(index).copied().with_context(|| {
                format!("the line of frame {index} came before the frame was sent")
            })?;
            latencies.push(at.elapsed().as_secs_f64() * 1e3);
            on_line(index);
        }
    }
    feeder.await.ok();
    if latencies.len() != count {
        bail!("{} lines for {count} frames", latencies.len());
    }
    Ok(latencies)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A `Stream` over a tokio receiver (what `tokio-stream` would give) that
/// notes in `taken` the moment each item is taken from it.
fn taken_at<T>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
    taken: Arc<Mutex<Vec<Instant>>>,
) -> impl futures::Stream<Item = T> + Send + Sync + Unpin
where
    T: Send + 'static,
{
    Box::pin(futures::stream::poll_fn(move |cx| {
        let polled = rx.poll_recv(cx);
        if let std::task::Poll::Ready(Some(_)) = &polled {
            lock(&taken).push(Instant::now());
        }
        polled
    }))
}
