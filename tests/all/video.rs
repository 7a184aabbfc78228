//! Video in and out through the real `ghostlines` binary and Debian's
//! ffmpeg (installed by scripts/setup.sh): ffmpeg pipelines in and out,
//! YUV4MPEG2 converted as ffmpeg converts it, streams in constant memory,
//! and bad streams refused with what was done.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ghostlines::video::Source;
use ghostlines_core as core_;

fn orbit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/orbit.gif")
}

/// Runs ffmpeg (quiet), panicking with its stderr if it fails.
fn ffmpeg(args: &[&dyn AsRef<std::ffi::OsStr>]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// (frames, width, height) of a video, counted by ffprobe.
fn probe(path: &Path) -> (usize, u32, u32) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=nb_read_frames,width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let fields: Vec<_> = text.trim().split(',').collect();
    (
        fields[2].parse().unwrap(),
        fields[0].parse().unwrap(),
        fields[1].parse().unwrap(),
    )
}

/// Every frame of a video as RGBA8, by ffmpeg.
fn rgba_frames(path: &Path, (w, h): (u32, u32)) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
        .chunks(w as usize * h as usize * 4)
        .map(<[u8]>::to_vec)
        .collect()
}

/// ffmpeg's RGBA frames of `path` as frames of `size`.
pub(crate) fn clip_frames(path: &Path, (width, height): (u32, u32)) -> Vec<ghostlines::Frame> {
    rgba_frames(path, (width, height))
        .into_iter()
        .map(|pixels| ghostlines::Frame {
            width,
            height,
            pixels,
        })
        .collect()
}

/// `orbit.gif` as an H.264 MP4.
pub(crate) fn clip(dir: &Path) -> PathBuf {
    let clip = dir.join("clip.mp4");
    ffmpeg(&[
        &"-i",
        &orbit(),
        &"-c:v",
        &"libx264",
        &"-pix_fmt",
        &"yuv420p",
        &clip,
    ]);
    clip
}

/// The shell pipeline of the README: ffmpeg decodes `input` (as `format`),
/// ghostlines renders the sketch (strokes 3 pixels wide, so that they
/// survive H.264), ffmpeg
/// encodes `out`.
fn pipeline(input: &Path, format: &[&str], size_flag: Option<&str>, out: &Path) {
    let mut decode = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(format)
        .arg("-")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut render = crate::runner();
    render.args(["render", "-", "-o", "-", "--stroke-width", "3"]);
    if let Some(size) = size_flag {
        render.args(["--size", size]);
    }
    let mut render = render
        .stdin(decode.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let encode = Command::new("ffmpeg")
        .args([
            "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", "256x192", "-i", "-",
        ])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv444p", "-crf", "10"])
        .arg(out)
        .stdin(render.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(decode.wait().unwrap().success());
    let rendered = render.wait_with_output().unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    assert!(
        encode.status.success(),
        "{}",
        String::from_utf8_lossy(&encode.stderr)
    );
}

/// Red stroke pixels of each output frame lie where the scene moved: near
/// pixels that changed from the frame `back` frames before, the one the
/// interval reaches (the sketch's strokes start at sampled pixels that
/// changed and go along the centroid's motion).
fn assert_strokes_where_the_scene_moved(input: &[Vec<u8>], output: &[Vec<u8>], back: usize) {
    let (w, h) = (256usize, 192usize);
    let mut strokes = 0;
    for k in back..output.len() {
        let changed: Vec<bool> = (0..w * h)
            .map(|i| (0..3).any(|c| input[k][i * 4 + c].abs_diff(input[k - back][i * 4 + c]) > 24))
            .collect();
        let near = |x: usize, y: usize| {
            let r = 12isize;
            (-r..=r).any(|dy| {
                (-r..=r).any(|dx| {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    (0..w as isize).contains(&nx)
                        && (0..h as isize).contains(&ny)
                        && changed[ny as usize * w + nx as usize]
                })
            })
        };
        for y in 0..h {
            for x in 0..w {
                let p = &output[k][(y * w + x) * 4..][..3];
                let red = i32::from(p[0]) - i32::from(p[1].max(p[2])) > 100;
                if red {
                    strokes += 1;
                    assert!(
                        near(x, y),
                        "frame {k}: a stroke at ({x}, {y}) where nothing moved"
                    );
                }
            }
        }
    }
    assert!(strokes > 200, "only {strokes} stroke pixels");
}

#[test]
fn ffmpeg_in_ghostlines_render_ffmpeg_out() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path());
    let input = rgba_frames(&clip, (256, 192));
    assert_eq!(input.len(), 16);
    // Raw RGBA in.
    let out = dir.path().join("raw.mp4");
    pipeline(
        &clip,
        &["-f", "rawvideo", "-pix_fmt", "rgba"],
        Some("256x192"),
        &out,
    );
    assert_eq!(probe(&out), (16, 256, 192));
    // Raw frames come at 25 a second: the 200 ms interval is five back.
    assert_strokes_where_the_scene_moved(&input, &rgba_frames(&out, (256, 192)), 5);
    // YUV4MPEG2 in: the header gives the size, and the clip's 12.5 frames
    // a second: three back.
    let out = dir.path().join("y4m.mp4");
    pipeline(&clip, &["-f", "yuv4mpegpipe"], None, &out);
    assert_eq!(probe(&out), (16, 256, 192));
    assert_strokes_where_the_scene_moved(&input, &rgba_frames(&out, (256, 192)), 3);
}

