//! A flow field: a displacement at every pixel, by dense inverse search
//! (Kroeger et al., "Fast Optical Flow using Dense Inverse Search", 2016).
//!
//! Coarse to fine over both frames' Gaussian pyramids, each level:
//! 1. inverse search ([`search`]): a square patch every `stride` pixels of
//!    the previous frame is found in the current one by inverse
//!    compositional Lucas–Kanade, starting from the coarser level's field;
//! 2. densification ([`densify`]): each pixel's displacement is the
//!    average of the patches that cover it, each weighted by how well it
//!    explains that pixel (1 / max(1, |I1(x + u) − I0(x)|));
//! 3. variational refinement ([`refine`]), unless it is off: the field
//!    smoothed where the frames have nothing to say, and sharpened to
//!    sub-pixel where they do.
//!
//! Then, if asked (`fine_refinement`), the finest level's field is refined
//! once more on the data of the level below it, twice as fine
//! ([`refine::refine_from_finer`]): each of its pixels weighs the residuals
//! of the fine pixels around it, so that the solve keeps the coarse grid's
//! cost and gains the finer level's detail. Below the finest level searched
//! the field is upsampled bilinearly.
//! The sparse and grid flow of `flow/` track points; this answers every
//! pixel, and a tracker may give the previous frame's field as the first
//! guess.

mod colour;
mod densify;
mod flo;
mod refine;
mod search;

use crate::error::{Error, Result};
use crate::flow::window::register;
use crate::frame::Plane;
use crate::limits::Limits;
use crate::pyramid::GreyF32;
use wide::f32x4;

pub use flo::FLO_MAGIC;

/// The most pixels a field may have: 2^23 (a 4K UHD frame), two f32 a
/// pixel, 64 MiB. A field is eight bytes a pixel where its frame's grey
/// plane is one, so it has a limit of its own below the frame limits.
pub const MAX_FIELD_PIXELS: u64 = 1 << 23;

/// The limits of a field's size: the frames' side, [`MAX_FIELD_PIXELS`].
const FIELD_LIMITS: Limits = Limits {
    max_pixels: MAX_FIELD_PIXELS,
    ..Limits::DEFAULT
};

/// How the field is searched. The presets are OpenCV's (8-pixel patches)
/// but `BALANCED`, ours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSettings {
    /// The side of a patch, pixels (4..=32).
    pub patch: u32,
    /// Pixels between patches (1..=`patch`): smaller is denser and slower.
    pub stride: u32,
    /// The finest pyramid level searched (0: full resolution); the field
    /// is upsampled from it.
    pub finest_level: u32,
    /// Inverse-search iterations a patch at most (1..=256).
    pub iterations: u32,
    /// Variational refinement after each level's search: fixed-point
    /// iterations (0..=32; 0: none).
    pub refinement: u32,
    /// A last variational refinement of the finest level searched, on the
    /// data of the level below it (twice as fine): fixed-point iterations
    /// (0..=32; 0: none). It needs a finer level: `finest_level` 1 or more.
    /// With it, the levels' own refinements sweep less, with a larger
    /// over-relaxation: they only give this one its start.
    pub fine_refinement: u32,
}

impl FieldSettings {
    /// OpenCV's `DISOpticalFlow::PRESET_ULTRAFAST`: no refinement.
    pub const ULTRAFAST: FieldSettings = FieldSettings {
        patch: 8,
        stride: 4,
        finest_level: 2,
        iterations: 12,
        refinement: 0,
        fine_refinement: 0,
    };
    /// `PRESET_FAST`.
    pub const FAST: FieldSettings = FieldSettings {
        patch: 8,
        stride: 4,
        finest_level: 2,
        iterations: 16,
        refinement: 5,
        fine_refinement: 0,
    };
    /// Ours, between OpenCV's FAST and MEDIUM: FAST's levels and stride
    /// with 6-pixel patches searched 4 iterations at most, then its finest
    /// level refined on the data of the level below, 2 fixed-point
    /// iterations. MEDIUM's accuracy or better (on all twenty-seven warped
    /// pairs of scripts/bench-flow.py's three sets) in about a sixth of
    /// MEDIUM's time, and less than FAST's (docs/benchmarks.md). Chosen on its
    /// nine warped pairs and its nine held-out ones (`--held-out`), and
    /// checked on nine more (`--third`):
    /// 6-pixel patches, a smaller error on six of the nine at the same
    /// time; 4 search iterations, not 16, the same error or smaller on all
    /// nine and the stereo pair, 3 % less time; 2 last iterations of six
    /// sweeps, not 4 of five, with each level's own refinement sweeping
    /// 3 times, not 5, at ω 1.9 (the refinement's `FINER` and `START`),
    /// the same error or smaller on all pairs but one of the three sets
    /// (by 0.002 px), 14 % less time.
    pub const BALANCED: FieldSettings = FieldSettings {
        patch: 6,
        iterations: 4,
        fine_refinement: 2,
        ..FieldSettings::FAST
    };
    /// `PRESET_MEDIUM`.
    pub const MEDIUM: FieldSettings = FieldSettings {
        patch: 8,
        stride: 3,
        finest_level: 1,
        iterations: 25,
        refinement: 5,
        fine_refinement: 0,
    };

