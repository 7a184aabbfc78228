//! `ghostlines bench`: every operation in the component and natively.

use std::path::PathBuf;

use crate::{Runtime, bench, files};

/// Time every operation in the component and natively, and print the ratios.
#[derive(clap::Args)]
pub struct BenchCommand {
    /// Frame width.
    #[arg(long, default_value_t = 800)]
    width: u32,
    /// Frame height.
    #[arg(long, default_value_t = 600)]
    height: u32,
    /// Timed iterations an operation.
    #[arg(long, default_value_t = 50)]
    iterations: usize,
    /// Also write the results as JSON here.
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
    /// Also draw the table as an SVG bar chart here.
    #[arg(long, value_name = "OUT.svg")]
    svg: Option<PathBuf>,
    /// Instead, time the per-frame operations at 320x240 up to 1920x1080
    /// and fit time against pixels (ns a pixel).
    #[arg(long)]
    sizes: bool,
}

impl BenchCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        let runtime = Runtime::new()?;
        if self.sizes {
            let report = bench::run_scaling(&runtime, &bench::SCALING_SIZES, self.iterations)?;
            print!("{}", report.table());
            if let Some(path) = &self.json {
                files::write_output(path, serde_json::to_string_pretty(&report)?)?;
            }
            return Ok(());
        }
        let report = bench::run(&runtime, self.width, self.height, self.iterations)?;
        print!("{}", report.table());
        if let Some(path) = &self.json {
            files::write_output(path, serde_json::to_string_pretty(&report)?)?;
        }
        if let Some(path) = &self.svg {
            files::write_output(path, report.svg())?;
        }
        Ok(())
    }
}
