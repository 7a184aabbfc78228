//! `ghostlines flow`: the flow field of a frame pair, a displacement at
//! every pixel, as a Middlebury `.flo` file and a colour-coded picture.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ghostlines_core as core_;
use ghostlines_core::{FieldSettings, FlowField};

use crate::Runtime;
use crate::bindings::{Frame, native_refusal, refusal};
use crate::files::{self, Size};

/// The flow field from PREVIOUS to CURRENT: where every pixel moved, by
/// dense inverse search. Writes a Middlebury .flo file (OpenCV's
/// readOpticalFlow reads it) and/or the field in the Middlebury colour
/// coding as a PNG.
#[derive(clap::Args)]
pub struct FlowCommand {
    /// The first frame: PNG, JPEG, GIF or WebP, or raw RGBA8 with --size.
    previous: PathBuf,
    /// The second frame, the same size.
    current: PathBuf,
    /// Write the field here as a Middlebury .flo file.
    #[arg(long, value_name = "OUT.flo")]
    flo: Option<PathBuf>,
    /// Write the field here in the Middlebury colour coding (a PNG).
    #[arg(long, value_name = "OUT.png")]
    png: Option<PathBuf>,
    /// Saturate the colour coding at this many pixels of motion [default:
    /// the field's longest].
    #[arg(long, value_name = "PIXELS")]
    max_motion: Option<f32>,
    /// The search preset; --patch, --stride, --finest-level, --iterations,
    /// --refinement and --fine-refinement change it.
    #[arg(long, value_parser = super::field_preset(), default_value = FieldSettings::DEFAULT_PRESET)]
    preset: FieldSettings,
    /// Side of a patch, pixels (4..=32).
    #[arg(long)]
    patch: Option<u32>,
    /// Pixels between patches (1..=patch).
    #[arg(long)]
    stride: Option<u32>,
    /// The finest pyramid level searched (0: full resolution).
    #[arg(long)]
    finest_level: Option<u32>,
    /// Inverse-search iterations a patch at most.
    #[arg(long)]
    iterations: Option<u32>,
    /// Variational refinement after each level, fixed-point iterations
    /// (0: none).
    #[arg(long)]
    refinement: Option<u32>,
    /// A last refinement of the finest level searched on the data of the
    /// level below it, fixed-point iterations (0: none; needs
    /// --finest-level 1 or more).
    #[arg(long)]
    fine_refinement: Option<u32>,
    /// How the frames become grey first.
    #[arg(long, value_parser = super::grey_method(), default_value_t = core_::GreyMethod::MaxRgb)]
    method: core_::GreyMethod,
    /// Compute the field this many times and print the median time of
    /// one call into the component (grey planes in, field out), for
    /// scripts/bench-flow.py; 1 prints nothing.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    /// Read the inputs as raw RGBA8 of this size, like 800x600.
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
    /// Compute the field natively, with ghostlines-core in this process,
    /// not in the component: scripts/bench-flow.py's native column.
    #[arg(long)]
    native: bool,
}

impl FlowCommand {
    /// The settings the flags make.
    fn settings(&self) -> FieldSettings {
        let preset = self.preset;
        FieldSettings {
            patch: self.patch.unwrap_or(preset.patch),
            stride: self.stride.unwrap_or(preset.stride),
            finest_level: self.finest_level.unwrap_or(preset.finest_level),
            iterations: self.iterations.unwrap_or(preset.iterations),
            refinement: self.refinement.unwrap_or(preset.refinement),
            fine_refinement: self.fine_refinement.unwrap_or(preset.fine_refinement),
        }
    }

    pub fn execute(self) -> anyhow::Result<()> {
        if self.flo.is_none() && self.png.is_none() {
            bail!("nothing to write: give --flo OUT.flo and/or --png OUT.png");
        }
        let read = |path: &PathBuf| -> anyhow::Result<Frame> { files::read_frame(path, self.size) };
        let (previous, current) = (read(&self.previous)?, read(&self.current)?);
        let (field, mut times) = if self.native {
            self.native_field(&previous, &current)?
        } else {
            self.component_field(&previous, &current)?
        };
        if self.repeat > 1 {
            times.sort();
            let median = times[times.len() / 2];
            println!(
                "flow field {}x{}: median {:.3} ms of {} calls {}",
                field.width,
                field.height,
                median.as_secs_f64() * 1e3,
                self.repeat,
                if self.native {
                    "natively"
                } else {
                    "into the component"
                }
            );
        }
        let mut wrote = Vec::new();
        if let Some(path) = &self.flo {
            files::write_output(path, field.to_flo())?;
            wrote.push(format!(
                "wrote {}: the flow field, {}x{}, a .flo file",
                path.display(),
                field.width,
                field.height
            ));
        }
        if let Some(path) = &self.png {
            let picture = Frame {
                width: field.width,
                height: field.height,
                pixels: field.colour_coded(self.max_motion),
            };
            files::write_frame(path, &picture)?;
            wrote.push(format!(
                "wrote {}: the flow field in the Middlebury colour coding",
                path.display()
            ));
        }
        for line in wrote {
            eprintln!("{line}");
        }
        Ok(())
    }

    /// The field computed `repeat` times in the component, and the time of
    /// each call (grey planes in, field out).
    fn component_field(
        &self,
        previous: &Frame,
        current: &Frame,
    ) -> anyhow::Result<(FlowField, Vec<Duration>)> {
        let mut instance = Runtime::new()?.instantiate()?;
        let mut grey = |frame: &Frame, path: &PathBuf| {
            instance
                .greyscale(frame, self.method.into())?
                .map_err(refusal)
                .with_context(|| format!("greyscale of {}", path.display()))
        };
        let before = grey(previous, &self.previous)?;
        let after = grey(current, &self.current)?;
        let settings = self.settings().into();
        let (field, times) = timed(self.repeat, || {
            instance
                .pixel_flow(&before, &after, settings)?
                .map_err(refusal)
                .context("the flow field")
        })?;
        Ok((field.into(), times))
    }

    /// The same, natively: ghostlines-core's field in this process.
    fn native_field(
        &self,
        previous: &Frame,
        current: &Frame,
    ) -> anyhow::Result<(FlowField, Vec<Duration>)> {
        let grey = |frame: &Frame, path: &PathBuf| -> anyhow::Result<Vec<u8>> {
            let frame = core_::Frame::new(frame.width, frame.height, &frame.pixels)
                .map_err(native_refusal)
                .with_context(|| format!("greyscale of {}", path.display()))?;
            Ok(core_::greyscale(frame, self.method))
        };
        let before = grey(previous, &self.previous)?;
        let after = grey(current, &self.current)?;
        let plane = |frame: &Frame, values| {
            core_::Plane::new(frame.width, frame.height, values).map_err(native_refusal)
        };
        let (before, after) = (plane(previous, &before)?, plane(current, &after)?);
        let settings = self.settings();
        timed(self.repeat, || {
            core_::flow_field(before, after, &settings, None)
                .map_err(native_refusal)
                .context("the flow field")
        })
    }
}

/// `call` made `repeat` times (at least once): its last answer, and how
/// long each call took.
fn timed<T>(
    repeat: u32,
    mut call: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Vec<Duration>)> {
    let mut times = Vec::new();
    let mut answer = None;
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        answer = Some(call()?);
        times.push(started.elapsed());
    }
    Ok((answer.context("no field computed")?, times))
}
