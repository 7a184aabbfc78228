//! Running the bench: each operation in the component and natively, a
//! row at a time, and the scaling series.

use std::hint::black_box;

use ghostlines_core as core_;
use http_body_util::BodyExt as _;

use super::report::{BenchReport, BenchRow, ScalingReport, ScalingRow};
use super::stats::{Timing, fit_line, time};
use crate::bindings::{Frame, GreyMethod, Plane, TrackerSettings};
use crate::fixture::{Alternating, FramePair};
use crate::runtime::{Call, Instance, Runtime};
use crate::serve::{HttpHost, ServeLimits};

/// What every row of one run is fed: the frame pair, and its max-RGB grey
/// planes, as WIT values and as core views.
struct Scene {
    frames: FramePair,
    planes: [Plane; 2],
}

impl Scene {
    fn new(width: u32, height: u32) -> anyhow::Result<Scene> {
        let frames = FramePair::new(width, height);
        let planes = frames.views()?.map(|view| Plane {
            width,
            height,
            values: core_::greyscale(view, core_::GreyMethod::MaxRgb),
        });
        Ok(Scene { frames, planes })
    }

    fn plane_views(&self) -> anyhow::Result<[core_::Plane<'_>; 2]> {
        let [a, b] = &self.planes;
        Ok([
            core_::Plane::new(a.width, a.height, &a.values)?,
            core_::Plane::new(b.width, b.height, &b.values)?,
        ])
    }
}

/// Runs every operation `iterations` times each way.
pub fn run(
    runtime: &Runtime,
    width: u32,
    height: u32,
    iterations: usize,
) -> anyhow::Result<BenchReport> {
    let iterations = iterations.max(1);
    // A typed refusal before two frames of that size are allocated.
    core_::Limits::DEFAULT.check(width, height)?;
    let mut instance = runtime.instantiate()?;
    let scene = Scene::new(width, height)?;
    let mut rows = per_pixel_rows(&mut instance, &scene, iterations)?;
    rows.push(tracker_row(
        &mut instance,
        SKETCH_FRAME,
        sketch_frame_settings(),
        &scene.frames,
        iterations,
    )?);
    rows.extend(vector_rows(&mut instance, &scene, iterations)?);
    rows.extend(interval_rows(&mut instance, &scene.frames, iterations)?);
    for persistence in [0.0, 0.9] {
        rows.push(paint_row(
            &mut instance,
            &scene.frames.first,
            persistence,
            iterations,
        )?);
    }
    // Full HD, whatever the run's size.
    let full_hd = crate::fixture::synthetic_frame(1920, 1080, 0);
    rows.push(paint_row(&mut instance, &full_hd, 0.9, iterations)?);
    rows.push(paint_row_of(&mut instance, &full_hd, 0.9, 0, iterations)?);
    rows.push(drawn_sketch_row(&mut instance, &scene.frames, iterations)?);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    rows.extend(super::pool::render_stream_rows(
        runtime,
        cores.max(2),
        iterations,
    )?);
    rows.extend(start_rows(runtime, iterations)?);
    rows.extend(http_rows(&scene.frames.first, iterations)?);
    Ok(BenchReport {
        width,
        height,
        iterations,
        native_build: native_build(),
        rows,
    })
}

/// The copy reference, greyscale by every method, adjust, the centroid
/// and the frame difference.
fn per_pixel_rows(
    instance: &mut Instance,
    scene: &Scene,
    iterations: usize,
) -> anyhow::Result<Vec<BenchRow>> {
    let frame = &scene.frames.first;
    let [view, _] = scene.frames.views()?;
    let [plane_a, plane_b] = scene.plane_views()?;
    let mut rows = vec![BenchRow::native_only(
        "copy frame (reference)",
        time(iterations, || {
            black_box(black_box(&frame.pixels).to_vec());
            Ok(())
        })?,
    )];
    for method in core_::GreyMethod::ALL {
        let wit_method = GreyMethod::from(method);
        rows.push(BenchRow::compared(
            format!("greyscale {}", method.name()),
            time(iterations, || {
                checked(instance.greyscale(frame, wit_method))
            })?,
            time(iterations, || {
                black_box(core_::greyscale(view, method));
                Ok(())
            })?,
        ));
    }
    let adjustment = core_::Adjustment::new(50, 20)?;
    rows.push(BenchRow::compared(
        ADJUST.into(),
        time(iterations, || checked(instance.adjust(frame, 50, 20)))?,
        time(iterations, || {
            black_box(core_::adjust_rgba(view, &adjustment));
            Ok(())
        })?,
    ));
    rows.push(BenchRow::compared(
        "centroid".into(),
        time(iterations, || checked(instance.centroid(&scene.planes[0])))?,
        time(iterations, || {
            black_box(core_::centroid(plane_a));
            Ok(())
        })?,
    ));
    let core_::TrackerSettings {
        threshold, samples, ..
    } = core_::TrackerSettings::default();
    rows.push(BenchRow::compared(
        format!("frame diff ({samples} samples)"),
        time(iterations, || {
            let [a, b] = &scene.planes;
            checked(instance.frame_diff(a, b, threshold, samples, 1))
        })?,
        time(iterations, || {
            let mut rng = core_::SplitMix64::new(1);
            black_box(core_::frame_diff(
                plane_a, plane_b, threshold, samples, &mut rng,
            )?);
            Ok(())
        })?,
    ));
    Ok(rows)
}

