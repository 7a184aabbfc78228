//! A stream drawn through one instance and through several: the frames
//! prepared ahead on their own instances (`ghostlines render --jobs`),
//! timed as a stream is, frame after frame.

use std::sync::mpsc::sync_channel;
use std::time::Instant;

use ghostlines_core as core_;

use super::report::BenchRow;
use super::runner::checked_value;
use super::stats::{Timing, percentile};
use crate::bindings::{PainterSettings, TrackerSettings, refusal};
use crate::fixture::{Alternating, FramePair};
use crate::video::{ReadyFrame, TimedFrame, prepare_ahead};
use crate::{Instance, Runtime};

/// Frames drawn before the timed ones: the instances' memory grows and
/// the tracker fills with tracks.
const WARM_UP: usize = 5;

/// `render`'s work on a 1920×1080 stream of the bench's scene (default
/// painter, trails off) in the sketch's and the sparse mode, through 1 and
/// through `jobs` instances: one row each, the time between drawn frames.
pub fn render_stream_rows(
    runtime: &Runtime,
    jobs: usize,
    iterations: usize,
) -> anyhow::Result<Vec<BenchRow>> {
    let pair = FramePair::new(1920, 1080);
    let mut rows = Vec::new();
    for mode in [core_::TrackerMode::Sketch, core_::TrackerMode::sparse()] {
        for instances in [1, jobs] {
            let timing = time_render_stream(runtime, &pair, mode, instances, iterations)?;
            let name = format!(
                "render 1920x1080 stream, {mode}, {instances} instance{}",
                if instances == 1 { "" } else { "s" }
            );
            rows.push(BenchRow::component_only(&name, timing));
        }
    }
    Ok(rows)
}

/// The time between frames drawn, `iterations` of them after the warm-up,
/// by a renderer in one instance with `instances − 1` more preparing.
fn time_render_stream(
    runtime: &Runtime,
    pair: &FramePair,
    mode: core_::TrackerMode,
    instances: usize,
    iterations: usize,
) -> anyhow::Result<Timing> {
    let settings = TrackerSettings::from(core_::TrackerSettings {
        mode,
        ..core_::TrackerSettings::default()
    });
    let painter = PainterSettings::from(core_::PainterSettings::default());
    let mut instance = runtime.instantiate()?;
    let mut renderer = checked_value(instance.renderer(&settings, &painter))?;
    let preparers = (1..instances)
        .map(|_| runtime.instantiate())
        .collect::<anyhow::Result<Vec<Instance>>>()?;
    // The frames come from a thread as a reader's would, a copy each.
    let (frames, receiver) = sync_channel(4);
    let total = WARM_UP + iterations;
    let both = [pair.first.clone(), pair.second.clone()];
    std::thread::spawn(move || {
        let mut feed = Alternating::default();
        for _ in 0..total {
            let (which, time) = feed.next_frame();
            let frame = both[which].clone();
            if frames.send(Ok(TimedFrame { frame, time })).is_err() {
                break;
            }
        }
    });
    let mut gaps = Vec::with_capacity(iterations);
    let mut last = Instant::now();
    for (k, ready) in prepare_ahead(receiver, preparers, settings).enumerate() {
        let ReadyFrame { frame, prepared } = ready?;
        let TimedFrame { frame, time } = frame;
        let painted = match &prepared {
            Some(prepared) => renderer.push_prepared(&frame, prepared, time)?,
            None => renderer.push(&frame, Some(time))?,
        };
        std::hint::black_box(painted.map_err(refusal)?);
        let now = Instant::now();
        if k >= WARM_UP {
            gaps.push((now - last).as_secs_f64() * 1e3);
        }
        last = now;
    }
    gaps.sort_by(f64::total_cmp);
    Ok(Timing {
        median_ms: percentile(&gaps, 0.5),
        p90_ms: percentile(&gaps, 0.9),
    })
}
