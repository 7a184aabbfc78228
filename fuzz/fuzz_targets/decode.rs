//! Image decoding as the CLI does it (PNG, JPEG, GIF, WebP, animations):
//! arbitrary bytes give a typed error or frames within the limits.
#![no_main]

use ghostlines_core::{DecodeLimits, Limits, decode_frame, decode_gif_frames};
use libfuzzer_sys::fuzz_target;

// The CLI's rules, scaled down so that one input cannot take the fuzzer's
// memory: 4 Mpx a frame, 64 MiB of decoder allocations, 16 Mpx in all.
const LIMITS: DecodeLimits = DecodeLimits {
    frame: Limits {
        max_pixels: 1 << 22,
        ..Limits::DEFAULT
    },
    max_alloc: 64 << 20,
    max_frames: 256,
    max_total_pixels: 1 << 24,
};

fuzz_target!(|bytes: &[u8]| {
    let within = |width: u32, height: u32, pixels: &[u8]| {
        LIMITS.frame.check(width, height).unwrap();
        assert_eq!(
            pixels.len() as u64,
            4 * u64::from(width) * u64::from(height)
        );
    };
    match decode_frame(bytes, &[], &LIMITS) {
        Ok(frame) => within(frame.width, frame.height, &frame.pixels),
        Err(e) => assert!(["invalid-image", "too-large"].contains(&e.kind())),
    }
    match decode_gif_frames(bytes, &LIMITS) {
        Ok(frames) => {
            assert!(!frames.is_empty() && frames.len() <= LIMITS.max_frames);
            for f in &frames {
                within(f.width, f.height, &f.pixels);
            }
        }
        Err(e) => assert!(["invalid-image", "too-large"].contains(&e.kind())),
    }
});
