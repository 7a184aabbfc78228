//! The `tracker` resource: known geometry, its life cycle, and parity with
//! the native tracker.

use ghostlines::bindings::{Frame, GreyMethod, TrackerMode, TrackerSettings};
use ghostlines_core as core_;

use crate::{instance, photo, random_frame};

/// A black `w x h` frame with a grey square of side `size` at (x, y).
fn square(w: u32, h: u32, x: u32, y: u32, size: u32) -> Frame {
    let mut pixels = vec![0u8; (w * h * 4) as usize];
    for (i, px) in pixels.chunks_exact_mut(4).enumerate() {
        let (px_x, px_y) = (i as u32 % w, i as u32 / w);
        let v = if (x..x + size).contains(&px_x) && (y..y + size).contains(&px_y) {
            200
        } else {
            0
        };
        px.copy_from_slice(&[v, v / 2, v / 4, 255]);
    }
    Frame {
        width: w,
        height: h,
        pixels,
    }
}

fn settings() -> TrackerSettings {
    TrackerSettings {
        method: GreyMethod::MaxRgb,
        contrast: 0,
        brightness: 0,
        threshold: 0.2,
        samples: 4000,
        seed: 42,
        mode: TrackerMode::Sketch,
        interval: 200.0,
    }
}

#[test]
fn a_moving_square_gives_exactly_its_motion() {
    let mut instance = instance();
    let mut tracker = instance.tracker(&settings()).unwrap().unwrap();

    let first = tracker
        .push(&square(160, 120, 40, 30, 20))
        .unwrap()
        .unwrap();
    let centroid = first.centroid.unwrap();
    assert_eq!((centroid.x, centroid.y), (49.5, 39.5));
    assert!(first.centroid_motion.is_none());
    assert!(first.vectors.is_empty());

    // Moved by (+7, -4).
    let second = tracker
        .push(&square(160, 120, 47, 26, 20))
        .unwrap()
        .unwrap();
    let motion = second.centroid_motion.unwrap();
    assert_eq!((motion.dx, motion.dy), (7.0, -4.0));
    assert!(!second.vectors.is_empty());
    for v in &second.vectors {
        assert_eq!((v.dx, v.dy), (7.0, -4.0));
        let (x, y) = (v.x as u32, v.y as u32);
        let in_old = (40..60).contains(&x) && (30..50).contains(&y);
        let in_new = (47..67).contains(&x) && (26..46).contains(&y);
        assert!(
            in_old != in_new,
            "a kept sample at ({x}, {y}) did not change"
        );
    }

    // Reset: the next frame is a first frame again, and may have any size.
    tracker.reset().unwrap();
    let after_reset = tracker.push(&square(80, 60, 10, 10, 10)).unwrap().unwrap();
    assert!(after_reset.centroid_motion.is_none() && after_reset.vectors.is_empty());
    let moved = tracker.push(&square(80, 60, 8, 13, 10)).unwrap().unwrap();
    let motion = moved.centroid_motion.unwrap();
    assert_eq!((motion.dx, motion.dy), (-2.0, 3.0));

    // The settings come back as given.
    let back = tracker.settings().unwrap();
    assert_eq!(back.seed, 42);
    assert_eq!(back.samples, 4000);
    tracker.close().unwrap();

    // Dropped: the instance goes on and a new tracker starts fresh.
    let mut again = instance.tracker(&settings()).unwrap().unwrap();
    let first = again.push(&square(80, 60, 0, 0, 4)).unwrap().unwrap();
    assert!(first.centroid_motion.is_none());
}

#[test]
fn a_frame_of_another_size_is_a_typed_error() {
    let mut instance = instance();
    let mut tracker = instance.tracker(&settings()).unwrap().unwrap();
    tracker.push(&square(40, 30, 5, 5, 5)).unwrap().unwrap();
    let err = tracker
        .push(&square(30, 40, 5, 5, 5))
        .unwrap()
        .expect_err("another size");
    assert_eq!(err.kind(), "size-mismatch");
    // The tracker still has its previous frame.
    let next = tracker.push(&square(40, 30, 6, 5, 5)).unwrap().unwrap();
    let motion = next.centroid_motion.unwrap();
    assert_eq!((motion.dx, motion.dy), (1.0, 0.0));
}

