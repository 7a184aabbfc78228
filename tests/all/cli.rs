//! The `ghostlines` binary on real files: output contents, not only exit
//! codes.

use std::path::Path;
use std::process::Output;

use ghostlines_core as core_;
use ghostlines_core::MotionReport;

use crate::data;

fn ghostlines(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    crate::runner()
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("the binary runs")
}

/// Runs and expects success; the output.
pub(crate) fn succeed(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let out = ghostlines(args);
    assert!(
        out.status.success(),
        "ghostlines failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs and expects failure; returns stderr.
pub(crate) fn fail(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let out = ghostlines(args);
    assert!(!out.status.success(), "ghostlines should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn decode(path: &Path) -> image::DynamicImage {
    image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn grey_writes_a_greyscale_png_equal_to_core() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("hubble_deep_field.jpg");
    let out = dir.path().join("grey.png");
    succeed(&[&"grey", &input, &out, &"--method", &"luma-bt709"]);
    let written = decode(&out);
    assert_eq!(written.color(), image::ColorType::L8);
    let frame = ghostlines::files::read_frame(&input, None).unwrap();
    let expected = core_::greyscale(
        core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap(),
        core_::GreyMethod::LumaBt709,
    );
    assert_eq!((written.width(), written.height()), (1000, 872));
    assert!(written.into_luma8().into_raw() == expected);
}

#[test]
fn grey_reads_webp_and_gif() {
    let dir = tempfile::tempdir().unwrap();
    let frame = crate::random_frame(31, 17, 4);
    // Opaque pixels: GIF has no partial alpha.
    let pixels: Vec<u8> = frame
        .pixels
        .chunks(4)
        .flat_map(|p| [p[0] & 0xf0, p[1] & 0xf0, p[2], 255])
        .collect();
    let image = image::RgbaImage::from_raw(31, 17, pixels).unwrap();
    for name in ["in.webp", "in.gif"] {
        let input = dir.path().join(name);
        image.save(&input).unwrap();
        // What the decoder gives (GIF quantises) is what must be greyed.
        let decoded = decode(&input).into_rgba8();
        let out = dir.path().join(format!("{name}.gray"));
        succeed(&[&"grey", &input, &out, &"--method", &"average"]);
        let expected = core_::greyscale(
            core_::Frame::new(31, 17, decoded.as_raw()).unwrap(),
            core_::GreyMethod::Average,
        );
        assert!(std::fs::read(&out).unwrap() == expected, "{name}");
    }
}

#[test]
fn grey_on_raw_rgba_matches_numpy_and_opencv() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("truth/hubble_161x121.rgba");
    for (method, truth) in [("max-rgb", "max-rgb"), ("luma-bt601", "luma-bt601")] {
        let out = dir.path().join(format!("{method}.gray"));
        succeed(&[
            &"grey",
            &input,
            &out,
            &"--size",
            &"161x121",
            &"--method",
            &method,
        ]);
        let expected = std::fs::read(data(&format!("truth/hubble_161x121.{truth}.gray"))).unwrap();
        assert!(std::fs::read(&out).unwrap() == expected, "{method}");
    }
}

#[test]
fn adjust_writes_an_rgba_png_equal_to_core() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("truth/random_67x45.rgba");
    let out = dir.path().join("adjusted.png");
    succeed(&[
        &"adjust",
        &input,
        &out,
        &"--size",
        &"67x45",
        &"--contrast",
        &"-30",
        &"--brightness",
        &"45",
    ]);
    let pixels = std::fs::read(&input).unwrap();
    let expected = core_::adjust_rgba(
        core_::Frame::new(67, 45, &pixels).unwrap(),
        &core_::Adjustment::new(-30, 45).unwrap(),
    );
    let written = decode(&out).into_rgba8();
    assert_eq!(written.dimensions(), (67, 45));
    assert!(written.into_raw() == expected);
}

#[test]
fn motion_on_the_bundled_gif_writes_json_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let gif = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/orbit.gif");
    let (json, svg) = (dir.path().join("m.json"), dir.path().join("m.svg"));
    succeed(&[
        &"motion", &gif, &"--json", &json, &"--svg", &svg, &"--seed", &"5",
    ]);
    let report: MotionReport = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!((report.version, report.width, report.height), (1, 256, 192));
    assert_eq!(report.frames.len(), 16);
    assert!(report.frames[0].centroid_motion.is_none() && report.frames[0].vectors.is_empty());

    // The same frames through the native tracker give the same report.
    let mut source = ghostlines::video::Source::open(
        std::slice::from_ref(&gif),
        None,
        core_::FrameRate::DEFAULT,
    )
    .unwrap();
    let frames: Vec<_> = std::iter::from_fn(|| source.next_frame().unwrap()).collect();
    let mut native = core_::Tracker::new(core_::TrackerSettings {
        seed: 5,
        ..Default::default()
    })
    .unwrap();
    for (timed, reported) in frames.iter().zip(&report.frames) {
        let frame = &timed.frame;
        let view = core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap();
        let out = native.push_at(view, timed.time).unwrap();
        assert_eq!(
            reported.centroid.map(|p| (p.x, p.y)),
            out.centroid.map(|p| (p.x, p.y))
        );
        let vectors: Vec<_> = reported
            .vectors
            .iter()
            .map(|v| (v.x, v.y, v.dx, v.dy))
            .collect();
        let expected: Vec<_> = out.vectors.iter().map(|v| (v.x, v.y, v.dx, v.dy)).collect();
        assert_eq!(vectors, expected);
    }
    assert!(report.frames[1..].iter().any(|f| !f.vectors.is_empty()));

    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(r#"width="256" height="192""#));
    assert!(svg.contains("data:image/png;base64,"));
    let paths = svg.matches("<path ").count();
    let frames_with_vectors = report
        .frames
        .iter()
        .filter(|f| !f.vectors.is_empty())
        .count();
    assert_eq!(paths, frames_with_vectors);
    // One moveto a line, counted after the embedded (base64) frame.
    let drawing = &svg[svg.find("<g ").unwrap()..];
    let lines = drawing.matches('M').count();
    let vectors: usize = report.frames.iter().map(|f| f.vectors.len()).sum();
    assert_eq!(lines, vectors);
}

#[test]
fn motion_over_png_files_reports_the_known_shift() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (x, y)) in [(10u32, 20u32), (15, 18), (15, 18), (12, 25)]
        .into_iter()
        .enumerate()
    {
        let image = image::RgbaImage::from_fn(64, 48, |px, py| {
            let inside = (x..x + 6).contains(&px) && (y..y + 6).contains(&py);
            image::Rgba(if inside {
                [250, 250, 250, 255]
            } else {
                [0, 0, 0, 255]
            })
        });
        let path = dir.path().join(format!("f{i}.png"));
        image.save(&path).unwrap();
        paths.push(path);
    }
    let json = dir.path().join("m.json");
    let out = succeed(&[
        &"motion",
        &paths[0],
        &paths[1],
        &paths[2],
        &paths[3],
        &"--json",
        &"-",
        &"--threshold",
        &"0.5",
        // Image files come at --fps: five a second are the sketch's
        // 200 ms apart, so each is measured against the one before.
        &"--fps",
        &"5",
        &"--contrast",
        &"0",
        &"--brightness",
        &"0",
    ]);
    assert!(!json.exists());
    let report: MotionReport = serde_json::from_slice(&out.stdout).unwrap();
    let motions: Vec<_> = report
        .frames
        .iter()
        .map(|f| f.centroid_motion.map(|d| (d.dx, d.dy)))
        .collect();
    assert_eq!(
        motions,
        [None, Some((5.0, -2.0)), Some((0.0, 0.0)), Some((-3.0, 7.0))]
    );
    // Nothing changed between frames 1 and 2: no samples kept.
    assert!(report.frames[2].vectors.is_empty());
    assert!(!report.frames[3].vectors.is_empty());
    let c = report.frames[0].centroid.unwrap();
    assert_eq!((c.x, c.y), (12.5, 22.5));
}

