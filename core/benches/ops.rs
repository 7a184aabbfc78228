//! Criterion benches of every `core` operation at 800x600 on the bench
//! scene: the native side of `ghostlines bench`, with statistics.
//!
//! `cargo bench -p ghostlines-core` (add `RUSTFLAGS='-C target-cpu=native'`
//! for the host CPU); `-- 'sparse'` runs one group.

use criterion::{Criterion, criterion_group, criterion_main};
use ghostlines_core::{
    Adjustment, CornerSettings, EdgeSettings, FieldSettings, FlowSettings, Frame, GreyMethod,
    Plane, SplitMix64, Tracker, TrackerMode, TrackerSettings, adjust_rgba, centroid, dense_flow,
    edge_polylines, flow_field, frame_diff, greyscale, sparse_flow, synthetic_scene,
};
use std::hint::black_box;

const WIDTH: u32 = 800;
const HEIGHT: u32 = 600;

fn ops(c: &mut Criterion) {
    let (a, b) = (
        synthetic_scene(WIDTH, HEIGHT, 0),
        synthetic_scene(WIDTH, HEIGHT, 3),
    );
    let frame_a = Frame::new(WIDTH, HEIGHT, &a).unwrap();
    let frame_b = Frame::new(WIDTH, HEIGHT, &b).unwrap();
    let (grey_a, grey_b) = (
        greyscale(frame_a, GreyMethod::MaxRgb),
        greyscale(frame_b, GreyMethod::MaxRgb),
    );
    let plane_a = Plane::new(WIDTH, HEIGHT, &grey_a).unwrap();
    let plane_b = Plane::new(WIDTH, HEIGHT, &grey_b).unwrap();

    c.bench_function("copy frame (reference)", |bench| {
        bench.iter(|| black_box(black_box(&a).to_vec()))
    });
    for method in GreyMethod::ALL {
        c.bench_function(&format!("greyscale {}", method.name()), |bench| {
            bench.iter(|| greyscale(black_box(frame_a), method))
        });
    }
    let adjustment = Adjustment::new(50, 20).unwrap();
    c.bench_function("adjust", |bench| {
        bench.iter(|| adjust_rgba(black_box(frame_a), &adjustment))
    });
    c.bench_function("centroid", |bench| {
        bench.iter(|| centroid(black_box(plane_a)))
    });
    c.bench_function("frame diff (2000 samples)", |bench| {
        bench.iter(|| {
            let mut rng = SplitMix64::new(1);
            frame_diff(black_box(plane_a), plane_b, 0.1, 2000, &mut rng).unwrap()
        })
    });
    let (corners, flow) = (CornerSettings::default(), FlowSettings::default());
    c.bench_function("sparse flow (detect + track)", |bench| {
        bench.iter(|| sparse_flow(black_box(plane_a), plane_b, &corners, &flow).unwrap())
    });
    c.bench_function("dense flow (every 16 px)", |bench| {
        bench.iter(|| dense_flow(black_box(plane_a), plane_b, 16, &flow).unwrap())
    });
    for (name, settings) in FieldSettings::PRESETS {
        c.bench_function(&format!("flow field ({name} preset)"), |bench| {
            bench.iter(|| {
                flow_field(black_box(plane_a), black_box(plane_b), &settings, None).unwrap()
            })
        });
    }
    c.bench_function("edges (Canny, polylines, RDP)", |bench| {
        bench.iter(|| edge_polylines(black_box(plane_a), &EdgeSettings::default()).unwrap())
    });
    for mode in [
        TrackerMode::Sketch,
        TrackerMode::Sparse { corners, flow },
        TrackerMode::Dense { step: 16, flow },
    ] {
        let settings = TrackerSettings {
            mode,
            ..TrackerSettings::default()
        };
        let mut tracker = Tracker::new(settings).unwrap();
        let mut flip = false;
        c.bench_function(&format!("tracker push ({})", mode.name()), |bench| {
            bench.iter(|| {
                flip = !flip;
                tracker.push(if flip { frame_a } else { frame_b }).unwrap()
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = ops
}
criterion_main!(benches);
