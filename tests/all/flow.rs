//! Optical flow and edges through the component: accuracy on a real
//! photograph moved by known sub-pixel amounts, and parity with `core`.

use ghostlines::bindings::{FlowStatus, FlowVector, GradientOperator, Plane};
use ghostlines_core as core_;

use crate::cli::{fail, succeed};
use crate::{instance, parity_frames, photo};

/// The photograph in grey at full resolution.
fn grey_photo() -> (usize, usize, Vec<f64>) {
    let frame = photo();
    let grey = core_::greyscale(
        core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap(),
        core_::GreyMethod::LumaBt601,
    );
    (
        frame.width as usize,
        frame.height as usize,
        grey.iter().map(|&v| f64::from(v)).collect(),
    )
}

/// A `w x h` plane averaging 4x4 blocks of `image` sampled by `at`,
/// starting at (ox, oy): moving the start by one full-resolution pixel
/// moves the content by exactly a quarter pixel.
fn box4(w: usize, h: usize, at: impl Fn(f64, f64) -> f64, ox: usize, oy: usize) -> Plane {
    let mut values = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            for j in 0..4 {
                for i in 0..4 {
                    sum += at((ox + 4 * x + i) as f64, (oy + 4 * y + j) as f64);
                }
            }
            values.push((sum / 16.0).round() as u8);
        }
    }
    Plane {
        width: w as u32,
        height: h as u32,
        values,
    }
}

/// Endpoint errors of the tracked vectors against `truth(x, y) -> (dx, dy)`.
fn endpoint_errors(vectors: &[FlowVector], truth: impl Fn(f64, f64) -> (f64, f64)) -> Vec<f64> {
    let mut errors: Vec<f64> = vectors
        .iter()
        .filter(|v| v.status == FlowStatus::Tracked)
        .map(|v| {
            let (tx, ty) = truth(v.x, v.y);
            (v.dx - tx).hypot(v.dy - ty)
        })
        .collect();
    errors.sort_by(f64::total_cmp);
    errors
}

/// Accuracy figures as the README's table quotes them (each rounded as
/// printed there, which is the margin the test allows).
struct Quoted {
    /// Points tracked, at least.
    tracked: usize,
    /// Median endpoint error, px, at most (to 3 decimals).
    median: f64,
    /// Tracked points within 0.5 px, percent, at least (to 1 decimal).
    within: f64,
    /// Largest endpoint error, px, at most (to 2 decimals).
    worst: f64,
}

/// Holds `errors` to the `quoted` figures.
fn assert_accurate(name: &str, errors: &[f64], total: usize, quoted: Quoted) {
    let median = errors[errors.len() / 2];
    let within = errors.iter().filter(|&&e| e <= 0.5).count();
    let within = 100.0 * within as f64 / errors.len() as f64;
    let worst = errors[errors.len() - 1];
    println!(
        "{name}: {} tracked of {total}, median endpoint error {median:.4} px, {within:.1}% within 0.5 px, worst {worst:.2} px",
        errors.len(),
    );
    assert!(
        errors.len() >= quoted.tracked,
        "{name}: only {} of {total} tracked",
        errors.len()
    );
    assert!(
        median <= quoted.median + 0.0005,
        "{name}: median endpoint error {median}"
    );
    assert!(
        within >= quoted.within - 0.05,
        "{name}: {within}% within 0.5 px"
    );
    assert!(worst <= quoted.worst + 0.005, "{name}: worst {worst}");
}

fn core_plane(p: &Plane) -> core_::Plane<'_> {
    core_::Plane::new(p.width, p.height, &p.values).unwrap()
}

/// A flow answer as comparable values: (x, y, dx, dy, error, tracked)
/// each, or the typed error.
type Flat = Result<Vec<(f64, f64, f64, f64, f64, bool)>, ghostlines::Error>;

fn flat(answer: Result<Vec<FlowVector>, ghostlines::Error>) -> Flat {
    answer.map(|vectors| {
        vectors
            .iter()
            .map(|v| {
                (
                    v.x,
                    v.y,
                    v.dx,
                    v.dy,
                    v.error,
                    v.status == FlowStatus::Tracked,
                )
            })
            .collect()
    })
}

