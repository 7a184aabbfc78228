//! `ghostlines render`: the tracker (or edges) and the painter over a
//! sequence or a stream, the ghost-lines video out.

use std::path::PathBuf;

use anyhow::Context as _;
use ghostlines_core as core_;

use super::input::InputArgs;
use super::painter::PainterArgs;
use super::tracker::TrackerArgs;
use crate::bindings::{PainterSettings, PreparedFrame, TrackerSettings, refusal};
use crate::video::{self, ReadyFrame, Sink, TimedFrame, WriteBehind};
use crate::{Frame, Instance, Runtime};

/// Draw the ghost lines over a frame sequence or a video stream: image
/// files, one animated GIF, raw RGBA or YUV4MPEG2 on standard input (-)
/// in; an animated GIF, a folder of numbered PNGs, or raw RGBA on
/// standard output (-) out.
#[derive(clap::Args)]
pub struct RenderCommand {
    #[command(flatten)]
    input: InputArgs,
    /// Where the drawn frames go: a .gif (timed as the input is), a folder
    /// for numbered PNGs, or - for raw RGBA8 on standard output (for ffmpeg
    /// -f rawvideo -pix_fmt rgba -s WxH -i -). Every input frame is drawn.
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    painter: PainterArgs,
}

impl RenderCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        let source = self.input.open()?;
        let total = source.total();
        let sink = Sink::create(&self.output)?;
        let tracker: TrackerSettings = self.tracker.settings().into();
        let painter: PainterSettings = self.painter.settings().into();
        let runtime = Runtime::new()?;
        let mut instance = runtime.instantiate()?;
        // Every check before the first frame: a bad setting writes nothing.
        let mut draw = Drawer::new(&mut instance, &tracker, &painter, self.tracker.edges())?;
        let preparers = self.tracker.preparers(&runtime)?;
        let frames = video::prepare_ahead(video::read_ahead(source), preparers, tracker);
        let mut out = WriteBehind::new(sink);
        let progress = super::progress(total);
        let mut done = 0usize;
        let result = (|| -> anyhow::Result<()> {
            for ready in frames {
                let ReadyFrame { frame, prepared } =
                    ready.with_context(|| format!("frame {done}"))?;
                let TimedFrame { frame, time } = frame;
                let drawn = draw
                    .frame(&frame, prepared.as_ref(), time)
                    .with_context(|| format!("frame {done}"))?;
                if !out.write(TimedFrame { frame: drawn, time }) {
                    // The writer stopped; its error comes from finish.
                    break;
                }
                done += 1;
                progress.inc(1);
            }
            Ok(())
        })();
        progress.finish_and_clear();
        // What was drawn is written, whatever stopped the reading.
        let written = out.finish();
        match (result, written) {
            (Err(e), _) => {
                Err(e.context(format!("{done} frames were drawn and written before it")))
            }
            (Ok(()), Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(()),
        }
    }
}

/// One drawn frame at a time: `track-and-paint`, or greyscale, edges and
/// `paint` in edges mode.
enum Drawer<'a> {
    Tracked(crate::Renderer<'a>),
    Edges {
        painter: crate::Painter<'a>,
        settings: TrackerSettings,
    },
}

impl<'a> Drawer<'a> {
    fn new(
        instance: &'a mut Instance,
        tracker: &TrackerSettings,
        painter: &PainterSettings,
        edges: bool,
    ) -> anyhow::Result<Drawer<'a>> {
        if edges {
            // The tracker's settings are checked too: they make the grey.
            core_::Tracker::new(core_::TrackerSettings::from(*tracker))
                .map_err(|e| refusal(e.into()))?;
            let painter = instance
                .painter(painter)?
                .map_err(refusal)
                .context("the painter's settings")?;
            return Ok(Drawer::Edges {
                painter,
                settings: *tracker,
            });
        }
        let renderer = instance
            .renderer(tracker, painter)?
            .map_err(refusal)
            .context("the tracker's or the painter's settings")?;
        Ok(Drawer::Tracked(renderer))
    }

    /// Draws `frame`, taken at `time`, from its prepared frame when it
    /// was prepared.
    fn frame(
        &mut self,
        frame: &Frame,
        prepared: Option<&PreparedFrame>,
        time: f64,
    ) -> anyhow::Result<Frame> {
        match self {
            Drawer::Tracked(renderer) => {
                let painted = renderer.push_ready(frame, prepared, time)?;
                Ok(painted.map_err(refusal)?.frame)
            }
            Drawer::Edges { painter, settings } => {
                let instance = painter.instance();
                let mut plane = instance
                    .greyscale(frame, settings.method)?
                    .map_err(refusal)?;
                if (settings.contrast, settings.brightness) != (0, 0) {
                    plane = instance
                        .adjust_plane(&plane, settings.contrast, settings.brightness)?
                        .map_err(refusal)?;
                }
                let edges = core_::EdgeSettings::default();
                let lines = instance.edges(&plane, edges.into())?.map_err(refusal)?;
                Ok(painter
                    .paint(frame, Some(&plane), &[], &lines)?
                    .map_err(refusal)?)
            }
        }
    }
}
