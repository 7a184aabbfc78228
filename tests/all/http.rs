//! The HTTP component in-process through `wasmtime-wasi-http` (the pattern
//! of spin-sdk's own tests): byte parity with `core` for every route, and
//! every row of the status table with its status and `kind`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use ghostlines::serve::{HttpHost, ServeLimits};
use ghostlines_core as core_;
use http_body_util::{BodyExt, Full};

use crate::in_process::{Answer, Paced, generated, host_with, runtime, send_to};
use crate::{photo, random_frame};

fn host() -> &'static Arc<HttpHost> {
    static HOST: OnceLock<Arc<HttpHost>> = OnceLock::new();
    HOST.get_or_init(|| HttpHost::new(ServeLimits::default()).expect("the HTTP component compiles"))
}

fn request(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> hyper::Request<Full<Bytes>> {
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(format!("http://localhost{uri}"));
    let mut has_length = false;
    for (k, v) in headers {
        has_length |= k.eq_ignore_ascii_case("content-length");
        builder = builder.header(*k, *v);
    }
    if !has_length {
        builder = builder.header("content-length", body.len());
    }
    builder.body(Full::new(Bytes::from(body))).unwrap()
}

fn call(method: &str, uri: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    runtime().block_on(send_to(host(), request(method, uri, headers, body)))
}

fn post(uri: &str, body: Vec<u8>) -> Answer {
    call(
        "POST",
        uri,
        &[("content-type", "application/octet-stream")],
        body,
    )
}

fn grey_of(frame: &ghostlines::Frame, method: core_::GreyMethod) -> Vec<u8> {
    core_::greyscale(
        core_::Frame::new(frame.width, frame.height, &frame.pixels).unwrap(),
        method,
    )
}

#[test]
fn greyscale_route_matches_core() {
    for (i, &(w, h)) in [(1u32, 1u32), (3, 5), (801, 601)].iter().enumerate() {
        let frame = random_frame(w, h, 100 + i as u64);
        for method in core_::GreyMethod::ALL {
            let answer = post(
                &format!("/greyscale?width={w}&height={h}&method={}", method.name()),
                frame.pixels.clone(),
            );
            assert_eq!(answer.status, 200);
            assert_eq!(
                answer.header("content-type"),
                Some("application/octet-stream")
            );
            assert_eq!(answer.header("x-width"), Some(w.to_string().as_str()));
            assert_eq!(answer.header("x-height"), Some(h.to_string().as_str()));
            assert!(
                answer.body == grey_of(&frame, method),
                "{w}x{h} {}",
                method.name()
            );
        }
    }
}

#[test]
fn png_in_and_png_out() {
    let photo = photo();
    let png = ghostlines::files::png_rgba(&photo).unwrap();
    let answer = call(
        "POST",
        "/greyscale?method=luma-bt601",
        &[("content-type", "image/png"), ("accept", "image/png")],
        png.clone(),
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("image/png"));
    let decoded = image::load_from_memory(&answer.body).unwrap();
    assert_eq!(decoded.color(), image::ColorType::L8);
    assert!(decoded.into_luma8().into_raw() == grey_of(&photo, core_::GreyMethod::LumaBt601));

    // PNG in, raw out, for adjust.
    let answer = call(
        "POST",
        "/adjust?contrast=40&brightness=-10",
        &[("content-type", "image/png")],
        png,
    );
    assert_eq!(answer.status, 200);
    let expected = core_::adjust_rgba(
        core_::Frame::new(photo.width, photo.height, &photo.pixels).unwrap(),
        &core_::Adjustment::new(40, -10).unwrap(),
    );
    assert!(answer.body == expected);
    assert_eq!(answer.header("x-width"), Some("1000"));
}

#[test]
fn adjust_route_matches_core() {
    let frame = random_frame(67, 45, 5);
    for (c, b) in [(0, 0), (50, 0), (-100, 255), (37, -80)] {
        let answer = post(
            &format!("/adjust?width=67&height=45&contrast={c}&brightness={b}"),
            frame.pixels.clone(),
        );
        assert_eq!(answer.status, 200);
        let expected = core_::adjust_rgba(
            core_::Frame::new(67, 45, &frame.pixels).unwrap(),
            &core_::Adjustment::new(c, b).unwrap(),
        );
        assert!(answer.body == expected, "contrast {c}, brightness {b}");
    }
    let answer = call(
        "POST",
        "/adjust?width=67&height=45&contrast=10&brightness=10",
        &[("accept", "image/png")],
        frame.pixels.clone(),
    );
    assert_eq!(answer.header("content-type"), Some("image/png"));
    let decoded = image::load_from_memory(&answer.body).unwrap().into_rgba8();
    assert_eq!(decoded.dimensions(), (67, 45));
}

#[test]
fn centroid_route_matches_core() {
    let frame = photo();
    let answer = post(
        "/centroid?width=1000&height=872&method=average",
        frame.pixels.clone(),
    );
    assert_eq!(answer.status, 200);
    let grey = grey_of(&frame, core_::GreyMethod::Average);
    let expected = core_::centroid(core_::Plane::new(1000, 872, &grey).unwrap()).unwrap();
    let json = answer.json();
    assert_eq!(json["x"].as_f64(), Some(expected.x));
    assert_eq!(json["y"].as_f64(), Some(expected.y));
    // All black: null.
    let answer = post("/centroid?width=2&height=2", vec![0; 16]);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, b"null");
}

