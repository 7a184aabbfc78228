//! YUV4MPEG2 streams as the CLI reads them (`ghostlines render -`): any
//! bytes give whole RGBA frames of the header's size, or a typed error
//! that says where, never a panic; what a frame costs is bounded by the
//! bytes that came.
#![no_main]

use ghostlines_core::{Limits, Y4mError, Y4mReader};
use libfuzzer_sys::fuzz_target;

// The CLI's rules, scaled down so that one input cannot take the fuzzer's
// memory: 1 Mpx a frame.
const LIMITS: Limits = Limits {
    max_pixels: 1 << 20,
    ..Limits::DEFAULT
};

fuzz_target!(|bytes: &[u8]| {
    let mut frames = match Y4mReader::new(bytes, &LIMITS) {
        Ok(frames) => frames,
        Err(Y4mError::Header { offset, .. }) => {
            assert!(offset as usize <= bytes.len().max(ghostlines_core::Y4M_MAX_LINE));
            return;
        }
        Err(Y4mError::Size(e)) => {
            assert!(["invalid-dimensions", "too-large"].contains(&e.kind()));
            return;
        }
        Err(other) => panic!("a header can only be refused as a header or a size: {other}"),
    };
    let header = frames.header();
    LIMITS.check(header.width, header.height).unwrap();
    let rgba_bytes = 4 * header.width as usize * header.height as usize;
    // Each frame takes its line (6 bytes at least) and its planes.
    let least = 6 + header.frame_bytes() as usize;
    let mut rgba = Vec::new();
    let mut whole = 0usize;
    loop {
        match frames.next_into(&mut rgba) {
            Ok(true) => {
                whole += 1;
                assert_eq!(rgba.len(), rgba_bytes);
                assert!(whole * least <= bytes.len());
            }
            Ok(false) => break,
            Err(Y4mError::Truncated(cut)) => {
                assert_eq!(cut.done as usize, whole);
                assert!(cut.got < cut.want);
                break;
            }
            Err(Y4mError::Frame { frame, offset, .. }) => {
                assert_eq!(frame as usize, whole);
                assert!((offset as usize) < bytes.len());
                break;
            }
            Err(other) => panic!("frame {whole}: {other}"),
        }
    }
    assert_eq!(frames.frames_read() as usize, whole);
});
