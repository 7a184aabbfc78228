//! Drawing the ghost lines: vectors and polylines as anti-aliased strokes
//! over a background (black, the frame, or the tracker's filtered grey
//! plane, each dimmed by a factor), with trails that fade frame by frame.
//!
//! Trails are the previous picture faded: each frame the canvas becomes
//! `persistence · canvas + (1 − persistence) · background`, then the new
//! strokes are drawn on it. Over black a stroke k frames old shows at
//! `persistence^k`; over the frame, the frames before show through too, a
//! motion trail of the whole picture.
//!
//! A stroke is a capsule: every pixel within half the stroke width of the
//! segment, round caps included. A pixel's coverage is
//! `clamp(width/2 + 1/2 − d, 0, 1)` with `d` its centre's distance to the
//! segment (pixel centres at integer coordinates), the usual box-filter
//! approximation of its area: a 1-pixel horizontal stroke on a pixel row
//! covers exactly that row, one half a pixel off covers two rows by half,
//! and any width, sub-pixel ones too, is one kernel.

use crate::error::{Error, Result, by_name};
use crate::flow::FlowStatus;
use crate::frame::{Frame, Plane};
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
}

impl Background {
    /// Every background, in declaration order.
    pub const ALL: [Background; 3] = [Background::Black, Background::Frame, Background::Filtered];

