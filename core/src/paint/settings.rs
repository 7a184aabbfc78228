//! What a painter draws and how: colours, backgrounds, colourings, line
//! shapes, the strokes of one frame, and the settings that gather them.

use crate::error::{Error, Result, by_name};
use crate::geometry::{Point, Vector};

/// A colour with its alpha, 8 bits each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Opacity, 255 opaque.
    pub a: u8,
}

impl Rgba {
    /// The original sketch's stroke: opaque red.
    pub const RED: Rgba = Rgba {
        r: 255,
        g: 0,
        b: 0,
        a: 255,
    };
}

/// `#rrggbbaa`.
impl std::fmt::Display for Rgba {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "#{:02x}{:02x}{:02x}{:02x}",
            self.r, self.g, self.b, self.a
        )
    }
}

/// `#rrggbb` (opaque) or `#rrggbbaa`, the `#` optional.
///
/// ```
/// use ghostlines_core::Rgba;
/// assert_eq!("ff8000".parse::<Rgba>(), Ok(Rgba { r: 255, g: 128, b: 0, a: 255 }));
/// assert_eq!("#00ff0080".parse::<Rgba>().unwrap().to_string(), "#00ff0080");
/// ```
impl std::str::FromStr for Rgba {
    type Err = Error;

    fn from_str(text: &str) -> Result<Rgba> {
        let hex = text.strip_prefix('#').unwrap_or(text);
        let byte = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        let parsed = match hex.len() {
            6 => byte(0)
                .zip(byte(2))
                .zip(byte(4))
                .map(|((r, g), b)| Rgba { r, g, b, a: 255 }),
            8 => byte(0)
                .zip(byte(2))
                .zip(byte(4))
                .zip(byte(6))
                .map(|(((r, g), b), a)| Rgba { r, g, b, a }),
            _ => None,
        };
        parsed.ok_or_else(|| {
            Error::InvalidParameter(format!(
                "colour {text:?} is not #rrggbb or #rrggbbaa in hexadecimal"
            ))
        })
    }
}

/// What the strokes are drawn over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Background {
    /// Black.
    Black,
    /// The frame itself.
    Frame,
    /// The tracker's filtered grey plane (grey, then contrast and
    /// brightness): the original sketch's.
    #[default]
    Filtered,
    /// The flow field in the Middlebury colour coding (the hue the
    /// direction, full saturation at the speed colouring's scale): a
    /// field-mode tracker's, through track-and-paint; black where the
    /// painter is given no field (before the tracker's first, or `paint`).
    Flow,
}

impl Background {
    /// Every background, in declaration order.
    pub const ALL: [Background; 4] = [
        Background::Black,
        Background::Frame,
        Background::Filtered,
        Background::Flow,
    ];

    /// The background's name (`black`, `frame`, `filtered`, `flow`).
    pub fn name(self) -> &'static str {
        match self {
            Background::Black => "black",
            Background::Frame => "frame",
            Background::Filtered => "filtered",
            Background::Flow => "flow",
        }
    }

    /// The background named `name`.
    pub fn from_name(name: &str) -> Result<Background> {
        by_name("background", Background::ALL, |b| b.name(), name)
    }
}

/// The background's name.
impl std::fmt::Display for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a vector's stroke gets its colour (the alpha is always the
/// settings' colour's).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Colouring {
    /// The settings' colour.
    #[default]
    Solid,
    /// A hue wheel by direction, as optical-flow pictures are coloured:
    /// right red, down chartreuse (hue 90°), left cyan, up violet.
    Direction,
    /// A hue by length: blue still, through green, to red at `max` pixels
    /// of displacement and beyond.
    Speed {
        /// The displacement drawn red, pixels, above 0.
        max: f64,
    },
}

impl Colouring {
    /// The displacement [`Colouring::speed`] draws red, pixels.
    pub const SPEED_MAX: f64 = 10.0;

    /// Colour by speed, red at [`Colouring::SPEED_MAX`].
    pub fn speed() -> Colouring {
        Colouring::Speed {
            max: Colouring::SPEED_MAX,
        }
    }

    /// Every colouring with its defaults.
    pub fn all() -> [Colouring; 3] {
        [Colouring::Solid, Colouring::Direction, Colouring::speed()]
    }

