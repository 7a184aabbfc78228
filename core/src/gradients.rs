//! Image gradients (Sobel, Scharr) and gradient fields sampled on a grid.

use crate::error::{Error, Result, by_name};
use crate::frame::Plane;
use crate::pyramid::GreyF32;

/// The derivative kernel: [-1 0 1] along the derivative, a smoothing
/// kernel across it. Both are scaled so that a ramp rising by 1 a pixel
/// has gradient 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GradientOperator {
    /// Smoothing [1 2 1], scale 1/8.
    #[default]
    Sobel,
    /// Smoothing [3 10 3], scale 1/32: more rotation-invariant.
    Scharr,
}

/// The operator's name.
impl std::fmt::Display for GradientOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl GradientOperator {
    /// Every operator, in declaration order.
    pub const ALL: [GradientOperator; 2] = [GradientOperator::Sobel, GradientOperator::Scharr];

    /// The operator's name (`sobel`, `scharr`).
    pub fn name(self) -> &'static str {
        match self {
            GradientOperator::Sobel => "sobel",
            GradientOperator::Scharr => "scharr",
        }
    }

    /// The operator named `name`.
    pub fn from_name(name: &str) -> Result<GradientOperator> {
        by_name(
            "gradient operator",
            GradientOperator::ALL,
            |o| o.name(),
            name,
        )
    }

    /// (smoothing weights side/centre, scale).
    fn weights(self) -> (f32, f32, f32) {
        match self {
            GradientOperator::Sobel => (1.0, 2.0, 1.0 / 8.0),
            GradientOperator::Scharr => (3.0, 10.0, 1.0 / 32.0),
        }
    }
}

/// One sample of a gradient field.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Gradient {
    /// Column of the sample.
    pub x: f64,
    /// Row of the sample.
    pub y: f64,
    /// Grey levels a pixel along x (points towards brighter).
    pub dx: f64,
    /// Grey levels a pixel along y.
    pub dy: f64,
    /// `sqrt(dx² + dy²)`.
    pub magnitude: f64,
}

/// Gradients of every pixel, border replicated: (gx, gy).
pub(crate) fn gradients(image: &GreyF32, operator: GradientOperator) -> (Vec<f32>, Vec<f32>) {
    let w = image.width;
    let mut gx = vec![0.0f32; image.data.len()];
    let mut gy = vec![0.0f32; image.data.len()];
    if w == 0 {
        return (gx, gy);
    }
    for (y, (row_gx, row_gy)) in gx
        .chunks_exact_mut(w)
        .zip(gy.chunks_exact_mut(w))
        .enumerate()
    {
        gradient_row(image, y, operator, row_gx, row_gy);
    }
    (gx, gy)
}

/// The gradients of row `y`, border replicated, into `gx` and `gy` (one
/// row each): a frame's gradients a row at a time, for passes that need
/// only a few rows at once.
pub(crate) fn gradient_row(
    image: &GreyF32,
    y: usize,
    operator: GradientOperator,
    gx: &mut [f32],
    gy: &mut [f32],
) {
    let (side, centre, scale) = operator.weights();
    let (w, h) = (image.width, image.height);
    // The 3x3 kernels on the 3x3 neighbourhood [a b c; d _ f; g h i].
    let kernel = |[a, b, c, d, f, g, h, i]: [f32; 8]| {
        (
            (side * (c - a) + centre * (f - d) + side * (i - g)) * scale,
            (side * (g - a) + centre * (h - b) + side * (i - c)) * scale,
        )
    };
    let clamped = |x: usize| {
        let p = |dx: isize, dy: isize| image.at(x as isize + dx, y as isize + dy);
        kernel([
            p(-1, -1),
            p(0, -1),
            p(1, -1),
            p(-1, 0),
            p(1, 0),
            p(-1, 1),
            p(0, 1),
            p(1, 1),
        ])
    };
    if w < 3 {
        for x in 0..w {
            (gx[x], gy[x]) = clamped(x);
        }
        return;
    }
    (gx[0], gy[0]) = clamped(0);
    (gx[w - 1], gy[w - 1]) = clamped(w - 1);
    // The interior of the row: rows above and below replicated at the
    // frame's top and bottom, no branches in the loop.
    let row = |y: usize| &image.data[y * w..(y + 1) * w];
    let (up, mid, down) = (row(y.saturating_sub(1)), row(y), row((y + 1).min(h - 1)));
    for x in 1..w - 1 {
        (gx[x], gy[x]) = kernel([
            up[x - 1],
            up[x],
            up[x + 1],
            mid[x - 1],
            mid[x + 1],
            down[x - 1],
            down[x],
            down[x + 1],
        ]);
    }
}

