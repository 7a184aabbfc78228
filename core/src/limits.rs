//! The size limits every entry point enforces before it allocates.

/// Size limits, checked before anything is allocated.
///
/// ```
/// use ghostlines_core::Limits;
/// let limits = Limits::default();
/// assert_eq!((limits.max_side, limits.max_pixels), (16_384, 1 << 25));
/// assert!(limits.check(800, 600).is_ok());
/// assert!(limits.check(16_385, 1).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest width and largest height, in pixels.
    pub max_side: u32,
    /// Largest `width * height`.
    pub max_pixels: u64,
    /// Largest sample count of a frame difference (each kept sample costs
    /// memory in the output).
    pub max_samples: u32,
}

impl Limits {
    /// 16384 pixels a side, 2^25 pixels a frame, 2^20 samples.
    pub const DEFAULT: Limits = Limits {
        max_side: 16_384,
        max_pixels: 1 << 25,
        max_samples: 1 << 20,
    };

    /// Over HTTP: 16384 pixels a side as everywhere, but at most 2^23
    /// pixels (8.4 Mpx, a 4K UHD frame) a frame, which keeps a two-frame
    /// body at 64 MiB.
    pub const HTTP: Limits = Limits {
        max_side: 16_384,
        max_pixels: 1 << 23,
        max_samples: 1 << 20,
    };

    /// Bytes of two RGBA frames at the pixel limit: the default body limit
    /// over HTTP (`/motion` takes two frames).
    pub const fn two_frame_bytes(&self) -> u64 {
        self.max_pixels.saturating_mul(2 * 4)
    }

    /// These limits, each no larger than `ceiling`'s.
    pub fn within(&self, ceiling: &Limits) -> Limits {
        Limits {
            max_side: self.max_side.min(ceiling.max_side),
            max_pixels: self.max_pixels.min(ceiling.max_pixels),
            max_samples: self.max_samples.min(ceiling.max_samples),
        }
    }
}

/// A limit of the HTTP component that its host may set, by the environment
/// variable that carries it (`ghostlines serve` writes them, `wasmtime
/// serve --env` and spin.toml's `environment` may): the names, said once for
/// the component that reads them and the host that writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitVariable {
    /// [`Limits::max_side`], pixels.
    MaxSide,
    /// [`Limits::max_pixels`].
    MaxPixels,
    /// The largest request body, bytes.
    MaxBodyBytes,
    /// A whole body's deadline, ms.
    BodyTimeout,
    /// [`StreamLimits::max_frames`](crate::StreamLimits::max_frames).
    MaxStreamFrames,
    /// [`StreamLimits::frame_wait`](crate::StreamLimits::frame_wait), ms.
    StreamIdleTimeout,
    /// [`StreamLimits::max_duration`](crate::StreamLimits::max_duration), ms; 0 for none.
    MaxStreamDuration,
}

impl LimitVariable {
    /// Every variable, in the order `GET /` lists them.
    pub const ALL: [LimitVariable; 7] = [
        LimitVariable::MaxSide,
        LimitVariable::MaxPixels,
        LimitVariable::MaxBodyBytes,
        LimitVariable::BodyTimeout,
        LimitVariable::MaxStreamFrames,
        LimitVariable::StreamIdleTimeout,
        LimitVariable::MaxStreamDuration,
    ];

    /// The environment variable.
    pub const fn name(self) -> &'static str {
        match self {
            LimitVariable::MaxSide => "GHOSTLINES_MAX_SIDE",
            LimitVariable::MaxPixels => "GHOSTLINES_MAX_PIXELS",
            LimitVariable::MaxBodyBytes => "GHOSTLINES_MAX_BODY_BYTES",
            LimitVariable::BodyTimeout => "GHOSTLINES_BODY_TIMEOUT_MS",
            LimitVariable::MaxStreamFrames => "GHOSTLINES_MAX_STREAM_FRAMES",
            LimitVariable::StreamIdleTimeout => "GHOSTLINES_STREAM_IDLE_TIMEOUT_MS",
            LimitVariable::MaxStreamDuration => "GHOSTLINES_MAX_STREAM_DURATION_MS",
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