#[test]
fn motion_route_matches_core() {
    let (a, b) = (random_frame(160, 120, 1), random_frame(160, 120, 2));
    let mut body = a.pixels.clone();
    body.extend_from_slice(&b.pixels);
    let answer = post(
        "/motion?width=160&height=120&threshold=0.3&samples=500&seed=9&method=lightness&contrast=20&brightness=-5",
        body.clone(),
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let mut tracker = core_::Tracker::new(core_::TrackerSettings {
        method: core_::GreyMethod::Lightness,
        contrast: 20,
        brightness: -5,
        threshold: 0.3,
        samples: 500,
        seed: 9,
        mode: core_::TrackerMode::Sketch,
        interval: 200.0,
    })
    .unwrap();
    tracker
        .push(core_::Frame::new(160, 120, &a.pixels).unwrap())
        .unwrap();
    let expected = tracker
        .push(core_::Frame::new(160, 120, &b.pixels).unwrap())
        .unwrap();
    let json = answer.json();
    assert_eq!(json["version"], 1);
    assert_eq!(
        (json["width"].as_u64(), json["height"].as_u64()),
        (Some(160), Some(120))
    );
    assert_eq!(json["index"], 1);
    let report: core_::FrameReport = serde_json::from_value(json).unwrap();
    assert_eq!(report, core_::FrameReport::new(1, expected));
    assert!(!report.vectors.is_empty());

    let answer = call(
        "POST",
        "/motion?width=160&height=120&threshold=0.3&samples=500&seed=9",
        &[("accept", "image/svg+xml")],
        body,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("image/svg+xml"));
    let svg = String::from_utf8(answer.body).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<path "));
}

#[test]
fn flow_route_answers_cores_field_as_flo_or_png() {
    let (w, h) = (96, 64);
    let a = core_::synthetic_scene(w, h, 0);
    let b = core_::synthetic_scene(w, h, 2);
    let body = [a.clone(), b.clone()].concat();
    let grey = |rgba: &[u8]| {
        core_::greyscale(
            core_::Frame::new(w, h, rgba).unwrap(),
            core_::GreyMethod::LumaBt601,
        )
    };
    let (ga, gb) = (grey(&a), grey(&b));
    let settings = core_::FieldSettings {
        stride: 2,
        ..core_::FieldSettings::FAST
    };
    let field = core_::flow_field(
        core_::Plane::new(w, h, &ga).unwrap(),
        core_::Plane::new(w, h, &gb).unwrap(),
        &settings,
        None,
    )
    .unwrap();
    let query = "/flow?width=96&height=64&method=luma-bt601&preset=fast&stride=2";
    let answer = post(query, body.clone());
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type(), "application/octet-stream");
    assert_eq!(
        (answer.header("x-width"), answer.header("x-height")),
        (Some("96"), Some("64"))
    );
    assert_eq!(answer.body, field.to_flo());
    // The scene moved 2 px right.
    let (u, v) = field.at(48, 32);
    assert!((u - 2.0).abs() < 0.1 && v.abs() < 0.1, "({u}, {v})");
    // Our own preset, its last refinement changed by name.
    let balanced = core_::flow_field(
        core_::Plane::new(w, h, &ga).unwrap(),
        core_::Plane::new(w, h, &gb).unwrap(),
        &core_::FieldSettings {
            fine_refinement: 3,
            ..core_::FieldSettings::BALANCED
        },
        None,
    )
    .unwrap();
    assert_ne!(balanced, field);
    let answer = post(
        "/flow?width=96&height=64&method=luma-bt601&preset=balanced&fine_refinement=3",
        body.clone(),
    );
    assert_eq!(answer.body, balanced.to_flo());

    let png = call(
        "POST",
        &format!("{query}&max_motion=4"),
        &[
            ("accept", "image/png"),
            ("content-type", "application/octet-stream"),
        ],
        body.clone(),
    );
    assert_eq!(png.content_type(), "image/png");
    let decoded = image::load_from_memory(&png.body).unwrap().to_rgba8();
    assert_eq!(decoded.into_raw(), field.colour_coded(Some(4.0)));

    for (bad, status, kind) in [
        (
            "/flow?width=96&height=64&preset=slow",
            400,
            "invalid-parameter",
        ),
        ("/flow?width=96&height=64&patch=3", 400, "invalid-parameter"),
        (
            "/flow?width=96&height=64&finest_level=0&fine_refinement=5",
            400,
            "invalid-parameter",
        ),
        (
            "/flow?width=96&height=64&max_motion=0",
            400,
            "invalid-parameter",
        ),
        ("/flow?width=96&height=64&speed=1", 400, "invalid-parameter"),
        ("/flow?width=96", 400, "invalid-parameter"),
        ("/flow?width=96&height=65", 400, "length-mismatch"),
        ("/flow?width=20000&height=64", 413, "too-large"),
    ] {
        let answer = post(bad, body.clone());
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (status, kind),
            "{bad}"
        );
    }
    let png_body = call(
        "POST",
        "/flow?width=96&height=64",
        &[("content-type", "image/png")],
        vec![0; 8],
    );
    assert_eq!(
        (png_body.status, png_body.kind().as_str()),
        (415, "unsupported-media-type")
    );
}

