//! Ghost lines as SVG: every frame's vectors drawn over a background, older
//! frames fainter, as the sketch drew them on its canvas.

use std::fmt::Write as _;

use crate::flow::FlowStatus;
use crate::report::{EdgeReport, FrameReport};

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
///     vectors: vec![Vector::sketch(2.0, 3.0, 1.5, -1.0)],
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
    // `write!` to a String cannot fail.
    // About 40 bytes a line ("M123.5 45.5l-1.25 0.5").
    let lines: usize = frames.iter().map(|f| f.vectors.len()).sum();
    let mut svg = header(width, height, background, lines.saturating_mul(40));
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
        // Lost flow points have no displacement to draw.
        for v in frame
            .vectors
            .iter()
            .filter(|v| v.status != Some(FlowStatus::Lost))
        {
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

/// An SVG document of edge polylines (and, if any, gradient ticks scaled
/// to `gradient_scale` pixels a grey level a pixel) over `background`.
pub fn edges_svg(
    report: &EdgeReport,
    background: Option<&str>,
    gradient_scale: f64,
    style: SvgStyle,
) -> String {
    let (w, h) = (report.width, report.height);
    // About 16 bytes a polyline point, 40 a gradient tick.
    let points: usize = report.polylines.iter().map(Vec::len).sum();
    let drawing = points
        .saturating_mul(16)
        .saturating_add(report.gradients.len().saturating_mul(40));
    let mut svg = header(w, h, background, drawing);
    let _ = writeln!(
        svg,
        r#"<g fill="none" stroke="{}" stroke-width="1" stroke-linejoin="round">"#,
        style.stroke
    );
    for line in &report.polylines {
        let _ = write!(svg, r#"<polyline points=""#);
        for (i, [x, y]) in line.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            let _ = write!(svg, "{sep}{},{}", round3(x + 0.5), round3(y + 0.5));
        }
        let _ = writeln!(svg, r#""/>"#);
    }
    svg.push_str("</g>\n");
    if !report.gradients.is_empty() {
        let _ = write!(
            svg,
            r##"<path fill="none" stroke="#ff3366" stroke-opacity="0.8" d=""##
        );
        for g in report.gradients.iter().filter(|g| g.magnitude > 0.0) {
            let _ = write!(
                svg,
                "M{} {}l{} {}",
                g.x + 0.5,
                g.y + 0.5,
                round3(g.dx * gradient_scale),
                round3(g.dy * gradient_scale)
            );
        }
        let _ = writeln!(svg, r#""/>"#);
    }
    svg.push_str("</svg>\n");
    svg
}

/// `value` escaped for XML text or a double-quoted attribute (`&`, `"`,
/// `<` and `>`), as every SVG writer here needs it.
///
/// ```
/// assert_eq!(ghostlines_core::xml_escape(r#"a & "b" <c>"#), "a &amp; &quot;b&quot; &lt;c&gt;");
/// ```
pub fn xml_escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    push_xml_escaped(&mut escaped, value);
    escaped
}

/// Appends `value` to `out`, escaped as [`xml_escape`] does, copying the
/// runs between escapes whole: a data URL (nothing to escape) is copied
/// once, and no escaped copy of it is made.
fn push_xml_escaped(out: &mut String, value: &str) {
    let mut rest = value;
    while let Some(at) = rest.find(['&', '"', '<', '>']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'<' => "&lt;",
            _ => "&gt;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// The document's head and background, in a string with room for
/// `drawing` more bytes. A background of a large frame is tens of
/// megabytes: reserved up front, the string is not reallocated (old and new
/// copy at once) when the drawing is appended.
fn header(w: u32, h: u32, background: Option<&str>, drawing: usize) -> String {
    let room = 256usize
        .saturating_add(background.map_or(0, str::len))
        .saturating_add(drawing);
    let mut svg = String::with_capacity(room);
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    match background {
        Some(href) => {
            let _ = write!(svg, r#"<image width="{w}" height="{h}" href=""#);
            push_xml_escaped(&mut svg, href);
            svg.push_str("\"/>\n");
        }
        None => {
            let _ = writeln!(svg, r#"<rect width="{w}" height="{h}" fill="black"/>"#);
        }
    }
    svg
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seen while writing the core_vectors fuzz target (which checks it
    /// now): a background reference with a quote closed the attribute and
    /// broke the document.
    #[test]
    fn the_background_reference_is_escaped() {
        let svg = motion_svg(
            4,
            3,
            &[],
            Some("data:,\"/><script>x</script>&"),
            SvgStyle::default(),
        );
        assert!(svg.contains(r#"href="data:,&quot;/&gt;&lt;script&gt;x&lt;/script&gt;&amp;""#));
        assert!(!svg.contains("<script"));
    }
}