/// ghostlines' YUV4MPEG2 frames against ffmpeg's own RGBA of the same
/// stream (`orbit.gif` through ffmpeg's yuv444p and yuv420p): in 4:4:4
/// within 1 level (mean 0.002), in 4:2:0 within 3 (mean 1.45). Neither is
/// at sharp chroma edges only: ffmpeg's unscaled 4:2:0 path converts
/// through 8-bit lookup tables, while the same conversion from 4:4:4
/// agrees with ours to a level; its chroma is not interpolated (bilinear
/// upsampling was further from it, mean 2.3 and worst 27).
#[test]
fn y4m_converts_as_ffmpeg_does() {
    let dir = tempfile::tempdir().unwrap();
    for (pix_fmt, worst_allowed, mean_allowed) in [("yuv444p", 1, 0.01), ("yuv420p", 3, 1.5)] {
        let y4m = dir.path().join(format!("{pix_fmt}.y4m"));
        ffmpeg(&[
            &"-i",
            &orbit(),
            &"-pix_fmt",
            &pix_fmt,
            &"-f",
            &"yuv4mpegpipe",
            &y4m,
        ]);
        let reference = rgba_frames(&y4m, (256, 192));
        let mut source =
            Source::open(std::slice::from_ref(&y4m), None, core_::FrameRate::DEFAULT).unwrap();
        assert_eq!(source.size(), (256, 192));
        let (mut sum, mut count, mut worst) = (0u64, 0u64, 0u8);
        let mut frames = 0;
        while let Some(timed) = source.next_frame().unwrap() {
            let want = &reference[frames];
            for (got, want) in timed.frame.pixels.chunks(4).zip(want.chunks(4)) {
                let diff = (0..3).map(|c| got[c].abs_diff(want[c])).max().unwrap();
                sum += u64::from(diff);
                count += 1;
                worst = worst.max(diff);
            }
            frames += 1;
        }
        assert_eq!(frames, 16);
        let mean = sum as f64 / count as f64;
        println!("{pix_fmt}: mean difference {mean:.3} levels, worst {worst}");
        assert!(worst <= worst_allowed, "{pix_fmt}: worst {worst}");
        assert!(mean <= mean_allowed, "{pix_fmt}: mean {mean}");
    }
}

/// The frames of `orbit.gif`, as ghostlines reads them.
pub(crate) fn orbit_frames() -> Vec<ghostlines::Frame> {
    let mut source = Source::open(&[orbit()], None, core_::FrameRate::DEFAULT).unwrap();
    std::iter::from_fn(|| source.next_frame().unwrap())
        .map(|timed| timed.frame)
        .collect()
}

