//! examples/vectors composed with the guest (host/build.rs, wac-graph): one
//! command component, run with stdin and stdout pipes in the embedded
//! Wasmtime and under upstream's `wasmtime run`. Its lines are core's.

use std::process::{Command, Stdio};

use ghostlines_core as core_;
use wasmtime::Store;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime_wasi::p2::bindings::sync::Command as WasiCommand;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// What a run of a command printed, and whether it succeeded.
struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs the composed example with `args` and `stdin` in the embedded
/// Wasmtime (the runner's engine), as a WASI command.
fn run_composed(args: &[&str], stdin: Vec<u8>) -> Ran {
    let engine = crate::runtime().engine();
    let component = Component::new(engine, ghostlines::EXAMPLE_VECTORS_COMPOSED).unwrap();
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let stdout = MemoryOutputPipe::new(64 << 20);
    let stderr = MemoryOutputPipe::new(1 << 20);
    let mut argv = vec!["ghostlines-vectors"];
    argv.extend_from_slice(args);
    let wasi = WasiCtx::builder()
        .args(&argv)
        .stdin(MemoryInputPipe::new(stdin))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .build();
    let mut store = Store::new(
        engine,
        State {
            wasi,
            table: ResourceTable::new(),
        },
    );
    let command = WasiCommand::instantiate(&mut store, &component, &linker).unwrap();
    let ok = command.wasi_cli_run().call_run(&mut store).unwrap().is_ok();
    drop(store);
    Ran {
        ok,
        stdout: String::from_utf8(stdout.contents().to_vec()).unwrap(),
        stderr: String::from_utf8(stderr.contents().to_vec()).unwrap(),
    }
}

/// core's lines for `frames` in `mode`: the motion schema, a frame a line.
fn cores_lines(frames: &[ghostlines::Frame], mode: core_::TrackerMode) -> String {
    crate::cores_reports(frames, mode)
        .iter()
        .map(|report| serde_json::to_string(report).unwrap() + "\n")
        .collect()
}

fn orbit() -> (Vec<ghostlines::Frame>, Vec<u8>, String) {
    let frames: Vec<_> = crate::video::orbit_frames().into_iter().take(6).collect();
    let bytes = frames.iter().flat_map(|f| f.pixels.clone()).collect();
    let size = format!("{}x{}", frames[0].width, frames[0].height);
    (frames, bytes, size)
}

#[test]
fn the_composed_example_prints_cores_lines_in_every_mode() {
    let (frames, bytes, size) = orbit();
    for name in core_::TrackerMode::all().map(|m| m.name()) {
        let ran = run_composed(&["--size", &size, "--mode", name], bytes.clone());
        assert!(ran.ok, "{name}: {}", ran.stderr);
        let mode = core_::TrackerMode::from_name(name).unwrap();
        assert_eq!(ran.stdout, cores_lines(&frames, mode), "{name}");
    }
    // No --mode: the sketch's.
    let ran = run_composed(&["--size", &size], bytes);
    assert_eq!(ran.stdout, cores_lines(&frames, core_::TrackerMode::Sketch));
}

#[test]
fn the_composed_example_refuses_bad_input_and_keeps_what_was_done() {
    let (frames, bytes, size) = orbit();
    // A cut frame: the whole frames' lines, then a failure that says so.
    let frame_bytes = frames[0].pixels.len();
    let cut = bytes[..2 * frame_bytes + 100].to_vec();
    let ran = run_composed(&["--size", &size], cut);
    assert!(!ran.ok);
    assert_eq!(
        ran.stdout,
        cores_lines(&frames[..2], core_::TrackerMode::Sketch)
    );
    assert_eq!(
        ran.stderr.trim_end(),
        format!("ghostlines-vectors: the input ended inside frame 2 (100 of {frame_bytes} bytes)")
    );
    // Bad arguments: the usage, no output.
    for args in [
        &["--mode", "sparse"][..],
        &["--size", "0x5"],
        &["--size", "4x4", "--mode", "wavy"],
    ] {
        let ran = run_composed(args, vec![0; 64]);
        assert!(!ran.ok, "{args:?}");
        assert_eq!(ran.stdout, "", "{args:?}");
        assert!(
            ran.stderr.starts_with("ghostlines-vectors: "),
            "{}",
            ran.stderr
        );
    }
    // A size over the component's limits: its own typed error, as text.
    let ran = run_composed(&["--size", "20000x1"], vec![0; 80_000]);
    assert!(!ran.ok);
    assert!(ran.stderr.contains("frame 0: "), "{}", ran.stderr);
}

#[test]
fn the_composed_example_runs_under_stock_wasmtime() {
    let cli = crate::stock_wasmtime::wasmtime_cli();
    let dir = tempfile::tempdir().unwrap();
    let components = crate::stock_wasmtime::components(dir.path());
    let (frames, bytes, size) = orbit();
    let out = crate::output_with_stdin(
        Command::new(&cli)
            .arg("run")
            .arg(components.join("ghostlines-vectors-composed.wasm"))
            .args(["--size", &size, "--mode", "sparse"]),
        bytes,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        cores_lines(&frames, core_::TrackerMode::sparse())
    );
    // The example alone has open imports, which no host fills.
    let alone = Command::new(&cli)
        .arg("run")
        .arg(components.join("ghostlines-vectors.wasm"))
        .args(["--size", &size])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!alone.status.success());
    assert!(
        String::from_utf8_lossy(&alone.stderr).contains("ghostlines:image/"),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
}

/// docs/hosts.md's ffmpeg | wasmtime run pipeline, as written there (the
/// clip's size swapped for the test clip's): core's lines for ffmpeg's
/// frames.
#[test]
fn the_documented_ffmpeg_pipeline_into_the_composed_example() {
    let cli = crate::stock_wasmtime::wasmtime_cli();
    let dir = tempfile::tempdir().unwrap();
    crate::stock_wasmtime::components(dir.path());
    let clip = crate::video::clip(dir.path());
    let (command, out) = crate::video::documented_command_with(
        "docs/hosts.md",
        "ffmpeg -i clip.mp4 -f rawvideo -pix_fmt rgba - \\\n  | wasmtime run",
        dir.path(),
        &[
            ("| wasmtime run", &format!("| '{}' run", cli.display())),
            ("640x360", "256x192"),
        ],
    );
    assert!(command.contains("--mode sparse"), "{command}");
    let frames = crate::video::clip_frames(&clip, (256, 192));
    assert_eq!(frames.len(), 16);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        cores_lines(&frames, core_::TrackerMode::sparse())
    );
}
