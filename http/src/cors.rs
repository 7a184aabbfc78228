//! CORS on every answer and preflight: core's policy, with the origins the
//! host sets in [`CORS_VARIABLE`] (`ghostlines serve --cors-origin`,
//! `wasmtime serve --env`, spin.toml's `environment`).

use ghostlines_core::{CORS_VARIABLE, CorsOrigins, Preflight};
use spin_sdk::http::{IncomingRequest, Method};

use crate::body::header;
use crate::respond::{HttpError, Reply};
use crate::route::Route;

/// The CORS side of one request: the allowed origins and the page's own.
pub(crate) struct Cors {
    origins: CorsOrigins,
    /// The request's `origin` header, if it has one.
    origin: Option<String>,
}

impl Cors {
    /// The policy the host set (any origin when it set none) for
    /// `request`. A value that does not parse allows no origin, rather
    /// than every one, and says so on standard error.
    pub(crate) fn for_request(request: &IncomingRequest) -> Cors {
        let origins = match std::env::var(CORS_VARIABLE) {
            Err(_) => CorsOrigins::Any,
            Ok(value) => value.parse().unwrap_or_else(|e| {
                eprintln!("ghostlines-http: {e}; no origin is allowed");
                CorsOrigins::Listed(Vec::new())
            }),
        };
        Cors {
            origins,
            origin: header(request, "origin"),
        }
    }

    /// The headers every answer carries, as (name, value).
    pub(crate) fn headers(&self) -> Vec<(String, String)> {
        self.origins
            .answer_headers(self.origin.as_deref())
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect()
    }

    /// The answer to `request` on `route` if it is a preflight (an
    /// `OPTIONS` with `access-control-request-method`): 204 with what may
    /// be sent, or a 4xx saying what may not.
    pub(crate) fn preflight(
        &self,
        request: &IncomingRequest,
        route: Route,
    ) -> Option<Result<Reply, HttpError>> {
        if request.method() != Method::Options {
            return None;
        }
        let method = header(request, "access-control-request-method")?;
        let headers = header(request, "access-control-request-headers");
        let preflight = Preflight {
            origin: self.origin.as_deref(),
            method: &method,
            headers: headers.as_deref(),
        };
        Some(match self.origins.preflight(&preflight, route.method()) {
            Ok(allowed) => Ok(Reply::no_content().headers(
                allowed
                    .into_iter()
                    .map(|(name, value)| (name.to_string(), value))
                    .collect(),
            )),
            Err(refusal) => Err(HttpError::from(refusal)),
        })
    }
}