#[test]
fn edges_writes_json_and_svg_equal_to_core() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("hubble_deep_field.jpg");
    let (json, svg) = (dir.path().join("e.json"), dir.path().join("e.svg"));
    succeed(&[
        &"edges",
        &input,
        &"--json",
        &json,
        &"--svg",
        &svg,
        &"--gradient-step",
        &"50",
        &"--tolerance",
        &"1",
    ]);
    let report: core_::EdgeReport = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let frame = ghostlines::files::read_frame(&input, None).unwrap();
    let grey = core_::greyscale(
        core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap(),
        core_::GreyMethod::MaxRgb,
    );
    let plane = core_::Plane::new(frame.width, frame.height, &grey).unwrap();
    let settings = core_::EdgeSettings {
        tolerance: 1.0,
        ..Default::default()
    };
    let expected = core_::EdgeReport::new(
        1000,
        872,
        &core_::edge_polylines(plane, &settings).unwrap(),
        core_::gradient_field(plane, core_::GradientOperator::Sobel, 50).unwrap(),
    );
    assert_eq!(report, expected);
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(svg.matches("<polyline ").count(), report.polylines.len());
    let err = fail(&[&"edges", &input, &"--json", &json, &"--sigma", &"0"]);
    assert!(err.contains("sigma must be in 0.5..=10"), "{err}");
}

