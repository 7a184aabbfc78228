//! The stream routes: `/motion/stream` and `/render/stream` in-process
//! (byte parity with `core` wherever the chunks split the frames, every
//! error as the stream's last line, or a 4xx before it), and end to end
//! against the real server (lines while frames are still being sent,
//! backpressure, a 10,000-frame soak).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ghostlines::serve::{HttpHost, ServeLimits};
use ghostlines_core as core_;
use http_body_util::BodyExt;
use hyper::body::Frame;

use crate::in_process::{Answer, Paced, host_with, runtime, send_to};
use crate::random_frame;

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
    let paced = chunks.into_iter().map(|c| (Duration::ZERO, c)).collect();
    let answer = send(host, uri, "application/octet-stream", paced, stall);
    (answer.status, answer.content_type(), answer.body)
}

/// Sends `chunks`, each after its delay, as a body of `content_type`, then
/// its end or (`stall`) nothing ever again; reads the whole answer.
fn send(
    host: &HttpHost,
    uri: &str,
    content_type: &str,
    chunks: VecDeque<(Duration, Bytes)>,
    stall: bool,
) -> Answer {
    let request = hyper::Request::post(format!("http://localhost{uri}"))
        .header("content-type", content_type)
        .body(Paced::new(chunks, stall))
        .unwrap();
    runtime().block_on(send_to(host, request))
}

/// `frames` each as one chunk, `every` apart (the first at once).
fn frame_chunks(frames: &[Vec<u8>], every: Duration) -> VecDeque<(Duration, Bytes)> {
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let delay = if i == 0 { Duration::ZERO } else { every };
            (delay, Bytes::from(f.clone()))
        })
        .collect()
}

