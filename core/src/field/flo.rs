//! Middlebury `.flo` files, the flow field's format across the field
//! (OpenCV's `readOpticalFlow`/`writeOpticalFlow`, the Sintel and KITTI
//! tooling): the tag "PIEH" (the float 202021.25), width and height as
//! 32-bit integers, then (u, v) a pixel, row-major, all little-endian.

use crate::error::{Error, Result};

use super::{FlowField, MAX_FIELD_PIXELS};

/// The first four bytes of a `.flo` file.
pub const FLO_MAGIC: [u8; 4] = *b"PIEH";

impl FlowField {
    /// The field as a `.flo` file.
    pub fn to_flo(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + 8 * self.u.len());
        out.extend_from_slice(&FLO_MAGIC);
        out.extend_from_slice(&(self.width as i32).to_le_bytes());
        out.extend_from_slice(&(self.height as i32).to_le_bytes());
        for (u, v) in self.u.iter().zip(&self.v) {
            out.extend_from_slice(&u.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// A field from a `.flo` file: the tag, a size within
    /// [`MAX_FIELD_PIXELS`], and exactly its bytes, else why not.
    pub fn from_flo(bytes: &[u8]) -> Result<FlowField> {
        let bad = |why: String| Err(Error::InvalidParameter(format!("not a .flo file: {why}")));
        if bytes.len() < 12 || bytes[..4] != FLO_MAGIC {
            return bad("it does not start with PIEH and a size".into());
        }
        let int = |at: usize| {
            i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let (width, height) = (int(4), int(8));
        if width < 1 || height < 1 {
            return bad(format!("its size is {width}x{height}"));
        }
        let pixels = width as u64 * height as u64;
        if pixels > MAX_FIELD_PIXELS {
            return bad(format!(
                "{width}x{height} is over the {MAX_FIELD_PIXELS}-pixel limit of a field"
            ));
        }
        let expected = 12 + 8 * pixels;
        if bytes.len() as u64 != expected {
            return bad(format!(
                "{width}x{height} takes {expected} bytes, the file has {}",
                bytes.len()
            ));
        }
        let float = |at: usize| {
            f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let n = pixels as usize;
        let (mut u, mut v) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            u.push(float(12 + 8 * i));
            v.push(float(16 + 8 * i));
        }
        Ok(FlowField {
            width: width as u32,
            height: height as u32,
            u,
            v,
        })
    }
}
