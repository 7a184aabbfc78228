//! Stroke colours: the settings' own, or a hue a vector (by direction or
//! by speed). A vector's colour is a shade, a byte: 0 the settings'
//! colour, 1..=240 the hue wheel in 1.5° steps (so the four axis
//! directions and the speed colouring's blue, green and red are exact),
//! kept a pixel only where a colouring needs it.

use super::settings::{Colouring, Rgba};
use crate::geometry::Vector;

/// The settings' colour.
pub(super) const SOLID: u8 = 0;

/// Hue steps on the wheel.
const HUES: usize = 240;

/// Degrees a hue step.
const HUE_STEP: f64 = 360.0 / HUES as f64;

/// The colour of every shade.
#[derive(Debug, Clone)]
pub(super) struct Palette {
    /// Boxed: a painter stays small to move.
    colours: Box<[[u8; 3]; HUES + 1]>,
}

impl Palette {
    /// Shade 0 `solid`, the rest the hue wheel.
    pub(super) fn new(solid: Rgba) -> Palette {
        let mut colours = Box::new([[0; 3]; HUES + 1]);
        colours[usize::from(SOLID)] = [solid.r, solid.g, solid.b];
        for (k, colour) in colours.iter_mut().enumerate().skip(1) {
            *colour = hue_rgb((k - 1) as f64 * HUE_STEP);
        }
        Palette { colours }
    }

    /// The colour of `shade`.
    #[inline(always)]
    pub(super) fn colour(&self, shade: u8) -> [u8; 3] {
        self.colours[usize::from(shade).min(HUES)]
    }
}

/// The shade `colouring` gives `vector`.
pub(super) fn shade(colouring: Colouring, vector: &Vector) -> u8 {
    let hue = match colouring {
        Colouring::Solid => return SOLID,
        Colouring::Direction => vector.dy.atan2(vector.dx).to_degrees(),
        Colouring::Speed { max } => {
            let fast = (vector.dx.hypot(vector.dy) / max).min(1.0);
            240.0 * (1.0 - fast)
        }
    };
    let step = (hue.rem_euclid(360.0) / HUE_STEP).round() as usize % HUES;
    (step + 1) as u8
}

/// Whether `colouring` gives vectors shades of their own.
pub(super) fn shaded(colouring: Colouring) -> bool {
    colouring != Colouring::Solid
}

/// The colour of hue `degrees` at full saturation and value: 0 red, 120
/// green, 240 blue.
fn hue_rgb(degrees: f64) -> [u8; 3] {
    let h = degrees.rem_euclid(360.0) / 60.0;
    let x = 1.0 - ((h % 2.0) - 1.0).abs();
    let (r, g, b) = match h as u32 {
        0 => (1.0, x, 0.0),
        1 => (x, 1.0, 0.0),
        2 => (0.0, 1.0, x),
        3 => (0.0, x, 1.0),
        4 => (x, 0.0, 1.0),
        _ => (1.0, 0.0, x),
    };
    [r, g, b].map(|c| (c * 255.0).round() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_directions_and_speeds_are_exact_hues() {
        let palette = Palette::new(Rgba::RED);
        let colour =
            |colouring, dx, dy| palette.colour(shade(colouring, &Vector::sketch(0.0, 0.0, dx, dy)));
        assert_eq!(colour(Colouring::Direction, 1.0, 0.0), [255, 0, 0]);
        assert_eq!(colour(Colouring::Direction, 0.0, 1.0), [128, 255, 0]);
        assert_eq!(colour(Colouring::Direction, -1.0, 0.0), [0, 255, 255]);
        assert_eq!(colour(Colouring::Direction, 0.0, -1.0), [128, 0, 255]);
        let speed = Colouring::Speed { max: 4.0 };
        assert_eq!(colour(speed, 0.0, 0.0), [0, 0, 255]);
        assert_eq!(colour(speed, 2.0, 0.0), [0, 255, 0]);
        assert_eq!(colour(speed, 9.0, 0.0), [255, 0, 0]);
        assert_eq!(colour(Colouring::Solid, 3.0, 1.0), [255, 0, 0]);
        // Just under a full turn is red again, not past the wheel.
        assert_eq!(
            shade(Colouring::Direction, &Vector::sketch(0.0, 0.0, 1.0, -1e-9)),
            1
        );
    }
}