fn flat_core(answer: Result<Vec<core_::FlowVector>, core_::Error>) -> Flat {
    answer.map_err(ghostlines::Error::from).map(|vectors| {
        vectors
            .iter()
            .map(|v| {
                let tracked = v.status == core_::FlowStatus::Tracked;
                (v.x, v.y, v.dx, v.dy, v.error, tracked)
            })
            .collect()
    })
}

#[test]
fn sparse_and_dense_flow_on_a_shifted_photograph() {
    let (w, h, grey) = grey_photo();
    let at = |x: f64, y: f64| grey[y as usize * w + x as usize];
    let (sw, sh) = ((w - 24) / 4, (h - 24) / 4);
    let a = box4(sw, sh, at, 8, 8);
    // Start 9 right and 6 up: the content moves by (-9/4, +6/4).
    let b = box4(sw, sh, at, 17, 2);
    let truth = |_: f64, _: f64| (-2.25, 1.5);

    let mut instance = instance();
    let corners = core_::CornerSettings::default();
    let flow = core_::FlowSettings::default();
    let sparse = instance
        .sparse_flow(&a, &b, corners.into(), flow.into())
        .unwrap()
        .unwrap();
    assert!(sparse.len() >= 100, "{} corners", sparse.len());
    assert_accurate(
        "sparse, shift",
        &endpoint_errors(&sparse, truth),
        sparse.len(),
        Quoted {
            tracked: 272,
            median: 0.053,
            within: 99.6,
            worst: 0.60,
        },
    );
    let native = core_::sparse_flow(core_plane(&a), core_plane(&b), &corners, &flow).unwrap();
    assert_eq!(
        flat(Ok(sparse.clone())),
        flat_core(Ok(native)),
        "component and core differ"
    );

    let dense = instance
        .dense_flow(&a, &b, 8, flow.into())
        .unwrap()
        .unwrap();
    // Grid points on featureless sky are rightly lost.
    assert_accurate(
        "dense, shift",
        &endpoint_errors(&dense, truth),
        dense.len(),
        Quoted {
            tracked: 705,
            median: 0.071,
            within: 99.9,
            worst: 0.64,
        },
    );
    let native = core_::dense_flow(core_plane(&a), core_plane(&b), 8, &flow).unwrap();
    assert_eq!(
        flat(Ok(dense.clone())),
        flat_core(Ok(native)),
        "component and core differ"
    );
}

#[test]
fn sparse_flow_on_a_rotated_photograph() {
    let (w, h, grey) = grey_photo();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let angle = 1.5f64.to_radians();
    let (sin, cos) = angle.sin_cos();
    // The photograph turned by `angle` about its centre (bilinear), and the
    // same resampling at angle 0 so that both frames are treated alike.
    let grey = &grey;
    let rotated = |turn: bool| {
        move |x: f64, y: f64| {
            let (s, c) = if turn { (sin, cos) } else { (0.0, 1.0) };
            let (u, v) = (x - cx, y - cy);
            let (sx, sy) = (c * u + s * v + cx, -s * u + c * v + cy);
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let p = |x: f64, y: f64| {
                let x = x.clamp(0.0, (w - 1) as f64) as usize;
                let y = y.clamp(0.0, (h - 1) as f64) as usize;
                grey[y * w + x]
            };
            (p(x0, y0) * (1.0 - fx) + p(x0 + 1.0, y0) * fx) * (1.0 - fy)
                + (p(x0, y0 + 1.0) * (1.0 - fx) + p(x0 + 1.0, y0 + 1.0) * fx) * fy
        }
    };
    let (sw, sh) = ((w - 64) / 4, (h - 64) / 4);
    let a = box4(sw, sh, rotated(false), 32, 32);
    let b = box4(sw, sh, rotated(true), 32, 32);
    // A point at (x, y) of the small frame is the full-resolution point
    // (32 + 4x + 1.5, ...); it moves by the rotation about the centre.
    let truth = |x: f64, y: f64| {
        let (u, v) = (32.0 + 4.0 * x + 1.5 - cx, 32.0 + 4.0 * y + 1.5 - cy);
        let (ru, rv) = (cos * u - sin * v, sin * u + cos * v);
        ((ru - u) / 4.0, (rv - v) / 4.0)
    };
    let mut instance = instance();
    let sparse = instance
        .sparse_flow(
            &a,
            &b,
            core_::CornerSettings::default().into(),
            core_::FlowSettings::default().into(),
        )
        .unwrap()
        .unwrap();
    assert_accurate(
        "sparse, rotation",
        &endpoint_errors(&sparse, truth),
        sparse.len(),
        Quoted {
            tracked: 257,
            median: 0.058,
            within: 100.0,
            worst: 0.25,
        },
    );
    let native = core_::sparse_flow(
        core_plane(&a),
        core_plane(&b),
        &core_::CornerSettings::default(),
        &core_::FlowSettings::default(),
    )
    .unwrap();
    assert_eq!(
        flat(Ok(sparse.clone())),
        flat_core(Ok(native)),
        "component and core differ"
    );
    let dense = instance
        .dense_flow(&a, &b, 8, core_::FlowSettings::default().into())
        .unwrap()
        .unwrap();
    // Grid points on featureless sky are rightly lost.
    assert_accurate(
        "dense, rotation",
        &endpoint_errors(&dense, truth),
        dense.len(),
        Quoted {
            tracked: 628,
            median: 0.100,
            within: 100.0,
            worst: 0.49,
        },
    );
    let native = core_::dense_flow(
        core_plane(&a),
        core_plane(&b),
        8,
        &core_::FlowSettings::default(),
    )
    .unwrap();
    assert_eq!(
        flat(Ok(dense.clone())),
        flat_core(Ok(native)),
        "component and core differ"
    );
}