    /// The presets by name, fastest first.
    pub const PRESETS: [(&'static str, FieldSettings); 4] = [
        ("ultrafast", FieldSettings::ULTRAFAST),
        ("fast", FieldSettings::FAST),
        ("balanced", FieldSettings::BALANCED),
        ("medium", FieldSettings::MEDIUM),
    ];

    /// The name of the preset [`FieldSettings::default`] is.
    pub const DEFAULT_PRESET: &'static str = "medium";

    /// The preset called `name`.
    pub fn preset(name: &str) -> Result<FieldSettings> {
        FieldSettings::PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, settings)| settings)
            .ok_or_else(|| {
                let mut expected = String::new();
                for (i, (n, _)) in FieldSettings::PRESETS.iter().enumerate() {
                    if i > 0 {
                        expected.push_str(", ");
                    }
                    expected.push_str(n);
                }
                // Quoted as given, not escaped: `{:?}` and `join` here
                // brought Unicode escaping tables into the guest (7 KB,
                // once the guest took a preset's name).
                Error::InvalidParameter(format!("unknown preset \"{name}\"; expected {expected}"))
            })
    }

    /// Each setting in its range.
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::InvalidParameter(what));
        if !(4..=32).contains(&self.patch) {
            return bad(format!(
                "patch must be in 4..=32 pixels, got {}",
                self.patch
            ));
        }
        if !(1..=self.patch).contains(&self.stride) {
            return bad(format!(
                "stride must be in 1..=patch ({}), got {}",
                self.patch, self.stride
            ));
        }
        if self.finest_level > 6 {
            return bad(format!(
                "finest level must be in 0..=6, got {}",
                self.finest_level
            ));
        }
        if !(1..=256).contains(&self.iterations) {
            return bad(format!(
                "iterations must be in 1..=256, got {}",
                self.iterations
            ));
        }
        if self.refinement > 32 {
            return bad(format!(
                "refinement must be in 0..=32 iterations, got {}",
                self.refinement
            ));
        }
        if self.fine_refinement > 32 {
            return bad(format!(
                "fine refinement must be in 0..=32 iterations, got {}",
                self.fine_refinement
            ));
        }
        if self.fine_refinement > 0 && self.finest_level == 0 {
            return bad(
                "fine refinement needs a finer level than the finest searched: finest level 1 or more, got 0"
                    .to_string(),
            );
        }
        Ok(())
    }
}

impl Default for FieldSettings {
    /// [`FieldSettings::MEDIUM`], the [`FieldSettings::DEFAULT_PRESET`].
    fn default() -> Self {
        FieldSettings::MEDIUM
    }
}

/// A displacement (u, v) at every pixel, row-major: pixel (x, y) of the
/// previous frame moved to (x + u, y + v) in the current one.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowField {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Displacement along x, a pixel each.
    pub u: Vec<f32>,
    /// Displacement along y, a pixel each.
    pub v: Vec<f32>,
}

