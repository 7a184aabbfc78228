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
/// through `jobs` instances: one row each, the time between drawn frames,
/// noting the process's CPU use (and the speed-up over one instance).
pub fn render_stream_rows(
    runtime: &Runtime,
    jobs: usize,
    iterations: usize,
) -> anyhow::Result<Vec<BenchRow>> {
    let pair = FramePair::new(1920, 1080);
    let mut rows = Vec::new();
    for mode in [core_::TrackerMode::Sketch, core_::TrackerMode::sparse()] {
        let mut one = None;
        for instances in [1, jobs] {
            let (timing, cpu) = time_render_stream(runtime, &pair, mode, instances, iterations)?;
            let name = format!(
                "render 1920x1080 stream, {mode}, {instances} instance{}",
                if instances == 1 { "" } else { "s" }
            );
            let mut row = BenchRow::component_only(&name, timing);
            let speedup = one.map(|one: Timing| {
                format!("{:.2}x one instance, ", one.median_ms / timing.median_ms)
            });
            row.note =
                cpu.map(|cpu| format!("{}CPU {:.0}%", speedup.unwrap_or_default(), 100.0 * cpu));
            one.get_or_insert(timing);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The CPU time this process has used, seconds: user and system time from
/// /proc/self/stat, in the kernel's USER_HZ ticks (100 a second); `None`
/// where there is no /proc.
fn cpu_seconds() -> Option<f64> {
    const USER_HZ: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name in parentheses: state, then utime and stime
    // are the 12th and 13th fields.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / USER_HZ)
}

/// The time between frames drawn, `iterations` of them after the warm-up,
/// by a renderer in one instance with `instances − 1` more preparing, and
/// the cores the process kept busy meanwhile (CPU time / wall time).
fn time_render_stream(
    runtime: &Runtime,
    pair: &FramePair,
    mode: core_::TrackerMode,
    instances: usize,
    iterations: usize,
) -> anyhow::Result<(Timing, Option<f64>)> {
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
    let mut timed = None;
    for (k, ready) in prepare_ahead(receiver, preparers, settings).enumerate() {
        let ReadyFrame { frame, prepared } = ready?;
        let TimedFrame { frame, time } = frame;
        let painted = renderer.push_ready(&frame, prepared.as_ref(), time)?;
        std::hint::black_box(painted.map_err(refusal)?);
        let now = Instant::now();
        if k >= WARM_UP {
            gaps.push((now - last).as_secs_f64() * 1e3);
        } else if k + 1 == WARM_UP {
            timed = Some((now, cpu_seconds()));
        }
        last = now;
    }
    let cpu = match timed {
        Some((started, Some(cpu))) => {
            cpu_seconds().map(|now| (now - cpu) / started.elapsed().as_secs_f64())
        }
        _ => None,
    };
    gaps.sort_by(f64::total_cmp);
    let timing = Timing {
        median_ms: percentile(&gaps, 0.5),
        p90_ms: percentile(&gaps, 0.9),
    };
    Ok((timing, cpu))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::time::{Duration, Instant};

    /// Work shows as CPU time: the reading is the process's own clock.
    #[test]
    fn cpu_time_grows_with_work() {
        let before = super::cpu_seconds().expect("/proc/self/stat");
        let started = Instant::now();
        let mut x = 0u64;
        let mut now = before;
        while now - before < 0.05 && started.elapsed() < Duration::from_secs(20) {
            for _ in 0..1_000_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            now = super::cpu_seconds().expect("/proc/self/stat");
        }
        assert!(now - before >= 0.05, "{before} s, then {now} s");
    }
}
