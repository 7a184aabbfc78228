//! The components under the stock `wasmtime` CLI (upstream's binary, the
//! line we embed, installed by scripts/setup.sh): `ghostlines components`
//! writes them out, `wasmtime run --invoke` calls the guest and `wasmtime
//! serve -Scli` serves the HTTP component, each held to the same answers,
//! limits and error kinds as under the embedded Wasmtime. The commands are
//! docs/hosts.md's (and the README's), run as written there.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ghostlines_core as core_;

use crate::random_frame;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The wasmtime CLI: the one scripts/setup.sh installs into target/tools/,
/// else `wasmtime` on PATH; of the major version we embed, or the test
/// fails saying so.
pub(crate) fn wasmtime_cli() -> PathBuf {
    let installed = root().join("target/tools/wasmtime-cli/wasmtime_cli/wasmtime");
    let cli = if installed.is_file() {
        installed
    } else {
        PathBuf::from("wasmtime")
    };
    let out = Command::new(&cli)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| {
            panic!("no wasmtime CLI ({e}): scripts/setup.sh installs upstream's into target/tools/")
        });
    let version = String::from_utf8_lossy(&out.stdout).to_string();
    let embedded = env!("GHOSTLINES_WASMTIME_VERSION");
    let major = |v: &str| v.split('.').next().unwrap().to_string();
    let theirs = version.split_whitespace().nth(1).unwrap_or_default();
    assert_eq!(
        major(theirs),
        major(embedded),
        "{} is {version}, the host embeds wasmtime {embedded}: scripts/setup.sh installs the matching line",
        cli.display()
    );
    cli
}

/// `ghostlines components --out DIR/components`, as docs/hosts.md runs it.
pub(crate) fn components(dir: &Path) -> PathBuf {
    let out = crate::runner()
        .args(["components", "--out"])
        .arg(dir.join("components"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("components")
}

/// The lines of `doc` that start with `start`, each with the line after
/// it (where the docs print a command's output as a `# …` comment).
fn documented(doc: &str, start: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join(doc)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let found: Vec<_> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with(start))
        .map(|(i, l)| (l.to_string(), lines.get(i + 1).unwrap_or(&"").to_string()))
        .collect();
    assert!(!found.is_empty(), "{doc} has no line starting {start:?}");
    found
}

/// Runs a documented `wasmtime …` command line in `dir` with our CLI.
fn run_documented(cli: &Path, line: &str, dir: &Path) -> std::process::Output {
    let rest = line.strip_prefix("wasmtime ").unwrap();
    Command::new("sh")
        .args(["-c", &format!("\"$W\" {rest}")])
        .env("W", cli)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn components_writes_the_embedded_bytes_and_the_wit_package() {
    let dir = tempfile::tempdir().unwrap();
    let out = components(dir.path());
    for (name, bytes, _) in ghostlines::commands::ARTIFACTS {
        let written = std::fs::read(out.join(name)).unwrap();
        assert!(written == *bytes, "{name} differs from the embedded bytes");
    }
    assert!(
        std::fs::read(out.join("ghostlines_guest.wasm")).unwrap() == ghostlines::GUEST_COMPONENT
    );
    assert!(std::fs::read(out.join("ghostlines_http.wasm")).unwrap() == ghostlines::HTTP_COMPONENT);
    assert_eq!(
        std::fs::read_to_string(out.join("wit/ghostlines.wit")).unwrap(),
        std::fs::read_to_string(root().join("wit/ghostlines.wit")).unwrap()
    );
    // The binary package is a valid component whose exports are the WIT's
    // interfaces, by their full names.
    let binary = std::fs::read(out.join("ghostlines-image.wit.wasm")).unwrap();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&binary)
        .expect("the binary WIT package validates");
    let text = String::from_utf8_lossy(&binary);
    for interface in ["types", "process", "vectors", "tracking", "painting"] {
        let name = format!("ghostlines:image/{interface}@0.3.0");
        assert!(text.contains(&name), "{name} is not in the binary package");
    }
}

/// gzip -9's size of `bytes`.
fn gzipped(bytes: &[u8]) -> usize {
    let out = crate::output_with_stdin(Command::new("gzip").args(["-9", "-c"]), bytes.to_vec());
    out.stdout.len()
}

/// docs/hosts.md's sizes: the guest under 500 KB (150 KB gzipped), the
/// HTTP component under 1.1 MB (360 KB gzipped); and neither carries its
/// functions' names (a `name` section in any module inside).
#[test]
fn the_components_are_as_small_as_the_docs_say() {
    for (bytes, raw, gz) in [
        (ghostlines::GUEST_COMPONENT, 500_000, 150_000),
        (ghostlines::HTTP_COMPONENT, 1_100_000, 360_000),
    ] {
        assert!(bytes.len() < raw, "{} bytes", bytes.len());
        assert!(gzipped(bytes) < gz, "{} bytes gzipped", gzipped(bytes));
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            if let wasmparser::Payload::CustomSection(section) = payload.unwrap() {
                assert_ne!(section.name(), "name", "a module keeps its names");
            }
        }
    }
}