fn lines(body: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(body.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn host(limits: ServeLimits) -> std::sync::Arc<HttpHost> {
    host_with(limits)
}

/// Eight frames of a moving photo-like scene at 97x61.
fn frames() -> Vec<Vec<u8>> {
    (0..8)
        .map(|i| core_::synthetic_scene(97, 61, i * 2))
        .collect()
}

#[test]
fn motion_stream_lines_are_cores_wherever_the_chunks_split_the_frames() {
    let host = host(ServeLimits::default());
    let frames = frames();
    let body = frames.concat();
    // Frames at 25 a second unless `fps` says otherwise: at 10, the 200 ms
    // interval reaches two frames back.
    for (mode, fps) in [
        ("sketch", None),
        ("sparse", None),
        ("dense", None),
        ("sketch", Some(10)),
    ] {
        let settings = core_::TrackerSettings {
            mode: core_::TrackerMode::from_name(mode).unwrap(),
            threshold: 0.1,
            ..core_::TrackerSettings::default()
        };
        let rate = fps.map_or(core_::FrameRate::DEFAULT, |fps| core_::FrameRate {
            numerator: fps,
            denominator: 1,
        });
        let mut tracker = core_::Tracker::new(settings).unwrap();
        let mut want = vec![serde_json::json!({"version": 1, "width": 97, "height": 61})];
        for (i, f) in frames.iter().enumerate() {
            let view = core_::Frame::new(97, 61, f).unwrap();
            let out = tracker.push_at(view, rate.frame_time_ms(i as u64)).unwrap();
            want.push(serde_json::to_value(core_::FrameReport::new(i, out)).unwrap());
        }
        let vectors: usize = want[1..]
            .iter()
            .map(|l| l["vectors"].as_array().unwrap().len())
            .sum();
        assert!(vectors > 0, "{mode}: no vector to compare");
        for sizes in [&[body.len()][..], &[1000, 7, 30_001], &[97 * 61 * 4], &[1]] {
            if sizes == [1] && (mode != "sketch" || fps.is_some()) {
                continue; // byte by byte once is enough
            }
            let fps = fps.map_or(String::new(), |fps| format!("&fps={fps}"));
            let uri = format!("/motion/stream?width=97&height=61&mode={mode}&threshold=0.1{fps}");
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
    for (k, f) in frames.iter().enumerate() {
        let view = core_::Frame::new(97, 61, f).unwrap();
        let time = Some(crate::stream_time(k));
        let mut drawn = Vec::new();
        core_::track_and_paint_into(&mut tracker, &mut painter, view, time, &mut drawn).unwrap();
        want.extend(drawn);
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
        stream: core_::StreamLimits {
            max_frames: 3,
            ..core_::StreamLimits::DEFAULT
        },
        ..ServeLimits::default()
    });
    let (_, _, answer) = stream(&few, uri, chunked(&frames.concat(), &[50_000]), false);
    assert_eq!(last_error(&answer), ("too-large".into(), 3, 5));
    // A stall mid-stream: a timeout at the idle deadline.
    let idle = host(ServeLimits {
        stream: core_::StreamLimits {
            frame_wait: Duration::from_millis(400),
            ..core_::StreamLimits::DEFAULT
        },
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
    // stopped component, with the frames before it. The second frame is
    // measured against the first (no interval), a dense grid every 2 px of
    // 1.5 megapixels: seconds of work, whenever the epoch ticks. (With the
    // 200 ms interval it had no reference, and two light frames could
    // finish between two ticks.)
    let slow = host(ServeLimits {
        frame_timeout: Duration::from_millis(1),
        ..ServeLimits::default()
    });
    let big: Vec<Vec<u8>> = (0..2).map(|i| random_frame(1500, 1000, i).pixels).collect();
    let (status, _, answer) = stream(
        &slow,
        "/motion/stream?width=1500&height=1000&mode=dense&step=2&interval=0",
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

/// `ServeLimits` with stream limits of `frame_wait` a frame and
/// `max_duration` in all.
fn paced_limits(frame_wait: Duration, max_duration: Option<Duration>) -> ServeLimits {
    ServeLimits {
        stream: core_::StreamLimits {
            frame_wait,
            max_duration,
            ..core_::StreamLimits::DEFAULT
        },
        ..ServeLimits::default()
    }
}

/// The last line's error message.
fn last_message(answer: &[u8]) -> String {
    let lines = lines(answer);
    lines.last().unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A trickle does not keep a stream alive: each whole frame must come
/// within the idle deadline of waiting, whether the sender trickles bytes
/// or sends frames too seldom; the last line says so, at the deadline.
#[test]
fn tricklers_end_at_the_frame_deadline() {
    let host = host(paced_limits(Duration::from_millis(500), None));
    let frames = frames();
    let uri = "/motion/stream?width=97&height=61";
    // One byte every 50 ms: a frame would take 20 minutes.
    let bytes: VecDeque<_> = (0..100)
        .map(|_| (Duration::from_millis(50), Bytes::from_static(&[9])))
        .collect();
    let answer = send(&host, uri, "application/octet-stream", bytes, false);
    assert_eq!(answer.status, 200);
    assert_eq!(last_error(&answer.body), ("timeout".into(), 0, 2));
    assert!(
        last_message(&answer.body).starts_with("frame 0 did not arrive within 500 ms of waiting"),
        "{}",
        last_message(&answer.body)
    );
    assert!(
        (Duration::from_millis(500)..Duration::from_millis(1000)).contains(&answer.took),
        "{:?}",
        answer.took
    );
    // Whole frames, one every 800 ms: the second is late.
    let slow = frame_chunks(&frames, Duration::from_millis(800));
    let answer = send(&host, uri, "application/octet-stream", slow, false);
    assert_eq!(last_error(&answer.body), ("timeout".into(), 1, 3));
    assert!(
        answer.took < Duration::from_millis(1200),
        "{:?}",
        answer.took
    );
    // One every 300 ms keeps pace: every frame's line, no error.
    let steady = frame_chunks(&frames, Duration::from_millis(300));
    let answer = send(&host, uri, "application/octet-stream", steady, false);
    assert_eq!(lines(&answer.body).len(), 1 + frames.len());
    assert!(answer.finished);
}

/// Waiting on a silent client is not computing: a stall longer than the
/// compute deadline of a frame ends with the idle deadline's line, which
/// names the client's silence.
#[test]
fn a_stall_is_not_taken_for_computing() {
    let host = host(ServeLimits {
        frame_timeout: Duration::from_millis(200),
        ..paced_limits(Duration::from_millis(700), None)
    });
    let frames = frames();
    let (_, _, answer) = stream(
        &host,
        "/motion/stream?width=97&height=61",
        chunked(&frames[0], &[frames[0].len()]),
        true,
    );
    assert_eq!(last_error(&answer), ("timeout".into(), 1, 3));
    assert!(
        last_message(&answer).starts_with("frame 1 did not arrive within 700 ms of waiting"),
        "{}",
        last_message(&answer)
    );
}

/// A stream that keeps pace still ends at its duration limit.
#[test]
fn a_stream_ends_at_its_duration_limit() {
    let host = host(paced_limits(
        Duration::from_millis(500),
        Some(Duration::from_millis(700)),
    ));
    let frames: Vec<Vec<u8>> = frames().into_iter().cycle().take(40).collect();
    let steady = frame_chunks(&frames, Duration::from_millis(100));
    let answer = send(
        &host,
        "/motion/stream?width=97&height=61",
        "application/octet-stream",
        steady,
        false,
    );
    let (kind, done, _) = last_error(&answer.body);
    assert_eq!(kind, "timeout");
    assert!((5..=8).contains(&done), "{done}");
    assert_eq!(
        last_message(&answer.body),
        format!("the stream passed its 700 ms duration limit after {done} frames")
    );
    assert!(
        answer.took < Duration::from_millis(1200),
        "{:?}",
        answer.took
    );
}

/// `/render/stream` has the same deadlines and limits; binary frames have
/// no room for a line, so each ends the answer unfinished after the whole
/// frames drawn before it: a client can tell it from a finished stream.
#[test]
fn render_stream_ends_unfinished_at_every_deadline_and_limit() {
    let frames = frames();
    let frame = frames[0].len();
    let uri = "/render/stream?width=97&height=61";
    let raw = "application/octet-stream";
    // A stall inside the third frame, at the idle deadline.
    let idle = host(paced_limits(Duration::from_millis(400), None));
    let mut body = frames[..2].concat();
    body.extend_from_slice(&frames[2][..500]);
    let paced = chunked(&body, &[8192])
        .into_iter()
        .map(|c| (Duration::ZERO, c))
        .collect();
    let answer = send(&idle, uri, raw, paced, true);
    assert_eq!(answer.status, 200);
    assert!(!answer.finished);
    assert_eq!(answer.body.len(), 2 * frame);
    assert!(
        answer.took < Duration::from_millis(1000),
        "{:?}",
        answer.took
    );
    // A trickle.
    let bytes: VecDeque<_> = (0..100)
        .map(|_| (Duration::from_millis(50), Bytes::from_static(&[9])))
        .collect();
    let answer = send(&idle, uri, raw, bytes, false);
    assert!(!answer.finished && answer.body.is_empty());
    assert!(
        answer.took < Duration::from_millis(1000),
        "{:?}",
        answer.took
    );
    // Too many frames.
    let few = host(ServeLimits {
        stream: core_::StreamLimits {
            max_frames: 3,
            ..core_::StreamLimits::DEFAULT
        },
        ..ServeLimits::default()
    });
    let all = frame_chunks(&frames, Duration::ZERO);
    let answer = send(&few, uri, raw, all, false);
    assert!(!answer.finished);
    assert_eq!(answer.body.len(), 3 * frame);
    // A frame past the compute deadline: the host stops the component,
    // and the answer stays unfinished (it once ended with a clean final
    // chunk).
    let slow = host(ServeLimits {
        frame_timeout: Duration::from_millis(1),
        ..ServeLimits::default()
    });
    let big: Vec<Vec<u8>> = (0..2).map(|i| random_frame(1500, 1000, i).pixels).collect();
    let answer = send(
        &slow,
        "/render/stream?width=1500&height=1000&mode=dense&step=2",
        raw,
        frame_chunks(&big, Duration::ZERO),
        false,
    );
    assert_eq!(answer.status, 200);
    assert!(!answer.finished);
    // And a stream that ends well is finished.
    let answer = send(
        &idle,
        uri,
        raw,
        frame_chunks(&frames, Duration::ZERO),
        false,
    );
    assert!(answer.finished);
    assert_eq!(answer.body.len(), frames.len() * frame);
}

/// The stream routes take raw RGBA8 only: PNG, or any other media type,
/// is a 415 before the answer starts.
#[test]
fn stream_routes_refuse_other_media_types() {
    let host = host(ServeLimits::default());
    for uri in [
        "/motion/stream?width=4&height=4",
        "/render/stream?width=4&height=4",
    ] {
        for content_type in [
            "image/png",
            "text/plain",
            "application/x-www-form-urlencoded",
        ] {
            let body = [(Duration::ZERO, Bytes::from(vec![0u8; 64]))].into();
            let answer = send(&host, uri, content_type, body, false);
            let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(
                (answer.status, json["error"]["kind"].as_str().unwrap()),
                (415, "unsupported-media-type"),
                "{uri} {content_type}"
            );
        }
    }
}

/// One 10,000-frame stream at 320x240 through the real server: every line
/// arrives, the last is frame 9,999, and the server's resident memory
/// grows by at most 1 MiB between frame 1,000 and frame 9,000 (measured:
/// 0–824 KiB, in the allocator's steps of about 350 KiB; a leak of 128
/// bytes a frame, 1 MiB over those 8,000 frames, would fail it). Not up
/// to the last frame: the client
/// reads its lines behind the server, which by then may be ending the
/// request, and a request's end zeroes the 16 MiB of instance memory the
/// pool keeps resident.
#[test]
fn a_ten_thousand_frame_stream_soaks_in_constant_memory() {
    let server = crate::serve::Server::start(&["--quiet"]);
    let pid = server.child.id();
    let samples = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let config = ghostlines::load::StreamConfig {
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
        .block_on(ghostlines::load::run_streams(&config, move |_, index| {
            last_seen.store(index, std::sync::atomic::Ordering::Relaxed);
            if index % 500 == 0 {
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
    let (at_1000, at_9000) = (samples[2], samples[18]);
    println!(
        "growth from frame 1,000 to 9,000: {} KiB ({:.2} %)",
        at_9000 as i64 - at_1000 as i64,
        (at_9000 as f64 / at_1000 as f64 - 1.0) * 100.0
    );
    assert!(at_9000 <= at_1000 + 1024, "{samples:?}");
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
