//! The `ghostlines` commands: one file each, a clap struct with
//! `execute()` (wasmtime's `src/commands/` layout). `main.rs` only
//! dispatches.
//!
//! Names and defaults come from `ghostlines-core` (value parsers over its
//! `from_name`, `default_value_t` from its `Default`s), never copied here.

mod adjust;
mod bench;
mod edges;
mod faults;
mod grey;
mod load;
mod motion;
mod serve;
mod tracker;

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use ghostlines_core as core_;

pub use adjust::AdjustCommand;
pub use bench::BenchCommand;
pub use edges::EdgesCommand;
pub use faults::FaultsCommand;
pub use grey::GreyCommand;
pub use load::LoadCommand;
pub use motion::MotionCommand;
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

/// `--operator`: core's gradient operators.
fn gradient_operator() -> impl TypedValueParser<Value = core_::GradientOperator> {
    named(
        core_::GradientOperator::ALL,
        |o| o.name(),
        core_::GradientOperator::from_name,
    )
}

/// `--mode`: core's tracker modes, each with its defaults.
fn tracker_mode() -> impl TypedValueParser<Value = core_::TrackerMode> {
    named(
        core_::TrackerMode::all(),
        |m| m.name(),
        core_::TrackerMode::from_name,
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
