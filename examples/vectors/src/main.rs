//! `ghostlines-vectors --size WxH [--mode sketch|sparse|dense|field] [--fps F]`:
//! raw RGBA frames on standard input (at F frames a second, 25 unless
//! told), one NDJSON line of vectors a frame on standard output, in the
//! motion schema of `ghostlines motion`.
//!
//! An example of a component built on ghostlines: it imports the
//! `ghostlines:image` interfaces it uses and owns no image code. Alone it
//! cannot run (its imports are open); composed with the ghostlines
//! component, it is one command component for any WASI host:
//!
//! ```sh
//! wac plug ghostlines_vectors.wasm --plug ghostlines_guest.wasm -o composed.wasm
//! wasmtime run composed.wasm --size 640x360 --mode sparse < frames.rgba
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::process::ExitCode;

wit_bindgen::generate!({
    inline: r#"
        package ghostlines:example;

        world vectors {
            import ghostlines:image/process@0.3.0;
            import ghostlines:image/tracking@0.3.0;
        }
    "#,
    path: "../../wit",
    generate_all,
});

use ghostlines::image::process;
use ghostlines::image::tracking::{self, Tracker, TrackerMode, TrackerOutput};
use ghostlines::image::types::{FlowStatus, Frame};

const USAGE: &str =
    "usage: ghostlines-vectors --size WxH [--mode sketch|sparse|dense|field] [--fps F]";

/// Frames a second unless told: `ghostlines render`'s for raw input.
const DEFAULT_FPS: f64 = 25.0;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ghostlines-vectors: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the command line asks for.
struct Args {
    width: u32,
    height: u32,
    mode: TrackerMode,
    /// Frames a second: frame k is taken at k / fps seconds.
    fps: f64,
}

/// The command line: the frame size, the tracker mode, the frame rate.
fn parse_args() -> Result<Args, String> {
    let mut size = None;
    let mut mode = TrackerMode::Sketch;
    let mut fps = DEFAULT_FPS;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        match arg.as_str() {
            "--size" => {
                let (w, h) = value.split_once('x').ok_or(USAGE)?;
                let side = |s: &str| s.parse::<u32>().map_err(|_| format!("bad size {value:?}"));
                size = Some((side(w)?, side(h)?));
            }
            "--mode" => {
                mode = match value.as_str() {
                    "sketch" => TrackerMode::Sketch,
                    "sparse" => TrackerMode::Sparse(tracking::default_sparse_mode()),
                    "dense" => TrackerMode::Dense(tracking::default_dense_mode()),
                    "field" => TrackerMode::Field(tracking::default_field_mode()),
                    other => return Err(format!("unknown mode {other:?}; {USAGE}")),
                }
            }
            "--fps" => {
                fps = value
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f > 0.0)
                    .ok_or_else(|| format!("bad frame rate {value:?}; {USAGE}"))?;
            }
            _ => return Err(USAGE.to_string()),
        }
    }
    let (width, height) = size.ok_or(USAGE)?;
    Ok(Args {
        width,
        height,
        mode,
        fps,
    })
}

fn run() -> Result<(), String> {
    let Args {
        width,
        height,
        mode,
        fps,
    } = parse_args()?;
    let settings = tracking::TrackerSettings {
        mode,
        ..tracking::default_tracker_settings()
    };
    let tracker = Tracker::create(settings).map_err(|e| process::error_message(&e))?;
    let frame_bytes = width as usize * height as usize * 4;
    if frame_bytes == 0 {
        return Err(format!("a {width}x{height} frame has no pixels"));
    }
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    for index in 0u32.. {
        let mut pixels = vec![0; frame_bytes];
        match read_frame(&mut input, &mut pixels).map_err(|e| e.to_string())? {
            0 => break,
            n if n < frame_bytes => {
                return Err(format!(
                    "the input ended inside frame {index} ({n} of {frame_bytes} bytes)"
                ));
            }
            _ => {}
        }
        let frame = Frame {
            width,
            height,
            pixels,
        };
        // Each frame at its time: the tracker measures it against the one
        // an interval before.
        let time = f64::from(index) * 1000.0 / fps;
        let out = tracker
            .push_at(&frame, time)
            .map_err(|e| format!("frame {index}: {}", process::error_message(&e)))?;
        let mut line = serde_json::to_vec(&Line::new(index, &out)).map_err(|e| e.to_string())?;
        line.push(b'\n');
        // Each line as soon as its frame is done, for a reader downstream;
        // a reader that went away (`| head`) ends the run quietly.
        match output.write_all(&line).and_then(|()| output.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// Fills `buf` from `input` unless it ends first; the bytes read.
fn read_frame(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// One frame in the motion schema (`ghostlines motion --json`):
/// `{"index","centroid":{"x","y"}|null,"centroid_motion":{"dx","dy"}|null,"vectors":[…]}`.
#[derive(serde::Serialize)]
struct Line {
    index: usize,
    centroid: Option<Xy>,
    centroid_motion: Option<DxDy>,
    vectors: Vec<VectorJson>,
}

#[derive(serde::Serialize)]
struct Xy {
    x: f64,
    y: f64,
}

#[derive(serde::Serialize)]
struct DxDy {
    dx: f64,
    dy: f64,
}

#[derive(serde::Serialize)]
struct VectorJson {
    x: f64,
    y: f64,
    dx: f64,
    dy: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<f64>,
}

impl Line {
    fn new(index: u32, out: &TrackerOutput) -> Line {
        Line {
            index: index as usize,
            centroid: out.centroid.map(|p| Xy { x: p.x, y: p.y }),
            centroid_motion: out.centroid_motion.map(|d| DxDy { dx: d.dx, dy: d.dy }),
            vectors: out
                .vectors
                .iter()
                .map(|v| VectorJson {
                    x: v.x,
                    y: v.y,
                    dx: v.dx,
                    dy: v.dy,
                    status: v.status.map(|s| match s {
                        FlowStatus::Tracked => "tracked",
                        FlowStatus::Lost => "lost",
                    }),
                    error: v.error,
                })
                .collect(),
        }
    }
}
