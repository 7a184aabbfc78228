//! Byte-for-byte parity of every operation between the component and
//! native `core`.

use ghostlines::Frame;
use ghostlines::bindings::GreyMethod;
use ghostlines_core as core_;

use crate::{instance, parity_frames, photo, plane_of};

#[test]
fn greyscale_matches_core_for_every_method() {
    let mut instance = instance();
    for (name, frame) in parity_frames() {
        let view = core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap();
        for method in core_::GreyMethod::ALL {
            let plane = instance
                .greyscale(&frame, GreyMethod::from(method))
                .unwrap()
                .unwrap();
            assert_eq!((plane.width, plane.height), (frame.width, frame.height));
            assert!(
                plane.values == core_::greyscale(view, method),
                "{name}, {}",
                method.name()
            );
        }
    }
}

#[test]
fn greyscale_matches_core_on_every_colour() {
    // All 2^24 colours in one 4096x4096 frame (alpha varying too): the
    // component's SIMD kernels are not the ones native code runs.
    let pixels = (0..1u32 << 24)
        .flat_map(|c| {
            let [r, g, b, _] = c.to_le_bytes();
            [r, g, b, (c >> 5) as u8]
        })
        .collect();
    let frame = Frame {
        width: 4096,
        height: 4096,
        pixels,
    };
    let view = core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap();
    let mut instance = instance();
    for method in core_::GreyMethod::ALL {
        let plane = instance
            .greyscale(&frame, GreyMethod::from(method))
            .unwrap()
            .unwrap();
        assert!(
            plane.values == core_::greyscale(view, method),
            "{}",
            method.name()
        );
    }
}

#[test]
fn adjust_matches_core() {
    let mut instance = instance();
    // Pixel (x, y) of this one is [x, y, y, x]: R and G, and B and A, take
    // every pair of values (the component looks values up in pairs from
    // 128x128 pixels on, native code one at a time).
    let every_pair = Frame {
        width: 256,
        height: 256,
        pixels: (0..1 << 16)
            .flat_map(|i: u32| [i % 256, i / 256, i / 256, i % 256].map(|v| v as u8))
            .collect(),
    };
    let frames = parity_frames()
        .into_iter()
        .chain([("every pair".into(), every_pair)]);
    for (name, frame) in frames {
        let view = core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap();
        for (c, b) in [
            (0, 0),
            (50, 0),
            (-37, 90),
            (100, -255),
            (-100, 255),
            (13, -7),
        ] {
            let adjusted = instance.adjust(&frame, c, b).unwrap().unwrap();
            let expected = core_::adjust_rgba(view, &core_::Adjustment::new(c, b).unwrap());
            assert!(
                adjusted.pixels == expected,
                "{name}, contrast {c}, brightness {b}"
            );
            // adjust-plane agrees with core on the same bytes as a plane.
            let plane = plane_of(&frame, frame.pixels[..frame.pixels.len() / 4].to_vec());
            let mut expected = plane.values.clone();
            core_::adjust_plane_mut(&mut expected, &core_::Adjustment::new(c, b).unwrap());
            assert_eq!(
                instance.adjust_plane(&plane, c, b).unwrap().unwrap().values,
                expected
            );
        }
    }
}

#[test]
fn centroid_matches_core() {
    let mut instance = instance();
    for (name, frame) in parity_frames() {
        let view = core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap();
        let grey = core_::greyscale(view, core_::GreyMethod::LumaBt601);
        let expected =
            core_::centroid(core_::Plane::new(frame.width, frame.height, &grey).unwrap());
        let got = instance.centroid(&plane_of(&frame, grey)).unwrap().unwrap();
        assert_eq!(
            got.map(|p| (p.x, p.y)),
            expected.map(|p| (p.x, p.y)),
            "{name}"
        );
    }
    // All black: none.
    let black = plane_of(&photo(), vec![0; 1000 * 872]);
    assert_eq!(instance.centroid(&black).unwrap().unwrap(), None);
    // All white: the largest sums each block of 256 columns can have (the
    // component's SIMD lanes must not overflow), and the exact centre.
    let white = plane_of(&photo(), vec![255; 1000 * 872]);
    let centre = instance.centroid(&white).unwrap().unwrap().unwrap();
    assert_eq!((centre.x, centre.y), (499.5, 435.5));
}

#[test]
fn frame_diff_matches_core() {
    let mut instance = instance();
    for (name, frame) in parity_frames() {
        let mut other = frame.pixels.clone();
        other.reverse();
        let before = core_::greyscale(
            core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap(),
            core_::GreyMethod::MaxRgb,
        );
        let after = core_::greyscale(
            core_::Frame::new(frame.width, frame.height, &other).unwrap(),
            core_::GreyMethod::MaxRgb,
        );
        for (threshold, samples, seed) in [(0.0, 10, 1), (0.1, 2000, 7), (0.9, 5000, u64::MAX)] {
            let expected = core_::frame_diff(
                core_::Plane::new(frame.width, frame.height, &before).unwrap(),
                core_::Plane::new(frame.width, frame.height, &after).unwrap(),
                threshold,
                samples,
                &mut core_::SplitMix64::new(seed),
            )
            .unwrap();
            let got = instance
                .frame_diff(
                    &plane_of(&frame, before.clone()),
                    &plane_of(&frame, after.clone()),
                    threshold,
                    samples,
                    seed,
                )
                .unwrap()
                .unwrap();
            let got: Vec<_> = got
                .iter()
                .map(|c| (c.x, c.y, c.previous, c.current))
                .collect();
            let expected: Vec<_> = expected
                .iter()
                .map(|c| (c.x, c.y, c.previous, c.current))
                .collect();
            assert_eq!(got, expected, "{name}, threshold {threshold}");
            if threshold == 0.0 {
                assert_eq!(got.len(), samples as usize);
            }
        }
    }
}

#[test]
fn limits_are_the_documented_defaults() {
    let limits = instance().component_limits().unwrap();
    assert_eq!(
        (limits.max_side, limits.max_pixels, limits.max_samples),
        (16_384, 1 << 25, 1 << 20)
    );
}
