//! Y′CbCr planes (8-bit, 4:2:0 or 4:4:4) to RGBA8 frames, the way ffmpeg
//! converts them by default: BT.601 coefficients, limited range (Y′ 16..=235,
//! Cb and Cr 16..=240), each 4:2:0 chroma sample standing for its 2x2
//! block. (Bilinear upsampling from the blocks' centres, libjpeg's, was
//! further from ffmpeg's own output: mean 2.3 levels against 1.5.)

use crate::error::{Error, Result};
use crate::limits::Limits;

/// How the chroma planes are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// One chroma sample a 2x2 block (the planes are ⌈w/2⌉ x ⌈h/2⌉).
    Half,
    /// One chroma sample a pixel.
    Full,
}

impl Chroma {
    /// The size of a chroma plane for a `width x height` frame.
    pub fn plane_size(self, width: u32, height: u32) -> (u32, u32) {
        match self {
            Chroma::Half => (width.div_ceil(2), height.div_ceil(2)),
            Chroma::Full => (width, height),
        }
    }
}

// BT.601, limited range, in 16.16 fixed point: 255/219 for Y′, and the
// chroma weights scaled by 255/224.
const Y_SCALE: i32 = 76309; // 1.164383
const V_TO_R: i32 = 104597; // 1.596027
const U_TO_G: i32 = 25675; // 0.391762
const V_TO_G: i32 = 53279; // 0.812968
const U_TO_B: i32 = 132201; // 2.017232

/// Converts one frame of planes `y` (`width x height`), `u` and `v` (the
/// chroma planes, sized by `chroma`) into RGBA8 (alpha 255) in `out`.
///
/// ```
/// use ghostlines_core::{Chroma, yuv_to_rgba};
/// // Limited-range white, black, and BT.601 red (rounded), one pixel each
/// // (4:4:4).
/// let mut out = Vec::new();
/// yuv_to_rgba(&[235, 16, 81], &[128, 128, 90], &[128, 128, 240], 3, 1, Chroma::Full, &mut out)?;
/// assert_eq!(out, [255, 255, 255, 255, 0, 0, 0, 255, 254, 0, 0, 255]);
/// # Ok::<(), ghostlines_core::Error>(())
/// ```
pub fn yuv_to_rgba(
    y: &[u8],
    u: &[u8],
    v: &[u8],
    width: u32,
    height: u32,
    chroma: Chroma,
    out: &mut Vec<u8>,
) -> Result<()> {
    let pixels = Limits::DEFAULT.check_len(width, height, 1, y.len())?;
    let (cw, ch) = chroma.plane_size(width, height);
    let chroma_len = cw as usize * ch as usize;
    for plane in [u, v] {
        if plane.len() != chroma_len {
            return Err(Error::LengthMismatch {
                expected: chroma_len as u64,
                actual: plane.len() as u64,
            });
        }
    }
    out.clear();
    out.resize(pixels * 4, 255);
    let (w, cw) = (width as usize, cw as usize);
    let shift = usize::from(chroma == Chroma::Half);
    for (row, (luma, rgba)) in y
        .chunks_exact(w)
        .zip(out.chunks_exact_mut(w * 4))
        .enumerate()
    {
        let at = (row >> shift) * cw;
        let (u_row, v_row) = (&u[at..at + cw], &v[at..at + cw]);
        for (x, (&l, px)) in luma.iter().zip(rgba.as_chunks_mut::<4>().0).enumerate() {
            let (cb, cr) = (
                i32::from(u_row[x >> shift]) - 128,
                i32::from(v_row[x >> shift]) - 128,
            );
            let l = (i32::from(l) - 16) * Y_SCALE + (1 << 15);
            let clamp = |value: i32| (value >> 16).clamp(0, 255) as u8;
            px[0] = clamp(l + V_TO_R * cr);
            px[1] = clamp(l - U_TO_G * cb - V_TO_G * cr);
            px[2] = clamp(l + U_TO_B * cb);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The BT.601 limited-range conversion in floating point, rounded.
    fn reference(y: u8, u: u8, v: u8) -> [u8; 3] {
        let (y, cb, cr) = (
            (f64::from(y) - 16.0) * 255.0 / 219.0,
            (f64::from(u) - 128.0) * 255.0 / 224.0,
            (f64::from(v) - 128.0) * 255.0 / 224.0,
        );
        let (kr, kb) = (0.299, 0.114);
        let kg = 1.0 - kr - kb;
        let r = y + 2.0 * (1.0 - kr) * cr;
        let b = y + 2.0 * (1.0 - kb) * cb;
        let g = y - (2.0 * kb * (1.0 - kb) * cb + 2.0 * kr * (1.0 - kr) * cr) / kg;
        [r, g, b].map(|c| c.round().clamp(0.0, 255.0) as u8)
    }

    #[test]
    fn every_value_is_within_a_level_of_the_definition() {
        let mut out = Vec::new();
        for y in (0..=255).step_by(3) {
            let ys = vec![y as u8; 256];
            let us: Vec<u8> = (0..=255).collect();
            for v in (0..=255).step_by(5) {
                let vs = vec![v as u8; 256];
                yuv_to_rgba(&ys, &us, &vs, 256, 1, Chroma::Full, &mut out).unwrap();
                for (u, px) in out.chunks(4).enumerate() {
                    let want = reference(y as u8, u as u8, v as u8);
                    for c in 0..3 {
                        assert!(
                            px[c].abs_diff(want[c]) <= 1,
                            "({y}, {u}, {v}): {px:?} vs {want:?}"
                        );
                    }
                    assert_eq!(px[3], 255);
                }
            }
        }
    }

    #[test]
    fn half_chroma_stands_for_its_block_and_odd_sizes_round_up() {
        // 3x3 luma, 2x2 chroma: the last column and row use the last
        // chroma sample.
        let y = [100u8; 9];
        let (u, v) = ([60u8, 200, 128, 90], [128u8, 128, 240, 60]);
        let mut out = Vec::new();
        yuv_to_rgba(&y, &u, &v, 3, 3, Chroma::Half, &mut out).unwrap();
        let px = |x: usize, y: usize| &out[(y * 3 + x) * 4..][..3];
        assert_eq!(px(0, 0), px(1, 1));
        assert_eq!(px(2, 0), &reference(100, 200, 128));
        assert_eq!(px(0, 2), &reference(100, 128, 240));
        assert_eq!(px(2, 2), &reference(100, 90, 60));
        let err = yuv_to_rgba(&y, &u[..3], &v, 3, 3, Chroma::Half, &mut out).unwrap_err();
        assert_eq!(err.kind(), "length-mismatch");
        let err = yuv_to_rgba(&y[..8], &u, &v, 3, 3, Chroma::Half, &mut out).unwrap_err();
        assert_eq!(err.kind(), "length-mismatch");
    }
}
