//! A request's query made into core's settings, judged before its body is
//! read: the tracker's, the painter's, the edges', and the frames' rate.

use ghostlines_core::{
    Adjustment, Background, Colouring, EdgeSettings, FieldSettings, FlowSettings, FrameRate,
    GradientOperator, LineShape, Painter, PainterSettings, Rgba, Tracker, TrackerMode,
    TrackerSettings,
};

use crate::frames::raw_size;
use crate::limits::RequestLimits;
use crate::query::Params;
use crate::respond::HttpError;
use crate::route::Route;

/// What a tracking route (`/motion`, `/render` and their streams) takes
/// from its query: a tracker and the size of its raw frames.
pub(crate) struct Tracking {
    pub tracker: Tracker,
    pub width: u32,
    pub height: u32,
    /// `width · height`.
    pub pixels: u64,
}

impl Tracking {
    /// The tracker and frame size of `/motion` and `/motion/stream`, each
    /// refused (400 or 413) before the body is read.
    pub(crate) fn from_query(
        params: &Params,
        limits: &RequestLimits,
    ) -> Result<Tracking, HttpError> {
        Ok(Tracking::with(params, limits, || Ok(()))?.0)
    }

    /// The same for `/render` and `/render/stream`, with their painter.
    pub(crate) fn drawing(
        params: &Params,
        limits: &RequestLimits,
    ) -> Result<(Tracking, Painter), HttpError> {
        Tracking::with(params, limits, || {
            Ok(Painter::new(painter_settings(params)?)?)
        })
    }

    /// The tracker, then what `between` makes, then the size: the order
    /// in which their refusals come.
    fn with<T>(
        params: &Params,
        limits: &RequestLimits,
        between: impl FnOnce() -> Result<T, HttpError>,
    ) -> Result<(Tracking, T), HttpError> {
        let tracker = Tracker::new(motion_settings(params)?)?;
        let made = between()?;
        let (width, height, pixels) = raw_size(params, limits)?;
        let tracking = Tracking {
            tracker,
            width,
            height,
            pixels,
        };
        Ok((tracking, made))
    }
}

/// The stream routes' `fps`: the frames' rate, [`FrameRate::DEFAULT`] when
/// left out.
pub(crate) fn frame_rate(params: &Params) -> Result<FrameRate, HttpError> {
    Ok(params
        .optional::<String>("fps")?
        .map(|fps| fps.parse::<FrameRate>())
        .transpose()?
        .unwrap_or(FrameRate::DEFAULT))
}

/// The painter settings of `/render`'s query.
fn painter_settings(params: &Params) -> Result<PainterSettings, HttpError> {
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
fn motion_settings(params: &Params) -> Result<TrackerSettings, HttpError> {
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
        TrackerMode::Field { step, settings } => {
            *step = params.optional("step")?.unwrap_or(*step);
            *settings = field_settings(params, *settings)?;
        }
    }
    Ok(mode)
}

/// What `/edges` takes from its query.
pub(crate) struct EdgeQuery {
    pub method: ghostlines_core::GreyMethod,
    pub settings: EdgeSettings,
    pub gradient_step: u32,
    pub operator: GradientOperator,
}

pub(crate) fn edge_query(params: &Params) -> Result<EdgeQuery, HttpError> {
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

/// The field settings of a query: `preset` (else `base`), with any
/// setting changed, judged.
fn field_settings(params: &Params, base: FieldSettings) -> Result<FieldSettings, HttpError> {
    let preset = match params.optional::<String>("preset")? {
        Some(name) => FieldSettings::preset(&name)?,
        None => base,
    };
    let settings = FieldSettings {
        patch: params.optional("patch")?.unwrap_or(preset.patch),
        stride: params.optional("stride")?.unwrap_or(preset.stride),
        finest_level: params
            .optional("finest_level")?
            .unwrap_or(preset.finest_level),
        iterations: params.optional("iterations")?.unwrap_or(preset.iterations),
        refinement: params.optional("refinement")?.unwrap_or(preset.refinement),
        fine_refinement: params
            .optional("fine_refinement")?
            .unwrap_or(preset.fine_refinement),
    };
    settings.check()?;
    Ok(settings)
}

/// What `/flow` takes from its query.
pub(crate) struct FieldQuery {
    pub method: ghostlines_core::GreyMethod,
    pub settings: FieldSettings,
    /// Where the colour coding saturates, pixels (the longest motion when
    /// left out).
    pub max_motion: Option<f32>,
}

/// The grey method, the preset (`medium` by default) with any setting
/// changed, and the colour coding's saturation, each judged.
pub(crate) fn field_query(params: &Params) -> Result<FieldQuery, HttpError> {
    let settings = field_settings(params, FieldSettings::default())?;
    let max_motion = params.optional::<f32>("max_motion")?;
    if let Some(max) = max_motion
        && !(max.is_finite() && max > 0.0)
    {
        return Err(HttpError::invalid_parameter(format!(
            "max_motion must be a number of pixels above 0, got {max}"
        )));
    }
    Ok(FieldQuery {
        method: params.grey_method()?,
        settings,
        max_motion,
    })
}

/// Everything a route judges from its query before it reads the body (what
/// the fuzzer drives): the same functions the routes call.
pub fn judge_query(path: &str, query: &str, limits: &RequestLimits) -> Result<(), HttpError> {
    let route = Route::at(path).ok_or_else(|| HttpError::not_found(path))?;
    let params = Params::parse(query, &route.params())?;
    // Single-frame routes take a PNG body without a size too.
    let size_if_given = |params: &Params| -> Result<(), HttpError> {
        if params.has("width") || params.has("height") {
            raw_size(params, limits)?;
        }
        Ok(())
    };
    match route {
        Route::Index => Ok(()),
        Route::Greyscale | Route::Centroid => {
            params.grey_method()?;
            size_if_given(&params)
        }
        Route::Adjust => {
            Adjustment::new(params.required("contrast")?, params.required("brightness")?)?;
            size_if_given(&params)
        }
        Route::Edges => {
            edge_query(&params)?;
            size_if_given(&params)
        }
        Route::Motion => Tracking::from_query(&params, limits).map(drop),
        Route::Flow => {
            field_query(&params)?;
            raw_size(&params, limits).map(drop)
        }
        Route::Render => Tracking::drawing(&params, limits).map(drop),
        Route::MotionStream => {
            frame_rate(&params)?;
            Tracking::from_query(&params, limits).map(drop)
        }
        Route::RenderStream => {
            frame_rate(&params)?;
            Tracking::drawing(&params, limits).map(drop)
        }
    }
}
