//! The HTTP component in-process, as `ghostlines serve`'s host runs it
//! (no sockets): hosts, requests with bodies at any pace, and answers read
//! to their end. Shared by `http.rs` and `stream.rs`.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ghostlines::serve::{HttpHost, ServeLimits};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame};

/// A runtime for one request or a few.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A host with `limits`, which must be limits that `ghostlines serve`
/// accepts: every answer the tests see comes from a setup its flags can
/// make.
pub(crate) fn host_with(limits: ServeLimits) -> Arc<HttpHost> {
    limits.check().expect("limits the CLI accepts");
    HttpHost::new(limits).unwrap()
}

/// An answer read to its end: status, headers, body, whether it ended
/// cleanly, and when.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
    /// Whether the body ended cleanly (a final chunk), not cut short.
    pub finished: bool,
    /// From sending the request to the answer's end.
    pub took: Duration,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default().to_string()
    }

    /// The `kind` of a JSON error body (which must have a message too).
    pub fn kind(&self) -> String {
        assert_eq!(self.header("content-type"), Some("application/json"));
        let json: serde_json::Value = serde_json::from_slice(&self.body).expect("a JSON error");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        json["error"]["kind"]
            .as_str()
            .expect("error.kind")
            .to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON")
    }
}

/// Sends `request` to `host` and reads the answer to its end.
pub(crate) async fn send_to<B>(host: &HttpHost, request: hyper::Request<B>) -> Answer
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let started = Instant::now();
    let response = host.handle(request).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    let finished = loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    bytes.extend_from_slice(&data);
                }
            }
            Some(Err(_)) => break false,
            None => break true,
        }
    };
    Answer {
        status,
        headers,
        body: bytes,
        finished,
        took: started.elapsed(),
    }
}

/// A body of chunks, each after its delay, then its end or (`stall`)
/// nothing ever again: a client at any pace.
pub(crate) struct Paced {
    chunks: VecDeque<(Duration, Bytes)>,
    wait: Option<Pin<Box<tokio::time::Sleep>>>,
    stall: bool,
}

impl Paced {
    pub fn new(chunks: VecDeque<(Duration, Bytes)>, stall: bool) -> Paced {
        Paced {
            chunks,
            wait: None,
            stall,
        }
    }

    /// `first` at once, then nothing, ever.
    pub fn stalled_after(first: Bytes) -> Paced {
        Paced::new(VecDeque::from([(Duration::ZERO, first)]), true)
    }
}

impl Body for Paced {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let Some(&(delay, _)) = self.chunks.front() else {
            return if self.stall {
                Poll::Pending
            } else {
                Poll::Ready(None)
            };
        };
        if !delay.is_zero() {
            let wait = self
                .wait
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(delay)));
            if wait.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.wait = None;
        }
        let (_, chunk) = self.chunks.pop_front().unwrap();
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }
}

/// A body of `total` bytes made lazily in 1 MiB chunks, with no length
/// announced (as a chunked upload).
pub(crate) struct Generated {
    left: usize,
}

impl Body for Generated {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(1 << 20);
        self.left -= n;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![1u8; n])))))
    }
}

/// A POST of `total` generated bytes of `content_type` to `uri`.
pub(crate) fn generated(uri: &str, content_type: &str, total: usize) -> hyper::Request<Generated> {
    hyper::Request::post(format!("http://localhost{uri}"))
        .header("content-type", content_type)
        .body(Generated { left: total })
        .unwrap()
}
