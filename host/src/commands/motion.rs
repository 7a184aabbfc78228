//! `ghostlines motion`: the tracker over a frame sequence or a stream, its
//! ghost lines as JSON (a line a frame for a stream) and SVG.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use ghostlines_core::{FrameReport, MOTION_VERSION, MotionReport, StreamHead, SvgStyle};

use super::tracker::TrackerArgs;
use crate::bindings::{TrackerSettings, refusal};
use crate::files::{self, Size};
use crate::video::{self, Source};
use crate::{Frame, Runtime};

/// Run the tracker over a frame sequence (image files in order, one
/// animated GIF, or a stream) and write its ghost lines as JSON and SVG.
#[derive(clap::Args)]
pub struct MotionCommand {
    /// The frames: image files, one animated GIF, a .y4m file, or - for a
    /// stream on standard input (YUV4MPEG2, or raw RGBA8 with --size).
    #[arg(required = true, value_name = "FRAME")]
    frames: Vec<PathBuf>,
    /// Write the versioned JSON report here ("-" for standard output). For
    /// a stream: one line a frame, written as each frame is done, after a
    /// first line with the version and the size.
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
    /// Draw the vectors over the last frame into this SVG (not for a
    /// stream).
    #[arg(long, value_name = "OUT.svg")]
    svg: Option<PathBuf>,
    /// Lines in the SVG are this many times their displacement.
    #[arg(long, default_value_t = SvgStyle::default().scale)]
    svg_scale: f64,
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Read raw RGBA8 frames of this size, like 800x600.
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
}

impl MotionCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        if self.json.is_none() && self.svg.is_none() {
            bail!("nothing to write: give --json OUT.json and/or --svg OUT.svg");
        }
        if self.tracker.edges() {
            bail!(
                "--mode edges draws edges (ghostlines render); motion tracks: sketch, sparse or dense"
            );
        }
        let source = Source::open(&self.frames, self.size)?;
        let settings: TrackerSettings = self.tracker.settings().into();
        if source.is_stream() {
            if self.svg.is_some() {
                bail!(
                    "--svg draws every frame's vectors over the last frame, which a stream never has whole; draw a stream with `ghostlines render`"
                );
            }
            let json = self.json.as_deref().context("--json")?;
            return stream_lines(source, &settings, json);
        }
        let (width, height) = source.size();
        let mut frames = Vec::new();
        let mut last = None;
        track(source, &settings, |index, frame, output| {
            frames.push(FrameReport::new(index, output));
            last = Some(frame);
            Ok(())
        })?;
        let report = MotionReport {
            version: MOTION_VERSION,
            width,
            height,
            frames,
        };
        if let Some(path) = &self.json {
            super::write_json(path, &report)?;
        }
        if let Some(path) = &self.svg {
            let last = last.context("no frames")?;
            let style = SvgStyle {
                scale: self.svg_scale,
                ..Default::default()
            };
            let background = files::png_data_uri(&last)?;
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

/// Pushes every frame of `source` through one tracker in the component,
/// handing each frame and its output to `each` as it is done.
fn track(
    source: Source,
    settings: &TrackerSettings,
    mut each: impl FnMut(usize, Frame, ghostlines_core::TrackerOutput) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let progress = super::progress(source.total());
    let frames = video::read_ahead(source);
    let mut instance = Runtime::new()?.instantiate()?;
    let mut tracker = instance
        .tracker(settings)?
        .map_err(refusal)
        .context("creating the tracker")?;
    let mut done = 0;
    let result = (|| -> anyhow::Result<()> {
        for frame in frames {
            let frame = frame?;
            let output = tracker
                .push(&frame)?
                .map_err(refusal)
                .with_context(|| format!("frame {done}"))?;
            each(done, frame, output.into())?;
            done += 1;
            progress.inc(1);
        }
        Ok(())
    })();
    progress.finish_and_clear();
    result.map_err(|e| {
        if done > 0 {
            e.context(format!("{done} frames were tracked before it"))
        } else {
            e
        }
    })
}

/// A stream's report as lines: the version and size, then each frame's
/// object as soon as it is done.
fn stream_lines(source: Source, settings: &TrackerSettings, json: &Path) -> anyhow::Result<()> {
    let (width, height) = source.size();
    let mut out: Box<dyn std::io::Write> = if json.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        let file =
            std::fs::File::create(json).with_context(|| format!("creating {}", json.display()))?;
        Box::new(std::io::BufWriter::new(file))
    };
    serde_json::to_writer(&mut out, &StreamHead::new(width, height))?;
    writeln!(out)?;
    out.flush()?;
    let tracked = track(source, settings, |index, _, output| {
        serde_json::to_writer(&mut out, &FrameReport::new(index, output))?;
        writeln!(out)?;
        // Each line as its frame is done, for readers that follow along.
        out.flush()?;
        Ok(())
    });
    out.flush()?;
    tracked
}
