//! Every per-pixel entry point of `core` on arbitrary sizes, bytes and
//! parameters: a typed error or a well-formed answer, never a panic.
#![no_main]

use arbitrary::Arbitrary;
use ghostlines_core::{
    Adjustment, Frame, GreyMethod, Plane, SplitMix64, Tracker, TrackerSettings, adjust_plane_mut,
    adjust_rgba, centroid, frame_diff, greyscale,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    /// Sizes the pixels to the dimensions (small ones) instead of taking
    /// both as given (mostly the error paths).
    exact: bool,
    width: u32,
    height: u32,
    method: u8,
    contrast: i32,
    brightness: i32,
    threshold: f64,
    samples: u16,
    seed: u64,
    pixels: Vec<u8>,
    other: Vec<u8>,
}

const KINDS: &[&str] = &[
    "invalid-dimensions",
    "length-mismatch",
    "size-mismatch",
    "too-large",
    "invalid-parameter",
];

fuzz_target!(|input: Input| {
    let method = GreyMethod::ALL[usize::from(input.method) % GreyMethod::ALL.len()];
    let adjustment = Adjustment::new(input.contrast, input.brightness);
    let mut input = input;
    if input.exact {
        (input.width, input.height) = (input.width % 97, input.height % 67);
        input
            .pixels
            .resize((input.width * input.height * 4) as usize, 0);
    }
    let frame = match Frame::new(input.width, input.height, &input.pixels) {
        Ok(frame) => frame,
        Err(e) => {
            assert!(KINDS.contains(&e.kind()), "{e}");
            return;
        }
    };
    let n = frame.pixel_count();
    assert_eq!(n * 4, input.pixels.len());
    let grey = greyscale(frame, method);
    assert_eq!(grey.len(), n);
    let plane = Plane::new(input.width, input.height, &grey).unwrap();
    if let Some(p) = centroid(plane) {
        assert!(p.x >= 0.0 && p.x <= f64::from(input.width - 1), "{p:?}");
        assert!(p.y >= 0.0 && p.y <= f64::from(input.height - 1), "{p:?}");
    }
    if let Ok(adjustment) = &adjustment {
        assert_eq!(adjust_rgba(frame, adjustment).len(), input.pixels.len());
        let mut copy = grey.clone();
        adjust_plane_mut(&mut copy, adjustment);
    }
    // A second plane from the other bytes, the same size when they allow.
    let mut other = input.other.clone();
    other.resize(n, 0);
    let other = Plane::new(input.width, input.height, &other).unwrap();
    let mut rng = SplitMix64::new(input.seed);
    match frame_diff(
        plane,
        other,
        input.threshold,
        u32::from(input.samples),
        &mut rng,
    ) {
        Ok(changes) => {
            assert!(changes.len() <= usize::from(input.samples));
            for c in changes {
                assert!(c.x < input.width && c.y < input.height);
                assert!(f64::from(c.previous.abs_diff(c.current)) >= input.threshold * 255.0);
            }
        }
        Err(e) => assert_eq!(e.kind(), "invalid-parameter"),
    }
    let settings = TrackerSettings {
        method,
        contrast: input.contrast,
        brightness: input.brightness,
        threshold: input.threshold,
        samples: u32::from(input.samples),
        seed: input.seed,
        ..TrackerSettings::default()
    };
    if let Ok(mut tracker) = Tracker::new(settings) {
        tracker.push(frame).unwrap();
        let out = tracker.push(frame).unwrap();
        // The same frame twice: the centroid did not move.
        if let Some(motion) = out.centroid_motion {
            assert_eq!((motion.dx, motion.dy), (0.0, 0.0));
        }
    }
});
