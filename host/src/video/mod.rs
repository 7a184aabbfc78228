//! Frame sequences in and out, one frame at a time: image files, one
//! animated GIF, raw RGBA8 and YUV4MPEG2 streams (on standard input or in
//! a file) in; an animated GIF, a folder of numbered PNGs, or raw RGBA8 on
//! standard output out. A stream is read frame by frame, so its length
//! costs no memory.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Cursor, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use ghostlines_core::{CutFrame, Limits, Y4mError, Y4mReader};

use crate::Frame;
use crate::files::{self, Size};

/// Why a stream could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// A raw stream ended inside a frame.
    #[error(transparent)]
    Truncated(#[from] CutFrame),
    /// A YUV4MPEG2 stream that is not one, not one ghostlines reads, or
    /// one that ended inside a frame.
    #[error(transparent)]
    Y4m(#[from] Y4mError),
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

/// Where frames come from.
pub struct Source {
    width: u32,
    height: u32,
    total: Option<usize>,
    kind: SourceKind,
    /// Frames read so far.
    read: usize,
}

enum SourceKind {
    /// Decoded already (a GIF's frames), in order.
    Decoded(std::vec::IntoIter<Frame>),
    /// Image files, decoded one at a time; the first is decoded already.
    Files {
        paths: std::vec::IntoIter<PathBuf>,
        first: Option<Frame>,
        size: Option<Size>,
    },
    /// Raw RGBA8, `width·height·4` bytes a frame.
    Raw(Box<dyn BufRead + Send>),
    /// YUV4MPEG2.
    Y4m(Y4mReader<Box<dyn BufRead + Send>>),
}

impl Source {
    /// The frames of `inputs`: `-` (standard input: YUV4MPEG2 if it says
    /// so, else raw RGBA8 of `size`), one `.y4m` file, a raw file with
    /// `size`, one animated GIF, or image files in order.
    pub fn open(inputs: &[PathBuf], size: Option<Size>) -> anyhow::Result<Source> {
        match inputs {
            [] => bail!("no input"),
            [single] if single.as_os_str() == "-" => {
                Source::stream(Box::new(std::io::stdin()), size, "standard input")
            }
            [single] if has_extension(single, "y4m") || (size.is_some() && single.is_file()) => {
                let file =
                    File::open(single).with_context(|| format!("opening {}", single.display()))?;
                Source::stream(Box::new(file), size, &single.display().to_string())
            }
            [single] if size.is_none() && files::is_gif(single)? => {
                let frames = files::read_gif_frames(single)?;
                let first = frames.first().context("the GIF has no frames")?;
                Ok(Source {
                    width: first.width,
                    height: first.height,
                    total: Some(frames.len()),
                    kind: SourceKind::Decoded(frames.into_iter()),
                    read: 0,
                })
            }
            paths => {
                let mut paths = paths.iter().cloned();
                let first_path = paths.next().context("no input")?;
                let paths: Vec<PathBuf> = paths.collect();
                let paths = paths.into_iter();
                let first = files::read_frame(&first_path, size)?;
                Ok(Source {
                    width: first.width,
                    height: first.height,
                    total: Some(inputs.len()),
                    kind: SourceKind::Files {
                        paths,
                        first: Some(first),
                        size,
                    },
                    read: 0,
                })
            }
        }
    }

    /// A stream: YUV4MPEG2 when it starts so, else raw RGBA8 of `size`.
    fn stream(
        input: Box<dyn Read + Send>,
        size: Option<Size>,
        name: &str,
    ) -> anyhow::Result<Source> {
        let mut input = input;
        let mut head = vec![0u8; 9];
        let got = read_full(&mut input, &mut head).with_context(|| format!("reading {name}"))?;
        head.truncate(got);
        let input: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(
            1 << 20,
            Cursor::new(head.clone()).chain(input),
        ));
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
            return Ok(Source {
                width: header.width,
                height: header.height,
                total: None,
                kind: SourceKind::Y4m(frames),
                read: 0,
            });
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
        Ok(Source {
            width: size.width,
            height: size.height,
            total: None,
            kind: SourceKind::Raw(input),
            read: 0,
        })
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

    /// The next frame, or `None` at the end.
    pub fn next_frame(&mut self) -> anyhow::Result<Option<Frame>> {
        let (width, height) = (self.width, self.height);
        let frame = match &mut self.kind {
            SourceKind::Decoded(frames) => frames.next(),
            SourceKind::Files { paths, first, size } => match first.take() {
                Some(frame) => Some(frame),
                None => match paths.next() {
                    Some(path) => Some(files::read_frame(&path, *size)?),
                    None => None,
                },
            },
            SourceKind::Raw(input) => {
                let mut pixels = vec![0u8; width as usize * height as usize * 4];
                let got = read_full(input, &mut pixels).context("reading the stream")?;
                match got {
                    0 => None,
                    got if got < pixels.len() => {
                        let cut = CutFrame {
                            done: self.read as u64,
                            got: got as u64,
                            want: pixels.len() as u64,
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
        Ok(frame)
    }
}

/// Frames read on a thread of their own, a few ahead, so that decoding
/// overlaps the component's work. The channel ends after the last frame
/// or after the first error.
pub fn read_ahead(mut source: Source) -> std::sync::mpsc::Receiver<anyhow::Result<Frame>> {
    let (frames, receiver) = std::sync::mpsc::sync_channel(4);
    std::thread::spawn(move || {
        loop {
            let next = source.next_frame();
            let last = !matches!(next, Ok(Some(_)));
            let sent = match next {
                Ok(Some(frame)) => frames.send(Ok(frame)),
                Ok(None) => break,
                Err(e) => frames.send(Err(e)),
            };
            if sent.is_err() || last {
                break;
            }
        }
    });
    receiver
}

/// Frames written on a thread of their own, so that encoding overlaps the
/// component's work; `finish` waits for the last and reports the first
/// error.
pub struct WriteBehind {
    frames: Option<std::sync::mpsc::SyncSender<Frame>>,
    writer: std::thread::JoinHandle<anyhow::Result<()>>,
}

impl WriteBehind {
    pub fn new(mut sink: Sink) -> WriteBehind {
        let (frames, receiver) = std::sync::mpsc::sync_channel::<Frame>(4);
        let writer = std::thread::spawn(move || {
            for frame in receiver {
                sink.write(&frame)?;
            }
            sink.finish()
        });
        WriteBehind {
            frames: Some(frames),
            writer,
        }
    }

    /// Queues a frame; `false` when the writer has stopped (its own error
    /// comes from `finish`).
    pub fn write(&mut self, frame: Frame) -> bool {
        self.frames
            .as_ref()
            .is_some_and(|frames| frames.send(frame).is_ok())
    }

    /// Waits for every queued frame to be written.
    pub fn finish(mut self) -> anyhow::Result<()> {
        drop(self.frames.take());
        self.writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
    }
}

/// Where drawn frames go.
pub enum Sink {
    /// An animated GIF.
    Gif(image::codecs::gif::GifEncoder<BufWriter<File>>, u32),
    /// Numbered PNGs in a folder.
    Pngs { dir: PathBuf, next: usize },
    /// Raw RGBA8 on standard output.
    Raw(BufWriter<std::io::Stdout>),
}

impl Sink {
    /// `-` (raw RGBA8 on standard output), a `.gif` file, or a folder for
    /// numbered PNGs (created if missing). `fps` sets a GIF's frame delay.
    pub fn create(output: &Path, fps: u32) -> anyhow::Result<Sink> {
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
            let file =
                File::create(output).with_context(|| format!("creating {}", output.display()))?;
            let mut encoder = image::codecs::gif::GifEncoder::new(BufWriter::new(file));
            encoder
                .set_repeat(image::codecs::gif::Repeat::Infinite)
                .context("writing the GIF")?;
            return Ok(Sink::Gif(encoder, fps.max(1)));
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
    pub fn write(&mut self, frame: &Frame) -> anyhow::Result<()> {
        match self {
            Sink::Raw(out) => out
                .write_all(&frame.pixels)
                .context("writing to standard output"),
            Sink::Pngs { dir, next } => {
                let path = dir.join(format!("frame-{next:06}.png"));
                *next += 1;
                files::write_frame(&path, frame)
            }
            Sink::Gif(encoder, fps) => {
                let buffer =
                    image::RgbaImage::from_raw(frame.width, frame.height, frame.pixels.clone())
                        .context("a frame of the wrong length")?;
                let delay = image::Delay::from_numer_denom_ms(1000, *fps);
                encoder
                    .encode_frame(image::Frame::from_parts(buffer, 0, 0, delay))
                    .context("writing the GIF")
            }
        }
    }

    /// Flushes what is buffered.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Raw(mut out) => out.flush().context("writing to standard output"),
            Sink::Gif(encoder, _) => {
                drop(encoder);
                Ok(())
            }
            Sink::Pngs { .. } => Ok(()),
        }
    }
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}
