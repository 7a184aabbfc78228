//! `ghostlines bench`: each operation in the component through Wasmtime
//! against the same `core` code natively, in one run. [`runner`] times,
//! [`stats`] summarises, [`report`] renders.

mod report;
mod runner;
mod stats;

pub use report::{BenchReport, BenchRow, ScalingReport, ScalingRow};
pub use runner::{SCALING_SIZES, run, run_scaling};
pub use stats::Timing;
pub(crate) use stats::percentile;
