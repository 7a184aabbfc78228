//! YUV4MPEG2 streams (what `ffmpeg … -f yuv4mpegpipe -` writes), read frame
//! by frame from any `BufRead`: the header's size, colourspace and rate,
//! then frames of Y′CbCr planes converted to RGBA8 by [`yuv_to_rgba`].
//!
//! The reader is total: any bytes give frames or a [`Y4mError`] that says
//! where (the byte offset in the header, or the frame), never a panic. It
//! holds at most one frame's planes, and grows them only as bytes arrive,
//! so a header that promises a huge frame costs nothing until the frame
//! comes.

use std::io::{BufRead, Read};

use crate::error::Error;
use crate::limits::Limits;
use crate::pace::CutFrame;
use crate::time::FrameRate;
use crate::yuv::{Chroma, yuv_to_rgba};

/// The longest header or `FRAME` line taken (ffmpeg's are under 100
/// bytes).
pub const MAX_LINE: usize = 1024;

/// The shortest line a frame starts with.
const FRAME_LINE: &[u8] = b"FRAME\n";

/// The header of a YUV4MPEG2 stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Y4mHeader {
    /// Pixels a row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// 4:2:0 or 4:4:4.
    pub chroma: Chroma,
    /// Frames a second, when the header states a rate.
    pub rate: Option<FrameRate>,
}

