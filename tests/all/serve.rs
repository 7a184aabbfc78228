//! `ghostlines serve` end to end: the real binary on an ephemeral loopback
//! port, real HTTP from concurrent clients, a stalled upload, Ctrl-C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ghostlines_core as core_;

use crate::random_frame;

/// A running server, stopped (with SIGINT) when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
}

impl Server {
    pub(crate) fn start(args: &[&str]) -> Server {
        let mut child = crate::runner()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, addr }
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit; returns stderr.
    pub(crate) fn interrupt(mut self) -> (std::process::ExitStatus, String) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "serve did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client on one keep-alive connection.
struct Client {
    stream: BufReader<TcpStream>,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Client {
    fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Client {
            stream: BufReader::new(stream),
        }
    }

    fn send_head(&mut self, method: &str, path: &str, length: usize) {
        write!(
            self.stream.get_mut(),
            "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/octet-stream\r\ncontent-length: {length}\r\n\r\n"
        )
        .unwrap();
    }

    fn request(&mut self, method: &str, path: &str, body: &[u8]) -> Answer {
        self.send_head(method, path, body.len());
        self.stream.get_mut().write_all(body).unwrap();
        self.read_answer()
    }

    fn read_answer(&mut self) -> Answer {
        let mut line = String::new();
        self.stream.read_line(&mut line).unwrap();
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {line:?}"));
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).unwrap();
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            let (k, v) = trimmed.split_once(':').unwrap();
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map(|(_, v)| v.parse().unwrap())
            .expect("a content-length");
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }
}

impl Answer {
    fn kind(&self) -> String {
        let json: serde_json::Value = serde_json::from_slice(&self.body).unwrap();
        json["error"]["kind"].as_str().unwrap().to_string()
    }
}

#[test]
fn concurrent_clients_stalled_upload_and_ctrl_c() {
    let server = Server::start(&["--body-timeout-ms", "1500"]);
    let addr = server.addr.clone();

    // A client that sends a head and a quarter of its body, then stalls.
    let mut stalled = Client::connect(&addr);
    // Timed from before the head goes: the server's deadline starts when it
    // has the head, which it may have before this thread writes on (an
    // answer 1.497 s after the body's first bytes was seen once).
    let stalled_at = Instant::now();
    stalled.send_head("POST", "/greyscale?width=10&height=10", 400);
    stalled.stream.get_mut().write_all(&[9; 100]).unwrap();

    // Meanwhile 6 clients, each on one keep-alive connection, send 8
    // frames of assorted sizes and methods; every answer must be exact.
    let clients: Vec<_> = (0..6u64)
        .map(|c| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(&addr);
                for i in 0..8u64 {
                    let (w, h) = (40 + 37 * ((c + i) as u32 % 7), 30 + 23 * (i as u32 % 5));
                    let frame = random_frame(w, h, c * 100 + i);
                    let method = core_::GreyMethod::ALL[((c + i) % 5) as usize];
                    let answer = client.request(
                        "POST",
                        &format!("/greyscale?width={w}&height={h}&method={}", method.name()),
                        &frame.pixels,
                    );
                    assert_eq!(answer.status, 200);
                    let expected =
                        core_::greyscale(core_::Frame::new(w, h, &frame.pixels).unwrap(), method);
                    assert!(answer.body == expected, "client {c}, request {i}");
                }
                // A bad request on the same connection gets its 4xx.
                let answer = client.request("POST", "/greyscale?width=3&height=5", &[0; 7]);
                assert_eq!(
                    (answer.status, answer.kind().as_str()),
                    (400, "length-mismatch")
                );
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client failed");
    }

    // The stalled upload is cut off at its deadline with a 408.
    let answer = stalled.read_answer();
    let waited = stalled_at.elapsed();
    assert_eq!((answer.status, answer.kind().as_str()), (408, "timeout"));
    // At the deadline, and within a second of it.
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_millis(2500),
        "{waited:?}"
    );
    assert!(
        answer
            .headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json")
    );

    // Still answering after all that.
    let answer = Client::connect(&addr).request("GET", "/", &[]);
    assert_eq!(answer.status, 200);

    let (status, log) = server.interrupt();
    assert!(status.success(), "serve exited with {status}");
    // A log line a request: method, route, status, milliseconds.
    assert!(
        log.lines()
            .any(|l| l.starts_with("POST /greyscale 200 ") && l.ends_with("ms")),
        "{log}"
    );
    assert!(log.contains("POST /greyscale 408 "), "{log}");
    assert_eq!(
        log.lines()
            .filter(|l| l.starts_with("POST /greyscale 200 "))
            .count(),
        48
    );
}

