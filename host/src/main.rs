//! `ghostlines`: turn images and frame sequences into grey planes and ghost
//! lines with the ghostlines WebAssembly component, in an embedded Wasmtime.
//! Dispatch only: each command is `ghostlines::commands::<name>`.

use clap::{Parser, Subcommand};
use ghostlines::commands::{
    AdjustCommand, BenchCommand, ComponentsCommand, EdgesCommand, FaultsCommand, FlowCommand,
    GreyCommand, LoadCommand, MotionCommand, RenderCommand, ServeCommand,
};

/// Turn camera frames into vectors with the ghostlines WebAssembly
/// component. Every operation runs inside the component, sandboxed, in an
/// embedded Wasmtime.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Grey(GreyCommand),
    Adjust(AdjustCommand),
    Motion(MotionCommand),
    Render(RenderCommand),
    Edges(EdgesCommand),
    Flow(FlowCommand),
    Serve(ServeCommand),
    Load(LoadCommand),
    Faults(FaultsCommand),
    Bench(BenchCommand),
    Components(ComponentsCommand),
}

fn main() -> anyhow::Result<()> {
    keep_freed_memory();
    let done = match Cli::parse().command {
        Command::Grey(c) => c.execute(),
        Command::Adjust(c) => c.execute(),
        Command::Motion(c) => c.execute(),
        Command::Render(c) => c.execute(),
        Command::Edges(c) => c.execute(),
        Command::Flow(c) => c.execute(),
        Command::Serve(c) => c.execute(),
        Command::Load(c) => c.execute(),
        Command::Faults(c) => c.execute(),
        Command::Bench(c) => c.execute(),
        Command::Components(c) => c.execute(),
    };
    // A reader that stopped reading (`| head`) ends the output quietly.
    match done {
        Err(e) if ghostlines::commands::is_broken_pipe(&e) => Ok(()),
        done => done,
    }
}

/// Freed memory kept for the next frame rather than handed back to the
/// system at once. glibc's malloc returns the top of its heap past a trim
/// threshold of a few MB, and maps large blocks afresh, so the native flow
/// field (`flow --native`), tens of MB allocated and freed a call, paid for
/// its pages again on every call: 1,850 page faults a 640×480 `balanced`
/// call, about 2.7 of its 10 ms. (The component's memory is Wasm's linear
/// memory, which never shrinks.) 32 MiB is the largest mmap threshold glibc
/// takes on 64-bit.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only sets two of malloc's parameters, here before
    // any thread starts.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
