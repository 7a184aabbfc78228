//! Grids of sample points: how many a spacing makes over a frame, within
//! the one cap that flow and gradient fields share.

use crate::error::{Error, Result};

/// The most grid points one dense-flow call tracks (each costs memory in the
/// answer): 2^20.
pub const MAX_GRID_POINTS: u64 = 1 << 20;

/// The points of a grid every `step` pixels over `width x height`, from
/// (step/2, step/2), row-major.
pub(crate) fn grid_points(width: u32, height: u32, step: u32) -> impl Iterator<Item = (u32, u32)> {
    let s = step.max(1) as usize;
    (s / 2..height as usize).step_by(s).flat_map(move |y| {
        (s / 2..width as usize)
            .step_by(s)
            .map(move |x| (x as u32, y as u32))
    })
}

/// Checks that a grid every `step` pixels (at least 1; callers check their
/// own range) over `width x height` has at most [`MAX_GRID_POINTS`] points.
pub(crate) fn check_grid(width: u32, height: u32, step: u32) -> Result<()> {
    let step = step.max(1);
    let count = |side: u32| u64::from(side.saturating_sub(step / 2)).div_ceil(u64::from(step));
    let points = count(width) * count(height);
    if points > MAX_GRID_POINTS {
        return Err(Error::InvalidParameter(format!(
            "step {step} makes {points} grid points on {width}x{height}; at most {MAX_GRID_POINTS}"
        )));
    }
    Ok(())
}
