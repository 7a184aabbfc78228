//! examples/python/ against `ghostlines serve`: the standard-library client
//! with and without numpy (scripts/setup.sh puts numpy in
//! target/tools/python; `python3 -S` leaves every site package out), its
//! stream lines equal to core's, and the server's refusals as
//! `GhostlinesError`s.

use std::path::{Path, PathBuf};
use std::process::Command;

use ghostlines_core as core_;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `python3 -S` (no site packages), with numpy from target/tools/python
/// when `numpy`.
fn python(numpy: bool) -> Command {
    let mut command = Command::new("python3");
    command
        .arg("-S")
        .current_dir(root().join("examples/python"))
        .env_remove("PYTHONPATH")
        // No __pycache__ in the checkout.
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if numpy {
        command.env("PYTHONPATH", root().join("target/tools/python"));
    }
    command
}

/// core's report of each frame, as JSON values.
fn cores_reports(frames: &[ghostlines::Frame], mode: core_::TrackerMode) -> Vec<serde_json::Value> {
    crate::cores_reports(frames, mode)
        .into_iter()
        .map(|report| serde_json::to_value(report).unwrap())
        .collect()
}

#[test]
fn the_python_example_streams_cores_lines_with_and_without_numpy() {
    let server = crate::serve::Server::start(&["--quiet"]);
    let frames: Vec<_> = crate::video::orbit_frames().into_iter().take(8).collect();
    let (width, height) = (frames[0].width, frames[0].height);
    let input: Vec<u8> = frames.iter().flat_map(|f| f.pixels.clone()).collect();
    let grey = core_::greyscale(
        core_::Frame::new(width, height, &frames[0].pixels).unwrap(),
        core_::GreyMethod::MaxRgb,
    );
    let grey_sum: u64 = grey.iter().map(|&v| u64::from(v)).sum();
    for numpy in [false, true] {
        let out = crate::output_with_stdin(
            python(numpy)
                .args(["example.py", &format!("http://{}", server.addr)])
                .arg(format!("{width}x{height}"))
                .arg("sparse"),
            input.clone(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap());
        assert_eq!(
            lines.next().unwrap(),
            serde_json::json!({"numpy": numpy, "grey_shape": [height, width], "grey_sum": grey_sum})
        );
        let got: Vec<_> = lines.collect();
        assert_eq!(
            got,
            cores_reports(&frames, core_::TrackerMode::sparse()),
            "numpy {numpy}"
        );
    }
}

#[test]
fn the_python_client_raises_the_servers_errors() {
    let server = crate::serve::Server::start(&["--quiet"]);
    let script = format!(
        r#"
import json
from ghostlines_client import Client, GhostlinesError
client = Client("http://{}")
out = []
try:
    client.greyscale(b"\x00" * 8, width=3, height=1)
except GhostlinesError as e:
    out.append([e.kind, e.status])
try:
    frames = [b"\x00" * 48, b"\x00" * 48, b"\x00" * 10]
    lines = [r["index"] for r in client.motion_stream(frames, width=4, height=3)]
except GhostlinesError as e:
    out.append([e.kind, e.frames])
try:
    list(client.motion_stream([b"\x00" * 48], width=0, height=3))
except GhostlinesError as e:
    out.append([e.kind, e.status])
# Lockstep: frame k is made only once line k - 1 is back, which cannot
# happen unless lines are read while the body is still being sent.
import time
got = []
def lockstep():
    for k in range(6):
        deadline = time.monotonic() + 10
        while len(got) < k:
            if time.monotonic() > deadline:
                raise SystemExit("a line never came while sending")
            time.sleep(0.005)
        yield bytes([k * 40]) * 48
got.extend(r["index"] for r in client.motion_stream(lockstep(), width=4, height=3))
out.append(got)
print(json.dumps(out))
"#,
        server.addr
    );
    for numpy in [false, true] {
        let out = python(numpy).args(["-c", &script]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            got,
            serde_json::json!([
                ["length-mismatch", 400],
                ["length-mismatch", 2],
                ["invalid-dimensions", 400],
                [0, 1, 2, 3, 4, 5]
            ])
        );
    }
}

/// docs/python.md's and the README's ffmpeg | python3 pipeline, as written (the
/// server's address, the clip's size and the script's path swapped for the
/// test's): core's lines for ffmpeg's frames.
#[test]
fn the_documented_python_pipeline() {
    let server = crate::serve::Server::start(&["--quiet"]);
    let dir = tempfile::tempdir().unwrap();
    let clip = crate::video::clip(dir.path());
    let script = root().join("examples/python/example.py");
    for doc in ["docs/python.md", "README.md"] {
        pipeline_as_documented(doc, &server.addr, &clip, dir.path(), &script);
    }
}

fn pipeline_as_documented(doc: &str, addr: &str, clip: &Path, dir: &Path, script: &Path) {
    let (_, out) = crate::video::documented_command_with(
        doc,
        "ffmpeg -i clip.mp4 -f rawvideo -pix_fmt rgba - | python3 ",
        dir,
        &[
            ("127.0.0.1:3000", addr),
            ("640x360", "256x192"),
            ("examples/python/example.py", script.to_str().unwrap()),
        ],
    );
    let frames = crate::video::clip_frames(clip, (256, 192));
    let text = String::from_utf8(out).unwrap();
    let mut lines = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap());
    assert_eq!(
        lines.next().unwrap()["grey_shape"],
        serde_json::json!([192, 256])
    );
    let got: Vec<_> = lines.collect();
    assert_eq!(
        got,
        cores_reports(&frames, core_::TrackerMode::sparse()),
        "{doc}"
    );
}
