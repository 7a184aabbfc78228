//! `ghostlines motion`: the tracker over a frame sequence, its ghost lines
//! as JSON and SVG.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use ghostlines_core::{FrameReport, MOTION_VERSION, MotionReport, SvgStyle};
use indicatif::{ProgressBar, ProgressStyle};

use super::tracker::TrackerArgs;
use crate::bindings::{TrackerSettings, refusal};
use crate::files::{self, Size};
use crate::{Frame, Runtime};

/// Run the tracker over a frame sequence (image files in order, or one
/// animated GIF) and write its ghost lines as JSON and SVG.
#[derive(clap::Args)]
pub struct MotionCommand {
    /// The frames: several image files, or one animated GIF.
    #[arg(required = true, value_name = "FRAME")]
    frames: Vec<PathBuf>,
    /// Write the versioned JSON report here ("-" for standard output).
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
    /// Draw the vectors over the last frame into this SVG.
    #[arg(long, value_name = "OUT.svg")]
    svg: Option<PathBuf>,
    /// Lines in the SVG are this many times their displacement.
    #[arg(long, default_value_t = SvgStyle::default().scale)]
    svg_scale: f64,
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Read every frame as raw RGBA8 of this size, like 800x600.
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
}

impl MotionCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        if self.json.is_none() && self.svg.is_none() {
            bail!("nothing to write: give --json OUT.json and/or --svg OUT.svg");
        }
        let sequence = files::read_sequence(&self.frames, self.size)?;
        let report = motion(&sequence, &self.tracker.settings().into())?;
        if let Some(path) = &self.json {
            super::write_json(path, &report)?;
        }
        if let Some(path) = &self.svg {
            let last = sequence.last().context("no frames")?;
            let style = SvgStyle {
                scale: self.svg_scale,
                ..Default::default()
            };
            let background = files::png_data_uri(last)?;
            let svg = ghostlines_core::motion_svg(
                report.width,
                report.height,
                &report.frames,
                Some(&background),
                style,
            );
            files::write_output(path, svg)?;
        }
        Ok(())
    }
}

/// Pushes every frame through one tracker in the component.
fn motion(sequence: &[Frame], settings: &TrackerSettings) -> anyhow::Result<MotionReport> {
    let first = sequence.first().context("no frames")?;
    let mut instance = Runtime::new()?.instantiate()?;
    let mut tracker = instance
        .tracker(settings)?
        .map_err(refusal)
        .context("creating the tracker")?;
    // A bar only where a sequence takes long enough to watch.
    let progress = if sequence.len() > 5 {
        ProgressBar::new(sequence.len() as u64).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} frames {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    let mut frames = Vec::with_capacity(sequence.len());
    for (index, frame) in sequence.iter().enumerate() {
        let output = tracker
            .push(frame)?
            .map_err(refusal)
            .with_context(|| format!("frame {index}"))?;
        frames.push(FrameReport::new(index, output.into()));
        progress.inc(1);
    }
    progress.finish_and_clear();
    tracker.close()?;
    Ok(MotionReport {
        version: MOTION_VERSION,
        width: first.width,
        height: first.height,
        frames,
    })
}
