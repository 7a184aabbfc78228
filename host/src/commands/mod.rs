//! The `ghostlines` commands: one file each, a clap struct with
//! `execute()` (wasmtime's `src/commands/` layout). `main.rs` only
//! dispatches.
//!
//! Names and defaults come from `ghostlines-core` (value parsers over its
//! `from_name`, `default_value_t` from its `Default`s), never copied here.

mod adjust;
mod bench;
mod components;
mod edges;
mod faults;
mod flow;
mod grey;
mod input;
mod load;
mod motion;
mod painter;
mod render;
mod serve;
mod tracker;

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use ghostlines_core as core_;

pub use adjust::AdjustCommand;
pub use bench::BenchCommand;
pub use components::{ARTIFACTS, ComponentsCommand};
pub use edges::EdgesCommand;
pub use faults::FaultsCommand;
pub use flow::FlowCommand;
pub use grey::GreyCommand;
pub use load::LoadCommand;
pub use motion::MotionCommand;
pub use render::RenderCommand;
pub use serve::ServeCommand;

/// A clap value parser over one of core's named choices: the accepted
/// names, and the help's list of them, are core's.
fn named<T: Clone + Send + Sync + 'static>(
    all: impl IntoIterator<Item = T>,
    name: fn(&T) -> &'static str,
    from_name: fn(&str) -> core_::Result<T>,
) -> impl TypedValueParser<Value = T> {
    let names: Vec<&'static str> = all.into_iter().map(|v| name(&v)).collect();
    PossibleValuesParser::new(names).try_map(move |s| from_name(&s))
}

/// `--method`: core's grey methods.
fn grey_method() -> impl TypedValueParser<Value = core_::GreyMethod> {
    named(
        core_::GreyMethod::ALL,
        |m| m.name(),
        core_::GreyMethod::from_name,
    )
}

/// `--preset`: core's flow field presets.
fn field_preset() -> impl TypedValueParser<Value = core_::FieldSettings> {
    let names: Vec<&'static str> = core_::FieldSettings::PRESETS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    PossibleValuesParser::new(names).try_map(|name| core_::FieldSettings::preset(&name))
}

/// `--operator`: core's gradient operators.
fn gradient_operator() -> impl TypedValueParser<Value = core_::GradientOperator> {
    named(
        core_::GradientOperator::ALL,
        |o| o.name(),
        core_::GradientOperator::from_name,
    )
}

/// Writes `value` as JSON to `path`, or to standard output for "-".
fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string(value)?;
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        Ok(())
    } else {
        crate::files::write_output(path, text)
    }
}

/// Whether `error` is a reader that went away (`ghostlines … | head`):
/// the end of the output, not a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

/// A progress bar on standard error for `total` frames (a counter when the
/// total is unknown): frames, frames a second, and the time left. Hidden
/// when standard error is not a terminal.
fn progress(total: Option<usize>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr()),
            "{bar:40} {pos}/{len} frames, {per_sec}, {eta} left",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {pos} frames, {per_sec}, {elapsed}",
        ),
    };
    bar.with_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}
