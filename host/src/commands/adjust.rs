//! `ghostlines adjust`: contrast and brightness, the sketch's way.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::Runtime;
use crate::bindings::refusal;
use crate::files::{self, Size};

/// Change contrast and brightness the way the original sketch did.
#[derive(clap::Args)]
pub struct AdjustCommand {
    /// Input: PNG, JPEG, GIF or WebP, or raw RGBA8 with --size.
    input: PathBuf,
    /// Output: an RGBA PNG, or raw RGBA8 if it ends in .rgba.
    output: PathBuf,
    /// Contrast, -100..=100 (0 leaves it).
    #[arg(long, allow_hyphen_values = true)]
    contrast: i32,
    /// Brightness, -255..=255 (0 leaves it).
    #[arg(long, allow_hyphen_values = true)]
    brightness: i32,
    /// Read the input as raw RGBA8 of this size, like 800x600.
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
}

impl AdjustCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        let frame = files::read_frame(&self.input, self.size)?;
        let mut instance = Runtime::new()?.instantiate()?;
        let adjusted = instance
            .adjust(&frame, self.contrast, self.brightness)?
            .map_err(refusal)
            .with_context(|| format!("adjusting {}", self.input.display()))?;
        files::write_frame(&self.output, &adjusted)
    }
}
