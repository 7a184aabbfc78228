//! Request clients: `ghostlines load` posts frames (800x600 by default)
//! from concurrent keep-alive clients, with throughput and latency
//! percentiles.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde::Serialize;
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;

use crate::bench::percentile;
use crate::fixture::FramePair;

/// The route a load run posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LoadRoute {
    /// `POST /greyscale`.
    Greyscale,
    /// `POST /adjust` (contrast 20, brightness 10).
    Adjust,
    /// `POST /centroid`.
    Centroid,
    /// `POST /motion` with two frames.
    Motion,
}

/// A load run's settings.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// `http://host:port` of the server.
    pub url: String,
    /// Clients, each on its own keep-alive connection.
    pub concurrency: usize,
    /// Requests in all.
    pub requests: usize,
    /// The route to post to.
    pub route: LoadRoute,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Stop after this long even if requests remain.
    pub time_limit: Duration,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Requests answered (any status).
    pub completed: usize,
    /// Answers with a 2xx status.
    pub succeeded: usize,
    /// Failures by status code or "connection".
    pub errors: BTreeMap<String, usize>,
    /// Wall time of the run.
    pub seconds: f64,
    /// Completed requests a second.
    pub requests_per_second: f64,
    /// Median latency.
    pub p50_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
}

impl LoadReport {
    /// A few lines for people.
    pub fn summary(&self) -> String {
        let errors = if self.errors.is_empty() {
            "none".to_string()
        } else {
            self.errors
                .iter()
                .map(|(k, v)| format!("{v}x {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{} requests in {:.2} s: {:.1} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} ok, errors: {errors}\n",
            self.completed,
            self.seconds,
            self.requests_per_second,
            self.p50_ms,
            self.p99_ms,
            self.succeeded
        )
    }
}

struct Target {
    authority: String,
    path: String,
    content_type: &'static str,
    body: Bytes,
}

/// Runs the load; `on_response` is called after each answer (progress).
pub async fn run(
    config: &LoadConfig,
    on_response: impl Fn() + Send + Sync + 'static,
) -> anyhow::Result<LoadReport> {
    let authority = super::authority(&config.url)?;
    if config.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let (w, h) = (config.width, config.height);
    let frames = FramePair::new(w, h);
    let frame = frames.first.pixels;
    let (path, body) = match config.route {
        LoadRoute::Greyscale => (format!("/greyscale?width={w}&height={h}"), frame),
        LoadRoute::Adjust => (
            format!("/adjust?width={w}&height={h}&contrast=20&brightness=10"),
            frame,
        ),
        LoadRoute::Centroid => (format!("/centroid?width={w}&height={h}"), frame),
        LoadRoute::Motion => {
            let mut both = frame;
            both.extend_from_slice(&frames.second.pixels);
            (format!("/motion?width={w}&height={h}"), both)
        }
    };
    let target = Arc::new(Target {
        authority,
        path,
        content_type: "application/octet-stream",
        body: Bytes::from(body),
    });
    let next = Arc::new(AtomicUsize::new(0));
    let on_response = Arc::new(on_response);
    let started = Instant::now();
    let deadline = started + config.time_limit;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..config.concurrency {
        let (target, next, on_response) = (target.clone(), next.clone(), on_response.clone());
        let total = config.requests;
        clients.spawn(async move { client(&target, &next, total, deadline, &*on_response).await });
    }
    let mut latencies = Vec::with_capacity(config.requests);
    let mut errors = BTreeMap::new();
    while let Some(result) = clients.join_next().await {
        let (mut l, e) = result.context("a load client panicked")?;
        latencies.append(&mut l);
        for (k, v) in e {
            *errors.entry(k).or_insert(0) += v;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let completed = latencies.len();
    let failed: usize = errors
        .iter()
        .filter(|(k, _)| *k != "connection")
        .map(|(_, v)| v)
        .sum();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| percentile(&latencies, q);
    Ok(LoadReport {
        completed,
        succeeded: completed - failed,
        errors,
        seconds,
        requests_per_second: completed as f64 / seconds,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
    })
}

/// One keep-alive client: takes request numbers until none are left.
async fn client(
    target: &Target,
    next: &AtomicUsize,
    total: usize,
    deadline: Instant,
    on_response: &(dyn Fn() + Send + Sync),
) -> (Vec<f64>, BTreeMap<String, usize>) {
    let mut latencies = Vec::new();
    let mut errors = BTreeMap::new();
    let mut sender = None;
    while next.fetch_add(1, Ordering::Relaxed) < total && Instant::now() < deadline {
        if sender.is_none() {
            sender = connect(&target.authority).await.ok();
        }
        let Some(s) = sender.as_mut() else {
            *errors.entry("connection".to_string()).or_insert(0) += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let request = hyper::Request::post(&target.path)
            .header(hyper::header::HOST, &target.authority)
            .header(hyper::header::CONTENT_TYPE, target.content_type)
            .body(Full::new(target.body.clone()));
        let Ok(request) = request else { break };
        let started = Instant::now();
        let answer = async {
            let response = s.send_request(request).await?;
            let status = response.status();
            response.into_body().collect().await?;
            Ok::<_, hyper::Error>(status)
        };
        match answer.await {
            Ok(status) => {
                latencies.push(started.elapsed().as_secs_f64() * 1e3);
                if !status.is_success() {
                    *errors.entry(status.as_u16().to_string()).or_insert(0) += 1;
                }
                on_response();
            }
            Err(_) => {
                *errors.entry("connection".to_string()).or_insert(0) += 1;
                sender = None;
            }
        }
    }
    (latencies, errors)
}

async fn connect(
    authority: &str,
) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(authority)
        .await
        .with_context(|| format!("connecting to {authority}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}
