//! `ghostlines bench`: each operation in the component through Wasmtime
//! against the same `core` code natively, in one run.

use std::hint::black_box;
use std::time::Instant;

use ghostlines_core as core_;
use serde::Serialize;

use crate::bindings::{Frame, GreyMethod, Plane, TrackerSettings};
use crate::runtime::{Call, Instance, Runtime};
use crate::serve::{HttpHost, ServeLimits};
use http_body_util::BodyExt as _;

/// Milliseconds of one operation: median and 90th percentile.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timing {
    /// Median over the iterations.
    pub median_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    /// The operation.
    pub operation: String,
    /// Through Wasmtime, copies in and out of the component included;
    /// `None` for native-only reference rows.
    pub component: Option<Timing>,
    /// The same `core` code called natively; `None` for component-only
    /// rows.
    pub native: Option<Timing>,
    /// component median / native median.
    pub ratio: Option<f64>,
}

/// A whole bench run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Timed iterations a row (after warm-up).
    pub iterations: usize,
    /// How the native baseline was compiled.
    pub native_build: String,
    /// The rows, in table order.
    pub rows: Vec<BenchRow>,
}

/// The bench's scene ([`core_::synthetic_scene`]) as a WIT frame.
pub fn synthetic_frame(width: u32, height: u32, shift: u32) -> Frame {
    Frame {
        width,
        height,
        pixels: core_::synthetic_scene(width, height, shift),
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
    let a = synthetic_frame(width, height, 0);
    let b = synthetic_frame(width, height, 3);
    let view_a = core_::Frame::new(width, height, &a.pixels)?;
    let view_b = core_::Frame::new(width, height, &b.pixels)?;
    let grey_a = core_::greyscale(view_a, core_::GreyMethod::MaxRgb);
    let grey_b = core_::greyscale(view_b, core_::GreyMethod::MaxRgb);
    let plane = |values: &[u8]| Plane {
        width,
        height,
        values: values.to_vec(),
    };
    let (plane_a, plane_b) = (plane(&grey_a), plane(&grey_b));
    let core_plane_a = core_::Plane::new(width, height, &grey_a)?;
    let core_plane_b = core_::Plane::new(width, height, &grey_b)?;
    let mut rows = Vec::new();

    rows.push(BenchRow {
        operation: "copy frame (reference)".into(),
        component: None,
        native: Some(time(iterations, || {
            black_box(black_box(&a.pixels).to_vec());
            Ok(())
        })?),
        ratio: None,
    });

    for method in core_::GreyMethod::ALL {
        let wit_method = GreyMethod::from(method);
        rows.push(row(
            format!("greyscale {}", method.name()),
            time(iterations, || checked(instance.greyscale(&a, wit_method)))?,
            time(iterations, || {
                black_box(core_::greyscale(view_a, method));
                Ok(())
            })?,
        ));
    }

    let adjustment = core_::Adjustment::new(50, 20)?;
    rows.push(row(
        "adjust (contrast 50, brightness 20)".into(),
        time(iterations, || checked(instance.adjust(&a, 50, 20)))?,
        time(iterations, || {
            black_box(core_::adjust_rgba(view_a, &adjustment));
            Ok(())
        })?,
    ));

    rows.push(row(
        "centroid".into(),
        time(iterations, || checked(instance.centroid(&plane_a)))?,
        time(iterations, || {
            black_box(core_::centroid(core_plane_a));
            Ok(())
        })?,
    ));

    let core_::TrackerSettings {
        threshold, samples, ..
    } = core_::TrackerSettings::default();
    rows.push(row(
        format!("frame diff ({samples} samples)"),
        time(iterations, || {
            checked(instance.frame_diff(&plane_a, &plane_b, threshold, samples, 1))
        })?,
        time(iterations, || {
            let mut rng = core_::SplitMix64::new(1);
            black_box(core_::frame_diff(
                core_plane_a,
                core_plane_b,
                threshold,
                samples,
                &mut rng,
            )?);
            Ok(())
        })?,
    ));

    rows.push(tracker_row(
        &mut instance,
        SKETCH_FRAME,
        sketch_frame(),
        (&a, &b),
        iterations,
    )?);

    // Vectors beyond the sketch.
    let corners = core_::CornerSettings::default();
    let flow = core_::FlowSettings::default();
    let points = core_::sparse_flow(core_plane_a, core_plane_b, &corners, &flow)?.len();
    rows.push(row(
        format!("sparse flow ({points} corners, detect + track)"),
        time(iterations, || {
            checked(instance.sparse_flow(&plane_a, &plane_b, corners.into(), flow.into()))
        })?,
        time(iterations, || {
            black_box(core_::sparse_flow(
                core_plane_a,
                core_plane_b,
                &corners,
                &flow,
            )?);
            Ok(())
        })?,
    ));
    let step = core_::TrackerMode::DENSE_STEP;
    rows.push(row(
        format!("dense flow (grid every {step} px)"),
        time(iterations, || {
            checked(instance.dense_flow(&plane_a, &plane_b, step, flow.into()))
        })?,
        time(iterations, || {
            black_box(core_::dense_flow(core_plane_a, core_plane_b, step, &flow)?);
            Ok(())
        })?,
    ));
    let edges = core_::EdgeSettings::default();
    rows.push(row(
        "edges (Canny, polylines, RDP)".into(),
        time(iterations, || {
            checked(instance.edges(&plane_a, edges.into()))
        })?,
        time(iterations, || {
            black_box(core_::edge_polylines(core_plane_a, &edges)?);
            Ok(())
        })?,
    ));
    // Each mode with consecutive frames, and with the sketch's 200 ms
    // interval over frames at 25 a second: the interval's cost.
    for mode in [
        core_::TrackerMode::Sketch,
        core_::TrackerMode::Sparse { corners, flow },
        core_::TrackerMode::Dense { step, flow },
    ] {
        for pace in [Pace::Consecutive, Pace::Interval] {
            let settings = core_::TrackerSettings {
                mode,
                interval: pace.interval(),
                ..core_::TrackerSettings::default()
            };
            let name = format!("tracker push ({}, {})", mode.name(), pace.name());
            rows.push(tracker_row(
                &mut instance,
                &name,
                settings,
                (&a, &b),
                iterations,
            )?);
        }
    }

    rows.push(paint_row(&mut instance, &a, iterations)?);
    rows.push(drawn_sketch_row(&mut instance, (&a, &b), iterations)?);

    rows.extend(serve_rows(runtime, &a, iterations)?);

    Ok(BenchReport {
        width,
        height,
        iterations,
        native_build: native_build(),
        rows,
    })
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

/// Drawing 10,000 vectors over the frame with trails (persistence 0.9).
fn paint_row(
    instance: &mut Instance,
    frame: &Frame,
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    let settings = core_::PainterSettings {
        background: core_::Background::Frame,
        persistence: 0.9,
        ..core_::PainterSettings::default()
    };
    let strokes = random_strokes(frame);
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
        painter.paint_into(
            view,
            None,
            &core_::Strokes::from_vectors(&strokes),
            &mut out,
        )?;
        black_box(&out);
        Ok(())
    })?;
    Ok(row(
        format!("paint {PAINTED_VECTORS} vectors (trails 0.9)"),
        component,
        native,
    ))
}

