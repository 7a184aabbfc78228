//! The `painter` resource: byte parity with `core`'s painter on every
//! parity frame and every setting that changes a pixel, `track-and-paint`
//! against core's tracker and painter, and typed errors.

use ghostlines::bindings::{PainterSettings, TrackerSettings, Vector};
use ghostlines_core as core_;

use crate::{instance, parity_frames, random_frame};

/// Vectors over a `w x h` frame: random positions and motions, some lost,
/// some far outside.
fn vectors(w: u32, h: u32, seed: u64) -> Vec<core_::Vector> {
    let mut rng = core_::SplitMix64::new(seed);
    let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut out: Vec<_> = (0..300)
        .map(|_| {
            let mut v = core_::Vector::sketch(
                unit() * f64::from(w),
                unit() * f64::from(h),
                (unit() - 0.5) * 12.0,
                (unit() - 0.5) * 12.0,
            );
            if unit() < 0.2 {
                v.status = Some(if unit() < 0.5 {
                    core_::FlowStatus::Lost
                } else {
                    core_::FlowStatus::Tracked
                });
            }
            v
        })
        .collect();
    out.push(core_::Vector::sketch(-1e6, 3.0, 2.0, 2.0));
    out
}

fn settings_to_try() -> Vec<core_::PainterSettings> {
    let d = core_::PainterSettings::default();
    vec![
        d,
        core_::PainterSettings {
            background: core_::Background::Frame,
            width: 2.5,
            colour: core_::Rgba {
                r: 20,
                g: 240,
                b: 90,
                a: 160,
            },
            ..d
        },
        core_::PainterSettings {
            background: core_::Background::Black,
            width: 0.6,
            scale: 3.0,
            persistence: 0.8,
            colouring: core_::Colouring::Direction,
            ..d
        },
        core_::PainterSettings {
            dim: 0.3,
            persistence: 1.0,
            colouring: core_::Colouring::Speed { max: 5.0 },
            shape: core_::LineShape::Path,
            ..d
        },
    ]
}

#[test]
fn the_component_paints_what_core_paints() {
    let mut instance = instance();
    for (name, frame) in parity_frames() {
        let view = core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap();
        let plane = core_::greyscale(view, core_::GreyMethod::MaxRgb);
        let filtered = crate::plane_of(&frame, plane.clone());
        let core_plane = core_::Plane::new(frame.width, frame.height, &plane).unwrap();
        let polylines = vec![vec![
            core_::Point { x: 0.0, y: 0.0 },
            core_::Point {
                x: f64::from(frame.width) / 2.0,
                y: f64::from(frame.height) - 0.5,
            },
            core_::Point {
                x: f64::from(frame.width) - 1.0,
                y: 0.25,
            },
        ]];
        let wit_polylines: Vec<Vec<_>> = polylines
            .iter()
            .map(|l| l.iter().map(|&p| p.into()).collect())
            .collect();
        for settings in settings_to_try() {
            let mut native = core_::Painter::new(settings).unwrap();
            let mut painter = instance
                .painter(&PainterSettings::from(settings))
                .unwrap()
                .unwrap();
            // Three frames, so that the trails are compared too.
            for k in 0..3 {
                let v = vectors(frame.width, frame.height, k);
                let wit: Vec<Vector> = v.iter().map(|&v| v.into()).collect();
                let got = painter
                    .paint(&frame, Some(&filtered), &wit, &wit_polylines)
                    .unwrap()
                    .unwrap();
                let strokes = core_::Strokes {
                    vectors: &v,
                    paths: &[],
                    polylines: &polylines,
                };
                let want = native.paint(view, Some(core_plane), &strokes).unwrap();
                assert_eq!((got.width, got.height), (frame.width, frame.height));
                assert!(got.pixels == want, "{name}, {settings:?}, frame {k}");
            }
        }
    }
}