#[test]
fn a_cut_stream_keeps_what_was_done_and_says_how_much() {
    let frames = orbit_frames();
    let mut stream: Vec<u8> = frames[..5].iter().flat_map(|f| f.pixels.clone()).collect();
    // Half of a sixth frame.
    stream.extend(&frames[5].pixels[..frames[5].pixels.len() / 2]);
    let mut render = crate::runner()
        .args(["render", "-", "--size", "256x192", "-o", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = render.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&stream));
    let out = render.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the stream ended inside frame 5 (98304 of its 196608 bytes); 5 whole frames came before it"),
        "{stderr}"
    );
    // The five frames before it were drawn and written whole.
    assert_eq!(out.stdout.len(), 5 * 256 * 192 * 4);
    // A --size that does not divide the stream (a GIF file's bytes, read
    // as raw 300x200 frames): the same, and the lines before stay.
    let bytes = std::fs::metadata(orbit()).unwrap().len() as usize;
    let (frame, whole) = (300 * 200 * 4, bytes / (300 * 200 * 4));
    let out = crate::runner()
        .args(["motion", "-", "--size", "300x200", "--json", "-"])
        .stdin(Stdio::from(std::fs::File::open(orbit()).unwrap()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let cut = format!(
        "the stream ended inside frame {whole} ({} of its {frame} bytes); {whole} whole frames came before it",
        bytes % frame
    );
    assert!(stderr.contains(&cut), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1 + whole);
    assert_eq!(lines[whole]["index"], whole - 1);
}

#[test]
fn unsupported_and_oversized_inputs_are_refused_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let refuse = |input: &Path, want: &str| {
        let out_dir = dir.path().join("out");
        let out = crate::runner()
            .arg("render")
            .arg(input)
            .arg("-o")
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{stderr}");
        assert!(!out_dir.exists(), "no output for a refused input");
    };
    // 4:2:2, straight from ffmpeg.
    let y422 = dir.path().join("422.y4m");
    ffmpeg(&[
        &"-i",
        &orbit(),
        &"-pix_fmt",
        &"yuv422p",
        &"-f",
        &"yuv4mpegpipe",
        &y422,
    ]);
    refuse(&y422, "colourspace C422 is not supported");
    // Interlaced.
    let interlaced = dir.path().join("interlaced.y4m");
    let mut bytes = b"YUV4MPEG2 W4 H4 It C420jpeg\nFRAME\n".to_vec();
    bytes.extend([128u8; 24]);
    std::fs::write(&interlaced, bytes).unwrap();
    refuse(&interlaced, "interlaced streams (It) are not supported");
    // A GIF over the frame limits: 20000 pixels wide.
    let wide = dir.path().join("wide.gif");
    {
        let mut encoder =
            image::codecs::gif::GifEncoder::new(std::fs::File::create(&wide).unwrap());
        let frame = image::RgbaImage::from_pixel(20_000, 1, image::Rgba([9, 9, 9, 255]));
        encoder.encode_frame(image::Frame::new(frame)).unwrap();
    }
    refuse(&wide, "over the decoding limits");
    // Nothing at all on standard input, with or without --size (the
    // command before the pipe failed: ffmpeg's yuv4mpegpipe refuses an
    // RGB source without -pix_fmt yuv420p): said, for both commands.
    for (command, flags) in [
        ("render", &["-o", "-"][..]),
        ("motion", &["--json", "-"][..]),
    ] {
        for size in [&[][..], &["--size", "8x8"][..]] {
            let out = crate::runner()
                .args([command, "-"])
                .args(flags)
                .args(size)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(!out.status.success(), "{command} {size:?}");
            assert!(out.stdout.is_empty(), "{command} {size:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("standard input is empty: no frame came"),
                "{stderr}"
            );
        }
    }
}

