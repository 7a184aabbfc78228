//! Edges as vectors: Canny (Gaussian smoothing, Sobel gradients,
//! non-maximum suppression, hysteresis), traced into polylines and
//! simplified with Ramer–Douglas–Peucker.

use crate::bytescan::{flagged, positions};
use crate::error::{Error, Result};
use crate::frame::Plane;
use crate::geometry::Point;
use crate::gradients::{GradientOperator, gradient_row};
use crate::pyramid::{GreyF32, gaussian_kernel};

/// How edges are found and simplified.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeSettings {
    /// Gaussian smoothing before the gradients, in pixels; 0.5..=10.
    pub sigma: f64,
    /// Hysteresis: edges continue through gradients of at least `low`…
    pub low: f64,
    /// …and start only at gradients of at least `high` (grey levels a
    /// pixel of the smoothed image, Sobel scaled by 1/8); 0 <= low <= high.
    pub high: f64,
    /// Ramer–Douglas–Peucker tolerance in pixels: no dropped point lies
    /// farther than this from the simplified line; 0 keeps every pixel.
    pub tolerance: f64,
    /// Polylines (or, with `straight_only`, segments) shorter than this,
    /// in pixels, are dropped.
    pub min_length: f64,
    /// Return only the straight segments of the simplified polylines, each
    /// as a two-point polyline.
    pub straight_only: bool,
}

impl Default for EdgeSettings {
    /// sigma 1.4, thresholds 8 and 20, tolerance 0.5 px, no minimum
    /// length, whole polylines.
    fn default() -> Self {
        EdgeSettings {
            sigma: 1.4,
            low: 8.0,
            high: 20.0,
            tolerance: 0.5,
            min_length: 0.0,
            straight_only: false,
        }
    }
}

impl EdgeSettings {
    /// Checks the ranges.
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::InvalidParameter(what));
        if !(0.5..=10.0).contains(&self.sigma) {
            return bad(format!("sigma must be in 0.5..=10, got {}", self.sigma));
        }
        if !(0.0..=1e4).contains(&self.low) || !(self.low..=1e4).contains(&self.high) {
            return bad(format!(
                "thresholds must satisfy 0 <= low <= high <= 10000, got low {} and high {}",
                self.low, self.high
            ));
        }
        if !(0.0..=1e4).contains(&self.tolerance) {
            return bad(format!(
                "tolerance must be in 0..=10000, got {}",
                self.tolerance
            ));
        }
        if !(0.0..=1e6).contains(&self.min_length) {
            return bad(format!(
                "min-length must be in 0..=1e6, got {}",
                self.min_length
            ));
        }
        Ok(())
    }
}

/// The Canny edge map of `plane`: 1 on edge pixels, 0 elsewhere.
pub fn canny(plane: Plane<'_>, settings: &EdgeSettings) -> Result<Vec<u8>> {
    settings.check()?;
    let edges = canny_f32(&GreyF32::from_plane(plane), settings);
    Ok((0..edges.marks.len())
        .map(|i| u8::from(edges.is_edge(i)))
        .collect())
}

/// A Canny edge map, kept with what the polylines need of it: for every
/// pixel a class, and for the pixels that passed non-maximum suppression
/// the direction across the edge; and the gradient magnitudes, for the
/// sub-pixel position of each edge pixel.
struct Edges {
    width: usize,
    /// The class in the low two bits, an index into [`ACROSS`] above them.
    marks: Vec<u8>,
    magnitude: Vec<f32>,
}

/// A local maximum of the gradient below the high threshold…
const WEAK: u8 = 1;
/// …at or above it…
const STRONG: u8 = 2;
/// …and one that hysteresis kept: an edge pixel.
const EDGE: u8 = 3;
const CLASS: u8 = 0b11;

/// The four steps across an edge.
const ACROSS: [(isize, isize); 4] = [(1, 0), (0, 1), (1, 1), (1, -1)];

impl Edges {
    fn is_edge(&self, i: usize) -> bool {
        self.marks[i] & CLASS == EDGE
    }

