//! One function per route: `GET /` and the single-request routes (the
//! stream routes are `stream.rs`).

use ghostlines_core::{
    self as core_, Adjustment, Background, Colouring, CornerSettings, EdgeReport, EdgeSettings,
    FieldSettings, FlowSettings, Frame, FrameRate, FrameReport, LimitVariable as Variable,
    LineShape, MOTION_VERSION, PainterSettings, Plane, SvgStyle, TrackerMode, TrackerSettings,
};
use serde::Serialize;
use serde_json::json;
use spin_sdk::http::IncomingRequest;

use crate::body;
use crate::encode::{ImageOut, image_reply, png_data_url};
use crate::frames::{raw_body_only, raw_size, read_frame, read_grey};
use crate::limits::RequestLimits;
use crate::query::Params;
use crate::respond::{HttpError, Reply};
use crate::route::Route;
use crate::settings::{EdgeQuery, FieldQuery, Tracking, edge_query, field_query};

/// `GET /`: the routes, their parameters, the limits and the version.
pub fn index(limits: &RequestLimits) -> Reply {
    let methods: Vec<_> = core_::GreyMethod::ALL.iter().map(|m| m.name()).collect();
    let defaults = TrackerSettings::default();
    // `ghostlines serve` states its own limits (deadlines, memory,
    // instances) as `GHOSTLINES_*` variables beside the frame and body
    // limits applied above; under other hosts there are none.
    let host: serde_json::Map<_, _> = std::env::vars()
        .filter_map(|(name, value)| {
            let key = variable_key(&name)?;
            if Variable::ALL.iter().any(|v| v.name() == name) {
                return None;
            }
            Some((key, json!(value.parse::<u64>().ok()?)))
        })
        .collect();
    Reply::json(&json!({
        "name": "ghostlines",
        "version": env!("CARGO_PKG_VERSION"),
        "body": "raw RGBA8, row-major, 4 bytes a pixel (canvas getImageData layout), content-type application/octet-stream; single-frame routes also take image/png",
        "routes": [
            {"method": "GET", "path": "/", "returns": "this description"},
            {"method": "POST", "path": "/greyscale", "parameters": {"width": "pixels (raw bodies)", "height": "pixels (raw bodies)", "method": methods},
             "returns": "application/octet-stream, width·height bytes, with x-width and x-height; image/png on Accept: image/png"},
            {"method": "POST", "path": "/adjust", "parameters": {"width": "pixels (raw bodies)", "height": "pixels (raw bodies)", "contrast": "-100..=100", "brightness": "-255..=255"},
             "returns": "application/octet-stream, RGBA8; image/png on Accept: image/png"},
            {"method": "POST", "path": "/centroid", "parameters": {"width": "pixels (raw bodies)", "height": "pixels (raw bodies)", "method": methods},
             "returns": "application/json {\"x\":..,\"y\":..} or null"},
            {"method": "POST", "path": "/edges", "parameters": {"width": "pixels (raw bodies)", "height": "pixels (raw bodies)", "method": methods,
                "sigma": {"range": "0.5..=10", "default": EdgeSettings::default().sigma},
                "low": {"default": EdgeSettings::default().low}, "high": {"default": EdgeSettings::default().high},
                "tolerance": {"default": EdgeSettings::default().tolerance}, "min_length": {"default": 0.0},
                "straight_only": {"default": false}, "gradient_step": {"default": 0, "note": "0: no gradient field"},
                "operator": ["sobel", "scharr"]},
             "returns": "application/json {\"version\":1,\"width\",\"height\",\"polylines\":[[[x,y],…]],\"gradients\":[…]}; image/svg+xml on Accept: image/svg+xml"},
            {"method": "POST", "path": "/motion", "body": "the previous and the current frame back to back, 2·width·height·4 bytes",
             "parameters": {"width": "pixels", "height": "pixels", "method": methods,
                "mode": {"values": TrackerMode::all().map(|m| m.name()), "default": defaults.mode.name()},
                "step": {"mode": "dense", "default": TrackerMode::DENSE_STEP},
                "window": {"mode": "sparse, dense", "default": FlowSettings::default().window},
                "levels": {"mode": "sparse, dense", "default": FlowSettings::default().levels},
                "fb_threshold": {"mode": "sparse, dense", "default": FlowSettings::default().fb_threshold},
                "max_corners": {"mode": "sparse", "default": CornerSettings::default().max_corners},
                "quality": {"mode": "sparse", "default": CornerSettings::default().quality},
                "min_distance": {"mode": "sparse", "default": CornerSettings::default().min_distance},
                "contrast": {"range": "-100..=100", "default": defaults.contrast},
                "brightness": {"range": "-255..=255", "default": defaults.brightness},
                "threshold": {"range": "0..=1", "default": defaults.threshold},
                "samples": {"max": limits.frame.max_samples, "default": defaults.samples},
                "seed": {"default": defaults.seed},
                "interval": {"range": "0..=60000 ms", "default": defaults.interval, "note": "the pair's second frame is measured against its first"}},
             "returns": "application/json: a frame of the ghostlines motion JSON with \"version\":1; image/svg+xml on Accept: image/svg+xml"},
            {"method": "POST", "path": "/render", "body": "the previous and the current frame back to back, 2·width·height·4 bytes",
             "parameters": {"every parameter of /motion": true,
                "colour": {"default": PainterSettings::default().colour.to_string(), "form": "#rrggbb or #rrggbbaa"},
                "stroke_width": {"range": "(0, 64]", "default": PainterSettings::default().width},
                "scale": {"default": PainterSettings::default().scale},
                "background": {"values": Background::ALL.map(|b| b.name()), "default": PainterSettings::default().background.name()},
                "dim": {"range": "0..=1", "default": PainterSettings::default().dim},
                "persistence": {"range": "0..=1", "default": PainterSettings::default().persistence},
                "colouring": {"values": Colouring::all().map(|c| c.name()), "default": PainterSettings::default().colouring.name()},
                "speed_max": {"default": Colouring::SPEED_MAX},
                "shape": {"values": LineShape::ALL.map(|s| s.name()), "default": PainterSettings::default().shape.name()}},
             "returns": "image/png: the current frame drawn; application/octet-stream (RGBA8, with x-width and x-height) on Accept: application/octet-stream"},
            {"method": "POST", "path": "/flow", "body": "the previous and the current frame back to back, 2·width·height·4 bytes",
             "parameters": {"width": "pixels", "height": "pixels", "method": methods,
                "preset": {"values": FieldSettings::PRESETS.map(|(n, _)| n), "default": FieldSettings::DEFAULT_PRESET},
                "patch": {"range": "4..=32", "default": FieldSettings::default().patch},
                "stride": {"range": "1..=patch", "default": FieldSettings::default().stride},
                "finest_level": {"range": "0..=6", "default": FieldSettings::default().finest_level},
                "iterations": {"range": "1..=256", "default": FieldSettings::default().iterations},
                "refinement": {"range": "0..=32", "default": FieldSettings::default().refinement, "note": "variational refinement iterations after each level; 0: none"},
                "fine_refinement": {"range": "0..=32", "default": FieldSettings::default().fine_refinement, "note": "a last refinement of the finest level on the level below's data, iterations; 0: none; needs finest_level >= 1"},
                "max_motion": {"note": "pixels where the PNG's colour coding saturates; the field's longest motion when left out"}},
             "returns": "application/octet-stream: the flow field as a Middlebury .flo file (x-width, x-height); image/png (the Middlebury colour coding) on Accept: image/png"},
            {"method": "POST", "path": "/motion/stream", "body": "frames back to back, width·height·4 bytes each, usually chunked",
             "parameters": {"every parameter of /motion": true,
                "fps": {"default": FrameRate::DEFAULT.to_string(), "form": "25, 29.97 or 30000/1001", "note": "the frames' rate: frame k is taken at k/fps s, and measured against the one an interval before"}},
             "returns": "application/x-ndjson: a line {\"version\":1,\"width\",\"height\"}, then a line a frame as each is done; an error after the 200 is a last line {\"error\":{\"kind\",\"message\",\"frames\"}}"},
            {"method": "POST", "path": "/render/stream", "body": "frames back to back, width·height·4 bytes each, usually chunked",
             "parameters": {"every parameter of /render": true, "fps": {"as for /motion/stream": true}},
             "returns": "application/octet-stream: the drawn RGBA8 frames back to back; an error after the 200 leaves the body unfinished"},
        ],
        "limits": limits_json(limits),
        "host": host,
    }))
}

