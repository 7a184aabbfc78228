//! The stream routes: `/motion/stream` and `/render/stream` in-process
//! (byte parity with `core` wherever the chunks split the frames, every
//! error as the stream's last line, or a 4xx before it), and end to end
//! against the real server (lines while frames are still being sent,
//! backpressure, a 10,000-frame soak).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ghostlines::serve::{HttpHost, ServeLimits};
use ghostlines_core as core_;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame};

use crate::random_frame;

/// A body of `chunks`, then either its end or (`stall`) nothing ever
/// again.
struct Chunks {
    chunks: VecDeque<Bytes>,
    stall: bool,
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.chunks.pop_front() {
            Some(chunk) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            None if self.stall => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

/// `bytes` cut into chunks of the sizes in `sizes` (cycled).
fn chunked(bytes: &[u8], sizes: &[usize]) -> VecDeque<Bytes> {
    let mut chunks = VecDeque::new();
    let mut rest = bytes;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (now, later) = rest.split_at(size.min(rest.len()));
        chunks.push_back(Bytes::copy_from_slice(now));
        rest = later;
    }
    chunks
}

/// The answer to a stream request: status, content type, body.
fn stream(
    host: &HttpHost,
    uri: &str,
    chunks: VecDeque<Bytes>,
    stall: bool,
) -> (u16, String, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let request = hyper::Request::post(format!("http://localhost{uri}"))
            .header("content-type", "application/octet-stream")
            .body(Chunks { chunks, stall })
            .unwrap();
        let response = host.handle(request).await;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                bytes.extend_from_slice(&data);
            }
        }
        (status, content_type, bytes)
    })
}