#[test]
fn load_reports_throughput_with_no_errors() {
    let server = Server::start(&["--quiet"]);
    let json = tempfile::NamedTempFile::new().unwrap();
    let out = crate::runner()
        .args(["load", "--url", &format!("http://{}", server.addr)])
        .args([
            "--concurrency",
            "3",
            "--requests",
            "30",
            "--width",
            "160",
            "--height",
            "120",
        ])
        .arg("--json")
        .arg(json.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(
        summary.contains("30 requests") && summary.contains("errors: none"),
        "{summary}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json.path()).unwrap()).unwrap();
    assert_eq!(report["completed"], 30);
    assert_eq!(report["succeeded"], 30);
    assert!(report["requests_per_second"].as_f64().unwrap() > 0.0);
    assert!(report["p99_ms"].as_f64().unwrap() >= report["p50_ms"].as_f64().unwrap());
    let (status, _) = server.interrupt();
    assert!(status.success());
}

/// The fault and load test (`ghostlines faults`) against the real binary:
/// 12 clients (as many streams from one client allowed), 30 requests of
/// each of the eighteen kinds, stalls, trickles and unread answers cut at
/// 1.5 s, streams of at most 500 frames. Every bad request gets exactly
/// its status and kind (or last line), in time.
#[test]
fn hostile_traffic_gets_4xx_and_good_traffic_is_unharmed() {
    let server = Server::start(&[
        "--body-timeout-ms",
        "1500",
        "--send-timeout-ms",
        "1500",
        "--stream-idle-timeout-ms",
        "1500",
        "--max-stream-frames",
        "500",
        "--max-client-streams",
        "12",
        "--quiet",
    ]);
    let config = ghostlines::faults::FaultConfig {
        url: format!("http://{}", server.addr),
        concurrency: 12,
        requests: 540,
        time_limit: Duration::from_secs(120),
        server_pid: Some(server.child.id()),
    };
    let report = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(ghostlines::faults::run(&config))
        .unwrap();
    eprintln!("{}", report.summary());
    assert_eq!(report.sent, 540);
    assert!(report.passed(), "{}", report.summary());
    assert_eq!((report.good_identical, report.bad_wrong), (90, 0));
    use ghostlines::faults::Case;
    let exactly = |case: Case, outcomes: &[(&str, usize)]| {
        let seen = &report.statuses[&case];
        let want: std::collections::BTreeMap<String, usize> =
            outcomes.iter().map(|&(s, n)| (s.to_string(), n)).collect();
        assert_eq!(seen, &want, "{case:?}");
    };
    exactly(Case::GoodGreyscale, &[("200", 30)]);
    exactly(Case::GoodAdjust, &[("200", 30)]);
    exactly(Case::WrongLength, &[("400 length-mismatch", 30)]);
    exactly(
        Case::AbsurdDimensions,
        &[
            ("400 invalid-dimensions", 6),
            ("400 invalid-parameter", 12),
            ("413 too-large", 12),
        ],
    );
    exactly(Case::MalformedQuery, &[("400 invalid-parameter", 30)]);
    exactly(
        Case::WrongRequest,
        &[
            ("404 not-found", 10),
            ("405 method-not-allowed", 10),
            ("415 unsupported-media-type", 10),
        ],
    );
    exactly(Case::TruncatedBody, &[("400 invalid-body", 30)]);
    exactly(Case::StalledBody, &[("408 timeout", 30)]);
    exactly(Case::OversizedBody, &[("413 too-large", 30)]);
    exactly(Case::NeverRead, &[("cut", 30)]);
    exactly(Case::StreamGood, &[("200", 30)]);
    exactly(Case::StreamCut, &[("200 line length-mismatch after 2", 30)]);
    exactly(Case::StreamStalled, &[("200 line timeout after 1", 30)]);
    exactly(Case::StreamNeverRead, &[("cut", 30)]);
    exactly(Case::StreamTooMany, &[("200 line too-large after 500", 30)]);
    exactly(Case::StreamWrongSize, &[("400 invalid-dimensions", 30)]);
    exactly(
        Case::StreamTrickleBytes,
        &[("200 line timeout after 0", 30)],
    );
    exactly(
        Case::StreamTrickleFrames,
        &[("200 line timeout after 1", 30)],
    );
    // The 408s came at the deadline, within a second of it.
    assert!(
        (1500.0..2500.0).contains(&report.stall_max_ms),
        "{}",
        report.stall_max_ms
    );
    // Stalls and unread answers did not hold up the good requests.
    assert!(report.good_max_ms < 1500.0, "{}", report.good_max_ms);
    let rss = report.server_peak_rss_mib.unwrap();
    assert!(rss < 512.0, "peak RSS {rss} MiB");
}

/// Clients that never read their answers hold an instance each, but only
/// for the send deadline: then they are cut off, their instances freed,
/// and other requests are answered again.
#[test]
fn slow_readers_are_cut_off_and_free_their_instances() {
    let server = Server::start(&["--max-instances", "2", "--send-timeout-ms", "1500"]);
    // Two clients post a 3840x2160 frame to /adjust (a 33 MB answer) and
    // never read.
    let (w, h) = (3840usize, 2160usize);
    let body = vec![100u8; w * h * 4];
    let mut readers: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(&server.addr).unwrap();
            write!(
                stream,
                "POST /adjust?width={w}&height={h}&contrast=10&brightness=0 HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .unwrap();
            stream.write_all(&body).unwrap();
            stream
        })
        .collect();
    let sent = Instant::now();
    std::thread::sleep(Duration::from_millis(400));
    let good = || {
        Client::connect(&server.addr).request("POST", "/greyscale?width=1&height=1", &[1, 2, 3, 4])
    };
    // Both instances are held: a good request finds none free.
    let answer = good();
    assert_eq!((answer.status, answer.kind().as_str()), (503, "overloaded"));
    // Within the deadline and a second they are freed.
    let answered = loop {
        let answer = good();
        if answer.status == 200 {
            assert_eq!(answer.body, [3]);
            break sent.elapsed();
        }
        assert_eq!((answer.status, answer.kind().as_str()), (503, "overloaded"));
        assert!(sent.elapsed() < Duration::from_millis(2500), "still 503");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answered >= Duration::from_millis(1400), "{answered:?}");
    // The slow readers were cut off mid-answer: the connection ends
    // before the whole answer.
    std::thread::sleep(Duration::from_millis(2600).saturating_sub(sent.elapsed()));
    for reader in &mut readers {
        reader
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut received = Vec::new();
        reader
            .read_to_end(&mut received)
            .expect("the server closes");
        assert!(received.starts_with(b"HTTP/1.1 200"));
        assert!(received.len() < body.len(), "{} bytes", received.len());
    }
    let (status, log) = server.interrupt();
    assert!(status.success());
    let cuts: Vec<_> = log
        .lines()
        .filter(|l| l.starts_with("POST /adjust cut off after "))
        .collect();
    assert_eq!(cuts.len(), 2, "{log}");
    assert!(
        cuts.iter()
            .all(|l| l.ends_with("the client took none of the answer for 1500 ms")),
        "{log}"
    );
}

/// An instance's memory follows `--max-pixels` unless `--memory-limit-mib`
/// sets it, and too little for the frames is refused at startup: otherwise
/// the largest valid requests would be answered with traps (500).
#[test]
fn memory_follows_the_frame_limit() {
    let server = Server::start(&["--quiet", "--max-pixels", "33554432"]);
    let answer = Client::connect(&server.addr).request("GET", "/", b"");
    assert_eq!(answer.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    // 64 MiB and 48 bytes a pixel.
    assert_eq!(json["host"]["memory_limit_bytes"], 1600u64 << 20);
    assert_eq!(json["limits"]["max_pixels"], 1u64 << 25);
    let (status, _) = server.interrupt();
    assert!(status.success());

    let out = crate::runner()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--max-pixels",
            "33554432",
        ])
        .args(["--memory-limit-mib", "1599"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--memory-limit-mib 1599 is too little")
            && stderr.contains("needs 1600 MiB"),
        "{stderr}"
    );
}

/// What a trickling client saw: the status, the last line (for a 200),
/// and when the server ended the exchange.
pub(crate) struct Trickled {
    pub(crate) status: u16,
    pub(crate) last: Option<serde_json::Value>,
    pub(crate) ended_after: Duration,
}

/// A client of `/motion/stream` at `width x height` from `from` (a
/// loopback address of its own), sending `chunk` bytes every `every`
/// until the server ends the answer.
pub(crate) fn trickle(
    addr: &str,
    from: std::net::IpAddr,
    (width, height): (u32, u32),
    chunk: usize,
    every: Duration,
) -> Trickled {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(std::net::SocketAddr::new(from, 0)).unwrap();
        let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        let started = Instant::now();
        let head = format!(
            "POST /motion/stream?width={width}&height={height} HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        let sender = tokio::spawn(async move {
            let mut body = format!("{chunk:x}\r\n").into_bytes();
            body.extend(vec![77u8; chunk]);
            body.extend(b"\r\n");
            while writer.write_all(&body).await.is_ok() {
                tokio::time::sleep(every).await;
            }
        });
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match tokio::time::timeout(Duration::from_secs(60), reader.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            }
            // The end of a chunked answer, or of a 503's JSON.
            if answer.ends_with(b"0\r\n\r\n") || answer.ends_with(b"}}") {
                break;
            }
        }
        let ended_after = started.elapsed();
        sender.abort();
        let text = String::from_utf8_lossy(&answer);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let last = text
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(serde_json::Value::is_object);
        Trickled {
            status,
            last,
            ended_after,
        }
    })
}