/// The gradient every `step` pixels, starting at (step/2, step/2), in
/// row-major order. `step` must be at least 1.
///
/// ```
/// use ghostlines_core::{GradientOperator, Plane, gradient_field};
/// // A ramp rising 10 grey levels a pixel to the right.
/// let values: Vec<u8> = (0..5 * 5).map(|i| (i % 5) as u8 * 10).collect();
/// let field = gradient_field(Plane::new(5, 5, &values)?, GradientOperator::Scharr, 2)?;
/// let centre = field.iter().find(|g| (g.x, g.y) == (3.0, 3.0)).unwrap();
/// assert_eq!((centre.dx, centre.dy), (10.0, 0.0));
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
pub fn gradient_field(
    plane: Plane<'_>,
    operator: GradientOperator,
    step: u32,
) -> Result<Vec<Gradient>> {
    if step == 0 {
        return Err(Error::InvalidParameter("step must be at least 1".into()));
    }
    crate::grid::check_grid(plane.width(), plane.height(), step)?;
    let image = GreyF32::from_plane(plane);
    let (gx, gy) = gradients(&image, operator);
    let step = step as usize;
    let mut field = Vec::new();
    for y in (step / 2..image.height).step_by(step) {
        for x in (step / 2..image.width).step_by(step) {
            let i = y * image.width + x;
            let (dx, dy) = (f64::from(gx[i]), f64::from(gy[i]));
            field.push(Gradient {
                x: x as f64,
                y: y as f64,
                dx,
                dy,
                magnitude: (dx * dx + dy * dy).sqrt(),
            });
        }
    }
    Ok(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vertical_edge_points_right_with_both_operators() {
        let values: Vec<u8> = (0..8 * 6)
            .map(|i| if i % 8 >= 4 { 200 } else { 0 })
            .collect();
        let plane = Plane::new(8, 6, &values).unwrap();
        for op in [GradientOperator::Sobel, GradientOperator::Scharr] {
            let field = gradient_field(plane, op, 1).unwrap();
            let at = |x: f64, y: f64| *field.iter().find(|g| (g.x, g.y) == (x, y)).unwrap();
            // Either side of the edge: half the step, along +x.
            assert_eq!((at(3.0, 2.0).dx, at(3.0, 2.0).dy), (100.0, 0.0));
            assert_eq!(at(4.0, 2.0).magnitude, 100.0);
            assert_eq!(at(1.0, 2.0).magnitude, 0.0);
        }
    }

    #[test]
    fn grid_positions_and_bad_step() {
        let plane = Plane::new(7, 3, &[0; 21]).unwrap();
        let field = gradient_field(plane, GradientOperator::Sobel, 3).unwrap();
        let positions: Vec<_> = field.iter().map(|g| (g.x, g.y)).collect();
        assert_eq!(positions, [(1.0, 1.0), (4.0, 1.0)]);
        assert_eq!(
            gradient_field(plane, GradientOperator::Sobel, 0)
                .unwrap_err()
                .kind(),
            "invalid-parameter"
        );
        assert_eq!(
            GradientOperator::from_name("prewitt").unwrap_err().kind(),
            "invalid-parameter"
        );
    }
}
