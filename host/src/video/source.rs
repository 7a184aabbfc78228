//! Where frames come from, each with its time: a GIF's delays, a
//! YUV4MPEG2 header's rate, or the rate given for frames without one.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use ghostlines_core::{CutFrame, FrameRate, Limits, Y4mReader};

use super::{VideoError, has_extension};
use crate::Frame;
use crate::files::{self, Size};

/// A frame and when it was taken, milliseconds from the first.
pub struct TimedFrame {
    pub frame: Frame,
    pub time: f64,
}

/// Where frames come from.
pub struct Source {
    width: u32,
    height: u32,
    /// Frames in all, when known before reading them.
    total: Option<usize>,
    kind: SourceKind,
    /// The rate of frames that carry no time of their own.
    rate: FrameRate,
    /// Frames read so far.
    read: usize,
    /// The next frame's time, for a GIF's delays.
    clock: f64,
}

enum SourceKind {
    /// Decoded already (a GIF's frames with their delays, ms), in order.
    Decoded(std::vec::IntoIter<(Frame, u32)>),
    /// Image files, decoded one at a time; the first is decoded already.
    Files {
        paths: std::vec::IntoIter<PathBuf>,
        first: Option<Frame>,
    },
    /// Raw RGBA8, `width·height·4` bytes a frame.
    Raw(Box<dyn BufRead + Send>),
    /// YUV4MPEG2.
    Y4m(Y4mReader<Box<dyn BufRead + Send>>),
}

/// Whether `path` is raw RGBA8 by its name: `.rgba` or `.raw`.
pub fn is_raw(path: &Path) -> bool {
    has_extension(path, "rgba") || has_extension(path, "raw")
}

impl Source {
    /// The frames of `inputs`: `-` (standard input: YUV4MPEG2 if it says
    /// so, else raw RGBA8 of `size`), one `.y4m` file, one raw file
    /// (`.rgba`, `.raw`) of `size`, one animated GIF, or image files in
    /// order. Frames without times of their own come at `rate`.
    pub fn open(inputs: &[PathBuf], size: Option<Size>, rate: FrameRate) -> anyhow::Result<Source> {
        let source = |width, height, total, kind| Source {
            width,
            height,
            total,
            kind,
            rate,
            read: 0,
            clock: 0.0,
        };
        match inputs {
            [] => bail!("no input"),
            [single] if single.as_os_str() == "-" => {
                Source::stream(Box::new(std::io::stdin()), size, "standard input", rate)
            }
            [single] if has_extension(single, "y4m") || is_raw(single) => {
                let file =
                    File::open(single).with_context(|| format!("opening {}", single.display()))?;
                Source::stream(Box::new(file), size, &single.display().to_string(), rate)
            }
            _ if size.is_some() => bail!(
                "--size describes raw RGBA input (a .rgba or .raw file, or - for a stream); {} is read as {}",
                inputs[0].display(),
                "an image, which brings its own size"
            ),
            [single] if files::is_gif(single)? => {
                let frames = files::read_gif_frames(single)?;
                let (first, _) = frames.first().context("the GIF has no frames")?;
                let (width, height) = (first.width, first.height);
                let total = Some(frames.len());
                Ok(source(
                    width,
                    height,
                    total,
                    SourceKind::Decoded(frames.into_iter()),
                ))
            }
            paths => {
                let mut paths = paths.iter().cloned();
                let first_path = paths.next().context("no input")?;
                let paths: Vec<PathBuf> = paths.collect();
                let first = files::read_frame(&first_path, None)?;
                let (width, height) = (first.width, first.height);
                let kind = SourceKind::Files {
                    paths: paths.into_iter(),
                    first: Some(first),
                };
                Ok(source(width, height, Some(inputs.len()), kind))
            }
        }
    }

