//! YUV4MPEG2 streams (what `ffmpeg … -f yuv4mpegpipe -` writes): the
//! header's size and colourspace, then frames of Y′CbCr planes, converted
//! to RGBA8 by `ghostlines_core::yuv_to_rgba` (BT.601, limited range).

use std::io::{BufRead, Read};

use ghostlines_core::{Chroma, Limits, yuv_to_rgba};

use super::VideoError;

/// The header of a YUV4MPEG2 stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub chroma: Chroma,
    /// Frames a second, when the header states a rate.
    pub fps: Option<(u32, u32)>,
}

/// The longest header line taken (ffmpeg's are under 100 bytes).
const MAX_LINE: usize = 1024;

impl Header {
    /// Reads and checks the header line: 8-bit 4:2:0 (`C420`, `C420jpeg`,
    /// `C420paldv`, `C420mpeg2`) or 4:4:4 (`C444`), progressive.
    pub fn read(input: &mut impl BufRead) -> Result<Header, VideoError> {
        let line = read_line(input, "the header")?
            .ok_or_else(|| VideoError::Y4m("the stream is empty".into()))?;
        let mut words = line.split(' ');
        if words.next() != Some("YUV4MPEG2") {
            return Err(VideoError::Y4m("not a YUV4MPEG2 stream".into()));
        }
        let (mut width, mut height, mut chroma, mut fps) = (None, None, Chroma::Half, None);
        for word in words.filter(|w| !w.is_empty()) {
            let (tag, value) = word.split_at(1);
            match tag {
                "W" => width = Some(number(value, "width")?),
                "H" => height = Some(number(value, "height")?),
                "F" => {
                    fps = value
                        .split_once(':')
                        .and_then(|(n, d)| Some((n.parse().ok()?, d.parse().ok()?)))
                        .filter(|&(n, d): &(u32, u32)| n > 0 && d > 0);
                }
                "I" if !matches!(value, "p" | "?") => {
                    return Err(VideoError::Y4m(format!(
                        "interlaced streams (I{value}) are not supported; deinterlace first (ffmpeg -vf yadif)"
                    )));
                }
                "C" => {
                    chroma = match value {
                        "420" | "420jpeg" | "420paldv" | "420mpeg2" => Chroma::Half,
                        "444" => Chroma::Full,
                        other => {
                            return Err(VideoError::Y4m(format!(
                                "colourspace C{other} is not supported: ghostlines reads 8-bit 4:2:0 (C420…) and 4:4:4 (C444) streams (ffmpeg -pix_fmt yuv420p)"
                            )));
                        }
                    }
                }
                // Aspect ratio, comments and extensions change nothing here.
                _ => {}
            }
        }
        let (Some(width), Some(height)) = (width, height) else {
            return Err(VideoError::Y4m("the header gives no W and H".into()));
        };
        Limits::DEFAULT.check(width, height)?;
        Ok(Header {
            width,
            height,
            chroma,
            fps,
        })
    }

    /// Bytes of one frame's planes.
    fn frame_bytes(&self) -> usize {
        let (cw, ch) = self.chroma.plane_size(self.width, self.height);
        self.width as usize * self.height as usize + 2 * cw as usize * ch as usize
    }
}

fn number(value: &str, what: &str) -> Result<u32, VideoError> {
    value
        .parse()
        .map_err(|_| VideoError::Y4m(format!("bad {what} {value:?} in the header")))
}

/// One line without its newline, at most [`MAX_LINE`] bytes; `None` at
/// the end of the input.
fn read_line(input: &mut impl BufRead, what: &str) -> Result<Option<String>, VideoError> {
    let mut line = Vec::new();
    let read = input
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(VideoError::Y4m(format!(
            "{what} is not a line of at most {MAX_LINE} bytes"
        )));
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| VideoError::Y4m(format!("{what} is not text")))
}

/// Frames of a YUV4MPEG2 stream, as RGBA8.
pub struct Frames<R> {
    input: R,
    header: Header,
    planes: Vec<u8>,
    done: usize,
}

impl<R: BufRead> Frames<R> {
    pub fn new(mut input: R) -> Result<Frames<R>, VideoError> {
        let header = Header::read(&mut input)?;
        Ok(Frames {
            input,
            planes: vec![0; header.frame_bytes()],
            header,
            done: 0,
        })
    }

    pub fn header(&self) -> Header {
        self.header
    }

    /// The next frame into `rgba`; `false` at the end of the stream.
    pub fn next_into(&mut self, rgba: &mut Vec<u8>) -> Result<bool, VideoError> {
        let Some(line) = read_line(&mut self.input, "a frame header")? else {
            return Ok(false);
        };
        if !line.starts_with("FRAME") {
            return Err(VideoError::Y4m(format!(
                "frame {} does not start with FRAME",
                self.done
            )));
        }
        let got = super::read_full(&mut self.input, &mut self.planes)?;
        if got < self.planes.len() {
            return Err(VideoError::Truncated {
                done: self.done,
                got,
                want: self.planes.len(),
            });
        }
        let Header {
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

    fn header(line: &str) -> Result<Header, VideoError> {
        Header::read(&mut line.as_bytes())
    }

    #[test]
    fn headers_give_size_chroma_and_rate() {
        let h = header("YUV4MPEG2 W640 H360 F25:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n").unwrap();
        assert_eq!(
            (h.width, h.height, h.chroma, h.fps),
            (640, 360, Chroma::Half, Some((25, 1)))
        );
        assert_eq!(
            header("YUV4MPEG2 W3 H2 C444\n").unwrap().chroma,
            Chroma::Full
        );
        // No C: 4:2:0 by the format's rule.
        assert_eq!(header("YUV4MPEG2 W3 H2\n").unwrap().chroma, Chroma::Half);
    }

    #[test]
    fn unsupported_streams_are_refused_with_a_reason() {
        let message = |line: &str| header(line).unwrap_err().to_string();
        assert!(message("YUV4MPEG2 W4 H4 C422\n").contains("colourspace C422 is not supported"));
        assert!(message("YUV4MPEG2 W4 H4 C420p10\n").contains("C420p10"));
        assert!(message("YUV4MPEG2 W4 H4 It\n").contains("interlaced"));
        assert!(message("YUV4MPEG2 H4\n").contains("no W and H"));
        assert!(message("RIFF\n").contains("not a YUV4MPEG2"));
        assert!(message("YUV4MPEG2 W0 H4\n").contains("invalid dimensions"));
        assert!(message("YUV4MPEG2 W40000 H4\n").contains("too large"));
        assert!(
            message(&format!("YUV4MPEG2 W4 H4 X{}\n", "a".repeat(2000))).contains("at most 1024")
        );
    }

    #[test]
    fn frames_convert_and_a_cut_frame_says_how_many_were_done() {
        let mut stream = b"YUV4MPEG2 W2 H2 C420jpeg\n".to_vec();
        for _ in 0..2 {
            stream.extend(b"FRAME\n");
            stream.extend([235, 235, 235, 235, 128, 128]);
        }
        stream.extend(b"FRAME\n");
        stream.extend([16, 16]);
        let mut frames = Frames::new(&stream[..]).unwrap();
        let mut rgba = Vec::new();
        assert!(frames.next_into(&mut rgba).unwrap());
        assert_eq!(rgba, [255; 16]);
        assert!(frames.next_into(&mut rgba).unwrap());
        let err = frames.next_into(&mut rgba).unwrap_err();
        assert!(
            matches!(
                err,
                VideoError::Truncated {
                    done: 2,
                    got: 2,
                    want: 6
                }
            ),
            "{err}"
        );
    }
}