#[test]
fn identical_frames_give_zero_and_leaving_points_are_lost() {
    let (w, h, grey) = grey_photo();
    let at = |x: f64, y: f64| grey[y as usize * w + x as usize];
    let (sw, sh) = ((w - 200) / 4, (h - 200) / 4);
    let a = box4(sw, sh, at, 100, 100);
    let mut instance = instance();
    let flow = core_::FlowSettings::default();
    let same = instance
        .sparse_flow(&a, &a, core_::CornerSettings::default().into(), flow.into())
        .unwrap()
        .unwrap();
    assert!(!same.is_empty());
    for v in &same {
        assert_eq!(v.status, FlowStatus::Tracked);
        assert!(v.dx.abs() < 1e-3 && v.dy.abs() < 1e-3, "{v:?}");
    }

    // Content moves 20 px left: what was near the left edge leaves.
    let b = box4(sw, sh, at, 180, 100);
    let moved = instance
        .sparse_flow(&a, &b, core_::CornerSettings::default().into(), flow.into())
        .unwrap()
        .unwrap();
    let margin = f64::from(flow.window / 2);
    let leaving: Vec<_> = moved.iter().filter(|v| v.x - 20.0 < margin).collect();
    assert!(!leaving.is_empty());
    assert!(
        leaving
            .iter()
            .all(|v| v.status == FlowStatus::Lost && (v.dx, v.dy) == (0.0, 0.0))
    );
    // Every tracked point lands inside the frame, near its true place.
    for v in moved.iter().filter(|v| v.status == FlowStatus::Tracked) {
        let (x, y) = (v.x + v.dx, v.y + v.dy);
        assert!(x >= 0.0 && y >= 0.0 && x < sw as f64 && y < sh as f64);
        assert!((v.dx + 20.0).hypot(v.dy) < 0.5, "{v:?}");
    }
}

/// The largest result the component gives: the edges of a largest frame
/// (2^25 pixels) of noise with every threshold at 0, about 11.7 million
/// points, 200 MB as it leaves the guest. Wasmtime's default allowance for
/// a result, 128 MiB, refused it with an error; the runtime allows what the
/// instance's memory can hold.
#[test]
fn the_largest_result_leaves_the_component() {
    let (w, h) = (8192u32, 4096u32);
    assert_eq!(u64::from(w * h), crate::runtime().limits().max_pixels);
    let mut rng = core_::SplitMix64::new(7);
    let values: Vec<u8> = (0..w * h).map(|_| (rng.next_u64() >> 56) as u8).collect();
    let plane = Plane {
        width: w,
        height: h,
        values,
    };
    let settings = core_::EdgeSettings {
        low: 0.0,
        high: 0.0,
        tolerance: 0.0,
        ..core_::EdgeSettings::default()
    };
    let lines = instance().edges(&plane, settings.into()).unwrap().unwrap();
    let native = core_::edge_polylines(core_plane(&plane), &settings).unwrap();
    let points: usize = lines.iter().map(Vec::len).sum();
    assert!(points * 16 > 128 << 20, "{points} points");
    assert_eq!(lines.len(), native.len());
    assert!(lines.iter().zip(&native).all(|(a, b)| {
        a.len() == b.len() && a.iter().zip(b).all(|(p, q)| (p.x, p.y) == (q.x, q.y))
    }));
}