#[test]
fn edges_route_matches_core() {
    let frame = photo();
    let answer = post(
        "/edges?width=1000&height=872&method=luma-bt709&sigma=2&tolerance=1&gradient_step=32&operator=scharr",
        frame.pixels.clone(),
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let report: core_::EdgeReport = serde_json::from_slice(&answer.body).unwrap();
    let grey = grey_of(&frame, core_::GreyMethod::LumaBt709);
    let plane = core_::Plane::new(1000, 872, &grey).unwrap();
    let settings = core_::EdgeSettings {
        sigma: 2.0,
        tolerance: 1.0,
        ..Default::default()
    };
    let expected = core_::EdgeReport::new(
        1000,
        872,
        &core_::edge_polylines(plane, &settings).unwrap(),
        core_::gradient_field(plane, core_::GradientOperator::Scharr, 32).unwrap(),
    );
    assert_eq!(report, expected);
    assert_eq!(report.version, 1);
    assert!(!report.polylines.is_empty() && !report.gradients.is_empty());

    let answer = call(
        "POST",
        "/edges?width=1000&height=872&straight_only=true&min_length=10",
        &[("accept", "image/svg+xml")],
        frame.pixels,
    );
    assert_eq!(answer.header("content-type"), Some("image/svg+xml"));
    assert!(
        String::from_utf8(answer.body)
            .unwrap()
            .contains("<polyline ")
    );
    for bad in [
        "sigma=0",
        "low=30&high=20",
        "operator=prewitt",
        "straight_only=maybe",
        "gradient_step=-1",
    ] {
        let answer = post(&format!("/edges?width=1&height=1&{bad}"), vec![0; 4]);
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (400, "invalid-parameter"),
            "{bad}"
        );
    }
}

#[test]
fn motion_route_flow_modes() {
    // Two 240x180 crops of the photograph, the second taken 2 px right and
    // 1 px down: the scene moves by (-2, -1).
    let photo = photo();
    let (w, h) = (240u32, 180u32);
    let crop = |x0: u32, y0: u32| -> Vec<u8> {
        (0..h)
            .flat_map(|y| {
                let start = (((y0 + y) * photo.width + x0) * 4) as usize;
                photo.pixels[start..start + (w * 4) as usize].to_vec()
            })
            .collect()
    };
    let body = [crop(400, 300), crop(402, 301)].concat();
    for (query, count) in [
        ("mode=sparse&max_corners=80", None),
        ("mode=dense&step=20", Some(12 * 9)),
        ("mode=field&step=20&preset=medium", Some(12 * 9)),
    ] {
        let answer = post(
            &format!("/motion?width={w}&height={h}&{query}"),
            body.clone(),
        );
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let json = answer.json();
        let vectors = json["vectors"].as_array().unwrap();
        if let Some(count) = count {
            assert_eq!(vectors.len(), count);
        } else {
            assert!(!vectors.is_empty() && vectors.len() <= 80);
        }
        let tracked: Vec<_> = vectors
            .iter()
            .filter(|v| v["status"] == "tracked")
            .collect();
        assert!(tracked.len() >= 10, "{query}: {} tracked", tracked.len());
        let close = tracked
            .iter()
            .filter(|v| {
                let (dx, dy) = (v["dx"].as_f64().unwrap(), v["dy"].as_f64().unwrap());
                // The field's vectors are samples of it, with no residual.
                let residual = v["error"].as_f64().is_some() != query.starts_with("mode=field");
                (dx + 2.0).hypot(dy + 1.0) <= 0.25 && residual
            })
            .count();
        assert!(
            close * 100 >= tracked.len() * 95,
            "{query}: {close} of {}",
            tracked.len()
        );
    }
    // Sketch vectors carry no status.
    let answer = post(
        &format!("/motion?width={w}&height={h}&threshold=0.05"),
        body.clone(),
    );
    let json = answer.json();
    assert!(
        json["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.get("status").is_none())
    );
    for bad in [
        "mode=optical",
        "mode=dense&step=0",
        "mode=sparse&window=4",
        "mode=sparse&max_corners=99999999",
    ] {
        let answer = post(&format!("/motion?width={w}&height={h}&{bad}"), body.clone());
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (400, "invalid-parameter"),
            "{bad}"
        );
    }
}

