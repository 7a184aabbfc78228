//! The ghostlines HTTP component: POST raw RGBA8 frames (or PNG), get grey
//! bytes, adjusted frames, centroids or ghost-line vectors back. A
//! `wasi:http/incoming-handler` built with spin-sdk, so it runs under Spin,
//! `wasmtime serve` and `ghostlines serve` alike. Thin: one function per
//! route over `ghostlines-core`.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod body;
mod deadline;
mod framing;
mod limits;
mod query;
mod respond;
mod routes;
mod stream;

use spin_sdk::http::{IncomingRequest, Method};

use crate::limits::RequestLimits;
use crate::respond::{HttpError, Reply};

/// The pure parts of request handling, for `fuzz/` (not an API).
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::body::{BodyKind, Framing, decode_png, media_kind};
    pub use crate::framing::{StreamFraming, frames_of};
    pub use crate::limits::RequestLimits;
    pub use crate::respond::HttpError;
    pub use crate::routes::judge_query;
}

/// The component's export. `#[http_component]` expands to the canonical
/// ABI's glue, which is unsafe: the allow covers this module only.
#[allow(unsafe_code)]
mod export {
    use spin_sdk::http::{IncomingRequest, ResponseOutparam};

    use crate::respond::Reply;

    // The export only exists in the component: natively (tests, the
    // fuzzer) the crate is a plain library.
    #[cfg_attr(target_arch = "wasm32", spin_sdk::http_component)]
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    async fn handle(request: IncomingRequest, out: ResponseOutparam) {
        if let Some((route, query)) = super::stream_route(&request) {
            let limits = super::RequestLimits::from_env();
            return super::stream::handle(request, out, route, &query, &limits).await;
        }
        let reply = super::route(request).await.unwrap_or_else(Reply::from);
        reply.send(out).await;
    }
}

/// The route and query of a POST to a stream route, which answers as it
/// reads (not through a `Reply`).
fn stream_route(request: &IncomingRequest) -> Option<(stream::StreamRoute, String)> {
    let path_and_query = request.path_with_query()?;
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((&path_and_query, ""));
    let route = stream::StreamRoute::at(path)?;
    (request.method() == Method::Post).then(|| (route, query.to_string()))
}

async fn route(request: IncomingRequest) -> Result<Reply, HttpError> {
    let limits = RequestLimits::from_env();
    let limits = &limits;
    let path_and_query = request.path_with_query().unwrap_or_else(|| "/".into());
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((&path_and_query, ""));
    let method = request.method();
    match path {
        "/" => match method {
            Method::Get => Ok(routes::index(limits)),
            _ => Err(HttpError::method_not_allowed("GET")),
        },
        "/greyscale" | "/adjust" | "/centroid" | "/edges" | "/motion" | "/render"
        | "/motion/stream" | "/render/stream"
            if method != Method::Post =>
        {
            Err(HttpError::method_not_allowed("POST"))
        }
        "/greyscale" => routes::greyscale(request, query, limits).await,
        "/adjust" => routes::adjust(request, query, limits).await,
        "/centroid" => routes::centroid(request, query, limits).await,
        "/edges" => routes::edges(request, query, limits).await,
        "/motion" => routes::motion(request, query, limits).await,
        "/render" => routes::render(request, query, limits).await,
        _ => Err(HttpError::not_found(path)),
    }
}
