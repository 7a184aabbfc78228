//! Host bindings generated from `wit/`, the one contract, with the types a
//! caller needs re-exported, and their conversions to and from
//! `ghostlines-core` (the guest's own file, shared).

wasmtime::component::bindgen!({
    world: "ghostlines",
    path: "../wit",
    // Tests and callers compare results and errors directly.
    additional_derives: [PartialEq],
});

#[path = "../../guest/src/bindings/convert.rs"]
mod convert;

pub use self::exports::ghostlines::image::painting::{
    Background, Colouring, LineShape, Painted, PainterSettings, Rgba,
};
pub use self::exports::ghostlines::image::tracking::{
    DenseMode, FieldMode, PreparedFrame, SparseMode, TrackerMode, TrackerOutput, TrackerSettings,
};
pub use self::ghostlines::image::types::{
    Change, CornerSettings, Displacement, EdgeSettings, Error, FieldSettings, FlowField,
    FlowSettings, FlowStatus, FlowVector, Frame, Gradient, GradientOperator, GreyMethod,
    InvalidDimensions, LengthMismatch, Limits, Plane, Point, SizeMismatch, TooLarge, Vector,
};

impl Error {
    /// The WIT case name, which is also the HTTP error `kind`.
    pub fn kind(&self) -> &'static str {
        ghostlines_core::Error::from(self.clone()).kind()
    }
}

impl Error {
    /// core's text for the error (the generated `Display` shows the raw
    /// case).
    pub fn message(&self) -> String {
        ghostlines_core::Error::from(self.clone()).to_string()
    }
}

/// A typed refusal as an `anyhow` error that reads well on a terminal:
/// the message, then the kind.
pub fn refusal(e: Error) -> anyhow::Error {
    native_refusal(ghostlines_core::Error::from(e))
}

/// The same for an error of ghostlines-core run natively (`flow --native`).
pub fn native_refusal(e: ghostlines_core::Error) -> anyhow::Error {
    anyhow::anyhow!("{e} ({})", e.kind())
}
