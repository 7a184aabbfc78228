//! `ghostlines`: turn images and frame sequences into grey planes and ghost
//! lines with the ghostlines WebAssembly component, in an embedded Wasmtime.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand, ValueEnum};
use ghostlines::app::StaticFiles;
use ghostlines::bindings::{GradientOperator, GreyMethod, TrackerMode, TrackerSettings, refusal};
use ghostlines::faults::{self, FaultConfig};
use ghostlines::files::{self, Size};
use ghostlines::load::{self, LoadConfig, LoadRoute};
use ghostlines::serve::{self, HttpHost, ServeLimits};
use ghostlines::{Runtime, bench};
use ghostlines_core::{
    CornerSettings, EdgeReport, EdgeSettings, FlowSettings, FrameReport, MOTION_VERSION,
    MotionReport, SvgStyle,
};
use indicatif::{ProgressBar, ProgressStyle};

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
    /// Convert an image to 8-bit greyscale.
    Grey {
        /// Input: PNG, JPEG, GIF or WebP, or raw RGBA8 with --size.
        input: PathBuf,
        /// Output: a greyscale PNG, or raw bytes (one a pixel) if it ends in .gray.
        output: PathBuf,
        /// How a colour pixel becomes grey.
        #[arg(long, value_enum, default_value_t = Method::MaxRgb)]
        method: Method,
        /// Read the input as raw RGBA8 of this size, like 800x600.
        #[arg(long, value_name = "WxH")]
        size: Option<Size>,
    },
    /// Change contrast and brightness the way the original sketch did.
    Adjust {
        /// Input: PNG, JPEG, GIF or WebP, or raw RGBA8 with --size.
        input: PathBuf,
        /// Output: an RGBA PNG, or raw RGBA8 if it ends in .rgba.
        output: PathBuf,
        /// Contrast, -100..=100 (0 leaves it).
        #[arg(long, allow_hyphen_values = true)]
        contrast: i32,
        /// Brightness, -255..=255 (0 leaves it).
        #[arg(long, allow_hyphen_values = true)]
        brightness: i32,
        /// Read the input as raw RGBA8 of this size, like 800x600.
        #[arg(long, value_name = "WxH")]
        size: Option<Size>,
    },
    /// Run the tracker over a frame sequence (image files in order, or one
    /// animated GIF) and write its ghost lines as JSON and SVG.
    Motion {
        /// The frames: several image files, or one animated GIF.
        #[arg(required = true, value_name = "FRAME")]
        frames: Vec<PathBuf>,
        /// Write the versioned JSON report here ("-" for standard output).
        #[arg(long, value_name = "OUT.json")]
        json: Option<PathBuf>,
        /// Draw the vectors over the last frame into this SVG.
        #[arg(long, value_name = "OUT.svg")]
        svg: Option<PathBuf>,
        /// Lines in the SVG are this many times their displacement.
        #[arg(long, default_value_t = 1.0)]
        svg_scale: f64,
        /// How frames become grey.
        #[arg(long, value_enum, default_value_t = Method::MaxRgb)]
        method: Method,
        /// Contrast on the grey plane, -100..=100.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        contrast: i32,
        /// Brightness on the grey plane, -255..=255.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        brightness: i32,
        /// A sample is kept when its grey value changed by at least threshold·255; 0..=1.
        #[arg(long, default_value_t = 0.1)]
        threshold: f64,
        /// Pixel positions sampled a frame.
        #[arg(long, default_value_t = 2000)]
        samples: u32,
        /// Seed of the SplitMix64 sample stream.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// sketch: difference samples moved by the centroid's motion; sparse:
        /// each corner's own optical flow; dense: a grid of flow vectors.
        #[arg(long, value_enum, default_value_t = Mode::Sketch)]
        mode: Mode,
        #[command(flatten)]
        flow: FlowArgs,
        /// Read every frame as raw RGBA8 of this size, like 800x600.
        #[arg(long, value_name = "WxH")]
        size: Option<Size>,
    },
    /// Find edges and write them as polylines (JSON, SVG), with an optional
    /// gradient field.
    Edges {
        /// Input: PNG, JPEG, GIF or WebP, or raw RGBA8 with --size.
        input: PathBuf,
        /// Write the versioned JSON here ("-" for standard output).
        #[arg(long, value_name = "OUT.json")]
        json: Option<PathBuf>,
        /// Draw the polylines (and gradients) over the image into this SVG.
        #[arg(long, value_name = "OUT.svg")]
        svg: Option<PathBuf>,
        /// How the image becomes grey first.
        #[arg(long, value_enum, default_value_t = Method::MaxRgb)]
        method: Method,
        /// Gaussian smoothing in pixels, 0.5..=10.
        #[arg(long, default_value_t = 1.4)]
        sigma: f64,
        /// Hysteresis low threshold, grey levels a pixel.
        #[arg(long, default_value_t = 8.0)]
        low: f64,
        /// Hysteresis high threshold, grey levels a pixel.
        #[arg(long, default_value_t = 20.0)]
        high: f64,
        /// Ramer–Douglas–Peucker tolerance in pixels (0 keeps every edge pixel).
        #[arg(long, default_value_t = 0.5)]
        tolerance: f64,
        /// Drop polylines (segments with --straight-only) shorter than this, in pixels.
        #[arg(long, default_value_t = 0.0)]
        min_length: f64,
        /// Only straight segments, each a two-point polyline.
        #[arg(long)]
        straight_only: bool,
        /// Also a gradient field, one sample every this many pixels (0: none).
        #[arg(long, default_value_t = 0)]
        gradient_step: u32,
        /// Derivative kernel of the gradient field.
        #[arg(long, value_enum, default_value_t = Operator::Sobel)]
        operator: Operator,
        /// Read the input as raw RGBA8 of this size, like 800x600.
        #[arg(long, value_name = "WxH")]
        size: Option<Size>,
    },
    /// Serve the HTTP component (routes in README.md and at GET /) with an
    /// embedded Wasmtime: one sandboxed instance a request.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
        /// The whole request body must arrive within this many milliseconds, else 408.
        #[arg(long, default_value_t = 10_000)]
        body_timeout_ms: u64,
        /// Milliseconds the component may compute without waiting on I/O, else 503.
        #[arg(long, default_value_t = 5_000)]
        compute_timeout_ms: u64,
        /// A client that takes none of the answer for this many milliseconds
        /// is cut off and its instance freed.
        #[arg(long, default_value_t = 10_000)]
        send_timeout_ms: u64,
        /// Linear memory of one instance, in MiB [default: 512, or what
        /// --max-pixels needs if more: 64 MiB and 48 bytes a pixel].
        #[arg(long)]
        memory_limit_mib: Option<usize>,
        /// Largest frame width and height, pixels (at most 16384).
        #[arg(long, default_value_t = ghostlines_core::Limits::HTTP.max_side)]
        max_side: u32,
        /// Most pixels a frame (at most 2^25).
        #[arg(long, default_value_t = ghostlines_core::Limits::HTTP.max_pixels)]
        max_pixels: u64,
        /// Largest request body, bytes [default: two RGBA frames of --max-pixels].
        #[arg(long)]
        max_body_bytes: Option<u64>,
        /// Instances alive at once (requests beyond it get 503).
        #[arg(long, default_value_t = 64)]
        max_instances: u32,
        /// No log line per request.
        #[arg(long)]
        quiet: bool,
        /// Serve the live page's files (built by `npm run build` in web/)
        /// from this folder at /app/; skipped with a note if it is missing.
        #[arg(long, value_name = "DIR", default_value = "web/app")]
        app: PathBuf,
    },
    /// Load a ghostlines server with concurrent keep-alive clients posting frames.
    Load {
        /// The server.
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        /// Concurrent clients, one connection each.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Requests in all.
        #[arg(long, default_value_t = 1000)]
        requests: usize,
        /// The route to post to.
        #[arg(long, value_enum, default_value_t = Route::Greyscale)]
        route: Route,
        /// Frame width.
        #[arg(long, default_value_t = 800)]
        width: u32,
        /// Frame height.
        #[arg(long, default_value_t = 600)]
        height: u32,
        /// Stop after this many seconds even if requests remain.
        #[arg(long, default_value_t = 120)]
        time_limit_s: u64,
        /// Also write the results as JSON here.
        #[arg(long, value_name = "OUT.json")]
        json: Option<PathBuf>,
    },
    /// A fault and load test against a ghostlines server: good frames (checked
    /// against core) mixed with every kind of bad request; exits non-zero if
    /// bad input got a 5xx, a good answer was wrong, or the server stopped.
    Faults {
        /// The server.
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        /// Clients at once, one connection a request.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Requests in all (cycling through the nine kinds).
        #[arg(long, default_value_t = 900)]
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
    },
    /// Time every operation in the component and natively, and print the ratios.
    Bench {
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
    },
}