/// Bytes that once panicked the reader (a header word that splits inside
/// a UTF-8 character), mono, and streams cut inside a FRAME line: each a
/// typed refusal that says where, from standard input and from a file,
/// for `motion` and `render`, never a panic.
#[test]
fn any_yuv4mpeg2_bytes_give_frames_or_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let frame = |planes: usize| [b"FRAME\n".to_vec(), vec![128u8; planes]].concat();
    let cases: [(Vec<u8>, Option<&str>); 4] = [
        // An unknown tag of non-ASCII bytes is an extension: ignored.
        (b"YUV4MPEG2 W4 H4 \xc3\xa9x\n".to_vec(), None),
        (
            b"YUV4MPEG2 W\xc3\xa9 H4\n".to_vec(),
            Some("YUV4MPEG2 header, byte 10: bad width \"\u{e9}\""),
        ),
        (
            [&b"YUV4MPEG2 W4 H4 Cmono\n"[..], &frame(16)].concat(),
            Some("YUV4MPEG2 header, byte 16: monochrome streams (Cmono) are not supported"),
        ),
        (
            [
                &b"YUV4MPEG2 W4 H4 C420jpeg\n"[..],
                &frame(24),
                &frame(24),
                b"FRA",
            ]
            .concat(),
            Some(
                "the stream ended inside frame 2 (3 of its 30 bytes); 2 whole frames came before it",
            ),
        ),
    ];
    for (bytes, refusal) in cases {
        let file = dir.path().join("input.y4m");
        std::fs::write(&file, &bytes).unwrap();
        for args in [
            &["motion", "-", "--json", "-"][..],
            &["render", "-", "-o", "-"],
            &["motion", file.to_str().unwrap(), "--json", "-"],
        ] {
            let out = crate::output_with_stdin(crate::runner().args(args), bytes.clone());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_ne!(out.status.code(), Some(101), "{args:?}: a panic\n{stderr}");
            match refusal {
                None => assert!(out.status.success(), "{args:?}: {stderr}"),
                Some(reason) => {
                    assert_eq!(out.status.code(), Some(1), "{args:?}");
                    assert!(stderr.contains(reason), "{args:?}: {stderr}");
                }
            }
        }
    }
    // Mono straight from ffmpeg.
    let mono = dir.path().join("mono.y4m");
    ffmpeg(&[
        &"-i",
        &orbit(),
        &"-pix_fmt",
        &"gray",
        &"-f",
        &"yuv4mpegpipe",
        &mono,
    ]);
    let out = crate::runner()
        .args(["render", mono.to_str().unwrap(), "-o", "-"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("monochrome streams (Cmono) are not supported"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn motion_on_a_stream_writes_a_line_a_frame_as_each_is_done() {
    let frames = orbit_frames();
    let mut motion = crate::runner()
        .args([
            "motion", "-", "--size", "256x192", "--json", "-", "--seed", "5",
            // The GIF's own rate, 80 ms a frame.
            "--fps", "12.5",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = motion.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(motion.stdout.take().unwrap());
    let mut line = String::new();
    let mut read_line = |line: &mut String| {
        line.clear();
        std::io::BufRead::read_line(&mut lines, line).unwrap();
        serde_json::from_str::<serde_json::Value>(line).unwrap()
    };
    // Each frame's line comes before the next frame is sent (the first
    // line too waits for the first bytes: they tell a YUV4MPEG2 stream
    // from raw RGBA).
    let mut streamed = Vec::new();
    for (k, frame) in frames.iter().enumerate() {
        stdin.write_all(&frame.pixels).unwrap();
        stdin.flush().unwrap();
        if k == 0 {
            read_line(&mut line);
            assert_eq!(line, "{\"version\":1,\"width\":256,\"height\":192}\n");
        }
        streamed.push(read_line(&mut line));
    }
    drop(stdin);
    assert!(motion.wait().unwrap().success());
    // The same objects as the report of the whole sequence.
    let whole = crate::runner()
        .arg("motion")
        .arg(orbit())
        .args(["--json", "-", "--seed", "5"])
        .output()
        .unwrap();
    let whole: serde_json::Value = serde_json::from_slice(&whole.stdout).unwrap();
    assert_eq!(serde_json::Value::Array(streamed), whole["frames"]);
}

#[test]
fn a_ten_thousand_frame_stream_does_not_grow_the_process() {
    let (w, h) = (64usize, 48usize);
    let mut render = crate::runner()
        .args([
            "render",
            "-",
            "--size",
            "64x48",
            "-o",
            "-",
            "--persistence",
            "0.7",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = render.id();
    let mut stdout = render.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buffer = vec![0u8; 1 << 16];
        let mut total = 0usize;
        loop {
            match stdout.read(&mut buffer) {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    });
    let mut stdin = render.stdin.take().unwrap();
    let mut frame = vec![0u8; w * h * 4];
    let mut at_1000 = 0;
    for k in 0..10_000usize {
        // A bright square moving across a dark field.
        frame.fill(20);
        let (x0, y0) = (k % (w - 8), (k / 7) % (h - 8));
        for y in y0..y0 + 8 {
            frame[(y * w + x0) * 4..(y * w + x0 + 8) * 4].fill(230);
        }
        stdin.write_all(&frame).unwrap();
        if k == 1000 {
            stdin.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(200));
            at_1000 = crate::rss_kib(pid);
        }
    }
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let at_10000 = crate::rss_kib(pid);
    drop(stdin);
    assert!(render.wait().unwrap().success());
    assert_eq!(reader.join().unwrap(), 10_000 * w * h * 4);
    println!("resident: {at_1000} KiB at frame 1000, {at_10000} KiB at frame 10000");
    assert!(
        at_10000 * 10 <= at_1000 * 11,
        "grew from {at_1000} to {at_10000} KiB"
    );
}

/// The README's main command, as written, on the bundled real clip: it
/// writes the JSON, the SVG and the drawn ghost lines as an animated GIF
/// timed as the clip is, says so in a line for each, and the README's
/// picture is frame 12 of that GIF.
#[test]
fn the_main_command_writes_and_says_what_it_wrote_and_the_readme_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let main = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release -- motion samples/box.gif"))
        .expect("the README's main command");
    let args: Vec<&str> = main.split_whitespace().skip(4).collect();
    std::fs::create_dir_all(dir.path().join("samples")).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/box.gif");
    std::fs::copy(&sample, dir.path().join("samples/box.gif")).unwrap();
    let out = crate::runner()
        .args(&args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stderr);
    let report: ghostlines_core::MotionReport =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/motion.json")).unwrap())
            .unwrap();
    let vectors: usize = report.frames.iter().map(|f| f.vectors.len()).sum();
    for (file, what) in [
        ("out/motion.json", "the motion JSON"),
        (
            "out/motion.svg",
            "every frame's vectors over the last frame, SVG",
        ),
        ("out/ghost-lines.gif", "the ghost lines drawn, animated GIF"),
    ] {
        let line = format!("wrote {file}: {what}, 24 frames, {vectors} vectors");
        assert!(said.lines().any(|l| l == line), "{line} in {said}");
    }
    // The GIF has every frame, timed as the clip is (100 ms each).
    let mut drawn = Source::open(
        &[dir.path().join("out/ghost-lines.gif")],
        None,
        core_::FrameRate::DEFAULT,
    )
    .unwrap();
    let frames: Vec<_> = std::iter::from_fn(|| drawn.next_frame().unwrap()).collect();
    assert_eq!(frames.len(), 24);
    assert!(
        frames
            .iter()
            .enumerate()
            .all(|(k, f)| f.time == 100.0 * k as f64)
    );
    // The README's picture: frame 12, as the GIF holds it.
    let picture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ghost-lines.png");
    let shown = &frames[12].frame;
    if std::env::var_os("REGENERATE").is_some() {
        ghostlines::files::write_frame(&picture, shown).unwrap();
    }
    let committed = ghostlines::files::read_frame(&picture, None).unwrap();
    assert!(
        committed.pixels == shown.pixels,
        "docs/ghost-lines.png is not frame 12 (REGENERATE=1 rewrites it)"
    );
    // Red strokes where the box moved: the sketch's picture.
    let red = shown
        .pixels
        .chunks(4)
        .filter(|p| i32::from(p[0]) - i32::from(p[1].max(p[2])) > 100)
        .count();
    assert!(red > 100, "{red} red pixels");
}

/// The shell command in `doc` (repository-relative) whose first line
/// starts with `start`, continuation lines joined, run by `sh` in `dir`
/// (which holds `clip.mp4`) with the example server's address and the
/// clip's size replaced by this test's; the command as documented, and its
/// standard output.
fn documented_command(doc: &str, start: &str, dir: &Path, server: &str) -> (String, Vec<u8>) {
    documented_command_with(
        doc,
        start,
        dir,
        &[
            ("127.0.0.1:3000", server),
            ("width=640&height=360", "width=256&height=192"),
        ],
    )
}

/// As [`documented_command`], with these replacements, each of which must
/// occur exactly once; `$W` in the environment is the wasmtime CLI.
pub(crate) fn documented_command_with(
    doc: &str,
    start: &str,
    dir: &Path,
    replace: &[(&str, &str)],
) -> (String, Vec<u8>) {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(doc))
        .unwrap();
    let first = text
        .find(&format!("\n{start}"))
        .unwrap_or_else(|| panic!("{doc} has a command starting {start:?}"));
    let mut command = String::new();
    for line in text[first + 1..].lines() {
        match line.strip_suffix('\\') {
            Some(part) => command.push_str(part),
            None => {
                command.push_str(line);
                break;
            }
        }
    }
    let mut here = command.clone();
    for (from, to) in replace {
        assert_eq!(here.matches(from).count(), 1, "{from} in {command}");
        here = here.replace(from, to);
    }
    let out = Command::new("sh")
        .args(["-c", &here])
        .env("H", "content-type: application/octet-stream")
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{here}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (command, out.stdout)
}

/// The mode a documented query asks for.
fn mode_in(command: &str) -> ghostlines_core::TrackerMode {
    let name = command
        .split("mode=")
        .nth(1)
        .unwrap()
        .split(['&', '\''])
        .next();
    ghostlines_core::TrackerMode::from_name(name.unwrap()).unwrap()
}

/// The README's stream over HTTP, the command exactly as written there:
/// ffmpeg decodes a clip to raw RGBA, curl streams it chunked to
/// `/motion/stream` of a running `ghostlines serve`, and the lines it
/// prints are core's for ffmpeg's frames.
#[test]
fn the_readmes_ffmpeg_and_curl_stream() {
    let server = crate::serve::Server::start(&["--quiet"]);
    the_readmes_stream_against(&server.addr);
}

/// The README's ffmpeg | curl stream against the server at `addr`
/// (`ghostlines serve` above, the stock `wasmtime serve` in
/// stock_wasmtime.rs): each line is core's for ffmpeg's frames.
pub(crate) fn the_readmes_stream_against(addr: &str) {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path());
    let start = "ffmpeg -i clip.mp4 -f rawvideo -pix_fmt rgba - | curl -N -X POST -T - ";
    let (command, out) = documented_command("README.md", start, dir.path(), addr);
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("{\"version\":1,\"width\":256,\"height\":192}")
    );
    // The mode the command asks for, over ffmpeg's own frames.
    let frames = clip_frames(&clip, (256, 192));
    assert_eq!(frames.len(), 16);
    for (index, report) in crate::cores_reports(&frames, mode_in(&command))
        .iter()
        .enumerate()
    {
        let want = serde_json::to_string(report).unwrap();
        assert_eq!(lines.next(), Some(want.as_str()), "frame {index}");
    }
    assert_eq!(lines.next(), None);
}

/// docs/http.md's `/render/stream` through curl: the drawn frames are
/// core's painter over ffmpeg's frames, byte for byte, and ffmpeg encodes
/// them.
#[test]
fn the_documented_render_stream() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path());
    let server = crate::serve::Server::start(&["--quiet"]);
    let start = "ffmpeg -i clip.mp4 -f rawvideo -pix_fmt rgba - \\\n  | curl -sN -X POST -T - -H \"$H\" -o drawn.rgba";
    let (command, _) = documented_command("docs/http.md", start, dir.path(), &server.addr);
    assert!(command.contains("mode=sparse&persistence=0.8"), "{command}");
    let drawn = std::fs::read(dir.path().join("drawn.rgba")).unwrap();
    let mut tracker = ghostlines_core::Tracker::new(ghostlines_core::TrackerSettings {
        mode: ghostlines_core::TrackerMode::sparse(),
        ..Default::default()
    })
    .unwrap();
    let mut painter = ghostlines_core::Painter::new(ghostlines_core::PainterSettings {
        persistence: 0.8,
        ..Default::default()
    })
    .unwrap();
    let mut want = Vec::new();
    for (k, frame) in rgba_frames(&clip, (256, 192)).iter().enumerate() {
        let view = ghostlines_core::Frame::new(256, 192, frame).unwrap();
        let time = Some(crate::stream_time(k));
        let mut drawn = Vec::new();
        core_::track_and_paint_into(&mut tracker, &mut painter, view, time, &mut drawn).unwrap();
        want.extend(drawn);
    }
    assert_eq!(drawn.len(), 16 * 256 * 192 * 4);
    assert!(drawn == want, "the drawn frames differ from core's");
    // The encode line after it, with the clip's size.
    let encode = "ffmpeg -f rawvideo -pix_fmt rgba -s 640x360 -i drawn.rgba drawn.mp4";
    let http =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/http.md"));
    assert!(http.unwrap().contains(encode));
    let (raw, mp4) = (dir.path().join("drawn.rgba"), dir.path().join("drawn.mp4"));
    ffmpeg(&[
        &"-f",
        &"rawvideo",
        &"-pix_fmt",
        &"rgba",
        &"-s",
        &"256x192",
        &"-i",
        &raw,
        &mp4,
    ]);
    assert_eq!(probe(&mp4), (16, 256, 192));
}

