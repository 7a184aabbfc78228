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

/// Every public method of the client against a live server, with numpy
/// and without it: each answer as core computes it (`centroid` once raised
/// `KeyError`, reading a key the route does not send).
#[test]
fn every_client_method_answers_as_core_does() {
    let server = crate::serve::Server::start(&["--quiet"]);
    const W: u32 = 40;
    const H: u32 = 30;
    let (w, h) = (W, H);
    let (a, b) = (
        core_::synthetic_scene(w, h, 0),
        core_::synthetic_scene(w, h, 3),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rgba"), &a).unwrap();
    std::fs::write(dir.path().join("b.rgba"), &b).unwrap();
    let script = format!(
        r#"
import json, sys
from ghostlines_client import Client, numpy
use_numpy = sys.argv[1] == "1"
client = Client("http://{addr}")
a = open(r"{dir}/a.rgba", "rb").read()
b = open(r"{dir}/b.rgba", "rb").read()
size = {{"width": {w}, "height": {h}}}
if use_numpy:
    a, b = (numpy.frombuffer(f, numpy.uint8).reshape({h}, {w}, 4) for f in (a, b))
    size = {{}}
    black = numpy.zeros((2, 2, 4), numpy.uint8)
    hexed = lambda v: v.tobytes().hex()
else:
    black = bytes(16)
    hexed = lambda v: v.hex()
black_size = {{}} if use_numpy else {{"width": 2, "height": 2}}
out = {{
    "index": client.index()["name"],
    "greyscale": hexed(client.greyscale(a, method="luma-bt601", **size)),
    "adjust": hexed(client.adjust(a, 30, -10, **size)),
    "centroid": client.centroid(a, **size),
    "black_centroid": client.centroid(black, **black_size),
    "edges": client.edges(a, sigma=1.0, straight_only=False, **size),
    "motion": client.motion(a, b, mode="sparse", **size),
    "render": hexed(client.render(a, b, persistence=0.5, colouring="direction", **size)),
    "stream": list(client.motion_stream([a, b], {w}, {h})),
}}
print(json.dumps(out))
"#,
        addr = server.addr,
        dir = dir.path().display(),
    );
    // core's answers.
    fn frame(pixels: &[u8]) -> core_::Frame<'_> {
        core_::Frame::new(W, H, pixels).unwrap()
    }
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let grey = core_::greyscale(frame(&a), core_::GreyMethod::LumaBt601);
    let adjusted = core_::adjust_rgba(frame(&a), &core_::Adjustment::new(30, -10).unwrap());
    let plane = core_::greyscale(frame(&a), core_::GreyMethod::MaxRgb);
    let plane = core_::Plane::new(w, h, &plane).unwrap();
    let edges = core_::EdgeSettings {
        sigma: 1.0,
        ..Default::default()
    };
    let polylines = core_::edge_polylines(plane, &edges).unwrap();
    let edges = core_::EdgeReport::new(w, h, &polylines, Vec::new());
    let settings = |mode| core_::TrackerSettings {
        mode,
        ..Default::default()
    };
    let mut tracker = core_::Tracker::new(settings(core_::TrackerMode::sparse())).unwrap();
    tracker.push(frame(&a)).unwrap();
    let motion = core_::FrameReport::new(1, tracker.push(frame(&b)).unwrap());
    let mut motion = serde_json::to_value(motion).unwrap();
    for (key, value) in [("version", 1), ("width", w), ("height", h)] {
        motion[key] = value.into();
    }
    let mut tracker = core_::Tracker::new(settings(core_::TrackerMode::Sketch)).unwrap();
    let mut painter = core_::Painter::new(core_::PainterSettings {
        persistence: 0.5,
        colouring: core_::Colouring::Direction,
        ..Default::default()
    })
    .unwrap();
    let mut drawn = Vec::new();
    for pixels in [&a, &b] {
        let out = tracker.push(frame(pixels)).unwrap();
        drawn = painter
            .paint(
                frame(pixels),
                tracker.filtered(),
                &core_::Strokes::from_vectors(&out.vectors),
            )
            .unwrap();
    }
    let frames = [&a, &b].map(|p| ghostlines::Frame {
        width: w,
        height: h,
        pixels: p.clone(),
    });
    let want = serde_json::json!({
        "index": "ghostlines",
        "greyscale": hex(&grey),
        "adjust": hex(&adjusted),
        "centroid": core_::centroid(plane),
        "black_centroid": null,
        "edges": edges,
        "motion": motion,
        "render": hex(&drawn),
        "stream": cores_reports(&frames, core_::TrackerMode::Sketch),
    });
    for numpy in [false, true] {
        let out = python(numpy)
            .args(["-c", &script, if numpy { "1" } else { "0" }])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "numpy {numpy}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for key in want.as_object().unwrap().keys() {
            assert_eq!(got[key], want[key], "numpy {numpy}: {key}");
        }
    }
}
