//! What a tracker keeps of the time before a frame: values (a filtered
//! plane, a point's position) at their times, one interval back and no
//! further, so that each frame can be measured against the one an
//! interval before it.

use std::collections::VecDeque;

/// Times closer than this, milliseconds, are one time (frame times made
/// from a rate, like 1001/30 ms, are not exact in binary).
pub(crate) const TIME_EPSILON_MS: f64 = 1e-3;

/// An interval keeps at most this many values (and one more, the one
/// before it): a value within `interval / KEPT_IN_AN_INTERVAL` of the
/// newest kept is not kept. Every frame is kept up to 80 frames a second
/// with a 200 ms interval; beyond, a reference is at most 12.5 ms off.
pub(crate) const KEPT_IN_AN_INTERVAL: u32 = 16;

/// Values at their times, oldest first, reaching one interval back.
#[derive(Debug, Clone)]
pub(crate) struct History<T> {
    /// Times never decrease.
    entries: VecDeque<(f64, T)>,
}

impl<T> History<T> {
    pub(crate) fn new() -> History<T> {
        History {
            entries: VecDeque::new(),
        }
    }

    /// The newest value at or before `time`, with its time.
    pub(crate) fn at_or_before(&self, time: f64) -> Option<(f64, &T)> {
        self.entries
            .iter()
            .rev()
            .find(|(t, _)| *t <= time + TIME_EPSILON_MS)
            .map(|(t, v)| (*t, v))
    }

    /// The values from `since` on, oldest first.
    pub(crate) fn since(&self, since: f64) -> impl Iterator<Item = &T> {
        self.entries
            .iter()
            .filter(move |(t, _)| *t >= since - TIME_EPSILON_MS)
            .map(|(_, v)| v)
    }

    /// Whether a value at `time` is to be kept, `interval` milliseconds
    /// reaching back: spaced at least `interval / KEPT_IN_AN_INTERVAL` from
    /// the newest kept (any value, with no interval).
    pub(crate) fn wants(&self, time: f64, interval: f64) -> bool {
        let spacing = interval / f64::from(KEPT_IN_AN_INTERVAL);
        self.entries
            .back()
            .is_none_or(|(newest, _)| time - newest >= spacing - TIME_EPSILON_MS)
    }

    /// Keeps `value` at `time` (not before the newest kept).
    pub(crate) fn push(&mut self, time: f64, value: T) {
        self.entries.push_back((time, value));
    }

    /// Forgets what no frame from `time` on can take as its reference
    /// (`interval` back): every value older than the newest at or before
    /// `time − interval`. Each forgotten value goes to `recycle`.
    pub(crate) fn forget_before(&mut self, time: f64, interval: f64, mut recycle: impl FnMut(T)) {
        let cut = time - interval + TIME_EPSILON_MS;
        while self.entries.len() > 1 && self.entries[1].0 <= cut {
            if let Some((_, value)) = self.entries.pop_front() {
                recycle(value);
            }
        }
    }

    /// Values kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Forgets everything, each value to `recycle`.
    pub(crate) fn clear(&mut self, recycle: impl FnMut(T)) {
        self.entries.drain(..).map(|(_, v)| v).for_each(recycle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_is_the_newest_value_one_interval_back() {
        let mut history = History::new();
        // 25 frames a second, a 200 ms interval.
        for k in 0..20u32 {
            let t = f64::from(k) * 40.0;
            if let Some((at, &value)) = history.at_or_before(t - 200.0) {
                assert_eq!((at, value), (t - 200.0, k - 5));
            } else {
                assert!(k < 5);
            }
            assert!(history.wants(t, 200.0));
            history.push(t, k);
            history.forget_before(t, 200.0, drop);
            // The frames back to the next one's reference, and no more.
            assert!(history.len() <= 6, "{}", history.len());
        }
        // 29.97 frames a second: the nearest at or before, 6 back.
        let mut history = History::new();
        for k in 0..40u32 {
            let t = f64::from(k) * 1001.0 / 30.0;
            if let Some((_, &value)) = history.at_or_before(t - 200.0) {
                assert_eq!(value, k - 6);
            }
            history.push(t, k);
            history.forget_before(t, 200.0, drop);
        }
    }

    #[test]
    fn a_fast_stream_keeps_a_bounded_history() {
        let mut history = History::new();
        let mut kept = 0;
        // 1000 frames a second for two seconds.
        for k in 0..2000u32 {
            let t = f64::from(k);
            if history.wants(t, 200.0) {
                history.push(t, k);
                kept += 1;
            }
            history.forget_before(t, 200.0, drop);
            assert!(history.len() <= KEPT_IN_AN_INTERVAL as usize + 1);
            if let Some((at, _)) = history.at_or_before(t - 200.0) {
                assert!(t - 200.0 - at < 200.0 / 16.0 + 1e-9);
            }
        }
        assert_eq!(kept, 2000 / 13 + 1);
        // No interval: every value kept, only the newest remembered.
        let mut history = History::new();
        for k in 0..5u32 {
            assert!(history.wants(0.0, 0.0));
            history.push(0.0, k);
            history.forget_before(0.0, 0.0, drop);
        }
        assert_eq!(history.len(), 1);
        assert_eq!(history.at_or_before(0.0).map(|(_, v)| *v), Some(4));
    }
}
