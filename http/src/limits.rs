//! What one request may ask for.

use ghostlines_core::{DecodeLimits, Limits};

/// The limits of one request: frame size, body size, and what a PNG body
/// may cost to decode. The host may change the defaults through the
/// environment it gives the component (`ghostlines serve --max-side`,
/// `--max-pixels`, `--max-body-bytes`), never past [`Limits::DEFAULT`],
/// core's ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Frame width, height and pixels.
    pub frame: Limits,
    /// The largest body accepted, raw or PNG (the stream routes count
    /// frames instead).
    pub max_body_bytes: u64,
    /// The most frames one stream request may carry.
    pub max_stream_frames: u64,
}

impl RequestLimits {
    /// [`Limits::HTTP`], and bodies of two RGBA frames at its pixel limit
    /// (64 MiB).
    pub const DEFAULT: RequestLimits = RequestLimits {
        frame: Limits::HTTP,
        max_body_bytes: Limits::HTTP.two_frame_bytes(),
        max_stream_frames: 100_000,
    };

    /// The environment variables the host sets these limits with (any
    /// other `GHOSTLINES_*` variable states a limit of the host's own).
    pub const VARIABLES: [&str; 4] = [
        "GHOSTLINES_MAX_SIDE",
        "GHOSTLINES_MAX_PIXELS",
        "GHOSTLINES_MAX_BODY_BYTES",
        "GHOSTLINES_MAX_STREAM_FRAMES",
    ];

    /// The defaults, with [`RequestLimits::VARIABLES`] from the host
    /// applied when they parse.
    pub fn from_env() -> RequestLimits {
        let var = |name: &str| std::env::var(name).ok()?.parse::<u64>().ok();
        let mut limits = RequestLimits::DEFAULT;
        let [side, pixels, body, frames] = RequestLimits::VARIABLES;
        if let Some(side) = var(side) {
            limits.frame.max_side = u32::try_from(side).unwrap_or(u32::MAX);
        }
        if let Some(pixels) = var(pixels) {
            limits.frame.max_pixels = pixels;
        }
        if let Some(bytes) = var(body) {
            limits.max_body_bytes = bytes;
        }
        if let Some(count) = var(frames) {
            limits.max_stream_frames = count;
        }
        limits.frame = limits.frame.within(&Limits::DEFAULT);
        limits
    }

    /// PNG bodies: frames within the frame limits, and a decoding budget
    /// for a frame at the pixel limit in the widest PNG layout (16-bit
    /// RGBA, 8 bytes a pixel) with its RGBA8 copy (4), plus room for the
    /// decoder's row buffers.
    pub fn decode(&self) -> DecodeLimits {
        DecodeLimits {
            frame: self.frame,
            max_alloc: 12 * self.frame.max_pixels + (16 << 20),
            max_frames: 1,
            max_total_pixels: self.frame.max_pixels,
        }
    }
}