    /// The colouring's name (`solid`, `direction`, `speed`).
    pub fn name(&self) -> &'static str {
        match self {
            Colouring::Solid => "solid",
            Colouring::Direction => "direction",
            Colouring::Speed { .. } => "speed",
        }
    }

    /// The colouring named `name`, with its defaults.
    pub fn from_name(name: &str) -> Result<Colouring> {
        by_name("colouring", Colouring::all(), Colouring::name, name)
    }
}

/// The colouring's name.
impl std::fmt::Display for Colouring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a vector is drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineShape {
    /// A straight stroke from where its point was one interval back to
    /// where it is now (its displacement): the sketch's.
    #[default]
    Straight,
    /// The path its point took over the interval, where the tracker knows
    /// it (the flow modes with an interval); else straight.
    Path,
}

impl LineShape {
    /// Every shape, in declaration order.
    pub const ALL: [LineShape; 2] = [LineShape::Straight, LineShape::Path];

    /// The shape's name (`straight`, `path`).
    pub fn name(self) -> &'static str {
        match self {
            LineShape::Straight => "straight",
            LineShape::Path => "path",
        }
    }

    /// The shape named `name`.
    pub fn from_name(name: &str) -> Result<LineShape> {
        by_name("line shape", LineShape::ALL, |s| s.name(), name)
    }
}

/// The shape's name.
impl std::fmt::Display for LineShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one frame's strokes are drawn from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Strokes<'a> {
    /// The ghost lines; lost ones, and those shorter than half a pixel once
    /// scaled, are not drawn.
    pub vectors: &'a [Vector],
    /// With [`LineShape::Path`], each vector's path, one a vector (a
    /// tracker's [`paths`](crate::Tracker::paths)); a vector without one is
    /// drawn straight.
    pub paths: &'a [Vec<Point>],
    /// Polylines in the settings' colour.
    pub polylines: &'a [Vec<Point>],
}

impl<'a> Strokes<'a> {
    /// Straight vectors alone.
    pub fn from_vectors(vectors: &'a [Vector]) -> Strokes<'a> {
        Strokes {
            vectors,
            ..Strokes::default()
        }
    }
}

/// How a [`Painter`](super::Painter) draws (defaults: the original sketch's picture).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PainterSettings {
    /// Stroke colour and alpha [opaque red].
    pub colour: Rgba,
    /// Stroke width, pixels, in (0, 64] \[1\]; sub-pixel widths draw
    /// fainter lines.
    pub width: f64,
    /// Vectors are drawn this many times their displacement, −1000..=1000
    /// \[1\].
    pub scale: f64,
    /// What the strokes are drawn over \[filtered\].
    pub background: Background,
    /// The background's brightness factor, 0..=1 \[1\]; 0 is black. Applied
    /// as `(v · round(dim · 256) + 128) >> 8`.
    pub dim: f64,
    /// Trails: each frame starts from the previous picture faded by this
    /// factor towards the new background, 0..=1 [0: no trails; 1: the
    /// picture never fades].
    pub persistence: f64,
    /// Stroke colours \[solid\].
    pub colouring: Colouring,
    /// What a vector is drawn as \[straight\].
    pub shape: LineShape,
}

impl Default for PainterSettings {
    /// The original sketch's: opaque red 1-pixel lines over the filtered
    /// frame, cleared every frame.
    fn default() -> Self {
        PainterSettings {
            colour: Rgba::RED,
            width: 1.0,
            scale: 1.0,
            background: Background::Filtered,
            dim: 1.0,
            persistence: 0.0,
            colouring: Colouring::Solid,
            shape: LineShape::Straight,
        }
    }
}

impl PainterSettings {
    /// Checks every setting's range.
    pub fn check(&self) -> Result<()> {
        let range = |name: &str, value: f64, ok: bool, range: &str| {
            if ok && value.is_finite() {
                Ok(())
            } else {
                Err(Error::InvalidParameter(format!(
                    "{name} must be in {range}, got {value}"
                )))
            }
        };
        range(
            "width",
            self.width,
            self.width > 0.0 && self.width <= 64.0,
            "(0, 64]",
        )?;
        range(
            "scale",
            self.scale,
            self.scale.abs() <= 1000.0,
            "-1000..=1000",
        )?;
        range("dim", self.dim, (0.0..=1.0).contains(&self.dim), "0..=1")?;
        range(
            "persistence",
            self.persistence,
            (0.0..=1.0).contains(&self.persistence),
            "0..=1",
        )?;
        if let Colouring::Speed { max } = self.colouring {
            range("the speed colouring's max", max, max > 0.0, "(0, ∞)")?;
        }
        Ok(())
    }
}