/// The README's video pipeline, exactly as written (the runner for `cargo
/// run --release --`, the clip's size for 640x360), on real footage: the
/// cup excerpt as an H.264 clip in, a video of every frame out, its ghost
/// lines red where the cup moved.
#[test]
fn the_readmes_video_pipeline_on_real_footage() {
    let dir = tempfile::tempdir().unwrap();
    let excerpt = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/footage/cup.gif");
    ffmpeg(&[
        &"-i",
        &excerpt,
        &"-c:v",
        &"libx264",
        &"-pix_fmt",
        &"yuv420p",
        &dir.path().join("clip.mp4"),
    ]);
    let runner = env!("CARGO_BIN_EXE_ghostlines");
    let (_, _) = documented_command_with(
        "README.md",
        "ffmpeg -i clip.mp4 -f yuv4mpegpipe - \\",
        dir.path(),
        &[("cargo run --release --", runner), ("640x360", "160x120")],
    );
    let video = dir.path().join("ghost-lines.mp4");
    let input = rgba_frames(&dir.path().join("clip.mp4"), (160, 120));
    let output = rgba_frames(&video, (160, 120));
    assert_eq!(output.len(), input.len());
    // Strokes through H.264's 4:2:0 are pink, not red: redder than the
    // grey picture by a clear margin, and where the scene moved.
    let reddish = |p: &[u8]| i32::from(p[0]) - i32::from(p[1].max(p[2])) > 40;
    let red: usize = output
        .iter()
        .map(|f| f.chunks(4).filter(|p| reddish(p)).count())
        .sum();
    assert!(
        red > 1000,
        "{red} reddish pixels in {} frames",
        output.len()
    );
}