fn lines(body: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(body.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn host(limits: ServeLimits) -> HttpHost {
    limits.check().expect("limits the CLI accepts");
    std::sync::Arc::into_inner(HttpHost::new(limits).unwrap()).unwrap()
}

/// Six frames of a moving photo-like scene at 97x61.
fn frames() -> Vec<Vec<u8>> {
    (0..6)
        .map(|i| core_::synthetic_scene(97, 61, i * 2))
        .collect()
}

#[test]
fn motion_stream_lines_are_cores_wherever_the_chunks_split_the_frames() {
    let host = host(ServeLimits::default());
    let frames = frames();
    let body = frames.concat();
    for mode in ["sketch", "sparse", "dense"] {
        let settings = core_::TrackerSettings {
            mode: core_::TrackerMode::from_name(mode).unwrap(),
            ..core_::TrackerSettings::default()
        };
        let mut tracker = core_::Tracker::new(settings).unwrap();
        let mut want = vec![serde_json::json!({"version": 1, "width": 97, "height": 61})];
        for (i, f) in frames.iter().enumerate() {
            let out = tracker.push(core_::Frame::new(97, 61, f).unwrap()).unwrap();
            want.push(serde_json::to_value(core_::FrameReport::new(i, out)).unwrap());
        }
        for sizes in [&[body.len()][..], &[1000, 7, 30_001], &[97 * 61 * 4], &[1]] {
            if sizes == [1] && mode != "sketch" {
                continue; // byte by byte once is enough
            }
            let uri = format!("/motion/stream?width=97&height=61&mode={mode}");
            let (status, content_type, answer) = stream(&host, &uri, chunked(&body, sizes), false);
            assert_eq!(
                (status, content_type.as_str()),
                (200, "application/x-ndjson")
            );
            assert_eq!(lines(&answer), want, "{mode}, chunks {sizes:?}");
            assert!(answer.starts_with(b"{\"version\":1,\"width\":97,\"height\":61}\n"));
        }
    }
}

#[test]
fn render_stream_frames_are_cores() {
    let host = host(ServeLimits::default());
    let frames = frames();
    let mut tracker = core_::Tracker::new(core_::TrackerSettings {
        mode: core_::TrackerMode::sparse(),
        ..core_::TrackerSettings::default()
    })
    .unwrap();
    let settings = core_::PainterSettings {
        persistence: 0.6,
        colouring: core_::Colouring::Direction,
        ..core_::PainterSettings::default()
    };
    let mut painter = core_::Painter::new(settings).unwrap();
    let mut want = Vec::new();
    for f in &frames {
        let view = core_::Frame::new(97, 61, f).unwrap();
        let out = tracker.push(view).unwrap();
        want.extend(
            painter
                .paint(view, tracker.filtered(), &out.vectors, &[])
                .unwrap(),
        );
    }
    let uri = "/render/stream?width=97&height=61&mode=sparse&persistence=0.6&colouring=direction";
    let (status, content_type, answer) =
        stream(&host, uri, chunked(&frames.concat(), &[5000, 3]), false);
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/octet-stream")
    );
    assert!(answer == want);
}

/// The last line of a stream that ended in an error.
fn last_error(answer: &[u8]) -> (String, u64, usize) {
    let lines = lines(answer);
    let last = lines.last().unwrap();
    let error = &last["error"];
    assert!(error.is_object(), "the last line is {last}");
    (
        error["kind"].as_str().unwrap().to_string(),
        error["frames"].as_u64().unwrap(),
        lines.len(),
    )
}

#[test]
fn after_the_200_an_error_is_the_last_line_and_every_line_before_stays() {
    let frames = frames();
    let uri = "/motion/stream?width=97&height=61";
    // A cut frame: two whole frames and a half.
    let mut body = frames[..2].concat();
    body.extend_from_slice(&frames[2][..1000]);
    let (status, _, answer) = stream(
        &host(ServeLimits::default()),
        uri,
        chunked(&body, &[4096]),
        false,
    );
    assert_eq!(status, 200);
    assert_eq!(last_error(&answer), ("length-mismatch".into(), 2, 4));
    // The last line's bytes, in the documented order: kind, message, frames.
    let text = std::str::from_utf8(&answer).unwrap();
    let last = text.trim_end().rsplit('\n').next().unwrap();
    assert!(
        last.starts_with(r#"{"error":{"kind":"length-mismatch","message":""#)
            && last.ends_with(r#"","frames":2}}"#),
        "{last}"
    );
    assert!(text.ends_with("}}\n"));
    // Too many frames.
    let few = host(ServeLimits {
        max_stream_frames: 3,
        ..ServeLimits::default()
    });
    let (_, _, answer) = stream(&few, uri, chunked(&frames.concat(), &[50_000]), false);
    assert_eq!(last_error(&answer), ("too-large".into(), 3, 5));
    // A stall mid-stream: a timeout at the idle deadline.
    let idle = host(ServeLimits {
        stream_idle_timeout: Duration::from_millis(400),
        ..ServeLimits::default()
    });
    let mut body = frames[..3].concat();
    body.extend_from_slice(&frames[3][..500]);
    let started = Instant::now();
    let (_, _, answer) = stream(&idle, uri, chunked(&body, &[8192]), true);
    let waited = started.elapsed();
    assert_eq!(last_error(&answer), ("timeout".into(), 3, 5));
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_millis(1400),
        "{waited:?}"
    );
    // A frame past the compute deadline: the host ends the stream for the
    // stopped component, with the frames before it.
    let slow = host(ServeLimits {
        frame_timeout: Duration::from_millis(1),
        ..ServeLimits::default()
    });
    let big: Vec<Vec<u8>> = (0..2).map(|i| random_frame(1500, 1000, i).pixels).collect();
    let (status, _, answer) = stream(
        &slow,
        "/motion/stream?width=1500&height=1000&mode=dense&step=2",
        chunked(&big.concat(), &[1 << 20]),
        false,
    );
    assert_eq!(status, 200);
    let (kind, frames_done, _) = last_error(&answer);
    assert_eq!(kind, "timeout");
    assert!(frames_done <= 1, "{frames_done}");
}

#[test]
fn before_the_200_the_usual_4xx() {
    let host = host(ServeLimits::default());
    for (uri, status, kind) in [
        ("/motion/stream?width=0&height=4", 400, "invalid-dimensions"),
        ("/motion/stream?width=4", 400, "invalid-parameter"),
        (
            "/motion/stream?width=4&height=4&mode=psychic",
            400,
            "invalid-parameter",
        ),
        (
            "/render/stream?width=4&height=4&persistence=3",
            400,
            "invalid-parameter",
        ),
        (
            "/motion/stream?width=100000&height=100000",
            413,
            "too-large",
        ),
    ] {
        let (got, content_type, answer) = stream(&host, uri, chunked(&[0; 64], &[64]), false);
        assert_eq!(content_type, "application/json", "{uri}");
        let json: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(
            (got, json["error"]["kind"].as_str().unwrap()),
            (status, kind),
            "{uri}"
        );
    }
}

/// One 10,000-frame stream at 320x240 through the real server: every line
/// arrives, the last is frame 9,999, and the server's resident memory
/// grows by at most 10 % between frame 1,000 and frame 9,990.
#[test]
fn a_ten_thousand_frame_stream_soaks_in_constant_memory() {
    let server = crate::serve::Server::start(&["--quiet"]);
    let pid = server.child.id();
    let samples = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let config = ghostlines::streams::StreamConfig {
        url: format!("http://{}", server.addr),
        streams: 1,
        frames: 10_000,
        width: 320,
        height: 240,
        mode: "sketch".into(),
        time_limit: Duration::from_secs(300),
    };
    let seen = samples.clone();
    let last = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let last_seen = last.clone();
    let report = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(ghostlines::streams::run(&config, move |_, index| {
            last_seen.store(index, std::sync::atomic::Ordering::Relaxed);
            // Not at the last frame: as the request ends, the pool zeroes
            // the instance memory it keeps resident (16 MiB), which shows
            // up in the resident size then, not during the stream.
            if index % 500 == 0 || index == 9_990 {
                seen.lock().unwrap().push(crate::rss_kib(pid));
            }
        }))
        .unwrap();
    println!("{}", report.summary());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!((report.completed_streams, report.frames), (1, 10_000));
    assert_eq!(last.load(std::sync::atomic::Ordering::Relaxed), 9_999);
    let samples = samples.lock().unwrap().clone();
    println!("server resident every 500 frames, KiB: {samples:?}");
    let (at_1000, at_9990) = (samples[2], samples[samples.len() - 1]);
    assert!(at_9990 * 10 <= at_1000 * 11, "{samples:?}");
}

/// Lines come back while the request is still being sent: frame k's line
/// arrives before frame k + 2 is sent.
#[test]
fn a_frames_line_arrives_while_later_frames_are_still_being_sent() {
    let server = crate::serve::Server::start(&["--quiet"]);
    let frames: Vec<Bytes> = (0..12)
        .map(|i| Bytes::from(core_::synthetic_scene(160, 120, i)))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let stream = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let (tx, mut rx) =
            tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::convert::Infallible>>(1);
        let body =
            http_body_util::StreamBody::new(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
        let request = hyper::Request::post("/motion/stream?width=160&height=120")
            .header("host", "x")
            .body(body)
            .unwrap();
        tx.send(Ok(Frame::data(frames[0].clone()))).await.unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), 200);
        let mut body = response.into_body();
        let mut text = String::new();
        let mut lines_seen = 0usize;
        for (k, frame) in frames.iter().enumerate().skip(1) {
            tx.send(Ok(Frame::data(frame.clone()))).await.unwrap();
            // Before frame k + 1 goes, the head and frame k - 1's line are
            // back.
            while lines_seen < k + 1 {
                let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
                    .await
                    .expect("a line while frames are still being sent")
                    .unwrap()
                    .unwrap();
                text.push_str(std::str::from_utf8(&frame.into_data().unwrap()).unwrap());
                lines_seen = text.matches('\n').count();
            }
        }
        drop(tx);
        while let Some(Ok(frame)) = body.frame().await {
            text.push_str(std::str::from_utf8(&frame.into_data().unwrap()).unwrap());
        }
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1 + frames.len());
        assert_eq!(lines.last().unwrap()["index"], frames.len() - 1);
    });
}