/// `GHOSTLINES_MAX_SIDE` as `GET /` names it: `max_side`.
fn variable_key(name: &str) -> Option<String> {
    Some(name.strip_prefix("GHOSTLINES_")?.to_ascii_lowercase())
}

/// What this component enforces, as `GET /` lists it: every limit the host
/// may set (`null` for a stream duration without limit), and the samples
/// a frame difference may take.
fn limits_json(limits: &RequestLimits) -> serde_json::Value {
    let mut map: serde_json::Map<_, _> = Variable::ALL
        .iter()
        .filter_map(|&v| Some((variable_key(v.name())?, json!(limits.value(v)))))
        .collect();
    map.insert("max_samples".into(), json!(limits.frame.max_samples));
    serde_json::Value::Object(map)
}

/// `POST /greyscale`.
pub async fn greyscale(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, &Route::Greyscale.params())?;
    let method = params.grey_method()?;
    let out = png_or_raw(&request);
    let (width, height, grey) = read_grey(request, &params, limits, method).await?;
    image_reply(grey, width, height, image::ExtendedColorType::L8, out)
}

/// `POST /adjust`.
pub async fn adjust(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, &Route::Adjust.params())?;
    let adjustment = Adjustment::new(params.required("contrast")?, params.required("brightness")?)?;
    let out = png_or_raw(&request);
    let (width, height, mut pixels) = read_frame(request, &params, limits).await?;
    Frame::with_limits(width, height, &pixels, &limits.frame)?;
    // The body was read into our own buffer: adjust it in place.
    core_::adjust_rgba_mut(&mut pixels, &adjustment);
    image_reply(pixels, width, height, image::ExtendedColorType::Rgba8, out)
}

