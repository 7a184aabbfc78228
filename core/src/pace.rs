//! How request bodies must arrive: the deadline of a whole body, what
//! bounds a stream of frames sent back to back (the HTTP stream routes),
//! the pace a stream's sender must keep, and what is said of a stream
//! (raw or YUV4MPEG2 too) that ends inside a frame. Pure bookkeeping,
//! shared by the HTTP component and the host that serves it, so that both
//! judge a body alike.

use std::time::Duration;

/// A whole request body (the single-frame and pair routes) must arrive
/// within this, unless the host sets another.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// What bounds one stream of frames. The frame size is bounded by
/// [`Limits`](crate::Limits) and its body is never held whole, so no body
/// cap applies: these do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// The most frames one stream may carry.
    pub max_frames: u64,
    /// Each whole frame must arrive within this much waiting: the time the
    /// receiver spends waiting on the sender for the frame's bytes (time it
    /// spends computing, or waiting for the sender to take its answer,
    /// does not count). A trickle of bytes does not restart it.
    pub frame_wait: Duration,
    /// The whole stream must end within this, if set.
    pub max_duration: Option<Duration>,
}

impl StreamLimits {
    /// 100,000 frames, 10 s of waiting a frame, no duration limit.
    pub const DEFAULT: StreamLimits = StreamLimits {
        max_frames: 100_000,
        frame_wait: Duration::from_secs(10),
        max_duration: None,
    };
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits::DEFAULT
    }
}

/// The pace a stream's sender keeps: how long the receiver has waited for
/// the frame under way, against [`StreamLimits::frame_wait`].
///
/// ```
/// use std::time::Duration;
/// use ghostlines_core::FramePace;
/// let mut pace = FramePace::new(100, Duration::from_secs(1));
/// pace.waited(Duration::from_millis(700));
/// pace.received(60); // a trickle does not restart the clock
/// pace.waited(Duration::from_millis(200));
/// assert_eq!(pace.left(), Some(Duration::from_millis(100)));
/// pace.received(40); // the frame is whole: the next one has the whole budget
/// assert_eq!((pace.frames(), pace.left()), (1, Some(Duration::from_secs(1))));
/// pace.waited(Duration::from_secs(2));
/// assert_eq!(pace.left(), None);
/// ```
#[derive(Debug, Clone)]
pub struct FramePace {
    /// Bytes a frame, at least 1.
    frame_bytes: u64,
    /// The waiting budget of each frame.
    budget: Duration,
    /// Bytes of the frame under way received so far, below `frame_bytes`.
    into_frame: u64,
    /// Whole frames received.
    frames: u64,
    /// Waiting spent on the frame under way.
    waited: Duration,
}

impl FramePace {
    /// The pace of frames of `frame_bytes`, each within `budget` of
    /// waiting.
    pub fn new(frame_bytes: u64, budget: Duration) -> FramePace {
        FramePace {
            frame_bytes: frame_bytes.max(1),
            budget,
            into_frame: 0,
            frames: 0,
            waited: Duration::ZERO,
        }
    }

    /// `bytes` more arrived; each frame they complete starts the next with
    /// its whole budget.
    pub fn received(&mut self, bytes: u64) {
        let total = self.into_frame + bytes;
        let completed = total / self.frame_bytes;
        if completed > 0 {
            self.frames += completed;
            self.waited = Duration::ZERO;
        }
        self.into_frame = total % self.frame_bytes;
    }

    /// The receiver waited `time` on the sender.
    pub fn waited(&mut self, time: Duration) {
        self.waited = self.waited.saturating_add(time);
    }

    /// The waiting left to the frame under way; `None` once it is spent.
    pub fn left(&self) -> Option<Duration> {
        self.budget
            .checked_sub(self.waited)
            .filter(|left| !left.is_zero())
    }

    /// Whole frames received.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes of the frame under way received so far.
    pub fn partial(&self) -> u64 {
        self.into_frame
    }

    /// The frame's waiting budget.
    pub fn budget(&self) -> Duration {
        self.budget
    }
}

/// A stream that ended inside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the stream ended inside frame {done} ({got} of its {want} bytes); {done} whole frames came before it"
)]
pub struct CutFrame {
    /// Whole frames before it.
    pub done: u64,
    /// Bytes of the cut frame that came.
    pub got: u64,
    /// Bytes a frame has.
    pub want: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trickle_spends_the_budget_and_whole_frames_renew_it() {
        let mut pace = FramePace::new(4, Duration::from_millis(1000));
        // One byte a second: the first frame is never whole in time.
        for _ in 0..3 {
            pace.waited(Duration::from_millis(300));
            pace.received(1);
        }
        assert_eq!(pace.left(), Some(Duration::from_millis(100)));
        pace.waited(Duration::from_millis(100));
        assert_eq!(pace.left(), None);
        // Several frames in one chunk, and a remainder.
        let mut pace = FramePace::new(4, Duration::from_millis(1000));
        pace.waited(Duration::from_millis(999));
        pace.received(9);
        assert_eq!((pace.frames(), pace.into_frame), (2, 1));
        assert_eq!(pace.left(), Some(Duration::from_millis(1000)));
        // A zero frame size is taken as one byte, not a division by zero.
        let mut pace = FramePace::new(0, Duration::from_millis(1));
        pace.received(3);
        assert_eq!(pace.frames(), 3);
    }
}
