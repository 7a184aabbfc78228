//! Frame differencing the sketch's way: sample random pixel positions and
//! keep those whose grey value changed enough.

use crate::error::{Error, Result};
use crate::frame::Plane;
use crate::limits::Limits;

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed 64-bit
/// generator that is easy to reproduce in any language, including
/// JavaScript with BigInt.
///
/// ```
/// use ghostlines_core::SplitMix64;
/// // The first output for seed 0, as in the reference C implementation.
/// assert_eq!(SplitMix64::new(0).next_u64(), 0xe220a8397b1dcdaf);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A draw in `0..n`: `(next_u64() · n) >> 64` (Lemire's multiply-shift,
    /// one output per draw; its bias is below n / 2^64).
    pub fn next_below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// A sampled pixel whose value changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// The value in the previous plane.
    pub previous: u8,
    /// The value in the current plane.
    pub current: u8,
}

/// Draws `samples` pixel positions from `rng` (with replacement, one
/// [`SplitMix64::next_below`] of `width · height` each; x = index mod width)
/// and returns, in draw order, those whose value changed by at least
/// `threshold · 255`.
///
/// `threshold` must be in 0..=1 and `samples` at most
/// [`Limits::max_samples`]; the planes must have one size.
///
/// ```
/// use ghostlines_core::{Plane, SplitMix64, frame_diff};
/// let before = Plane::new(2, 1, &[0, 0])?;
/// let after = Plane::new(2, 1, &[0, 255])?;
/// let changes = frame_diff(before, after, 0.5, 8, &mut SplitMix64::new(7))?;
/// assert!(!changes.is_empty());
/// assert!(changes.iter().all(|c| (c.x, c.y, c.previous, c.current) == (1, 0, 0, 255)));
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
pub fn frame_diff(
    previous: Plane<'_>,
    current: Plane<'_>,
    threshold: f64,
    samples: u32,
    rng: &mut SplitMix64,
) -> Result<Vec<Change>> {
    let mut out = Vec::new();
    frame_diff_into(previous, current, threshold, samples, rng, &mut out)?;
    Ok(out)
}

/// [`frame_diff`] into `out`, which is cleared first (its allocation is
/// reused).
pub fn frame_diff_into(
    previous: Plane<'_>,
    current: Plane<'_>,
    threshold: f64,
    samples: u32,
    rng: &mut SplitMix64,
    out: &mut Vec<Change>,
) -> Result<()> {
    let min_change = check_diff_parameters(threshold, samples)?;
    previous.check_same_size(&current)?;
    out.clear();
    let width = previous.width() as usize;
    let count = previous.values().len() as u64;
    let (before, after) = (previous.values(), current.values());
    for _ in 0..samples {
        let index = rng.next_below(count) as usize;
        let (p, c) = (before[index], after[index]);
        if p.abs_diff(c) >= min_change {
            out.push(Change {
                x: (index % width) as u32,
                y: (index / width) as u32,
                previous: p,
                current: c,
            });
        }
    }
    Ok(())
}

/// Checks a threshold and a sample count; returns the smallest whole change
/// that is at least `threshold · 255`.
pub(crate) fn check_diff_parameters(threshold: f64, samples: u32) -> Result<u8> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::InvalidParameter(format!(
            "threshold must be a number in 0..=1, got {threshold}"
        )));
    }
    Limits::DEFAULT.check_samples(samples)?;
    // A whole change d satisfies d >= t·255 exactly when d >= ceil(t·255).
    Ok((threshold * 255.0).ceil() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splitmix64_reference_outputs() {
        // From the reference implementation (Vigna's splitmix64.c), seed 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn next_below_stays_in_range() {
        let mut rng = SplitMix64::new(42);
        assert!((0..1000).all(|_| rng.next_below(3) < 3));
        assert_eq!(SplitMix64::new(1).next_below(1), 0);
    }

    #[test]
    fn threshold_and_samples_are_checked() {
        let a = Plane::new(1, 1, &[0]).unwrap();
        let mut rng = SplitMix64::new(0);
        for t in [-0.1, 1.01, f64::NAN, f64::INFINITY] {
            assert_eq!(
                frame_diff(a, a, t, 1, &mut rng).unwrap_err().kind(),
                "invalid-parameter"
            );
        }
        assert_eq!(
            frame_diff(a, a, 0.5, (1 << 20) + 1, &mut rng)
                .unwrap_err()
                .kind(),
            "invalid-parameter"
        );
        let b = Plane::new(1, 2, &[0, 0]).unwrap();
        assert_eq!(
            frame_diff(a, b, 0.5, 1, &mut rng),
            Err(Error::SizeMismatch {
                expected: (1, 1),
                actual: (1, 2)
            })
        );
    }

    #[test]
    fn threshold_zero_keeps_every_sample_and_one_needs_full_swing() {
        let a = Plane::new(2, 2, &[0, 10, 0, 255]).unwrap();
        let b = Plane::new(2, 2, &[0, 0, 255, 0]).unwrap();
        let all = frame_diff(a, b, 0.0, 100, &mut SplitMix64::new(3)).unwrap();
        assert_eq!(all.len(), 100);
        let full = frame_diff(a, b, 1.0, 100, &mut SplitMix64::new(3)).unwrap();
        assert!(!full.is_empty());
        assert!(full.iter().all(|c| c.previous.abs_diff(c.current) == 255));
        // Exactly threshold·255 counts: 10/255 is kept at threshold 10/255.
        let tiny = frame_diff(a, b, 10.0 / 255.0, 100, &mut SplitMix64::new(3)).unwrap();
        assert!(tiny.iter().any(|c| (c.x, c.y) == (1, 0)));
    }

    proptest! {
        #[test]
        fn matches_a_naive_sampler(
            w in 1u32..20, h in 1u32..20, seed in any::<u64>(),
            threshold in 0.0f64..=1.0, samples in 0u32..300,
        ) {
            let mut data = SplitMix64::new(seed ^ 0x55);
            let before: Vec<u8> = (0..w * h).map(|_| data.next_u64() as u8).collect();
            let after: Vec<u8> = (0..w * h).map(|_| data.next_u64() as u8).collect();
            let a = Plane::new(w, h, &before).unwrap();
            let b = Plane::new(w, h, &after).unwrap();
            let fast = frame_diff(a, b, threshold, samples, &mut SplitMix64::new(seed)).unwrap();
            // Naive: float comparison, coordinates by division.
            let mut rng = SplitMix64::new(seed);
            let mut slow = Vec::new();
            for _ in 0..samples {
                let i = ((rng.next_u64() as u128 * (w * h) as u128) >> 64) as u32;
                let (x, y) = (i % w, i / w);
                let (p, c) = (before[i as usize], after[i as usize]);
                if (f64::from(p) - f64::from(c)).abs() >= threshold * 255.0 {
                    slow.push(Change { x, y, previous: p, current: c });
                }
            }
            prop_assert_eq!(fast, slow);
        }
    }
}
