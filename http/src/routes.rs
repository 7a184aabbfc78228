//! One function per route.

use ghostlines_core::{
    self as core_, Adjustment, Background, Colouring, CornerSettings, EdgeReport, EdgeSettings,
    FlowSettings, Frame, FrameRate, FrameReport, GradientOperator, LimitVariable as Variable,
    LineShape, MOTION_VERSION, Painter, PainterSettings, Plane, Rgba, SvgStyle, Tracker,
    TrackerMode, TrackerSettings,
};
use serde::Serialize;
use serde_json::json;
use spin_sdk::http::IncomingRequest;

use crate::body::{self, BodyKind};
use crate::limits::RequestLimits;
use crate::query::Params;
use crate::respond::{HttpError, Reply};

const GREY_PARAMS: &[&str] = &["width", "height", "method"];
const ADJUST_PARAMS: &[&str] = &["width", "height", "contrast", "brightness"];
pub(crate) const MOTION_PARAMS: &[&str] = &[
    "width",
    "height",
    "threshold",
    "samples",
    "seed",
    "method",
    "contrast",
    "brightness",
    "mode",
    "interval",
    "step",
    "window",
    "levels",
    "fb_threshold",
    "max_corners",
    "quality",
    "min_distance",
];
/// `/render`'s own, beside `/motion`'s.
pub(crate) const PAINTER_PARAMS: &[&str] = &[
    "colour",
    "stroke_width",
    "scale",
    "background",
    "dim",
    "persistence",
    "colouring",
    "speed_max",
    "shape",
];
/// The stream routes' own, beside their pair route's: the frames' rate,
/// which times them for the tracker's interval.
pub(crate) const STREAM_PARAMS: &[&str] = &["fps"];
const EDGES_PARAMS: &[&str] = &[
    "width",
    "height",
    "method",
    "sigma",
    "low",
    "high",
    "tolerance",
    "min_length",
    "straight_only",
    "gradient_step",
    "operator",
];

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
    let params = Params::parse(query, GREY_PARAMS)?;
    let method = params.grey_method()?;
    let png_out = body::accepts(&request, "image/png");
    let (width, height, grey) = read_grey(request, &params, limits, method).await?;
    if png_out {
        return Ok(Reply::ok(
            "image/png",
            encode_png(&grey, width, height, image::ExtendedColorType::L8)?,
        ));
    }
    Ok(Reply::ok("application/octet-stream", grey)
        .header("x-width", width)
        .header("x-height", height))
}

/// `POST /adjust`.
pub async fn adjust(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, ADJUST_PARAMS)?;
    let adjustment = Adjustment::new(params.required("contrast")?, params.required("brightness")?)?;
    let png_out = body::accepts(&request, "image/png");
    let (width, height, mut pixels) = read_frame(request, &params, limits).await?;
    Frame::with_limits(width, height, &pixels, &limits.frame)?;
    // The body was read into our own buffer: adjust it in place.
    core_::adjust_rgba_mut(&mut pixels, &adjustment);
    if png_out {
        return Ok(Reply::ok(
            "image/png",
            encode_png(&pixels, width, height, image::ExtendedColorType::Rgba8)?,
        ));
    }
    Ok(Reply::ok("application/octet-stream", pixels)
        .header("x-width", width)
        .header("x-height", height))
}

/// `POST /centroid`.
pub async fn centroid(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, GREY_PARAMS)?;
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
    let params = Params::parse(query, MOTION_PARAMS)?;
    raw_body_only(&request)?;
    let settings = motion_settings(&params)?;
    let mut tracker = Tracker::new(settings)?;
    let (width, height, pixels) = raw_size(&params, limits)?;
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
    let params = Params::parse(query, &[MOTION_PARAMS, PAINTER_PARAMS].concat())?;
    raw_body_only(&request)?;
    let mut tracker = Tracker::new(motion_settings(&params)?)?;
    let mut painter = Painter::new(painter_settings(&params)?)?;
    let (width, height, pixels) = raw_size(&params, limits)?;
    let raw_out = body::accepts(&request, "application/octet-stream");
    let bytes = body::read(request, Some(2 * 4 * pixels), limits)?;
    let (previous, current) = bytes.split_at(bytes.len() / 2);
    // Both frames are drawn in turn, so that trails have a picture before.
    let mut drawn = Vec::new();
    for pixels in [previous, current] {
        let frame = Frame::with_limits(width, height, pixels, &limits.frame)?;
        core_::track_and_paint_into(&mut tracker, &mut painter, frame, None, &mut drawn)?;
    }
    drop((tracker, painter, bytes));
    if raw_out {
        return Ok(Reply::ok("application/octet-stream", drawn)
            .header("x-width", width)
            .header("x-height", height));
    }
    let png = encode_png(&drawn, width, height, image::ExtendedColorType::Rgba8)?;
    Ok(Reply::ok("image/png", png))
}

