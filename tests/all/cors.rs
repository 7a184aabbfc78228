//! CORS in the HTTP component and the host's own refusals, in-process:
//! preflights answered for every POST route, and every answer (errors and
//! streams too) readable by the pages the host allows, and only by them.

use std::sync::Arc;

use bytes::Bytes;
use ghostlines::serve::{HttpHost, ServeLimits};
use ghostlines_core::CorsOrigins;
use http_body_util::Full;

use crate::in_process::{Answer, runtime, send_to};

const PAGE: &str = "http://localhost:8080";

fn host(origins: &str) -> Arc<HttpHost> {
    HttpHost::with_cors(ServeLimits::default(), origins.parse().unwrap()).unwrap()
}

fn call(
    host: &HttpHost,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1:3000{uri}"))
        .header("content-length", body.len());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Full::new(Bytes::from(body))).unwrap();
    runtime().block_on(send_to(host, request))
}

/// A page's POST of a raw body from `origin`.
fn post_from(host: &HttpHost, origin: &str, uri: &str, body: Vec<u8>) -> Answer {
    let headers = [
        ("origin", origin),
        ("content-type", "application/octet-stream"),
    ];
    call(host, "POST", uri, &headers, body)
}

/// A browser's preflight from `origin` for `method` with `headers`.
fn preflight(host: &HttpHost, origin: &str, uri: &str, method: &str, headers: &str) -> Answer {
    let mut asked = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    if !headers.is_empty() {
        asked.push(("access-control-request-headers", headers));
    }
    call(host, "OPTIONS", uri, &asked, Vec::new())
}

const POST_ROUTES: [&str; 8] = [
    "/greyscale",
    "/adjust",
    "/centroid",
    "/edges",
    "/motion",
    "/render",
    "/motion/stream",
    "/render/stream",
];

#[test]
fn by_default_every_answer_is_readable_from_any_page() {
    let host = host("*");
    let readable = |answer: &Answer, what: &str| {
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some("*"),
            "{what}"
        );
        assert_eq!(
            answer.header("access-control-expose-headers"),
            Some("x-width, x-height, allow"),
            "{what}"
        );
        assert_eq!(answer.header("vary"), None, "{what}");
    };
    let grey = post_from(&host, PAGE, "/greyscale?width=2&height=1", vec![9; 8]);
    assert_eq!((grey.status, grey.header("x-width")), (200, Some("2")));
    readable(&grey, "a frame");
    let refused = post_from(
        &host,
        PAGE,
        "/greyscale?width=2&height=1&method=nope",
        vec![9; 8],
    );
    assert_eq!(
        (refused.status, refused.kind().as_str()),
        (400, "invalid-parameter")
    );
    readable(&refused, "the component's refusal");
    readable(
        &call(&host, "GET", "/nope", &[("origin", PAGE)], vec![]),
        "a 404",
    );
    // Refused by the host from the head alone, before any instance runs.
    let early = post_from(&host, PAGE, "/greyscale?width=99999&height=1", vec![0; 4]);
    assert_eq!((early.status, early.kind().as_str()), (413, "too-large"));
    readable(&early, "the host's refusal");
    let stream = post_from(&host, PAGE, "/motion/stream?width=2&height=1", vec![7; 16]);
    assert_eq!(stream.status, 200);
    assert_eq!(stream.body.iter().filter(|&&b| b == b'\n').count(), 3);
    readable(&stream, "a stream");
    // A request without an origin (curl) gets the same answer.
    let curl = call(
        &host,
        "POST",
        "/centroid?width=1&height=1",
        &[],
        vec![1, 2, 3, 255],
    );
    readable(&curl, "a request from no page");
}

#[test]
fn preflights_are_answered_for_every_post_route() {
    let host = host("*");
    for route in POST_ROUTES {
        // The query the real request will have; its size is judged then.
        let uri = format!("{route}?width=99999&height=99999");
        let answer = preflight(&host, PAGE, &uri, "POST", "content-type");
        assert_eq!(
            answer.status,
            204,
            "{route}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(answer.body.is_empty());
        assert_eq!(answer.header("content-length"), None, "{route}");
        for (name, value) in [
            ("access-control-allow-origin", "*"),
            ("access-control-allow-methods", "POST"),
            ("access-control-allow-headers", "content-type, accept"),
            ("access-control-max-age", "7200"),
            ("access-control-expose-headers", "x-width, x-height, allow"),
        ] {
            assert_eq!(answer.header(name), Some(value), "{route} {name}");
        }
    }
    let index = preflight(&host, PAGE, "/", "GET", "");
    assert_eq!(
        (index.status, index.header("access-control-allow-methods")),
        (204, Some("GET"))
    );
    // An OPTIONS that is no preflight keeps its answer.
    let plain = call(&host, "OPTIONS", "/greyscale", &[], vec![]);
    assert_eq!(
        (plain.status, plain.kind().as_str()),
        (405, "method-not-allowed")
    );
    assert_eq!(plain.header("allow"), Some("POST"));
}

#[test]
fn bad_preflights_are_told_why_in_the_error_json() {
    let host = host("*");
    let method = preflight(&host, PAGE, "/motion", "PUT", "");
    assert_eq!(
        (method.status, method.kind().as_str()),
        (405, "method-not-allowed")
    );
    let header = preflight(&host, PAGE, "/motion", "POST", "content-type,x-api-key");
    assert_eq!(
        (header.status, header.kind().as_str()),
        (400, "header-not-allowed")
    );
    assert!(
        header.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("x-api-key")
    );
    let route = preflight(&host, PAGE, "/nope", "POST", "");
    assert_eq!((route.status, route.kind().as_str()), (404, "not-found"));
}

#[test]
fn a_list_of_origins_lets_only_those_pages_read() {
    let host = host("http://localhost:8080, https://sketch.example");
    let allowed = post_from(
        &host,
        PAGE,
        "/greyscale?width=1&height=1",
        vec![1, 2, 3, 255],
    );
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(PAGE));
    assert_eq!(allowed.header("vary"), Some("origin"));
    let early = post_from(&host, PAGE, "/greyscale?width=0&height=1", vec![]);
    assert_eq!(
        (early.status, early.header("access-control-allow-origin")),
        (400, Some(PAGE))
    );
    let ok = preflight(
        &host,
        "https://sketch.example",
        "/render",
        "POST",
        "content-type",
    );
    assert_eq!(ok.status, 204);
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://sketch.example")
    );
    // Another page: the answer comes (the server cannot stop a request),
    // but without the header a browser needs to hand it to the script.
    let elsewhere = "http://evil.example";
    let other = post_from(
        &host,
        elsewhere,
        "/greyscale?width=1&height=1",
        vec![1, 2, 3, 255],
    );
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), None);
    assert_eq!(other.header("access-control-expose-headers"), None);
    assert_eq!(other.header("vary"), Some("origin"));
    let refused = preflight(&host, elsewhere, "/render", "POST", "content-type");
    assert_eq!(
        (refused.status, refused.kind().as_str()),
        (403, "origin-not-allowed")
    );
    assert_eq!(refused.header("access-control-allow-origin"), None);
    // `none` allows no page.
    let none = host_none();
    let answer = post_from(
        &none,
        PAGE,
        "/centroid?width=1&height=1",
        vec![1, 2, 3, 255],
    );
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

fn host_none() -> Arc<HttpHost> {
    HttpHost::with_cors(ServeLimits::default(), CorsOrigins::Listed(Vec::new())).unwrap()
}