/// `paint-packed` draws what `paint` draws from the same vectors as
/// records (its vectors have no status: the lost ones are left out, as a
/// caller packing them would), frame after frame, trails included; a
/// length not a multiple of four is `invalid-parameter`.
#[test]
fn packed_vectors_paint_the_same_bytes_as_records() {
    let frame = random_frame(97, 61, 5);
    let (mut records, mut packed) = (instance(), instance());
    for settings in settings_to_try() {
        let settings = PainterSettings::from(settings);
        let mut by_records = records.painter(&settings).unwrap().unwrap();
        let mut by_packed = packed.painter(&settings).unwrap().unwrap();
        for k in 0..3 {
            let drawn: Vec<core_::Vector> = vectors(frame.width, frame.height, 10 + k)
                .into_iter()
                .filter(|v| v.status != Some(core_::FlowStatus::Lost))
                .map(|v| core_::Vector::sketch(v.x, v.y, v.dx, v.dy))
                .collect();
            let wit: Vec<Vector> = drawn.iter().map(|&v| v.into()).collect();
            let flat: Vec<f64> = drawn.iter().flat_map(|v| [v.x, v.y, v.dx, v.dy]).collect();
            let want = by_records.paint(&frame, None, &wit, &[]).unwrap();
            let got = by_packed.paint_packed(&frame, None, &flat, &[]).unwrap();
            match (got, want) {
                (Ok(got), Ok(want)) => {
                    assert!(got.pixels == want.pixels, "{settings:?}, frame {k}")
                }
                // The filtered background without its plane: refused alike.
                (Err(got), Err(want)) => assert_eq!(got.kind(), want.kind()),
                (got, want) => panic!("{settings:?}: {got:?} against {want:?}"),
            }
        }
        let err = by_packed
            .paint_packed(&frame, None, &[1.0, 2.0, 3.0, 4.0, 5.0], &[])
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), "invalid-parameter");
        assert!(err.to_string().contains("got 5 values"), "{err}");
    }
}

#[test]
fn track_and_paint_is_cores_tracker_then_painter() {
    let frames: Vec<_> = (0..4).map(|i| random_frame(161, 121, 40 + i)).collect();
    let mut instance = instance();
    for mode in core_::TrackerMode::all() {
        let tracker_settings = core_::TrackerSettings {
            mode,
            contrast: 50,
            brightness: 50,
            ..core_::TrackerSettings::default()
        };
        for painter_settings in settings_to_try() {
            let mut native_tracker = core_::Tracker::new(tracker_settings.clone()).unwrap();
            let mut native_painter = core_::Painter::new(painter_settings).unwrap();
            let mut renderer = instance
                .renderer(
                    &TrackerSettings::from(tracker_settings.clone()),
                    &PainterSettings::from(painter_settings),
                )
                .unwrap()
                .unwrap();
            for (k, frame) in frames.iter().enumerate() {
                let view = core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap();
                let painted = renderer.push(frame, None).unwrap().unwrap();
                let mut drawn = Vec::new();
                let output = core_::track_and_paint_into(
                    &mut native_tracker,
                    &mut native_painter,
                    view,
                    None,
                    &mut drawn,
                )
                .unwrap();
                assert!(
                    core_::TrackerOutput::from(painted.output) == output,
                    "{mode}, frame {k}"
                );
                assert!(
                    painted.frame.pixels == drawn,
                    "{mode}, {painter_settings:?}, frame {k}"
                );
            }
        }
    }
}

#[test]
fn painter_errors_are_typed_and_leave_it_as_it_was() {
    let mut instance = instance();
    let bad = core_::PainterSettings {
        persistence: 2.0,
        ..core_::PainterSettings::default()
    };
    let err = instance
        .painter(&PainterSettings::from(bad))
        .unwrap()
        .err()
        .unwrap();
    assert_eq!(err.kind(), "invalid-parameter");
    let frame = random_frame(8, 6, 1);
    let mut painter = instance
        .painter(&PainterSettings::from(core_::PainterSettings::default()))
        .unwrap()
        .unwrap();
    // The filtered background without the plane.
    let err = painter.paint(&frame, None, &[], &[]).unwrap().unwrap_err();
    assert_eq!(err.kind(), "invalid-parameter");
    // A wrong length, checked by the host before the copy.
    let mut short = frame.clone();
    short.pixels.pop();
    let err = painter.paint(&short, None, &[], &[]).unwrap().unwrap_err();
    assert_eq!(err.kind(), "length-mismatch");
    // Straight at the guest, past the host's check: the guest's own.
    drop(painter);
    let (bindings, store) = instance.raw();
    let painting = bindings.ghostlines_image_painting();
    let handle = painting
        .painter()
        .call_create(
            &mut *store,
            PainterSettings::from(core_::PainterSettings {
                background: core_::Background::Black,
                ..core_::PainterSettings::default()
            }),
        )
        .unwrap()
        .unwrap();
    let err = painting
        .painter()
        .call_paint(&mut *store, handle, &short, None, &[], &[])
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), "length-mismatch");
    // A frame of another size after the first: size-mismatch, and the
    // trail is kept.
    painting
        .painter()
        .call_paint(&mut *store, handle, &frame, None, &[], &[])
        .unwrap()
        .unwrap();
    let other = random_frame(6, 8, 2);
    let err = painting
        .painter()
        .call_paint(&mut *store, handle, &other, None, &[], &[])
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), "size-mismatch");
    handle.resource_drop(&mut *store).unwrap();
    // And the instance still answers.
    let defaults = instance.painter_defaults().unwrap();
    assert_eq!(
        core_::PainterSettings::from(defaults),
        core_::PainterSettings::default()
    );
    assert_eq!(
        instance.default_speed_max().unwrap(),
        core_::Colouring::SPEED_MAX
    );
}