/// Vectors beyond the sketch: sparse and dense flow between the pair's
/// planes, and the first plane's edges.
fn vector_rows(
    instance: &mut Instance,
    scene: &Scene,
    iterations: usize,
) -> anyhow::Result<Vec<BenchRow>> {
    let [plane_a, plane_b] = scene.plane_views()?;
    let [a, b] = &scene.planes;
    let corners = core_::CornerSettings::default();
    let flow = core_::FlowSettings::default();
    let points = core_::sparse_flow(plane_a, plane_b, &corners, &flow)?.len();
    let sparse = BenchRow::compared(
        format!("sparse flow ({points} corners, detect + track)"),
        time(iterations, || {
            checked(instance.sparse_flow(a, b, corners.into(), flow.into()))
        })?,
        time(iterations, || {
            black_box(core_::sparse_flow(plane_a, plane_b, &corners, &flow)?);
            Ok(())
        })?,
    );
    let step = core_::TrackerMode::DENSE_STEP;
    let dense = BenchRow::compared(
        dense_flow_name(),
        time(iterations, || {
            checked(instance.dense_flow(a, b, step, flow.into()))
        })?,
        time(iterations, || {
            black_box(core_::dense_flow(plane_a, plane_b, step, &flow)?);
            Ok(())
        })?,
    );
    let edges = core_::EdgeSettings::default();
    let edge_row = BenchRow::compared(
        EDGES.into(),
        time(iterations, || checked(instance.edges(a, edges.into())))?,
        time(iterations, || {
            black_box(core_::edge_polylines(plane_a, &edges)?);
            Ok(())
        })?,
    );
    let mut rows = vec![sparse, dense, edge_row];
    // A displacement at every pixel, with each preset.
    for (name, settings) in core_::FieldSettings::PRESETS {
        rows.push(BenchRow::compared(
            format!("flow field, every pixel ({name} preset)"),
            time(iterations, || {
                checked(instance.pixel_flow(a, b, settings.into()))
            })?,
            time(iterations, || {
                black_box(core_::flow_field(plane_a, plane_b, &settings, None)?);
                Ok(())
            })?,
        ));
    }
    Ok(rows)
}

/// Each mode with consecutive frames, and with the sketch's 200 ms
/// interval over frames at 25 a second: the interval's cost.
fn interval_rows(
    instance: &mut Instance,
    frames: &FramePair,
    iterations: usize,
) -> anyhow::Result<Vec<BenchRow>> {
    let modes = [
        core_::TrackerMode::Sketch,
        core_::TrackerMode::sparse(),
        core_::TrackerMode::dense(),
    ];
    let mut rows = Vec::new();
    for mode in modes {
        for pace in [Pace::Consecutive, Pace::Interval] {
            let settings = core_::TrackerSettings {
                mode,
                interval: pace.interval(),
                ..core_::TrackerSettings::default()
            };
            let name = format!("tracker push ({}, {})", mode.name(), pace.name());
            rows.push(tracker_row(instance, &name, settings, frames, iterations)?);
        }
    }
    Ok(rows)
}

/// How a tracker row's frames are timed.
#[derive(Clone, Copy, PartialEq)]
enum Pace {
    /// No interval: each frame against the one before.
    Consecutive,
    /// Frames at 25 a second (40 ms apart) against the one 200 ms before:
    /// the tracker keeps five frames' planes (or, in sparse mode, its
    /// points' paths) to reach back.
    Interval,
}