#[test]
fn edges_and_gradients_match_core() {
    let frame = photo();
    let grey = core_::greyscale(
        core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap(),
        core_::GreyMethod::MaxRgb,
    );
    let plane = Plane {
        width: frame.width,
        height: frame.height,
        values: grey.clone(),
    };
    let settings = core_::EdgeSettings::default();
    let mut instance = instance();
    let lines = instance.edges(&plane, settings.into()).unwrap().unwrap();
    let native = core_::edge_polylines(core_plane(&plane), &settings).unwrap();
    assert!(lines.len() > 100);
    let flat = |l: &Vec<Vec<ghostlines::bindings::Point>>| -> Vec<(f64, f64)> {
        l.iter().flatten().map(|p| (p.x, p.y)).collect()
    };
    let native_flat: Vec<(f64, f64)> = native.iter().flatten().map(|p| (p.x, p.y)).collect();
    assert!(flat(&lines) == native_flat);

    let field = instance
        .gradient_field(&plane, GradientOperator::Scharr, 16)
        .unwrap()
        .unwrap();
    let native =
        core_::gradient_field(core_plane(&plane), core_::GradientOperator::Scharr, 16).unwrap();
    assert_eq!(field.len(), native.len());
    assert!(
        field.iter().zip(&native).all(
            |(a, b)| (a.x, a.y, a.dx, a.dy, a.magnitude) == (b.x, b.y, b.dx, b.dy, b.magnitude)
        )
    );

    // Bad settings are typed errors from the component too.
    let bad = core_::EdgeSettings {
        sigma: 0.0,
        ..settings
    };
    assert_eq!(
        instance
            .edges(&plane, bad.into())
            .unwrap()
            .unwrap_err()
            .kind(),
        "invalid-parameter"
    );
    assert_eq!(
        instance
            .gradient_field(&plane, GradientOperator::Sobel, 0)
            .unwrap()
            .unwrap_err()
            .kind(),
        "invalid-parameter"
    );
    let small = Plane {
        width: 3,
        height: 5,
        values: vec![0; 15],
    };
    assert_eq!(
        instance
            .dense_flow(&plane, &small, 8, core_::FlowSettings::default().into())
            .unwrap()
            .unwrap_err()
            .kind(),
        "size-mismatch"
    );
}

/// Flow, gradients and edges on every parity frame (random 1x1, 3x5 and
/// 801x601, and the photograph) against a second frame of the same size:
/// the component's answer, value or typed error, is `core`'s.
#[test]
fn vectors_match_core_on_every_parity_frame() {
    let mut instance = instance();
    for (name, frame) in parity_frames() {
        let grey = |pixels: &[u8]| Plane {
            width: frame.width,
            height: frame.height,
            values: core_::greyscale(
                core_::Frame::new(frame.width, frame.height, pixels).unwrap(),
                core_::GreyMethod::LumaBt601,
            ),
        };
        let a = grey(&frame.pixels);
        // The same frame, its rows turned by 2 pixels: a motion to find.
        let mut moved = frame.pixels.clone();
        for row in moved.chunks_exact_mut(frame.width as usize * 4) {
            row.rotate_right(8 % row.len());
        }
        let b = grey(&moved);
        let corners = core_::CornerSettings::default();
        let flow = core_::FlowSettings::default();

        let got = instance
            .sparse_flow(&a, &b, corners.into(), flow.into())
            .unwrap();
        let native = core_::sparse_flow(core_plane(&a), core_plane(&b), &corners, &flow);
        assert_eq!(flat(got), flat_core(native), "sparse, {name}");
        for step in [1, 4, 16] {
            let got = instance.dense_flow(&a, &b, step, flow.into()).unwrap();
            let native = core_::dense_flow(core_plane(&a), core_plane(&b), step, &flow);
            assert_eq!(flat(got), flat_core(native), "dense {step}, {name}");
        }

        for (operator, native_operator) in [
            (GradientOperator::Sobel, core_::GradientOperator::Sobel),
            (GradientOperator::Scharr, core_::GradientOperator::Scharr),
        ] {
            let got = instance.gradient_field(&a, operator, 3).unwrap().unwrap();
            let native = core_::gradient_field(core_plane(&a), native_operator, 3).unwrap();
            assert_eq!(got.len(), native.len(), "gradients, {name}");
            assert!(
                got.iter()
                    .zip(&native)
                    .all(|(g, n)| (g.x, g.y, g.dx, g.dy, g.magnitude)
                        == (n.x, n.y, n.dx, n.dy, n.magnitude)),
                "gradients, {name}"
            );
        }

        let settings = core_::EdgeSettings {
            low: 2.0,
            high: 6.0,
            ..core_::EdgeSettings::default()
        };
        let got = instance.edges(&a, settings.into()).unwrap().unwrap();
        let native = core_::edge_polylines(core_plane(&a), &settings).unwrap();
        let got: Vec<Vec<(f64, f64)>> = got
            .iter()
            .map(|l| l.iter().map(|p| (p.x, p.y)).collect())
            .collect();
        let native: Vec<Vec<(f64, f64)>> = native
            .iter()
            .map(|l| l.iter().map(|p| (p.x, p.y)).collect())
            .collect();
        assert!(got == native, "edges, {name}");
    }
}

