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

    let (threshold, samples) = (0.1, 2000);
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

    // The sketch's whole frame: grey, adjust, centroid, diff, vectors.
    let sketch = core_::TrackerSettings {
        method: core_::GreyMethod::MaxRgb,
        contrast: 20,
        brightness: 10,
        threshold,
        samples,
        seed: 1,
        mode: core_::TrackerMode::Sketch,
    };
    rows.push(tracker_row(
        &mut instance,
        "tracker push (sketch frame)",
        sketch,
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
    let step = 16;
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
    for mode in [
        core_::TrackerMode::Sparse { corners, flow },
        core_::TrackerMode::Dense { step, flow },
    ] {
        let settings = core_::TrackerSettings {
            mode,
            ..core_::TrackerSettings::default()
        };
        let name = format!("tracker push ({})", mode.name());
        rows.push(tracker_row(
            &mut instance,
            &name,
            settings,
            (&a, &b),
            iterations,
        )?);
    }

    rows.extend(serve_rows(runtime, &a, iterations)?);

    Ok(BenchReport {
        width,
        height,
        iterations,
        native_build: native_build(),
        rows,
    })
}

/// A tracker in the component and natively, fed the two frames in turn.
fn tracker_row(
    instance: &mut Instance,
    operation: &str,
    settings: core_::TrackerSettings,
    (a, b): (&Frame, &Frame),
    iterations: usize,
) -> anyhow::Result<BenchRow> {
    let component = {
        let mut tracker = checked_value(instance.tracker(&TrackerSettings::from(&settings)))?;
        let mut flip = false;
        let timing = time(iterations, || {
            flip = !flip;
            checked(tracker.push(if flip { a } else { b }))
        })?;
        tracker.close()?;
        timing
    };
    let (view_a, view_b) = (
        core_::Frame::new(a.width, a.height, &a.pixels)?,
        core_::Frame::new(b.width, b.height, &b.pixels)?,
    );
    let mut native_tracker = core_::Tracker::new(settings)?;
    let mut flip = false;
    let native = time(iterations, || {
        flip = !flip;
        black_box(native_tracker.push(if flip { view_a } else { view_b })?);
        Ok(())
    })?;
    Ok(row(operation.into(), component, native))
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
            let serialized = engine
                .precompile_component(crate::GUEST_COMPONENT)
                .map_err(anyhow::Error::from)?;
            time(iterations, || {
                black_box(crate::cache::deserialize_bytes(engine, &serialized)?);
                Ok(())
            })?
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
    let simd = if cfg!(target_feature = "avx2") {
        "AVX2 on (target-cpu=native or similar)"
    } else {
        "baseline target features (set RUSTFLAGS='-C target-cpu=native' for the host CPU)"
    };
    format!("{} release, {simd}", std::env::consts::ARCH)
}

impl BenchReport {
    /// The table as text.
    pub fn table(&self) -> String {
        let mut out = format!(
            "ghostlines bench: {}x{}, {} iterations a row, median (p90) in ms\nnative: {}\n\n",
            self.width, self.height, self.iterations, self.native_build
        );
        out.push_str(&format!(
            "{:<38} {:>20} {:>20} {:>8}\n",
            "operation", "component", "native", "ratio"
        ));
        let cell = |t: &Timing| format!("{:.3} ({:.3})", t.median_ms, t.p90_ms);
        for row in &self.rows {
            out.push_str(&format!(
                "{:<38} {:>20} {:>20} {:>8}\n",
                row.operation,
                row.component.as_ref().map_or("-".into(), cell),
                row.native.as_ref().map_or("-".into(), cell),
                row.ratio.map_or("-".into(), |r| format!("{r:.2}x")),
            ));
        }
        out
    }
}
