//! The tracker's flags, shared by the commands that run one (`motion`).

use ghostlines_core as core_;
use ghostlines_core::{CornerSettings, FlowSettings, TrackerMode, TrackerSettings};

/// What a frame becomes: the tracker's vectors in one of its modes, or
/// (`render` only) the frame's edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// The tracker, in this mode (with core's defaults).
    Track(TrackerMode),
    /// Canny edges as polylines.
    Edges,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mode::Track(mode) => mode.fmt(f),
            Mode::Edges => f.write_str("edges"),
        }
    }
}

/// `--mode`: core's tracker modes, and `edges`.
fn mode() -> impl clap::builder::TypedValueParser<Value = Mode> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    let names = TrackerMode::all().map(|m| m.name());
    PossibleValuesParser::new(names.into_iter().chain(["edges"])).try_map(|name: String| match name
        .as_str()
    {
        "edges" => Ok(Mode::Edges),
        name => TrackerMode::from_name(name).map(Mode::Track),
    })
}

/// How frames become vectors: the tracker's settings as flags, with
/// core's defaults.
#[derive(clap::Args, Debug, Clone)]
pub struct TrackerArgs {
    /// sketch: difference samples moved by the centroid's motion; sparse:
    /// each corner's own optical flow; dense: a grid of flow vectors;
    /// field: the flow field at every pixel, its vectors on a grid; edges
    /// (render only): each frame's Canny edges.
    #[arg(long, value_parser = mode(), default_value_t = Mode::Track(TrackerSettings::default().mode))]
    mode: Mode,
    /// How frames become grey.
    #[arg(long, value_parser = super::grey_method(), default_value_t = TrackerSettings::default().method)]
    method: core_::GreyMethod,
    /// Contrast on the grey plane, -100..=100.
    #[arg(long, default_value_t = TrackerSettings::default().contrast, allow_hyphen_values = true)]
    contrast: i32,
    /// Brightness on the grey plane, -255..=255.
    #[arg(long, default_value_t = TrackerSettings::default().brightness, allow_hyphen_values = true)]
    brightness: i32,
    /// Sketch mode: a sample is kept when its grey value changed by at
    /// least threshold·255; 0..=1.
    #[arg(long, default_value_t = TrackerSettings::default().threshold)]
    threshold: f64,
    /// Sketch mode: pixel positions sampled a frame.
    #[arg(long, default_value_t = TrackerSettings::default().samples)]
    samples: u32,
    /// Sketch mode: seed of the SplitMix64 sample stream.
    #[arg(long, default_value_t = TrackerSettings::default().seed)]
    seed: u64,
    /// Each frame is measured against the nearest frame at or before its
    /// time minus this many milliseconds (the sketch grabbed a frame every
    /// 200 ms); 0 measures consecutive frames.
    #[arg(long, default_value_t = TrackerSettings::default().interval)]
    interval: f64,
    /// Dense and field modes: one vector every this many pixels.
    #[arg(long, default_value_t = TrackerMode::DENSE_STEP)]
    step: u32,
    /// Field mode: how the flow field is searched, a preset of
    /// `ghostlines flow --preset`.
    #[arg(long, value_parser = super::field_preset(), default_value = TrackerMode::FIELD_PRESET)]
    field_preset: core_::FieldSettings,
    /// Flow modes: side of the tracking window, odd, 3..=31.
    #[arg(long, default_value_t = FlowSettings::default().window)]
    window: u32,
    /// Flow modes: pyramid levels, 1..=8.
    #[arg(long, default_value_t = FlowSettings::default().levels)]
    levels: u32,
    /// Flow modes: forward–backward check in pixels (0: off).
    #[arg(long, default_value_t = FlowSettings::default().fb_threshold)]
    fb_threshold: f64,
    /// Sparse mode: most corners tracked.
    #[arg(long, default_value_t = CornerSettings::default().max_corners)]
    max_corners: u32,
    /// Sparse mode: corners weaker than quality × the strongest are dropped; 0..=1.
    #[arg(long, default_value_t = CornerSettings::default().quality)]
    quality: f64,
    /// Sparse mode: minimum distance between corners, pixels.
    #[arg(long, default_value_t = CornerSettings::default().min_distance)]
    min_distance: f64,
    /// Component instances the frames are spread over, 1..=64: the
    /// tracker's, and the rest preparing the frames ahead of it (grey,
    /// filter, centroid, corners), each on a thread. The output is the same
    /// whatever the number. [default: the cores available]
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..=64))]
    jobs: Option<u32>,
}

impl TrackerArgs {
    /// Whether `--mode edges` was asked for.
    pub fn edges(&self) -> bool {
        self.mode == Mode::Edges
    }

    /// The instances that prepare frames for the tracker's: one fewer than
    /// `--jobs`, none in edges mode (which has no tracker).
    pub fn preparers(&self, runtime: &crate::Runtime) -> anyhow::Result<Vec<crate::Instance>> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        let jobs = self.jobs.unwrap_or(cores.min(64));
        if self.edges() {
            return Ok(Vec::new());
        }
        (1..jobs).map(|_| runtime.instantiate()).collect()
    }

    /// The settings the flags make (core checks their ranges); in edges
    /// mode, the grey method and adjustment, for the edges' plane.
    pub fn settings(&self) -> TrackerSettings {
        let flow = FlowSettings {
            window: self.window,
            levels: self.levels,
            fb_threshold: self.fb_threshold,
            ..FlowSettings::default()
        };
        let mode = match self.mode {
            Mode::Edges | Mode::Track(TrackerMode::Sketch) => TrackerMode::Sketch,
            Mode::Track(TrackerMode::Sparse { .. }) => TrackerMode::Sparse {
                corners: CornerSettings {
                    max_corners: self.max_corners,
                    quality: self.quality,
                    min_distance: self.min_distance,
                },
                flow,
            },
            Mode::Track(TrackerMode::Dense { .. }) => TrackerMode::Dense {
                step: self.step,
                flow,
            },
            Mode::Track(TrackerMode::Field { .. }) => TrackerMode::Field {
                step: self.step,
                settings: self.field_preset,
            },
        };
        TrackerSettings {
            method: self.method,
            contrast: self.contrast,
            brightness: self.brightness,
            threshold: self.threshold,
            samples: self.samples,
            seed: self.seed,
            mode,
            interval: self.interval,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        tracker: TrackerArgs,
    }

    fn settings(args: &[&str]) -> TrackerSettings {
        let args = std::iter::once("ghostlines").chain(args.iter().copied());
        Flags::parse_from(args).tracker.settings()
    }

    #[test]
    fn no_flags_are_cores_defaults_in_every_mode() {
        assert_eq!(settings(&[]), TrackerSettings::default());
        for mode in TrackerMode::all() {
            let want = TrackerSettings {
                mode,
                ..TrackerSettings::default()
            };
            assert_eq!(settings(&["--mode", mode.name()]), want);
        }
    }

    #[test]
    fn flags_set_their_fields() {
        let got = settings(&["--mode", "dense", "--step", "9", "--window", "7"]);
        let TrackerMode::Dense { step, flow } = got.mode else {
            panic!("{got:?}");
        };
        assert_eq!((step, flow.window), (9, 7));
        assert!(Flags::try_parse_from(["ghostlines", "--mode", "psychic"]).is_err());
        assert!(Flags::try_parse_from(["ghostlines", "--method", "sepia"]).is_err());
    }
}
