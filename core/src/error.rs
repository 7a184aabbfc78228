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

/// The one of `all` that `name_of` calls `name`, else `invalid-parameter`
/// naming what was asked for and every choice (`unknown mode "x";
/// expected sketch, sparse or dense`): every `from_name` of core goes
/// through here, so the choices listed are always the real ones.
pub(crate) fn by_name<T>(
    what: &str,
    all: impl IntoIterator<Item = T>,
    name_of: impl Fn(&T) -> &'static str,
    name: &str,
) -> Result<T> {
    let mut names = Vec::new();
    for choice in all {
        if name_of(&choice) == name {
            return Ok(choice);
        }
        names.push(name_of(&choice));
    }
    let expected = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    };
    Err(Error::InvalidParameter(format!(
        "unknown {what} {name:?}; expected {expected}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_name_finds_a_choice_or_lists_them_all() {
        assert_eq!(by_name("mode", ["a", "b"], |c| c, "b"), Ok("b"));
        let message = |all: &[&'static str]| match by_name("mode", all.iter().copied(), |c| c, "x")
        {
            Err(Error::InvalidParameter(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(&["a", "b", "c"]),
            r#"unknown mode "x"; expected a, b or c"#
        );
        assert_eq!(
            message(&["sobel", "scharr"]),
            r#"unknown mode "x"; expected sobel or scharr"#
        );
        assert_eq!(message(&["only"]), r#"unknown mode "x"; expected only"#);
        // Each core enum lists its own names.
        assert_eq!(
            crate::GreyMethod::from_name("nope")
                .unwrap_err()
                .to_string(),
            r#"invalid parameter: unknown grey method "nope"; expected max-rgb, luma-bt601, luma-bt709, average or lightness"#
        );
        assert_eq!(
            crate::TrackerMode::from_name("dense").unwrap().name(),
            "dense"
        );
    }
}
