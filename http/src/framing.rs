//! A stream's frames out of its chunks, wherever the chunks split them:
//! pure code, shared by the stream routes, their unit tests and the
//! `stream_framing` fuzz target.

use ghostlines_core::CutFrame;

use crate::respond::HttpError;

/// A stream's frames out of its chunks.
#[derive(Debug)]
pub struct StreamFraming {
    /// Bytes a frame, at least 1.
    frame_bytes: usize,
    /// The most frames handed on; a byte past them is refused.
    max_frames: u64,
    /// The frame under way, shorter than `frame_bytes` (empty between
    /// frames, and while whole frames go on straight from their chunk).
    buffer: Vec<u8>,
    /// Whole frames handed on.
    frames: u64,
}

impl StreamFraming {
    /// Frames of `frame_bytes`, at most `max_frames` of them.
    pub fn new(frame_bytes: usize, max_frames: u64) -> StreamFraming {
        StreamFraming {
            frame_bytes: frame_bytes.max(1),
            max_frames,
            buffer: Vec::new(),
            frames: 0,
        }
    }

    /// Whole frames handed on so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Takes the next chunk, handing each frame it completes to `each`;
    /// refuses bytes past the last allowed frame.
    pub fn push<E: From<HttpError>>(
        &mut self,
        mut chunk: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        while !chunk.is_empty() {
            if self.frames == self.max_frames {
                return Err(HttpError::too_many_frames(self.max_frames).into());
            }
            let room = self.frame_bytes - self.buffer.len();
            let (now, later) = chunk.split_at(room.min(chunk.len()));
            chunk = later;
            if self.buffer.is_empty() && now.len() == self.frame_bytes {
                // A whole frame inside the chunk: no copy.
                self.frames += 1;
                each(now)?;
                continue;
            }
            if self.buffer.capacity() == 0 {
                self.buffer.reserve_exact(self.frame_bytes);
            }
            self.buffer.extend_from_slice(now);
            if self.buffer.len() == self.frame_bytes {
                self.frames += 1;
                each(&self.buffer)?;
                self.buffer.clear();
            }
        }
        Ok(())
    }

    /// The end of the body: an error if it stopped inside a frame.
    pub fn finish(&self) -> Result<(), HttpError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        Err(HttpError::cut_frame(CutFrame {
            done: self.frames,
            got: self.buffer.len() as u64,
            want: self.frame_bytes as u64,
        }))
    }
}

/// Every frame of `chunks` (frames of `frame` bytes, at most `max`), and
/// how the stream ended: the framing driven as the route drives it.
pub fn frames_of(
    chunks: &[&[u8]],
    frame: usize,
    max: u64,
) -> (Vec<Vec<u8>>, Result<(), HttpError>) {
    let mut framing = StreamFraming::new(frame, max);
    let mut frames = Vec::new();
    for chunk in chunks {
        let pushed = framing.push(chunk, |f| -> Result<(), HttpError> {
            frames.push(f.to_vec());
            Ok(())
        });
        if let Err(e) = pushed {
            return (frames, Err(e));
        }
    }
    (frames, framing.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_out_whole_wherever_the_chunks_split_them() {
        let bytes: Vec<u8> = (0..40u8).collect();
        let whole = frames_of(&[&bytes], 8, 100).0;
        assert_eq!(whole.len(), 5);
        for split in [
            &[1usize, 7, 9, 3, 20][..],
            &[8, 8, 8, 8, 8],
            &[39, 1],
            &[3; 13],
        ] {
            let mut chunks = Vec::new();
            let mut rest = &bytes[..];
            for &n in split.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at(n.min(rest.len()));
                chunks.push(now);
                rest = later;
            }
            let (frames, end) = frames_of(&chunks, 8, 100);
            assert_eq!(frames, whole, "{split:?}");
            assert!(end.is_ok());
        }
    }

    #[test]
    fn a_cut_frame_and_too_many_frames_are_refused_with_their_kind() {
        let bytes = [7u8; 20];
        let (frames, end) = frames_of(&[&bytes], 8, 100);
        assert_eq!(frames.len(), 2);
        let end = end.unwrap_err();
        assert_eq!((end.status, end.kind), (400, "length-mismatch"));
        assert_eq!(
            end.message,
            "the stream ended inside frame 2 (4 of its 8 bytes); 2 whole frames came before it (width·height·4 bytes a frame)"
        );
        let (frames, end) = frames_of(&[&bytes[..16], &bytes[16..]], 8, 2);
        assert_eq!(frames.len(), 2);
        assert_eq!(end.unwrap_err().kind, "too-large");
    }
}
