//! Criterion benches of every operation in the component, through
//! Wasmtime, at 800x600 on the bench scene (copies in and out included):
//! the component side of `ghostlines bench`, with statistics.
//!
//! `cargo bench -p ghostlines --bench component [-- FILTER]`

use criterion::{Criterion, criterion_group, criterion_main};
use ghostlines::bindings::TrackerSettings;
use ghostlines::fixture::synthetic_frame;
use ghostlines::{GreyMethod, Plane, Runtime};
use ghostlines_core as core_;

const WIDTH: u32 = 800;
const HEIGHT: u32 = 600;

fn component(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let mut instance = runtime.instantiate().unwrap();
    let (a, b) = (
        synthetic_frame(WIDTH, HEIGHT, 0),
        synthetic_frame(WIDTH, HEIGHT, 3),
    );
    let plane = |frame: &ghostlines::Frame| Plane {
        width: WIDTH,
        height: HEIGHT,
        values: core_::greyscale(
            core_::Frame::new(WIDTH, HEIGHT, &frame.pixels).unwrap(),
            core_::GreyMethod::MaxRgb,
        ),
    };
    let (pa, pb) = (plane(&a), plane(&b));
    // Every call must succeed: a refusal is not a measurement.
    fn ok<T, E: std::fmt::Debug>(call: wasmtime::Result<Result<T, E>>) -> T {
        call.expect("no trap").expect("no refusal")
    }

    for method in core_::GreyMethod::ALL {
        c.bench_function(&format!("component greyscale {}", method.name()), |bench| {
            bench.iter(|| ok(instance.greyscale(&a, GreyMethod::from(method))))
        });
    }
    c.bench_function("component adjust", |bench| {
        bench.iter(|| ok(instance.adjust(&a, 50, 20)))
    });
    c.bench_function("component centroid", |bench| {
        bench.iter(|| ok(instance.centroid(&pa)))
    });
    c.bench_function("component frame diff (2000 samples)", |bench| {
        bench.iter(|| ok(instance.frame_diff(&pa, &pb, 0.1, 2000, 1)))
    });
    let (corners, flow) = (
        core_::CornerSettings::default(),
        core_::FlowSettings::default(),
    );
    c.bench_function("component sparse flow (detect + track)", |bench| {
        bench.iter(|| ok(instance.sparse_flow(&pa, &pb, corners.into(), flow.into())))
    });
    c.bench_function("component dense flow (every 16 px)", |bench| {
        bench.iter(|| ok(instance.dense_flow(&pa, &pb, 16, flow.into())))
    });
    let edges = core_::EdgeSettings::default();
    c.bench_function("component edges (Canny, polylines, RDP)", |bench| {
        bench.iter(|| ok(instance.edges(&pa, edges.into())))
    });
    for mode in [
        core_::TrackerMode::Sketch,
        core_::TrackerMode::Sparse { corners, flow },
        core_::TrackerMode::Dense { step: 16, flow },
    ] {
        let settings = core_::TrackerSettings {
            mode,
            ..core_::TrackerSettings::default()
        };
        let mut tracker = ok(instance.tracker(&TrackerSettings::from(settings.clone())));
        let mut flip = false;
        c.bench_function(
            &format!("component tracker push ({})", mode.name()),
            |bench| {
                bench.iter(|| {
                    flip = !flip;
                    ok(tracker.push(if flip { &a } else { &b }))
                })
            },
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = component
}
criterion_main!(benches);