impl Pace {
    fn interval(self) -> f64 {
        match self {
            Pace::Consecutive => 0.0,
            Pace::Interval => core_::TrackerSettings::default().interval,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Pace::Consecutive => "consecutive frames",
            Pace::Interval => "200 ms interval, 25 fps",
        }
    }
}

/// A tracker in the component and natively, fed the pair in turn, 40 ms
/// apart.
fn tracker_row(
    instance: &mut Instance,
    operation: &str,
    settings: core_::TrackerSettings,
    frames: &FramePair,
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    let component = time_component_tracker(instance, &settings, frames, iterations)?;
    let views = frames.views()?;
    let mut native_tracker = core_::Tracker::new(settings)?;
    let mut feed = Alternating::default();
    let native = time(iterations, || {
        let (which, at) = feed.next_frame();
        black_box(native_tracker.push_at(views[which], at)?);
        Ok(())
    })?;
    Ok(BenchRow::compared(operation.into(), component, native))
}

/// A tracker in the component fed the pair in turn, 40 ms apart.
fn time_component_tracker(
    instance: &mut Instance,
    settings: &core_::TrackerSettings,
    frames: &FramePair,
    iterations: usize,
) -> anyhow::Result<Timing> {
    let mut tracker = checked_value(instance.tracker(&TrackerSettings::from(settings.clone())))?;
    let pair = [&frames.first, &frames.second];
    let mut feed = Alternating::default();
    let timing = time(iterations, || {
        let (which, at) = feed.next_frame();
        checked(tracker.push_at(pair[which], at))
    })?;
    tracker.close()?;
    Ok(timing)
}

/// Vectors the paint row draws: the sketch's at its busiest.
const PAINTED_VECTORS: usize = 10_000;

/// `PAINTED_VECTORS` random strokes of about 6 pixels over `frame`.
fn random_strokes(frame: &Frame) -> Vec<core_::Vector> {
    let mut rng = core_::SplitMix64::new(9);
    let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (0..PAINTED_VECTORS)
        .map(|_| {
            let angle = unit() * std::f64::consts::TAU;
            core_::Vector::sketch(
                unit() * f64::from(frame.width),
                unit() * f64::from(frame.height),
                6.0 * angle.cos(),
                6.0 * angle.sin(),
            )
        })
        .collect()
}

/// Drawing 10,000 vectors over the frame, with trails of `persistence`
/// (0: none).
fn paint_row(
    instance: &mut Instance,
    frame: &Frame,
    persistence: f64,
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    paint_row_of(instance, frame, persistence, PAINTED_VECTORS, iterations)
}

/// Drawing `count` of the random vectors (none: the background and the
/// trails alone, what every frame costs).
fn paint_row_of(
    instance: &mut Instance,
    frame: &Frame,
    persistence: f64,
    count: usize,
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    let settings = core_::PainterSettings {
        background: core_::Background::Frame,
        persistence,
        ..core_::PainterSettings::default()
    };
    let mut strokes = random_strokes(frame);
    strokes.truncate(count);
    let wit: Vec<crate::bindings::Vector> = strokes.iter().map(|&v| v.into()).collect();
    let component = {
        let mut painter = checked_value(instance.painter(&settings.into()))?;
        time(iterations, || {
            checked(painter.paint(frame, None, &wit, &[]))
        })?
    };
    let view = core_::Frame::new(frame.width, frame.height, &frame.pixels)?;
    let mut painter = core_::Painter::new(settings)?;
    let mut out = Vec::new();
    let native = time(iterations, || {
        let strokes = core_::Strokes::from_vectors(&strokes);
        painter.paint_into(view, None, &strokes, &mut out)?;
        black_box(&out);
        Ok(())
    })?;
    let trails = match persistence {
        0.0 => "no trails".to_string(),
        p => format!("trails {p}"),
    };
    Ok(BenchRow::compared(
        format!(
            "paint {count} vectors, {}x{} ({trails})",
            frame.width, frame.height
        ),
        component,
        native,
    ))
}