/// Where the tracker's vectors come from.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// The sketch's ghost lines.
    Sketch,
    /// Sparse optical flow of corners.
    Sparse,
    /// Dense optical flow on a grid.
    Dense,
}

/// Gradient kernels.
#[derive(Clone, Copy, ValueEnum)]
enum Operator {
    /// Sobel, [1 2 1] smoothing.
    Sobel,
    /// Scharr, [3 10 3] smoothing.
    Scharr,
}

/// Optical flow settings of `motion --mode sparse|dense`.
#[derive(clap::Args)]
struct FlowArgs {
    /// Dense mode: one vector every this many pixels.
    #[arg(long, default_value_t = 16)]
    step: u32,
    /// Flow modes: side of the tracking window, odd, 3..=31.
    #[arg(long, default_value_t = 11)]
    window: u32,
    /// Flow modes: pyramid levels, 1..=8.
    #[arg(long, default_value_t = 4)]
    levels: u32,
    /// Flow modes: forward–backward check in pixels (0: off).
    #[arg(long, default_value_t = 0.5)]
    fb_threshold: f64,
    /// Sparse mode: most corners tracked.
    #[arg(long, default_value_t = 1000)]
    max_corners: u32,
    /// Sparse mode: minimum distance between corners, pixels.
    #[arg(long, default_value_t = 8.0)]
    min_distance: f64,
}

