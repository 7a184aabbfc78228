//! The flags of the commands that read a frame sequence or a stream
//! (`motion`, `render`): the frames, the size of raw ones, and the rate of
//! frames without times of their own.

use std::path::PathBuf;

use ghostlines_core::FrameRate;

use crate::files::Size;
use crate::video::Source;

/// Where frames come from, and when each was taken.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// The frames: image files, one animated GIF, a .y4m file, a raw RGBA8
    /// file (.rgba, .raw) with --size, or - for a stream on standard input
    /// (YUV4MPEG2, or raw RGBA8 with --size).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The frame size of raw RGBA8 input, like 640x360.
    #[arg(long, value_name = "WxH")]
    pub size: Option<Size>,
    /// Frames a second of input that carries no times of its own (image
    /// files, raw RGBA8, a YUV4MPEG2 stream without a rate): 25, 29.97 or
    /// 30000/1001. A GIF's delays and a YUV4MPEG2 header's rate are used as
    /// they are.
    #[arg(long, default_value_t = FrameRate::DEFAULT)]
    pub fps: FrameRate,
}

impl InputArgs {
    /// The frames, opened.
    pub fn open(&self) -> anyhow::Result<Source> {
        Source::open(&self.inputs, self.size, self.fps)
    }
}