/// A client that sends frames and never reads: the server stops reading
/// when it cannot write, so the client's writes block after a bounded
/// number of frames, and the send deadline then cuts the connection.
#[test]
fn a_stream_nobody_reads_blocks_then_is_cut() {
    use std::io::Write as _;
    let server = crate::serve::Server::start(&["--send-timeout-ms", "1500", "--quiet"]);
    let pid = server.child.id();
    let mut socket = std::net::TcpStream::connect(&server.addr).unwrap();
    write!(
        socket,
        "POST /render/stream?width=320&height=240 HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let frame = core_::synthetic_scene(320, 240, 1);
    let started = Instant::now();
    let writer = std::thread::spawn(move || {
        let mut sent = 0usize;
        loop {
            let chunk = format!("{:x}\r\n", frame.len());
            let ok = socket.write_all(chunk.as_bytes()).is_ok()
                && socket.write_all(&frame).is_ok()
                && socket.write_all(b"\r\n").is_ok();
            if !ok {
                return (sent, started.elapsed());
            }
            sent += 1;
            if sent == 10_000 {
                return (sent, started.elapsed());
            }
        }
    });
    std::thread::sleep(Duration::from_millis(800));
    let held = crate::rss_kib(pid);
    let (sent, cut_after) = writer.join().unwrap();
    println!(
        "{sent} frames sent before the writes failed, after {cut_after:?}; server resident {held} KiB"
    );
    // Socket buffers on both sides, the guest's frame and answer: a few
    // dozen frames of 307 KB, never the 10,000.
    assert!(sent < 200, "{sent} frames went in unread");
    assert!(cut_after < Duration::from_secs(5), "{cut_after:?}");
    assert!(held < 400 * 1024, "{held} KiB");
    let (status, _) = server.interrupt();
    assert!(status.success());
}
