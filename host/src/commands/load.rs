//! `ghostlines load`: concurrent keep-alive clients posting frames.

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::files;
use crate::load::{self, LoadConfig, LoadRoute, StreamConfig};

/// Load a ghostlines server with concurrent keep-alive clients posting frames.
#[derive(clap::Args)]
pub struct LoadCommand {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Concurrent clients, one connection each.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Requests in all.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// The route to post to.
    #[arg(long, value_enum, default_value_t = LoadRoute::Greyscale)]
    route: LoadRoute,
    /// Frame width.
    #[arg(long, default_value_t = 800)]
    width: u32,
    /// Frame height.
    #[arg(long, default_value_t = 600)]
    height: u32,
    /// Stop after this many seconds even if requests remain.
    #[arg(long, default_value_t = 120)]
    time_limit_s: u64,
    /// Also write the results as JSON here.
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
    /// Instead, this many concurrent /motion/stream requests of --frames
    /// frames each (frames a second, and the time from a frame to its line).
    #[arg(long)]
    streams: Option<usize>,
    /// With --streams: frames a stream.
    #[arg(long, default_value_t = 300)]
    frames: usize,
    /// With --streams: the tracker's mode.
    #[arg(long, default_value = "sketch", value_parser = ["sketch", "sparse", "dense"])]
    mode: String,
}

impl LoadCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        if let Some(streams) = self.streams {
            let config = StreamConfig {
                url: self.url,
                streams,
                frames: self.frames,
                width: self.width,
                height: self.height,
                mode: self.mode,
                time_limit: Duration::from_secs(self.time_limit_s),
            };
            let progress = super::progress(Some(streams * self.frames));
            let bar = progress.clone();
            let report = super::tokio_runtime()?
                .block_on(load::run_streams(&config, move |_, _| bar.inc(1)))?;
            progress.finish_and_clear();
            print!("{}", report.summary());
            if let Some(path) = &self.json {
                files::write_output(path, serde_json::to_string_pretty(&report)?)?;
            }
            anyhow::ensure!(report.errors.is_empty(), "some streams failed (above)");
            return Ok(());
        }
        let config = LoadConfig {
            url: self.url,
            concurrency: self.concurrency,
            requests: self.requests,
            route: self.route,
            width: self.width,
            height: self.height,
            time_limit: Duration::from_secs(self.time_limit_s),
        };
        let progress = ProgressBar::new(self.requests as u64).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} requests {per_sec} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let bar = progress.clone();
        let report = super::tokio_runtime()?.block_on(load::run(&config, move || bar.inc(1)))?;
        progress.finish_and_clear();
        print!("{}", report.summary());
        if let Some(path) = &self.json {
            files::write_output(path, serde_json::to_string_pretty(&report)?)?;
        }
        Ok(())
    }
}
