//! What a bench run measured, and its rendering: the table, the SVG bar
//! chart and the scaling table.

use ghostlines_core as core_;
use serde::Serialize;

use super::stats::Timing;

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    /// The operation.
    pub operation: String,
    /// Through Wasmtime, copies in and out of the component included;
    /// `None` for native-only reference rows.
    pub component: Option<Timing>,
    /// The same `core` code called natively; `None` for component-only
    /// rows.
    pub native: Option<Timing>,
    /// component median / native median.
    pub ratio: Option<f64>,
    /// What else the row measured (a speed-up, the CPU it kept busy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl BenchRow {
    /// A row timed both ways.
    pub fn compared(operation: String, component: Timing, native: Timing) -> BenchRow {
        BenchRow {
            operation,
            component: Some(component),
            native: Some(native),
            ratio: Some(component.median_ms / native.median_ms),
            note: None,
        }
    }

    /// A row with only the component's time.
    pub fn component_only(operation: &str, component: Timing) -> BenchRow {
        BenchRow {
            operation: operation.into(),
            component: Some(component),
            native: None,
            ratio: None,
            note: None,
        }
    }

    /// A row with only a native time: a reference.
    pub fn native_only(operation: &str, native: Timing) -> BenchRow {
        BenchRow {
            operation: operation.into(),
            component: None,
            native: Some(native),
            ratio: None,
            note: None,
        }
    }
}

/// A whole bench run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Timed iterations a row (after warm-up).
    pub iterations: usize,
    /// How the native baseline was compiled.
    pub native_build: String,
    /// The rows, in table order.
    pub rows: Vec<BenchRow>,
}

/// The operation column's width: the longest name fits.
const OPERATION_WIDTH: usize = 46;

impl BenchReport {
    /// The table as text.
    pub fn table(&self) -> String {
        let mut out = format!(
            "ghostlines bench: {}x{}, {} iterations a row, median (p90) in ms\nnative: {}\n\n",
            self.width, self.height, self.iterations, self.native_build
        );
        out.push_str(&format!(
            "{:<OPERATION_WIDTH$} {:>20} {:>20} {:>8}\n",
            "operation", "component", "native", "ratio"
        ));
        let cell = |t: &Timing| format!("{:.3} ({:.3})", t.median_ms, t.p90_ms);
        for row in &self.rows {
            let line = format!(
                "{:<OPERATION_WIDTH$} {:>20} {:>20} {:>8}",
                row.operation,
                row.component.as_ref().map_or("-".into(), cell),
                row.native.as_ref().map_or("-".into(), cell),
                row.ratio.map_or("-".into(), |r| format!("{r:.2}x")),
            );
            match &row.note {
                Some(note) => out.push_str(&format!("{line}   {note}\n")),
                None => out.push_str(&format!("{line}\n")),
            }
        }
        out
    }

