//! The stream routes' framing: frames split at arbitrary chunk boundaries
//! come out exactly as from one big chunk, with the same end (a whole
//! stream, a cut frame, or too many frames).
#![no_main]

use arbitrary::Arbitrary;
use ghostlines_http::fuzzing::frames_of;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    frame_bytes: u8,
    max_frames: u8,
    data: Vec<u8>,
    splits: Vec<u16>,
}

/// The frames and the end of `chunks`, the end as (status, kind).
fn run(frame_bytes: usize, max_frames: u64, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, Result<(), (u16, &'static str)>) {
    let (frames, end) = frames_of(chunks, frame_bytes, max_frames);
    (frames, end.map_err(|e| (e.status, e.kind)))
}

fuzz_target!(|input: Input| {
    let frame_bytes = usize::from(input.frame_bytes.max(1));
    let max_frames = u64::from(input.max_frames.max(1));
    let whole = run(frame_bytes, max_frames, &[&input.data]);
    let mut chunks = Vec::new();
    let mut rest = &input.data[..];
    for &split in &input.splits {
        let (now, later) = rest.split_at(usize::from(split).min(rest.len()));
        chunks.push(now);
        rest = later;
    }
    chunks.push(rest);
    let split = run(frame_bytes, max_frames, &chunks);
    assert_eq!(split, whole);
    // Every frame is whole, and the ends say what happened.
    assert!(whole.0.iter().all(|f| f.len() == frame_bytes));
    match whole.1 {
        Ok(()) => assert_eq!(input.data.len(), whole.0.len() * frame_bytes),
        Err((400, "length-mismatch")) => assert!(input.data.len() % frame_bytes != 0),
        Err((413, "too-large")) => assert!(input.data.len() > max_frames as usize * frame_bytes),
        Err(other) => panic!("{other:?}"),
    }
});