/// Why a YUV4MPEG2 stream could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Y4mError {
    /// The header line is not one ghostlines reads.
    #[error("YUV4MPEG2 header, byte {offset}: {reason}")]
    Header {
        /// Where in the stream the fault lies.
        offset: u64,
        /// What is wrong, and what to do about it.
        reason: String,
    },
    /// A frame's `FRAME` line is not one.
    #[error("YUV4MPEG2 frame {frame} (byte {offset}): {reason}")]
    Frame {
        /// The frame's index.
        frame: u64,
        /// Where in the stream its line starts.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The stream ended inside a frame: in its `FRAME` line, or in its
    /// planes (the bytes counted are the line's and the planes').
    #[error(transparent)]
    Truncated(#[from] CutFrame),
    /// Dimensions the limits refuse.
    #[error(transparent)]
    Size(#[from] Error),
    /// Reading failed.
    #[error("reading the stream: {0}")]
    Io(#[from] std::io::Error),
}

impl Y4mHeader {
    /// Reads and checks the header line: 8-bit 4:2:0 (`C420`, `C420jpeg`,
    /// `C420paldv`, `C420mpeg2`, or no `C`) or 4:4:4 (`C444`), progressive,
    /// within `limits`.
    pub fn read(input: &mut impl BufRead, limits: &Limits) -> Result<Y4mHeader, Y4mError> {
        Y4mHeader::read_counted(input, limits).map(|(header, _)| header)
    }

    /// [`Y4mHeader::read`], and the bytes its line took.
    fn read_counted(
        input: &mut impl BufRead,
        limits: &Limits,
    ) -> Result<(Y4mHeader, u64), Y4mError> {
        let header = |offset: usize, reason: String| Y4mError::Header {
            offset: offset as u64,
            reason,
        };
        let line = match read_line(input)? {
            Line::Whole(line) => line,
            Line::End => return Err(header(0, "the stream is empty".into())),
            Line::Cut(got) => {
                return Err(header(
                    got,
                    format!("the stream ended inside the header line, after {got} bytes"),
                ));
            }
            Line::TooLong => {
                return Err(header(
                    MAX_LINE,
                    format!("the header is not a line of at most {MAX_LINE} bytes"),
                ));
            }
        };
        let mut words = Words::new(&line);
        if words.next().map(|(_, w)| w) != Some(&b"YUV4MPEG2"[..]) {
            return Err(header(0, "not a YUV4MPEG2 stream".into()));
        }
        let (mut width, mut height, mut chroma, mut rate) = (None, None, Chroma::Half, None);
        for (offset, word) in words {
            // Tags are one ASCII byte; anything else is an extension of
            // someone else's, and changes nothing here.
            let (&tag, value) = word.split_first().unwrap_or((&0, &[]));
            match tag {
                b'W' => width = Some(number(value, "width").map_err(|r| header(offset, r))?),
                b'H' => height = Some(number(value, "height").map_err(|r| header(offset, r))?),
                b'F' => rate = frame_rate(value),
                b'I' if !matches!(value, b"p" | b"?") => {
                    return Err(header(
                        offset,
                        format!(
                            "interlaced streams (I{}) are not supported; deinterlace first (ffmpeg -vf yadif)",
                            String::from_utf8_lossy(value)
                        ),
                    ));
                }
                b'C' => chroma = colourspace(value).map_err(|r| header(offset, r))?,
                // Aspect ratio, comments and extensions change nothing here.
                _ => {}
            }
        }
        let (Some(width), Some(height)) = (width, height) else {
            return Err(header(0, "the header gives no W and H".into()));
        };
        limits.check(width, height)?;
        let header = Y4mHeader {
            width,
            height,
            chroma,
            rate,
        };
        Ok((header, line.len() as u64 + 1))
    }

    /// Bytes of one frame's planes.
    pub fn frame_bytes(&self) -> u64 {
        let (cw, ch) = self.chroma.plane_size(self.width, self.height);
        u64::from(self.width) * u64::from(self.height) + 2 * u64::from(cw) * u64::from(ch)
    }
}

/// The words of a line, split at spaces, each with its byte offset.
struct Words<'a> {
    line: &'a [u8],
    at: usize,
}

impl<'a> Words<'a> {
    fn new(line: &'a [u8]) -> Words<'a> {
        Words { line, at: 0 }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<(usize, &'a [u8])> {
        while self.line.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        if self.at >= self.line.len() {
            return None;
        }
        let start = self.at;
        let length = self.line[start..]
            .iter()
            .position(|&b| b == b' ')
            .unwrap_or(self.line.len() - start);
        self.at = start + length;
        Some((start, &self.line[start..start + length]))
    }
}

fn number(value: &[u8], what: &str) -> Result<u32, String> {
    std::str::from_utf8(value)
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("bad {what} {:?}", String::from_utf8_lossy(value)))
}

/// `n:d`, a rate [`FrameRate`] takes, else no rate (the header's rate
/// only times frames; a stream without one is still read).
fn frame_rate(value: &[u8]) -> Option<FrameRate> {
    let text = std::str::from_utf8(value).ok()?;
    text.contains(':').then(|| text.parse().ok())?
}

fn colourspace(value: &[u8]) -> Result<Chroma, String> {
    match value {
        b"420" | b"420jpeg" | b"420paldv" | b"420mpeg2" => Ok(Chroma::Half),
        b"444" => Ok(Chroma::Full),
        b"mono" => Err(
            "monochrome streams (Cmono) are not supported: ghostlines reads 8-bit 4:2:0 (C420…) and 4:4:4 (C444) streams (ffmpeg -pix_fmt yuv420p)"
                .into(),
        ),
        other => Err(format!(
            "colourspace C{} is not supported: ghostlines reads 8-bit 4:2:0 (C420…) and 4:4:4 (C444) streams (ffmpeg -pix_fmt yuv420p)",
            String::from_utf8_lossy(other)
        )),
    }
}

/// One line as read.
enum Line {
    /// A whole line, without its newline.
    Whole(Vec<u8>),
    /// The input ended before any byte.
    End,
    /// The input ended inside the line, after this many bytes.
    Cut(usize),
    /// No newline within [`MAX_LINE`] bytes.
    TooLong,
}

fn read_line(input: &mut impl BufRead) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let read = input
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    Ok(match line.pop() {
        _ if read == 0 => Line::End,
        Some(b'\n') => Line::Whole(line),
        _ if read > MAX_LINE => Line::TooLong,
        _ => Line::Cut(read),
    })
}

/// Frames of a YUV4MPEG2 stream, as RGBA8.
///
/// ```
/// use ghostlines_core::{Limits, Y4mReader};
/// // One 2x2 4:2:0 frame of limited-range white.
/// let stream = b"YUV4MPEG2 W2 H2 F25:1 C420jpeg\nFRAME\n\xeb\xeb\xeb\xeb\x80\x80";
/// let mut frames = Y4mReader::new(&stream[..], &Limits::DEFAULT)?;
/// assert_eq!(frames.header().rate.unwrap().frame_time_ms(1), 40.0);
/// let mut rgba = Vec::new();
/// assert!(frames.next_into(&mut rgba)?);
/// assert_eq!(rgba, [255; 16]);
/// assert!(!frames.next_into(&mut rgba)?);
/// # Ok::<(), ghostlines_core::Y4mError>(())
/// ```
pub struct Y4mReader<R> {
    input: R,
    header: Y4mHeader,
    /// The planes of the frame being read; grown as its bytes arrive, never
    /// past [`Y4mHeader::frame_bytes`].
    planes: Vec<u8>,
    /// Whole frames handed out so far.
    done: u64,
    /// Bytes of the stream consumed so far, header included.
    offset: u64,
}

impl<R: BufRead> Y4mReader<R> {
    /// Reads the header; frames come from [`Y4mReader::next_into`].
    pub fn new(mut input: R, limits: &Limits) -> Result<Y4mReader<R>, Y4mError> {
        let (header, offset) = Y4mHeader::read_counted(&mut input, limits)?;
        Ok(Y4mReader {
            input,
            header,
            planes: Vec::new(),
            done: 0,
            offset,
        })
    }

    /// The stream's header.
    pub fn header(&self) -> Y4mHeader {
        self.header
    }

    /// Whole frames read so far.
    pub fn frames_read(&self) -> u64 {
        self.done
    }

    /// The next frame into `rgba` (its buffer reused); `false` at the end of
    /// the stream.
    pub fn next_into(&mut self, rgba: &mut Vec<u8>) -> Result<bool, Y4mError> {
        let frame_bytes = self.header.frame_bytes();
        let line_at = self.offset;
        let line = match read_line(&mut self.input)? {
            Line::End => return Ok(false),
            Line::Whole(line) => line,
            Line::Cut(got) => {
                // Cut inside the FRAME line: the frame had the rest of its
                // line (at least `FRAME\n`) and its planes still to come.
                return Err(CutFrame {
                    done: self.done,
                    got: got as u64,
                    want: (got as u64 + 1).max(FRAME_LINE.len() as u64) + frame_bytes,
                }
                .into());
            }
            Line::TooLong => {
                return Err(Y4mError::Frame {
                    frame: self.done,
                    offset: line_at,
                    reason: format!("its FRAME line is not a line of at most {MAX_LINE} bytes"),
                });
            }
        };
        let line_bytes = line.len() as u64 + 1;
        if !(line.starts_with(b"FRAME") && matches!(line.get(5), None | Some(b' '))) {
            return Err(Y4mError::Frame {
                frame: self.done,
                offset: line_at,
                reason: "it does not start with a FRAME line".into(),
            });
        }
        self.offset += line_bytes;
        self.planes.clear();
        let got = (&mut self.input)
            .take(frame_bytes)
            .read_to_end(&mut self.planes)? as u64;
        self.offset += got;
        if got < frame_bytes {
            return Err(CutFrame {
                done: self.done,
                got: line_bytes + got,
                want: line_bytes + frame_bytes,
            }
            .into());
        }
        let Y4mHeader {
            width,
            height,
            chroma,
            ..
        } = self.header;
        let luma = width as usize * height as usize;
        let (y, uv) = self.planes.split_at(luma);
        let (u, v) = uv.split_at(uv.len() / 2);
        yuv_to_rgba(y, u, v, width, height, chroma, rgba)?;
        self.done += 1;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &[u8]) -> Result<Y4mHeader, Y4mError> {
        Y4mHeader::read(&mut &line[..], &Limits::DEFAULT)
    }

    fn message(line: &[u8]) -> String {
        header(line).unwrap_err().to_string()
    }

    #[test]
    fn headers_give_size_chroma_and_rate() {
        let h = header(b"YUV4MPEG2 W640 H360 F25:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n").unwrap();
        assert_eq!(
            (h.width, h.height, h.chroma, h.rate),
            (
                640,
                360,
                Chroma::Half,
                Some(FrameRate {
                    numerator: 25,
                    denominator: 1
                })
            )
        );
        assert_eq!(
            header(b"YUV4MPEG2 W3 H2 C444\n").unwrap().chroma,
            Chroma::Full
        );
        // No C: 4:2:0 by the format's rule; no or a bad F: no rate.
        let h = header(b"YUV4MPEG2 W3 H2 F0:1\n").unwrap();
        assert_eq!((h.chroma, h.rate), (Chroma::Half, None));
        // Double spaces and words of other bytes change nothing.
        let h = header("YUV4MPEG2  W4 H4 éx \u{1F600}\n".as_bytes()).unwrap();
        assert_eq!((h.width, h.height), (4, 4));
    }

    #[test]
    fn unsupported_streams_are_refused_with_a_reason_and_where() {
        assert_eq!(
            message(b"YUV4MPEG2 W4 H4 C422\n"),
            "YUV4MPEG2 header, byte 16: colourspace C422 is not supported: ghostlines reads 8-bit 4:2:0 (C420…) and 4:4:4 (C444) streams (ffmpeg -pix_fmt yuv420p)"
        );
        assert!(message(b"YUV4MPEG2 W4 H4 C420p10\n").contains("C420p10"));
        assert!(message(b"YUV4MPEG2 W4 H4 Cmono\n").contains("monochrome streams (Cmono)"));
        assert!(message(b"YUV4MPEG2 W4 H4 It\n").contains("byte 16: interlaced"));
        assert!(message(b"YUV4MPEG2 H4\n").contains("no W and H"));
        assert!(message(b"YUV4MPEG2 W\xc3\xa9 H4\n").contains("byte 10: bad width \"\u{e9}\""));
        assert!(message(b"RIFF\n").contains("not a YUV4MPEG2"));
        assert!(message(b"YUV4MPEG2 W0 H4\n").contains("invalid dimensions"));
        assert!(message(b"YUV4MPEG2 W40000 H4\n").contains("too large"));
        assert!(message(b"").contains("empty"));
        assert!(message(b"YUV4MPEG2 W4").contains("inside the header line, after 12 bytes"));
        let long = [&b"YUV4MPEG2 W4 H4 X"[..], &[b'a'; 2000], b"\n"].concat();
        assert!(message(&long).contains("at most 1024"));
    }

    /// `frames` 2x2 4:2:0 frames of white, then `tail`.
    fn stream(frames: usize, tail: &[u8]) -> Vec<u8> {
        let mut stream = b"YUV4MPEG2 W2 H2 C420jpeg\n".to_vec();
        for _ in 0..frames {
            stream.extend(b"FRAME\n");
            stream.extend([235, 235, 235, 235, 128, 128]);
        }
        stream.extend(tail);
        stream
    }

    /// Every frame of `bytes` (each checked white when `white`): how many
    /// whole ones, and how the stream ended.
    fn read_frames(bytes: &[u8], white: bool) -> (u64, Result<(), Y4mError>) {
        let mut frames = match Y4mReader::new(bytes, &Limits::DEFAULT) {
            Ok(frames) => frames,
            Err(e) => return (0, Err(e)),
        };
        let mut rgba = Vec::new();
        loop {
            match frames.next_into(&mut rgba) {
                Ok(true) => assert!(!white || rgba == [255; 16]),
                Ok(false) => return (frames.frames_read(), Ok(())),
                Err(e) => return (frames.frames_read(), Err(e)),
            }
        }
    }

    fn read_all(bytes: &[u8]) -> (u64, Result<(), Y4mError>) {
        read_frames(bytes, true)
    }

    #[test]
    fn a_cut_stream_says_how_many_frames_were_done() {
        // Inside the planes.
        let (done, end) = read_all(&stream(2, b"FRAME\n\x10\x10"));
        assert_eq!(done, 2);
        assert!(
            matches!(
                end,
                Err(Y4mError::Truncated(CutFrame {
                    done: 2,
                    got: 8,
                    want: 12
                }))
            ),
            "{end:?}"
        );
        // Inside the FRAME line.
        let (done, end) = read_all(&stream(3, b"FRA"));
        assert_eq!(done, 3);
        assert_eq!(
            end.unwrap_err().to_string(),
            "the stream ended inside frame 3 (3 of its 12 bytes); 3 whole frames came before it"
        );
        // A whole stream.
        assert!(matches!(read_all(&stream(4, b"")), (4, Ok(()))));
    }

    #[test]
    fn a_frame_without_its_line_is_refused_where_it_starts() {
        let (done, end) = read_all(&stream(1, b"FRAMEX\n"));
        assert_eq!(done, 1);
        assert_eq!(
            end.unwrap_err().to_string(),
            "YUV4MPEG2 frame 1 (byte 37): it does not start with a FRAME line"
        );
        // Parameters after FRAME are allowed.
        let mut ok = stream(1, b"FRAME Ixyz\n");
        ok.extend([235, 235, 235, 235, 128, 128]);
        assert!(matches!(read_all(&ok), (2, Ok(()))));
    }

    #[test]
    fn a_huge_promised_frame_costs_only_the_bytes_that_came() {
        let bytes = b"YUV4MPEG2 W16384 H2048 C444\nFRAME\nabc";
        let mut frames = Y4mReader::new(&bytes[..], &Limits::DEFAULT).unwrap();
        let mut rgba = Vec::new();
        assert!(matches!(
            frames.next_into(&mut rgba),
            Err(Y4mError::Truncated(CutFrame {
                done: 0,
                got: 9,
                ..
            }))
        ));
        assert!(frames.planes.capacity() < 1 << 20);
    }

    #[test]
    fn any_bytes_give_frames_or_an_error() {
        // Every prefix and every single-byte change of a small stream.
        let whole = stream(2, b"");
        for end in 0..=whole.len() {
            let (done, result) = read_all(&whole[..end]);
            // A frame is counted only once all its bytes came.
            assert_eq!(done as usize, end.saturating_sub(25) / 12);
            // Whole frames after a whole header are a whole stream.
            let whole_frames = end >= 25 && (end - 25) % 12 == 0;
            assert_eq!(result.is_ok(), whole_frames, "{end}: {result:?}");
        }
        for at in 0..whole.len() {
            for byte in [0u8, b' ', b'\n', 0xc3, 0xff, b'0'] {
                let mut changed = whole.clone();
                changed[at] = byte;
                let (done, result) = read_frames(&changed, false);
                assert!(done <= 2);
                if let Err(Y4mError::Truncated(cut)) = result {
                    assert_eq!(cut.done, done);
                }
            }
        }
    }
}
