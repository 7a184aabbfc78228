use super::*;
use crate::greyscale::{GreyMethod, greyscale_owned};

fn grey_scene(width: u32, height: u32, shift: u32) -> Vec<u8> {
    let rgba = crate::synthetic_scene(width, height, shift);
    greyscale_owned(rgba, width, height, GreyMethod::MaxRgb).unwrap()
}

#[test]
fn flo_files_are_exact_bytes_and_read_back() {
    let field = FlowField {
        width: 2,
        height: 1,
        u: vec![1.5, -0.25],
        v: vec![0.0, 2.0],
    };
    let bytes = field.to_flo();
    let mut expected = b"PIEH".to_vec();
    expected.extend_from_slice(&[2, 0, 0, 0, 1, 0, 0, 0]);
    for value in [1.5f32, 0.0, -0.25, 2.0] {
        expected.extend_from_slice(&value.to_le_bytes());
    }
    assert_eq!(bytes, expected);
    // The tag is the float the format names.
    assert_eq!(f32::from_le_bytes(FLO_MAGIC), 202021.25);
    assert_eq!(FlowField::from_flo(&bytes).unwrap(), field);
    for bad in [
        &bytes[..11],
        &bytes[..bytes.len() - 1],
        b"PIEX\x02\0\0\0\x01\0\0\0",
    ] {
        let e = FlowField::from_flo(bad).unwrap_err();
        assert_eq!(e.kind(), "invalid-parameter", "{e}");
    }
    let mut huge = b"PIEH".to_vec();
    huge.extend_from_slice(&[0, 0x40, 0, 0, 0, 0x40, 0, 0]);
    assert!(
        FlowField::from_flo(&huge)
            .unwrap_err()
            .to_string()
            .contains("limit")
    );
}

#[test]
fn the_default_presets_are_named_for_what_they_are() {
    assert_eq!(
        FieldSettings::preset(FieldSettings::DEFAULT_PRESET),
        Ok(FieldSettings::default())
    );
    let crate::TrackerMode::Field { settings, .. } = crate::TrackerMode::field() else {
        panic!("field() is field mode");
    };
    assert_eq!(
        FieldSettings::preset(crate::TrackerMode::FIELD_PRESET),
        Ok(settings)
    );
    assert!(FieldSettings::preset("slow").is_err());
}

