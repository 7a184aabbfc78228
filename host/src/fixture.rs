//! The scene every timed client sends — the bench, `ghostlines load` and
//! its streams: core's synthetic scene as WIT frames, and frames fed in
//! turn.

use ghostlines_core as core_;

use crate::bindings::Frame;

/// The bench's scene ([`core_::synthetic_scene`]) as a WIT frame, moved
/// `shift` pixels.
pub fn synthetic_frame(width: u32, height: u32, shift: u32) -> Frame {
    Frame {
        width,
        height,
        pixels: core_::synthetic_scene(width, height, shift),
    }
}

/// Two frames of the scene, the second moved [`FramePair::SHIFT`] pixels:
/// what every tracker and flow row is fed.
pub struct FramePair {
    pub first: Frame,
    pub second: Frame,
}

impl FramePair {
    /// How far the second frame's scene moved, pixels.
    pub const SHIFT: u32 = 3;

    pub fn new(width: u32, height: u32) -> FramePair {
        FramePair {
            first: synthetic_frame(width, height, 0),
            second: synthetic_frame(width, height, FramePair::SHIFT),
        }
    }

    /// Both as core frames.
    pub fn views(&self) -> anyhow::Result<[core_::Frame<'_>; 2]> {
        let (a, b) = (&self.first, &self.second);
        Ok([
            core_::Frame::new(a.width, a.height, &a.pixels)?,
            core_::Frame::new(b.width, b.height, &b.pixels)?,
        ])
    }
}

/// Frames fed in turn (first, second, first, …), one every
/// [`Alternating::FRAME_MS`]: 25 a second.
#[derive(Debug, Default)]
pub struct Alternating {
    fed: u32,
}

impl Alternating {
    /// The time between frames, milliseconds.
    pub const FRAME_MS: f64 = 40.0;

    /// Which of the pair comes next (0 or 1), and its time in
    /// milliseconds.
    pub fn next_frame(&mut self) -> (usize, f64) {
        let at = (
            self.fed as usize % 2,
            f64::from(self.fed) * Alternating::FRAME_MS,
        );
        self.fed += 1;
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_alternate_at_25_a_second() {
        let mut feed = Alternating::default();
        let fed: Vec<(usize, f64)> = (0..4).map(|_| feed.next_frame()).collect();
        assert_eq!(fed, [(0, 0.0), (1, 40.0), (0, 80.0), (1, 120.0)]);
        let pair = FramePair::new(16, 12);
        assert_ne!(pair.first.pixels, pair.second.pixels);
        assert_eq!(pair.views().unwrap()[1].pixels(), pair.second.pixels);
    }
}
