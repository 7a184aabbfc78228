//! `ghostlines edges`: Canny edges as polylines, and a gradient field.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use ghostlines_core as core_;
use ghostlines_core::{EdgeReport, EdgeSettings, SvgStyle};

use crate::Runtime;
use crate::bindings::refusal;
use crate::files::{self, Size};

/// Find edges and write them as polylines (JSON, SVG), with an optional
/// gradient field.
#[derive(clap::Args)]
pub struct EdgesCommand {
    /// Input: PNG, JPEG, GIF or WebP, or raw RGBA8 with --size.
    input: PathBuf,
    /// Write the versioned JSON here ("-" for standard output).
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
    /// Draw the polylines (and gradients) over the image into this SVG.
    #[arg(long, value_name = "OUT.svg")]
    svg: Option<PathBuf>,
    /// How the image becomes grey first.
    #[arg(long, value_parser = super::grey_method(), default_value_t = core_::GreyMethod::MaxRgb)]
    method: core_::GreyMethod,
    /// Gaussian smoothing in pixels, 0.5..=10.
    #[arg(long, default_value_t = EdgeSettings::default().sigma)]
    sigma: f64,
    /// Hysteresis low threshold, grey levels a pixel.
    #[arg(long, default_value_t = EdgeSettings::default().low)]
    low: f64,
    /// Hysteresis high threshold, grey levels a pixel.
    #[arg(long, default_value_t = EdgeSettings::default().high)]
    high: f64,
    /// Ramer–Douglas–Peucker tolerance in pixels (0 keeps every edge pixel).
    #[arg(long, default_value_t = EdgeSettings::default().tolerance)]
    tolerance: f64,
    /// Drop polylines (segments with --straight-only) shorter than this, in pixels.
    #[arg(long, default_value_t = EdgeSettings::default().min_length)]
    min_length: f64,
    /// Only straight segments, each a two-point polyline.
    #[arg(long)]
    straight_only: bool,
    /// Also a gradient field, one sample every this many pixels (0: none).
    #[arg(long, default_value_t = 0)]
    gradient_step: u32,
    /// Derivative kernel of the gradient field.
    #[arg(long, value_parser = super::gradient_operator(), default_value_t = core_::GradientOperator::default())]
    operator: core_::GradientOperator,
    /// Read the input as raw RGBA8 of this size, like 800x600.
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
}

impl EdgesCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        if self.json.is_none() && self.svg.is_none() {
            bail!("nothing to write: give --json OUT.json and/or --svg OUT.svg");
        }
        let frame = files::read_frame(&self.input, self.size)?;
        let settings = EdgeSettings {
            sigma: self.sigma,
            low: self.low,
            high: self.high,
            tolerance: self.tolerance,
            min_length: self.min_length,
            straight_only: self.straight_only,
        };
        let mut instance = Runtime::new()?.instantiate()?;
        let plane = instance
            .greyscale(&frame, self.method.into())?
            .map_err(refusal)
            .with_context(|| format!("greyscale of {}", self.input.display()))?;
        let polylines = instance
            .edges(&plane, settings.into())?
            .map_err(refusal)
            .context("finding edges")?;
        let gradients = if self.gradient_step > 0 {
            instance
                .gradient_field(&plane, self.operator.into(), self.gradient_step)?
                .map_err(refusal)
                .context("computing the gradient field")?
        } else {
            Vec::new()
        };
        let polylines: Vec<Vec<core_::Point>> = polylines
            .into_iter()
            .map(|line| line.into_iter().map(core_::Point::from).collect())
            .collect();
        let gradients = gradients.into_iter().map(core_::Gradient::from).collect();
        let report = EdgeReport::new(frame.width, frame.height, &polylines, gradients);
        if let Some(path) = &self.json {
            super::write_json(path, &report)?;
        }
        if let Some(path) = &self.svg {
            let background = files::png_data_uri(&frame)?;
            let svg =
                ghostlines_core::edges_svg(&report, Some(&background), 1.0, SvgStyle::default());
            files::write_output(path, svg)?;
        }
        Ok(())
    }
}
