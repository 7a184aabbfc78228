//! Drawing the ghost lines: vectors and polylines as anti-aliased strokes
//! over a background (black, the frame, or the tracker's filtered grey
//! plane, each dimmed by a factor), with trails that fade frame by frame.
//!
//! A frame is drawn as a canvas `stroke()` of one path draws its lines:
//! every stroke's coverage goes into one mask first, their union
//! ([`coverage`]), and the mask is composited over the background once, in
//! the strokes' colours ([`colouring`]), with the trails ([`compose`]).
//! [`settings`] says what is drawn and how.

mod colouring;
mod compose;
mod coverage;
mod settings;

pub use settings::{Background, Colouring, LineShape, PainterSettings, Rgba, Strokes};

use crate::error::{Error, Result};
use crate::field::FlowField;
use crate::flow::FlowStatus;
use crate::frame::{Frame, Plane};
use crate::geometry::Point;
use colouring::{Palette, SOLID, shade, shaded};
use compose::{Composite, Source};
use coverage::Coverage;

/// What a frame's strokes are drawn over: the frame's size, and what the
/// backgrounds need (the frame's pixels for `frame`, the tracker's
/// filtered plane for `filtered`, its field for `flow`).
#[derive(Debug, Clone, Copy)]
pub struct Backdrop<'a> {
    /// The frame's width, pixels.
    pub width: u32,
    /// The frame's height, pixels.
    pub height: u32,
    /// The frame's RGBA8 pixels, if the caller has them here.
    pub pixels: Option<&'a [u8]>,
    /// The tracker's filtered plane.
    pub filtered: Option<Plane<'a>>,
    /// A field-mode tracker's last field.
    pub field: Option<&'a FlowField>,
}

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
    /// With trails: the picture so far, RGBA8; empty before the first
    /// frame.
    trail: Vec<u8>,
    /// The background's brightness factor in 256ths.
    dim: u32,
    /// This frame's strokes, before they are composited; empty between
    /// frames.
    coverage: Coverage,
    /// The colour of each shade.
    palette: Palette,
    /// The `flow` background: this frame's field in colour, RGBA8 (empty
    /// without a field).
    backdrop: Vec<u8>,
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
            coverage: Coverage::default(),
            palette: Palette::new(settings.colour),
            backdrop: Vec::new(),
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
        self.paint_over_field_into(frame, filtered, None, strokes, out)
    }

    /// [`Painter::paint_into`] with the flow field the `flow` background
    /// shows (a field-mode tracker's; with none it is black).
    pub fn paint_over_field_into(
        &mut self,
        frame: Frame<'_>,
        filtered: Option<Plane<'_>>,
        field: Option<&FlowField>,
        strokes: &Strokes<'_>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let backdrop = Backdrop {
            width: frame.width(),
            height: frame.height(),
            pixels: Some(frame.pixels()),
            filtered,
            field,
        };
        self.paint_backdrop_into(&backdrop, strokes, out)
    }

    /// Refuses to draw over the `frame` background without the frame's
    /// pixels (`frame`), the one background that needs them.
    pub fn check_frame_pixels(&self, frame: Option<&[u8]>) -> Result<()> {
        if frame.is_none() && self.settings.background == Background::Frame {
            return Err(Error::InvalidParameter(
                "the frame background needs the frame's pixels".into(),
            ));
        }
        Ok(())
    }

    /// [`Painter::paint_over_field_into`] over a backdrop whose frame's
    /// pixels are needed only for the `frame` background (without them,
    /// [`Error::InvalidParameter`]).
    pub fn paint_backdrop_into(
        &mut self,
        backdrop: &Backdrop<'_>,
        strokes: &Strokes<'_>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let Backdrop {
            width: w,
            height: h,
            pixels: frame,
            filtered,
            field,
        } = *backdrop;
        self.check_size(w, h)?;
        self.check_frame_pixels(frame)?;
        if let Some(pixels) = frame {
            // A frame's own view has this length; a caller's slice may not.
            Frame::new(w, h, pixels)?;
        }
        if let Some(field) = field {
            field.check()?;
            if (field.width, field.height) != (w, h) {
                return Err(Error::SizeMismatch {
                    expected: (w, h),
                    actual: (field.width, field.height),
                });
            }
        }
        if self.settings.background == Background::Flow {
            self.backdrop = match field {
                Some(field) => {
                    let max = match self.settings.colouring {
                        Colouring::Speed { max } => max,
                        _ => Colouring::SPEED_MAX,
                    };
                    field.colour_coded(Some(max as f32))
                }
                None => Vec::new(),
            };
        }
        let source = match (self.settings.background, filtered) {
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
            (Background::Filtered, Some(plane)) => Source::Filtered(plane.values()),
            // Checked above: there are pixels for this background.
            (Background::Frame, _) => Source::Frame(frame.unwrap_or_default()),
            (Background::Flow, _) if !self.backdrop.is_empty() => Source::Frame(&self.backdrop),
            (Background::Black | Background::Flow, _) => Source::Black,
        };
        self.size = Some((w, h));
        let (width, height) = (w as usize, h as usize);
        self.coverage
            .prepare(width, height, shaded(self.settings.colouring));
        rasterise(&mut self.coverage, &self.settings, strokes);
        let composite = Composite {
            width,
            height,
            source,
            dim: self.dim,
            alpha: self.settings.colour.a,
            coverage: &self.coverage,
            palette: &self.palette,
        };
        if self.settings.persistence > 0.0 {
            composite.with_trails(out, &mut self.trail, self.settings.persistence);
        } else {
            composite.over(out);
        }
        self.coverage.clear();
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
}

