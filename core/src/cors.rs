//! Cross-origin requests (CORS): which web pages may call the HTTP API, and
//! the headers that say so. Said once here for the HTTP component, which
//! answers every route and every preflight, and for `ghostlines serve`,
//! which answers a few refusals itself before any instance runs.
//!
//! The API takes no credentials (no cookies, no `authorization`), so the
//! default, any origin (`*`), gives a page no more than `curl` has. A list
//! of origins restricts which pages' scripts may read the answers.

use std::fmt;
use std::str::FromStr;

/// The environment variable that carries the allowed origins to the HTTP
/// component: `*`, `none`, or origins separated by commas.
pub const CORS_VARIABLE: &str = "GHOSTLINES_CORS_ORIGIN";

/// Request headers a page may send beyond the CORS-safelisted ones:
/// `content-type` (the raw body's `application/octet-stream` is not
/// safelisted) and `accept` (to ask for PNG or SVG).
pub const ALLOWED_HEADERS: [&str; 2] = ["content-type", "accept"];

/// Answer headers a page's script may read beyond the safelisted ones: the
/// size of a greyscale or drawn frame, and a 405's method.
pub const EXPOSED_HEADERS: [&str; 3] = ["x-width", "x-height", "allow"];

/// How long a browser may keep a preflight's answer: two hours, Chromium's
/// own ceiling.
pub const PREFLIGHT_MAX_AGE_SECONDS: u32 = 7200;

/// Which pages may read the API's answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CorsOrigins {
    /// Every page: `access-control-allow-origin: *`.
    #[default]
    Any,
    /// Only pages from these origins (lowercase `scheme://host[:port]`);
    /// none when empty. The answer names the request's origin, with
    /// `vary: origin`, since it depends on it.
    Listed(Vec<String>),
}

/// A `GHOSTLINES_CORS_ORIGIN` or `--cors-origin` value that is not `*`,
/// `none` or a list of origins.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid CORS origin {given:?}: {why} (give *, none, or origins such as http://localhost:8080 separated by commas)"
)]
pub struct OriginError {
    /// The origin refused.
    pub given: String,
    /// Why.
    pub why: &'static str,
}

impl FromStr for CorsOrigins {
    type Err = OriginError;

    fn from_str(value: &str) -> Result<CorsOrigins, OriginError> {
        match value.trim() {
            "*" => Ok(CorsOrigins::Any),
            "none" => Ok(CorsOrigins::Listed(Vec::new())),
            list => list
                .split(',')
                .map(|origin| checked_origin(origin.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map(CorsOrigins::Listed),
        }
    }
}

impl fmt::Display for CorsOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsOrigins::Any => f.write_str("*"),
            CorsOrigins::Listed(origins) if origins.is_empty() => f.write_str("none"),
            CorsOrigins::Listed(origins) => f.write_str(&origins.join(",")),
        }
    }
}

/// `origin` as a browser sends it (`scheme://host[:port]`, no path, no
/// trailing slash), lowercased, or why it is not one.
fn checked_origin(origin: &str) -> Result<String, OriginError> {
    let refuse = |why| OriginError {
        given: origin.to_string(),
        why,
    };
    let (scheme, authority) = origin
        .split_once("://")
        .ok_or_else(|| refuse("an origin is scheme://host[:port]"))?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return Err(refuse("the scheme is not one"));
    }
    if authority.is_empty() {
        return Err(refuse("the host is missing"));
    }
    if authority.contains(['/', '?', '#']) {
        return Err(refuse("an origin has no path, query or trailing slash"));
    }
    if !authority.bytes().all(|b| b.is_ascii_graphic()) || authority.contains(['*', ',', '@']) {
        return Err(refuse("the host has characters an origin cannot"));
    }
    Ok(origin.to_ascii_lowercase())
}

/// A header of an answer, as (name, value).
pub type Header = (&'static str, String);

/// A CORS preflight: an `OPTIONS` request with
/// `access-control-request-method`.
#[derive(Debug, Clone, Copy)]
pub struct Preflight<'a> {
    /// The page's origin, if the browser sent one.
    pub origin: Option<&'a str>,
    /// The method the page wants to use.
    pub method: &'a str,
    /// The headers it wants to send (`access-control-request-headers`).
    pub headers: Option<&'a str>,
}

/// Why a preflight is refused: its status, its error kind and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightRefusal {
    /// 403 (origin), 405 (method) or 400 (header).
    pub status: u16,
    /// `origin-not-allowed`, `method-not-allowed` or `header-not-allowed`.
    pub kind: &'static str,
    /// A sentence for people.
    pub message: String,
}