/// The painter settings of `/render`'s query.
pub(crate) fn painter_settings(params: &Params) -> Result<PainterSettings, HttpError> {
    let d = PainterSettings::default();
    let named = |name: &str| params.optional::<String>(name);
    let colouring = match named("colouring")? {
        None => d.colouring,
        Some(name) => match Colouring::from_name(&name)? {
            Colouring::Speed { max } => Colouring::Speed {
                max: params.optional("speed_max")?.unwrap_or(max),
            },
            other => other,
        },
    };
    Ok(PainterSettings {
        colour: named("colour")?
            .map(|c| c.parse::<Rgba>())
            .transpose()?
            .unwrap_or(d.colour),
        width: params.optional("stroke_width")?.unwrap_or(d.width),
        scale: params.optional("scale")?.unwrap_or(d.scale),
        background: named("background")?
            .map(|b| Background::from_name(&b))
            .transpose()?
            .unwrap_or(d.background),
        dim: params.optional("dim")?.unwrap_or(d.dim),
        persistence: params.optional("persistence")?.unwrap_or(d.persistence),
        colouring,
        shape: named("shape")?
            .map(|s| LineShape::from_name(&s))
            .transpose()?
            .unwrap_or(d.shape),
    })
}

/// The tracker settings of `/motion`'s query.
pub(crate) fn motion_settings(params: &Params) -> Result<TrackerSettings, HttpError> {
    let defaults = TrackerSettings::default();
    Ok(TrackerSettings {
        method: params.grey_method()?,
        contrast: params.optional("contrast")?.unwrap_or(defaults.contrast),
        brightness: params
            .optional("brightness")?
            .unwrap_or(defaults.brightness),
        threshold: params.optional("threshold")?.unwrap_or(defaults.threshold),
        samples: params.optional("samples")?.unwrap_or(defaults.samples),
        seed: params.optional("seed")?.unwrap_or(defaults.seed),
        mode: tracker_mode(params)?,
        interval: params.optional("interval")?.unwrap_or(defaults.interval),
    })
}

/// The tracker mode from `mode` (sketch, sparse or dense) and its settings.
fn tracker_mode(params: &Params) -> Result<TrackerMode, HttpError> {
    let name = params.optional::<String>("mode")?;
    let mut mode = TrackerMode::from_name(name.as_deref().unwrap_or("sketch"))?;
    let flow_from = |flow: &mut FlowSettings| -> Result<(), HttpError> {
        flow.window = params.optional("window")?.unwrap_or(flow.window);
        flow.levels = params.optional("levels")?.unwrap_or(flow.levels);
        flow.fb_threshold = params
            .optional("fb_threshold")?
            .unwrap_or(flow.fb_threshold);
        Ok(())
    };
    match &mut mode {
        TrackerMode::Sketch => {}
        TrackerMode::Sparse { corners, flow } => {
            corners.max_corners = params
                .optional("max_corners")?
                .unwrap_or(corners.max_corners);
            corners.quality = params.optional("quality")?.unwrap_or(corners.quality);
            corners.min_distance = params
                .optional("min_distance")?
                .unwrap_or(corners.min_distance);
            flow_from(flow)?;
        }
        TrackerMode::Dense { step, flow } => {
            *step = params.optional("step")?.unwrap_or(*step);
            flow_from(flow)?;
        }
    }
    Ok(mode)
}