#[test]
fn render_route_draws_what_core_draws() {
    let (a, b) = (random_frame(97, 61, 21), random_frame(97, 61, 22));
    let body = [a.pixels.clone(), b.pixels.clone()].concat();
    for (query, tracker, painter) in [
        (
            "",
            core_::TrackerSettings::default(),
            core_::PainterSettings::default(),
        ),
        (
            "&mode=sparse&colour=%2300ff0080&stroke_width=2.5&background=frame&dim=0.5&persistence=0.7&colouring=speed&speed_max=3",
            core_::TrackerSettings {
                mode: core_::TrackerMode::sparse(),
                ..core_::TrackerSettings::default()
            },
            core_::PainterSettings {
                colour: core_::Rgba {
                    r: 0,
                    g: 255,
                    b: 0,
                    a: 128,
                },
                width: 2.5,
                background: core_::Background::Frame,
                dim: 0.5,
                persistence: 0.7,
                colouring: core_::Colouring::Speed { max: 3.0 },
                ..core_::PainterSettings::default()
            },
        ),
    ] {
        let mut native_tracker = core_::Tracker::new(tracker).unwrap();
        let mut native_painter = core_::Painter::new(painter).unwrap();
        let mut want = Vec::new();
        for frame in [&a, &b] {
            let view = core_::Frame::new(97, 61, &frame.pixels).unwrap();
            let output = native_tracker.push(view).unwrap();
            want = native_painter
                .paint(
                    view,
                    native_tracker.filtered(),
                    &core_::Strokes::from_vectors(&output.vectors),
                )
                .unwrap();
        }
        let uri = format!("/render?width=97&height=61{query}");
        // PNG by default.
        let answer = post(&uri, body.clone());
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.header("content-type"), Some("image/png"));
        let png = image::load_from_memory(&answer.body).unwrap().into_rgba8();
        assert!(png.into_raw() == want, "{query}");
        // Raw RGBA on request.
        let answer = call(
            "POST",
            &uri,
            &[
                ("content-type", "application/octet-stream"),
                ("accept", "application/octet-stream"),
            ],
            body.clone(),
        );
        assert_eq!(answer.header("x-width"), Some("97"));
        assert!(answer.body == want, "{query}");
    }
    // Bad painter parameters are 400s with the kind.
    for query in [
        "colour=red",
        "stroke_width=0",
        "persistence=2",
        "background=white",
        "colouring=rainbow",
        "dim=NaN",
        "brush=1",
    ] {
        let answer = post(&format!("/render?width=97&height=61&{query}"), body.clone());
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (400, "invalid-parameter"),
            "{query}"
        );
    }
    let answer = call("GET", "/render?width=2&height=2", &[], vec![]);
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (405, "method-not-allowed")
    );
}

#[test]
fn index_names_routes_and_limits() {
    let answer = call("GET", "/", &[], vec![]);
    assert_eq!(answer.status, 200);
    let json = answer.json();
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    let paths: Vec<_> = json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/",
            "/greyscale",
            "/adjust",
            "/centroid",
            "/edges",
            "/motion",
            "/render",
            "/flow",
            "/motion/stream",
            "/render/stream"
        ]
    );
    // Every limit of ServeLimits is listed once: those the component
    // enforces itself under `limits`, the host's own under `host`.
    let limits = ServeLimits::default();
    let ms = |d: Duration| d.as_millis() as u64;
    let listed = |section: &str| -> std::collections::BTreeMap<String, serde_json::Value> {
        serde_json::from_value(json[section].clone()).unwrap()
    };
    let expect = |pairs: &[(&str, serde_json::Value)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(
        listed("limits"),
        expect(&[
            ("max_side", 16384.into()),
            ("max_pixels", (1u64 << 23).into()),
            ("max_samples", (1u64 << 20).into()),
            ("max_body_bytes", (64u64 << 20).into()),
            ("body_timeout_ms", ms(limits.body_timeout).into()),
            ("max_stream_frames", limits.stream.max_frames.into()),
            (
                "stream_idle_timeout_ms",
                ms(limits.stream.frame_wait).into()
            ),
            ("max_stream_duration_ms", serde_json::Value::Null),
        ])
    );
    assert_eq!(
        listed("host"),
        expect(&[
            ("compute_timeout_ms", ms(limits.compute_timeout).into()),
            ("frame_timeout_ms", ms(limits.frame_timeout).into()),
            ("max_instances", limits.max_instances.into()),
            ("max_streams", limits.max_streams.into()),
            ("max_client_streams", limits.max_client_streams.into()),
            ("memory_limit_bytes", (limits.memory_limit as u64).into()),
            ("send_timeout_ms", ms(limits.send_timeout).into()),
        ])
    );
}

