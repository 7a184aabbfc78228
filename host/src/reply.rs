//! Answers the host makes itself (not the component): JSON errors and
//! whole bodies, for the server and the app's file server.

use bytes::Bytes;
use ghostlines_core::ErrorReport;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// A JSON error answer made by the host itself.
pub fn error_response(
    status: u16,
    kind: &str,
    message: &str,
) -> hyper::Response<HyperOutgoingBody> {
    let body = serde_json::to_vec(&ErrorReport::new(kind, message, None));
    let mut response = hyper::Response::new(full_body(body.expect("strings").into()));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// A whole body from bytes.
pub(crate) fn full_body(bytes: Bytes) -> HyperOutgoingBody {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}