#[test]
fn settings_sizes_and_limits_are_refused_with_typed_errors() {
    let values = vec![0u8; 64 * 48];
    let plane = Plane::new(64, 48, &values).unwrap();
    let other = Plane::new(48, 64, &values).unwrap();
    let settings = FieldSettings::default();
    assert!(matches!(
        flow_field(plane, other, &settings, None),
        Err(Error::SizeMismatch { .. })
    ));
    for bad in [
        FieldSettings {
            patch: 3,
            ..settings
        },
        FieldSettings {
            stride: 9,
            ..settings
        },
        FieldSettings {
            iterations: 0,
            ..settings
        },
        FieldSettings {
            finest_level: 7,
            ..settings
        },
        FieldSettings {
            refinement: 33,
            ..settings
        },
        FieldSettings {
            fine_refinement: 33,
            ..settings
        },
        FieldSettings {
            finest_level: 0,
            ..FieldSettings::BALANCED
        },
    ] {
        let e = flow_field(plane, plane, &bad, None).unwrap_err();
        assert_eq!(e.kind(), "invalid-parameter", "{e}");
    }
    // A frame smaller than a patch has no patch to search.
    let tiny = Plane::new(7, 48, &values[..7 * 48]).unwrap();
    let e = flow_field(tiny, tiny, &settings, None).unwrap_err();
    assert!(e.to_string().contains("at least 8 pixels a side"), "{e}");
    // A field of 2^23 + 1 pixels would be 64 MiB and more.
    let side = 4097;
    let big = vec![0u8; side * 2049];
    let plane = Plane::new(side as u32, 2049, &big).unwrap();
    assert!(matches!(
        flow_field(plane, plane, &settings, None),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn a_shifted_scene_moves_every_pixel_by_the_shift() {
    let (w, h) = (160, 120);
    let a = grey_scene(w, h, 0);
    let b = grey_scene(w, h, 3);
    let (pa, pb) = (Plane::new(w, h, &a).unwrap(), Plane::new(w, h, &b).unwrap());
    for settings in [
        FieldSettings::FAST,
        FieldSettings::BALANCED,
        FieldSettings::MEDIUM,
    ] {
        let field = flow_field(pa, pb, &settings, None).unwrap();
        assert_eq!((field.width, field.height), (w, h));
        // The scene shifts right by 3 px; inside a border of 16 px.
        let mut errors = Vec::new();
        for y in 16..h - 16 {
            for x in 16..w - 16 {
                let (u, v) = field.at(x, y);
                errors.push(((u - 3.0).powi(2) + v.powi(2)).sqrt());
            }
        }
        errors.sort_by(f32::total_cmp);
        let median = errors[errors.len() / 2];
        assert!(median < 0.1, "{settings:?}: median error {median}");
    }
}

#[test]
fn still_frames_have_no_motion_and_a_guess_is_resized() {
    let (w, h) = (96, 64);
    let a = grey_scene(w, h, 0);
    let plane = Plane::new(w, h, &a).unwrap();
    let field = flow_field(plane, plane, &FieldSettings::FAST, None).unwrap();
    assert!(field.u.iter().chain(&field.v).all(|d| d.abs() < 1e-3));
    let guess = FlowField {
        width: 2,
        height: 2,
        u: vec![2.0; 4],
        v: vec![-1.0; 4],
    };
    let resized = guess.resized(8, 4);
    assert!(resized.u.iter().all(|&u| u == 8.0) && resized.v.iter().all(|&v| v == -2.0));
}

#[test]
fn the_colour_coding_is_middleburys() {
    // Right, down, left, up at full length, and no motion.
    let field = FlowField {
        width: 5,
        height: 1,
        u: vec![1.0, 0.0, -1.0, 0.0, 0.0],
        v: vec![0.0, 1.0, 0.0, -1.0, 0.0],
    };
    let rgba = field.colour_coded(Some(1.0));
    let pixel = |i: usize| {
        [
            rgba[4 * i],
            rgba[4 * i + 1],
            rgba[4 * i + 2],
            rgba[4 * i + 3],
        ]
    };
    // flowToColor's colours for these directions.
    assert_eq!(pixel(0), [255, 0, 0, 255]);
    assert_eq!(pixel(2), [0, 209, 255, 255]);
    assert_eq!(pixel(4), [255, 255, 255, 255]);
    let (down, up) = (pixel(1), pixel(3));
    assert!(down[1] > 150 && down[2] < 60, "{down:?}");
    assert!(up[2] > 200 && up[1] < 60, "{up:?}");
    // Past the saturation length, darker.
    let long = FlowField {
        width: 1,
        height: 1,
        u: vec![2.0],
        v: vec![0.0],
    };
    assert_eq!(long.colour_coded(Some(1.0))[..3], [191, 0, 0]);
}

#[test]
fn a_field_resized_between_levels_lands_where_the_pyramid_puts_its_pixels() {
    // The pyramid keeps pixel (2x, 2y) of the blurred level below, with
    // odd sides rounded up (741 -> 371 -> 186). A level's field that moves
    // each pixel by a tenth of its position, taken down two levels, moves
    // each full-size pixel by a tenth of its own: the scale exactly 4 and
    // no half-pixel shift (the old pixel-centre mapping was off by 1.5 px
    // here, 0.15 px of displacement).
    let (width, height) = (741u32, 500u32);
    let (cw, ch) = (
        width.div_ceil(2).div_ceil(2),
        height.div_ceil(2).div_ceil(2),
    );
    assert_eq!((cw, ch), (186, 125));
    let mut coarse = FlowField::zeros(cw, ch);
    for y in 0..ch {
        for x in 0..cw {
            let i = (y * cw + x) as usize;
            (coarse.u[i], coarse.v[i]) = (0.1 * x as f32, -0.1 * y as f32);
        }
    }
    let fine = coarse.resized(width, height);
    for (x, y) in [(0, 0), (1, 3), (400, 250), (737, 493), (740, 496)] {
        let (u, v) = fine.at(x, y);
        assert!((u - 0.1 * x as f32).abs() < 1e-3, "u at ({x}, {y}): {u}");
        assert!((v + 0.1 * y as f32).abs() < 1e-3, "v at ({x}, {y}): {v}");
    }
    // Past the last coarse row (full-size rows 497..=499) the border is
    // replicated.
    assert!((fine.at(740, 499).1 + 49.6).abs() < 1e-3);
    // And back up: every fourth pixel, displacements a quarter.
    let back = fine.resized(cw, ch);
    for (a, b) in back
        .u
        .iter()
        .zip(&coarse.u)
        .chain(back.v.iter().zip(&coarse.v))
    {
        assert!((a - b).abs() < 1e-3, "{a} against {b}");
    }
    // Sides the pyramid does not relate scale by their ratio.
    assert_eq!(scale(100, 300), 3.0);
    assert_eq!(scale(741, 186), 0.25);
    assert_eq!(scale(186, 741), 4.0);
}

#[test]
fn an_upsampled_field_equals_its_bilinear_taps_pixel_by_pixel() {
    // Two and four times (a level to the next, the fast presets' field to
    // the frame) take a path of their own, a register of source columns
    // at a time; it must give every pixel, the border's included, the
    // value the taps give it one at a time.
    for ((sw, sh), (w, h)) in [
        ((160, 120), (640, 480)),
        ((186, 125), (741, 500)),
        ((7, 5), (13, 9)),
        ((3, 2), (5, 4)),
        ((161, 9), (321, 17)),
        ((40, 30), (80, 60)),
        ((5, 3), (9, 6)),
    ] {
        let mut seed = 0x51_7cc1_b727_220au64 ^ (sw * 131 + w) as u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 24) as f32 * 8.0 - 4.0
        };
        let mut field = FlowField::zeros(sw, sh);
        for value in field.u.iter_mut().chain(field.v.iter_mut()) {
            *value = next();
        }
        let out = field.resized(w, h);
        let (along_x, along_y) = (scale(sw, w), scale(sh, h));
        let (columns, rows) = (taps(w, sw, along_x), taps(h, sh, along_y));
        for (plane, source, factor) in [(&out.u, &field.u, along_x), (&out.v, &field.v, along_y)] {
            for (y, &(y0, y1, fy)) in rows.iter().enumerate() {
                for (x, &(x0, x1, fx)) in columns.iter().enumerate() {
                    let blend = |x: usize| {
                        let (t, d) = (source[y0 * sw as usize + x], source[y1 * sw as usize + x]);
                        (t + fy * (d - t)) * factor
                    };
                    let (left, right) = (blend(x0), blend(x1));
                    let want = left + fx * (right - left);
                    let got = plane[y * w as usize + x];
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "{sw}x{sh} -> {w}x{h} at ({x}, {y})"
                    );
                }
            }
        }
    }
}

