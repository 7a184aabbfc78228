//! Reading a request body under the component's own deadlines. It waits on
//! the body and a `wasi:clocks` timer together (`wasi:io/poll`), so a
//! stalled or trickling sender is stopped under every host: Spin and
//! `wasmtime serve` time no body out themselves, and `ghostlines serve`'s
//! own deadlines are only the backstop.

use std::time::Duration;

use ghostlines_core::{FramePace, StreamLimits};
use wasi::io::streams::{InputStream, StreamError};

use crate::body;
use crate::respond::HttpError;

/// Bytes asked of the body a read.
const READ_SIZE: u64 = 64 << 10;

/// A request body's bytes as they come, within their deadlines.
pub struct TimedBody<'a> {
    input: &'a InputStream,
    /// The monotonic clock when reading began, ns.
    started: u64,
    rule: Rule,
    /// Bytes handed on so far.
    received: u64,
}

/// The deadlines a body must meet.
enum Rule {
    /// All of it within this, from the start.
    Whole(Duration),
    /// A stream: each frame within the pace's waiting budget, and all of
    /// it within the duration, if any.
    Frames {
        pace: FramePace,
        max_duration: Option<Duration>,
    },
}

impl<'a> TimedBody<'a> {
    /// A body that must arrive whole within `timeout`.
    pub fn whole(input: &'a InputStream, timeout: Duration) -> TimedBody<'a> {
        TimedBody::new(input, Rule::Whole(timeout))
    }

    /// A stream of frames of `frame_bytes`, paced by `limits`.
    pub fn frames(
        input: &'a InputStream,
        frame_bytes: u64,
        limits: &StreamLimits,
    ) -> TimedBody<'a> {
        let rule = Rule::Frames {
            pace: FramePace::new(frame_bytes, limits.frame_wait),
            max_duration: limits.max_duration,
        };
        TimedBody::new(input, rule)
    }

    fn new(input: &'a InputStream, rule: Rule) -> TimedBody<'a> {
        TimedBody {
            input,
            started: now(),
            rule,
            received: 0,
        }
    }

    /// The next bytes of the body, `None` at its end; a timeout (408) past
    /// a deadline, `invalid-body` when the body broke off.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, HttpError> {
        loop {
            self.check_duration()?;
            match self.input.read(READ_SIZE) {
                Ok(bytes) if !bytes.is_empty() => {
                    self.received += bytes.len() as u64;
                    if let Rule::Frames { pace, .. } = &mut self.rule {
                        pace.received(bytes.len() as u64);
                    }
                    return Ok(Some(bytes));
                }
                Ok(_) => {}
                Err(StreamError::Closed) => return Ok(None),
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(body::broken_body(&e, &self.progress()));
                }
            }
            let left = self.left()?;
            let before = now();
            let readable = self.input.subscribe();
            let timer = wasi::clocks::monotonic_clock::subscribe_duration(nanos(left));
            wasi::io::poll::poll(&[&readable, &timer]);
            if let Rule::Frames { pace, .. } = &mut self.rule {
                pace.waited(Duration::from_nanos(now().saturating_sub(before)));
            }
        }
    }

    /// The waiting left before a deadline, or the timeout of the one that
    /// passed.
    fn left(&self) -> Result<Duration, HttpError> {
        let elapsed = self.elapsed();
        match &self.rule {
            Rule::Whole(timeout) => timeout
                .checked_sub(elapsed)
                .filter(|left| !left.is_zero())
                .ok_or_else(|| HttpError::body_timeout(*timeout, self.received)),
            Rule::Frames { pace, max_duration } => {
                let frame = pace
                    .left()
                    .ok_or_else(|| HttpError::frame_timeout(pace, self.received))?;
                let stream =
                    max_duration.map_or(Duration::MAX, |limit| limit.saturating_sub(elapsed));
                Ok(frame.min(stream).max(Duration::from_millis(1)))
            }
        }
    }

    /// A stream past its duration limit ends, however fast it comes.
    fn check_duration(&self) -> Result<(), HttpError> {
        match &self.rule {
            Rule::Frames {
                pace,
                max_duration: Some(limit),
            } if self.elapsed() >= *limit => Err(HttpError::stream_too_long(*limit, pace.frames())),
            _ => Ok(()),
        }
    }

    fn elapsed(&self) -> Duration {
        Duration::from_nanos(now().saturating_sub(self.started))
    }

    /// What had come, for a body that broke off.
    fn progress(&self) -> String {
        match &self.rule {
            Rule::Whole(_) => format!("{} bytes", self.received),
            Rule::Frames { pace, .. } => {
                format!("{} whole frames ({} bytes)", pace.frames(), self.received)
            }
        }
    }
}

fn now() -> u64 {
    wasi::clocks::monotonic_clock::now()
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