impl FlowArgs {
    fn mode(&self, mode: Mode) -> TrackerMode {
        let flow = FlowSettings {
            window: self.window,
            levels: self.levels,
            fb_threshold: self.fb_threshold,
            ..FlowSettings::default()
        };
        let mode = match mode {
            Mode::Sketch => ghostlines_core::TrackerMode::Sketch,
            Mode::Sparse => ghostlines_core::TrackerMode::Sparse {
                corners: CornerSettings {
                    max_corners: self.max_corners,
                    min_distance: self.min_distance,
                    ..CornerSettings::default()
                },
                flow,
            },
            Mode::Dense => ghostlines_core::TrackerMode::Dense {
                step: self.step,
                flow,
            },
        };
        mode.into()
    }
}

/// Routes `load` can post to.
#[derive(Clone, Copy, ValueEnum)]
enum Route {
    /// POST /greyscale.
    Greyscale,
    /// POST /adjust.
    Adjust,
    /// POST /centroid.
    Centroid,
    /// POST /motion (two frames a request).
    Motion,
}

/// The greyscale methods (formulas in `wit/ghostlines.wit`).
#[derive(Clone, Copy, ValueEnum)]
enum Method {
    /// max(R, G, B), the original sketch's.
    MaxRgb,
    /// Rec.601 luma, as OpenCV's cvtColor(RGBA2GRAY).
    LumaBt601,
    /// Rec.709 luma.
    LumaBt709,
    /// (R + G + B) / 3, rounded.
    Average,
    /// (max + min) / 2, rounded half up.
    Lightness,
}

