//! The flow field at every pixel on small arbitrary frames, settings and
//! guesses (a field made by hand: any size, any values), and through a
//! field-mode tracker: the error of the first check the input fails, or a
//! field of the frames' size, its own check passed and every value finite,
//! whose `.flo` bytes read back to it and whose colour coding is four bytes
//! a pixel.
#![no_main]

use arbitrary::Arbitrary;
use ghostlines_core::{
    FieldSettings, FlowField, Frame, Plane, Tracker, TrackerMode, TrackerSettings, flow_field,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    width: u8,
    height: u8,
    /// The current frame one row taller (a size mismatch).
    mismatched: bool,
    preset: u8,
    patch: Option<u8>,
    stride: Option<u8>,
    finest_level: Option<u8>,
    iterations: Option<u8>,
    refinement: Option<u8>,
    fine_refinement: Option<u8>,
    /// The previous frame's first bytes; the rest a texture from `seed`.
    previous: Vec<u8>,
    seed: u64,
    /// The current frame: the previous one moved by `shift` (wrapping),
    /// its first bytes replaced by these.
    shift: (i8, i8),
    current: Vec<u8>,
    /// A guess: its size, and its values as given (not fitted to it).
    guess: Option<(u8, u8, Vec<f32>, Vec<f32>)>,
    max_motion: Option<f32>,
    step: u16,
}

/// A field the frames' size that keeps its promises.
fn check(field: &FlowField, (width, height): (u32, u32), max_motion: Option<f32>) {
    assert_eq!((field.width, field.height), (width, height));
    field.check().unwrap();
    assert!(
        field.u.iter().chain(&field.v).all(|d| d.is_finite()),
        "a value that is not a number"
    );
    assert_eq!(&FlowField::from_flo(&field.to_flo()).unwrap(), field);
    assert_eq!(field.colour_coded(max_motion).len(), 4 * field.u.len());
}

fuzz_target!(|input: Input| {
    // Small frames: a search of up to 255 iterations a patch at stride 1
    // stays well inside the fuzzer's timeout.
    let (width, height) = (u32::from(input.width % 65), u32::from(input.height % 49));
    let n = (width * height) as usize;
    let (name, preset) = FieldSettings::PRESETS[usize::from(input.preset) % 4];
    let mut settings = preset;
    let apply = |value: Option<u8>, setting: &mut u32| {
        if let Some(value) = value {
            *setting = u32::from(value);
        }
    };
    apply(input.patch, &mut settings.patch);
    apply(input.stride, &mut settings.stride);
    apply(input.finest_level, &mut settings.finest_level);
    apply(input.iterations, &mut settings.iterations);
    apply(input.refinement, &mut settings.refinement);
    apply(input.fine_refinement, &mut settings.fine_refinement);
    assert_eq!(FieldSettings::preset(name).unwrap(), preset);

    // Texture, so that the search and the refinement have something to
    // find (zeros are a flat frame, which they leave at the guess).
    let mut state = input.seed | 1;
    let mut previous = input.previous.clone();
    previous.truncate(n);
    previous.extend((previous.len()..n).map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 56) as u8
    }));
    let (w, h) = (i64::from(width), i64::from(height));
    let (dx, dy) = (i64::from(input.shift.0), i64::from(input.shift.1));
    let mut current: Vec<u8> = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w - dx).rem_euclid(w), (i / w - dy).rem_euclid(h));
            previous[(y * w + x) as usize]
        })
        .collect();
    for (o, &c) in current.iter_mut().zip(&input.current) {
        *o = c;
    }
    // The current frame's plane, a row of zeros taller when mismatched.
    let current_height = height + u32::from(input.mismatched);
    let mut current_rows = current.clone();
    current_rows.resize((width * current_height) as usize, 0);
    let guess = input.guess.as_ref().map(|(w, h, u, v)| FlowField {
        width: u32::from(*w),
        height: u32::from(*h),
        u: u.clone(),
        v: v.clone(),
    });

    let planes = Plane::new(width, height, &previous)
        .and_then(|a| Ok((a, Plane::new(width, current_height, &current_rows)?)));
    match planes {
        Ok((a, b)) => {
            // flow_field's checks in their order; the first that fails
            // names the error.
            let expected = settings
                .check()
                .err()
                .map(|e| e.kind())
                .or(input.mismatched.then_some("size-mismatch"))
                .or((width < settings.patch || height < settings.patch)
                    .then_some("invalid-parameter"))
                .or(guess
                    .as_ref()
                    .and_then(|g| g.check().err())
                    .map(|e| e.kind()));
            match (flow_field(a, b, &settings, guess.as_ref()), expected) {
                (Ok(field), None) => check(&field, (width, height), input.max_motion),
                (Err(e), Some(kind)) => assert_eq!(e.kind(), kind, "{e}"),
                (result, expected) => panic!(
                    "{:?} where {expected:?} was expected",
                    result.map(|f| (f.width, f.height))
                ),
            }
        }
        // Each plane's bytes are its size's: only a side of 0 is refused.
        Err(e) => assert_eq!(e.kind(), "invalid-dimensions", "{e}"),
    }

    // A field-mode tracker over the two frames and the first again, each
    // searched from the last one's field.
    let mode = TrackerMode::Field {
        step: u32::from(input.step),
        settings,
    };
    let tracker = Tracker::new(TrackerSettings {
        mode,
        interval: 0.0,
        ..TrackerSettings::default()
    });
    // Its settings (the field's and the vectors' step) are all it checks.
    let mut tracker = match tracker {
        Ok(tracker) => tracker,
        Err(e) => return assert_eq!(e.kind(), "invalid-parameter", "{e}"),
    };
    let rgba = |grey: &[u8]| -> Vec<u8> { grey.iter().flat_map(|&g| [g, g, g, 255]).collect() };
    for grey in [&previous, &current, &previous] {
        let pixels = rgba(grey);
        let frame = match Frame::new(width, height, &pixels) {
            Ok(frame) => frame,
            Err(e) => return assert_eq!(e.kind(), "invalid-dimensions", "{e}"),
        };
        match tracker.push(frame) {
            Ok(output) => {
                for v in &output.vectors {
                    assert!(v.x >= 0.0 && v.x < f64::from(width), "{v:?}");
                    assert!(v.y >= 0.0 && v.y < f64::from(height), "{v:?}");
                    assert!(v.dx.is_finite() && v.dy.is_finite(), "{v:?}");
                }
                if let Some(field) = tracker.field() {
                    check(field, (width, height), input.max_motion);
                }
            }
            // A frame smaller than a patch, or too many grid points.
            Err(e) => return assert_eq!(e.kind(), "invalid-parameter", "{e}"),
        }
    }
});
