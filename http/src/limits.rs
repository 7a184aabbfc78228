//! What one request may ask for.

use ghostlines_core::{DecodeLimits, Limits};

/// Frame limits over HTTP: 16384 pixels a side as everywhere, but at most
/// 2^23 pixels (8.4 Mpx, a 4K UHD frame) a frame, which keeps a two-frame
/// `/motion` body at 64 MiB.
pub const FRAME_LIMITS: Limits = Limits {
    max_side: 16_384,
    max_pixels: 1 << 23,
    max_samples: 1 << 20,
};

/// The largest body accepted, raw or PNG: two RGBA frames at the pixel
/// limit.
pub const MAX_BODY_BYTES: u64 = 2 * 4 * (1 << 23);

/// PNG bodies: frames within [`FRAME_LIMITS`], and a decoder budget of one
/// RGBA frame at the pixel limit plus room for its row buffers.
pub const DECODE_LIMITS: DecodeLimits = DecodeLimits {
    frame: FRAME_LIMITS,
    max_alloc: 4 * (1 << 23) + (16 << 20),
    max_frames: 1,
    max_total_pixels: 1 << 23,
};