/// Each `wasmtime run --invoke` of docs/hosts.md prints the `# …` line
/// under it, exactly.
#[test]
fn wasmtime_run_invoke_answers_as_documented() {
    let cli = wasmtime_cli();
    let dir = tempfile::tempdir().unwrap();
    components(dir.path());
    let commands = documented("docs/hosts.md", "wasmtime run --invoke");
    assert!(commands.len() >= 3, "{commands:?}");
    for (line, printed) in commands {
        let want = printed
            .strip_prefix("# ")
            .unwrap_or_else(|| panic!("no `# output` line after {line}"));
        let out = run_documented(&cli, &line, dir.path());
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim_end(),
            want,
            "{line}"
        );
    }
    // And the README's one.
    let (line, printed) = documented("README.md", "wasmtime run --invoke").remove(0);
    let out = run_documented(&cli, &line, dir.path());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        printed.strip_prefix("# ").unwrap()
    );
}

/// `wasmtime serve -Scli`, started as docs/hosts.md does (on an ephemeral
/// port, with `extra` flags), stopped when dropped.
struct StockServer {
    child: Child,
    addr: String,
}

impl StockServer {
    fn start(cli: &Path, dir: &Path, extra: &[&str]) -> StockServer {
        let (line, _) = documented("docs/hosts.md", "wasmtime serve -Scli").remove(0);
        assert_eq!(line.matches("127.0.0.1:3000").count(), 1, "{line}");
        let args: Vec<String> = line
            .replace("127.0.0.1:3000", "127.0.0.1:0")
            .split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect();
        // Our flags go before the component, the last argument.
        let (component, flags) = args.split_last().unwrap();
        let mut child = Command::new(cli)
            .args(flags)
            .args(extra)
            .arg(component)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let addr = first
            .trim()
            .strip_prefix("Serving HTTP on http://")
            .and_then(|a| a.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        // Keep draining stderr so that the server never blocks on it.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        StockServer { child, addr }
    }
}

impl Drop for StockServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// curl: a POST of `body` (or a GET when None) to `path`; status and body.
fn curl(addr: &str, path: &str, body: Option<&[u8]>, dir: &Path) -> (u16, Vec<u8>) {
    curl_with(addr, path, body, dir, false)
}

/// As [`curl`], the body sent chunked (no content-length) when `chunked`,
/// as a stream of unknown length goes.
fn curl_with(
    addr: &str,
    path: &str,
    body: Option<&[u8]>,
    dir: &Path,
    chunked: bool,
) -> (u16, Vec<u8>) {
    let mut command = Command::new("curl");
    command
        .args(["-s", "-o", "-", "-w", "\n%{http_code}"])
        .arg(format!("http://{addr}{path}"));
    if let Some(body) = body {
        let file = dir.join("body.bin");
        std::fs::write(&file, body).unwrap();
        command.args(["-H", "content-type: application/octet-stream"]);
        if chunked {
            command
                .args(["-X", "POST", "-T", "-"])
                .stdin(std::fs::File::open(&file).unwrap());
        } else {
            command
                .arg("--data-binary")
                .arg(format!("@{}", file.display()));
        }
    }
    let out = command.output().expect("curl runs");
    let split = out.stdout.iter().rposition(|&b| b == b'\n').unwrap();
    let status = std::str::from_utf8(&out.stdout[split + 1..])
        .unwrap()
        .parse()
        .unwrap();
    (status, out.stdout[..split].to_vec())
}

fn kind(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    json["error"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn wasmtime_serve_answers_as_the_embedded_host_does() {
    let cli = wasmtime_cli();
    let dir = tempfile::tempdir().unwrap();
    components(dir.path());
    let server = StockServer::start(&cli, dir.path(), &[]);
    let addr = &server.addr;

    // The description lists the component's default limits.
    let (status, body) = curl(addr, "/", None, dir.path());
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["name"], "ghostlines");
    assert_eq!(json["limits"]["max_body_bytes"], 64 << 20);

    // Greyscale: core's bytes.
    let frame = random_frame(97, 61, 7);
    let (status, grey) = curl(
        addr,
        "/greyscale?width=97&height=61",
        Some(&frame.pixels),
        dir.path(),
    );
    assert_eq!(status, 200);
    let view = core_::Frame::new(97, 61, &frame.pixels).unwrap();
    assert!(grey == core_::greyscale(view, core_::GreyMethod::MaxRgb));

    // Bad input: the same statuses and kinds as under `ghostlines serve`.
    for (path, body, want) in [
        (
            "/greyscale?width=98&height=61",
            &frame.pixels[..],
            (400, "length-mismatch"),
        ),
        (
            "/greyscale?width=0&height=61",
            &[][..],
            (400, "invalid-dimensions"),
        ),
        (
            "/greyscale?width=97&height=x",
            &frame.pixels[..],
            (400, "invalid-parameter"),
        ),
        (
            "/greyscale?width=97&height=61&method=nope",
            &frame.pixels[..],
            (400, "invalid-parameter"),
        ),
        ("/nowhere", &frame.pixels[..], (404, "not-found")),
        (
            "/motion/stream?width=98&height=61",
            &frame.pixels[..],
            (400, "length-mismatch"),
        ),
    ] {
        let (status, answer) = curl(addr, path, Some(body), dir.path());
        assert_eq!((status, kind(&answer).as_str()), want, "{path}");
    }

    // The README's stream, as written, against this server.
    crate::video::the_readmes_stream_against(addr);
}

/// The component's own limits, set through the environment as any host
/// may: over them, the same 413s and stream endings as under our host.
#[test]
fn wasmtime_serve_keeps_the_limits_it_is_given() {
    let cli = wasmtime_cli();
    let dir = tempfile::tempdir().unwrap();
    components(dir.path());
    let server = StockServer::start(
        &cli,
        dir.path(),
        &[
            "--env",
            "GHOSTLINES_MAX_BODY_BYTES=100000",
            "--env",
            "GHOSTLINES_MAX_STREAM_FRAMES=3",
            "--env",
            "GHOSTLINES_MAX_PIXELS=10000",
        ],
    );
    let addr = &server.addr;
    let (_, body) = curl(addr, "/", None, dir.path());
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["limits"]["max_body_bytes"], 100_000);
    assert_eq!(json["limits"]["max_stream_frames"], 3);
    assert_eq!(json["limits"]["max_pixels"], 10_000);

    // A frame over the pixel limit, and a body over the byte limit.
    let big = random_frame(101, 100, 1);
    let (status, answer) = curl(
        addr,
        "/greyscale?width=101&height=100",
        Some(&big.pixels),
        dir.path(),
    );
    assert_eq!((status, kind(&answer).as_str()), (413, "too-large"));
    let (status, answer) = curl(
        addr,
        "/greyscale?width=160&height=160",
        Some(&vec![0; 102_400]),
        dir.path(),
    );
    assert_eq!((status, kind(&answer).as_str()), (413, "too-large"));

    // A stream of five frames with three allowed: refused at once when
    // its content-length says so; sent chunked, three lines, then the
    // error line. And a cut frame: its error line after the whole ones.
    let frames: Vec<u8> = (0..5)
        .flat_map(|i| random_frame(20, 10, i).pixels)
        .collect();
    let stream = "/motion/stream?width=20&height=10";
    let (status, answer) = curl(addr, stream, Some(&frames), dir.path());
    assert_eq!((status, kind(&answer).as_str()), (413, "too-large"));
    let (status, answer) = curl_with(addr, stream, Some(&frames), dir.path(), true);
    assert_eq!(status, 200);
    let text = String::from_utf8(answer).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    let last: serde_json::Value = serde_json::from_str(lines[4]).unwrap();
    assert_eq!(last["error"]["kind"], "too-large");
    assert_eq!(last["error"]["frames"], 3);
    let cut = &frames[..2 * 800 + 100];
    let (_, answer) = curl_with(addr, stream, Some(cut), dir.path(), true);
    let text = String::from_utf8(answer).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["error"]["kind"], "length-mismatch");
    assert_eq!(last["error"]["frames"], 2);
}

