//! Conversions between `ghostlines-core`'s types and the types generated
//! from `wit/`, both ways, written once.
//!
//! The guest (wit-bindgen) and the host (wasmtime's `bindgen!`) generate
//! the same module paths and type names from the same WIT, so both crates
//! include this file as a child of the module that holds their generated
//! code (the guest's crate root, the host's `bindings`), in the manner of
//! wasmtime's `wasi-http/src/p3/conv.rs`.

use super::exports::ghostlines::image::painting::{
    Background, Colouring, LineShape, PainterSettings, Rgba,
};
use super::exports::ghostlines::image::tracking::{
    DenseMode, FieldMode, PreparedFrame, SparseMode, TrackerMode, TrackerOutput, TrackerSettings,
};
use super::ghostlines::image::types::{
    Change, CornerSettings, Displacement, EdgeSettings, Error, FieldSettings, FlowField,
    FlowSettings, FlowStatus, FlowVector, Gradient, GradientOperator, GreyMethod,
    InvalidDimensions, LengthMismatch, Limits, Plane, Point, SizeMismatch, TooLarge, Vector,
};
use ghostlines_core as core_;

/// Both ways between two types whose fields are named alike.
macro_rules! same_fields {
    ($($wit:ident <=> $core:path { $($field:ident),* $(,)? })*) => {$(
        impl From<$core> for $wit {
            fn from(v: $core) -> $wit {
                $wit { $($field: v.$field.into()),* }
            }
        }

        impl From<$wit> for $core {
            fn from(v: $wit) -> $core {
                Self { $($field: v.$field.into()),* }
            }
        }
    )*};
}

/// Both ways between two fieldless enums whose cases are named alike.
macro_rules! same_cases {
    ($($wit:ident <=> $core:path { $($case:ident),* $(,)? })*) => {$(
        impl From<$core> for $wit {
            fn from(v: $core) -> $wit {
                use $core as C;
                match v { $(C::$case => $wit::$case),* }
            }
        }

        impl From<$wit> for $core {
            fn from(v: $wit) -> $core {
                use $core as C;
                match v { $($wit::$case => C::$case),* }
            }
        }
    )*};
}

same_fields! {
    Limits <=> core_::Limits { max_side, max_pixels, max_samples }
    Point <=> core_::Point { x, y }
    Displacement <=> core_::Displacement { dx, dy }
    Change <=> core_::Change { x, y, previous, current }
    Gradient <=> core_::Gradient { x, y, dx, dy, magnitude }
    FlowVector <=> core_::FlowVector { x, y, dx, dy, status, error }
    CornerSettings <=> core_::CornerSettings { max_corners, quality, min_distance }
    FlowSettings <=> core_::FlowSettings {
        window, levels, iterations, epsilon, fb_threshold, min_eigen, max_error,
    }
    EdgeSettings <=> core_::EdgeSettings {
        sigma, low, high, tolerance, min_length, straight_only,
    }
    Rgba <=> core_::Rgba { r, g, b, a }
    FieldSettings <=> core_::FieldSettings { patch, stride, finest_level, iterations, refinement, fine_refinement }
    FlowField <=> core_::FlowField { width, height, u, v }
}

same_cases! {
    Background <=> core_::Background { Black, Frame, Filtered, Flow }
    LineShape <=> core_::LineShape { Straight, Path }
    GreyMethod <=> core_::GreyMethod { MaxRgb, LumaBt601, LumaBt709, Average, Lightness }
    GradientOperator <=> core_::GradientOperator { Sobel, Scharr }
    FlowStatus <=> core_::FlowStatus { Tracked, Lost }
}

impl From<core_::Vector> for Vector {
    fn from(v: core_::Vector) -> Vector {
        Vector {
            x: v.x,
            y: v.y,
            dx: v.dx,
            dy: v.dy,
            status: v.status.map(FlowStatus::from),
            error: v.error,
        }
    }
}

impl From<Vector> for core_::Vector {
    fn from(v: Vector) -> core_::Vector {
        core_::Vector {
            x: v.x,
            y: v.y,
            dx: v.dx,
            dy: v.dy,
            status: v.status.map(core_::FlowStatus::from),
            error: v.error,
        }
    }
}

