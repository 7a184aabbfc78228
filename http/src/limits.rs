//! What one request may ask for, and how fast its body must come.

use std::time::Duration;

use ghostlines_core::{
    BODY_TIMEOUT, DecodeLimits, LimitVariable as Variable, Limits, StreamLimits,
};

/// The limits of one request: frame size, body size and deadlines, what a
/// stream may carry, and what a PNG body may cost to decode. The host may
/// change the defaults through the environment it gives the component
/// (`ghostlines serve`'s flags, `wasmtime serve --env`, spin.toml's
/// `environment`), never past [`Limits::DEFAULT`], core's ceiling. The
/// component enforces the deadlines itself, waiting on the body and a
/// clock together, so that they hold under every host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Frame width, height and pixels.
    pub frame: Limits,
    /// The largest body accepted, raw or PNG (streams are bounded by
    /// `stream` instead: their frames are never held together).
    pub max_body_bytes: u64,
    /// A whole body (single-frame and pair routes) must arrive within
    /// this.
    pub body_timeout: Duration,
    /// What bounds a stream.
    pub stream: StreamLimits,
}

impl RequestLimits {
    /// [`Limits::HTTP`], bodies of two RGBA frames at its pixel limit
    /// (64 MiB) within [`BODY_TIMEOUT`], and core's stream limits.
    pub const DEFAULT: RequestLimits = RequestLimits {
        frame: Limits::HTTP,
        max_body_bytes: Limits::HTTP.two_frame_bytes(),
        body_timeout: BODY_TIMEOUT,
        stream: StreamLimits::DEFAULT,
    };

    /// The defaults, with each [`Variable`] the host set applied when it
    /// parses (`0` for the stream's duration: none).
    pub fn from_env() -> RequestLimits {
        RequestLimits::from_vars(|name| std::env::var(name).ok())
    }

    /// [`RequestLimits::from_env`] over any source of variables.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> RequestLimits {
        let mut limits = RequestLimits::DEFAULT;
        for variable in Variable::ALL {
            let Some(value) = var(variable.name()).and_then(|v| v.trim().parse::<u64>().ok())
            else {
                continue;
            };
            let millis = Duration::from_millis(value);
            match variable {
                Variable::MaxSide => {
                    limits.frame.max_side = u32::try_from(value).unwrap_or(u32::MAX)
                }
                Variable::MaxPixels => limits.frame.max_pixels = value,
                Variable::MaxBodyBytes => limits.max_body_bytes = value,
                Variable::BodyTimeout => limits.body_timeout = millis,
                Variable::MaxStreamFrames => limits.stream.max_frames = value,
                Variable::StreamIdleTimeout => limits.stream.frame_wait = millis,
                Variable::MaxStreamDuration => {
                    limits.stream.max_duration = (value > 0).then_some(millis)
                }
            }
        }
        limits.frame = limits.frame.within(&Limits::DEFAULT);
        limits
    }

    /// The value of `variable` in these limits, as `GET /` shows it (`null`
    /// for no stream duration limit).
    pub fn value(&self, variable: Variable) -> Option<u64> {
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        match variable {
            Variable::MaxSide => Some(u64::from(self.frame.max_side)),
            Variable::MaxPixels => Some(self.frame.max_pixels),
            Variable::MaxBodyBytes => Some(self.max_body_bytes),
            Variable::BodyTimeout => Some(millis(self.body_timeout)),
            Variable::MaxStreamFrames => Some(self.stream.max_frames),
            Variable::StreamIdleTimeout => Some(millis(self.stream.frame_wait)),
            Variable::MaxStreamDuration => self.stream.max_duration.map(millis),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hosts_variables_set_the_limits_within_cores_ceiling() {
        let vars = [
            ("GHOSTLINES_MAX_SIDE", "99999999999"),
            ("GHOSTLINES_MAX_PIXELS", "1000"),
            ("GHOSTLINES_BODY_TIMEOUT_MS", "1500"),
            ("GHOSTLINES_STREAM_IDLE_TIMEOUT_MS", " 250 "),
            ("GHOSTLINES_MAX_STREAM_DURATION_MS", "60000"),
            ("GHOSTLINES_MAX_STREAM_FRAMES", "nope"),
        ];
        let limits = RequestLimits::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        });
        assert_eq!(limits.frame.max_side, Limits::DEFAULT.max_side);
        assert_eq!(limits.frame.max_pixels, 1000);
        assert_eq!(limits.body_timeout, Duration::from_millis(1500));
        assert_eq!(limits.stream.frame_wait, Duration::from_millis(250));
        assert_eq!(limits.stream.max_duration, Some(Duration::from_secs(60)));
        // Unparsable: the default stays.
        assert_eq!(limits.stream.max_frames, StreamLimits::DEFAULT.max_frames);
        assert_eq!(limits.value(Variable::MaxStreamDuration), Some(60_000));
        let zero = RequestLimits::from_vars(|name| {
            (name == "GHOSTLINES_MAX_STREAM_DURATION_MS").then(|| "0".into())
        });
        assert_eq!(zero.stream.max_duration, None);
        assert_eq!(zero.value(Variable::MaxStreamDuration), None);
    }
}
