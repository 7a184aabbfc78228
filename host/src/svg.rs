//! Ghost lines as SVG: the vectors of every frame drawn over the last
//! frame, older frames fainter, as the sketch drew them on its canvas.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::bindings::Frame;
use crate::report::MotionReport;

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

/// An SVG document of the report's vectors over `background` (the last
/// frame, embedded as a PNG).
pub fn motion_svg(
    report: &MotionReport,
    background: &Frame,
    style: SvgStyle,
) -> anyhow::Result<String> {
    let png = crate::files::png_rgba(background)?;
    let (w, h) = (report.width, report.height);
    let mut svg = String::new();
    // `write!` to a String cannot fail.
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    let _ = writeln!(
        svg,
        r#"<image width="{w}" height="{h}" href="data:image/png;base64,{}"/>"#,
        base64::engine::general_purpose::STANDARD.encode(png)
    );
    let _ = writeln!(
        svg,
        r#"<g fill="none" stroke="{}" stroke-width="1" stroke-linecap="round">"#,
        style.stroke
    );
    let count = report.frames.len().max(1) as f64;
    for frame in report.frames.iter().filter(|f| !f.vectors.is_empty()) {
        // The newest frame is opaque; the oldest fades to a fifth.
        let opacity = 0.2 + 0.8 * (frame.index + 1) as f64 / count;
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
    Ok(svg)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
