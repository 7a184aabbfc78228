//! ghostlines against what the peers actually output: numpy (max-rgb),
//! OpenCV 5.0 (luma-bt601) and JavaScript's Uint8ClampedArray (adjust).
//! The fixtures and the script that made them are in tests/data/truth.

use std::fs;

use ghostlines::bindings::{Frame, GreyMethod};
use ghostlines_core as core_;

use crate::{data, instance};

fn truth(name: &str) -> Vec<u8> {
    fs::read(data("truth").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const INPUTS: [(&str, u32, u32); 2] = [("random_67x45", 67, 45), ("hubble_161x121", 161, 121)];

#[test]
fn greyscale_matches_numpy_and_opencv() {
    let mut instance = instance();
    for (stem, width, height) in INPUTS {
        let frame = Frame {
            width,
            height,
            pixels: truth(&format!("{stem}.rgba")),
        };
        for (method, core_method, peer) in [
            (GreyMethod::MaxRgb, core_::GreyMethod::MaxRgb, "max-rgb"),
            (
                GreyMethod::LumaBt601,
                core_::GreyMethod::LumaBt601,
                "luma-bt601",
            ),
        ] {
            let expected = truth(&format!("{stem}.{peer}.gray"));
            let native = core_::greyscale(
                core_::Frame::new(width, height, &frame.pixels).unwrap(),
                core_method,
            );
            assert!(native == expected, "core {stem} {peer}");
            let component = instance.greyscale(&frame, method).unwrap().unwrap();
            assert!(component.values == expected, "component {stem} {peer}");
        }
    }
}

#[test]
fn adjust_matches_javascript() {
    // adjust_truth.mjs: contrast -100..=100, brightness in this order, 256
    // output values each.
    const BRIGHTNESS: [i32; 3] = [-40, 0, 75];
    let table = truth("adjust_js.bin");
    assert_eq!(table.len(), 201 * BRIGHTNESS.len() * 256);
    // Every value 0..=255 as an RGBA frame with a marker alpha.
    let ramp: Vec<u8> = (0..=255u8).flat_map(|v| [v, v, v, 77]).collect();
    let frame = Frame {
        width: 256,
        height: 1,
        pixels: ramp.clone(),
    };
    let mut instance = instance();
    let mut ties_checked = 0;
    for (case, expected) in table.chunks_exact(256).enumerate() {
        let contrast = case as i32 / BRIGHTNESS.len() as i32 - 100;
        let brightness = BRIGHTNESS[case % BRIGHTNESS.len()];
        let adjustment = core_::Adjustment::new(contrast, brightness).unwrap();
        assert_eq!(
            &adjustment.table()[..],
            expected,
            "core, contrast {contrast}, brightness {brightness}"
        );
        let out = instance
            .adjust(&frame, contrast, brightness)
            .unwrap()
            .unwrap();
        for (v, px) in out.pixels.chunks_exact(4).enumerate() {
            assert_eq!(
                px,
                [expected[v], expected[v], expected[v], 77],
                "component, contrast {contrast}, brightness {brightness}, value {v}"
            );
        }
        if contrast == 50 && brightness == 0 {
            // The tie that f64::round gets wrong: 131 -> 132.5 -> 132.
            assert_eq!(expected[131], 132);
            ties_checked += 1;
        }
    }
    assert_eq!(ties_checked, 1);
}
