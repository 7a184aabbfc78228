//! Ghost lines as SVG: every frame's vectors drawn over a background, older
//! frames fainter, as the sketch drew them on its canvas.

use std::fmt::Write as _;

use crate::report::FrameReport;

/// How the lines are drawn.
#[derive(Debug, Clone, Copy)]
pub struct SvgStyle {
    /// Each line is drawn `scale` times its displacement (1 = true length).
    pub scale: f64,
    /// Stroke colour.
    pub stroke: &'static str,
}

impl Default for SvgStyle {
    fn default() -> Self {
        SvgStyle {
            scale: 1.0,
            stroke: "#00ffcc",
        }
    }
}

/// An SVG document of `width x height` with the vectors of `frames` over
/// `background`, an image href (typically a `data:image/png;base64,...`
/// URI of the last frame), or black when `None`.
///
/// ```
/// use ghostlines_core::{FrameReport, SvgStyle, Vector, motion_svg};
/// let frame = FrameReport {
///     index: 1,
///     centroid: None,
///     centroid_motion: None,
///     vectors: vec![Vector { x: 2.0, y: 3.0, dx: 1.5, dy: -1.0 }],
/// };
/// let svg = motion_svg(8, 8, &[frame], None, SvgStyle::default());
/// assert!(svg.contains("M2.5 3.5l1.5 -1"));
/// ```
pub fn motion_svg(
    width: u32,
    height: u32,
    frames: &[FrameReport],
    background: Option<&str>,
    style: SvgStyle,
) -> String {
    let (w, h) = (width, height);
    let mut svg = String::new();
    // `write!` to a String cannot fail.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    match background {
        Some(href) => {
            let _ = writeln!(svg, r#"<image width="{w}" height="{h}" href="{href}"/>"#);
        }
        None => {
            let _ = writeln!(svg, r#"<rect width="{w}" height="{h}" fill="black"/>"#);
        }
    }
    let _ = writeln!(
        svg,
        r#"<g fill="none" stroke="{}" stroke-width="1" stroke-linecap="round">"#,
        style.stroke
    );
    let newest = frames.iter().map(|f| f.index).max().unwrap_or(0) as f64;
    for frame in frames.iter().filter(|f| !f.vectors.is_empty()) {
        // The newest frame is opaque; the oldest fades to a fifth.
        let opacity = 0.2 + 0.8 * (frame.index as f64 + 1.0) / (newest + 1.0);
        let _ = write!(svg, r#"<path stroke-opacity="{opacity:.3}" d=""#);
        for v in &frame.vectors {
            // Pixel (x, y) has its centre at (x + 0.5, y + 0.5) in SVG space.
            let _ = write!(
                svg,
                "M{} {}l{} {}",
                v.x + 0.5,
                v.y + 0.5,
                round3(v.dx * style.scale),
                round3(v.dy * style.scale)
            );
        }
        let _ = writeln!(svg, r#""/>"#);
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