/// Strokes shorter than this, pixels, are not drawn: a still point is not
/// a dot.
const SHORTEST_STROKE: f64 = 0.5;

/// Every vector and polyline into `coverage`: a vector straight along its
/// displacement (scaled) or along its path, in its shade; polylines in the
/// settings' colour.
fn rasterise(coverage: &mut Coverage, settings: &PainterSettings, strokes: &Strokes<'_>) {
    let radius = settings.width as f32 / 2.0;
    let scale = settings.scale;
    for (i, v) in strokes.vectors.iter().enumerate() {
        if v.status == Some(FlowStatus::Lost) {
            continue;
        }
        let shade = shade(settings.colouring, v);
        let path = strokes
            .paths
            .get(i)
            .filter(|p| settings.shape == LineShape::Path && p.len() >= 2);
        if let Some(path) = path {
            let length: f64 = path
                .windows(2)
                .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
                .sum();
            if length * scale.abs() >= SHORTEST_STROKE {
                // Scaled about where the path starts, as a straight vector
                // is about its origin.
                let at = |p: &Point| {
                    let x = path[0].x + scale * (p.x - path[0].x);
                    let y = path[0].y + scale * (p.y - path[0].y);
                    (x as f32, y as f32)
                };
                for pair in path.windows(2) {
                    coverage.stroke(at(&pair[0]), at(&pair[1]), radius, shade);
                }
            }
            continue;
        }
        if (scale * v.dx).hypot(scale * v.dy) < SHORTEST_STROKE {
            continue;
        }
        let from = (v.x as f32, v.y as f32);
        let to = ((v.x + scale * v.dx) as f32, (v.y + scale * v.dy) as f32);
        coverage.stroke(from, to, radius, shade);
    }
    for line in strokes.polylines {
        for pair in line.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            coverage.stroke(
                (a.x as f32, a.y as f32),
                (b.x as f32, b.y as f32),
                radius,
                SOLID,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Vector;

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

    /// As a canvas strokes one path: where strokes of one colour overlap,
    /// the picture is one stroke's, not one blended over another (which
    /// shows at an alpha under 1), with trails or without.
    #[test]
    fn overlapping_strokes_composite_once() {
        for persistence in [0.0, 0.5] {
            let settings = PainterSettings {
                colour: Rgba {
                    r: 255,
                    g: 0,
                    b: 0,
                    a: 128,
                },
                persistence,
                ..PainterSettings::default()
            };
            let once = paint(
                &mut black_painter(settings),
                24,
                9,
                &[Vector::sketch(2.0, 4.0, 18.0, 0.0)],
            );
            let overlapping = [
                Vector::sketch(2.0, 4.0, 18.0, 0.0),
                Vector::sketch(6.0, 4.0, 8.0, 0.0),
                Vector::sketch(20.0, 4.0, -10.0, 0.0),
            ];
            let thrice = paint(&mut black_painter(settings), 24, 9, &overlapping);
            assert_eq!(once, thrice, "persistence {persistence}");
            assert_eq!(red(&once, 24, 10, 4), 128);
        }
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
                    (got - want).abs() <= 2.0,
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

    #[test]
    fn the_flow_background_is_the_fields_colour_coding_or_black_without_one() {
        let (w, h) = (4u32, 2u32);
        let settings = PainterSettings {
            background: Background::Flow,
            dim: 1.0,
            ..PainterSettings::default()
        };
        let mut painter = Painter::new(settings).unwrap();
        let frame_bytes = vec![77u8; (w * h * 4) as usize];
        let frame = Frame::new(w, h, &frame_bytes).unwrap();
        let mut out = Vec::new();
        painter
            .paint_over_field_into(frame, None, None, &Strokes::default(), &mut out)
            .unwrap();
        assert!(
            out.chunks(4).all(|p| p == [0, 0, 0, 255]),
            "black without a field"
        );
        let field = FlowField {
            width: w,
            height: h,
            u: vec![10.0, 0.0, -10.0, 0.0, 5.0, 0.0, 0.0, 0.0],
            v: vec![0.0, 10.0, 0.0, -10.0, 0.0, 0.0, 0.0, 0.0],
        };
        painter
            .paint_over_field_into(frame, None, Some(&field), &Strokes::default(), &mut out)
            .unwrap();
        // Saturated at the speed colouring's scale, 10 px.
        assert_eq!(out, field.colour_coded(Some(Colouring::SPEED_MAX as f32)));
        assert_eq!(&out[..4], [255, 0, 0, 255]);
        let wrong = FlowField::zeros(2, 2);
        let e = painter
            .paint_over_field_into(frame, None, Some(&wrong), &Strokes::default(), &mut out)
            .unwrap_err();
        assert_eq!(e.kind(), "size-mismatch");
        // The frame's size, but not a value a pixel (its colour coding
        // was then short of the picture, read past its end).
        let short = FlowField {
            v: vec![0.0; 3],
            ..field
        };
        let e = painter
            .paint_over_field_into(frame, None, Some(&short), &Strokes::default(), &mut out)
            .unwrap_err();
        assert_eq!(e.kind(), "length-mismatch");
    }
}
