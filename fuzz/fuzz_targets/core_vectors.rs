//! The vector entry points of `core` — corners, sparse and dense flow,
//! gradient fields, Canny polylines, RDP and the flow trackers — on small
//! arbitrary planes with arbitrary settings: typed errors or answers that
//! keep their promises.
#![no_main]

use arbitrary::Arbitrary;
use ghostlines_core::{
    CornerSettings, EdgeReport, EdgeSettings, FlowPyramid, FlowSettings, FlowStatus, Frame,
    FrameReport, GradientOperator, Plane, Point, SvgStyle, Tracker, TrackerMode, TrackerSettings,
    canny, corners, dense_flow, edge_polylines, edges_svg, gradient_field, motion_svg, rdp,
    sparse_flow, track_points,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    width: u8,
    height: u8,
    values: Vec<u8>,
    shift: (i8, i8),
    max_corners: u16,
    quality: f64,
    min_distance: f64,
    window: u8,
    levels: u8,
    iterations: u8,
    epsilon: f64,
    fb_threshold: f64,
    min_eigen: f64,
    max_error: f64,
    step: u16,
    sigma: f64,
    low: f64,
    high: f64,
    tolerance: f64,
    min_length: f64,
    straight_only: bool,
    scharr: bool,
    points: Vec<(f32, f32)>,
}

fuzz_target!(|input: Input| {
    // Sizes and work bounded so that each input takes milliseconds, not
    // seconds (the worst settings are a matter of time, not of safety: the
    // server's deadline stops them); out-of-range values still reach the
    // checks.
    let (w, h) = (u32::from(input.width % 97), u32::from(input.height % 97));
    let mut input = input;
    if input.iterations <= 100 {
        input.iterations %= 16;
    }
    if input.window < 32 {
        input.window %= 16;
    }
    let n = (w * h) as usize;
    let mut values = input.values.clone();
    values.resize(n, 0);
    let Ok(a) = Plane::new(w, h, &values) else {
        assert!(w == 0 || h == 0);
        return;
    };
    // The same plane moved by `shift`, border replicated.
    let (sx, sy) = (i64::from(input.shift.0 % 8), i64::from(input.shift.1 % 8));
    let moved: Vec<u8> = (0..n as i64)
        .map(|i| {
            let (x, y) = ((i % i64::from(w)) - sx, (i / i64::from(w)) - sy);
            let (x, y) = (x.clamp(0, i64::from(w) - 1), y.clamp(0, i64::from(h) - 1));
            values[(y * i64::from(w) + x) as usize]
        })
        .collect();
    let b = Plane::new(w, h, &moved).unwrap();

    let corner_settings = CornerSettings {
        max_corners: u32::from(input.max_corners),
        quality: input.quality,
        min_distance: input.min_distance,
    };
    let flow = FlowSettings {
        window: u32::from(input.window),
        levels: u32::from(input.levels),
        iterations: u32::from(input.iterations),
        epsilon: input.epsilon,
        fb_threshold: input.fb_threshold,
        min_eigen: input.min_eigen,
        max_error: input.max_error,
    };
    if let Ok(found) = corners(a, &corner_settings) {
        assert!(found.len() <= corner_settings.max_corners as usize);
        assert!(found.iter().all(|c| c.x < w && c.y < h && c.score > 0.0));
    }
    let check = |vectors: &[ghostlines_core::FlowVector]| {
        for v in vectors {
            assert!(v.x >= 0.0 && v.x < f64::from(w) && v.y >= 0.0 && v.y < f64::from(h));
            match v.status {
                FlowStatus::Lost => assert_eq!((v.dx, v.dy, v.error), (0.0, 0.0, 0.0)),
                FlowStatus::Tracked => assert!(v.dx.is_finite() && v.dy.is_finite()),
            }
        }
    };
    if let Ok(vectors) = sparse_flow(a, b, &corner_settings, &flow) {
        check(&vectors);
    }
    // Step 0 and past the grid limit are checked; the smallest grid is 2.
    // Arbitrary points (NaN, infinite, far outside) tracked directly.
    let raw_points: Vec<(f32, f32)> = input.points.iter().take(64).copied().collect();
    if let (Ok(()), levels) = (flow.check(), flow.levels) {
        let (pa, pb) = (FlowPyramid::new(a, levels), FlowPyramid::new(b, levels));
        let vectors = track_points(&pa, &pb, &raw_points, &flow).unwrap();
        assert_eq!(vectors.len(), raw_points.len());
        for v in &vectors {
            if v.status == FlowStatus::Lost {
                assert_eq!((v.dx, v.dy), (0.0, 0.0));
            } else {
                assert!(v.x.is_finite() && v.dx.is_finite());
            }
        }
    }
    let step = match input.step % 64 {
        1 => 2,
        step => u32::from(step),
    };
    if let Ok(vectors) = dense_flow(a, b, step, &flow) {
        check(&vectors);
    }
    let operator = if input.scharr {
        GradientOperator::Scharr
    } else {
        GradientOperator::Sobel
    };
    if let Ok(field) = gradient_field(a, operator, step) {
        assert!(field.iter().all(|g| g.magnitude.is_finite()));
    }
    let edges = EdgeSettings {
        sigma: input.sigma,
        low: input.low,
        high: input.high,
        tolerance: input.tolerance,
        min_length: input.min_length,
        straight_only: input.straight_only,
    };
    if let Ok(map) = canny(a, &edges) {
        assert_eq!(map.len(), n);
    }
    if let Ok(lines) = edge_polylines(a, &edges) {
        for line in &lines {
            assert!(line.len() >= 2 || !edges.straight_only);
            assert!(line.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
        }
        let report = EdgeReport::new(w, h, &lines, Vec::new());
        let svg = edges_svg(&report, Some("data:,\"<&"), input.tolerance, SvgStyle::default());
        assert!(svg.starts_with("<svg") && !svg.contains("\"<&"));
    }
    let points: Vec<Point> = input
        .points
        .iter()
        .map(|&(x, y)| Point {
            x: f64::from(x),
            y: f64::from(y),
        })
        .collect();
    if input.tolerance.is_finite() && input.tolerance >= 0.0 {
        let simple = rdp(&points, input.tolerance);
        assert!(simple.len() <= points.len());
    }
    for mode in [
        TrackerMode::Sparse {
            corners: corner_settings,
            flow,
        },
        TrackerMode::Dense { step, flow },
    ] {
        let settings = TrackerSettings {
            mode,
            ..TrackerSettings::default()
        };
        if let Ok(mut tracker) = Tracker::new(settings) {
            let rgba = |plane: &[u8]| {
                plane
                    .iter()
                    .flat_map(|&v| [v, v, v, 255])
                    .collect::<Vec<u8>>()
            };
            let (fa, fb) = (rgba(&values), rgba(&moved));
            if tracker.push(Frame::new(w, h, &fa).unwrap()).is_ok() {
                let out = tracker.push(Frame::new(w, h, &fb).unwrap()).unwrap();
                assert!(out.vectors.iter().all(|v| v.dx.is_finite()));
                let svg = motion_svg(w, h, &[FrameReport::new(1, out)], None, SvgStyle::default());
                assert!(svg.ends_with("</svg>\n"));
            }
        }
    }
});