impl FlowField {
    /// No motion anywhere.
    pub fn zeros(width: u32, height: u32) -> FlowField {
        let n = width as usize * height as usize;
        FlowField {
            width,
            height,
            u: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    /// Checks that the field has a size, at least 1 × 1 and within
    /// [`MAX_FIELD_PIXELS`], and a value of u and of v at each of its
    /// pixels (its parts are public: a field made by hand may not):
    /// `invalid-dimensions`, `too-large`, `length-mismatch`.
    pub fn check(&self) -> Result<()> {
        for plane in [&self.u, &self.v] {
            FIELD_LIMITS.check_len(self.width, self.height, 1, plane.len())?;
        }
        Ok(())
    }

    /// The displacement at pixel (x, y).
    pub fn at(&self, x: u32, y: u32) -> (f32, f32) {
        let i = y as usize * self.width as usize + x as usize;
        (self.u[i], self.v[i])
    }

    /// This field at `width` × `height`, bilinearly resampled and its
    /// displacements scaled with it: a level's field taken to the next
    /// finer one, or the previous frame's to a coarse level. Positions map
    /// as the pyramid maps them, pixel (x, y) of a level on pixel (2x, 2y)
    /// of the one below ([`GreyF32::downsample`]), so a scale is exactly a
    /// power of two between sides the pyramid relates (741, 371, 186...)
    /// and the ratio of the sides otherwise. Border replicated.
    pub(crate) fn resized(&self, width: u32, height: u32) -> FlowField {
        let (along_x, along_y) = (scale(self.width, width), scale(self.height, height));
        let columns = Columns::new(width, self.width, along_x);
        let rows = taps(height, self.height, along_y);
        let (sw, sh) = (self.width as usize, self.height as usize);
        let mut out = FlowField::zeros(width, height);
        resample((&self.u, sw, sh), &mut out.u, &columns, &rows, along_x);
        resample((&self.v, sw, sh), &mut out.v, &columns, &rows, along_y);
        out
    }
}

/// How many pixels of a side of `to` pixels one of `from` spans: 2^k where
/// halving the longer side k times (rounding up, as the pyramid does)
/// gives the shorter, else their ratio.
fn scale(from: u32, to: u32) -> f32 {
    let (mut long, short) = (from.max(to), from.min(to));
    let mut factor = 1.0f32;
    while long > short {
        long = long.div_ceil(2);
        factor *= 2.0;
    }
    if long != short {
        to as f32 / from as f32
    } else if to >= from {
        factor
    } else {
        1.0 / factor
    }
}

/// The output columns of a resampling, in runs that lie between the same
/// two source columns (their two values read once a run, not once a
/// pixel), and how far along each column is.
struct Columns {
    runs: Vec<(std::ops::Range<usize>, usize, usize)>,
    along: Vec<f32>,
    /// 2 or 4 when the output is that many times the source (a level's
    /// field taken to the next level or to the frame): those columns are
    /// filled a register of source columns at a time ([`upsample_row`]).
    step: Option<usize>,
}

impl Columns {
    fn new(out: u32, source: u32, scale: f32) -> Columns {
        let step = [2, 4].into_iter().find(|&s| scale == s as f32);
        let taps = taps(out, source, scale);
        let mut runs: Vec<(std::ops::Range<usize>, usize, usize)> = Vec::new();
        for (x, &(x0, x1, _)) in taps.iter().enumerate() {
            match runs.last_mut() {
                Some((run, a, b)) if (*a, *b) == (x0, x1) => run.end = x + 1,
                _ => runs.push((x..x + 1, x0, x1)),
            }
        }
        let along = taps.iter().map(|&(_, _, fx)| fx).collect();
        Columns { runs, along, step }
    }

    /// Output row `target` from the source row `blended`: the regular
    /// columns of an upsampling by [`upsample_row`], then the runs left.
    fn fill(&self, blended: &[f32], target: &mut [f32]) {
        let done = match self.step {
            Some(2) => upsample_row::<2>(blended, target),
            Some(4) => upsample_row::<4>(blended, target),
            _ => 0,
        };
        let first = self.runs.partition_point(|(run, _, _)| run.end <= done);
        for (run, x0, x1) in &self.runs[first..] {
            let (left, right) = (blended[*x0], blended[*x1]);
            let run = run.start.max(done)..run.end;
            for (t, &fx) in target[run.clone()].iter_mut().zip(&self.along[run]) {
                *t = left + fx * (right - left);
            }
        }
    }
}

/// The first columns of a row upsampled `S` times (2 or 4), four source
/// columns at a time: output column S·k + j is source k + j/S of the way
/// to k + 1, as [`taps`] places it, in the same arithmetic. Stops where a
/// register would read past `source` ([`resample`]'s rows end with their
/// last column again, so that the registers fill the border as the taps
/// replicate it; [`Columns::fill`]'s runs do the rest); returns the
/// columns it filled.
fn upsample_row<const S: usize>(source: &[f32], target: &mut [f32]) -> usize {
    let mut k = 0;
    while k + 5 <= source.len() && S * (k + 4) <= target.len() {
        let left = register(source, k);
        let step = register(source, k + 1) - left;
        // Lane m of row j: output column S·(k + m) + j.
        let rows: [f32x4; S] =
            std::array::from_fn(|j| left + f32x4::splat(j as f32 / S as f32) * step);
        // Interleaved into output order: S registers of four columns.
        let columns = match *rows.as_slice() {
            [a, b] => [a.unpack_lo(b), a.unpack_hi(b), f32x4::ZERO, f32x4::ZERO],
            [a, b, c, d] => f32x4::transpose([a, b, c, d]),
            _ => unreachable!("S is 2 or 4"),
        };
        for (out, column) in target[S * k..][..S * 4].chunks_exact_mut(4).zip(columns) {
            out.copy_from_slice(&column.to_array());
        }
        k += 4;
    }
    S * k
}

/// One plane of a field (`sw` × `sh` values) bilinearly resampled into
/// `target` and multiplied by `scale`: each output row is the two source
/// rows blended (and scaled) into one, a loop over contiguous values, then
/// sampled along it.
fn resample(
    (source, sw, sh): (&[f32], usize, usize),
    target: &mut [f32],
    columns: &Columns,
    rows: &[(usize, usize, f32)],
    scale: f32,
) {
    debug_assert_eq!(source.len(), sw * sh);
    let w = columns.along.len();
    // One column more, the last again: the border, which an upsampling's
    // registers then reach (as a run would, it replicates the last column).
    let mut blended = vec![0.0f32; sw + 1];
    for (y, &(y0, y1, fy)) in rows.iter().enumerate() {
        let (top, bottom) = (&source[y0 * sw..][..sw], &source[y1 * sw..][..sw]);
        for ((b, &t), &d) in blended.iter_mut().zip(top).zip(bottom) {
            *b = (t + fy * (d - t)) * scale;
        }
        blended[sw] = blended[sw - 1];
        columns.fill(&blended, &mut target[y * w..][..w]);
    }
}

/// For each of `out` samples along a side of `source` pixels, the sides'
/// `scale` apart (output pixels a source pixel): the two source pixels it
/// lies between and how far along, pixel i on source position i / scale,
/// border replicated.
fn taps(out: u32, source: u32, scale: f32) -> Vec<(usize, usize, f32)> {
    let last = source as usize - 1;
    (0..out)
        .map(|i| {
            let at = i as f32 / scale;
            let i0 = (at as usize).min(last);
            (i0, (i0 + 1).min(last), (at - i0 as f32).min(1.0))
        })
        .collect()
}

/// The flow field from `previous` to `current` (same size, within
/// [`MAX_FIELD_PIXELS`]), searched as `settings` say, from `guess` (the
/// field of the pair before, at any size; [`FlowField::check`]ed) where
/// there is one.
pub fn flow_field(
    previous: Plane<'_>,
    current: Plane<'_>,
    settings: &FieldSettings,
    guess: Option<&FlowField>,
) -> Result<FlowField> {
    settings.check()?;
    let (width, height) = (previous.width(), previous.height());
    if (current.width(), current.height()) != (width, height) {
        return Err(Error::SizeMismatch {
            expected: (width, height),
            actual: (current.width(), current.height()),
        });
    }
    check_size(width, height, settings.patch)?;
    if let Some(guess) = guess {
        guess.check()?;
    }
    let levels = level_count(width, height, settings);
    let coarsest = levels - 1;
    let finest = (settings.finest_level as usize).min(coarsest);
    // A fine refinement needs a level below the finest searched; the
    // finest level any step reads is then that one.
    let refine_finer = settings.fine_refinement > 0 && finest > 0;
    let first = if refine_finer { finest - 1 } else { finest };
    let previous = pyramid(previous, first, levels);
    let current = pyramid(current, first, levels);
    let size = |level: usize| {
        let image = &previous[level];
        (image.width as u32, image.height as u32)
    };
    let (w, h) = size(coarsest);
    let mut field = match guess {
        Some(guess) => guess.resized(w, h),
        None => FlowField::zeros(w, h),
    };
    // A guess is only a start: where it is not a number (a caller's, or a
    // field gone wrong), no motion, so that one bad field does not become
    // every later frame's; and no further than the frame's size, past which
    // nothing of the frame comes into view (a caller's 1e36 px overflowed
    // the search's arithmetic, and the field was not a number).
    let reach = (w as f32, h as f32);
    for (plane, reach) in [(&mut field.u, reach.0), (&mut field.v, reach.1)] {
        for value in plane.iter_mut() {
            *value = if value.is_finite() {
                value.clamp(-reach, reach)
            } else {
                0.0
            };
        }
    }
    for level in (finest..=coarsest).rev() {
        let (w, h) = size(level);
        if (field.width, field.height) != (w, h) {
            field = field.resized(w, h);
        }
        let gradients = search::Gradients::of(&previous[level]);
        let patches = search::search_level(
            &previous[level],
            &current[level],
            &gradients,
            &field,
            settings,
        );
        field = densify::densify(
            &previous[level],
            &current[level],
            &patches,
            settings.patch as usize,
        );
        if settings.refinement > 0 {
            // Where a fine refinement follows, every level's refinement
            // only starts it.
            let method = if refine_finer {
                refine::Refinement::START
            } else {
                refine::Refinement::DIS
            };
            let refinement = refine::Refinement {
                iterations: settings.refinement,
                ..method
            };
            refine::refine(&previous[level], &current[level], &mut field, &refinement);
        }
    }
    if refine_finer {
        let refinement = refine::Refinement {
            iterations: settings.fine_refinement,
            ..refine::Refinement::FINER
        };
        refine::refine_from_finer(
            &previous[finest - 1],
            &current[finest - 1],
            &mut field,
            &refinement,
        );
    }
    if (field.width, field.height) != (width, height) {
        field = field.resized(width, height);
    }
    Ok(field)
}

/// Central differences of a `w` × `h` image along x and y, border
/// replicated: the patches' template gradients and the refinement's
/// derivatives.
fn central_differences(image: &[f32], w: usize, h: usize) -> (Vec<f32>, Vec<f32>) {
    (
        differences_along_x(image, w, h),
        differences_along_y(image, w, h),
    )
}

/// Central differences along x, border replicated.
fn differences_along_x(image: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut gx = vec![0.0; w * h];
    for (row, out) in image.chunks_exact(w).zip(gx.chunks_exact_mut(w)) {
        row_differences_along_x(row, out);
    }
    gx
}

/// Central differences along y, border replicated.
fn differences_along_y(image: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut gy = vec![0.0; w * h];
    for (y, out) in gy.chunks_exact_mut(w).enumerate() {
        row_differences_along_y(image, w, y, out);
    }
    gy
}

/// The central differences along x of one row into `out` (as long),
/// border replicated.
fn row_differences_along_x(row: &[f32], out: &mut [f32]) {
    let w = row.len();
    if w < 2 {
        out.fill(0.0);
        return;
    }
    // The first column, the interior in one run over contiguous values,
    // the last column.
    out[0] = 0.5 * (row[1] - row[0]);
    for ((o, &left), &right) in out[1..w - 1].iter_mut().zip(row).zip(&row[2..]) {
        *o = 0.5 * (right - left);
    }
    out[w - 1] = 0.5 * (row[w - 1] - row[w - 2]);
}

/// The central differences along y of row `y` of a `w`-wide `image` into
/// `out`, border replicated.
fn row_differences_along_y(image: &[f32], w: usize, y: usize, out: &mut [f32]) {
    let h = image.len() / w;
    let (up, down) = (y.saturating_sub(1), (y + 1).min(h - 1));
    differences_between(&image[up * w..][..w], &image[down * w..][..w], out);
}

/// `0.5 · (below − above)`, value by value: a central difference along y
/// from the rows either side (the same row at a border).
fn differences_between(above: &[f32], below: &[f32], out: &mut [f32]) {
    for ((o, &a), &b) in out.iter_mut().zip(above).zip(below) {
        *o = 0.5 * (b - a);
    }
}

/// Whether the window of `radius` around (x, y) of `plane` has texture to
/// follow: its structure tensor's smaller eigenvalue a pixel, by central
/// differences, at least the dense grid's `min_eigen`. Where it has none a
/// field's displacement is what the neighbours' smoothness left, not a
/// measurement.
pub(crate) fn textured(plane: Plane<'_>, x: u32, y: u32, radius: u32) -> bool {
    let (w, h) = (plane.width() as i64, plane.height() as i64);
    let values = plane.values();
    let at =
        |x: i64, y: i64| f64::from(values[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize]);
    let (mut xx, mut xy, mut yy, mut n) = (0.0, 0.0, 0.0, 0.0);
    let r = i64::from(radius);
    for py in i64::from(y) - r..=i64::from(y) + r {
        for px in i64::from(x) - r..=i64::from(x) + r {
            let gx = 0.5 * (at(px + 1, py) - at(px - 1, py));
            let gy = 0.5 * (at(px, py + 1) - at(px, py - 1));
            xx += gx * gx;
            xy += gx * gy;
            yy += gy * gy;
            n += 1.0;
        }
    }
    let (xx, xy, yy) = (xx / n, xy / n, yy / n);
    let smaller = 0.5 * (xx + yy - ((xx - yy).powi(2) + 4.0 * xy * xy).sqrt());
    smaller >= crate::flow::FlowSettings::default().min_eigen
}

/// `too-large` past [`MAX_FIELD_PIXELS`], and `invalid-parameter` for a
/// frame narrower or lower than a patch.
pub(crate) fn check_size(width: u32, height: u32, patch: u32) -> Result<()> {
    if width < patch || height < patch {
        return Err(Error::InvalidParameter(format!(
            "a flow field with {patch}-pixel patches needs frames at least {patch} pixels a side, got {width}x{height}"
        )));
    }
    if u64::from(width) * u64::from(height) > MAX_FIELD_PIXELS {
        return Err(Error::TooLarge {
            width,
            height,
            limits: FIELD_LIMITS,
        });
    }
    Ok(())
}

/// Levels from full resolution down to the coarsest, chosen as OpenCV's
/// DIS chooses it (`dis_flow.cpp`): the level at which the longer side is
/// about four patches across (log2(longer / 4·patch), rounded), unless the
/// shorter side would then be less than a patch; and at least down to the
/// finest level searched.
fn level_count(width: u32, height: u32, settings: &FieldSettings) -> usize {
    let patch = f64::from(settings.patch);
    let across = (f64::from(width.max(height)) / (4.0 * patch)).log2() + 0.5;
    let fits = (f64::from(width.min(height)) / patch).log2();
    let coarsest = across.min(fits).max(0.0) as u32;
    // A level must hold a patch.
    let mut levels = 1;
    let (mut w, mut h) = (width, height);
    while levels <= coarsest.max(settings.finest_level) as usize {
        let (nw, nh) = (w.div_ceil(2), h.div_ceil(2));
        if nw < settings.patch || nh < settings.patch {
            break;
        }
        (w, h) = (nw, nh);
        levels += 1;
    }
    levels
}

/// A frame's Gaussian pyramid from level `first` to level `levels - 1`:
/// the finer levels are made on the way and dropped, and the full-size
/// one is never made in floats unless it is kept (level 1 comes straight
/// from the bytes, [`GreyF32::downsample_plane`]).
struct Pyramid {
    first: usize,
    kept: Vec<GreyF32>,
}

impl std::ops::Index<usize> for Pyramid {
    type Output = GreyF32;

    fn index(&self, level: usize) -> &GreyF32 {
        &self.kept[level - self.first]
    }
}

fn pyramid(plane: Plane<'_>, first: usize, levels: usize) -> Pyramid {
    debug_assert!(first < levels);
    let (mut image, mut level) = if first == 0 {
        (GreyF32::from_plane(plane), 0)
    } else {
        (GreyF32::downsample_plane(plane), 1)
    };
    let mut kept = Vec::with_capacity(levels - first);
    loop {
        let next = (level + 1 < levels).then(|| image.downsample());
        if level >= first {
            kept.push(image);
        }
        match next {
            Some(next) => (image, level) = (next, level + 1),
            None => return Pyramid { first, kept },
        }
    }
}

#[cfg(test)]
mod tests;