/// A real frame and the same frame moved by a known smooth field: a 2°
/// rotation with a 2 % zoom about the centre, and a swirl of 3 px. The
/// second frame is sampled where each of its pixels came from (the field
/// inverted by fixed-point iteration), so the field is exact at the first
/// frame's pixels. (grey of both, width, height, the field's u and v.)
fn warped_real_pair() -> (Vec<u8>, Vec<u8>, usize, usize, Vec<f32>, Vec<f32>) {
    let frame = ghostlines::files::read_frame(&crate::data("footage/cup_30.png"), None).unwrap();
    let (w, h) = (frame.width as usize, frame.height as usize);
    let grey: Vec<u8> = frame.pixels.chunks(4).map(|p| p[0]).collect();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (angle, zoom) = (2f32.to_radians(), 1.02f32);
    let truth = |x: f32, y: f32| {
        let (dx, dy) = (x - cx, y - cy);
        let rx = cx + zoom * (angle.cos() * dx - angle.sin() * dy) - x;
        let ry = cy + zoom * (angle.sin() * dx + angle.cos() * dy) - y;
        let t = std::f32::consts::TAU;
        let sx = 3.0 * (t * y / h as f32).sin();
        let sy = 3.0 * (t * x / w as f32).cos();
        (rx + sx, ry + sy)
    };
    let sample = |x: f32, y: f32| {
        let at = |x: isize, y: isize| {
            f32::from(
                grey[y.clamp(0, h as isize - 1) as usize * w + x.clamp(0, w as isize - 1) as usize],
            )
        };
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as isize, y0 as isize);
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
        let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    };
    let mut moved = Vec::with_capacity(w * h);
    let (mut u, mut v) = (Vec::with_capacity(w * h), Vec::with_capacity(w * h));
    for y in 0..h {
        for x in 0..w {
            let (tx, ty) = (x as f32, y as f32);
            let (mut sx, mut sy) = (tx, ty);
            for _ in 0..30 {
                let (fu, fv) = truth(sx, sy);
                (sx, sy) = (tx - fu, ty - fv);
            }
            moved.push(sample(sx, sy).round().clamp(0.0, 255.0) as u8);
            let (fu, fv) = truth(tx, ty);
            u.push(fu);
            v.push(fv);
        }
    }
    (grey, moved, w, h, u, v)
}

