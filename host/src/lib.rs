//! The ghostlines runner: the ghostlines component in an embedded Wasmtime,
//! plus the file handling, reports and benchmark of the `ghostlines` CLI.
//!
//! [`Runtime`] compiles the embedded component once; each [`Instance`] is a
//! fresh store with typed calls that check sizes before a frame is copied
//! into the guest. Calls return `wasmtime::Result<Result<T, Error>>`: the
//! outer error is a trap or host failure, the inner one the component's
//! typed answer to bad input.

pub mod app;
pub mod bench;
pub mod bindings;
mod cache;
pub mod commands;
pub mod faults;
pub mod files;
pub mod fixture;
pub mod load;
mod reply;
mod runtime;
pub mod serve;
pub mod video;

// build.rs folds constant offsets into the guest's loads; its pass is
// tested with the host's unit tests.
#[cfg(test)]
#[path = "../build/offsets.rs"]
mod offsets;

pub use bindings::{Error, Frame, GreyMethod, Plane};
pub use runtime::{Instance, Painter, Renderer, Runtime, Tracker};

/// Prints a diagnostic line to standard error when `GHOSTLINES_LOG` is set.
pub(crate) fn log(message: &str) {
    if std::env::var_os("GHOSTLINES_LOG").is_some() {
        eprintln!("{message}");
    }
}

/// The ghostlines component, built by `build.rs` from `guest/`.
pub const GUEST_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/ghostlines_guest.wasm"));

/// The ghostlines HTTP component (`wasi:http/incoming-handler`), built by
/// `build.rs` from `http/`.
pub const HTTP_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ghostlines_http.wasm"));

/// `examples/vectors` built as a component: a command (`wasi:cli/run`)
/// whose `ghostlines:image` imports are still open, for `wac plug`.
pub const EXAMPLE_VECTORS: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/ghostlines-vectors.wasm"));

/// [`EXAMPLE_VECTORS`] composed with [`GUEST_COMPONENT`] by `build.rs`
/// (wac-graph): one command component that any WASI host runs.
pub const EXAMPLE_VECTORS_COMPOSED: &[u8] = include_bytes!(concat!(
    env!("OUT_DIR"),
    "/ghostlines-vectors-composed.wasm"
));

/// The contract, `wit/ghostlines.wit`: the WIT package `ghostlines:image`.
pub const WIT_TEXT: &str = include_str!("../../wit/ghostlines.wit");

/// The same WIT package in binary form (a component of types only, as
/// `wasm-tools component wit --wasm` makes it), encoded by `build.rs`.
pub const WIT_PACKAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ghostlines-image.wasm"));
