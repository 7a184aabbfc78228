//! `ghostlines grey`: an image to 8-bit greyscale.

use std::path::PathBuf;

use anyhow::Context as _;
use ghostlines_core as core_;

use crate::Runtime;
use crate::bindings::refusal;
use crate::files::{self, Size};

/// Convert an image to 8-bit greyscale.
#[derive(clap::Args)]
pub struct GreyCommand {
    /// Input: PNG, JPEG, GIF or WebP, or raw RGBA8 with --size.
    input: PathBuf,
    /// Output: a greyscale PNG, or raw bytes (one a pixel) if it ends in .gray.
    output: PathBuf,
    /// How a colour pixel becomes grey.
    #[arg(long, value_parser = super::grey_method(), default_value_t = core_::GreyMethod::MaxRgb)]
    method: core_::GreyMethod,
    /// Read the input as raw RGBA8 of this size, like 800x600.
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
}

impl GreyCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        let frame = files::read_frame(&self.input, self.size)?;
        let mut instance = Runtime::new()?.instantiate()?;
        let plane = instance
            .greyscale(&frame, self.method.into())?
            .map_err(refusal)
            .with_context(|| format!("greyscale of {}", self.input.display()))?;
        files::write_plane(&self.output, &plane)
    }
}
