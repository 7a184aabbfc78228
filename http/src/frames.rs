//! The frames a request brings: raw RGBA8 sized by the query, or a PNG
//! that brings its own size, judged against the frame limits.

use ghostlines_core::{self as core_, Frame};
use spin_sdk::http::IncomingRequest;

use crate::body::{self, BodyKind};
use crate::limits::RequestLimits;
use crate::query::Params;
use crate::respond::HttpError;

/// The frame of a single-frame route, checked against the frame limits and
/// made grey by `method`. The body is ours: its buffer becomes the plane
/// (`greyscale_owned`).
pub(crate) async fn read_grey(
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
pub(crate) async fn read_frame(
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
