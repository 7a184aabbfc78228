//! Host bindings generated from `wit/`, the one contract, with the types a
//! caller needs re-exported.

wasmtime::component::bindgen!({
    world: "ghostlines",
    path: "../wit",
    // Tests and callers compare results and errors directly.
    additional_derives: [PartialEq],
});

pub use self::exports::ghostlines::image::tracking::{TrackerOutput, TrackerSettings};
pub use self::ghostlines::image::types::{
    Change, Displacement, Error, Frame, GreyMethod, LengthMismatch, Limits, Plane, Point,
    SizeMismatch, TooLarge, Vector,
};

impl From<ghostlines_core::Error> for Error {
    fn from(e: ghostlines_core::Error) -> Error {
        use ghostlines_core::Error as E;
        match e {
            E::InvalidDimensions { .. } => Error::InvalidDimensions,
            E::LengthMismatch { expected, actual } => {
                Error::LengthMismatch(LengthMismatch { expected, actual })
            }
            E::SizeMismatch { expected, actual } => Error::SizeMismatch(SizeMismatch {
                expected_width: expected.0,
                expected_height: expected.1,
                actual_width: actual.0,
                actual_height: actual.1,
            }),
            E::TooLarge {
                width,
                height,
                limits,
            } => Error::TooLarge(TooLarge {
                width,
                height,
                limits: limits.into(),
            }),
            E::InvalidParameter(message) => Error::InvalidParameter(message),
        }
    }
}

impl From<ghostlines_core::Limits> for Limits {
    fn from(l: ghostlines_core::Limits) -> Limits {
        Limits {
            max_side: l.max_side,
            max_pixels: l.max_pixels,
            max_samples: l.max_samples,
        }
    }
}

impl Error {
    /// The WIT case name, which is also the HTTP error `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidDimensions => "invalid-dimensions",
            Error::LengthMismatch(_) => "length-mismatch",
            Error::SizeMismatch(_) => "size-mismatch",
            Error::TooLarge(_) => "too-large",
            Error::InvalidParameter(_) => "invalid-parameter",
        }
    }
}

impl Error {
    /// A sentence for people (the generated `Display` shows the raw case).
    pub fn message(&self) -> String {
        match self {
            Error::InvalidDimensions => "width and height must be at least 1".into(),
            Error::LengthMismatch(m) => format!(
                "buffer length mismatch: expected {} bytes, got {}",
                m.expected, m.actual
            ),
            Error::SizeMismatch(m) => format!(
                "size mismatch: expected {}x{}, got {}x{}",
                m.expected_width, m.expected_height, m.actual_width, m.actual_height
            ),
            Error::TooLarge(t) => format!(
                "{}x{} is too large: at most {} pixels a side and {} pixels a frame",
                t.width, t.height, t.limits.max_side, t.limits.max_pixels
            ),
            Error::InvalidParameter(message) => format!("invalid parameter: {message}"),
        }
    }
}

/// A typed refusal as an `anyhow` error that reads well on a terminal:
/// the message, then the kind.
pub fn refusal(e: Error) -> anyhow::Error {
    anyhow::anyhow!("{} ({})", e.message(), e.kind())
}

impl From<ghostlines_core::GreyMethod> for GreyMethod {
    fn from(m: ghostlines_core::GreyMethod) -> GreyMethod {
        use ghostlines_core::GreyMethod as M;
        match m {
            M::MaxRgb => GreyMethod::MaxRgb,
            M::LumaBt601 => GreyMethod::LumaBt601,
            M::LumaBt709 => GreyMethod::LumaBt709,
            M::Average => GreyMethod::Average,
            M::Lightness => GreyMethod::Lightness,
        }
    }
}

impl From<TrackerOutput> for ghostlines_core::TrackerOutput {
    fn from(o: TrackerOutput) -> ghostlines_core::TrackerOutput {
        use ghostlines_core as c;
        c::TrackerOutput {
            centroid: o.centroid.map(|p| c::Point { x: p.x, y: p.y }),
            centroid_motion: o
                .centroid_motion
                .map(|d| c::Displacement { dx: d.dx, dy: d.dy }),
            vectors: o
                .vectors
                .into_iter()
                .map(|v| c::Vector {
                    x: v.x,
                    y: v.y,
                    dx: v.dx,
                    dy: v.dy,
                })
                .collect(),
        }
    }
}
