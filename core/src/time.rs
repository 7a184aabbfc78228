//! Frame times: a stream's frame rate, and the time it gives each frame,
//! for frames that carry no time of their own (raw RGBA, image files, an
//! HTTP stream, a YUV4MPEG2 header's `F30000:1001`).

use crate::error::{Error, Result};

/// A frame rate, `numerator / denominator` frames a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    /// Frames …
    pub numerator: u32,
    /// … a this many seconds.
    pub denominator: u32,
}

impl FrameRate {
    /// The rate frames without times are taken at unless told: 25 a
    /// second (PAL video, and a camera's usual rate).
    pub const DEFAULT: FrameRate = FrameRate {
        numerator: 25,
        denominator: 1,
    };

    /// The most frames a second a rate may state.
    pub const MAX_FPS: u32 = 1000;

    /// The time of frame `index`, milliseconds from the first.
    ///
    /// ```
    /// use ghostlines_core::FrameRate;
    /// let ntsc: FrameRate = "30000/1001".parse()?;
    /// assert_eq!(ntsc.frame_time_ms(30), 1001.0);
    /// assert_eq!(FrameRate::DEFAULT.frame_time_ms(5), 200.0);
    /// # Ok::<(), ghostlines_core::Error>(())
    /// ```
    pub fn frame_time_ms(&self, index: u64) -> f64 {
        index as f64 * 1000.0 * f64::from(self.denominator) / f64::from(self.numerator)
    }

    /// Frames a second.
    pub fn fps(&self) -> f64 {
        f64::from(self.numerator) / f64::from(self.denominator)
    }

    fn checked(numerator: u32, denominator: u32) -> Option<FrameRate> {
        let rate = FrameRate {
            numerator,
            denominator,
        };
        (numerator > 0 && denominator > 0 && rate.fps() <= f64::from(FrameRate::MAX_FPS))
            .then_some(rate)
    }
}

/// `25`, `29.97` (to the thousandth), `30000/1001` or `30000:1001`.
impl std::str::FromStr for FrameRate {
    type Err = Error;

    fn from_str(text: &str) -> Result<FrameRate> {
        let ratio =
            |n: &str, d: &str| FrameRate::checked(n.trim().parse().ok()?, d.trim().parse().ok()?);
        let rate = match text.split_once(['/', ':']) {
            Some((n, d)) => ratio(n, d),
            None => text.trim().parse::<f64>().ok().and_then(|fps| {
                let thousandths = (fps * 1000.0).round();
                if !(thousandths >= 1.0 && thousandths <= f64::from(u32::MAX)) {
                    return None;
                }
                let (n, d) = if thousandths % 1000.0 == 0.0 {
                    (thousandths / 1000.0, 1.0)
                } else {
                    (thousandths, 1000.0)
                };
                FrameRate::checked(n as u32, d as u32)
            }),
        };
        rate.ok_or_else(|| {
            Error::InvalidParameter(format!(
                "frame rate {text:?} is not a rate above 0 and at most {} frames a second (25, 29.97 or 30000/1001)",
                FrameRate::MAX_FPS
            ))
        })
    }
}

/// `25`, or `30000/1001`.
impl std::fmt::Display for FrameRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.denominator == 1 {
            write!(f, "{}", self.numerator)
        } else {
            write!(f, "{}/{}", self.numerator, self.denominator)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_as_ratios_and_decimals_and_refuse_the_rest() {
        let rate = |s: &str| s.parse::<FrameRate>().map(|r| (r.numerator, r.denominator));
        assert_eq!(rate("25"), Ok((25, 1)));
        assert_eq!(rate("29.97"), Ok((29970, 1000)));
        assert_eq!(rate("30000/1001"), Ok((30000, 1001)));
        assert_eq!(rate(" 24:1 "), Ok((24, 1)));
        for bad in [
            "0", "-5", "nan", "inf", "1e12", "1/0", "0/1", "x", "", "1001", "2000/1",
        ] {
            assert_eq!(rate(bad).unwrap_err().kind(), "invalid-parameter", "{bad}");
        }
        assert_eq!(
            "30000/1001".parse::<FrameRate>().unwrap().to_string(),
            "30000/1001"
        );
        assert_eq!(FrameRate::DEFAULT.to_string(), "25");
    }
}
