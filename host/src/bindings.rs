//! Host bindings generated from `wit/`, the one contract, with the types a
//! caller needs re-exported.

wasmtime::component::bindgen!({
    world: "ghostlines",
    path: "../wit",
    // Tests and callers compare results and errors directly.
    additional_derives: [PartialEq],
});

pub use self::exports::ghostlines::image::tracking::{
    DenseMode, SparseMode, TrackerMode, TrackerOutput, TrackerSettings,
};
pub use self::ghostlines::image::types::{
    Change, CornerSettings, Displacement, EdgeSettings, Error, FlowSettings, FlowStatus,
    FlowVector, Frame, Gradient, GradientOperator, GreyMethod, LengthMismatch, Limits, Plane,
    Point, SizeMismatch, TooLarge, Vector,
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
                    status: v.status.map(c::FlowStatus::from),
                    error: v.error,
                })
                .collect(),
        }
    }
}

impl From<FlowStatus> for ghostlines_core::FlowStatus {
    fn from(s: FlowStatus) -> ghostlines_core::FlowStatus {
        match s {
            FlowStatus::Tracked => ghostlines_core::FlowStatus::Tracked,
            FlowStatus::Lost => ghostlines_core::FlowStatus::Lost,
        }
    }
}

impl From<ghostlines_core::CornerSettings> for CornerSettings {
    fn from(s: ghostlines_core::CornerSettings) -> CornerSettings {
        CornerSettings {
            max_corners: s.max_corners,
            quality: s.quality,
            min_distance: s.min_distance,
        }
    }
}

impl From<ghostlines_core::FlowSettings> for FlowSettings {
    fn from(s: ghostlines_core::FlowSettings) -> FlowSettings {
        FlowSettings {
            window: s.window,
            levels: s.levels,
            iterations: s.iterations,
            epsilon: s.epsilon,
            fb_threshold: s.fb_threshold,
            min_eigen: s.min_eigen,
            max_error: s.max_error,
        }
    }
}

impl From<ghostlines_core::EdgeSettings> for EdgeSettings {
    fn from(s: ghostlines_core::EdgeSettings) -> EdgeSettings {
        EdgeSettings {
            sigma: s.sigma,
            low: s.low,
            high: s.high,
            tolerance: s.tolerance,
            min_length: s.min_length,
            straight_only: s.straight_only,
        }
    }
}

impl From<ghostlines_core::TrackerMode> for TrackerMode {
    fn from(m: ghostlines_core::TrackerMode) -> TrackerMode {
        use ghostlines_core::TrackerMode as M;
        match m {
            M::Sketch => TrackerMode::Sketch,
            M::Sparse { corners, flow } => TrackerMode::Sparse(SparseMode {
                corners: corners.into(),
                flow: flow.into(),
            }),
            M::Dense { step, flow } => TrackerMode::Dense(DenseMode {
                step,
                flow: flow.into(),
            }),
        }
    }
}

impl From<&ghostlines_core::TrackerSettings> for TrackerSettings {
    fn from(s: &ghostlines_core::TrackerSettings) -> TrackerSettings {
        TrackerSettings {
            method: s.method.into(),
            contrast: s.contrast,
            brightness: s.brightness,
            threshold: s.threshold,
            samples: s.samples,
            seed: s.seed,
            mode: s.mode.into(),
        }
    }
}
