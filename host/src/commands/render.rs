//! `ghostlines render`: the tracker (or edges) and the painter over a
//! sequence or a stream, the ghost-lines video out.

use std::path::PathBuf;

use anyhow::Context as _;
use ghostlines_core as core_;

use super::painter::PainterArgs;
use super::tracker::TrackerArgs;
use crate::bindings::{PainterSettings, TrackerSettings, refusal};
use crate::files::Size;
use crate::video::{self, Sink, Source, WriteBehind};
use crate::{Frame, Instance, Runtime};

/// Draw the ghost lines over a frame sequence or a video stream: image
/// files, one animated GIF, raw RGBA or YUV4MPEG2 on standard input (-)
/// in; an animated GIF, a folder of numbered PNGs, or raw RGBA on
/// standard output (-) out.
#[derive(clap::Args)]
pub struct RenderCommand {
    /// The frames: image files, one animated GIF, a .y4m file, or - for a
    /// stream on standard input (YUV4MPEG2, or raw RGBA8 with --size).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Where the drawn frames go: a .gif, a folder for numbered PNGs, or -
    /// for raw RGBA8 on standard output (for ffmpeg -f rawvideo -pix_fmt
    /// rgba -s WxH -i -).
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,
    /// The frame size of raw RGBA8 input, like 640x360.
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
    #[command(flatten)]
    tracker: TrackerArgs,
    #[command(flatten)]
    painter: PainterArgs,
    /// Frames a second of a GIF output.
    #[arg(long, default_value_t = 25)]
    fps: u32,
}

impl RenderCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        let source = Source::open(&self.inputs, self.size)?;
        let total = source.total();
        let sink = Sink::create(&self.output, self.fps)?;
        let tracker: TrackerSettings = self.tracker.settings().into();
        let painter: PainterSettings = self.painter.settings().into();
        let mut instance = Runtime::new()?.instantiate()?;
        // Every check before the first frame: a bad setting writes nothing.
        let mut draw = Drawer::new(&mut instance, &tracker, &painter, self.tracker.edges())?;
        let frames = video::read_ahead(source);
        let mut out = WriteBehind::new(sink);
        let progress = super::progress(total);
        let mut done = 0usize;
        let result = (|| -> anyhow::Result<()> {
            for frame in frames {
                let frame = frame?;
                let drawn = draw
                    .frame(&frame)
                    .with_context(|| format!("frame {done}"))?;
                if !out.write(drawn) {
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

    fn frame(&mut self, frame: &Frame) -> anyhow::Result<Frame> {
        match self {
            Drawer::Tracked(renderer) => Ok(renderer.push(frame)?.map_err(refusal)?.frame),
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