/// `ghostlines flow` on the warped real frame, as a user runs it: the
/// `.flo` file's field within its measured error of the truth (inside a
/// border of 16 px), for the medium and the ultrafast search; the PNG the
/// colour coding at the frame's size. The figures are docs/benchmarks.md's.
#[test]
fn the_flow_field_of_a_real_frame_moved_by_a_known_field() {
    let (a, b, w, h, u, v) = warped_real_pair();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, values: &[u8]| {
        let path = dir.path().join(name);
        image::GrayImage::from_raw(w as u32, h as u32, values.to_vec())
            .unwrap()
            .save(&path)
            .unwrap();
        path
    };
    let (first, second) = (write("a.png", &a), write("b.png", &b));
    // (preset, mean endpoint error at most, share under 1 px at least):
    // measured 0.201 px and 99.3 % (medium), 0.188 px and 99.7 %
    // (balanced: fast's levels with 6-pixel patches searched 4 iterations
    // at most, then its quarter-size level refined on the half-size
    // level's data), 0.503 px and 92.1 %
    // (fast), 0.927 px and 71.3 % (ultrafast, no refinement); the
    // component computes the same floats on every host.
    for (preset, most, least) in [
        ("medium", 0.21, 0.99),
        ("balanced", 0.20, 0.995),
        ("fast", 0.52, 0.91),
        ("ultrafast", 0.93, 0.71),
    ] {
        let flo = dir.path().join(format!("{preset}.flo"));
        let png = dir.path().join(format!("{preset}.png"));
        succeed(&[
            &"flow",
            &first,
            &second,
            &"--preset",
            &preset,
            &"--flo",
            &flo,
            &"--png",
            &png,
        ]);
        let field = core_::FlowField::from_flo(&std::fs::read(&flo).unwrap()).unwrap();
        assert_eq!((field.width as usize, field.height as usize), (w, h));
        let mut errors = Vec::new();
        for y in 16..h - 16 {
            for x in 16..w - 16 {
                let i = y * w + x;
                errors.push(((field.u[i] - u[i]).powi(2) + (field.v[i] - v[i]).powi(2)).sqrt());
            }
        }
        let mean = errors.iter().sum::<f32>() / errors.len() as f32;
        let under = errors.iter().filter(|&&e| e < 1.0).count() as f32 / errors.len() as f32;
        eprintln!(
            "{preset}: mean endpoint error {mean:.3} px, {:.1} % under 1 px",
            100.0 * under
        );
        assert!(
            mean <= most && under >= least,
            "{preset}: {mean} px, {under}"
        );
        let picture = image::open(&png).unwrap();
        assert_eq!(
            (picture.width() as usize, picture.height() as usize),
            (w, h)
        );
    }
}

/// `ghostlines flow --native` (the benchmark's native column) computes the
/// field with ghostlines-core in the process: the same `.flo` bytes as the
/// component's, preset by preset, on the real frames.
#[test]
fn the_native_field_is_the_components_to_the_bit() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let frames = root.join("tests/data/footage");
    let (first, second) = (frames.join("cup_30.png"), frames.join("cup_35.png"));
    let dir = tempfile::tempdir().unwrap();
    for preset in ["ultrafast", "fast", "balanced", "medium"] {
        let read = |native: bool| {
            let flo = dir.path().join(format!("{preset}-{native}.flo"));
            let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
                &"flow",
                &first,
                &second,
                &"--preset",
                &preset,
                &"--flo",
                &flo,
                &"--repeat",
                &"2",
            ];
            if native {
                args.push(&"--native");
            }
            let printed = String::from_utf8(succeed(&args).stdout).unwrap();
            let said = if native {
                "natively"
            } else {
                "into the component"
            };
            assert!(printed.contains(&format!("calls {said}")), "{printed}");
            std::fs::read(&flo).unwrap()
        };
        let (component, native) = (read(false), read(true));
        assert_eq!(component.len(), 12 + 320 * 240 * 8, "{preset}");
        assert!(component == native, "{preset}: the native field differs");
    }
    // Refused alike: frames of two sizes, and settings out of range.
    let other = root.join("tests/data/hubble_deep_field.jpg");
    let flo = dir.path().join("refused.flo");
    for (extra, said) in [
        (None, "(size-mismatch)"),
        (
            Some("--patch=40"),
            "patch must be in 4..=32 pixels, got 40 (invalid-parameter)",
        ),
    ] {
        let second: &std::path::Path = if extra.is_none() { &other } else { &second };
        let refusal = |native: bool| {
            let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
                vec![&"flow", &first, &second, &"--flo", &flo];
            args.extend(extra.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
            if native {
                args.push(&"--native");
            }
            fail(&args)
        };
        let (component, native) = (refusal(false), refusal(true));
        assert!(component.contains(said), "{component}");
        assert!(native.contains(said), "{native}");
    }
}

