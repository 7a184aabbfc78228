//! The HTTP component's request handling, natively: query parsing for every
//! route, content-type negotiation, body framing chunk by chunk, and PNG
//! bodies. Every refusal is a 4xx; an accepted body keeps the length rules.
#![no_main]

use arbitrary::Arbitrary;
use ghostlines_http::fuzzing::{
    BodyKind, Framing, RequestLimits, decode_png, judge_query, media_kind,
};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "/greyscale",
    "/adjust",
    "/centroid",
    "/edges",
    "/motion",
    "/render",
    "/nope",
];

#[derive(Debug, Arbitrary)]
struct Input {
    path: u8,
    query: String,
    content_type: Option<String>,
    png_allowed: bool,
    content_length: Option<String>,
    expected: Option<u32>,
    chunks: Vec<Vec<u8>>,
}

fuzz_target!(|input: Input| {
    let path = PATHS[usize::from(input.path) % PATHS.len()];
    let limits = RequestLimits::DEFAULT;
    let max_body = limits.max_body_bytes;
    if let Err(e) = judge_query(path, &input.query, &limits) {
        assert!((400..500).contains(&e.status), "{e:?}");
    }
    let kind = match media_kind(input.content_type.as_deref(), input.png_allowed) {
        Ok(kind) => kind,
        Err(e) => {
            assert_eq!(e.status, 415);
            return;
        }
    };
    let expected = input.expected.map(u64::from);
    let mut framing = match Framing::new(expected, input.content_length.as_deref(), max_body) {
        Ok(framing) => framing,
        Err(e) => {
            assert!(matches!(e.status, 400 | 413), "{e:?}");
            return;
        }
    };
    let mut pushed = 0u64;
    for chunk in &input.chunks {
        match framing.push(chunk) {
            Ok(()) => pushed += chunk.len() as u64,
            Err(e) => {
                assert!(matches!(e.status, 400 | 413), "{e:?}");
                assert!(
                    pushed + chunk.len() as u64
                        > expected.unwrap_or(max_body).min(max_body)
                );
                return;
            }
        }
    }
    let body = match framing.finish() {
        Ok(body) => body,
        Err(e) => {
            assert_eq!(e.status, 400);
            return;
        }
    };
    assert_eq!(body.len() as u64, pushed);
    if let Some(expected) = expected {
        assert_eq!(body.len() as u64, expected);
    }
    if kind == BodyKind::Png {
        match decode_png(&body, &limits.decode()) {
            Ok((width, height, pixels)) => {
                limits.frame.check(width, height).unwrap();
                assert_eq!(
                    pixels.len() as u64,
                    4 * u64::from(width) * u64::from(height)
                );
            }
            Err(e) => assert!(matches!(e.status, 400 | 413), "{e:?}"),
        }
    }
});