#[test]
fn many_trackers_are_created_and_dropped() {
    // Each tracker keeps its last frame's plane and flow pyramid in the
    // guest (over a megabyte at 512x512): 200 that were not freed would
    // grow the instance by hundreds of megabytes.
    let mut instance = instance();
    let settings = |seed| TrackerSettings {
        seed,
        mode: TrackerMode::from(core_::TrackerMode::Dense {
            step: 16,
            flow: core_::FlowSettings::default(),
        }),
        ..settings()
    };
    let frame = square(512, 512, 100, 100, 64);
    let mut after_ten = 0;
    for seed in 0..200 {
        let mut tracker = instance.tracker(&settings(seed)).unwrap().unwrap();
        let first = tracker.push(&frame).unwrap().unwrap();
        let centroid = first.centroid.unwrap();
        assert_eq!((centroid.x, centroid.y), (131.5, 131.5));
        assert_eq!(tracker.settings().unwrap().seed, seed);
        // Every other one is dropped by scope, the rest closed explicitly.
        if seed % 2 == 0 {
            tracker.close().unwrap();
        } else {
            drop(tracker);
        }
        if seed == 9 {
            after_ten = instance.memory_size();
        }
    }
    assert_eq!(instance.memory_size(), after_ten);
}

#[test]
fn component_tracker_matches_the_native_one() {
    let photo = photo();
    // The photo and a shifted copy (3 columns right), then random frames.
    let mut shifted = photo.pixels.clone();
    let row = photo.width as usize * 4;
    for line in shifted.chunks_exact_mut(row) {
        line.rotate_right(12);
    }
    let sequences = vec![
        vec![
            photo.clone(),
            Frame {
                pixels: shifted,
                ..photo.clone()
            },
            photo.clone(),
        ],
        (0..4).map(|i| random_frame(3, 5, i)).collect(),
        (0..3).map(|i| random_frame(801, 601, i)).collect(),
    ];
    let flow = core_::FlowSettings::default();
    let modes = [
        core_::TrackerMode::Sketch,
        core_::TrackerMode::Sparse {
            corners: core_::CornerSettings::default(),
            flow,
        },
        core_::TrackerMode::Dense { step: 7, flow },
        core_::TrackerMode::Field {
            step: 7,
            settings: core_::FieldSettings::ULTRAFAST,
        },
    ];
    let looks = [
        (core_::GreyMethod::MaxRgb, 0, 0, 0.1),
        (core_::GreyMethod::LumaBt601, 35, -20, 0.05),
        (core_::GreyMethod::Lightness, -60, 80, 0.0),
    ];
    for mode in modes {
        for (method, contrast, brightness, threshold) in looks {
            let settings = core_::TrackerSettings {
                method,
                contrast,
                brightness,
                threshold,
                samples: 3000,
                seed: 11,
                mode,
                interval: 200.0,
            };
            for frames in &sequences {
                let mut instance = instance();
                let mut tracker = instance
                    .tracker(&TrackerSettings::from(settings.clone()))
                    .unwrap()
                    .unwrap();
                let mut native = core_::Tracker::new(settings.clone()).unwrap();
                for (i, frame) in frames.iter().enumerate() {
                    // Refusals too (field mode's of frames smaller than a
                    // patch), by kind.
                    let got = tracker
                        .push(frame)
                        .unwrap()
                        .map(core_::TrackerOutput::from)
                        .map_err(|e| e.kind());
                    let expected = native
                        .push(core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap())
                        .map_err(|e| e.kind());
                    assert!(
                        got == expected,
                        "{} {method:?}, {}x{} frame {i}",
                        mode.name(),
                        frame.width,
                        frame.height
                    );
                    let field = tracker.field().unwrap().map(core_::FlowField::from);
                    assert!(
                        field.as_ref() == native.field(),
                        "{} frame {i}: the field",
                        mode.name()
                    );
                }
            }
        }
    }
}

#[test]
fn the_largest_frame_goes_through_every_mode() {
    // 2^25 pixels, the most a frame may have, of noise: many corner
    // candidates, so sparse flow needs the most memory (832-896 MiB
    // here). The instance's default cap must hold it: at 512 MiB the
    // guest ran out of memory and trapped.
    let (w, h) = (8192u32, 4096u32);
    let limits = crate::runtime().limits();
    assert_eq!(u64::from(w) * u64::from(h), limits.max_pixels);
    let frames = [random_frame(w, h, 1), random_frame(w, h, 2)];
    let flow = core_::FlowSettings::default();
    let modes = [
        core_::TrackerMode::Sketch,
        core_::TrackerMode::Sparse {
            corners: core_::CornerSettings::default(),
            flow,
        },
        core_::TrackerMode::Dense { step: 16, flow },
    ];
    for mode in modes {
        let settings = core_::TrackerSettings {
            mode,
            ..core_::TrackerSettings::default()
        };
        let mut instance = instance();
        let mut tracker = instance
            .tracker(&TrackerSettings::from(settings.clone()))
            .unwrap()
            .unwrap();
        tracker.push(&frames[0]).unwrap().unwrap();
        let output = tracker.push(&frames[1]).unwrap().unwrap();
        match mode {
            // One vector a grid point: 512 columns, 256 rows.
            core_::TrackerMode::Dense { .. } => assert_eq!(output.vectors.len(), 512 * 256),
            _ => assert!(!output.vectors.is_empty(), "{}", mode.name()),
        }
    }
}