#[test]
fn status_400_for_malformed_requests() {
    let frame = random_frame(3, 5, 1).pixels;
    for (uri, body, kind) in [
        ("/greyscale?height=5", frame.clone(), "invalid-parameter"),
        (
            "/greyscale?width=abc&height=5",
            frame.clone(),
            "invalid-parameter",
        ),
        (
            "/greyscale?width=3&height=5&colour=red",
            frame.clone(),
            "invalid-parameter",
        ),
        (
            "/greyscale?width=3&height=5&width=3",
            frame.clone(),
            "invalid-parameter",
        ),
        (
            "/greyscale?width=3&height=5&method=sepia",
            frame.clone(),
            "invalid-parameter",
        ),
        ("/greyscale?width=0&height=5", vec![], "invalid-dimensions"),
        (
            "/greyscale?width=3&height=5",
            frame[..59].to_vec(),
            "length-mismatch",
        ),
        (
            "/greyscale?width=3&height=5",
            [&frame[..], &[0]].concat(),
            "length-mismatch",
        ),
        (
            "/adjust?width=3&height=5&contrast=500&brightness=0",
            frame.clone(),
            "invalid-parameter",
        ),
        (
            "/adjust?width=3&height=5&contrast=5",
            frame.clone(),
            "invalid-parameter",
        ),
        (
            "/centroid?width=3&height=-5",
            frame.clone(),
            "invalid-parameter",
        ),
        (
            "/motion?width=3&height=5&threshold=2",
            [&frame[..], &frame[..]].concat(),
            "invalid-parameter",
        ),
        (
            "/motion?width=3&height=5&samples=99999999",
            [&frame[..], &frame[..]].concat(),
            "invalid-parameter",
        ),
        ("/motion?width=3&height=5", frame.clone(), "length-mismatch"),
    ] {
        let answer = post(uri, body);
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (400, kind),
            "{uri}"
        );
    }
    // Answers that would not fit in memory are refused up front, not
    // trapped on: a dense grid or gradient field of more than 2^20 points.
    let big = vec![9u8; 1100 * 1000 * 4];
    let answer = post("/edges?width=1100&height=1000&gradient_step=1", big.clone());
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (400, "invalid-parameter")
    );
    let answer = post(
        "/motion?width=1100&height=1000&mode=dense&step=1",
        [&big[..], &big[..]].concat(),
    );
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (400, "invalid-parameter")
    );
    // A body that is not a PNG.
    let answer = call(
        "POST",
        "/greyscale",
        &[("content-type", "image/png")],
        b"not a png".to_vec(),
    );
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (400, "invalid-body")
    );
    // Width and height with a PNG body.
    let png = ghostlines::files::png_rgba(&random_frame(3, 5, 1)).unwrap();
    let answer = call(
        "POST",
        "/greyscale?width=3&height=5",
        &[("content-type", "image/png")],
        png,
    );
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (400, "invalid-parameter")
    );
}

#[test]
fn status_404_405_415() {
    let answer = post("/nope", vec![]);
    assert_eq!((answer.status, answer.kind().as_str()), (404, "not-found"));
    for (method, uri, allow) in [
        ("GET", "/greyscale", "POST"),
        ("PUT", "/motion", "POST"),
        ("POST", "/", "GET"),
    ] {
        let answer = call(method, uri, &[], vec![]);
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (405, "method-not-allowed"),
            "{method} {uri}"
        );
        assert_eq!(answer.header("allow"), Some(allow));
    }
    let answer = call(
        "POST",
        "/greyscale?width=1&height=1",
        &[("content-type", "text/plain")],
        vec![0; 4],
    );
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (415, "unsupported-media-type")
    );
    let answer = call(
        "POST",
        "/motion?width=1&height=1",
        &[("content-type", "image/png")],
        vec![0; 8],
    );
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (415, "unsupported-media-type")
    );
}

#[test]
fn status_413_before_and_while_reading() {
    // From the query: over the side and over the pixel limits.
    for uri in [
        "/greyscale?width=16385&height=1",
        "/motion?width=4096&height=4096",
        "/adjust?width=3000&height=3000&contrast=0&brightness=0",
    ] {
        let answer = post(uri, vec![]);
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (413, "too-large"),
            "{uri}"
        );
    }
    // From content-length, before the body is read.
    let answer = call(
        "POST",
        "/greyscale?width=1&height=1",
        &[("content-length", "100000000")],
        vec![0; 4],
    );
    assert_eq!((answer.status, answer.kind().as_str()), (413, "too-large"));
    // While streaming: a PNG upload with no length that passes the limit.
    let rt = runtime();
    let answer = rt.block_on(send_to(
        host(),
        generated("/greyscale", "image/png", (64 << 20) + 1),
    ));
    assert_eq!((answer.status, answer.kind().as_str()), (413, "too-large"));
    // A streamed raw body longer than its frame is a length mismatch.
    let answer = rt.block_on(send_to(
        host(),
        generated(
            "/greyscale?width=2&height=2",
            "application/octet-stream",
            17,
        ),
    ));
    assert_eq!(
        (answer.status, answer.kind().as_str()),
        (400, "length-mismatch")
    );
    // Just right, streamed.
    let answer = rt.block_on(send_to(
        host(),
        generated(
            "/greyscale?width=2&height=2",
            "application/octet-stream",
            16,
        ),
    ));
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, [1, 1, 1, 1]);
}

#[test]
fn status_408_when_the_body_stalls() {
    let host = host_with(ServeLimits {
        body_timeout: Duration::from_millis(300),
        ..ServeLimits::default()
    });
    let rt = runtime();
    let stalled = hyper::Request::post("http://localhost/greyscale?width=10&height=10")
        .header("content-length", "400")
        .body(Paced::stalled_after(Bytes::from(vec![0u8; 100])))
        .unwrap();
    let started = std::time::Instant::now();
    let answer = rt.block_on(send_to(&host, stalled));
    assert_eq!((answer.status, answer.kind().as_str()), (408, "timeout"));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_millis(1300),
        "{waited:?}"
    );
}