/// The sketch's whole frame drawn: a tracker push and the painter over the
/// filtered frame (`track-and-paint` in the component).
fn drawn_sketch_row(
    instance: &mut Instance,
    (a, b): (&Frame, &Frame),
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    let tracker = sketch_frame();
    let painter = core_::PainterSettings::default();
    let component = {
        let mut renderer =
            checked_value(instance.renderer(&tracker.clone().into(), &painter.into()))?;
        let mut flip = false;
        time(iterations, || {
            flip = !flip;
            checked(renderer.push(if flip { a } else { b }, None))
        })?
    };
    let views = [a, b].map(|f| core_::Frame::new(f.width, f.height, &f.pixels));
    let views = [views[0].clone()?, views[1].clone()?];
    let mut native_tracker = core_::Tracker::new(tracker)?;
    let mut native_painter = core_::Painter::new(painter)?;
    let mut out = Vec::new();
    let mut flip = false;
    let native = time(iterations, || {
        flip = !flip;
        let view = views[usize::from(flip)];
        let output = native_tracker.push(view)?;
        let strokes = core_::Strokes::from_vectors(&output.vectors);
        native_painter.paint_into(view, native_tracker.filtered(), &strokes, &mut out)?;
        black_box(&out);
        Ok(())
    })?;
    Ok(row(
        "sketch frame drawn (tracker push + painter)".into(),
        component,
        native,
    ))
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
    /// The time between frames, milliseconds.
    const FRAME_MS: f64 = 40.0;

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

/// A tracker in the component and natively, fed the two frames in turn,
/// 40 ms apart.
fn tracker_row(
    instance: &mut Instance,
    operation: &str,
    settings: core_::TrackerSettings,
    (a, b): (&Frame, &Frame),
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    let component = time_component_tracker(instance, &settings, (a, b), iterations)?;
    let (view_a, view_b) = (
        core_::Frame::new(a.width, a.height, &a.pixels)?,
        core_::Frame::new(b.width, b.height, &b.pixels)?,
    );
    let mut native_tracker = core_::Tracker::new(settings)?;
    let mut pushed = 0u32;
    let native = time(iterations, || {
        let frame = if pushed.is_multiple_of(2) { view_a } else { view_b };
        let time = f64::from(pushed) * Pace::FRAME_MS;
        pushed += 1;
        black_box(native_tracker.push_at(frame, time)?);
        Ok(())
    })?;
    Ok(row(operation.into(), component, native))
}

/// A tracker in the component fed the two frames in turn, 40 ms apart.
fn time_component_tracker(
    instance: &mut Instance,
    settings: &core_::TrackerSettings,
    (a, b): (&Frame, &Frame),
    iterations: usize,
) -> anyhow::Result<Timing> {
    let mut tracker = checked_value(instance.tracker(&TrackerSettings::from(settings.clone())))?;
    let mut pushed = 0u32;
    let timing = time(iterations, || {
        let frame = if pushed.is_multiple_of(2) { a } else { b };
        let time = f64::from(pushed) * Pace::FRAME_MS;
        pushed += 1;
        checked(tracker.push_at(frame, time))
    })?;
    tracker.close()?;
    Ok(timing)
}

fn row(operation: String, component: Timing, native: Timing) -> BenchRow {
    BenchRow {
        operation,
        component: Some(component),
        native: Some(native),
        ratio: Some(component.median_ms / native.median_ms),
    }
}

/// Component-only rows: what a fresh instance costs, and a whole HTTP
/// request handled in-process (no sockets) by `ghostlines serve`'s host.
fn serve_rows(
    runtime: &Runtime,
    frame: &Frame,
    iterations: usize,
) -> anyhow::Result<Vec<BenchRow>> {
    let only = |operation: &str, timing: Timing| BenchRow {
        operation: operation.into(),
        component: Some(timing),
        native: None,
        ratio: None,
    };
    let engine = runtime.engine();
    let mut rows = vec![
        only(
            "compile component (Cranelift)",
            time(iterations.min(10), || {
                black_box(wasmtime::component::Component::new(
                    engine,
                    crate::GUEST_COMPONENT,
                )?);
                Ok(())
            })?,
        ),
        only("load precompiled component (cache)", {
            // What a warm start does: hash the component to find its file,
            // then map and check that file.
            let dir = std::env::temp_dir().join(format!("ghostlines-bench-{}", std::process::id()));
            crate::cache::component_in(engine, crate::GUEST_COMPONENT, &dir)?;
            let timing = time(iterations, || {
                black_box(crate::cache::component_in(
                    engine,
                    crate::GUEST_COMPONENT,
                    &dir,
                )?);
                Ok(())
            });
            let _ = std::fs::remove_dir_all(&dir);
            timing?
        }),
    ];
    rows.push(only(
        "instantiate guest (InstancePre, new store)",
        time(iterations, || {
            black_box(runtime.instantiate()?);
            Ok(())
        })?,
    ));
    let host = HttpHost::new(ServeLimits::default())?;
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rows.push(only(
        "instantiate HTTP component (pooling)",
        time(iterations, || tokio.block_on(host.instantiate_once()))?,
    ));
    let body = bytes::Bytes::from(frame.pixels.clone());
    let uri = format!(
        "http://localhost/greyscale?width={}&height={}",
        frame.width, frame.height
    );
    rows.push(only(
        "HTTP greyscale request, in-process",
        time(iterations, || {
            let request = hyper::Request::post(&uri)
                .header("content-length", body.len())
                .body(http_body_util::Full::new(body.clone()))?;
            tokio.block_on(async {
                let response = host.handle(request).await;
                anyhow::ensure!(response.status() == 200, "status {}", response.status());
                black_box(
                    response
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?,
                );
                Ok(())
            })
        })?,
    ));
    Ok(rows)
}

/// A call's typed refusal is a bench failure too.
fn checked<T>(call: Call<T>) -> anyhow::Result<()> {
    checked_value(call).map(|v| drop(black_box(v)))
}

fn checked_value<T>(call: Call<T>) -> anyhow::Result<T> {
    call.map_err(|trap| anyhow::Error::from(trap).context("the component trapped"))?
        .map_err(crate::bindings::refusal)
}

/// Three warm-up runs, then `iterations` timed ones.
fn time(iterations: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Timing> {
    for _ in 0..3 {
        f()?;
    }
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        f()?;
        samples.push(started.elapsed().as_secs_f64() * 1e3);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Ok(Timing {
        median_ms: at(0.5),
        p90_ms: at(0.9),
    })
}

fn native_build() -> String {
    let flags = env!("GHOSTLINES_HOST_RUSTFLAGS");
    // The widest vectors the native side was compiled for.
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

impl BenchReport {
    /// The table as text.
    pub fn table(&self) -> String {
        let mut out = format!(
            "ghostlines bench: {}x{}, {} iterations a row, median (p90) in ms\nnative: {}\n\n",
            self.width, self.height, self.iterations, self.native_build
        );
        out.push_str(&format!(
            "{:<46} {:>20} {:>20} {:>8}\n",
            "operation", "component", "native", "ratio"
        ));
        let cell = |t: &Timing| format!("{:.3} ({:.3})", t.median_ms, t.p90_ms);
        for row in &self.rows {
            out.push_str(&format!(
                "{:<46} {:>20} {:>20} {:>8}\n",
                row.operation,
                row.component.as_ref().map_or("-".into(), cell),
                row.native.as_ref().map_or("-".into(), cell),
                row.ratio.map_or("-".into(), |r| format!("{r:.2}x")),
            ));
        }
        out
    }
}

impl BenchReport {
    /// The table as a bar chart: one pair of bars a row (component, native)
    /// on a logarithmic time axis, since rows span four orders of magnitude.
    pub fn svg(&self) -> String {
        let rows: Vec<&BenchRow> = self
            .rows
            .iter()
            .filter(|r| r.component.is_some() || r.native.is_some())
            .collect();
        let (label_w, chart_w, row_h, top) = (330.0, 520.0, 30.0, 60.0);
        let width = label_w + chart_w + 140.0;
        let height = top + row_h * rows.len() as f64 + 40.0;
        let times = rows
            .iter()
            .flat_map(|r| [r.component, r.native])
            .flatten()
            .map(|t| t.median_ms);
        let (lo, hi) = times.fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let (lo, hi) = (
            10f64.powf(lo.max(1e-4).log10().floor()),
            10f64.powf(hi.max(1e-3).log10().ceil()),
        );
        let x = |ms: f64| label_w + chart_w * (ms.max(lo) / lo).log10() / (hi / lo).log10();
        let mut svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="14" font-weight="bold">ghostlines bench, {w}x{h}: median ms, log scale</text>
<text x="10" y="38" fill="#555">{native}</text>
<rect x="{lx}" y="10" width="12" height="10" fill="#2a7"/><text x="{lx2}" y="19">component (Wasmtime)</text>
<rect x="{lx}" y="26" width="12" height="10" fill="#888"/><text x="{lx2}" y="35">native core</text>
"##,
            w = self.width,
            h = self.height,
            native = core_::xml_escape(&self.native_build),
            lx = label_w + chart_w - 60.0,
            lx2 = label_w + chart_w - 44.0,
        );
        let mut decade = lo;
        while decade <= hi * 1.0001 {
            let gx = x(decade);
            svg.push_str(&format!(
                "<line x1=\"{gx:.1}\" y1=\"{top}\" x2=\"{gx:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{gx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{decade}</text>\n",
                height - 30.0,
                height - 16.0
            ));
            decade *= 10.0;
        }
        for (i, row) in rows.iter().enumerate() {
            let y = top + row_h * i as f64;
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
                label_w - 8.0,
                y + 17.0,
                core_::xml_escape(&row.operation)
            ));
            for (k, (timing, colour)) in [(row.component, "#2a7"), (row.native, "#888")]
                .into_iter()
                .enumerate()
            {
                let Some(t) = timing else { continue };
                let by = y + 4.0 + 11.0 * k as f64;
                let end = x(t.median_ms);
                svg.push_str(&format!(
                    "<rect x=\"{label_w}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"10\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{:.3}</text>\n",
                    (end - label_w).max(1.0),
                    end + 4.0,
                    by + 9.0,
                    t.median_ms
                ));
            }
            if let Some(ratio) = row.ratio {
                svg.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{ratio:.2}x</text>\n",
                    label_w + chart_w + 80.0,
                    y + 17.0
                ));
            }
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// Time against frame size for the per-pixel and per-frame operations.
#[derive(Debug, Clone, Serialize)]
pub struct ScalingReport {
    /// (width, height) of each size, smallest first.
    pub sizes: Vec<(u32, u32)>,
    /// One line per operation.
    pub rows: Vec<ScalingRow>,
}

/// One operation across the sizes, in the component.
#[derive(Debug, Clone, Serialize)]
pub struct ScalingRow {
    /// The operation.
    pub operation: String,
    /// Median ms at each size.
    pub median_ms: Vec<f64>,
    /// Least-squares slope of time against pixels, ns a pixel.
    pub ns_per_pixel: f64,
    /// Least-squares intercept, ms (the fixed cost of a call).
    pub fixed_ms: f64,
    /// Coefficient of determination of the line (1 = exactly linear).
    pub r_squared: f64,
}

/// The sketch's whole frame (grey, adjust, centroid, diff, vectors), as
/// both tables time it.
const SKETCH_FRAME: &str = "tracker push (sketch frame)";

fn sketch_frame() -> core_::TrackerSettings {
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
    let names = [
        "greyscale max-rgb",
        "adjust (contrast 50, brightness 20)",
        "centroid",
        SKETCH_FRAME,
        "sparse flow (detect + track)",
        "dense flow (grid every 16 px)",
        "edges (Canny, polylines, RDP)",
    ];
    let mut times = vec![Vec::new(); names.len()];
    for &(width, height) in sizes {
        let (a, b) = (
            synthetic_frame(width, height, 0),
            synthetic_frame(width, height, 3),
        );
        let grey = |f: &Frame| {
            let view = core_::Frame::new(f.width, f.height, &f.pixels)?;
            Ok::<_, anyhow::Error>(Plane {
                width,
                height,
                values: core_::greyscale(view, core_::GreyMethod::MaxRgb),
            })
        };
        let (pa, pb) = (grey(&a)?, grey(&b)?);
        let flow = core_::FlowSettings::default();
        let corners = core_::CornerSettings::default();
        let mut row = 0;
        let mut record = |timing: Timing| {
            times[row].push(timing.median_ms);
            row += 1;
        };
        record(time(iterations, || {
            checked(instance.greyscale(&a, GreyMethod::MaxRgb))
        })?);
        record(time(iterations, || checked(instance.adjust(&a, 50, 20)))?);
        record(time(iterations, || checked(instance.centroid(&pa)))?);
        record(time_component_tracker(
            &mut instance,
            &sketch_frame(),
            (&a, &b),
            iterations,
        )?);
        record(time(iterations, || {
            checked(instance.sparse_flow(&pa, &pb, corners.into(), flow.into()))
        })?);
        record(time(iterations, || {
            checked(instance.dense_flow(&pa, &pb, core_::TrackerMode::DENSE_STEP, flow.into()))
        })?);
        let edges = core_::EdgeSettings::default();
        record(time(iterations, || {
            checked(instance.edges(&pa, edges.into()))
        })?);
    }
    let pixels: Vec<f64> = sizes
        .iter()
        .map(|&(w, h)| f64::from(w) * f64::from(h))
        .collect();
    let rows = names
        .iter()
        .zip(times)
        .map(|(name, median_ms)| {
            let (slope, intercept, r_squared) = fit_line(&pixels, &median_ms);
            ScalingRow {
                operation: (*name).to_string(),
                ns_per_pixel: slope * 1e6,
                fixed_ms: intercept,
                r_squared,
                median_ms,
            }
        })
        .collect();
    Ok(ScalingReport {
        sizes: sizes.to_vec(),
        rows,
    })
}

/// Least squares y = a·x + b: (a, b, R²).
fn fit_line(x: &[f64], y: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = x.iter().map(|x| (x - mx).powi(2)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let intercept = my - slope * mx;
    let ss_res: f64 = x
        .iter()
        .zip(y)
        .map(|(x, y)| (y - (slope * x + intercept)).powi(2))
        .sum();
    let ss_tot: f64 = y.iter().map(|y| (y - my).powi(2)).sum();
    let r_squared = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        1.0
    };
    (slope, intercept, r_squared)
}

impl ScalingReport {
    /// The series as text, with the fitted line of each operation.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "scaling in the component: median ms at each size; least-squares line time = fixed + ns/pixel · pixels\n\n",
        );
        out.push_str(&format!("{:<36}", "operation"));
        for (w, h) in &self.sizes {
            out.push_str(&format!("{:>11}", format!("{w}x{h}")));
        }
        out.push_str(&format!("{:>10}{:>10}{:>8}\n", "ns/px", "fixed ms", "R²"));
        for row in &self.rows {
            out.push_str(&format!("{:<36}", row.operation));
            for t in &row.median_ms {
                out.push_str(&format!("{t:>11.3}"));
            }
            out.push_str(&format!(
                "{:>10.2}{:>10.3}{:>8.4}\n",
                row.ns_per_pixel, row.fixed_ms, row.r_squared
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_fitted_exactly() {
        let (a, b, r2) = fit_line(&[1.0, 2.0, 4.0], &[3.0, 5.0, 9.0]);
        assert!((a - 2.0).abs() < 1e-12 && (b - 1.0).abs() < 1e-12 && (r2 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_chart_has_a_bar_per_timing() {
        let t = |ms| Timing {
            median_ms: ms,
            p90_ms: ms,
        };
        let report = BenchReport {
            width: 8,
            height: 6,
            iterations: 1,
            native_build: "x <native>".into(),
            rows: vec![
                row("a & b".into(), t(0.01), t(0.02)),
                BenchRow {
                    operation: "only component".into(),
                    component: Some(t(70.0)),
                    native: None,
                    ratio: None,
                },
            ],
        };
        let svg = report.svg();
        assert_eq!(svg.matches("<rect x=\"330\"").count(), 3);
        assert!(svg.contains("a &amp; b") && svg.contains("x &lt;native&gt;"));
        assert!(svg.contains("0.50x"));
    }
}
