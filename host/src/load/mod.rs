//! `ghostlines load`: clients that load a ghostlines server and time it —
//! single requests from keep-alive clients ([`requests`]) and concurrent
//! streams ([`streams`]).

mod requests;
mod streams;

use anyhow::Context as _;

pub use requests::{LoadConfig, LoadReport, LoadRoute, run};
pub use streams::{StreamConfig, StreamReport, run as run_streams};

/// `host:port` of an `http://host:port[/]` URL (the clients speak plain
/// HTTP/1.1 on loopback).
pub(crate) fn authority(url: &str) -> anyhow::Result<String> {
    Ok(url
        .strip_prefix("http://")
        .context("--url must start with http://")?
        .trim_end_matches('/')
        .to_string())
}