/// Four trickling clients against `--max-instances 4` (two sending a byte
/// a second, two a whole frame every ten seconds): streams take at most
/// three instances (`--max-streams`' default), so the fourth is refused at
/// once and single requests keep their usual time; each admitted trickler
/// ends with the `timeout` line at the idle deadline, however it trickles.
#[test]
fn tricklers_cannot_hold_the_server() {
    let idle = Duration::from_millis(2000);
    let server = Server::start(&[
        "--max-instances",
        "4",
        "--stream-idle-timeout-ms",
        "2000",
        "--quiet",
    ]);
    let addr = server.addr.clone();
    let good = || {
        let frame = random_frame(161, 121, 1);
        let started = Instant::now();
        let answer = Client::connect(&addr).request(
            "POST",
            "/greyscale?width=161&height=121",
            &frame.pixels,
        );
        assert_eq!(answer.status, 200);
        started.elapsed()
    };
    let usual = (0..5).map(|_| good()).max().unwrap();
    let frame_bytes = 64 * 48 * 4;
    let tricklers: Vec<_> = [
        (1, Duration::from_secs(1)),
        (1, Duration::from_secs(1)),
        (frame_bytes, Duration::from_secs(10)),
        (frame_bytes, Duration::from_secs(10)),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (chunk, every))| {
        let addr = addr.clone();
        // Each from a loopback address of its own: four clients.
        let from = std::net::IpAddr::from([127, 0, 0, 2 + i as u8]);
        let trickler = std::thread::spawn(move || trickle(&addr, from, (64, 48), chunk, every));
        std::thread::sleep(Duration::from_millis(100));
        trickler
    })
    .collect();
    // While they trickle, single requests are answered as usual.
    std::thread::sleep(Duration::from_millis(300));
    let during: Vec<Duration> = (0..10).map(|_| good()).collect();
    let slowest = during.iter().max().unwrap();
    assert!(
        *slowest <= usual * 3 + Duration::from_millis(50),
        "usual {usual:?}, during {during:?}"
    );
    let ended: Vec<Trickled> = tricklers.into_iter().map(|t| t.join().unwrap()).collect();
    let refused: Vec<_> = ended.iter().filter(|t| t.status == 503).collect();
    assert_eq!(refused.len(), 1, "one trickler finds no stream slot");
    assert_eq!(
        refused[0].last.as_ref().unwrap()["error"]["kind"],
        "overloaded"
    );
    for t in ended.iter().filter(|t| t.status == 200) {
        let last = t.last.as_ref().expect("a last line");
        let error = &last["error"];
        assert_eq!(error["kind"], "timeout", "{last} after {:?}", t.ended_after);
        // A byte trickler never finishes frame 0; a frame trickler's first
        // frame is whole, its second is late.
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .ends_with("a stream must bring each whole frame within its idle deadline"),
            "{error}"
        );
        assert!(
            t.ended_after >= idle && t.ended_after < idle + Duration::from_secs(1),
            "{:?}",
            t.ended_after
        );
    }
    // And all are gone: four streams at once are admitted again.
    let (status, _) = server.interrupt();
    assert!(status.success());
}

