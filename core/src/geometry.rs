//! Where things are and where they move: points, displacements, and the
//! vectors drawn from them, shared by every algorithm that places or moves
//! something.

use crate::error::{Error, Result};
use crate::flow::{FlowStatus, FlowVector};

/// A position in pixels; (0, 0) is the top-left pixel, y grows downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Point {
    /// Column.
    pub x: f64,
    /// Row.
    pub y: f64,
}

/// A displacement in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Displacement {
    /// Along x.
    pub dx: f64,
    /// Along y.
    pub dy: f64,
}

/// A line to draw from (x, y) along (dx, dy).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Vector {
    /// Origin column.
    pub x: f64,
    /// Origin row.
    pub y: f64,
    /// Displacement along x.
    pub dx: f64,
    /// Displacement along y.
    pub dy: f64,
    /// Flow modes only: tracked or lost.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub status: Option<FlowStatus>,
    /// Flow modes only: the tracking residual.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub error: Option<f64>,
}

impl Vector {
    /// A sketch vector: no status, no error.
    pub fn sketch(x: f64, y: f64, dx: f64, dy: f64) -> Vector {
        Vector {
            x,
            y,
            dx,
            dy,
            status: None,
            error: None,
        }
    }

    /// Sketch vectors from (x, y, dx, dy) quadruples packed in one slice:
    /// what a JavaScript host hands over as one `Float64Array` (a copy),
    /// where a list of records is lowered a field at a time.
    /// `invalid-parameter` unless the values come in fours.
    pub fn from_packed(values: &[f64]) -> Result<Vec<Vector>> {
        let (quadruples, rest) = values.as_chunks::<4>();
        if !rest.is_empty() {
            return Err(Error::InvalidParameter(format!(
                "packed vectors are (x, y, dx, dy) quadruples: got {} values, not a multiple of 4",
                values.len()
            )));
        }
        Ok(quadruples
            .iter()
            .map(|&[x, y, dx, dy]| Vector::sketch(x, y, dx, dy))
            .collect())
    }
}

impl From<FlowVector> for Vector {
    fn from(v: FlowVector) -> Vector {
        Vector {
            x: v.x,
            y: v.y,
            dx: v.dx,
            dy: v.dy,
            status: Some(v.status),
            error: Some(v.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_vectors_come_in_fours() {
        let vectors = Vector::from_packed(&[1.0, 2.0, 3.0, -4.0, 0.5, 0.25, 0.0, 8.0]).unwrap();
        assert_eq!(
            vectors,
            [
                Vector::sketch(1.0, 2.0, 3.0, -4.0),
                Vector::sketch(0.5, 0.25, 0.0, 8.0)
            ]
        );
        assert_eq!(Vector::from_packed(&[]).unwrap(), []);
        let e = Vector::from_packed(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap_err();
        assert_eq!(e.kind(), "invalid-parameter");
        assert!(e.to_string().contains("got 5 values"), "{e}");
    }
}
