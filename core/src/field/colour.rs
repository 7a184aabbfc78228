//! The Middlebury flow colour coding (Baker et al., "A Database and
//! Evaluation Methodology for Optical Flow", 2011, and its `flowToColor`):
//! the direction of motion is the hue on a wheel of 55 colours (motion to
//! the right red, down yellow-green... as the benchmark draws it), its
//! length the saturation, full at `max_motion`; longer motion darker.

use super::FlowField;

/// The wheel's segments: red–yellow, yellow–green, green–cyan, cyan–blue,
/// blue–magenta, magenta–red, in colours each (perceptually even steps).
const SEGMENTS: [usize; 6] = [15, 6, 4, 11, 13, 6];

/// The 55 colours of the wheel, as the Middlebury code makes them.
fn wheel() -> Vec<[f32; 3]> {
    let mut colours = Vec::with_capacity(SEGMENTS.iter().sum());
    let step = |i: usize, n: usize| (255 * i / n) as f32;
    let [ry, yg, gc, cb, bm, mr] = SEGMENTS;
    colours.extend((0..ry).map(|i| [255.0, step(i, ry), 0.0]));
    colours.extend((0..yg).map(|i| [255.0 - step(i, yg), 255.0, 0.0]));
    colours.extend((0..gc).map(|i| [0.0, 255.0, step(i, gc)]));
    colours.extend((0..cb).map(|i| [0.0, 255.0 - step(i, cb), 255.0]));
    colours.extend((0..bm).map(|i| [step(i, bm), 0.0, 255.0]));
    colours.extend((0..mr).map(|i| [255.0, 0.0, 255.0 - step(i, mr)]));
    colours
}

impl FlowField {
    /// The field as an RGBA8 picture in the Middlebury colour coding,
    /// saturated at `max_motion` pixels (at the field's longest motion
    /// when `None`, as the benchmark's code does; white for no motion).
    pub fn colour_coded(&self, max_motion: Option<f32>) -> Vec<u8> {
        let wheel = wheel();
        let longest = self
            .u
            .iter()
            .zip(&self.v)
            .map(|(u, v)| (u * u + v * v).sqrt())
            .filter(|r| r.is_finite())
            .fold(0.0f32, f32::max);
        let scale = max_motion.unwrap_or(longest).max(f32::EPSILON);
        let mut out = Vec::with_capacity(self.u.len() * 4);
        for (&u, &v) in self.u.iter().zip(&self.v) {
            let (u, v) = (u / scale, v / scale);
            let radius = (u * u + v * v).sqrt();
            let angle = (-v).atan2(-u) / std::f32::consts::PI;
            let position = (angle + 1.0) / 2.0 * (wheel.len() - 1) as f32;
            let k0 = (position.floor() as usize).min(wheel.len() - 1);
            let k1 = (k0 + 1) % wheel.len();
            let f = position - k0 as f32;
            for (&c0, &c1) in wheel[k0].iter().zip(&wheel[k1]) {
                let (c0, c1) = (c0 / 255.0, c1 / 255.0);
                let mut c = (1.0 - f) * c0 + f * c1;
                c = if radius <= 1.0 {
                    1.0 - radius * (1.0 - c)
                } else {
                    c * 0.75
                };
                out.push((255.0 * c).floor().clamp(0.0, 255.0) as u8);
            }
            out.push(255);
        }
        out
    }
}