#[test]
fn motion_flow_modes_on_the_bundled_gif() {
    let dir = tempfile::tempdir().unwrap();
    let gif = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/orbit.gif");
    for mode in ["sparse", "dense"] {
        let json = dir.path().join(format!("{mode}.json"));
        succeed(&[&"motion", &gif, &"--mode", &mode, &"--json", &json]);
        let report: MotionReport = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(report.frames.len(), 16);
        // The sequence pans 2 px right and 1 down a frame, a frame every
        // 80 ms: the default 200 ms interval reaches three frames back,
        // where the scene was (-6, -3) away wherever the comet is not.
        // The first three frames have no reference.
        assert!(report.frames[..3].iter().all(|f| f.vectors.is_empty()));
        let tracked: Vec<_> = report.frames[3..]
            .iter()
            .flat_map(|f| &f.vectors)
            .filter(|v| v.status == Some(core_::FlowStatus::Tracked))
            .collect();
        assert!(tracked.len() > 100, "{mode}: {}", tracked.len());
        let near_pan = tracked
            .iter()
            .filter(|v| (v.dx + 6.0).abs() < 0.25 && (v.dy + 3.0).abs() < 0.25)
            .count();
        assert!(
            near_pan * 10 >= tracked.len() * 9,
            "{mode}: {near_pan} of {}",
            tracked.len()
        );
    }
    let err = fail(&[
        &"motion", &gif, &"--mode", &"dense", &"--step", &"0", &"--json", &"-",
    ]);
    assert!(err.contains("step must be in 1..=1024"), "{err}");
}

#[test]
fn precompiled_components_are_cached_and_a_bad_cache_file_is_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = data("truth/hubble_161x121.rgba");
    let expected = std::fs::read(data("truth/hubble_161x121.luma-bt601.gray")).unwrap();
    // Each run's log: whether it found its component in the cache.
    let run = |n: usize| -> String {
        let out = dir.path().join(format!("{n}.gray"));
        let done = crate::runner()
            .env("GHOSTLINES_CACHE_DIR", cache.path())
            .env("GHOSTLINES_LOG", "1")
            .args(["grey", "--size", "161x121", "--method", "luma-bt601"])
            .arg(&input)
            .arg(&out)
            .output()
            .unwrap();
        assert!(done.status.success());
        assert!(std::fs::read(&out).unwrap() == expected, "run {n}");
        String::from_utf8(done.stderr).unwrap()
    };
    let cached = || -> Vec<_> {
        std::fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
            .collect()
    };
    let log = run(1);
    let files = cached();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(log.contains("cache miss: compiled into "), "{log}");
    let written = std::fs::read(&files[0]).unwrap();
    let log = run(2);
    assert!(
        log.contains(&format!("cache hit: {}", files[0].display())),
        "{log}"
    );
    assert!(!log.contains("cache miss"), "{log}");
    // A damaged file is not trusted: the component is compiled again and
    // the file rewritten.
    std::fs::write(&files[0], b"not a precompiled component").unwrap();
    let log = run(3);
    assert!(
        log.contains("ignoring ") && log.contains("cache miss"),
        "{log}"
    );
    assert!(std::fs::read(&files[0]).unwrap() == written);
}