/// Upstream's `wasmtime serve`, like Spin, times no request body out: the
/// component keeps its own deadlines (a timer beside the body), so a
/// trickling stream and a stalled upload end there too, at the deadlines
/// its environment sets.
#[test]
fn wasmtime_serve_ends_stalls_and_trickles_by_the_components_own_clock() {
    let cli = wasmtime_cli();
    let dir = tempfile::tempdir().unwrap();
    components(dir.path());
    let server = StockServer::start(
        &cli,
        dir.path(),
        &[
            "--env",
            "GHOSTLINES_STREAM_IDLE_TIMEOUT_MS=1000",
            "--env",
            "GHOSTLINES_BODY_TIMEOUT_MS=1000",
        ],
    );
    let deadline = Duration::from_millis(1000);
    // A byte every 200 ms to /motion/stream.
    let trickled = crate::serve::trickle(
        &server.addr,
        std::net::IpAddr::from([127, 0, 0, 1]),
        (64, 48),
        1,
        Duration::from_millis(200),
    );
    assert_eq!(trickled.status, 200);
    let error = &trickled.last.unwrap()["error"];
    assert_eq!(error["kind"], "timeout");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("frame 0 did not arrive within 1000 ms of waiting"),
        "{error}"
    );
    assert!(
        (deadline..deadline + Duration::from_secs(1)).contains(&trickled.ended_after),
        "{:?}",
        trickled.ended_after
    );
    // A quarter of a body, then silence.
    let mut stalled = std::net::TcpStream::connect(&server.addr).unwrap();
    write!(
        stalled,
        "POST /greyscale?width=10&height=10 HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 400\r\n\r\n"
    )
    .unwrap();
    stalled.write_all(&[9; 100]).unwrap();
    let started = std::time::Instant::now();
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The head and the body may come in separate reads; the answer ends
    // with the connection (`connection: close`).
    let mut answer = Vec::new();
    let mut piece = [0u8; 1024];
    let mut waited = None;
    loop {
        let n = stalled.read(&mut piece).unwrap();
        waited.get_or_insert_with(|| started.elapsed());
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&piece[..n]);
    }
    let waited = waited.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("the request body did not arrive within 1000 ms (100 bytes came)"),
        "{text}"
    );
    assert!(
        (deadline..deadline + Duration::from_secs(1)).contains(&waited),
        "{waited:?}"
    );
}