    /// The edge pixels in row-major order (most words of 8 marks hold
    /// none).
    fn edge_pixels(&self) -> Vec<usize> {
        // A word holds an EDGE only if some byte has both class bits set.
        let may_hold = |v: u64| v & (v >> 1) & 0x0101_0101_0101_0101 != 0;
        positions(&self.marks, may_hold, |mark| mark & CLASS == EDGE).collect()
    }

    /// The peak of the parabola through the three magnitudes across the
    /// edge at edge pixel `i`: the edge's sub-pixel position, within half a
    /// step of the pixel.
    fn peak_offset(&self, i: usize) -> (f32, f32) {
        let across = ACROSS[usize::from(self.marks[i] >> 2)];
        let (before, after) = around(&self.magnitude, self.width, i, across);
        let curvature = before - 2.0 * self.magnitude[i] + after;
        let t = if curvature < 0.0 {
            (0.5 * (before - after) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        (t * across.0 as f32, t * across.1 as f32)
    }
}

/// Which of [`ACROSS`] is nearest the gradient's direction.
fn across_index(gx: f32, gy: f32) -> u8 {
    // tan(22.5°) = √2 − 1, written out so no libm call can differ between
    // targets.
    let tan22 = std::f32::consts::SQRT_2 - 1.0;
    let (ax, ay) = (gx.abs(), gy.abs());
    // Selects, not branches: the directions are as good as random.
    let diagonal = if (gx > 0.0) == (gy > 0.0) { 2 } else { 3 };
    let steep = if ax <= ay * tan22 { 1 } else { diagonal };
    if ay <= ax * tan22 { 0 } else { steep }
}

/// The magnitudes one step before and after interior pixel `i`.
fn around(magnitude: &[f32], width: usize, i: usize, (dx, dy): (isize, isize)) -> (f32, f32) {
    let step = dy * width as isize + dx;
    (
        magnitude[i.wrapping_add_signed(-step)],
        magnitude[i.wrapping_add_signed(step)],
    )
}

/// The gradient magnitudes of a row. (This and [`Suppression::row`] are
/// kept out of `canny_f32`: inside it, Cranelift held the Wasm memory base
/// on the stack and reloaded it for every access.)
#[inline(never)]
fn magnitude_row(gx: &[f32], gy: &[f32], out: &mut [f32]) {
    for ((m, a), b) in out.iter_mut().zip(gx).zip(gy) {
        *m = (a * a + b * b).sqrt();
    }
}

/// Non-maximum suppression, a row at a time.
struct Suppression {
    /// The hysteresis thresholds on the gradient magnitude.
    low: f32,
    high: f32,
    /// One flag per interior pixel of a row, padded to whole words.
    candidates: Vec<u8>,
}

impl Suppression {
    fn new(settings: &EdgeSettings, width: usize) -> Suppression {
        let inner = width.saturating_sub(2);
        Suppression {
            low: settings.low as f32,
            high: settings.high as f32,
            candidates: vec![0; inner.next_multiple_of(8)],
        }
    }

    /// Marks the local maxima across the edge on interior row `row` WEAK or
    /// STRONG, with their direction; `gradients` are that row's.
    #[inline(never)]
    fn row(
        &mut self,
        magnitude: &[f32],
        w: usize,
        row: usize,
        (gx, gy): (&[f32], &[f32]),
        marks: &mut [u8],
    ) {
        // The pixels strong enough to be edges at all, branch-free (it
        // vectorises); then only those are looked at. Most pixels are flat,
        // and a branch a pixel was the slow part in Wasm.
        let inside = &magnitude[row * w + 1..][..w.saturating_sub(2)];
        for (c, &m) in self.candidates.iter_mut().zip(inside) {
            *c = u8::from(!(m < self.low || m == 0.0));
        }
        for x in flagged(&self.candidates).map(|k| 1 + k) {
            let i = row * w + x;
            let m = magnitude[i];
            let index = across_index(gx[x], gy[x]);
            let (before, after) = around(magnitude, w, i, ACROSS[usize::from(index)]);
            // Strictly above one neighbour, at least the other: of two
            // equal pixels across an edge, exactly one survives. Computed,
            // not branched on: which candidates are maxima is as good as
            // random, and mispredicted branches cost Wasm 6 % of edges.
            let maximum = (m > before) & (m >= after);
            let class = if m >= self.high { STRONG } else { WEAK };
            marks[i] = u8::from(maximum) * (class | index << 2);
        }
    }
}

fn canny_f32(image: &GreyF32, settings: &EdgeSettings) -> Edges {
    let (w, h) = (image.width, image.height);
    let smooth = image.convolve(&gaussian_kernel(settings.sigma as f32));
    let mut magnitude = vec![0.0f32; w * h];
    let mut marks = vec![0u8; w * h];
    // Gradients a row at a time: a row's are kept until the next row's
    // magnitudes are known, then non-maximum suppression runs on it.
    let mut gx = [vec![0.0f32; w], vec![0.0f32; w]];
    let mut gy = [vec![0.0f32; w], vec![0.0f32; w]];
    let mut suppression = Suppression::new(settings, w);
    for y in 0..h {
        let (row_gx, row_gy) = (&mut gx[y % 2], &mut gy[y % 2]);
        gradient_row(&smooth, y, GradientOperator::Sobel, row_gx, row_gy);
        magnitude_row(row_gx, row_gy, &mut magnitude[y * w..(y + 1) * w]);
        if y >= 2 {
            let row = y - 1;
            let gradients = (&gx[row % 2][..], &gy[row % 2][..]);
            suppression.row(&magnitude, w, row, gradients, &mut marks);
        }
    }

    // Hysteresis: grow from strong pixels through weak 8-neighbours. (A
    // word holds a STRONG only if some byte has class bit 1 without bit 0.)
    let may_hold = |v: u64| (v >> 1) & !v & 0x0101_0101_0101_0101 != 0;
    let strong = positions(&marks, may_hold, |mark| mark & CLASS == STRONG);
    let mut stack: Vec<usize> = strong.collect();
    for &i in &stack {
        marks[i] |= EDGE;
    }
    while let Some(i) = stack.pop() {
        let (x, y) = ((i % w) as isize, (i / w) as isize);
        for (nx, ny) in neighbours(x, y) {
            if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                continue;
            }
            let j = ny as usize * w + nx as usize;
            if marks[j] & CLASS == WEAK {
                marks[j] |= EDGE;
                stack.push(j);
            }
        }
    }
    Edges {
        width: w,
        marks,
        magnitude,
    }
}

/// The 8 neighbours, the 4 edge-adjacent ones first (tracing prefers
/// them, so staircases are walked pixel by pixel).
fn neighbours(x: isize, y: isize) -> [(isize, isize); 8] {
    [
        (x + 1, y),
        (x, y + 1),
        (x - 1, y),
        (x, y - 1),
        (x + 1, y + 1),
        (x - 1, y + 1),
        (x - 1, y - 1),
        (x + 1, y - 1),
    ]
}

/// Edge polylines of `plane`: Canny, traced, simplified. Points are in
/// pixel coordinates, each edge pixel moved to the sub-pixel peak of the
/// gradient across the edge; a closed outline repeats its first point at
/// the end.
///
/// ```
/// use ghostlines_core::{EdgeSettings, Plane, edge_polylines};
/// // A bright rectangle: its outline comes back as one closed polyline.
/// let (w, h) = (40u32, 30u32);
/// let values: Vec<u8> = (0..w * h)
///     .map(|i| if (10..30).contains(&(i % w)) && (8..22).contains(&(i / w)) { 220 } else { 20 })
///     .collect();
/// let lines = edge_polylines(Plane::new(w, h, &values)?, &EdgeSettings::default())?;
/// assert_eq!(lines.len(), 1);
/// assert_eq!(lines[0].first(), lines[0].last());
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
pub fn edge_polylines(plane: Plane<'_>, settings: &EdgeSettings) -> Result<Vec<Vec<Point>>> {
    settings.check()?;
    let image = GreyF32::from_plane(plane);
    let edges = canny_f32(&image, settings);
    let chains = trace(&edges, image.width, image.height);
    let mut out = Vec::new();
    for chain in chains {
        let simplified = rdp(&chain, settings.tolerance);
        if settings.straight_only {
            out.extend(
                simplified
                    .windows(2)
                    .filter(|s| distance(s[0], s[1]) >= settings.min_length.max(f64::MIN_POSITIVE))
                    .map(|s| s.to_vec()),
            );
        } else if simplified.len() >= 2 && length(&simplified) >= settings.min_length {
            out.push(simplified);
        }
    }
    Ok(out)
}

/// Walks the edge map into chains of 8-connected pixels: first from
/// endpoints and junctions (pixels without exactly two neighbours), then
/// the closed loops that are left, which end where they began.
fn trace(canny: &Edges, w: usize, h: usize) -> Vec<Vec<Point>> {
    let on = |x: isize, y: isize| {
        x >= 0
            && y >= 0
            && (x as usize) < w
            && (y as usize) < h
            && canny.is_edge(y as usize * w + x as usize)
    };
    let mut visited = vec![false; w * h];
    let mut chains = Vec::new();
    let degree = |x: isize, y: isize| {
        neighbours(x, y)
            .iter()
            .filter(|&&(nx, ny)| on(nx, ny))
            .count()
    };
    // A chain whose end comes back next to its start is a loop: close it.
    let walk = |start: usize, visited: &mut Vec<bool>| {
        let mut chain = vec![start];
        visited[start] = true;
        let mut current = start;
        loop {
            let (x, y) = ((current % w) as isize, (current / w) as isize);
            let next = neighbours(x, y)
                .into_iter()
                .find(|&(nx, ny)| on(nx, ny) && !visited[ny as usize * w + nx as usize]);
            let Some((nx, ny)) = next else { break };
            current = ny as usize * w + nx as usize;
            visited[current] = true;
            chain.push(current);
        }
        if chain.len() > 3 {
            let (sx, sy) = ((start % w) as isize, (start / w) as isize);
            let (ex, ey) = ((current % w) as isize, (current / w) as isize);
            if (sx - ex).abs() <= 1 && (sy - ey).abs() <= 1 {
                chain.push(start);
            }
        }
        chain
    };
    let edge_pixels = canny.edge_pixels();
    for pass in [false, true] {
        for &i in &edge_pixels {
            if visited[i] {
                continue;
            }
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            if !pass && degree(x, y) == 2 {
                continue;
            }
            // An endpoint may have been reached from the other end already;
            // junctions start as many chains as they have free branches.
            let chain = walk(i, &mut visited);
            if chain.len() >= 2 {
                chains.push(chain);
            }
            if !pass {
                // Further branches out of a junction.
                loop {
                    let free = neighbours(x, y)
                        .into_iter()
                        .find(|&(nx, ny)| on(nx, ny) && !visited[ny as usize * w + nx as usize]);
                    let Some((nx, ny)) = free else { break };
                    let mut branch = walk(ny as usize * w + nx as usize, &mut visited);
                    branch.insert(0, i);
                    chains.push(branch);
                }
            }
        }
    }
    chains
        .into_iter()
        .map(|chain| {
            chain
                .into_iter()
                .map(|i| {
                    // Every edge pixel is an interior pixel that passed
                    // non-maximum suppression.
                    let (ox, oy) = canny.peak_offset(i);
                    Point {
                        x: (i % w) as f64 + f64::from(ox),
                        y: (i / w) as f64 + f64::from(oy),
                    }
                })
                .collect()
        })
        .collect()
}

/// Ramer–Douglas–Peucker: the fewest of `points` (first and last always
/// kept) such that every dropped point lies within `tolerance` of the
/// simplified polyline's segment that replaced it.
///
/// ```
/// use ghostlines_core::{Point, rdp};
/// let p = |x: f64, y: f64| Point { x, y };
/// let line = [p(0.0, 0.0), p(1.0, 0.1), p(2.0, -0.1), p(3.0, 5.0), p(4.0, 6.0)];
/// assert_eq!(rdp(&line, 0.5), [p(0.0, 0.0), p(2.0, -0.1), p(3.0, 5.0), p(4.0, 6.0)]);
/// ```
pub fn rdp(points: &[Point], tolerance: f64) -> Vec<Point> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    // An explicit stack instead of recursion: long chains cannot overflow.
    let mut spans = vec![(0, points.len() - 1)];
    while let Some((first, last)) = spans.pop() {
        if last <= first + 1 {
            continue;
        }
        let (mut farthest, mut worst) = (first, -1.0f64);
        for (i, &p) in points.iter().enumerate().take(last).skip(first + 1) {
            let d = segment_distance(p, points[first], points[last]);
            if d > worst {
                (farthest, worst) = (i, d);
            }
        }
        if worst > tolerance {
            keep[farthest] = true;
            spans.push((first, farthest));
            spans.push((farthest, last));
        }
    }
    points
        .iter()
        .zip(keep)
        .filter_map(|(&p, k)| k.then_some(p))
        .collect()
}