    /// The background's name (`black`, `frame`, `filtered`).
    pub fn name(self) -> &'static str {
        match self {
            Background::Black => "black",
            Background::Frame => "frame",
            Background::Filtered => "filtered",
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

/// How a [`Painter`] draws (defaults: the original sketch's picture).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PainterSettings {
    /// Stroke colour and alpha [opaque red].
    pub colour: Rgba,
    /// Stroke width, pixels, in (0, 64] [1]; sub-pixel widths draw
    /// fainter lines.
    pub width: f64,
    /// Vectors are drawn this many times their displacement, −1000..=1000
    /// [1].
    pub scale: f64,
    /// What the strokes are drawn over [filtered].
    pub background: Background,
    /// The background's brightness factor, 0..=1 [1]; 0 is black. Applied
    /// as `(v · round(dim · 256) + 128) >> 8`.
    pub dim: f64,
    /// Trails: each frame starts from the previous picture faded by this
    /// factor towards the new background, 0..=1 [0: no trails; 1: the
    /// picture never fades].
    pub persistence: f64,
    /// Stroke colours [solid].
    pub colouring: Colouring,
    /// What a vector is drawn as [straight].
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

/// Fixed-point unit of the trail canvas: 8 fractional bits on the 0..=255
/// scale, so that fading by a factor each frame keeps a trail within a
/// level of `persistence^k` (a byte rounded every frame would drift by up
/// to half a level a frame).
const UNIT: f32 = 256.0;

/// Draws vectors and polylines frame after frame, keeping the trails.
///
/// ```
/// use ghostlines_core::{Background, Frame, Painter, PainterSettings, Strokes, Vector};
/// let settings = PainterSettings { background: Background::Black, ..PainterSettings::default() };
/// let mut painter = Painter::new(settings)?;
/// let black = vec![0u8; 8 * 4 * 4];
/// let frame = Frame::new(8, 4, &black)?;
/// // A red line along row 2, from x = 1 to x = 5.
/// let line = [Vector::sketch(1.0, 2.0, 4.0, 0.0)];
/// let drawn = painter.paint(frame, None, &Strokes::from_vectors(&line))?;
/// let at = |x: usize, y: usize| &drawn[(y * 8 + x) * 4..][..4];
/// assert_eq!(at(3, 2), [255, 0, 0, 255]);
/// assert_eq!(at(3, 1), [0, 0, 0, 255]);
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Painter {
    settings: PainterSettings,
    /// The size of the frames since the first paint (or reset).
    size: Option<(u32, u32)>,
    /// With trails: the picture so far, RGBA in [`UNIT`]s (the alpha lane
    /// unused).
    trail: Vec<u16>,
    /// The background's brightness factor in 256ths.
    dim: u32,
}

impl Painter {
    /// A painter with these settings, or `invalid-parameter`.
    pub fn new(settings: PainterSettings) -> Result<Painter> {
        settings.check()?;
        Ok(Painter {
            settings,
            size: None,
            trail: Vec::new(),
            dim: (settings.dim * 256.0).round() as u32,
        })
    }

    /// The settings this painter was made with.
    pub fn settings(&self) -> &PainterSettings {
        &self.settings
    }

    /// Forgets the trails and the frame size.
    pub fn reset(&mut self) {
        self.size = None;
        self.trail.clear();
    }

    /// Draws one frame and returns it as RGBA8: the background, the trails
    /// faded once more, then `vectors` (lost ones skipped) and `polylines`.
    /// `frame` gives the size (and the background, for `frame`);
    /// `filtered` is the tracker's filtered plane, needed for the
    /// `filtered` background. Every frame must have the first one's size.
    pub fn paint(
        &mut self,
        frame: Frame<'_>,
        filtered: Option<Plane<'_>>,
        strokes: &Strokes<'_>,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.paint_into(frame, filtered, strokes, &mut out)?;
        Ok(out)
    }

    /// [`Painter::paint`] into `out` (its buffer reused).
    pub fn paint_into(
        &mut self,
        frame: Frame<'_>,
        filtered: Option<Plane<'_>>,
        strokes: &Strokes<'_>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let (w, h) = (frame.width(), frame.height());
        self.check_size(w, h)?;
        let filtered = match (self.settings.background, filtered) {
            (Background::Filtered, None) => {
                return Err(Error::InvalidParameter(
                    "the filtered background needs the tracker's filtered plane".into(),
                ));
            }
            (_, Some(plane)) if (plane.width(), plane.height()) != (w, h) => {
                return Err(Error::SizeMismatch {
                    expected: (w, h),
                    actual: (plane.width(), plane.height()),
                });
            }
            (_, filtered) => filtered,
        };
        self.size = Some((w, h));
        self.background(frame, filtered, out);
        let canvas = Canvas {
            width: w as usize,
            height: h as usize,
        };
        if self.settings.persistence > 0.0 {
            if self.trail.len() != out.len() {
                // The first frame: the background itself.
                self.trail.clear();
                self.trail.extend(out.iter().map(|&v| u16::from(v) << 8));
            } else {
                fade(&mut self.trail, out, self.settings.persistence);
            }
            let mut layer = Layer(&mut self.trail);
            draw(&mut layer, canvas, &self.settings, strokes);
            for (px, &v) in out.iter_mut().zip(&self.trail) {
                *px = ((u32::from(v) + 128) >> 8) as u8;
            }
            // Opaque (the alpha lane of the canvas is not kept).
            for px in out.as_chunks_mut::<4>().0 {
                px[3] = 255;
            }
        } else {
            let mut over = Over(out);
            draw(&mut over, canvas, &self.settings, strokes);
        }
        Ok(())
    }

    /// Whether a frame of `width x height` can be painted next: every frame
    /// must have the first one's size.
    pub fn check_size(&self, width: u32, height: u32) -> Result<()> {
        match self.size {
            Some(size) if size != (width, height) => Err(Error::SizeMismatch {
                expected: size,
                actual: (width, height),
            }),
            _ => Ok(()),
        }
    }

    /// The background, dimmed, into `out`. Byte by byte, then the alpha
    /// lanes set: loops that vectorise.
    fn background(&self, frame: Frame<'_>, filtered: Option<Plane<'_>>, out: &mut Vec<u8>) {
        out.clear();
        let dim = self.dim;
        match (self.settings.background, filtered) {
            (Background::Filtered, Some(plane)) => {
                out.resize(frame.pixel_count() * 4, 255);
                for (px, &v) in out.as_chunks_mut::<4>().0.iter_mut().zip(plane.values()) {
                    let v = dimmed(v, dim);
                    px[..3].fill(v);
                }
                return;
            }
            (Background::Frame, _) => {
                out.extend(frame.pixels().iter().map(|&v| dimmed(v, dim)));
            }
            _ => out.resize(frame.pixel_count() * 4, 0),
        }
        for px in out.as_chunks_mut::<4>().0 {
            px[3] = 255;
        }
    }
}

/// `v` times the dim factor in 256ths, rounded (exact at 256, i.e. 1).
#[inline(always)]
fn dimmed(v: u8, dim: u32) -> u8 {
    ((u32::from(v) * dim + 128) >> 8) as u8
}

/// The size of what is drawn on.
#[derive(Clone, Copy)]
struct Canvas {
    width: usize,
    height: usize,
}

/// Where strokes land: blending a colour at a pixel with a coverage.
trait Target {
    /// Blends `colour` (RGB, and alpha 0..=1 times the coverage) over
    /// pixel `at`.
    fn blend(&mut self, at: usize, rgb: [f32; 3], alpha: f32);
}

/// Straight onto the RGBA8 frame (no trails).
struct Over<'a>(&'a mut Vec<u8>);

impl Target for Over<'_> {
    #[inline]
    fn blend(&mut self, at: usize, rgb: [f32; 3], alpha: f32) {
        let px = &mut self.0[at * 4..][..3];
        if alpha >= 1.0 {
            for (p, c) in px.iter_mut().zip(rgb) {
                *p = c as u8;
            }
            return;
        }
        for (p, c) in px.iter_mut().zip(rgb) {
            // + 0.5 and truncate: round half up for these non-negative
            // values, without a call to libm's roundf.
            *p = (f32::from(*p) + (c - f32::from(*p)) * alpha + 0.5) as u8;
        }
    }
}

