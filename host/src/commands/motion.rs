//! `ghostlines motion`: the tracker over a frame sequence or a stream, its
//! ghost lines as JSON (a line a frame for a stream), SVG, and drawn into
//! an animated GIF.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use ghostlines_core::{FrameReport, MOTION_VERSION, MotionReport, StreamHead, SvgStyle};

use super::input::InputArgs;
use super::painter::PainterArgs;
use super::tracker::TrackerArgs;
use crate::bindings::{FlowField, PainterSettings, TrackerSettings, refusal};
use crate::files;
use crate::video::{self, ReadyFrame, Sink, Source, TimedFrame, WriteBehind};
use crate::{Frame, Runtime};

/// Run the tracker over a frame sequence (image files in order, one
/// animated GIF, or a stream) and write its ghost lines as JSON, as SVG,
/// and drawn over the frames as an animated GIF; one line on standard
/// error for each file written.
#[derive(clap::Args)]
pub struct MotionCommand {
    #[command(flatten)]
    input: InputArgs,
    /// Write the versioned JSON report here ("-" for standard output). For
    /// a stream: one line a frame, written as each frame is done, after a
    /// first line with the version and the size.
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
    /// Draw the vectors over the last frame into this SVG (not for a
    /// stream).
    #[arg(long, value_name = "OUT.svg")]
    svg: Option<PathBuf>,
    /// Draw the ghost lines over every frame into this animated GIF, timed
    /// as the input is (the painter's flags, as `render` has them).
    #[arg(long, value_name = "OUT.gif")]
    gif: Option<PathBuf>,
    /// Field mode: write each frame's flow field (from the frame an interval
    /// before it) into this folder as frame-NNNNNN.flo, a Middlebury .flo
    /// file (frames without one yet, the first, have none).
    #[arg(long, value_name = "DIR")]
    flo: Option<PathBuf>,
    /// Lines in the SVG are this many times their displacement.
    #[arg(long, default_value_t = SvgStyle::default().scale)]
    svg_scale: f64,
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    painter: PainterArgs,
}

impl MotionCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        if self.json.is_none() && self.svg.is_none() && self.gif.is_none() && self.flo.is_none() {
            bail!(
                "nothing to write: give --json OUT.json, --svg OUT.svg, --gif OUT.gif and/or --flo DIR"
            );
        }
        let settings: TrackerSettings = self.tracker.settings().into();
        if self.flo.is_some() && !matches!(settings.mode, crate::bindings::TrackerMode::Field(_)) {
            bail!("--flo writes flow fields, which only --mode field makes");
        }
        let fields = Fields {
            folder: self.flo.as_deref(),
            written: 0,
        };
        if self.tracker.edges() {
            let modes: Vec<_> = ghostlines_core::TrackerMode::all()
                .iter()
                .map(|m| m.name())
                .collect();
            bail!(
                "--mode edges draws edges (ghostlines render); motion tracks: {}",
                modes.join(", ")
            );
        }
        if let Some(gif) = &self.gif
            && gif
                .extension()
                .is_none_or(|e| !e.eq_ignore_ascii_case("gif"))
        {
            bail!("--gif {}: the file must end in .gif", gif.display());
        }
        let source = self.input.open()?;
        let painter: PainterSettings = self.painter.settings().into();
        let gif = match &self.gif {
            Some(path) => Some((WriteBehind::new(Sink::create(path)?), path.as_path())),
            None => None,
        };
        if source.is_stream() {
            if self.svg.is_some() {
                bail!(
                    "--svg draws every frame's vectors over the last frame, which a stream never has whole; draw a stream with `ghostlines render`"
                );
            }
            let json = self.json.as_deref();
            return stream_lines(source, &self.tracker, &painter, json, gif, fields);
        }
        let (width, height) = source.size();
        let mut frames = Vec::new();
        let mut last = None;
        let mut fields = fields;
        let drawn = track(
            source,
            &self.tracker,
            &painter,
            gif,
            &mut fields,
            |index, frame, output| {
                frames.push(FrameReport::new(index, output));
                last = Some(frame);
                Ok(())
            },
        )?;
        fields.report(frames.len());
        let report = MotionReport {
            version: MOTION_VERSION,
            width,
            height,
            frames,
        };
        let vectors: usize = report.frames.iter().map(|f| f.vectors.len()).sum();
        let count = report.frames.len();
        if let Some(path) = &self.json {
            super::write_json(path, &report)?;
            wrote(path, "the motion JSON", count, vectors);
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
            wrote(
                path,
                "every frame's vectors over the last frame, SVG",
                count,
                vectors,
            );
        }
        if let Some(path) = drawn {
            wrote(path, "the ghost lines drawn, animated GIF", count, vectors);
        }
        Ok(())
    }
}

/// One line on standard error for a file written (none for `-`).
fn wrote(path: &Path, what: &str, frames: usize, vectors: usize) {
    if path.as_os_str() != "-" {
        eprintln!(
            "wrote {}: {what}, {frames} frames, {vectors} vectors",
            path.display()
        );
    }
}

/// The GIF being drawn, and where.
type Drawing<'a> = Option<(WriteBehind, &'a Path)>;

/// `--flo`: the folder each frame's flow field goes to, and how many went.
struct Fields<'a> {
    folder: Option<&'a Path>,
    written: usize,
}

