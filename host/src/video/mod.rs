//! Frame sequences in and out, one frame at a time: image files, one
//! animated GIF, raw RGBA8 and YUV4MPEG2 streams (on standard input or in
//! a file) in, each frame with its time; an animated GIF, a folder of
//! numbered PNGs, or raw RGBA8 on standard output out. A stream is read
//! frame by frame, so its length costs no memory.
//!
//! `source` reads frames, `sink` writes them, `pipeline` runs each on a
//! thread of its own beside the component's work, and `prepare` spreads
//! the frames' independent work over instances of their own.

mod pipeline;
mod prepare;
mod sink;
mod source;

pub use pipeline::{WriteBehind, read_ahead};
pub use prepare::{ReadyFrame, prepare_ahead};
pub use sink::Sink;
pub use source::{Source, TimedFrame, is_raw};

use ghostlines_core::{CutFrame, Y4mError};

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

fn has_extension(path: &std::path::Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}
