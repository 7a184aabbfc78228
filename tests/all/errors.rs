//! Bad input gets a typed error, never a trap: through the host's checks,
//! and straight at the guest's own checks (bypassing the host's).

use ghostlines::Instance;
use ghostlines::bindings::{
    Error, Frame, GreyMethod, LengthMismatch, Plane, SizeMismatch, TrackerMode, TrackerSettings,
};

use ghostlines_core as core_;

use crate::{instance, random_frame};

fn frame(width: u32, height: u32, len: usize) -> Frame {
    Frame {
        width,
        height,
        pixels: vec![7; len],
    }
}

fn plane(width: u32, height: u32, len: usize) -> Plane {
    Plane {
        width,
        height,
        values: vec![7; len],
    }
}

/// Bad frames with the error each must get: zero sides, wrong lengths
/// both ways, and sizes over every limit (with no pixels at all, which the
/// limit check must answer before it looks at the length).
fn bad_frames() -> Vec<(Frame, &'static str)> {
    vec![
        (frame(0, 5, 0), "invalid-dimensions"),
        (frame(5, 0, 0), "invalid-dimensions"),
        (frame(0, 0, 4), "invalid-dimensions"),
        (frame(3, 5, 59), "length-mismatch"),
        (frame(3, 5, 61), "length-mismatch"),
        (frame(3, 5, 15), "length-mismatch"),
        (frame(1, 1, 0), "length-mismatch"),
        (frame(16_385, 1, 0), "too-large"),
        (frame(1, 16_385, 0), "too-large"),
        (frame(8_193, 4_097, 0), "too-large"),
        (frame(u32::MAX, u32::MAX, 0), "too-large"),
    ]
}

fn kind<T: std::fmt::Debug>(result: wasmtime::Result<Result<T, Error>>) -> &'static str {
    result
        .expect("a typed error, not a trap")
        .expect_err("bad input must be refused")
        .kind()
}

/// Every typed call on one instance; afterwards the instance must still
/// answer good input correctly.
fn assert_still_works(instance: &mut Instance) {
    let good = random_frame(3, 5, 9);
    let plane = instance
        .greyscale(&good, GreyMethod::MaxRgb)
        .unwrap()
        .unwrap();
    assert_eq!(plane.values.len(), 15);
}

#[test]
fn bad_frames_through_the_host() {
    let mut instance = instance();
    for (frame, expected) in bad_frames() {
        let what = format!(
            "{}x{} with {} bytes",
            frame.width,
            frame.height,
            frame.pixels.len()
        );
        assert_eq!(
            kind(instance.greyscale(&frame, GreyMethod::MaxRgb)),
            expected,
            "greyscale {what}"
        );
        assert_eq!(
            kind(instance.adjust(&frame, 0, 0)),
            expected,
            "adjust {what}"
        );
        let settings = TrackerSettings {
            method: GreyMethod::MaxRgb,
            contrast: 0,
            brightness: 0,
            threshold: 0.1,
            samples: 10,
            seed: 0,
            mode: TrackerMode::Sketch,
            interval: 0.0,
        };
        let mut tracker = instance.tracker(&settings).unwrap().unwrap();
        assert_eq!(kind(tracker.push(&frame)), expected, "tracker push {what}");
    }
    assert_still_works(&mut instance);
}

#[test]
fn bad_frames_straight_to_the_guest() {
    let mut instance = instance();
    for (frame, expected) in bad_frames() {
        let (bindings, store) = instance.raw();
        let process = bindings.ghostlines_image_process();
        let err = process
            .call_greyscale(&mut *store, &frame, GreyMethod::LumaBt601)
            .expect("no trap")
            .expect_err("refused");
        assert_eq!(err.kind(), expected, "{}x{}", frame.width, frame.height);
        let err = process
            .call_adjust(&mut *store, &frame, 10, 10)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), expected);
    }
    // The error carries the numbers.
    let (bindings, store) = instance.raw();
    let err = bindings
        .ghostlines_image_process()
        .call_greyscale(store, &frame(3, 5, 59), GreyMethod::MaxRgb)
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err,
        Error::LengthMismatch(LengthMismatch {
            expected: 60,
            actual: 59
        })
    );
    assert_still_works(&mut instance);
}