/// Frames prepared in one instance and pushed in another answer as frames
/// pushed whole, in every mode, on real footage; a painter drawing them
/// draws the same bytes.
#[test]
fn frames_prepared_in_another_instance_push_as_whole_frames() {
    let footage =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/footage/box.gif");
    let mut source =
        ghostlines::video::Source::open(&[footage], None, core_::FrameRate::DEFAULT).unwrap();
    let timed: Vec<_> = std::iter::from_fn(|| source.next_frame().unwrap()).collect();
    for (mode, background) in core_::TrackerMode::all().into_iter().flat_map(|mode| {
        [
            (mode, core_::Background::Filtered),
            (mode, core_::Background::Frame),
        ]
    }) {
        // Over the frame, its pixels go to the component; else they stay out.
        let painter = core_::PainterSettings {
            persistence: 0.8,
            shape: core_::LineShape::Path,
            background,
            ..Default::default()
        };
        let settings: TrackerSettings = core_::TrackerSettings {
            mode,
            ..Default::default()
        }
        .into();
        let (mut whole, mut preparer, mut finisher) = (instance(), instance(), instance());
        let mut whole = whole.renderer(&settings, &painter.into()).unwrap().unwrap();
        let mut finisher = finisher
            .renderer(&settings, &painter.into())
            .unwrap()
            .unwrap();
        let mut vectors = 0;
        for (k, ghostlines::video::TimedFrame { frame, time }) in timed.iter().enumerate() {
            let time = *time;
            let expected = whole.push(frame, Some(time)).unwrap().unwrap();
            let prepared = preparer.prepare(frame, &settings).unwrap().unwrap();
            let got = finisher
                .push_prepared(frame, &prepared, time)
                .unwrap()
                .unwrap();
            assert_eq!(got.output, expected.output, "{mode} frame {k}");
            assert!(
                got.frame == expected.frame,
                "{mode} frame {k}: another picture"
            );
            vectors += got.output.vectors.len();
        }
        assert!(vectors > 0, "{mode}: no vectors to compare");
    }
}

/// A prepared frame is checked where it is pushed: the tracker's settings,
/// its plane's length, and its frame's size.
#[test]
fn a_prepared_frame_that_does_not_fit_is_a_typed_error() {
    let mut instance = instance();
    let frame = square(64, 48, 10, 10, 8);
    let prepared = instance.prepare(&frame, &settings()).unwrap().unwrap();
    let other = TrackerSettings {
        contrast: 20,
        ..settings()
    };
    let foreign = instance.prepare(&frame, &other).unwrap().unwrap();
    let mut cut = prepared.clone();
    cut.filtered.values.pop();
    let bad = TrackerSettings {
        samples: u32::MAX,
        ..settings()
    };
    let refused = instance.prepare(&frame, &bad).unwrap().unwrap_err();
    assert_eq!(refused.kind(), "invalid-parameter");
    {
        let mut tracker = instance.tracker(&settings()).unwrap().unwrap();
        let refused = tracker.push_prepared(&foreign, 0.0).unwrap().unwrap_err();
        assert_eq!(refused.kind(), "invalid-parameter");
        let refused = tracker.push_prepared(&cut, 0.0).unwrap().unwrap_err();
        assert_eq!(refused.kind(), "length-mismatch");
        tracker.push_prepared(&prepared, 0.0).unwrap().unwrap();
    }
    let painter = ghostlines::bindings::PainterSettings::from(core_::PainterSettings::default());
    let mut renderer = instance.renderer(&settings(), &painter).unwrap().unwrap();
    let small = square(32, 48, 10, 10, 8);
    let refused = renderer
        .push_prepared(&small, &prepared, 0.0)
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.kind(), "size-mismatch");
    // The refusals left the renderer as it was: the frame goes through.
    renderer
        .push_prepared(&frame, &prepared, 0.0)
        .unwrap()
        .unwrap();
}