#[test]
fn the_coarsest_level_is_the_one_opencvs_dis_chooses() {
    // dis_flow.cpp: min(⌊log2(longer / (4·patch)) + 0.5⌋, ⌊log2(shorter /
    // patch)⌋), counted from full resolution; then at least the finest
    // level searched, while a level still holds a patch.
    let levels = |w: u32, h: u32, patch: u32, finest_level: u32| {
        let settings = FieldSettings {
            patch,
            finest_level,
            ..FieldSettings::FAST
        };
        level_count(w, h, &settings)
    };
    assert_eq!(levels(640, 480, 8, 2), 5);
    assert_eq!(
        levels(480, 640, 8, 2),
        5,
        "the longer side, whichever it is"
    );
    assert_eq!(levels(320, 240, 8, 2), 4);
    // The stereo pair: one level more than a rule on the shorter side.
    assert_eq!(levels(741, 500, 8, 2), 6);
    assert_eq!(levels(741, 500, 6, 2), 6);
    assert_eq!(levels(1920, 1080, 8, 2), 7);
    // A wide strip: the shorter side bounds it.
    assert_eq!(levels(2048, 64, 8, 0), 4);
    // Below four patches across: the finest level searched, if it fits.
    assert_eq!(levels(16, 16, 8, 2), 2);
    assert_eq!(levels(16, 16, 8, 0), 1);
}