impl From<core_::Error> for Error {
    fn from(e: core_::Error) -> Error {
        use core_::Error as E;
        match e {
            E::InvalidDimensions { width, height } => {
                Error::InvalidDimensions(InvalidDimensions { width, height })
            }
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

/// Back into core's error, whose `Display` is the one text of each error.
impl From<Error> for core_::Error {
    fn from(e: Error) -> core_::Error {
        use core_::Error as E;
        match e {
            Error::InvalidDimensions(d) => E::InvalidDimensions {
                width: d.width,
                height: d.height,
            },
            Error::LengthMismatch(m) => E::LengthMismatch {
                expected: m.expected,
                actual: m.actual,
            },
            Error::SizeMismatch(m) => E::SizeMismatch {
                expected: (m.expected_width, m.expected_height),
                actual: (m.actual_width, m.actual_height),
            },
            Error::TooLarge(t) => E::TooLarge {
                width: t.width,
                height: t.height,
                limits: t.limits.into(),
            },
            Error::InvalidParameter(message) => E::InvalidParameter(message),
        }
    }
}

impl From<core_::TrackerMode> for TrackerMode {
    fn from(m: core_::TrackerMode) -> TrackerMode {
        use core_::TrackerMode as M;
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
            M::Field { step, settings } => TrackerMode::Field(FieldMode {
                step,
                settings: settings.into(),
            }),
        }
    }
}

impl From<TrackerMode> for core_::TrackerMode {
    fn from(m: TrackerMode) -> core_::TrackerMode {
        use core_::TrackerMode as M;
        match m {
            TrackerMode::Sketch => M::Sketch,
            TrackerMode::Sparse(s) => M::Sparse {
                corners: s.corners.into(),
                flow: s.flow.into(),
            },
            TrackerMode::Dense(d) => M::Dense {
                step: d.step,
                flow: d.flow.into(),
            },
            TrackerMode::Field(f) => M::Field {
                step: f.step,
                settings: f.settings.into(),
            },
        }
    }
}

same_fields! {
    TrackerSettings <=> core_::TrackerSettings {
        method, contrast, brightness, threshold, samples, seed, mode, interval,
    }
}

impl From<core_::PreparedFrame> for PreparedFrame {
    fn from(p: core_::PreparedFrame) -> PreparedFrame {
        PreparedFrame {
            settings: p.settings.into(),
            filtered: Plane {
                width: p.width,
                height: p.height,
                values: p.filtered,
            },
            centroid: p.centroid.map(Point::from),
            corners: p.corners,
        }
    }
}

impl From<PreparedFrame> for core_::PreparedFrame {
    fn from(p: PreparedFrame) -> core_::PreparedFrame {
        core_::PreparedFrame {
            settings: p.settings.into(),
            width: p.filtered.width,
            height: p.filtered.height,
            filtered: p.filtered.values,
            centroid: p.centroid.map(core_::Point::from),
            corners: p.corners,
        }
    }
}

impl From<core_::TrackerOutput> for TrackerOutput {
    fn from(o: core_::TrackerOutput) -> TrackerOutput {
        TrackerOutput {
            centroid: o.centroid.map(Point::from),
            centroid_motion: o.centroid_motion.map(Displacement::from),
            vectors: o.vectors.into_iter().map(Vector::from).collect(),
        }
    }
}

impl From<TrackerOutput> for core_::TrackerOutput {
    fn from(o: TrackerOutput) -> core_::TrackerOutput {
        core_::TrackerOutput {
            centroid: o.centroid.map(core_::Point::from),
            centroid_motion: o.centroid_motion.map(core_::Displacement::from),
            vectors: o.vectors.into_iter().map(core_::Vector::from).collect(),
        }
    }
}

impl From<core_::Colouring> for Colouring {
    fn from(c: core_::Colouring) -> Colouring {
        match c {
            core_::Colouring::Solid => Colouring::Solid,
            core_::Colouring::Direction => Colouring::Direction,
            core_::Colouring::Speed { max } => Colouring::Speed(max),
        }
    }
}

impl From<Colouring> for core_::Colouring {
    fn from(c: Colouring) -> core_::Colouring {
        match c {
            Colouring::Solid => core_::Colouring::Solid,
            Colouring::Direction => core_::Colouring::Direction,
            Colouring::Speed(max) => core_::Colouring::Speed { max },
        }
    }
}

same_fields! {
    PainterSettings <=> core_::PainterSettings {
        colour, width, scale, background, dim, persistence, colouring, shape,
    }
}