#[test]
fn bad_input_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.png");
    let raw = data("truth/random_67x45.rgba");
    let err = fail(&[&"grey", &raw, &out, &"--size", &"67x44"]);
    assert!(
        err.contains("length mismatch") && err.contains("length-mismatch"),
        "{err}"
    );
    let err = fail(&[&"grey", &raw, &out, &"--size", &"0x45"]);
    assert!(err.contains("invalid-dimensions"), "{err}");
    let err = fail(&[&"grey", &raw, &out, &"--size", &"20000x1"]);
    assert!(err.contains("too-large"), "{err}");
    // Judged from the file's length, before it is read: a 64 GiB file
    // (sparse on disk) with a small --size is refused, not loaded.
    let huge = dir.path().join("huge.rgba");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    let err = fail(&[&"grey", &huge, &out, &"--size", &"2x2"]);
    assert!(
        err.contains("expected 16 bytes, got 68719476736") && err.contains("length-mismatch"),
        "{err}"
    );
    // The bench refuses a size before allocating its frames.
    let err = fail(&[&"bench", &"--width", &"100000", &"--height", &"100000"]);
    assert!(err.contains("too large"), "{err}");
    let err = fail(&[&"bench", &"--width", &"0"]);
    assert!(err.contains("invalid dimensions"), "{err}");
    let err = fail(&[&"grey", &raw, &out]);
    assert!(err.contains("--size"), "{err}");
    let err = fail(&[&"grey", &raw, &out, &"--size", &"67by45"]);
    assert!(err.contains("WIDTHxHEIGHT"), "{err}");
    let err = fail(&[
        &"adjust",
        &raw,
        &out,
        &"--size",
        &"67x45",
        &"--contrast",
        &"500",
        &"--brightness",
        &"0",
    ]);
    assert!(err.contains("contrast must be in -100..=100"), "{err}");
    let err = fail(&[&"grey", &dir.path().join("missing.png"), &out]);
    assert!(err.contains("missing.png"), "{err}");
    // Instances: 1..=64, a number.
    let gif = dir.path().join("o.gif");
    for jobs in ["0", "65", "two"] {
        let err = fail(&[
            &"render", &raw, &"--size", &"67x45", &"-o", &gif, &"--jobs", &jobs,
        ]);
        assert!(err.contains("--jobs"), "{err}");
        assert!(!gif.exists(), "--jobs {jobs} wrote output");
    }
    let not_an_image = dir.path().join("text.png");
    std::fs::write(&not_an_image, "hello").unwrap();
    let err = fail(&[&"grey", &not_an_image, &out]);
    assert!(err.contains("text.png"), "{err}");
    let err = fail(&[
        &"motion",
        &raw,
        &"--size",
        &"67x45",
        &"--json",
        &"-",
        &"--threshold",
        &"2",
    ]);
    assert!(err.contains("threshold"), "{err}");
    // An image brings its own size: --size with one is refused, for one
    // image and for a sequence.
    let png = data("hubble_deep_field.jpg");
    let err = fail(&[&"grey", &png, &out, &"--size", &"8x8"]);
    assert!(err.contains("brings its own size"), "{err}");
    let err = fail(&[&"motion", &png, &png, &"--size", &"8x8", &"--json", &"-"]);
    assert!(err.contains("brings its own size"), "{err}");
    let err = fail(&[&"motion", &png, &png, &"--fps", &"0", &"--json", &"-"]);
    assert!(err.contains("--fps"), "{err}");
    assert!(!out.exists());
}

#[test]
fn bench_prints_a_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let out = succeed(&[
        &"bench",
        &"--width",
        &"64",
        &"--height",
        &"48",
        &"--iterations",
        &"3",
        &"--json",
        &json,
    ]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("64x48"), "{table}");
    for row in [
        "greyscale max-rgb",
        "greyscale luma-bt601",
        "adjust",
        "centroid",
        "frame diff",
        "tracker push",
    ] {
        assert!(table.contains(row), "{row} missing from\n{table}");
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rows = report["rows"].as_array().unwrap();
    let named = |prefix: &str| {
        rows.iter()
            .find(|r| r["operation"].as_str().unwrap().starts_with(prefix))
            .unwrap_or_else(|| panic!("no row {prefix}"))
    };
    // Every operation, component and native, with the ratio of the two.
    for prefix in [
        "greyscale max-rgb",
        "greyscale lightness",
        "adjust",
        "centroid",
        "frame diff",
        "tracker push (sketch",
        "sparse flow",
        "dense flow",
        "edges",
        "tracker push (sparse",
        "tracker push (dense",
    ] {
        let row = named(prefix);
        let ratio = row["ratio"].as_f64().unwrap();
        let component = row["component"]["median_ms"].as_f64().unwrap();
        let native = row["native"]["median_ms"].as_f64().unwrap();
        assert!(component > 0.0 && native > 0.0, "{prefix}");
        assert!((ratio - component / native).abs() < 1e-9, "{prefix}");
    }
    // Reference and component-only rows.
    assert!(named("copy frame")["native"]["median_ms"].as_f64().unwrap() > 0.0);
    assert!(
        named("instantiate guest")["component"]["median_ms"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(
        named("HTTP greyscale")["component"]["median_ms"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

/// A reader that stops early (`ghostlines … --json - | head`) ends the
/// output quietly: exit 0, nothing on standard error.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let mut child = crate::runner()
        .args(["motion", "--mode", "sparse", "--json", "-"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/orbit.gif"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    assert!(first.starts_with(b"{\"version\":1,"));
    // The report is ~190 KB, more than the pipe holds: writing the rest
    // meets the closed pipe.
    drop(child.stdout.take());
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success(), "{:?}", done.status);
    assert_eq!(String::from_utf8_lossy(&done.stderr), "");
}