/// curl with `args`, answering the status line's code and the headers,
/// lower-cased.
fn curl_headers(addr: &str, path: &str, args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-D", "-"])
        .args(args)
        .arg(format!("http://{addr}{path}"))
        .output()
        .expect("curl runs");
    let head = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head)
}

#[test]
fn wasmtime_serve_answers_preflights_for_the_origins_it_is_given() {
    let cli = wasmtime_cli();
    let dir = tempfile::tempdir().unwrap();
    components(dir.path());
    let server = StockServer::start(
        &cli,
        dir.path(),
        &["--env", "GHOSTLINES_CORS_ORIGIN=http://localhost:8080"],
    );
    let addr = &server.addr;
    let preflight = |origin: &str| {
        let origin = format!("origin: {origin}");
        let args = [
            "-X",
            "OPTIONS",
            "-H",
            &origin,
            "-H",
            "access-control-request-method: POST",
            "-H",
            "access-control-request-headers: content-type",
        ];
        curl_headers(addr, "/motion?width=64&height=48", &args)
    };
    let (status, head) = preflight("http://localhost:8080");
    assert_eq!(status, 204, "{head}");
    for line in [
        "access-control-allow-origin: http://localhost:8080",
        "access-control-allow-methods: post",
        "access-control-allow-headers: content-type, accept",
        "access-control-max-age: 7200",
        "vary: origin",
    ] {
        assert!(head.contains(line), "{line} in {head}");
    }
    let (status, head) = preflight("http://evil.example");
    assert_eq!(status, 403, "{head}");
    assert!(!head.contains("access-control-allow-origin"), "{head}");
    // The answers: the allowed page may read them and their size headers.
    let body = dir.path().join("frame.rgba");
    std::fs::write(&body, [1u8, 2, 3, 255].repeat(6)).unwrap();
    let data = format!("@{}", body.display());
    let post = |origin: &str| {
        let origin = format!("origin: {origin}");
        let args = [
            "-H",
            origin.as_str(),
            "-H",
            "content-type: application/octet-stream",
            "--data-binary",
            data.as_str(),
        ];
        curl_headers(addr, "/greyscale?width=3&height=2", &args)
    };
    let (status, head) = post("http://localhost:8080");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("access-control-allow-origin: http://localhost:8080"),
        "{head}"
    );
    assert!(
        head.contains("access-control-expose-headers: x-width, x-height, allow"),
        "{head}"
    );
    let (status, head) = post("http://evil.example");
    assert_eq!(status, 200, "{head}");
    assert!(!head.contains("access-control-allow-origin"), "{head}");
}