/// Onto the trail canvas (fixed point).
struct Layer<'a>(&'a mut Vec<u16>);

impl Target for Layer<'_> {
    #[inline]
    fn blend(&mut self, at: usize, rgb: [f32; 3], alpha: f32) {
        let px = &mut self.0[at * 4..][..3];
        if alpha >= 1.0 {
            for (p, c) in px.iter_mut().zip(rgb) {
                *p = (c * UNIT) as u16;
            }
            return;
        }
        for (p, c) in px.iter_mut().zip(rgb) {
            let v = f32::from(*p);
            *p = (v + (c * UNIT - v) * alpha + 0.5) as u16;
        }
    }
}

/// Strokes shorter than this, pixels, are not drawn: a still point is not
/// a dot.
const SHORTEST_STROKE: f64 = 0.5;

/// Every vector and polyline as strokes onto `target`.
fn draw(
    target: &mut impl Target,
    canvas: Canvas,
    settings: &PainterSettings,
    strokes: &Strokes<'_>,
) {
    let alpha = f32::from(settings.colour.a) / 255.0;
    let solid = [settings.colour.r, settings.colour.g, settings.colour.b].map(f32::from);
    let radius = settings.width as f32 / 2.0;
    let scale = settings.scale;
    for (i, v) in strokes.vectors.iter().enumerate() {
        if v.status == Some(FlowStatus::Lost) {
            continue;
        }
        let rgb = match settings.colouring {
            Colouring::Solid => solid,
            Colouring::Direction => hue_rgb(v.dy.atan2(v.dx).to_degrees()),
            Colouring::Speed { max } => {
                let fast = (v.dx.hypot(v.dy) / max).min(1.0);
                hue_rgb(240.0 * (1.0 - fast))
            }
        };
        let path = strokes
            .paths
            .get(i)
            .filter(|p| settings.shape == LineShape::Path && p.len() >= 2);
        if let Some(path) = path {
            // Scaled about where the path starts, as a straight vector is
            // about its origin.
            let at = |p: &Point| {
                let (x, y) = (
                    path[0].x + scale * (p.x - path[0].x),
                    path[0].y + scale * (p.y - path[0].y),
                );
                (x as f32, y as f32)
            };
            let length: f64 = path
                .windows(2)
                .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
                .sum();
            if length * scale.abs() < SHORTEST_STROKE {
                continue;
            }
            for pair in path.windows(2) {
                stroke(
                    target,
                    canvas,
                    at(&pair[0]),
                    at(&pair[1]),
                    radius,
                    rgb,
                    alpha,
                );
            }
            continue;
        }
        if (scale * v.dx).hypot(scale * v.dy) < SHORTEST_STROKE {
            continue;
        }
        let from = (v.x as f32, v.y as f32);
        let to = ((v.x + scale * v.dx) as f32, (v.y + scale * v.dy) as f32);
        stroke(target, canvas, from, to, radius, rgb, alpha);
    }
    for line in strokes.polylines {
        for pair in line.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let ends = ((a.x as f32, a.y as f32), (b.x as f32, b.y as f32));
            stroke(target, canvas, ends.0, ends.1, radius, solid, alpha);
        }
    }
}

