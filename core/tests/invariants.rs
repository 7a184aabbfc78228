//! Properties that hold across modules: the tracker is the composition of
//! the free functions, flow and edges stay inside the frame, the checks
//! accept exactly the well-formed inputs.

use ghostlines_core::{
    Adjustment, CornerSettings, EdgeSettings, FlowSettings, FlowStatus, Frame, GreyMethod, Limits,
    Plane, Point, SplitMix64, Tracker, TrackerMode, TrackerSettings, adjust_plane_mut, centroid,
    dense_flow, edge_polylines, frame_diff, greyscale, rdp, sparse_flow,
};
use proptest::prelude::*;

fn rgba(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// A blocky texture (so flow and edges have something to find).
fn blocks(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let cells: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
    (0..w * h)
        .map(|i| cells[(((i % w) / 6 + (i / w) / 6 * 7) % 64) as usize])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A sketch tracker's push is greyscale, adjust, centroid and
    /// frame_diff composed, with the samples moved by the centroid shift.
    #[test]
    fn the_sketch_tracker_is_the_free_functions_composed(
        w in 1u32..40, h in 1u32..30, seed in any::<u64>(),
        contrast in -100i32..=100, brightness in -255i32..=255,
        threshold in 0.0f64..=1.0, samples in 0u32..500, method in 0usize..5,
        interval in 0.0f64..=1000.0,
    ) {
        let method = GreyMethod::ALL[method];
        let (a, b) = (rgba((w * h * 4) as usize, seed), rgba((w * h * 4) as usize, !seed));
        let settings = TrackerSettings {
            method, contrast, brightness, threshold, samples, seed,
            mode: TrackerMode::Sketch,
            // Untimed pushes come one interval apart: whatever it is, each
            // is measured against the one before.
            interval,
        };
        let mut tracker = Tracker::new(settings).unwrap();
        let adjustment = Adjustment::new(contrast, brightness).unwrap();
        let plane = |pixels: &[u8]| {
            let mut grey = greyscale(Frame::new(w, h, pixels).unwrap(), method);
            adjust_plane_mut(&mut grey, &adjustment);
            grey
        };
        let (pa, pb) = (plane(&a), plane(&b));
        let first = tracker.push(Frame::new(w, h, &a).unwrap()).unwrap();
        prop_assert_eq!(first.centroid, centroid(Plane::new(w, h, &pa).unwrap()));
        prop_assert!(first.vectors.is_empty());
        let second = tracker.push(Frame::new(w, h, &b).unwrap()).unwrap();
        let (ca, cb) = (first.centroid, second.centroid);
        prop_assert_eq!(cb, centroid(Plane::new(w, h, &pb).unwrap()));
        // The tracker's generator has drawn nothing before the second push.
        let changes = frame_diff(
            Plane::new(w, h, &pa).unwrap(),
            Plane::new(w, h, &pb).unwrap(),
            threshold,
            samples,
            &mut SplitMix64::new(seed),
        )
        .unwrap();
        match (ca, cb) {
            (Some(ca), Some(cb)) => {
                let (dx, dy) = (cb.x - ca.x, cb.y - ca.y);
                prop_assert_eq!(second.vectors.len(), changes.len());
                for (v, c) in second.vectors.iter().zip(&changes) {
                    prop_assert_eq!((v.x, v.y, v.dx, v.dy), (f64::from(c.x), f64::from(c.y), dx, dy));
                }
            }
            _ => prop_assert!(second.vectors.is_empty()),
        }
    }

    /// Frames and planes are accepted exactly when the length matches and
    /// the size is non-empty and within the limits.
    #[test]
    fn checks_accept_exactly_the_well_formed(
        w in 0u32..70_000, h in 0u32..70_000, extra in -2i64..=2,
    ) {
        let limits = Limits { max_side: 20_000, max_pixels: 1 << 20, max_samples: 10 };
        let fits = w >= 1 && h >= 1 && w <= 20_000 && h <= 20_000 && u64::from(w) * u64::from(h) <= 1 << 20;
        let len = if fits { (i64::from(w) * i64::from(h) + extra).max(0) as usize } else { 3 };
        let values = vec![0u8; len];
        let accepted = Plane::with_limits(w, h, &values, &limits).is_ok();
        prop_assert_eq!(accepted, fits && extra == 0);
    }

    /// Flow never invents motion: identical frames give zero displacement
    /// for every tracked point, and every vector starts inside the frame.
    #[test]
    fn identical_frames_give_no_motion(w in 24u32..90, h in 24u32..70, seed in any::<u64>()) {
        let values = blocks(w, h, seed);
        let plane = Plane::new(w, h, &values).unwrap();
        let flow = FlowSettings::default();
        for vectors in [
            sparse_flow(plane, plane, &CornerSettings::default(), &flow).unwrap(),
            dense_flow(plane, plane, 7, &flow).unwrap(),
        ] {
            for v in vectors {
                prop_assert!(v.x >= 0.0 && v.x < f64::from(w) && v.y >= 0.0 && v.y < f64::from(h));
                if v.status == FlowStatus::Tracked {
                    prop_assert!(v.dx.abs() < 1e-3 && v.dy.abs() < 1e-3, "{:?}", v);
                    prop_assert!(v.error < 1e-3);
                } else {
                    prop_assert_eq!((v.dx, v.dy), (0.0, 0.0));
                }
            }
        }
    }

    /// Edge polylines lie inside the frame, and simplifying them again
    /// changes nothing (RDP is idempotent).
    #[test]
    fn edges_lie_inside_and_rdp_is_idempotent(
        w in 8u32..80, h in 8u32..60, seed in any::<u64>(), tolerance in 0.0f64..3.0,
    ) {
        let values = blocks(w, h, seed);
        let settings = EdgeSettings { tolerance, ..EdgeSettings::default() };
        let lines = edge_polylines(Plane::new(w, h, &values).unwrap(), &settings).unwrap();
        for line in &lines {
            for p in line {
                prop_assert!(p.x >= -0.5 && p.x <= f64::from(w) - 0.5, "{p:?}");
                prop_assert!(p.y >= -0.5 && p.y <= f64::from(h) - 0.5, "{p:?}");
            }
            let again = rdp(line, tolerance);
            prop_assert_eq!(&again, line);
        }
        let points: Vec<Point> = (0..50).map(|i| Point { x: f64::from(i), y: f64::from((i * i) % 7) }).collect();
        let once = rdp(&points, tolerance);
        prop_assert_eq!(rdp(&once, tolerance), once.clone());
        prop_assert_eq!(once.first(), points.first());
        prop_assert_eq!(once.last(), points.last());
    }
}
