//! Reading and writing beside the component's work: frames read a few
//! ahead on one thread, written behind on another.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::sink::Sink;
use super::source::{Source, TimedFrame};

/// Frames read on a thread of their own, a few ahead, so that decoding
/// overlaps the component's work. The channel ends after the last frame
/// or after the first error.
pub fn read_ahead(mut source: Source) -> Receiver<anyhow::Result<TimedFrame>> {
    let (frames, receiver) = sync_channel(4);
    std::thread::spawn(move || {
        loop {
            let next = source.next_frame();
            let last = !matches!(next, Ok(Some(_)));
            let sent = match next {
                Ok(Some(frame)) => frames.send(Ok(frame)),
                Ok(None) => break,
                Err(e) => frames.send(Err(e)),
            };
            if sent.is_err() || last {
                break;
            }
        }
    });
    receiver
}

/// Frames written on a thread of their own, so that encoding overlaps the
/// component's work; `finish` waits for the last and reports the first
/// error, the sink's own closing included.
pub struct WriteBehind {
    frames: Option<SyncSender<TimedFrame>>,
    writer: JoinHandle<anyhow::Result<()>>,
}

impl WriteBehind {
    pub fn new(mut sink: Sink) -> WriteBehind {
        let (frames, receiver) = sync_channel::<TimedFrame>(4);
        let writer = std::thread::spawn(move || {
            for frame in receiver {
                sink.write(frame)?;
            }
            sink.finish()
        });
        WriteBehind {
            frames: Some(frames),
            writer,
        }
    }

    /// Queues a frame; `false` when the writer has stopped (its own error
    /// comes from `finish`).
    pub fn write(&mut self, frame: TimedFrame) -> bool {
        self.frames
            .as_ref()
            .is_some_and(|frames| frames.send(frame).is_ok())
    }

    /// Waits for every queued frame to be written.
    pub fn finish(mut self) -> anyhow::Result<()> {
        drop(self.frames.take());
        self.writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
    }
}