/// The colour of hue `degrees` at full saturation and value: 0 red, 120
/// green, 240 blue.
fn hue_rgb(degrees: f64) -> [f32; 3] {
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
    [r, g, b].map(|c| (c * 255.0).round() as f32)
}

/// One capsule from `a` to `b` of half-width `radius`, its pixels'
/// coverage from their distance to the segment. It walks the major axis
/// and, at each step, only the pixels across it that the capsule can
/// reach, so a thin stroke costs a few pixels a step, not its bounding box.
fn stroke(
    target: &mut impl Target,
    canvas: Canvas,
    a: (f32, f32),
    b: (f32, f32),
    radius: f32,
    rgb: [f32; 3],
    alpha: f32,
) {
    if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
        return;
    }
    // Pixels whose centre lies within `reach` of the segment get coverage.
    let reach = radius + 0.5;
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = dx * dx + dy * dy;
    // Walk along x when the segment is wider than tall, else along y; the
    // same loop with the axes swapped.
    let steep = dy.abs() > dx.abs();
    let (a, b, dx, dy) = if steep {
        ((a.1, a.0), (b.1, b.0), dy, dx)
    } else {
        (a, b, dx, dy)
    };
    let (major_len, minor_len) = if steep {
        (canvas.height, canvas.width)
    } else {
        (canvas.width, canvas.height)
    };
    // Across the major axis the capsule is at most `reach / cos θ` from
    // its centre line.
    let slope = if dx != 0.0 { dy / dx } else { 0.0 };
    let across = reach * (1.0 + slope * slope).sqrt();
    let (lo, hi) = (a.0.min(b.0), a.0.max(b.0));
    let Some((first, last)) = pixel_span(lo - reach, hi + reach, major_len) else {
        return;
    };
    let inverse = if length2 > 0.0 { 1.0 / length2 } else { 0.0 };
    let inverse_length = inverse.sqrt();
    for u in first..=last {
        let uf = u as f32;
        // The centre line at this step, held to the segment's extent (the
        // caps are disks around its ends).
        let centre = a.1 + slope * (uf.clamp(lo, hi) - a.0);
        let Some((top, bottom)) = pixel_span(centre - across, centre + across, minor_len) else {
            continue;
        };
        let row = |v: usize| {
            if steep {
                u * canvas.width + v
            } else {
                v * canvas.width + u
            }
        };
        for v in top..=bottom {
            let (qx, qy) = (uf - a.0, v as f32 - a.1);
            let t = (qx * dx + qy * dy) * inverse;
            // Beside the segment the distance is the line's, |q × d| / |d|
            // (no square root); past an end it is the end's.
            let distance = if (0.0..=1.0).contains(&t) {
                (qx * dy - qy * dx).abs() * inverse_length
            } else {
                let t = t.clamp(0.0, 1.0);
                let (ex, ey) = (qx - t * dx, qy - t * dy);
                (ex * ex + ey * ey).sqrt()
            };
            let coverage = reach - distance;
            if coverage >= 1.0 {
                target.blend(row(v), rgb, alpha);
            } else if coverage > 0.0 {
                target.blend(row(v), rgb, alpha * coverage);
            }
        }
    }
}

/// The pixel centres in `from..=to`, within `0..len`: (first, last), or
/// none. (Casts, not `ceil`/`floor`, which are calls into libm where SSE4.1
/// is not assumed.)
#[inline(always)]
fn pixel_span(from: f32, to: f32, len: usize) -> Option<(usize, usize)> {
    let end = (len - 1) as f32;
    if !(to >= 0.0 && from <= end) {
        return None;
    }
    // Both ends within [0, end] now; truncation floors them.
    let from = from.max(0.0);
    let floor = from as usize;
    let first = if (floor as f32) < from {
        floor + 1
    } else {
        floor
    };
    let last = to.min(end) as usize;
    (first <= last).then_some((first, last))
}