/// The sketch's whole frame drawn: a tracker push and the painter over the
/// filtered frame (`track-and-paint` in the component), each frame one
/// interval after the last.
fn drawn_sketch_row(
    instance: &mut Instance,
    frames: &FramePair,
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    let tracker = sketch_frame_settings();
    let painter = core_::PainterSettings::default();
    let pair = [&frames.first, &frames.second];
    let component = {
        let mut renderer =
            checked_value(instance.renderer(&tracker.clone().into(), &painter.into()))?;
        let mut feed = Alternating::default();
        time(iterations, || {
            checked(renderer.push(pair[feed.next_frame().0], None))
        })?
    };
    let views = frames.views()?;
    let mut native_tracker = core_::Tracker::new(tracker)?;
    let mut native_painter = core_::Painter::new(painter)?;
    let mut out = Vec::new();
    let mut feed = Alternating::default();
    let native = time(iterations, || {
        let view = views[feed.next_frame().0];
        let output = native_tracker.push(view)?;
        let strokes = core_::Strokes::from_vectors(&output.vectors);
        native_painter.paint_into(view, native_tracker.filtered(), &strokes, &mut out)?;
        black_box(&out);
        Ok(())
    })?;
    Ok(BenchRow::compared(
        "sketch frame drawn (tracker push + painter)".into(),
        component,
        native,
    ))
}