impl Fields<'_> {
    /// Writes frame `index`'s field, if it has one.
    fn write(&mut self, index: usize, field: Option<FlowField>) -> anyhow::Result<()> {
        let (Some(folder), Some(field)) = (self.folder, field) else {
            return Ok(());
        };
        let field: ghostlines_core::FlowField = field.into();
        let path = folder.join(format!("frame-{index:06}.flo"));
        files::write_output(&path, field.to_flo())?;
        self.written += 1;
        Ok(())
    }

    /// One line on standard error for the folder written.
    fn report(&self, frames: usize) {
        if let Some(folder) = self.folder {
            eprintln!(
                "wrote {}: {} flow fields as .flo files, of {frames} frames",
                folder.display(),
                self.written
            );
        }
    }
}

/// The tracker alone, or with the painter that draws the GIF.
enum Work<'a> {
    Tracked(crate::Tracker<'a>),
    Drawn(crate::Renderer<'a>),
}

/// Pushes every frame of `source`, at its time, through one tracker in the
/// component (with a painter beside it when there is a GIF to draw), the
/// frames prepared ahead on `--jobs` − 1 more instances,
/// handing each frame and its output to `each` as it is done. The GIF's
/// path once it is written.
fn track<'a>(
    source: Source,
    tracker: &TrackerArgs,
    painter: &PainterSettings,
    gif: Drawing<'a>,
    fields: &mut Fields<'_>,
    mut each: impl FnMut(usize, Frame, ghostlines_core::TrackerOutput) -> anyhow::Result<()>,
) -> anyhow::Result<Option<&'a Path>> {
    let progress = super::progress(source.total());
    let runtime = Runtime::new()?;
    let mut instance = runtime.instantiate()?;
    let settings = &TrackerSettings::from(tracker.settings());
    let preparers = tracker.preparers(&runtime)?;
    let frames = video::prepare_ahead(video::read_ahead(source), preparers, *settings);
    let (mut out, path) = match gif {
        Some((out, path)) => (Some(out), Some(path)),
        None => (None, None),
    };
    let mut done = 0;
    let result = (|| -> anyhow::Result<()> {
        // The painter only when there is a GIF to draw.
        let mut work = match out {
            Some(_) => Work::Drawn(
                instance
                    .renderer(settings, painter)?
                    .map_err(refusal)
                    .context("the tracker's or the painter's settings")?,
            ),
            None => Work::Tracked(
                instance
                    .tracker(settings)?
                    .map_err(refusal)
                    .context("creating the tracker")?,
            ),
        };
        for ready in frames {
            let ReadyFrame { frame, prepared } = ready.with_context(|| format!("frame {done}"))?;
            let TimedFrame { frame, time } = frame;
            let (output, drawn) = match (&mut work, &prepared) {
                (Work::Tracked(tracker), None) => (tracker.push_at(&frame, time)?, None),
                (Work::Tracked(tracker), Some(prepared)) => {
                    (tracker.push_prepared(prepared, time)?, None)
                }
                (Work::Drawn(renderer), prepared) => {
                    match renderer.push_ready(&frame, prepared.as_ref(), time)? {
                        Ok(painted) => (Ok(painted.output), Some(painted.frame)),
                        Err(e) => (Err(e), None),
                    }
                }
            };
            let output = output
                .map_err(refusal)
                .with_context(|| format!("frame {done}"))?;
            if fields.folder.is_some() {
                let field = match &mut work {
                    Work::Tracked(tracker) => tracker.field()?,
                    Work::Drawn(renderer) => renderer.field()?,
                };
                fields.write(done, field)?;
            }
            if let (Some(out), Some(drawn)) = (&mut out, drawn)
                && !out.write(TimedFrame { frame: drawn, time })
            {
                // The writer stopped; its error comes from finish.
                break;
            }
            each(done, frame, output.into())?;
            done += 1;
            progress.inc(1);
        }
        Ok(())
    })();
    progress.finish_and_clear();
    let written = out.map_or(Ok(()), WriteBehind::finish);
    let result = result.and(written);
    result.map_err(|e| {
        if done > 0 {
            e.context(format!("{done} frames were tracked before it"))
        } else {
            e
        }
    })?;
    Ok(path)
}

/// A stream's report as lines: the version and size, then each frame's
/// object as soon as it is done.
fn stream_lines(
    source: Source,
    tracker: &TrackerArgs,
    painter: &PainterSettings,
    json: Option<&Path>,
    gif: Drawing<'_>,
    mut fields: Fields<'_>,
) -> anyhow::Result<()> {
    let (width, height) = source.size();
    let mut out: Box<dyn std::io::Write> = match json {
        Some(path) if path.as_os_str() == "-" => Box::new(std::io::stdout().lock()),
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            Box::new(std::io::BufWriter::new(file))
        }
        None => Box::new(std::io::sink()),
    };
    serde_json::to_writer(&mut out, &StreamHead::new(width, height))?;
    writeln!(out)?;
    out.flush()?;
    let (mut frames, mut vectors) = (0, 0);
    let tracked = track(
        source,
        tracker,
        painter,
        gif,
        &mut fields,
        |index, _, output| {
            frames += 1;
            vectors += output.vectors.len();
            serde_json::to_writer(&mut out, &FrameReport::new(index, output))?;
            writeln!(out)?;
            // Each line as its frame is done, for readers that follow along.
            out.flush()?;
            Ok(())
        },
    );
    out.flush()?;
    let drawn = tracked?;
    fields.report(frames);
    if let Some(path) = json {
        wrote(path, "the motion JSON, a line a frame", frames, vectors);
    }
    if let Some(path) = drawn {
        wrote(path, "the ghost lines drawn, animated GIF", frames, vectors);
    }
    Ok(())
}