/// The one 5xx that no setup of the CLI can make: `serve` refuses an
/// instance memory too small for its frames (`ServeLimits::check`), so
/// this host is built past that check, to show that a trapping component
/// costs one request and nothing else.
#[test]
fn status_500_when_the_guest_traps_and_the_host_goes_on() {
    // 2 MiB of memory: the component instantiates, but cannot allocate an
    // 800x600 body, and Rust aborts: a trap.
    let limits = ServeLimits {
        memory_limit: 2 << 20,
        ..ServeLimits::default()
    };
    assert!(limits.check().is_err());
    let host = HttpHost::new(limits).unwrap();
    let rt = runtime();
    let frame = random_frame(800, 600, 3);
    let answer = rt.block_on(send_to(
        &host,
        request("POST", "/greyscale?width=800&height=600", &[], frame.pixels),
    ));
    assert_eq!((answer.status, answer.kind().as_str()), (500, "trap"));
    // The next request, in a fresh instance, is answered.
    let small = random_frame(3, 5, 3);
    let answer = rt.block_on(send_to(
        &host,
        request(
            "POST",
            "/greyscale?width=3&height=5",
            &[],
            small.pixels.clone(),
        ),
    ));
    assert_eq!(answer.status, 200);
    assert!(answer.body == grey_of(&small, core_::GreyMethod::MaxRgb));
}

#[test]
fn status_503_past_the_compute_deadline() {
    // `--compute-timeout-ms 1`: dense flow on two 2000x1000 frames takes
    // far longer than that once the body is in.
    let host = host_with(ServeLimits {
        compute_timeout: Duration::from_millis(1),
        ..ServeLimits::default()
    });
    let rt = runtime();
    let frame = random_frame(2000, 2000, 1);
    let answer = rt.block_on(send_to(
        &host,
        request(
            "POST",
            "/motion?width=2000&height=1000&mode=dense",
            &[],
            frame.pixels,
        ),
    ));
    assert_eq!((answer.status, answer.kind().as_str()), (503, "timeout"));
}

#[test]
fn status_503_when_every_instance_is_busy() {
    // `--max-instances 1`, and one upload stalling in it.
    let host = host_with(ServeLimits {
        max_instances: 1,
        max_streams: 1,
        body_timeout: Duration::from_millis(1500),
        ..ServeLimits::default()
    });
    let rt = runtime();
    let stalled = hyper::Request::post("http://localhost/greyscale?width=10&height=10")
        .header("content-length", "400")
        .body(Paced::stalled_after(Bytes::from(vec![0u8; 100])))
        .unwrap();
    let holder = {
        let host = host.clone();
        rt.spawn(async move { send_to(&host, stalled).await })
    };
    std::thread::sleep(Duration::from_millis(300));
    let answer = rt.block_on(send_to(
        &host,
        request("POST", "/greyscale?width=1&height=1", &[], vec![1, 2, 3, 4]),
    ));
    assert_eq!((answer.status, answer.kind().as_str()), (503, "overloaded"));
    let held = rt.block_on(holder).unwrap();
    assert_eq!((held.status, held.kind().as_str()), (408, "timeout"));
    // Freed: the next request is answered.
    let answer = rt.block_on(send_to(
        &host,
        request("POST", "/greyscale?width=1&height=1", &[], vec![1, 2, 3, 4]),
    ));
    assert_eq!((answer.status, answer.body.as_slice()), (200, &[3u8][..]));
}

#[test]
fn an_answer_nobody_takes_frees_its_instance_at_the_send_deadline() {
    // `--max-instances 1 --send-timeout-ms 300`: an answer whose body is
    // never polled holds the one instance until the deadline.
    let host = host_with(ServeLimits {
        max_instances: 1,
        max_streams: 1,
        send_timeout: Duration::from_millis(300),
        ..ServeLimits::default()
    });
    let rt = runtime();
    let frame = random_frame(1000, 800, 5);
    let untaken = rt.block_on(host.handle(request(
        "POST",
        "/adjust?width=1000&height=800&contrast=20&brightness=0",
        &[],
        frame.pixels,
    )));
    assert_eq!(untaken.status(), 200);
    let small = || request("POST", "/greyscale?width=1&height=1", &[], vec![1, 2, 3, 4]);
    let answer = rt.block_on(send_to(&host, small()));
    assert_eq!((answer.status, answer.kind().as_str()), (503, "overloaded"));
    std::thread::sleep(Duration::from_millis(600));
    let answer = rt.block_on(send_to(&host, small()));
    assert_eq!(answer.status, 200);
    // The answer was cut off: its body ends in an error, not the frame.
    let body = rt.block_on(untaken.into_body().collect());
    assert!(body.is_err());
}