/// `POST /edges`: Canny polylines and, with `gradient_step`, a gradient
/// field, as the edges JSON (or SVG on `accept: image/svg+xml`).
pub async fn edges(
    request: IncomingRequest,
    query: &str,
    limits: &RequestLimits,
) -> Result<Reply, HttpError> {
    let params = Params::parse(query, EDGES_PARAMS)?;
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

/// What `/edges` takes from its query.
struct EdgeQuery {
    method: core_::GreyMethod,
    settings: EdgeSettings,
    gradient_step: u32,
    operator: GradientOperator,
}

fn edge_query(params: &Params) -> Result<EdgeQuery, HttpError> {
    let d = EdgeSettings::default();
    let settings = EdgeSettings {
        sigma: params.optional("sigma")?.unwrap_or(d.sigma),
        low: params.optional("low")?.unwrap_or(d.low),
        high: params.optional("high")?.unwrap_or(d.high),
        tolerance: params.optional("tolerance")?.unwrap_or(d.tolerance),
        min_length: params.optional("min_length")?.unwrap_or(d.min_length),
        straight_only: params.optional("straight_only")?.unwrap_or(d.straight_only),
    };
    settings.check()?;
    Ok(EdgeQuery {
        method: params.grey_method()?,
        settings,
        gradient_step: params.optional("gradient_step")?.unwrap_or(0),
        operator: match params.optional::<String>("operator")? {
            Some(name) => GradientOperator::from_name(&name)?,
            None => GradientOperator::default(),
        },
    })
}

/// Everything a route judges from its query before it reads the body (what
/// the fuzzer drives): the same functions the routes call.
pub fn judge_query(path: &str, query: &str, limits: &RequestLimits) -> Result<(), HttpError> {
    // Single-frame routes take a PNG body without a size too.
    let size_if_given = |params: &Params| -> Result<(), HttpError> {
        if params.has("width") || params.has("height") {
            raw_size(params, limits)?;
        }
        Ok(())
    };
    match path {
        "/greyscale" | "/centroid" => {
            let params = Params::parse(query, GREY_PARAMS)?;
            params.grey_method()?;
            size_if_given(&params)
        }
        "/adjust" => {
            let params = Params::parse(query, ADJUST_PARAMS)?;
            Adjustment::new(params.required("contrast")?, params.required("brightness")?)?;
            size_if_given(&params)
        }
        "/edges" => {
            let params = Params::parse(query, EDGES_PARAMS)?;
            edge_query(&params)?;
            size_if_given(&params)
        }
        "/motion" => {
            let params = Params::parse(query, MOTION_PARAMS)?;
            Tracker::new(motion_settings(&params)?)?;
            raw_size(&params, limits)?;
            Ok(())
        }
        "/render" => {
            let params = Params::parse(query, &[MOTION_PARAMS, PAINTER_PARAMS].concat())?;
            Tracker::new(motion_settings(&params)?)?;
            Painter::new(painter_settings(&params)?)?;
            raw_size(&params, limits)?;
            Ok(())
        }
        _ => Err(HttpError::not_found(path)),
    }
}

/// The frame of a single-frame route, checked against the frame limits and
/// made grey by `method`. The body is ours: its buffer becomes the plane
/// (`greyscale_owned`).
async fn read_grey(
    request: IncomingRequest,
    params: &Params,
    limits: &RequestLimits,
    method: core_::GreyMethod,
) -> Result<(u32, u32, Vec<u8>), HttpError> {
    let (width, height, pixels) = read_frame(request, params, limits).await?;
    Frame::with_limits(width, height, &pixels, &limits.frame)?;
    let grey = core_::greyscale_owned(pixels, width, height, method)?;
    Ok((width, height, grey))
}

/// The pair and stream routes take raw RGBA8 only: any other media type,
/// PNG too, is a 415.
pub(crate) fn raw_body_only(request: &IncomingRequest) -> Result<(), HttpError> {
    body::body_kind(request, false).map(drop)
}

/// The `width` and `height` parameters of a raw body, judged against the
/// frame limits (400 or 413), and the pixels they make.
pub(crate) fn raw_size(
    params: &Params,
    limits: &RequestLimits,
) -> Result<(u32, u32, u64), HttpError> {
    let (width, height): (u32, u32) = (params.required("width")?, params.required("height")?);
    let pixels = limits.frame.check(width, height)? as u64;
    Ok((width, height, pixels))
}

/// The frame of a single-frame route: raw RGBA8 sized by the `width` and
/// `height` parameters, or a PNG that brings its own size.
async fn read_frame(
    request: IncomingRequest,
    params: &Params,
    limits: &RequestLimits,
) -> Result<(u32, u32, Vec<u8>), HttpError> {
    match body::body_kind(&request, true)? {
        BodyKind::Raw => {
            // Dimensions are judged (400 or 413) before the body is read.
            let (width, height, pixels) = raw_size(params, limits)?;
            let bytes = body::read(request, Some(pixels * 4), limits)?;
            Ok((width, height, bytes))
        }
        BodyKind::Png => {
            if params.has("width") || params.has("height") {
                return Err(HttpError::invalid_parameter(
                    "a PNG body brings its own size: leave out width and height",
                ));
            }
            let bytes = body::read(request, None, limits)?;
            let (width, height, pixels) = body::decode_png(&bytes, &limits.decode())?;
            limits.frame.check(width, height)?;
            Ok((width, height, pixels))
        }
    }
}

fn encode_png(
    bytes: &[u8],
    width: u32,
    height: u32,
    color: image::ExtendedColorType,
) -> Result<Vec<u8>, HttpError> {
    let mut png = Vec::new();
    image::write_buffer_with_format(
        &mut std::io::Cursor::new(&mut png),
        bytes,
        width,
        height,
        color,
        image::ImageFormat::Png,
    )
    .map_err(|e| HttpError::invalid_body(format!("could not encode the PNG: {e}")))?;
    Ok(png)
}

/// RGBA pixels as a `data:` URL of a PNG, for an SVG's background. The
/// PNG is freed once encoded into the URL, and the URL is not copied again.
fn png_data_url(rgba: &[u8], width: u32, height: u32) -> Result<String, HttpError> {
    use base64::Engine as _;
    let png = encode_png(rgba, width, height, image::ExtendedColorType::Rgba8)?;
    let mut url = String::from("data:image/png;base64,");
    base64::engine::general_purpose::STANDARD.encode_string(&png, &mut url);
    Ok(url)
}
