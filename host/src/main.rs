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