impl CorsOrigins {
    /// Whether a page from `origin` may read answers.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            CorsOrigins::Any => true,
            CorsOrigins::Listed(origins) => origins.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }

    /// The headers every answer to a request from `origin` carries (an
    /// error's, a stream's and a preflight's too).
    pub fn answer_headers(&self, origin: Option<&str>) -> Vec<Header> {
        let exposed = ("access-control-expose-headers", EXPOSED_HEADERS.join(", "));
        match self {
            CorsOrigins::Any => vec![("access-control-allow-origin", "*".into()), exposed],
            CorsOrigins::Listed(_) => {
                let mut headers = vec![("vary", "origin".into())];
                if let Some(origin) = origin.filter(|o| self.allows(o)) {
                    headers.push(("access-control-allow-origin", origin.to_string()));
                    headers.push(exposed);
                }
                headers
            }
        }
    }

    /// The answer to `preflight` on a route that takes `route_method`:
    /// the headers of its 204 beside [`CorsOrigins::answer_headers`], or
    /// why it is refused.
    pub fn preflight(
        &self,
        preflight: &Preflight<'_>,
        route_method: &'static str,
    ) -> Result<Vec<Header>, PreflightRefusal> {
        let refuse = |status, kind, message: String| PreflightRefusal {
            status,
            kind,
            message,
        };
        if let Some(origin) = preflight.origin
            && !self.allows(origin)
        {
            return Err(refuse(
                403,
                "origin-not-allowed",
                format!(
                    "pages from {origin} may not call this server (its allowed origins: {self})"
                ),
            ));
        }
        if !preflight.method.trim().eq_ignore_ascii_case(route_method) {
            return Err(refuse(
                405,
                "method-not-allowed",
                format!(
                    "the preflight asks for {}; this route takes {route_method}",
                    preflight.method.trim()
                ),
            ));
        }
        let asked = preflight.headers.unwrap_or("");
        let refused: Vec<&str> = asked
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty() && !ALLOWED_HEADERS.iter().any(|a| a.eq_ignore_ascii_case(h)))
            .collect();
        if !refused.is_empty() {
            return Err(refuse(
                400,
                "header-not-allowed",
                format!(
                    "the preflight asks to send {}; a page may send {} (and the safelisted ones)",
                    refused.join(", "),
                    ALLOWED_HEADERS.join(", ")
                ),
            ));
        }
        Ok(vec![
            ("access-control-allow-methods", route_method.to_string()),
            ("access-control-allow-headers", ALLOWED_HEADERS.join(", ")),
            (
                "access-control-max-age",
                PREFLIGHT_MAX_AGE_SECONDS.to_string(),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'h>(headers: &'h [Header], name: &str) -> Option<&'h str> {
        headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn settings_parse_to_any_none_or_a_list() {
        assert_eq!("*".parse(), Ok(CorsOrigins::Any));
        assert_eq!(" none ".parse(), Ok(CorsOrigins::Listed(vec![])));
        let listed: CorsOrigins = "http://localhost:8080, HTTPS://Example.org"
            .parse()
            .unwrap();
        assert_eq!(
            listed,
            CorsOrigins::Listed(vec![
                "http://localhost:8080".into(),
                "https://example.org".into()
            ])
        );
        assert_eq!(
            listed.to_string(),
            "http://localhost:8080,https://example.org"
        );
        for bad in [
            "",
            "localhost:8080",
            "http://",
            "http://a.org/",
            "http://a.org/app",
            "*,http://a.org",
            "http://a b",
        ] {
            let e = bad.parse::<CorsOrigins>().unwrap_err();
            assert!(e.to_string().contains("invalid CORS origin"), "{bad}: {e}");
        }
    }

    #[test]
    fn any_origin_answers_star_and_exposes_the_size_headers() {
        let headers = CorsOrigins::Any.answer_headers(Some("http://localhost:8080"));
        assert_eq!(header(&headers, "access-control-allow-origin"), Some("*"));
        assert_eq!(
            header(&headers, "access-control-expose-headers"),
            Some("x-width, x-height, allow")
        );
        assert_eq!(header(&headers, "vary"), None);
    }

    #[test]
    fn a_list_names_the_origin_it_allows_and_varies_on_it() {
        let listed: CorsOrigins = "http://localhost:8080".parse().unwrap();
        let allowed = listed.answer_headers(Some("http://localhost:8080"));
        assert_eq!(
            header(&allowed, "access-control-allow-origin"),
            Some("http://localhost:8080")
        );
        assert_eq!(header(&allowed, "vary"), Some("origin"));
        for other in [Some("http://evil.example"), None] {
            let refused = listed.answer_headers(other);
            assert_eq!(header(&refused, "access-control-allow-origin"), None);
            assert_eq!(header(&refused, "access-control-expose-headers"), None);
            assert_eq!(header(&refused, "vary"), Some("origin"));
        }
    }

    #[test]
    fn preflights_are_answered_or_refused_by_origin_method_and_header() {
        let listed: CorsOrigins = "http://localhost:8080".parse().unwrap();
        let ask = |origin, method, headers| Preflight {
            origin: Some(origin),
            method,
            headers,
        };
        let ok = listed
            .preflight(
                &ask("http://localhost:8080", "POST", Some("Content-Type")),
                "POST",
            )
            .unwrap();
        assert_eq!(header(&ok, "access-control-allow-methods"), Some("POST"));
        assert_eq!(
            header(&ok, "access-control-allow-headers"),
            Some("content-type, accept")
        );
        assert_eq!(header(&ok, "access-control-max-age"), Some("7200"));
        let refusal = |p: Preflight<'_>| listed.preflight(&p, "POST").unwrap_err();
        let origin = refusal(ask("http://evil.example", "POST", None));
        assert_eq!((origin.status, origin.kind), (403, "origin-not-allowed"));
        let method = refusal(ask("http://localhost:8080", "PUT", None));
        assert_eq!((method.status, method.kind), (405, "method-not-allowed"));
        let header = refusal(ask(
            "http://localhost:8080",
            "POST",
            Some("content-type, x-secret"),
        ));
        assert_eq!((header.status, header.kind), (400, "header-not-allowed"));
        assert!(
            header
                .message
                .starts_with("the preflight asks to send x-secret;")
        );
    }
}