    /// The table as a bar chart: one pair of bars a row (component, native)
    /// on a logarithmic time axis, since rows span four orders of magnitude.
    pub fn svg(&self) -> String {
        let rows: Vec<&BenchRow> = self
            .rows
            .iter()
            .filter(|r| r.component.is_some() || r.native.is_some())
            .collect();
        let chart = Chart::new(&rows);
        let mut svg = chart.head(self);
        chart.decades(&mut svg);
        for (i, row) in rows.iter().enumerate() {
            chart.row(&mut svg, i, row);
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// The bar chart's geometry: a label column, then a log-scale time axis
/// from one decade below the fastest row to one above the slowest.
struct Chart {
    label_w: f64,
    chart_w: f64,
    row_h: f64,
    top: f64,
    width: f64,
    height: f64,
    /// The axis' first and last decade, ms.
    lo: f64,
    hi: f64,
}

impl Chart {
    fn new(rows: &[&BenchRow]) -> Chart {
        let (label_w, chart_w, row_h, top) = (330.0, 520.0, 30.0, 60.0);
        let times = rows
            .iter()
            .flat_map(|r| [r.component, r.native])
            .flatten()
            .map(|t| t.median_ms);
        let (lo, hi) = times.fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        Chart {
            label_w,
            chart_w,
            row_h,
            top,
            width: label_w + chart_w + 140.0,
            height: top + row_h * rows.len() as f64 + 40.0,
            lo: 10f64.powf(lo.max(1e-4).log10().floor()),
            hi: 10f64.powf(hi.max(1e-3).log10().ceil()),
        }
    }

    /// Where `ms` falls on the axis.
    fn x(&self, ms: f64) -> f64 {
        self.label_w
            + self.chart_w * (ms.max(self.lo) / self.lo).log10() / (self.hi / self.lo).log10()
    }

    /// The document, its title and legend.
    fn head(&self, report: &BenchReport) -> String {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="14" font-weight="bold">ghostlines bench, {w}x{h}: median ms, log scale</text>
<text x="10" y="38" fill="#555">{native}</text>
<rect x="{lx}" y="10" width="12" height="10" fill="#2a7"/><text x="{lx2}" y="19">component (Wasmtime)</text>
<rect x="{lx}" y="26" width="12" height="10" fill="#888"/><text x="{lx2}" y="35">native core</text>
"##,
            width = self.width,
            height = self.height,
            w = report.width,
            h = report.height,
            native = core_::xml_escape(&report.native_build),
            lx = self.label_w + self.chart_w - 60.0,
            lx2 = self.label_w + self.chart_w - 44.0,
        )
    }

    /// A grid line and a label at each decade.
    fn decades(&self, svg: &mut String) {
        let mut decade = self.lo;
        while decade <= self.hi * 1.0001 {
            let gx = self.x(decade);
            svg.push_str(&format!(
                "<line x1=\"{gx:.1}\" y1=\"{}\" x2=\"{gx:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{gx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{decade}</text>\n",
                self.top,
                self.height - 30.0,
                self.height - 16.0
            ));
            decade *= 10.0;
        }
    }

    /// Row `i`: its label, a bar for each timing, and the ratio.
    fn row(&self, svg: &mut String, i: usize, row: &BenchRow) {
        let y = self.top + self.row_h * i as f64;
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            self.label_w - 8.0,
            y + 17.0,
            core_::xml_escape(&row.operation)
        ));
        for (k, (timing, colour)) in [(row.component, "#2a7"), (row.native, "#888")]
            .into_iter()
            .enumerate()
        {
            let Some(t) = timing else { continue };
            let by = y + 4.0 + 11.0 * k as f64;
            let end = self.x(t.median_ms);
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"10\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{:.3}</text>\n",
                self.label_w,
                (end - self.label_w).max(1.0),
                end + 4.0,
                by + 9.0,
                t.median_ms
            ));
        }
        if let Some(ratio) = row.ratio {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{ratio:.2}x</text>\n",
                self.label_w + self.chart_w + 80.0,
                y + 17.0
            ));
        }
    }
}

/// Time against frame size for the per-pixel and per-frame operations.
#[derive(Debug, Clone, Serialize)]
pub struct ScalingReport {
    /// (width, height) of each size, smallest first.
    pub sizes: Vec<(u32, u32)>,
    /// One line per operation.
    pub rows: Vec<ScalingRow>,
}

/// One operation across the sizes, in the component.
#[derive(Debug, Clone, Serialize)]
pub struct ScalingRow {
    /// The operation.
    pub operation: String,
    /// Median ms at each size.
    pub median_ms: Vec<f64>,
    /// Least-squares slope of time against pixels, ns a pixel.
    pub ns_per_pixel: f64,
    /// Least-squares intercept, ms (the fixed cost of a call).
    pub fixed_ms: f64,
    /// Coefficient of determination of the line (1 = exactly linear).
    pub r_squared: f64,
}

impl ScalingReport {
    /// The series as text, with the fitted line of each operation.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "scaling in the component: median ms at each size; least-squares line time = fixed + ns/pixel · pixels\n\n",
        );
        out.push_str(&format!("{:<36}", "operation"));
        for (w, h) in &self.sizes {
            out.push_str(&format!("{:>11}", format!("{w}x{h}")));
        }
        out.push_str(&format!("{:>10}{:>10}{:>8}\n", "ns/px", "fixed ms", "R²"));
        for row in &self.rows {
            out.push_str(&format!("{:<36}", row.operation));
            for t in &row.median_ms {
                out.push_str(&format!("{t:>11.3}"));
            }
            out.push_str(&format!(
                "{:>10.2}{:>10.3}{:>8.4}\n",
                row.ns_per_pixel, row.fixed_ms, row.r_squared
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_has_a_bar_per_timing() {
        let t = |ms| Timing {
            median_ms: ms,
            p90_ms: ms,
        };
        let report = BenchReport {
            width: 8,
            height: 6,
            iterations: 1,
            native_build: "x <native>".into(),
            rows: vec![
                BenchRow::compared("a & b".into(), t(0.01), t(0.02)),
                BenchRow::component_only("only component", t(70.0)),
            ],
        };
        let svg = report.svg();
        assert_eq!(svg.matches("<rect x=\"330\"").count(), 3);
        assert!(svg.contains("a &amp; b") && svg.contains("x &lt;native&gt;"));
        assert!(svg.contains("0.50x"));
        let table = report.table();
        assert!(table.contains("a & b                                                 0.010 (0.010)        0.020 (0.020)    0.50x\n"), "{table}");
    }
}
