//! Where drawn frames go: an animated GIF that keeps the input's timing, a
//! folder of numbered PNGs, or raw RGBA8 on standard output.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::has_extension;
use super::source::TimedFrame;
use crate::files;

/// Where drawn frames go.
pub enum Sink {
    /// An animated GIF.
    Gif(GifSink),
    /// Numbered PNGs in a folder.
    Pngs { dir: PathBuf, next: usize },
    /// Raw RGBA8 on standard output.
    Raw(BufWriter<std::io::Stdout>),
}

/// An animated GIF being written: each frame is held until the next one
/// comes, whose time gives its delay.
pub struct GifSink {
    path: PathBuf,
    /// Made with the first frame, which gives the size.
    encoder: Option<gif::Encoder<BufWriter<File>>>,
    /// The frame written next, once its delay is known.
    held: Option<TimedFrame>,
    /// The delay of the last frame written, centiseconds (the last frame
    /// of all shows as long).
    last_delay: u16,
    /// The time written up to, centiseconds: delays are rounded so that
    /// their sum follows the frames' own times.
    written: u64,
}

/// How hard the GIF's palette quantizer works, 1..=30 (gif's scale): 10
/// is its usual trade of colour for time.
const GIF_SPEED: i32 = 10;

impl Sink {
    /// `-` (raw RGBA8 on standard output), a `.gif` file, or a folder for
    /// numbered PNGs (created if missing).
    pub fn create(output: &Path) -> anyhow::Result<Sink> {
        if output.as_os_str() == "-" {
            return Ok(Sink::Raw(BufWriter::with_capacity(
                1 << 20,
                std::io::stdout(),
            )));
        }
        if has_extension(output, "gif") {
            if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            return Ok(Sink::Gif(GifSink {
                path: output.to_path_buf(),
                encoder: None,
                held: None,
                last_delay: 4,
                written: 0,
            }));
        }
        if output.extension().is_some() && !output.is_dir() {
            bail!(
                "{}: the output is an animated GIF (.gif), a folder for numbered PNGs, or - for raw RGBA on standard output",
                output.display()
            );
        }
        std::fs::create_dir_all(output)
            .with_context(|| format!("creating {}", output.display()))?;
        Ok(Sink::Pngs {
            dir: output.to_path_buf(),
            next: 0,
        })
    }

    /// Writes the next frame.
    pub fn write(&mut self, frame: TimedFrame) -> anyhow::Result<()> {
        match self {
            Sink::Raw(out) => out
                .write_all(&frame.frame.pixels)
                .context("writing to standard output"),
            Sink::Pngs { dir, next } => {
                let path = dir.join(format!("frame-{next:06}.png"));
                *next += 1;
                files::write_frame(&path, &frame.frame)
            }
            Sink::Gif(gif) => gif.write(frame),
        }
    }

    /// Writes what is held and buffered, and reports any error of it.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Raw(mut out) => out.flush().context("writing to standard output"),
            Sink::Gif(gif) => gif.finish(),
            Sink::Pngs { .. } => Ok(()),
        }
    }
}

impl GifSink {
    fn write(&mut self, frame: TimedFrame) -> anyhow::Result<()> {
        let time = frame.time;
        if let Some(held) = self.held.replace(frame) {
            // Round the end, not each delay, so that the GIF keeps time.
            let end = (time / 10.0).round().max(0.0) as u64;
            let delay = end
                .saturating_sub(self.written)
                .clamp(1, u64::from(u16::MAX)) as u16;
            self.encode(held, delay)?;
        }
        Ok(())
    }

    fn encode(&mut self, timed: TimedFrame, delay: u16) -> anyhow::Result<()> {
        let mut frame = timed.frame;
        let too_large = || {
            format!(
                "{}: a GIF is at most 65535 pixels a side",
                self.path.display()
            )
        };
        let width = u16::try_from(frame.width).with_context(too_large)?;
        let height = u16::try_from(frame.height).with_context(too_large)?;
        if self.encoder.is_none() {
            let file = File::create(&self.path)
                .with_context(|| format!("creating {}", self.path.display()))?;
            let mut encoder = gif::Encoder::new(BufWriter::new(file), width, height, &[])
                .context("writing the GIF")?;
            encoder
                .set_repeat(gif::Repeat::Infinite)
                .context("writing the GIF")?;
            self.encoder = Some(encoder);
        }
        let mut gif_frame =
            gif::Frame::from_rgba_speed(width, height, &mut frame.pixels, GIF_SPEED);
        gif_frame.delay = delay;
        gif_frame.dispose = gif::DisposalMethod::Background;
        if let Some(encoder) = &mut self.encoder {
            encoder
                .write_frame(&gif_frame)
                .with_context(|| format!("writing {}", self.path.display()))?;
        }
        self.last_delay = delay;
        self.written += u64::from(delay);
        Ok(())
    }

    /// The last frame, shown as long as the one before it, then the
    /// trailer: every write error is reported, none dropped.
    fn finish(mut self) -> anyhow::Result<()> {
        if let Some(held) = self.held.take() {
            let delay = self.last_delay;
            self.encode(held, delay)?;
        }
        if let Some(encoder) = self.encoder.take() {
            let mut out = encoder
                .into_inner()
                .with_context(|| format!("writing {}", self.path.display()))?;
            out.flush()
                .with_context(|| format!("writing {}", self.path.display()))?;
        }
        Ok(())
    }
}