/// Distance from `p` to the segment `a`–`b`.
pub(crate) fn segment_distance(p: Point, a: Point, b: Point) -> f64 {
    let (vx, vy) = (b.x - a.x, b.y - a.y);
    let len2 = vx * vx + vy * vy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.x - a.x) * vx + (p.y - a.y) * vy) / len2).clamp(0.0, 1.0)
    };
    let (ex, ey) = (p.x - (a.x + t * vx), p.y - (a.y + t * vy));
    (ex * ex + ey * ey).sqrt()
}

fn distance(a: Point, b: Point) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

fn length(polyline: &[Point]) -> f64 {
    polyline.windows(2).map(|s| distance(s[0], s[1])).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Draws with `inside(x, y)`: 220 inside, 20 outside.
    fn shape(w: u32, h: u32, inside: impl Fn(f64, f64) -> bool) -> Vec<u8> {
        (0..w * h)
            .map(|i| {
                if inside(f64::from(i % w), f64::from(i / w)) {
                    220
                } else {
                    20
                }
            })
            .collect()
    }

    /// Distance from `p` to the nearest segment of any polyline.
    fn to_polylines(p: Point, lines: &[Vec<Point>]) -> f64 {
        lines
            .iter()
            .flat_map(|l| l.windows(2).map(move |s| segment_distance(p, s[0], s[1])))
            .fold(f64::INFINITY, f64::min)
    }

    /// Every polyline point within 1 px of the outline, and >= 95% of the
    /// outline within 1 px of a polyline.
    fn check_outline(
        lines: &[Vec<Point>],
        outline: &[Point],
        distance_to_outline: impl Fn(Point) -> f64,
    ) {
        assert!(!lines.is_empty());
        for line in lines {
            for s in line.windows(2) {
                for k in 0..=10 {
                    let t = f64::from(k) / 10.0;
                    let p = Point {
                        x: s[0].x + t * (s[1].x - s[0].x),
                        y: s[0].y + t * (s[1].y - s[0].y),
                    };
                    let d = distance_to_outline(p);
                    assert!(d <= 1.0, "{p:?} is {d} px off the outline");
                }
            }
        }
        let covered = outline
            .iter()
            .filter(|&&p| to_polylines(p, lines) <= 1.0)
            .count();
        assert!(
            covered * 100 >= outline.len() * 95,
            "{covered} of {}",
            outline.len()
        );
    }

    #[test]
    fn a_circle() {
        let (cx, cy, r) = (40.3, 35.7, 20.0);
        let values = shape(80, 70, |x, y| (x - cx).hypot(y - cy) <= r);
        let lines = edge_polylines(
            Plane::new(80, 70, &values).unwrap(),
            &EdgeSettings::default(),
        )
        .unwrap();
        // Pixels whose centres lie within r cover about pi r^2 (Gauss's
        // circle problem): the outline is the circle of radius r.
        let outline: Vec<Point> = (0..360)
            .map(|k| {
                let a = f64::from(k).to_radians();
                Point {
                    x: cx + r * a.cos(),
                    y: cy + r * a.sin(),
                }
            })
            .collect();
        check_outline(&lines, &outline, |p| ((p.x - cx).hypot(p.y - cy) - r).abs());
    }

    #[test]
    fn a_rectangle_and_a_line() {
        // Inside pixels 10..=49 x 15..=39: the boundary at x = 9.5 and 49.5.
        let values = shape(60, 50, |x, y| {
            (10.0..50.0).contains(&x) && (15.0..40.0).contains(&y)
        });
        let lines = edge_polylines(
            Plane::new(60, 50, &values).unwrap(),
            &EdgeSettings::default(),
        )
        .unwrap();
        let (x0, x1, y0, y1) = (9.5, 49.5, 14.5, 39.5);
        let mut outline = Vec::new();
        for k in 0..=80 {
            let t = f64::from(k) / 80.0;
            outline.push(Point {
                x: x0 + t * (x1 - x0),
                y: y0,
            });
            outline.push(Point {
                x: x0 + t * (x1 - x0),
                y: y1,
            });
            outline.push(Point {
                x: x0,
                y: y0 + t * (y1 - y0),
            });
            outline.push(Point {
                x: x1,
                y: y0 + t * (y1 - y0),
            });
        }
        let to_rect = |p: Point| {
            let dx = (p.x - x0).abs().min((p.x - x1).abs());
            let dy = (p.y - y0).abs().min((p.y - y1).abs());
            let inside_x = (x0..=x1).contains(&p.x);
            let inside_y = (y0..=y1).contains(&p.y);
            match (inside_x, inside_y) {
                (true, true) => dx.min(dy),
                (true, false) => dy,
                (false, true) => dx,
                (false, false) => dx.hypot(dy),
            }
        };
        check_outline(&lines, &outline, to_rect);
        // Simplified to little more than its four (rounded) corners.
        let points: usize = lines.iter().map(Vec::len).sum();
        assert!(points <= 16, "{lines:?}");

        // A thick diagonal line: two long straight sides.
        let values = shape(64, 64, |x, y| {
            ((y - 0.5 * x - 10.0) / 1.25f64.sqrt()).abs() <= 3.0
        });
        let settings = EdgeSettings {
            straight_only: true,
            min_length: 20.0,
            ..Default::default()
        };
        let segments = edge_polylines(Plane::new(64, 64, &values).unwrap(), &settings).unwrap();
        assert!(segments.len() >= 2, "{segments:?}");
        for s in &segments {
            assert_eq!(s.len(), 2);
            let slope = (s[1].y - s[0].y) / (s[1].x - s[0].x);
            assert!((slope - 0.5).abs() < 0.05, "{s:?}");
        }
    }

    #[test]
    fn images_without_an_interior_have_no_edges() {
        // Suppression looks at interior pixels only: rows and columns of
        // one or two pixels have none, however strong their gradients.
        for (w, h) in [(1, 1), (1, 9), (2, 9), (9, 1), (9, 2)] {
            let values: Vec<u8> = (0..w * h)
                .map(|i| if i % 2 == 0 { 0 } else { 255 })
                .collect();
            let plane = Plane::new(w, h, &values).unwrap();
            let settings = EdgeSettings::default();
            assert!(canny(plane, &settings).unwrap().iter().all(|&v| v == 0));
            assert!(edge_polylines(plane, &settings).unwrap().is_empty());
        }
    }

    #[test]
    fn flat_images_have_no_edges_and_settings_are_checked() {
        let flat = Plane::new(30, 30, &[77; 900]).unwrap();
        assert!(
            edge_polylines(flat, &EdgeSettings::default())
                .unwrap()
                .is_empty()
        );
        for bad in [
            EdgeSettings {
                sigma: 0.0,
                ..Default::default()
            },
            EdgeSettings {
                low: 30.0,
                high: 20.0,
                ..Default::default()
            },
            EdgeSettings {
                tolerance: -1.0,
                ..Default::default()
            },
            EdgeSettings {
                min_length: f64::NAN,
                ..Default::default()
            },
        ] {
            assert_eq!(
                edge_polylines(flat, &bad).unwrap_err().kind(),
                "invalid-parameter"
            );
        }
    }

    proptest! {
        #[test]
        fn rdp_keeps_every_point_within_tolerance(
            ys in proptest::collection::vec(-20.0f64..20.0, 2..60),
            tolerance in 0.0f64..5.0,
        ) {
            let points: Vec<Point> = ys.iter().enumerate().map(|(i, &y)| Point { x: i as f64, y }).collect();
            let simplified = rdp(&points, tolerance);
            prop_assert_eq!(simplified.first(), points.first());
            prop_assert_eq!(simplified.last(), points.last());
            // Each original point is within tolerance of the simplified
            // segment spanning it (x is increasing, so spans are by x).
            for p in &points {
                let segment = simplified.windows(2).find(|s| s[0].x <= p.x && p.x <= s[1].x).unwrap();
                prop_assert!(segment_distance(*p, segment[0], segment[1]) <= tolerance + 1e-9);
            }
        }
    }
}
