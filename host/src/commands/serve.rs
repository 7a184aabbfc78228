//! `ghostlines serve`: the HTTP component on an embedded Wasmtime.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ghostlines_core::StreamLimits;

use crate::app::StaticFiles;
use crate::serve::{self, HttpHost, ServeLimits};

/// Serve the HTTP component (routes at GET /) with an embedded Wasmtime:
/// one sandboxed instance a request.
#[derive(clap::Args)]
pub struct ServeCommand {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// The whole request body must arrive within this many milliseconds, else 408.
    #[arg(long, default_value_t = millis(ServeLimits::default().body_timeout))]
    body_timeout_ms: u64,
    /// Milliseconds the component may compute without waiting on I/O, else 503.
    #[arg(long, default_value_t = millis(ServeLimits::default().compute_timeout))]
    compute_timeout_ms: u64,
    /// A client that takes none of the answer for this many milliseconds
    /// is cut off and its instance freed.
    #[arg(long, default_value_t = millis(ServeLimits::default().send_timeout))]
    send_timeout_ms: u64,
    /// Stream routes: each whole frame must come within this many
    /// milliseconds of waiting on the client (a trickle does not restart
    /// it; time the server computes or writes does not count); a stream
    /// past it ends with a timeout line.
    #[arg(long, default_value_t = millis(ServeLimits::default().stream.frame_wait))]
    stream_idle_timeout_ms: u64,
    /// Stream routes: a stream ends with a timeout line after this many
    /// milliseconds in all [default: no limit].
    #[arg(long)]
    max_stream_duration_ms: Option<u64>,
    /// Stream routes: milliseconds the component may compute a frame.
    #[arg(long, default_value_t = millis(ServeLimits::default().frame_timeout))]
    frame_timeout_ms: u64,
    /// Stream routes: the most frames a request may carry.
    #[arg(long, default_value_t = ServeLimits::default().stream.max_frames)]
    max_stream_frames: u64,
    /// Streams at once (beyond it 503), at most --max-instances [default:
    /// three quarters of --max-instances, so that single requests always
    /// find an instance].
    #[arg(long)]
    max_streams: Option<u32>,
    /// Streams at once from one client address (beyond it 429).
    #[arg(long, default_value_t = ServeLimits::default().max_client_streams)]
    max_client_streams: u32,
    /// Linear memory of one instance, in MiB [default: 512, or what
    /// --max-pixels needs if more: 64 MiB and 48 bytes a pixel].
    #[arg(long)]
    memory_limit_mib: Option<usize>,
    /// Largest frame width and height, pixels (at most 16384).
    #[arg(long, default_value_t = ServeLimits::default().frame.max_side)]
    max_side: u32,
    /// Most pixels a frame (at most 2^25).
    #[arg(long, default_value_t = ServeLimits::default().frame.max_pixels)]
    max_pixels: u64,
    /// Largest request body, bytes [default: two RGBA frames of --max-pixels].
    #[arg(long)]
    max_body_bytes: Option<u64>,
    /// Instances alive at once (requests beyond it get 503).
    #[arg(long, default_value_t = ServeLimits::default().max_instances)]
    max_instances: u32,
    /// Which web pages may read the answers: `*` (any: the API takes no
    /// credentials), `none`, or origins such as http://localhost:8080
    /// separated by commas (answered with the page's own origin and
    /// `vary: origin`).
    #[arg(long, value_name = "ORIGINS", default_value = "*")]
    cors_origin: ghostlines_core::CorsOrigins,
    /// No log line per request.
    #[arg(long)]
    quiet: bool,
    /// Serve the live page's files (built by `npm run build` in web/)
    /// from this folder at /app/; skipped with a note if it is missing.
    #[arg(long, value_name = "DIR", default_value = "web/app")]
    app: PathBuf,
}

fn millis(duration: Duration) -> u64 {
    duration.as_millis() as u64
}

impl ServeCommand {
    /// The limits the flags set (checked by `ServeLimits::check`).
    pub fn limits(&self) -> ServeLimits {
        let frame = ghostlines_core::Limits {
            max_side: self.max_side,
            max_pixels: self.max_pixels,
            ..ServeLimits::default().frame
        };
        ServeLimits {
            frame,
            max_body_bytes: self.max_body_bytes.unwrap_or(frame.two_frame_bytes()),
            body_timeout: Duration::from_millis(self.body_timeout_ms),
            compute_timeout: Duration::from_millis(self.compute_timeout_ms),
            send_timeout: Duration::from_millis(self.send_timeout_ms),
            memory_limit: self.memory_limit_mib.map_or_else(
                || ServeLimits::default_memory_limit(&frame),
                |mib| mib.saturating_mul(1 << 20),
            ),
            max_instances: self.max_instances,
            stream: StreamLimits {
                max_frames: self.max_stream_frames,
                frame_wait: Duration::from_millis(self.stream_idle_timeout_ms),
                max_duration: self.max_stream_duration_ms.map(Duration::from_millis),
            },
            frame_timeout: Duration::from_millis(self.frame_timeout_ms),
            max_streams: self
                .max_streams
                .unwrap_or_else(|| ServeLimits::default_max_streams(self.max_instances)),
            max_client_streams: self.max_client_streams,
        }
    }

    pub fn execute(self) -> anyhow::Result<()> {
        let limits = self.limits();
        limits.check()?;
        // The page needs its transpiled component (web/app/gen).
        let app = if self.app.join("gen").is_dir() {
            Some(StaticFiles::new(&self.app)?)
        } else {
            eprintln!(
                "note: no built app in {} (run `npm ci && npm run build` in web/); /app/ answers 404",
                self.app.display()
            );
            None
        };
        let (listen, quiet) = (self.listen, self.quiet);
        super::tokio_runtime()?.block_on(async move {
            let host = HttpHost::with_cors(limits, self.cors_origin)?;
            let listener = serve::bind(listen).await?;
            // Tests and scripts read this line to find the port.
            println!("listening on http://{}", listener.local_addr()?);
            std::io::stdout().flush()?;
            let ctrl_c = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            if let Some(app) = &app {
                println!(
                    "the live page: http://{}/app/ (files from {})",
                    listener.local_addr()?,
                    app.root().display()
                );
            }
            serve::serve(host, app, listener, ctrl_c, !quiet).await
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        serve: ServeCommand,
    }

    #[test]
    fn no_flags_are_the_default_limits() {
        let flags = Flags::parse_from(["ghostlines"]);
        assert_eq!(flags.serve.limits(), ServeLimits::default());
        assert_eq!(flags.serve.cors_origin, ghostlines_core::CorsOrigins::Any);
    }

    #[test]
    fn cors_origins_are_checked_when_the_server_starts() {
        let flags = Flags::parse_from(["ghostlines", "--cors-origin", "http://localhost:8080"]);
        assert_eq!(flags.serve.cors_origin.to_string(), "http://localhost:8080");
        let Err(e) = Flags::try_parse_from(["ghostlines", "--cors-origin", "http://a.org/app"])
        else {
            panic!("a path is no origin");
        };
        assert!(e.to_string().contains("an origin has no path"), "{e}");
    }
}