#[test]
fn bad_planes_are_refused() {
    let mut instance = instance();
    let good = plane(3, 5, 15);
    for (bad, expected) in [
        (plane(0, 5, 0), "invalid-dimensions"),
        (plane(3, 5, 16), "length-mismatch"),
        (plane(3, 5, 60), "length-mismatch"),
        (plane(16_385, 2, 0), "too-large"),
    ] {
        assert_eq!(kind(instance.centroid(&bad)), expected);
        assert_eq!(kind(instance.adjust_plane(&bad, 0, 0)), expected);
        assert_eq!(kind(instance.frame_diff(&good, &bad, 0.1, 5, 0)), expected);
        assert_eq!(kind(instance.frame_diff(&bad, &good, 0.1, 5, 0)), expected);
        // And with the host's checks bypassed.
        let (bindings, store) = instance.raw();
        let process = bindings.ghostlines_image_process();
        let err = process
            .call_centroid(&mut *store, &bad)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), expected);
        let err = process
            .call_frame_diff(&mut *store, &good, &bad, 0.1, 5, 0)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), expected);
    }
    assert_still_works(&mut instance);
}

#[test]
fn malformed_parameters_are_invalid_parameter() {
    let mut instance = instance();
    let f = random_frame(3, 5, 1);
    let p = plane(3, 5, 15);
    for (c, b) in [
        (101, 0),
        (-101, 0),
        (0, 256),
        (0, -256),
        (i32::MAX, i32::MIN),
    ] {
        assert_eq!(kind(instance.adjust(&f, c, b)), "invalid-parameter");
        assert_eq!(kind(instance.adjust_plane(&p, c, b)), "invalid-parameter");
    }
    for t in [-0.5, 1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            kind(instance.frame_diff(&p, &p, t, 5, 0)),
            "invalid-parameter"
        );
    }
    assert_eq!(
        kind(instance.frame_diff(&p, &p, 0.5, u32::MAX, 0)),
        "invalid-parameter"
    );
    let Error::InvalidParameter(message) = instance.adjust(&f, 500, 0).unwrap().unwrap_err() else {
        panic!("expected invalid-parameter");
    };
    assert!(message.contains("contrast"), "{message}");
    assert_still_works(&mut instance);
}

#[test]
fn planes_of_different_sizes_are_a_size_mismatch() {
    let mut instance = instance();
    let err = instance
        .frame_diff(&plane(3, 5, 15), &plane(5, 3, 15), 0.1, 5, 0)
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err,
        Error::SizeMismatch(SizeMismatch {
            expected_width: 3,
            expected_height: 5,
            actual_width: 5,
            actual_height: 3,
        })
    );
}

#[test]
fn invalid_tracker_settings_are_refused() {
    let mut instance = instance();
    let good = TrackerSettings {
        method: GreyMethod::Average,
        contrast: 0,
        brightness: 0,
        threshold: 0.1,
        samples: 100,
        seed: 3,
        mode: TrackerMode::Sketch,
        interval: 200.0,
    };
    for bad in [
        TrackerSettings {
            contrast: 101,
            ..good
        },
        TrackerSettings {
            brightness: -300,
            ..good
        },
        TrackerSettings {
            threshold: f64::NAN,
            ..good
        },
        TrackerSettings {
            threshold: 2.0,
            ..good
        },
        TrackerSettings {
            samples: (1 << 20) + 1,
            ..good
        },
    ] {
        let refused = instance.tracker(&bad).unwrap().err().map(|e| e.kind());
        assert_eq!(refused, Some("invalid-parameter"), "{bad:?}");
    }
    assert!(instance.tracker(&good).unwrap().is_ok());
    assert_still_works(&mut instance);
}

/// Each error has one text, core's `Display`: the component's
/// `error-message`, the host's `Error::message` and core agree, for every
/// case, and the host's kind is core's.
#[test]
fn every_error_reads_alike_everywhere() {
    let cases = [
        core_::Error::InvalidDimensions {
            width: 0,
            height: 7,
        },
        core_::Error::LengthMismatch {
            expected: 12,
            actual: 11,
        },
        core_::Error::SizeMismatch {
            expected: (4, 3),
            actual: (3, 4),
        },
        core_::Error::TooLarge {
            width: 20_000,
            height: 2,
            limits: core_::Limits::DEFAULT,
        },
        core_::Error::InvalidParameter("threshold must be in 0..=1, got 2".into()),
    ];
    let mut instance = instance();
    for core_error in cases {
        let error = Error::from(core_error.clone());
        let text = core_error.to_string();
        assert_eq!(instance.error_message(&error).unwrap(), text);
        assert_eq!(error.message(), text);
        assert_eq!(error.kind(), core_error.kind());
        assert_eq!(core_::Error::from(error), core_error);
    }
}

/// The component's defaults are core's.
#[test]
fn the_component_states_cores_defaults() {
    let mut instance = instance();
    let settings = instance.default_tracker_settings().unwrap();
    assert_eq!(
        core_::TrackerSettings::from(settings),
        core_::TrackerSettings::default()
    );
}