    /// A stream: YUV4MPEG2 when it starts so (timed by its header's rate,
    /// if it states one), else raw RGBA8 of `size`.
    fn stream(
        mut input: Box<dyn Read + Send>,
        size: Option<Size>,
        name: &str,
        rate: FrameRate,
    ) -> anyhow::Result<Source> {
        let mut head = vec![0u8; 9];
        let got = read_full(&mut input, &mut head).with_context(|| format!("reading {name}"))?;
        head.truncate(got);
        if got == 0 {
            // Most often the command before the pipe failed: say that,
            // rather than guess at a format.
            bail!("{name} is empty: no frame came (did the command before the pipe fail?)");
        }
        let input: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(
            1 << 20,
            Cursor::new(head.clone()).chain(input),
        ));
        let source = |width, height, kind, rate| Source {
            width,
            height,
            total: None,
            kind,
            rate,
            read: 0,
            clock: 0.0,
        };
        if head == b"YUV4MPEG2" {
            let frames = Y4mReader::new(input, &Limits::DEFAULT)
                .map_err(VideoError::from)
                .with_context(|| format!("reading {name}"))?;
            let header = frames.header();
            if let Some(size) = size
                && (size.width, size.height) != (header.width, header.height)
            {
                bail!(
                    "--size {}x{} differs from the stream's own {}x{} (a YUV4MPEG2 header gives the size; leave --size out)",
                    size.width,
                    size.height,
                    header.width,
                    header.height
                );
            }
            let rate = header.rate.unwrap_or(rate);
            return Ok(source(
                header.width,
                header.height,
                SourceKind::Y4m(frames),
                rate,
            ));
        }
        let Some(size) = size else {
            bail!(
                "{name} is raw RGBA (not YUV4MPEG2): give its frame size with --size WIDTHxHEIGHT"
            );
        };
        Limits::DEFAULT
            .check(size.width, size.height)
            .map_err(|e| crate::bindings::refusal(e.into()))
            .context("--size")?;
        Ok(source(
            size.width,
            size.height,
            SourceKind::Raw(input),
            rate,
        ))
    }

    /// The frames' size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// How many frames there are, when known before reading them.
    pub fn total(&self) -> Option<usize> {
        self.total
    }

    /// Whether this is a stream, of unknown length until it ends.
    pub fn is_stream(&self) -> bool {
        matches!(self.kind, SourceKind::Raw(_) | SourceKind::Y4m(_))
    }

    /// The next frame and its time, or `None` at the end.
    pub fn next_frame(&mut self) -> anyhow::Result<Option<TimedFrame>> {
        let (width, height) = (self.width, self.height);
        let mut time = self.rate.frame_time_ms(self.read as u64);
        let frame = match &mut self.kind {
            SourceKind::Decoded(frames) => frames.next().map(|(frame, delay_ms)| {
                time = self.clock;
                self.clock += f64::from(delay_ms);
                frame
            }),
            SourceKind::Files { paths, first } => match first.take() {
                Some(frame) => Some(frame),
                None => match paths.next() {
                    Some(path) => Some(files::read_frame(&path, None)?),
                    None => None,
                },
            },
            SourceKind::Raw(input) => {
                let want = width as usize * height as usize * 4;
                // Read into the buffer as it comes, not zeroed first (8 MB a
                // 1080p frame is a pass over memory of its own).
                let mut pixels = Vec::with_capacity(want);
                let got = (input.by_ref().take(want as u64))
                    .read_to_end(&mut pixels)
                    .context("reading the stream")?;
                match got {
                    0 => None,
                    got if got < want => {
                        let cut = CutFrame {
                            done: self.read as u64,
                            got: got as u64,
                            want: want as u64,
                        };
                        return Err(VideoError::from(cut).into());
                    }
                    _ => Some(Frame {
                        width,
                        height,
                        pixels,
                    }),
                }
            }
            SourceKind::Y4m(frames) => {
                let mut pixels = Vec::new();
                let more = frames.next_into(&mut pixels).map_err(VideoError::from)?;
                more.then_some(Frame {
                    width,
                    height,
                    pixels,
                })
            }
        };
        if frame.is_some() {
            self.read += 1;
        }
        Ok(frame.map(|frame| TimedFrame { frame, time }))
    }
}

/// Reads until `buffer` is full or the input ends; the bytes read.
fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buffer.len() {
        match input.read(&mut buffer[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
