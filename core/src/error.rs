//! The one error type: every case is the caller's fault.

use crate::limits::Limits;

/// Why a call was refused. The variants mirror the WIT `error` variant case
/// for case.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Width or height is zero.
    #[error("invalid dimensions {width}x{height}: width and height must be at least 1")]
    InvalidDimensions {
        /// The width passed.
        width: u32,
        /// The height passed.
        height: u32,
    },
    /// A buffer's length does not fit its dimensions.
    #[error("buffer length mismatch: expected {expected} bytes, got {actual}")]
    LengthMismatch {
        /// The length the dimensions call for.
        expected: u64,
        /// The length passed.
        actual: u64,
    },
    /// Two inputs that must share a size do not.
    #[error(
        "size mismatch: expected {}x{}, got {}x{}",
        expected.0, expected.1, actual.0, actual.1
    )]
    SizeMismatch {
        /// The expected (width, height).
        expected: (u32, u32),
        /// The (width, height) passed.
        actual: (u32, u32),
    },
    /// Dimensions over the limits.
    #[error(
        "{width}x{height} is too large: at most {} pixels a side and {} pixels a frame",
        limits.max_side, limits.max_pixels
    )]
    TooLarge {
        /// The width passed.
        width: u32,
        /// The height passed.
        height: u32,
        /// The limits it broke.
        limits: Limits,
    },
    /// A parameter outside its documented range.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}

impl Error {
    /// The error's kind as the WIT case name (`length-mismatch`, ...), which
    /// is also the `kind` of HTTP error bodies.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidDimensions { .. } => "invalid-dimensions",
            Error::LengthMismatch { .. } => "length-mismatch",
            Error::SizeMismatch { .. } => "size-mismatch",
            Error::TooLarge { .. } => "too-large",
            Error::InvalidParameter(_) => "invalid-parameter",
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
