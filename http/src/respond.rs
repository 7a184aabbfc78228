//! Answers: successful replies and JSON errors, with their status codes.

use spin_sdk::http::{Fields, OutgoingResponse, ResponseOutparam};

/// An error answer: `{"error":{"kind":"…","message":"…"}}`.
#[derive(Debug)]
pub struct HttpError {
    /// HTTP status, 4xx for anything the client sent.
    pub status: u16,
    /// A WIT error case name or an HTTP-level kind.
    pub kind: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The `allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl HttpError {
    fn new(status: u16, kind: &'static str, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            kind,
            message: message.into(),
            allow: None,
        }
    }

    pub fn not_found(path: &str) -> HttpError {
        HttpError::new(
            404,
            "not-found",
            format!("no route {path}; GET / lists them"),
        )
    }

    pub fn method_not_allowed(allow: &'static str) -> HttpError {
        HttpError {
            allow: Some(allow),
            ..HttpError::new(
                405,
                "method-not-allowed",
                format!("this route takes {allow}"),
            )
        }
    }

    pub fn unsupported_media_type(got: &str, accepted: &str) -> HttpError {
        HttpError::new(
            415,
            "unsupported-media-type",
            format!("content-type {got:?} is not accepted here; send {accepted}"),
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> HttpError {
        HttpError::new(400, "invalid-parameter", message)
    }

    pub fn length_mismatch(expected: u64, actual: u64) -> HttpError {
        HttpError::new(
            400,
            "length-mismatch",
            format!("the body must be {expected} bytes (width·height·4 a frame), got {actual}"),
        )
    }

    pub fn body_too_large(limit: u64) -> HttpError {
        HttpError::new(
            413,
            "too-large",
            format!("the body is over the {limit}-byte limit"),
        )
    }

    pub fn timeout() -> HttpError {
        HttpError::new(
            408,
            "timeout",
            "the request body did not arrive within the deadline",
        )
    }

    pub fn invalid_body(message: impl Into<String>) -> HttpError {
        HttpError::new(400, "invalid-body", message)
    }
}

impl From<ghostlines_core::Error> for HttpError {
    fn from(e: ghostlines_core::Error) -> HttpError {
        let status = match e {
            ghostlines_core::Error::TooLarge { .. } => 413,
            _ => 400,
        };
        HttpError::new(status, e.kind(), e.to_string())
    }
}

/// A reply about to be sent.
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    /// 200 with `body` of `content_type`.
    pub fn ok(content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }

    /// 200 with a JSON body.
    pub fn json(value: &impl serde::Serialize) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply::ok("application/json", body),
            // Our own types always serialise; say so if one ever does not.
            Err(e) => Reply::from(HttpError::new(500, "internal", e.to_string())),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl ToString) -> Reply {
        self.headers.push((name.into(), value.to_string()));
        self
    }

    /// Sends the reply.
    pub async fn send(self, out: ResponseOutparam) {
        let mut headers: Vec<(String, Vec<u8>)> = self
            .headers
            .into_iter()
            .map(|(k, v)| (k, v.into_bytes()))
            .collect();
        headers.push((
            "content-length".into(),
            self.body.len().to_string().into_bytes(),
        ));
        let fields = match Fields::from_list(&headers) {
            Ok(fields) => fields,
            Err(e) => {
                eprintln!("ghostlines-http: bad response headers: {e:?}");
                Fields::new()
            }
        };
        let response = OutgoingResponse::new(fields);
        if response.set_status_code(self.status).is_err() {
            eprintln!("ghostlines-http: bad status {}", self.status);
        }
        if let Err(e) = out.set_with_body(response, self.body).await {
            // The client went away; nobody is left to tell.
            eprintln!("ghostlines-http: could not send the response: {e:?}");
        }
    }
}

impl From<HttpError> for Reply {
    fn from(e: HttpError) -> Reply {
        let body = serde_json::json!({ "error": { "kind": e.kind, "message": e.message } });
        let mut reply = Reply {
            status: e.status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        if let Some(allow) = e.allow {
            reply = reply.header("allow", allow);
        }
        reply
    }
}