#[test]
fn spin_toml_source_is_where_its_build_command_writes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = std::fs::read_to_string(root.join("spin.toml")).unwrap();
    let value = |key: &str| {
        manifest
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(key)?
                    .trim()
                    .strip_prefix('=')?
                    .trim()
                    .strip_prefix('"')?
                    .strip_suffix('"')
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("spin.toml has no {key}"))
    };
    assert!(manifest.contains("spin_manifest_version = 2"));
    assert!(manifest.contains("allowed_outbound_hosts = []"));
    let command = value("command");
    let source = value("source");
    assert_eq!(
        command,
        "cargo build -p ghostlines-http --target wasm32-wasip2 --release"
    );
    assert!(source.starts_with("target/"), "{source}");

    // Run the manifest's build command as `spin build` does: in a copy of
    // the sources (no outer build's artifacts), into cargo's default
    // target folder there, with none of the outer build's environment.
    // The copy lies outside this checkout (cargo would merge this
    // checkout's .cargo/config.toml into the copy's, doubling its flags)
    // and is made afresh each run; its target folder is a link to one in
    // this checkout's, kept between runs as a developer's checkout keeps
    // it and gone with the checkout (a target folder in the temporary
    // directory outlived every clone, 300-450 MB each).
    let copy = std::env::temp_dir().join(format!(
        "ghostlines-spin-build-{}",
        root.canonicalize()
            .unwrap()
            .to_string_lossy()
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
    ));
    let _ = std::fs::remove_dir_all(&copy);
    for item in [
        ".cargo",
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
        "spin.toml",
        "wit",
        "core",
        "guest",
        "http",
        "host",
        "tests/all",
        "examples",
    ] {
        copy_tree(&root.join(item), &copy.join(item));
    }
    #[cfg(unix)]
    {
        let kept = root.join("target").join("spin-build");
        std::fs::create_dir_all(&kept).unwrap();
        std::os::unix::fs::symlink(&kept, copy.join("target")).unwrap();
    }
    let mut words = command.split_whitespace();
    assert_eq!(words.next(), Some("cargo"));
    let mut build = std::process::Command::new("cargo");
    build.args(words).current_dir(&copy).env_clear();
    for keep in ["PATH", "HOME", "RUSTUP_HOME", "CARGO_HOME"] {
        if let Some(value) = std::env::var_os(keep) {
            build.env(keep, value);
        }
    }
    let status = build.status().unwrap();
    assert!(status.success());
    let built = copy.join(&source);
    let bytes = std::fs::read(&built).unwrap_or_else(|e| panic!("{}: {e}", built.display()));
    assert!(
        bytes == ghostlines::HTTP_COMPONENT,
        "the component `spin build` makes is the one serve embeds"
    );
    // The sources and the link (not what it points to).
    std::fs::remove_dir_all(&copy).unwrap();
}

/// Copies a file or a folder (without `target` folders) to `to`.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    if from.is_file() {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
        return;
    }
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "target" {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    }
}

/// `ServeLimits` reach every layer: the host refuses from the head, and the
/// component applies the same frame and body limits (given in its
/// environment) to what only it sees — PNG sizes and unannounced bodies.
#[test]
fn serve_limits_apply_in_the_host_and_in_the_component() {
    let limits = ServeLimits {
        frame: core_::Limits {
            max_side: 64,
            max_pixels: 2048,
            ..core_::Limits::HTTP
        },
        max_body_bytes: 10_000,
        ..ServeLimits::default()
    };
    limits.check().unwrap();
    let host = HttpHost::new(limits).unwrap();
    let rt = runtime();
    let send = |request| rt.block_on(send_to(&host, request));
    let raw = |uri: &str, body: Vec<u8>| {
        request(
            "POST",
            uri,
            &[("content-type", "application/octet-stream")],
            body,
        )
    };
    // Inside: 40x40 = 1600 px.
    let frame = random_frame(40, 40, 9);
    let answer = send(raw("/greyscale?width=40&height=40", frame.pixels.clone()));
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, grey_of(&frame, core_::GreyMethod::MaxRgb));
    // Over the side, over the pixels, zero: judged from the query.
    for (uri, status, kind) in [
        ("/greyscale?width=65&height=1", 413, "too-large"),
        ("/centroid?width=50&height=50", 413, "too-large"),
        ("/greyscale?width=0&height=5", 400, "invalid-dimensions"),
    ] {
        let answer = send(raw(uri, vec![0; 16]));
        assert_eq!(
            (answer.status, answer.kind().as_str()),
            (status, kind),
            "{uri}"
        );
    }
    // A declared body over the limit.
    let answer = send(request(
        "POST",
        "/greyscale?width=1&height=1",
        &[("content-length", "10001")],
        vec![0; 4],
    ));
    assert_eq!((answer.status, answer.kind().as_str()), (413, "too-large"));
    // Only the component sees these: a PNG's own size, and a streamed body.
    let mut png = Vec::new();
    image::write_buffer_with_format(
        &mut std::io::Cursor::new(&mut png),
        &vec![0u8; 65 * 4],
        65,
        1,
        image::ExtendedColorType::Rgba8,
        image::ImageFormat::Png,
    )
    .unwrap();
    let answer = send(request(
        "POST",
        "/greyscale",
        &[("content-type", "image/png")],
        png,
    ));
    assert_eq!((answer.status, answer.kind().as_str()), (413, "too-large"));
    let answer = rt.block_on(send_to(&host, generated("/greyscale", "image/png", 10_001)));
    assert_eq!((answer.status, answer.kind().as_str()), (413, "too-large"));
    // And GET / tells the limits in force.
    let index = send(request("GET", "/", &[], vec![]));
    let json = index.json();
    assert_eq!(json["limits"]["max_side"], 64);
    assert_eq!(json["limits"]["max_pixels"], 2048);
    assert_eq!(json["limits"]["max_body_bytes"], 10_000);
    assert_eq!(json["limits"]["body_timeout_ms"], 10_000);
    // Nonsense limits are refused when the server starts.
    for bad in [
        ServeLimits {
            frame: core_::Limits {
                max_side: 0,
                ..core_::Limits::HTTP
            },
            ..ServeLimits::default()
        },
        ServeLimits {
            frame: core_::Limits {
                max_pixels: 1 << 30,
                ..core_::Limits::HTTP
            },
            ..ServeLimits::default()
        },
        ServeLimits {
            max_instances: 0,
            ..ServeLimits::default()
        },
        ServeLimits {
            max_body_bytes: 300 << 20,
            ..ServeLimits::default()
        },
        ServeLimits {
            memory_limit: (4 << 30) + (1 << 20),
            ..ServeLimits::default()
        },
    ] {
        assert!(bad.check().is_err(), "{bad:?}");
    }
}