/// The `.flo` files are OpenCV's: `cv2.readOpticalFlow` reads ours to the
/// same floats, and ours reads what `cv2.writeOpticalFlow` writes.
#[test]
fn flo_files_round_trip_through_opencv() {
    let dir = tempfile::tempdir().unwrap();
    let ours = core_::FlowField {
        width: 3,
        height: 2,
        u: vec![0.5, -1.25, 3.0, 0.0, 7.75, -0.125],
        v: vec![1.0, 2.0, -3.5, 0.25, 0.0, 9.5],
    };
    std::fs::write(dir.path().join("ours.flo"), ours.to_flo()).unwrap();
    let script = "
import sys, cv2, numpy as np
read = cv2.readOpticalFlow(sys.argv[1] + '/ours.flo')
print(read.shape, read[..., 0].ravel().tolist(), read[..., 1].ravel().tolist())
theirs = np.dstack([np.arange(6, dtype=np.float32).reshape(2, 3) / 4, -np.arange(6, dtype=np.float32).reshape(2, 3)])
assert cv2.writeOpticalFlow(sys.argv[1] + '/theirs.flo', theirs)
";
    let out = std::process::Command::new("python3")
        .args(["-S", "-c", script])
        .arg(dir.path())
        .env(
            "PYTHONPATH",
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/opencv"),
        )
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "OpenCV from target/tools/opencv (scripts/setup.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "(2, 3, 2) [0.5, -1.25, 3.0, 0.0, 7.75, -0.125] [1.0, 2.0, -3.5, 0.25, 0.0, 9.5]"
    );
    let theirs =
        core_::FlowField::from_flo(&std::fs::read(dir.path().join("theirs.flo")).unwrap()).unwrap();
    assert_eq!((theirs.width, theirs.height), (3, 2));
    assert_eq!(theirs.u, [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]);
    assert_eq!(theirs.v, [0.0, -1.0, -2.0, -3.0, -4.0, -5.0]);
}

/// The field's refusals through the component: a size mismatch, and a
/// field over 2^23 pixels (64 MiB of f32) as `too-large`.
#[test]
fn the_flow_field_refuses_with_typed_errors() {
    let mut instance = instance();
    let settings = instance.default_field_settings().unwrap();
    assert_eq!(
        core_::FieldSettings::from(settings),
        core_::FieldSettings::MEDIUM
    );
    let plane = |w: u32, h: u32| Plane {
        width: w,
        height: h,
        values: vec![0; (w * h) as usize],
    };
    let e = instance
        .pixel_flow(&plane(64, 48), &plane(48, 64), settings)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), "size-mismatch");
    let big = plane(4097, 2049);
    let e = instance
        .pixel_flow(&big, &big, settings)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), "too-large");
    let bad_stride = ghostlines::bindings::FieldSettings {
        stride: 0,
        ..settings
    };
    // A last refinement on the level below the full-size one: there is none.
    let nothing_finer = ghostlines::bindings::FieldSettings {
        finest_level: 0,
        fine_refinement: 5,
        ..settings
    };
    for bad in [bad_stride, nothing_finer] {
        let e = instance
            .pixel_flow(&plane(64, 48), &plane(64, 48), bad)
            .unwrap()
            .unwrap_err();
        assert_eq!(e.kind(), "invalid-parameter");
    }
}

/// Every preset through the component is core's, by the same name; another
/// name is refused.
#[test]
fn the_component_names_every_field_preset_as_core_does() {
    let mut instance = instance();
    for (name, settings) in core_::FieldSettings::PRESETS {
        let through = instance.field_preset(name).unwrap().unwrap();
        assert_eq!(core_::FieldSettings::from(through), settings, "{name}");
    }
    let e = instance.field_preset("slow").unwrap().unwrap_err();
    assert_eq!(e.kind(), "invalid-parameter");
    assert!(e.to_string().contains("balanced"), "{e}");
}