/// `POST /centroid`.
pub async fn centroid(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, &Route::Centroid.params())?;
    let method = params.grey_method()?;
    let (width, height, grey) = read_grey(request, &params, limits, method).await?;
    let centroid = core_::centroid(Plane::with_limits(width, height, &grey, &limits.frame)?);
    Ok(Reply::json(&centroid))
}

/// `POST /motion`: the tracker over two frames; the answer is the second
/// frame's entry of the motion JSON.
pub async fn motion(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, &Route::Motion.params())?;
    raw_body_only(&request)?;
    let Tracking {
        mut tracker,
        width,
        height,
        pixels,
    } = Tracking::from_query(&params, limits)?;
    let svg_out = body::accepts(&request, "image/svg+xml");
    let bytes = body::read(request, Some(2 * 4 * pixels), limits)?;
    let (previous, current) = bytes.split_at(bytes.len() / 2);
    tracker.push(Frame::with_limits(width, height, previous, &limits.frame)?)?;
    let output = tracker.push(Frame::with_limits(width, height, current, &limits.frame)?)?;
    // In a flow mode the tracker keeps two pyramids, about 28 bytes a
    // pixel: freed before the answer is built, so that the two never need
    // memory at once (a largest frame's SVG trapped at 512 MiB otherwise).
    drop(tracker);
    let frame = FrameReport::new(1, output);
    if svg_out {
        let background = png_data_url(current, width, height)?;
        let frames = [frame];
        let svg = core_::motion_svg(
            width,
            height,
            &frames,
            Some(&background),
            SvgStyle::default(),
        );
        return Ok(Reply::ok("image/svg+xml", svg.into_bytes()));
    }
    #[derive(Serialize)]
    struct MotionFrame {
        version: u32,
        width: u32,
        height: u32,
        #[serde(flatten)]
        frame: FrameReport,
    }
    Ok(Reply::json(&MotionFrame {
        version: MOTION_VERSION,
        width,
        height,
        frame,
    }))
}