/// The heaviest answers for the largest frames, each in an instance of
/// exactly the memory `ServeLimits::memory_needed` gives those frames: a
/// 200, never a trap. Noise makes the largest PNG (in an SVG's background)
/// and the most corners; step 3 is the finest grid 2^23 pixels allow, and
/// step 1 on 2^20 pixels the largest grid of all (2^20 points).
#[test]
fn the_largest_frames_fit_in_an_instance() {
    let rt = runtime();
    /// A route with its query, and the answer's media type.
    type Ask = (&'static str, &'static str);
    let cases: [(u32, u32, &[Ask]); 2] = [
        (
            4096,
            2048,
            &[
                (
                    "/motion?mode=sparse&max_corners=65536&min_distance=0&quality=0",
                    "image/svg+xml",
                ),
                ("/motion?mode=dense&step=3", "image/svg+xml"),
                ("/adjust?contrast=50&brightness=20", "image/png"),
                ("/edges?gradient_step=3", "image/svg+xml"),
                (
                    "/render?mode=sparse&max_corners=65536&min_distance=0&quality=0&persistence=0.5",
                    "image/png",
                ),
                (
                    "/render?mode=dense&step=3&persistence=0.5",
                    "application/octet-stream",
                ),
            ],
        ),
        (
            1024,
            1024,
            &[
                ("/motion?mode=dense&step=1", "application/json"),
                ("/edges?gradient_step=1", "application/json"),
            ],
        ),
    ];
    for (width, height, routes) in cases {
        let frame = core_::Limits {
            max_pixels: u64::from(width * height),
            ..core_::Limits::HTTP
        };
        let limits = ServeLimits {
            frame,
            max_body_bytes: frame.two_frame_bytes(),
            memory_limit: ServeLimits::memory_needed(&frame),
            // Only memory is tested here: a slow machine gets its time.
            compute_timeout: Duration::from_secs(300),
            ..ServeLimits::default()
        };
        limits.check().unwrap();
        let host = HttpHost::new(limits).unwrap();
        let previous = random_frame(width, height, 1).pixels;
        let current = random_frame(width, height, 2).pixels;
        for &(route, accept) in routes {
            let body = if route.starts_with("/motion") || route.starts_with("/render") {
                [&previous[..], &current[..]].concat()
            } else {
                current.clone()
            };
            let sep = if route.contains('?') { '&' } else { '?' };
            let uri = format!("{route}{sep}width={width}&height={height}");
            let headers = [
                ("content-type", "application/octet-stream"),
                ("accept", accept),
            ];
            let answer = rt.block_on(send_to(&host, request("POST", &uri, &headers, body)));
            assert_eq!(
                (answer.status, answer.header("content-type")),
                (200, Some(accept)),
                "{uri} as {accept} in {} MiB: {}",
                limits.memory_limit >> 20,
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)])
            );
        }
    }
}

/// docs/deploy.md sizes a pod by what one request at the component's
/// frame limits needs, and by what a 1080p limit would: the figures are
/// `ServeLimits::memory_needed`'s (the deploy test checks the manifest
/// against the docs).
#[test]
fn the_deploy_docs_state_what_a_request_needs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("docs/deploy.md")).unwrap();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mib = |pixels: u64| {
        ServeLimits::memory_needed(&core_::Limits {
            max_pixels: pixels,
            ..core_::Limits::HTTP
        })
        .div_ceil(1 << 20)
    };
    let needed = mib(core_::Limits::HTTP.max_pixels);
    assert!(
        text.contains(&format!("needs up to {needed} MiB of linear memory")),
        "{needed}"
    );
    let hd = mib(1920 * 1080) - 64;
    assert!(
        text.contains(&format!(
            "GHOSTLINES_MAX_PIXELS = \"2073600\" }}` (1080p: 64 + {hd} MiB a request)"
        )),
        "{hd}"
    );
}