/// docs/flow.png is what docs/cli.md's `ghostlines flow` command draws
/// (`REGENERATE=1` rewrites it).
#[test]
fn the_flow_picture_is_what_the_documented_command_draws() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/cli.md")).unwrap();
    let start = "ghostlines flow tests/data/footage/cup_30.png ";
    let command = doc
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("docs/cli.md: {start}"));
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = command
        .split_whitespace()
        .skip(1)
        .map(|a| match a {
            input if input.starts_with("tests/") => root.join(input).display().to_string(),
            out if out.starts_with("out/") || out.starts_with("docs/") => {
                dir.path().join(out.replace('/', "-")).display().to_string()
            }
            a => a.to_string(),
        })
        .collect();
    let args: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|a| a as _).collect();
    succeed(&args);
    let drawn = dir.path().join("docs-flow.png");
    let picture = root.join("docs/flow.png");
    if std::env::var_os("REGENERATE").is_some() {
        std::fs::copy(&drawn, &picture).unwrap();
    }
    let pixels = |path: &std::path::Path| image::open(path).unwrap().to_rgba8().into_raw();
    assert!(
        pixels(&drawn) == pixels(&picture),
        "docs/flow.png is not what the documented command draws (REGENERATE=1 rewrites it)"
    );
    // The cup moves down and to the right by about a pixel and a half:
    // the field's median over it is (1.04, 1.05) px (OpenCV 5.1's DIS
    // MEDIUM gives (1.01, 1.11) on the same frames).
    let field = core_::FlowField::from_flo(&std::fs::read(dir.path().join("out-cup.flo")).unwrap())
        .unwrap();
    let median = |of: &dyn Fn(u32, u32) -> f32| {
        let mut values: Vec<f32> = (70..190)
            .flat_map(|y| (165..210).map(move |x| (x, y)))
            .map(|(x, y)| of(x, y))
            .collect();
        values.sort_by(f32::total_cmp);
        values[values.len() / 2]
    };
    let (u, v) = (
        median(&|x, y| field.at(x, y).0),
        median(&|x, y| field.at(x, y).1),
    );
    assert!(
        (u - 1.04).abs() < 0.05 && (v - 1.05).abs() < 0.05,
        "the cup's motion ({u}, {v})"
    );
}

/// `ghostlines motion --mode field --flo DIR` on real footage: a `.flo`
/// file for each frame that has a reference a 200 ms interval before it
/// (at the clip's 26.8 fps, from frame 6 on), each the frame's size; the
/// JSON's vectors are the field's grid.
#[test]
fn motion_writes_each_frames_field_as_flo_files() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("fields");
    let json = dir.path().join("field.json");
    let clip = crate::data("footage/cup.gif");
    let out = succeed(&[
        &"motion", &clip, &"--mode", &"field", &"--flo", &folder, &"--json", &json,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("27 flow fields as .flo files, of 33 frames"),
        "{stderr}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 27);
    assert_eq!(
        (names[0].as_str(), names[26].as_str()),
        ("frame-000006.flo", "frame-000032.flo")
    );
    let field =
        core_::FlowField::from_flo(&std::fs::read(folder.join(&names[0])).unwrap()).unwrap();
    assert_eq!((field.width, field.height), (160, 120));
    // Every displacement a number: each field is the next one's guess, so
    // one NaN field (which a form's value rounded below 0 once made, on
    // ../shared/footage/cup.mp4) is every later one.
    for name in &names {
        let field = core_::FlowField::from_flo(&std::fs::read(folder.join(name)).unwrap()).unwrap();
        assert!(
            field.u.iter().chain(&field.v).all(|d| d.is_finite()),
            "{name} has a displacement that is not a number"
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let frames = report["frames"].as_array().unwrap();
    // A vector every 16 px from (8, 8): 10 by 7 (y = 8..=104).
    assert!(
        frames[..6]
            .iter()
            .all(|f| f["vectors"].as_array().unwrap().is_empty())
    );
    assert!(
        frames[6..]
            .iter()
            .all(|f| f["vectors"].as_array().unwrap().len() == 70)
    );
    // --flo is for field mode only.
    let refused = fail(&[&"motion", &clip, &"--flo", &folder]);
    assert!(refused.contains("only --mode field makes"), "{refused}");
}

/// `render --mode field --background flow` draws each frame's field in the
/// colour coding under its vectors: black before the first field (the
/// first frames have no reference an interval back), colour after.
#[test]
fn render_draws_the_field_as_its_background() {
    let dir = tempfile::tempdir().unwrap();
    let (clip, drawn) = (crate::data("footage/cup.gif"), dir.path().join("drawn/"));
    succeed(&[
        &"render",
        &clip,
        &"--mode",
        &"field",
        &"--background",
        &"flow",
        &"--dim",
        &"1",
        &"-o",
        &drawn,
    ]);
    let frame = |i: usize| {
        ghostlines::files::read_frame(&dir.path().join(format!("drawn/frame-{i:06}.png")), None)
            .unwrap()
            .pixels
    };
    let coloured = |pixels: &[u8]| pixels.chunks(4).filter(|p| p[..3] != [0, 0, 0]).count();
    assert_eq!(coloured(&frame(0)), 0, "no field yet: black");
    // From frame 6 on every pixel has a field, and its colour coding is
    // never black.
    assert!(coloured(&frame(20)) == 160 * 120);
}
