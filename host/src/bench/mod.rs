//! `ghostlines bench`: each operation in the component through Wasmtime
//! against the same `core` code natively, in one run. [`runner`] times,
//! [`pool`] times a stream over several instances, [`stats`] summarises,
//! [`report`] renders.

mod pool;
mod report;
mod runner;
mod stats;

pub use report::{BenchReport, BenchRow, ScalingReport, ScalingRow};
pub use runner::{SCALING_SIZES, run, run_scaling};
pub use stats::Timing;
pub(crate) use stats::percentile;
