//! Frames prepared side by side: the part of a tracker's push that needs
//! nothing from the frames before (`prepare`: grey, contrast, brightness,
//! centroid, corners) runs on instances of its own, one thread each, while
//! the tracker's instance finishes the frames before. A component
//! instance has one thread, so more instances are how a stream's frames
//! use more cores.

use std::sync::mpsc::{Receiver, sync_channel};

use super::source::TimedFrame;
use crate::Instance;
use crate::bindings::{PreparedFrame, TrackerSettings, refusal};

/// A frame read, and prepared for its tracker when there are instances
/// to prepare it on.
pub struct ReadyFrame {
    pub frame: TimedFrame,
    pub prepared: Option<PreparedFrame>,
}

/// Frames to be pushed through a tracker with `settings`, in order: as
/// read when `preparers` is empty, else each prepared on one of them in
/// turn (frame k on preparer k mod n, and taken back in that order, so the
/// order holds without sequence numbers). Ends after the last frame or the
/// first error.
pub fn prepare_ahead(
    frames: Receiver<anyhow::Result<TimedFrame>>,
    preparers: Vec<Instance>,
    settings: TrackerSettings,
) -> Box<dyn Iterator<Item = anyhow::Result<ReadyFrame>>> {
    if preparers.is_empty() {
        let ready = |frame: TimedFrame| ReadyFrame {
            frame,
            prepared: None,
        };
        return Box::new(frames.into_iter().map(move |frame| frame.map(ready)));
    }
    let (mut inboxes, mut outboxes) = (Vec::new(), Vec::new());
    for mut instance in preparers {
        // One frame waiting in and one out a preparer: enough to keep it
        // busy, and few frames held (8 MB each at 1080p).
        let (to_worker, inbox) = sync_channel::<anyhow::Result<TimedFrame>>(1);
        let (done, outbox) = sync_channel(1);
        std::thread::spawn(move || {
            for frame in inbox {
                let ready = frame.and_then(|frame| {
                    let prepared = instance.prepare(&frame.frame, &settings)?;
                    Ok(ReadyFrame {
                        prepared: Some(prepared.map_err(refusal)?),
                        frame,
                    })
                });
                if done.send(ready).is_err() {
                    break;
                }
            }
        });
        inboxes.push(to_worker);
        outboxes.push(outbox);
    }
    let workers = inboxes.len();
    std::thread::spawn(move || {
        for (k, frame) in frames.into_iter().enumerate() {
            let last = frame.is_err();
            if inboxes[k % workers].send(frame).is_err() || last {
                break;
            }
        }
    });
    // A worker with nothing more for its turn means the frames ended (or
    // the reading stopped): every later frame would have come after it.
    let mut turn = 0;
    Box::new(std::iter::from_fn(move || {
        let next = outboxes[turn % workers].recv().ok()?;
        turn += 1;
        Some(next)
    }))
}