/// A patch warped inside the frame is, bit for bit, each pixel's four
/// taps weighed as the border path weighs them, for every side a patch
/// may have mod 4 (a row's last register overlaps the one before it when
/// the side is not a multiple of four).
#[test]
fn a_warped_patch_is_each_pixels_bilinear_taps() {
    let (w, h) = (40usize, 30usize);
    let image = GreyF32 {
        width: w,
        height: h,
        data: (0..w * h)
            .map(|i| ((i * 7919) % 251) as f32 * 0.75)
            .collect(),
    };
    for patch in 4..=9 {
        for (x, y) in [(3.25f32, 5.5f32), (10.0, 2.125), (20.875, 11.0625)] {
            let mut out = vec![f32::NAN; patch * patch];
            search::warp_patch(&image, x, y, patch, &mut out);
            let (fx, fy) = (x - x.floor(), y - y.floor());
            let (a, b, c, d) = (
                (1.0 - fx) * (1.0 - fy),
                fx * (1.0 - fy),
                (1.0 - fx) * fy,
                fx * fy,
            );
            for row in 0..patch {
                for col in 0..patch {
                    let (sx, sy) = (
                        x.floor() as isize + col as isize,
                        y.floor() as isize + row as isize,
                    );
                    let want = a * image.at(sx, sy)
                        + b * image.at(sx + 1, sy)
                        + c * image.at(sx, sy + 1)
                        + d * image.at(sx + 1, sy + 1);
                    let got = out[row * patch + col];
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "patch {patch} at ({x}, {y}), pixel ({col}, {row})"
                    );
                }
            }
        }
    }
}

/// Densification four columns at a time is, bit for bit, each pixel's
/// displacements weighed one by one (1 / max(1, |I1(x + u) − I0(x)|)), for
/// every side a patch may have mod 4 and overlapping patches.
#[test]
fn densified_pixels_are_their_patches_weighed_one_by_one() {
    let (w, h) = (23usize, 19usize);
    let image = |seed: usize| GreyF32 {
        width: w,
        height: h,
        data: (0..w * h)
            .map(|i| ((i * 7919 + seed) % 251) as f32 * 0.5)
            .collect(),
    };
    let (previous, current) = (image(3), image(101));
    for patch in 4..=9 {
        let stride = (patch / 2).max(1);
        let mut patches = Vec::new();
        for y in search::starts(h, patch, stride) {
            for x in search::starts(w, patch, stride) {
                let (u, v) = ((x % 5) as f32 * 0.375 - 0.5, (y % 3) as f32 * 0.625 - 0.25);
                patches.push(search::Patch { x, y, u, v });
            }
        }
        let field = densify::densify(&previous, &current, &patches, patch);
        let (mut su, mut sv, mut sw) = (
            vec![0.0f32; w * h],
            vec![0.0f32; w * h],
            vec![0.0f32; w * h],
        );
        let mut warped = vec![0.0f32; patch * patch];
        for p in &patches {
            search::warp_patch(
                &current,
                p.x as f32 + p.u,
                p.y as f32 + p.v,
                patch,
                &mut warped,
            );
            for row in 0..patch {
                for col in 0..patch {
                    let i = (p.y + row) * w + p.x + col;
                    let error = (warped[row * patch + col] - previous.data[i]).abs();
                    let weight = 1.0 / if error > 1.0 { error } else { 1.0 };
                    su[i] += weight * p.u;
                    sv[i] += weight * p.v;
                    sw[i] += weight;
                }
            }
        }
        for i in 0..w * h {
            assert_eq!(
                field.u[i].to_bits(),
                (su[i] / sw[i]).to_bits(),
                "patch {patch}, u at {i}"
            );
            assert_eq!(
                field.v[i].to_bits(),
                (sv[i] / sw[i]).to_bits(),
                "patch {patch}, v at {i}"
            );
        }
    }
}

