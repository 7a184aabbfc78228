//! Host-side integration tests: the real component, built by the host's
//! build.rs, driven through Wasmtime; and the `ghostlines` binary itself.

mod cli;
mod component;
mod composed;
mod cors;
mod errors;
mod flow;
mod footage;
mod goldens;
mod http;
mod imports;
mod in_process;
mod paint;
mod python;
mod serve;
mod stock_wasmtime;
mod stream;
mod tracker;
mod video;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ghostlines::{Frame, Instance, Plane, Runtime};
use ghostlines_core::SplitMix64;

/// The `ghostlines` binary, as a command to run.
fn runner() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_ghostlines"))
}

/// One compiled component for the whole test binary.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new().expect("the embedded component compiles"))
}

fn instance() -> Instance {
    runtime().instantiate().expect("the component instantiates")
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(name)
}

/// Random RGBA bytes, reproducible from `seed`.
fn random_frame(width: u32, height: u32, seed: u64) -> Frame {
    let mut rng = SplitMix64::new(seed);
    let pixels = (0..width as usize * height as usize * 4)
        .map(|_| (rng.next_u64() >> 56) as u8)
        .collect();
    Frame {
        width,
        height,
        pixels,
    }
}

/// The sizes every parity test covers: the smallest, a tiny odd one, and
/// one with odd sides just over 800x600.
const SIZES: [(u32, u32); 3] = [(1, 1), (3, 5), (801, 601)];

/// The public-domain photograph (1000x872) as RGBA.
fn photo() -> Frame {
    ghostlines::files::read_frame(&data("hubble_deep_field.jpg"), None).expect("the photo decodes")
}

/// Every frame the parity tests use, with a name for messages.
fn parity_frames() -> Vec<(String, Frame)> {
    let mut frames: Vec<_> = SIZES
        .iter()
        .enumerate()
        .map(|(i, &(w, h))| (format!("random {w}x{h}"), random_frame(w, h, i as u64 + 1)))
        .collect();
    frames.push(("photo".into(), photo()));
    frames
}

fn plane_of(frame: &Frame, values: Vec<u8>) -> Plane {
    Plane {
        width: frame.width,
        height: frame.height,
        values,
    }
}

/// The time of frame `index` of a stream whose frames carry none (raw
/// RGBA, an HTTP stream without `fps`): the default rate's.
fn stream_time(index: usize) -> f64 {
    ghostlines_core::FrameRate::DEFAULT.frame_time_ms(index as u64)
}

/// core's report of each of `frames` through one tracker in `mode`, the
/// frames at the default rate: what every stream, pipeline and example
/// must print.
fn cores_reports(
    frames: &[Frame],
    mode: ghostlines_core::TrackerMode,
) -> Vec<ghostlines_core::FrameReport> {
    let mut tracker = ghostlines_core::Tracker::new(ghostlines_core::TrackerSettings {
        mode,
        ..Default::default()
    })
    .unwrap();
    frames
        .iter()
        .enumerate()
        .map(|(index, f)| {
            let view = ghostlines_core::Frame::new(f.width, f.height, &f.pixels).unwrap();
            let output = tracker.push_at(view, stream_time(index)).unwrap();
            ghostlines_core::FrameReport::new(index, output)
        })
        .collect()
}

/// Resident memory of a process, KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Runs `command` with `input` on its standard input, written from a
/// thread of its own so that a command that answers as it reads never
/// blocks on a full pipe; its output. A command may stop reading (a
/// refusal, or an input named by path), so a closed pipe is not an error.
fn output_with_stdin(command: &mut std::process::Command, input: Vec<u8>) -> std::process::Output {
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().unwrap();
    match writer.join().unwrap() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    out
}
