//! `ghostlines faults`: the fault and load test against a server.

use std::path::PathBuf;
use std::time::Duration;

use crate::faults::{self, FaultConfig};
use crate::files;

/// A fault and load test against a ghostlines server: good frames (checked
/// against core) mixed with every kind of bad request, each held to its
/// exact status and kind within the server's deadlines (read at GET /);
/// exits non-zero on any broken promise or if the server stopped.
#[derive(clap::Args)]
pub struct FaultsCommand {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Clients at once, one connection a request; at most the streams the
    /// server allows one client (`serve --max-client-streams`), since
    /// every client may be in a stream case at once.
    #[arg(long, default_value_t = crate::serve::ServeLimits::DEFAULT_MAX_CLIENT_STREAMS as usize)]
    concurrency: usize,
    /// Requests in all (cycling through the kinds).
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Stop after this many seconds even if requests remain.
    #[arg(long, default_value_t = 300)]
    time_limit_s: u64,
    /// The server's process id, to report its peak memory (Linux).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also write the results as JSON here.
    #[arg(long, value_name = "OUT.json")]
    json: Option<PathBuf>,
}

impl FaultsCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        let config = FaultConfig {
            url: self.url,
            concurrency: self.concurrency,
            requests: self.requests,
            time_limit: Duration::from_secs(self.time_limit_s),
            server_pid: self.server_pid,
        };
        let report = super::tokio_runtime()?.block_on(faults::run(&config))?;
        print!("{}", report.summary());
        if let Some(path) = &self.json {
            files::write_output(path, serde_json::to_vec_pretty(&report)?)?;
        }
        anyhow::ensure!(report.passed(), "the fault run found failures (above)");
        Ok(())
    }
}