/// `POST /render`: a frame pair like `/motion`, tracked and drawn; the
/// second frame drawn, as PNG, or raw RGBA8 on `accept:
/// application/octet-stream`.
pub async fn render(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, &Route::Render.params())?;
    raw_body_only(&request)?;
    let (
        Tracking {
            mut tracker,
            width,
            height,
            pixels,
        },
        mut painter,
    ) = Tracking::drawing(&params, limits)?;
    let out = match body::accepts(&request, "application/octet-stream") {
        true => ImageOut::Raw,
        false => ImageOut::Png,
    };
    let bytes = body::read(request, Some(2 * 4 * pixels), limits)?;
    let (previous, current) = bytes.split_at(bytes.len() / 2);
    // Both frames are drawn in turn, so that trails have a picture before.
    let mut drawn = Vec::new();
    for pixels in [previous, current] {
        let frame = Frame::with_limits(width, height, pixels, &limits.frame)?;
        core_::track_and_paint_into(&mut tracker, &mut painter, frame, None, &mut drawn)?;
    }
    drop((tracker, painter, bytes));
    image_reply(drawn, width, height, image::ExtendedColorType::Rgba8, out)
}

/// PNG when the client accepts it, else raw bytes.
fn png_or_raw(request: &IncomingRequest) -> ImageOut {
    match body::accepts(request, "image/png") {
        true => ImageOut::Png,
        false => ImageOut::Raw,
    }
}

/// `POST /flow`: a frame pair like `/motion`, and the flow field from the
/// first to the second, a displacement at every pixel: a Middlebury `.flo`
/// file (`application/octet-stream`, with `x-width` and `x-height`), or
/// the field in the Middlebury colour coding on `accept: image/png`.
pub async fn flow(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, &Route::Flow.params())?;
    raw_body_only(&request)?;
    let FieldQuery {
        method,
        settings,
        max_motion,
    } = field_query(&params)?;
    let (width, height, pixels) = raw_size(&params, limits)?;
    let png = body::accepts(&request, "image/png");
    let bytes = body::read(request, Some(2 * 4 * pixels), limits)?;
    let (previous, current) = bytes.split_at(bytes.len() / 2);
    let grey = |pixels: &[u8]| -> Result<Vec<u8>, HttpError> {
        Ok(core_::greyscale(
            Frame::with_limits(width, height, pixels, &limits.frame)?,
            method,
        ))
    };
    let (previous, current) = (grey(previous)?, grey(current)?);
    drop(bytes);
    let field = core_::flow_field(
        Plane::new(width, height, &previous)?,
        Plane::new(width, height, &current)?,
        &settings,
        None,
    )?;
    drop((previous, current));
    if png {
        let picture = field.colour_coded(max_motion);
        drop(field);
        return image_reply(
            picture,
            width,
            height,
            image::ExtendedColorType::Rgba8,
            ImageOut::Png,
        );
    }
    Ok(Reply::ok("application/octet-stream", field.to_flo())
        .header("x-width", width)
        .header("x-height", height))
}

/// `POST /edges`: Canny polylines and, with `gradient_step`, a gradient
/// field, as the edges JSON (or SVG on `accept: image/svg+xml`).
pub async fn edges(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, &Route::Edges.params())?;
    let EdgeQuery {
        method,
        settings,
        gradient_step,
        operator,
    } = edge_query(&params)?;
    let svg_out = body::accepts(&request, "image/svg+xml");
    let (width, height, grey) = read_grey(request, &params, limits, method).await?;
    let plane = Plane::with_limits(width, height, &grey, &limits.frame)?;
    let polylines = core_::edge_polylines(plane, &settings)?;
    let gradients = if gradient_step > 0 {
        core_::gradient_field(plane, operator, gradient_step)?
    } else {
        Vec::new()
    };
    let report = EdgeReport::new(width, height, &polylines, gradients);
    if svg_out {
        let svg = core_::edges_svg(&report, None, 1.0, SvgStyle::default());
        return Ok(Reply::ok("image/svg+xml", svg.into_bytes()));
    }
    Ok(Reply::json(&report))
}