/// What starting costs: compiling the component, loading it precompiled
/// from the cache, and a fresh instance.
fn start_rows(runtime: &Runtime, iterations: usize) -> anyhow::Result<Vec<BenchRow>> {
    let engine = runtime.engine();
    let compile = time(iterations.min(10), || {
        black_box(wasmtime::component::Component::new(
            engine,
            crate::GUEST_COMPONENT,
        )?);
        Ok(())
    })?;
    // What a warm start does: hash the component to find its file, then
    // map and check that file.
    let dir = std::env::temp_dir().join(format!("ghostlines-bench-{}", std::process::id()));
    crate::cache::component_in(engine, crate::GUEST_COMPONENT, &dir)?;
    let load = time(iterations, || {
        black_box(crate::cache::component_in(
            engine,
            crate::GUEST_COMPONENT,
            &dir,
        )?);
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    let instantiate = time(iterations, || {
        black_box(runtime.instantiate()?);
        Ok(())
    })?;
    Ok(vec![
        BenchRow::component_only("compile component (Cranelift)", compile),
        BenchRow::component_only("load precompiled component (cache)", load?),
        BenchRow::component_only("instantiate guest (InstancePre, new store)", instantiate),
    ])
}

/// `ghostlines serve`'s host in-process (no sockets): a fresh HTTP
/// instance, and a whole greyscale request of `frame`.
fn http_rows(frame: &Frame, iterations: usize) -> anyhow::Result<Vec<BenchRow>> {
    let host = HttpHost::new(ServeLimits::default())?;
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let instantiate = time(iterations, || tokio.block_on(host.instantiate_once()))?;
    let body = bytes::Bytes::from(frame.pixels.clone());
    let uri = format!(
        "http://localhost/greyscale?width={}&height={}",
        frame.width, frame.height
    );
    let request = time(iterations, || {
        let request = hyper::Request::post(&uri)
            .header("content-length", body.len())
            .body(http_body_util::Full::new(body.clone()))?;
        tokio.block_on(async {
            let response = host.handle(request).await;
            anyhow::ensure!(response.status() == 200, "status {}", response.status());
            let answer = response.into_body().collect().await;
            black_box(answer.map_err(|e| anyhow::anyhow!("{e:?}"))?);
            Ok(())
        })
    })?;
    Ok(vec![
        BenchRow::component_only("instantiate HTTP component (pooling)", instantiate),
        BenchRow::component_only("HTTP greyscale request, in-process", request),
    ])
}

/// A call's typed refusal is a bench failure too.
fn checked<T>(call: Call<T>) -> anyhow::Result<()> {
    checked_value(call).map(|v| drop(black_box(v)))
}

pub(super) fn checked_value<T>(call: Call<T>) -> anyhow::Result<T> {
    call.map_err(|trap| anyhow::Error::from(trap).context("the component trapped"))?
        .map_err(crate::bindings::refusal)
}

/// How the native side was compiled, and the widest vectors it uses.
fn native_build() -> String {
    let flags = env!("GHOSTLINES_HOST_RUSTFLAGS");
    let features = if cfg!(target_feature = "avx512f") {
        "AVX-512 on"
    } else if cfg!(target_feature = "avx2") {
        "AVX2 on"
    } else {
        "no AVX2"
    };
    if flags.is_empty() {
        format!(
            "{} release, no RUSTFLAGS: baseline target features ({features}); scripts/bench-native.sh builds for this CPU",
            std::env::consts::ARCH
        )
    } else {
        format!(
            "{} release, RUSTFLAGS \"{flags}\" ({features})",
            std::env::consts::ARCH
        )
    }
}

/// Row names both tables share.
const ADJUST: &str = "adjust (contrast 50, brightness 20)";
const EDGES: &str = "edges (Canny, polylines, RDP)";
/// The sketch's whole frame (grey, adjust, centroid, diff, vectors), as
/// both tables time it.
const SKETCH_FRAME: &str = "tracker push (sketch frame)";

fn dense_flow_name() -> String {
    format!(
        "dense flow (grid every {} px)",
        core_::TrackerMode::DENSE_STEP
    )
}

/// The tracker settings of the [`SKETCH_FRAME`] rows.
fn sketch_frame_settings() -> core_::TrackerSettings {
    core_::TrackerSettings {
        contrast: 20,
        brightness: 10,
        seed: 1,
        ..core_::TrackerSettings::default()
    }
}

/// The sizes of `bench --sizes`: 320x240 up to 1920x1080.
pub const SCALING_SIZES: [(u32, u32); 5] = [
    (320, 240),
    (640, 480),
    (800, 600),
    (1280, 720),
    (1920, 1080),
];

/// Runs the scaling series in the component.
pub fn run_scaling(
    runtime: &Runtime,
    sizes: &[(u32, u32)],
    iterations: usize,
) -> anyhow::Result<ScalingReport> {
    let iterations = iterations.max(1);
    let mut instance = runtime.instantiate()?;
    // Each size's timings, named where they are taken.
    let mut series: Vec<(String, Vec<f64>)> = Vec::new();
    for &(width, height) in sizes {
        let timings = scaling_timings(&mut instance, &Scene::new(width, height)?, iterations)?;
        for (k, (name, timing)) in timings.into_iter().enumerate() {
            match series.get_mut(k) {
                Some((_, medians)) => medians.push(timing.median_ms),
                None => series.push((name, vec![timing.median_ms])),
            }
        }
    }
    let pixels: Vec<f64> = sizes
        .iter()
        .map(|&(w, h)| f64::from(w) * f64::from(h))
        .collect();
    let rows = series
        .into_iter()
        .map(|(operation, median_ms)| {
            let line = fit_line(&pixels, &median_ms);
            ScalingRow {
                operation,
                ns_per_pixel: line.slope * 1e6,
                fixed_ms: line.intercept,
                r_squared: line.r_squared,
                median_ms,
            }
        })
        .collect();
    Ok(ScalingReport {
        sizes: sizes.to_vec(),
        rows,
    })
}

/// The per-frame operations on one scene, in the component, each with its
/// name.
fn scaling_timings(
    instance: &mut Instance,
    scene: &Scene,
    iterations: usize,
) -> anyhow::Result<Vec<(String, Timing)>> {
    let frame = &scene.frames.first;
    let [a, b] = &scene.planes;
    let flow = core_::FlowSettings::default();
    let corners = core_::CornerSettings::default();
    let edges = core_::EdgeSettings::default();
    let step = core_::TrackerMode::DENSE_STEP;
    Ok(vec![
        (
            "greyscale max-rgb".into(),
            time(iterations, || {
                checked(instance.greyscale(frame, GreyMethod::MaxRgb))
            })?,
        ),
        (
            ADJUST.into(),
            time(iterations, || checked(instance.adjust(frame, 50, 20)))?,
        ),
        (
            "centroid".into(),
            time(iterations, || checked(instance.centroid(a)))?,
        ),
        (
            SKETCH_FRAME.into(),
            time_component_tracker(
                instance,
                &sketch_frame_settings(),
                &scene.frames,
                iterations,
            )?,
        ),
        (
            "sparse flow (detect + track)".into(),
            time(iterations, || {
                checked(instance.sparse_flow(a, b, corners.into(), flow.into()))
            })?,
        ),
        (
            dense_flow_name(),
            time(iterations, || {
                checked(instance.dense_flow(a, b, step, flow.into()))
            })?,
        ),
        (
            EDGES.into(),
            time(iterations, || checked(instance.edges(a, edges.into())))?,
        ),
    ])
}