/// One client may hold `--max-client-streams` streams at once; another
/// client is still admitted.
#[test]
fn one_client_holds_at_most_its_share_of_streams() {
    let server = Server::start(&[
        "--max-client-streams",
        "1",
        "--stream-idle-timeout-ms",
        "1500",
        "--quiet",
    ]);
    let addr = server.addr.clone();
    let open = |from: [u8; 4]| {
        let addr = addr.clone();
        std::thread::spawn(move || {
            trickle(
                &addr,
                std::net::IpAddr::from(from),
                (8, 8),
                1,
                Duration::from_millis(200),
            )
        })
    };
    let first = open([127, 0, 0, 2]);
    std::thread::sleep(Duration::from_millis(300));
    let second = open([127, 0, 0, 2]).join().unwrap();
    let other = open([127, 0, 0, 3]);
    assert_eq!(second.status, 429);
    assert_eq!(second.last.unwrap()["error"]["kind"], "too-many-streams");
    for t in [first.join().unwrap(), other.join().unwrap()] {
        assert_eq!(t.status, 200);
        assert_eq!(t.last.unwrap()["error"]["kind"], "timeout");
    }
}

/// A refusal that comes before the body has all been sent: the server
/// reads the rest and throws it away (lingering close), so the client
/// that is still sending is not reset and loses no answer, and its
/// connection carries the next request. Refused by the component (a bad
/// parameter) and by the host from the head alone (a frame too large).
#[test]
fn a_refusal_before_the_body_ends_reaches_a_client_still_sending() {
    let server = Server::start(&["--quiet", "--max-side", "4096"]);
    let total = 1024 * 2048 * 4;
    for path in [
        "/greyscale?width=1024&height=2048&method=nope",
        "/greyscale?width=8192&height=256",
    ] {
        let mut client = Client::connect(&server.addr);
        client.send_head("POST", path, total);
        client
            .stream
            .get_mut()
            .write_all(&vec![7; 64 << 10])
            .unwrap();
        let refused = client.read_answer();
        assert!(
            matches!(refused.status, 400 | 413),
            "{path}: {}",
            refused.status
        );
        // The rest of the body: 8 MB, far past what socket buffers hold
        // if nobody reads them.
        client
            .stream
            .get_mut()
            .write_all(&vec![7; total - (64 << 10)])
            .unwrap_or_else(|e| panic!("{path}: the rest of the body: {e}"));
        let frame = random_frame(4, 2, 1);
        let next = client.request("POST", "/greyscale?width=4&height=2", &frame.pixels);
        assert_eq!((next.status, next.body.len()), (200, 8), "{path}");
    }
}
