//! A deterministic test scene, the same for every bench and example: a
//! smooth background with three bright blobs and scattered rectangles (the
//! corners a tracker can follow), moved sideways by a whole number of
//! pixels, with a little noise.

use crate::diff::SplitMix64;

/// RGBA pixels (`width * height * 4` bytes) of the scene moved `shift`
/// pixels to the right. Uses `f64::sin`/`exp`, so it is made natively and
/// passed in, not computed in the component.
///
/// ```
/// let a = ghostlines_core::synthetic_scene(8, 4, 0);
/// assert_eq!(a.len(), 8 * 4 * 4);
/// assert_eq!(a, ghostlines_core::synthetic_scene(8, 4, 0));
/// assert_ne!(a, ghostlines_core::synthetic_scene(8, 4, 3));
/// ```
pub fn synthetic_scene(width: u32, height: u32, shift: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut values = Vec::with_capacity(w * h);
    let blobs = [(0.3, 0.4, 0.12), (0.7, 0.6, 0.08), (0.5, 0.2, 0.05)];
    for y in 0..height {
        for x in 0..width {
            let fx = (f64::from(x) - f64::from(shift)) / f64::from(width);
            let fy = f64::from(y) / f64::from(height);
            let mut v = 40.0 + 30.0 * ((fx * 23.0).sin() * (fy * 17.0).cos());
            for (bx, by, r) in blobs {
                let d2 = (fx - bx) * (fx - bx) + (fy - by) * (fy - by);
                v += 200.0 * (-d2 / (r * r)).exp();
            }
            values.push(v);
        }
    }
    // One rectangle per 1000 pixels, 6..=29 px a side, lighter or darker;
    // the same rectangles whatever the shift (their own generator).
    let mut shapes = SplitMix64::new(0x5CE4E);
    for _ in 0..(w * h).div_ceil(1000) {
        let mut next = |n: usize| (shapes.next_u64() % n as u64) as usize;
        let (x0, y0) = (next(w.max(1)) + shift as usize, next(h.max(1)));
        let (rw, rh) = (6 + next(24), 6 + next(24));
        let delta = next(161) as f64 - 80.0;
        for y in y0..(y0 + rh).min(h) {
            for x in x0.min(w)..(x0 + rw).min(w) {
                values[y * w + x] += delta;
            }
        }
    }
    let mut noise = SplitMix64::new(u64::from(shift));
    let mut pixels = Vec::with_capacity(w * h * 4);
    for v in values {
        let v = (v + (noise.next_u64() >> 62) as f64).clamp(0.0, 255.0);
        pixels.extend_from_slice(&[v as u8, (v * 0.8) as u8, (255.0 - v) as u8, 255]);
    }
    pixels
}
