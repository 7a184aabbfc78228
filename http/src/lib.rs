//! The ghostlines HTTP component: POST raw RGBA8 frames (or PNG), get grey
//! bytes, adjusted frames, centroids or ghost-line vectors back. A
//! `wasi:http/incoming-handler` built with spin-sdk, so it runs under Spin,
//! `wasmtime serve` and `ghostlines serve` alike. Thin: one function per
//! route over `ghostlines-core`.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod body;
mod cors;
mod deadline;
mod encode;
mod frames;
mod framing;
mod limits;
mod query;
mod respond;
mod route;
mod routes;
mod settings;
mod stream;

use spin_sdk::http::{IncomingRequest, Method};

use crate::cors::Cors;
use crate::limits::RequestLimits;
use crate::respond::{HttpError, Reply};
use crate::route::Route;

/// The pure parts of request handling, for `fuzz/` (not an API).
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::body::{BodyKind, Framing, decode_png, media_kind};
    pub use crate::framing::{StreamFraming, frames_of};
    pub use crate::limits::RequestLimits;
    pub use crate::respond::HttpError;
    pub use crate::settings::judge_query;
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
        // Every answer carries the CORS headers: errors and streams too.
        let cors = super::Cors::for_request(&request);
        if let Some((route, query)) = super::stream_route(&request) {
            let limits = super::RequestLimits::from_env();
            return super::stream::handle(request, out, route, &query, &limits, cors.headers())
                .await;
        }
        let reply = super::route(request, &cors)
            .await
            .unwrap_or_else(Reply::from);
        reply.headers(cors.headers()).send(out).await;
    }
}

/// A request's path and query.
fn path_and_query(request: &IncomingRequest) -> (String, String) {
    let whole = request.path_with_query().unwrap_or_else(|| "/".into());
    match whole.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (whole, String::new()),
    }
}

/// The route and query of a POST to a stream route, which answers as it
/// reads (not through a `Reply`).
fn stream_route(request: &IncomingRequest) -> Option<(stream::StreamRoute, String)> {
    let (path, query) = path_and_query(request);
    let route = Route::at(&path)?.stream()?;
    (request.method() == Method::Post).then_some((route, query))
}

async fn route(request: IncomingRequest, cors: &Cors) -> Result<Reply, HttpError> {
    let limits = RequestLimits::from_env();
    let limits = &limits;
    let (path, query) = path_and_query(&request);
    let route = Route::at(&path).ok_or_else(|| HttpError::not_found(&path))?;
    if let Some(preflight) = cors.preflight(&request, route) {
        return preflight;
    }
    let allowed = match route.method() {
        "GET" => request.method() == Method::Get,
        _ => request.method() == Method::Post,
    };
    if !allowed {
        return Err(HttpError::method_not_allowed(route.method()));
    }
    let query = query.as_str();
    match route {
        Route::Index => Ok(routes::index(limits)),
        Route::Greyscale => routes::greyscale(request, query, limits).await,
        Route::Adjust => routes::adjust(request, query, limits).await,
        Route::Centroid => routes::centroid(request, query, limits).await,
        Route::Edges => routes::edges(request, query, limits).await,
        Route::Motion => routes::motion(request, query, limits).await,
        Route::Render => routes::render(request, query, limits).await,
        Route::Flow => routes::flow(request, query, limits).await,
        // A POST to a stream route is answered as it reads (`stream_route`).
        Route::MotionStream | Route::RenderStream => Err(HttpError::method_not_allowed("POST")),
    }
}