/// `trail` faded by `persistence` towards the background in `out`:
/// `p · trail + (1 − p) · background` with the weights in 65536ths, lane
/// by lane (the loop vectorises).
fn fade(trail: &mut [u16], background: &[u8], persistence: f64) {
    let keep = (persistence * 65536.0).round() as u32;
    let take = 65536 - keep;
    for (v, &b) in trail.iter_mut().zip(background) {
        let mixed = u32::from(*v) * keep + (u32::from(b) << 8) * take;
        *v = ((mixed + (1 << 15)) >> 16) as u16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn black_painter(settings: PainterSettings) -> Painter {
        Painter::new(PainterSettings {
            background: Background::Black,
            ..settings
        })
        .unwrap()
    }

    /// Paints `vectors` on a black `w x h` frame.
    fn paint(painter: &mut Painter, w: u32, h: u32, vectors: &[Vector]) -> Vec<u8> {
        let black = vec![0u8; (w * h * 4) as usize];
        painter
            .paint(
                Frame::new(w, h, &black).unwrap(),
                None,
                &Strokes::from_vectors(vectors),
            )
            .unwrap()
    }

    fn red(image: &[u8], w: u32, x: u32, y: u32) -> u8 {
        image[((y * w + x) * 4) as usize]
    }

    #[test]
    fn a_one_pixel_horizontal_stroke_covers_exactly_its_row() {
        let mut painter = black_painter(PainterSettings::default());
        let image = paint(&mut painter, 20, 9, &[Vector::sketch(3.0, 4.0, 10.0, 0.0)]);
        for y in 0..9 {
            for x in 0..20 {
                let want = if y == 4 && (3..=13).contains(&x) {
                    255
                } else {
                    0
                };
                assert_eq!(red(&image, 20, x, y), want, "({x}, {y})");
                // Green and blue stay black, alpha opaque.
                let at = ((y * 20 + x) * 4) as usize;
                assert_eq!(image[at + 1..at + 4], [0, 0, 255]);
            }
        }
        // Half a pixel off the row: both rows, half each.
        painter.reset();
        let image = paint(&mut painter, 20, 9, &[Vector::sketch(3.0, 4.5, 10.0, 0.0)]);
        assert_eq!((red(&image, 20, 8, 4), red(&image, 20, 8, 5)), (128, 128));
        assert_eq!((red(&image, 20, 8, 3), red(&image, 20, 8, 6)), (0, 0));
    }

    #[test]
    fn end_caps_are_round() {
        // Width 3 from (10, 10) to (20, 10): radius 1.5, coverage
        // clamp(2 − d, 0, 1).
        let mut painter = black_painter(PainterSettings {
            width: 3.0,
            ..PainterSettings::default()
        });
        let image = paint(
            &mut painter,
            32,
            21,
            &[Vector::sketch(10.0, 10.0, 10.0, 0.0)],
        );
        let cover = |d: f64| (255.0 * (2.0 - d).clamp(0.0, 1.0)).round() as u8;
        for (x, y) in [
            (9, 10),
            (8, 10),
            (9, 9),
            (9, 11),
            (8, 9),
            (21, 11),
            (22, 10),
            (7, 10),
        ] {
            let d = f64::hypot(
                f64::from(x) - f64::from(x).clamp(10.0, 20.0),
                f64::from(y) - 10.0,
            );
            assert_eq!(red(&image, 32, x, y), cover(d), "({x}, {y}) at {d}");
        }
        // (9, 9) is √2 from the end: partly covered, the corner of a
        // square cap would be whole.
        assert_eq!(red(&image, 32, 9, 9), 149);
        // Along the stroke, three full rows.
        assert_eq!(
            [9, 10, 11, 12].map(|y| red(&image, 32, 15, y)),
            [255, 255, 255, 0]
        );
    }

    #[test]
    fn trails_decay_by_persistence_each_frame() {
        for persistence in [0.5, 0.8, 0.95] {
            let mut painter = black_painter(PainterSettings {
                persistence,
                ..PainterSettings::default()
            });
            let first = paint(&mut painter, 16, 8, &[Vector::sketch(2.0, 3.0, 8.0, 0.0)]);
            assert_eq!(red(&first, 16, 5, 3), 255);
            for k in 1..=30 {
                let image = paint(&mut painter, 16, 8, &[]);
                let want = 255.0 * persistence.powi(k);
                let got = f64::from(red(&image, 16, 5, 3));
                assert!(
                    (got - want).abs() <= 1.0,
                    "p {persistence}, frame {k}: {got} vs {want}"
                );
            }
        }
        // No trails: the next frame is clean.
        let mut painter = black_painter(PainterSettings::default());
        paint(&mut painter, 16, 8, &[Vector::sketch(2.0, 3.0, 8.0, 0.0)]);
        assert!(
            paint(&mut painter, 16, 8, &[])
                .chunks(4)
                .all(|p| p == [0, 0, 0, 255])
        );
    }

    #[test]
    fn the_hue_wheel_colours_the_four_axis_directions() {
        let mut painter = black_painter(PainterSettings {
            colouring: Colouring::Direction,
            ..PainterSettings::default()
        });
        for ((dx, dy), want) in [
            ((6.0, 0.0), [255, 0, 0]),
            ((0.0, 6.0), [128, 255, 0]),
            ((-6.0, 0.0), [0, 255, 255]),
            ((0.0, -6.0), [128, 0, 255]),
        ] {
            painter.reset();
            let image = paint(&mut painter, 20, 20, &[Vector::sketch(10.0, 10.0, dx, dy)]);
            let (x, y) = ((10.0 + dx / 2.0) as u32, (10.0 + dy / 2.0) as u32);
            let at = ((y * 20 + x) * 4) as usize;
            assert_eq!(image[at..at + 3], want, "({dx}, {dy})");
        }
        // Speed: half the max green, at the max red.
        let mut painter = black_painter(PainterSettings {
            colouring: Colouring::Speed { max: 4.0 },
            ..PainterSettings::default()
        });
        let image = paint(&mut painter, 20, 20, &[Vector::sketch(3.0, 3.0, 2.0, 0.0)]);
        assert_eq!(image[(3 * 20 + 4) * 4..][..3], [0, 255, 0]);
        painter.reset();
        let image = paint(&mut painter, 20, 20, &[Vector::sketch(3.0, 3.0, 8.0, 0.0)]);
        assert_eq!(image[(3 * 20 + 5) * 4..][..3], [255, 0, 0]);
    }

    /// A vector shorter than half a pixel once scaled is no dot: nothing is
    /// drawn for it, in any colouring; scaled up past it, it is drawn.
    #[test]
    fn strokes_shorter_than_half_a_pixel_are_not_drawn() {
        let short = [
            Vector::sketch(5.0, 5.0, 0.0, 0.0),
            Vector::sketch(9.0, 5.0, 0.3, -0.3),
        ];
        for colouring in Colouring::all() {
            let mut painter = black_painter(PainterSettings {
                colouring,
                ..PainterSettings::default()
            });
            let image = paint(&mut painter, 16, 12, &short);
            assert!(image.chunks(4).all(|p| p == [0, 0, 0, 255]), "{colouring}");
            let mut painter = black_painter(PainterSettings {
                colouring,
                scale: 4.0,
                ..PainterSettings::default()
            });
            let image = paint(&mut painter, 16, 12, &short);
            let lit = image.chunks(4).filter(|p| p[..3] != [0, 0, 0]).count();
            assert!(lit >= 2, "{colouring}: {lit}");
        }
    }

    /// With the path shape a vector is drawn along its path; without a path,
    /// straight.
    #[test]
    fn the_path_shape_draws_each_vectors_path() {
        let vector = [Vector::sketch(2.0, 2.0, 8.0, 0.0)];
        // Along row 2, then down column 10 to row 8, then back to row 2.
        let path = [vec![
            Point { x: 2.0, y: 2.0 },
            Point { x: 6.0, y: 2.0 },
            Point { x: 6.0, y: 8.0 },
            Point { x: 10.0, y: 8.0 },
            Point { x: 10.0, y: 2.0 },
        ]];
        let mut painter = black_painter(PainterSettings {
            shape: LineShape::Path,
            ..PainterSettings::default()
        });
        let black = vec![0u8; 14 * 12 * 4];
        let frame = Frame::new(14, 12, &black).unwrap();
        let strokes = Strokes {
            vectors: &vector,
            paths: &path,
            polylines: &[],
        };
        let image = painter.paint(frame, None, &strokes).unwrap();
        for (x, y, lit) in [
            (4, 2, true),
            (6, 5, true),
            (8, 8, true),
            (10, 5, true),
            (8, 2, false),
        ] {
            assert_eq!(red(&image, 14, x, y) == 255, lit, "({x}, {y})");
        }
        let straight = painter
            .paint(frame, None, &Strokes::from_vectors(&vector))
            .unwrap();
        assert_eq!(red(&straight, 14, 8, 2), 255);
        assert_eq!(red(&straight, 14, 6, 5), 0);
    }

    #[test]
    fn backgrounds_are_the_frame_the_filtered_plane_or_black_dimmed() {
        let pixels: Vec<u8> = (0..4 * 3 * 4).map(|i| (i * 5) as u8).collect();
        let frame = Frame::new(4, 3, &pixels).unwrap();
        let values: Vec<u8> = (0..12).map(|i| (i * 20) as u8).collect();
        let plane = Plane::new(4, 3, &values).unwrap();
        let draw = |background, dim| {
            let mut painter = Painter::new(PainterSettings {
                background,
                dim,
                ..PainterSettings::default()
            })
            .unwrap();
            painter
                .paint(frame, Some(plane), &Strokes::default())
                .unwrap()
        };
        let framed = draw(Background::Frame, 1.0);
        assert!(
            framed
                .chunks(4)
                .zip(pixels.chunks(4))
                .all(|(o, p)| o[..3] == p[..3] && o[3] == 255)
        );
        let half = draw(Background::Filtered, 0.5);
        assert!(half.chunks(4).zip(&values).all(|(o, &v)| {
            o == [(f64::from(v) * 0.5).round() as u8; 3]
                .iter()
                .copied()
                .chain([255])
                .collect::<Vec<_>>()
        }));
        assert!(
            draw(Background::Black, 1.0)
                .chunks(4)
                .all(|p| p == [0, 0, 0, 255])
        );
    }

    #[test]
    fn bad_settings_sizes_and_missing_planes_are_typed_errors() {
        for bad in [
            PainterSettings {
                width: 0.0,
                ..Default::default()
            },
            PainterSettings {
                width: f64::NAN,
                ..Default::default()
            },
            PainterSettings {
                width: 65.0,
                ..Default::default()
            },
            PainterSettings {
                dim: 1.5,
                ..Default::default()
            },
            PainterSettings {
                persistence: -0.1,
                ..Default::default()
            },
            PainterSettings {
                scale: f64::INFINITY,
                ..Default::default()
            },
            PainterSettings {
                colouring: Colouring::Speed { max: 0.0 },
                ..Default::default()
            },
        ] {
            assert_eq!(
                Painter::new(bad).unwrap_err().kind(),
                "invalid-parameter",
                "{bad:?}"
            );
        }
        let pixels = vec![0u8; 4 * 4 * 4];
        let frame = Frame::new(4, 4, &pixels).unwrap();
        let mut painter = Painter::new(PainterSettings::default()).unwrap();
        assert_eq!(
            painter
                .paint(frame, None, &Strokes::default())
                .unwrap_err()
                .kind(),
            "invalid-parameter"
        );
        let small = vec![0u8; 4];
        let plane = Plane::new(2, 2, &small).unwrap();
        assert_eq!(
            painter
                .paint(frame, Some(plane), &Strokes::default())
                .unwrap_err()
                .kind(),
            "size-mismatch"
        );
        let mut painter = black_painter(PainterSettings::default());
        painter.paint(frame, None, &Strokes::default()).unwrap();
        let other = vec![0u8; 2 * 2 * 4];
        let other = Frame::new(2, 2, &other).unwrap();
        assert_eq!(
            painter
                .paint(other, None, &Strokes::default())
                .unwrap_err()
                .kind(),
            "size-mismatch"
        );
        // Vectors far outside the frame, or not finite, draw nothing.
        let far = [
            Vector::sketch(-1e9, 5.0, 1.0, 0.0),
            Vector::sketch(f64::NAN, 1.0, 1.0, 1.0),
            Vector::sketch(1.0, 1.0, f64::INFINITY, 0.0),
            Vector::sketch(1e30, 1e30, 1.0, 1.0),
        ];
        let drawn = painter
            .paint(frame, None, &Strokes::from_vectors(&far))
            .unwrap();
        assert!(drawn.chunks(4).all(|p| p == [0, 0, 0, 255]));
    }
}