/// A guess that is not a number where it should be a displacement (NaN,
/// infinities) starts the search from no motion there: the field is
/// finite, and the same as from a guess of zeros.
#[test]
fn a_guess_that_is_not_a_number_is_no_motion() {
    let (w, h) = (64u32, 48u32);
    let (a, b) = (grey_scene(w, h, 0), grey_scene(w, h, 2));
    let (before, after) = (Plane::new(w, h, &a).unwrap(), Plane::new(w, h, &b).unwrap());
    let settings = FieldSettings::BALANCED;
    let zeros = FlowField::zeros(w, h);
    let mut bad = FlowField::zeros(w, h);
    bad.u.fill(f32::NAN);
    bad.v.fill(f32::INFINITY);
    let from_bad = flow_field(before, after, &settings, Some(&bad)).unwrap();
    assert!(from_bad.u.iter().chain(&from_bad.v).all(|x| x.is_finite()));
    assert_eq!(
        from_bad,
        flow_field(before, after, &settings, Some(&zeros)).unwrap()
    );
}

#[test]
fn a_guess_past_the_frames_size_is_held_to_it() {
    // Found by fuzzing (fuzz/fuzz_targets/core_field.rs): a guess of
    // -3.9e36 px, as a caller may pass one, overflowed the search's
    // arithmetic, and the field was not a number.
    let (w, h) = (64u32, 48u32);
    let (a, b) = (grey_scene(w, h, 0), grey_scene(w, h, 2));
    let (before, after) = (Plane::new(w, h, &a).unwrap(), Plane::new(w, h, &b).unwrap());
    for (u, v) in [
        (-3.925_377_7e36, 9.1e-41),
        (1e30, -1e38),
        (f32::MAX, f32::MIN),
    ] {
        let guess = FlowField {
            width: 1,
            height: 1,
            u: vec![u],
            v: vec![v],
        };
        for settings in [FieldSettings::BALANCED, FieldSettings::ULTRAFAST] {
            let field = flow_field(before, after, &settings, Some(&guess)).unwrap();
            assert!(
                field.u.iter().chain(&field.v).all(|d| d.is_finite()),
                "({u}, {v})"
            );
        }
    }
}

#[test]
fn a_guess_whose_size_is_not_its_values_is_refused() {
    // A field's parts are public; one made by hand may not be a field. A
    // guess of no size had `flow_field` halve a side of 0 forever, and one
    // short of values read past them.
    let (w, h) = (64u32, 48u32);
    let a = grey_scene(w, h, 0);
    let plane = Plane::new(w, h, &a).unwrap();
    let with = |width: u32, height: u32, u: usize, v: usize| FlowField {
        width,
        height,
        u: vec![0.5; u],
        v: vec![0.5; v],
    };
    for (guess, kind) in [
        (with(0, 0, 0, 0), "invalid-dimensions"),
        (with(0, 5, 0, 0), "invalid-dimensions"),
        (with(4, 4, 16, 15), "length-mismatch"),
        (with(4, 4, 12, 12), "length-mismatch"),
        (with(4, 4, 17, 16), "length-mismatch"),
        (with(u32::MAX, u32::MAX, 1, 1), "too-large"),
    ] {
        assert_eq!(guess.check().unwrap_err().kind(), kind);
        let e = flow_field(plane, plane, &FieldSettings::BALANCED, Some(&guess)).unwrap_err();
        assert_eq!(e.kind(), kind, "{e}");
    }
    // A field is one: any size within the limit, its values.
    let guess = with(5, 3, 15, 15);
    assert!(guess.check().is_ok());
    assert!(flow_field(plane, plane, &FieldSettings::BALANCED, Some(&guess)).is_ok());
}