impl From<Method> for GreyMethod {
    fn from(m: Method) -> GreyMethod {
        match m {
            Method::MaxRgb => GreyMethod::MaxRgb,
            Method::LumaBt601 => GreyMethod::LumaBt601,
            Method::LumaBt709 => GreyMethod::LumaBt709,
            Method::Average => GreyMethod::Average,
            Method::Lightness => GreyMethod::Lightness,
        }
    }
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Grey {
            input,
            output,
            method,
            size,
        } => {
            let frame = files::read_frame(&input, size)?;
            let mut instance = Runtime::new()?.instantiate()?;
            let plane = instance
                .greyscale(&frame, method.into())?
                .map_err(refusal)
                .with_context(|| format!("greyscale of {}", input.display()))?;
            files::write_plane(&output, &plane)
        }
        Command::Adjust {
            input,
            output,
            contrast,
            brightness,
            size,
        } => {
            let frame = files::read_frame(&input, size)?;
            let mut instance = Runtime::new()?.instantiate()?;
            let adjusted = instance
                .adjust(&frame, contrast, brightness)?
                .map_err(refusal)
                .with_context(|| format!("adjusting {}", input.display()))?;
            files::write_frame(&output, &adjusted)
        }
        Command::Motion {
            frames,
            json,
            svg,
            svg_scale,
            method,
            contrast,
            brightness,
            threshold,
            samples,
            seed,
            mode,
            flow,
            size,
        } => {
            if json.is_none() && svg.is_none() {
                bail!("nothing to write: give --json OUT.json and/or --svg OUT.svg");
            }
            let sequence = files::read_sequence(&frames, size)?;
            let settings = TrackerSettings {
                method: method.into(),
                contrast,
                brightness,
                threshold,
                samples,
                seed,
                mode: flow.mode(mode),
            };
            let report = motion(&sequence, &settings)?;
            if let Some(path) = json {
                write_json(&path, &report)?;
            }
            if let Some(path) = svg {
                let last = sequence.last().context("no frames")?;
                let style = SvgStyle {
                    scale: svg_scale,
                    ..Default::default()
                };
                let background = files::png_data_uri(last)?;
                let svg = ghostlines_core::motion_svg(
                    report.width,
                    report.height,
                    &report.frames,
                    Some(&background),
                    style,
                );
                files::write_output(&path, svg)?;
            }
            Ok(())
        }
        Command::Edges {
            input,
            json,
            svg,
            method,
            sigma,
            low,
            high,
            tolerance,
            min_length,
            straight_only,
            gradient_step,
            operator,
            size,
        } => {
            if json.is_none() && svg.is_none() {
                bail!("nothing to write: give --json OUT.json and/or --svg OUT.svg");
            }
            let frame = files::read_frame(&input, size)?;
            let settings = EdgeSettings {
                sigma,
                low,
                high,
                tolerance,
                min_length,
                straight_only,
            };
            let operator = match operator {
                Operator::Sobel => GradientOperator::Sobel,
                Operator::Scharr => GradientOperator::Scharr,
            };
            let mut instance = Runtime::new()?.instantiate()?;
            let plane = instance
                .greyscale(&frame, method.into())?
                .map_err(refusal)
                .with_context(|| format!("greyscale of {}", input.display()))?;
            let polylines = instance
                .edges(&plane, settings.into())?
                .map_err(refusal)
                .context("finding edges")?;
            let gradients = if gradient_step > 0 {
                instance
                    .gradient_field(&plane, operator, gradient_step)?
                    .map_err(refusal)
                    .context("computing the gradient field")?
            } else {
                Vec::new()
            };
            let polylines: Vec<Vec<ghostlines_core::Point>> = polylines
                .into_iter()
                .map(|l| {
                    l.into_iter()
                        .map(|p| ghostlines_core::Point { x: p.x, y: p.y })
                        .collect()
                })
                .collect();
            let gradients = gradients
                .into_iter()
                .map(|g| ghostlines_core::Gradient {
                    x: g.x,
                    y: g.y,
                    dx: g.dx,
                    dy: g.dy,
                    magnitude: g.magnitude,
                })
                .collect();
            let report = EdgeReport::new(frame.width, frame.height, &polylines, gradients);
            if let Some(path) = json {
                write_json(&path, &report)?;
            }
            if let Some(path) = svg {
                let background = files::png_data_uri(&frame)?;
                let svg = ghostlines_core::edges_svg(
                    &report,
                    Some(&background),
                    1.0,
                    SvgStyle::default(),
                );
                files::write_output(&path, svg)?;
            }
            Ok(())
        }
        Command::Serve {
            listen,
            body_timeout_ms,
            compute_timeout_ms,
            send_timeout_ms,
            memory_limit_mib,
            max_side,
            max_pixels,
            max_body_bytes,
            max_instances,
            quiet,
            app,
        } => {
            let frame = ghostlines_core::Limits {
                max_side,
                max_pixels,
                ..ghostlines_core::Limits::HTTP
            };
            let limits = ServeLimits {
                frame,
                max_body_bytes: max_body_bytes.unwrap_or(frame.two_frame_bytes()),
                body_timeout: Duration::from_millis(body_timeout_ms),
                compute_timeout: Duration::from_millis(compute_timeout_ms),
                send_timeout: Duration::from_millis(send_timeout_ms),
                memory_limit: memory_limit_mib.map_or_else(
                    || ServeLimits::default_memory_limit(&frame),
                    |mib| mib.saturating_mul(1 << 20),
                ),
                max_instances,
            };
            limits.check()?;
            // The page needs its transpiled component (web/app/gen).
            let app = if app.join("gen").is_dir() {
                Some(StaticFiles::new(&app)?)
            } else {
                eprintln!(
                    "note: no built app in {} (run `npm ci && npm run build` in web/); /app/ answers 404",
                    app.display()
                );
                None
            };
            tokio_runtime()?.block_on(async move {
                let host = HttpHost::new(limits)?;
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
        Command::Faults {
            url,
            concurrency,
            requests,
            time_limit_s,
            server_pid,
            json,
        } => {
            let config = FaultConfig {
                url,
                concurrency,
                requests,
                time_limit: Duration::from_secs(time_limit_s),
                server_pid,
            };
            let report = tokio_runtime()?.block_on(faults::run(&config))?;
            print!("{}", report.summary());
            if let Some(path) = json {
                files::write_output(&path, serde_json::to_vec_pretty(&report)?)?;
            }
            anyhow::ensure!(report.passed(), "the fault run found failures (above)");
            Ok(())
        }
        Command::Load {
            url,
            concurrency,
            requests,
            route,
            width,
            height,
            time_limit_s,
            json,
        } => {
            let config = LoadConfig {
                url,
                concurrency,
                requests,
                route: match route {
                    Route::Greyscale => LoadRoute::Greyscale,
                    Route::Adjust => LoadRoute::Adjust,
                    Route::Centroid => LoadRoute::Centroid,
                    Route::Motion => LoadRoute::Motion,
                },
                width,
                height,
                time_limit: Duration::from_secs(time_limit_s),
            };
            let progress = ProgressBar::new(requests as u64).with_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} requests {per_sec} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let bar = progress.clone();
            let report = tokio_runtime()?.block_on(load::run(&config, move || bar.inc(1)))?;
            progress.finish_and_clear();
            print!("{}", report.summary());
            if let Some(path) = json {
                files::write_output(&path, serde_json::to_string_pretty(&report)?)?;
            }
            Ok(())
        }
        Command::Bench {
            width,
            height,
            iterations,
            json,
            svg,
            sizes,
        } => {
            let runtime = Runtime::new()?;
            if sizes {
                let report = bench::run_scaling(&runtime, &bench::SCALING_SIZES, iterations)?;
                print!("{}", report.table());
                if let Some(path) = json {
                    files::write_output(&path, serde_json::to_string_pretty(&report)?)?;
                }
                return Ok(());
            }
            let report = bench::run(&runtime, width, height, iterations)?;
            print!("{}", report.table());
            if let Some(path) = json {
                files::write_output(&path, serde_json::to_string_pretty(&report)?)?;
            }
            if let Some(path) = svg {
                files::write_output(&path, report.svg())?;
            }
            Ok(())
        }
    }
}

/// Writes `value` as JSON to `path`, or to standard output for "-".
fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string(value)?;
    if path.as_os_str() == "-" {
        println!("{text}");
        Ok(())
    } else {
        files::write_output(path, text)
    }
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

/// Pushes every frame through one tracker in the component.
fn motion(
    sequence: &[ghostlines::Frame],
    settings: &TrackerSettings,
) -> anyhow::Result<MotionReport> {
    let first = sequence.first().context("no frames")?;
    let mut instance = Runtime::new()?.instantiate()?;
    let mut tracker = instance
        .tracker(settings)?
        .map_err(refusal)
        .context("creating the tracker")?;
    // A bar only where a sequence takes long enough to watch.
    let progress = if sequence.len() > 5 {
        ProgressBar::new(sequence.len() as u64).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} frames {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    let mut frames = Vec::with_capacity(sequence.len());
    for (index, frame) in sequence.iter().enumerate() {
        let output = tracker
            .push(frame)?
            .map_err(refusal)
            .with_context(|| format!("frame {index}"))?;
        frames.push(FrameReport::new(index, output.into()));
        progress.inc(1);
    }
    progress.finish_and_clear();
    tracker.close()?;
    Ok(MotionReport {
        version: MOTION_VERSION,
        width: first.width,
        height: first.height,
        frames,
    })
}
