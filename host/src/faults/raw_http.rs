//! The fault run's HTTP client, written by hand on a TCP socket.
//!
//! Why not hyper: a fault run has to send what a good client never would
//! — a body shorter than its `content-length`, half a body and then
//! silence, a chunked stream that stops inside a frame, a request whose
//! answer is never read — and see exactly what came back and when the
//! connection ended. A client library completes, retries or refuses such
//! requests, and hides a cut connection behind its own error. Every
//! request here says `connection: close`, so an answer is everything read
//! until the server closes.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `GET /`, the server's index.
pub(super) const GET_INDEX: &[u8] = b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";

/// Raw RGBA8 frames' media type.
pub(super) const RAW: &str = "application/octet-stream";

/// The head of a POST of `length` body bytes of `content_type` to
/// `target`.
pub(super) fn post_head(target: &str, content_type: &str, length: usize) -> Vec<u8> {
    format!(
        "POST {target} HTTP/1.1\r\nhost: x\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// A whole raw-RGBA POST: the head for `body`, then `body`.
pub(super) fn raw_post(target: &str, body: &[u8]) -> Vec<u8> {
    with_body(post_head(target, RAW, body.len()), body)
}

/// `head` followed by `body`.
pub(super) fn with_body(mut head: Vec<u8>, body: &[u8]) -> Vec<u8> {
    head.extend_from_slice(body);
    head
}

/// The head of a chunked raw-RGBA POST to a stream route.
fn chunked_head(path: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {RAW}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// `data` as one HTTP chunk.
fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend(b"\r\n");
    out
}

/// How a request is sent, and how long its answer is waited for.
#[derive(Debug)]
pub(super) enum Send {
    /// Writes the request, then reads the answer.
    Whole { request: Vec<u8>, wait: Duration },
    /// Writes the request and closes the writing side at once, then reads.
    ThenClose { request: Vec<u8>, wait: Duration },
    /// Writes the request and reads nothing until `look`, then reads what
    /// the server sent before it closed (or everything, if it never cut
    /// the connection).
    NeverRead { request: Vec<u8>, look: Duration },
    /// A chunked POST of `chunks` (one HTTP chunk each) to a stream route,
    /// then the end of the body, or, when `stall`, nothing more.
    Stream {
        path: String,
        chunks: Vec<Vec<u8>>,
        stall: bool,
        wait: Duration,
    },
    /// A chunked POST to a stream route that sends `chunk` every `every`,
    /// on and on, while it reads the answer.
    Trickle {
        path: String,
        chunk: Vec<u8>,
        every: Duration,
        wait: Duration,
    },
    /// Sends `frame` to a stream route again and again and reads nothing,
    /// until a write fails (the server cut the connection) or `wait`
    /// passes.
    StreamNeverRead {
        path: String,
        frame: Vec<u8>,
        wait: Duration,
    },
}

/// A response as far as it came: no status when nothing (or no whole
/// head) came.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Response {
    pub status: Option<u16>,
    pub body: Vec<u8>,
}

/// What came of a request.
#[derive(Debug, PartialEq)]
pub(super) enum Answer {
    /// The server's answer (empty when it never answered).
    Response(Response),
    /// A client that only wrote: whether the server cut it off.
    Writes { cut: bool },
}

impl Send {
    /// Sends the request; a connection that cannot be made is no answer.
    pub(super) async fn send(self, authority: &str) -> Answer {
        match self.run(authority).await {
            Ok(answer) => answer,
            Err(_) => Answer::Response(Response::default()),
        }
    }

    async fn run(self, authority: &str) -> std::io::Result<Answer> {
        let mut stream = TcpStream::connect(authority).await?;
        let response = match self {
            Send::Whole { request, wait } => {
                // A server may answer and close before taking the whole
                // request (an early 413): a failed write is not the end.
                let _ = stream.write_all(&request).await;
                read_answer(&mut stream, wait).await
            }
            Send::ThenClose { request, wait } => {
                let _ = stream.write_all(&request).await;
                let _ = stream.shutdown().await;
                read_answer(&mut stream, wait).await
            }
            Send::NeverRead { request, look } => {
                stream.write_all(&request).await?;
                tokio::time::sleep(look).await;
                read_answer(&mut stream, Duration::from_secs(30)).await
            }
            Send::Stream {
                path,
                chunks,
                stall,
                wait,
            } => {
                let mut request = chunked_head(&path);
                for data in &chunks {
                    request.extend(chunk(data));
                }
                if !stall {
                    request.extend(b"0\r\n\r\n");
                }
                let _ = stream.write_all(&request).await;
                read_answer(&mut stream, wait).await
            }
            Send::Trickle {
                path,
                chunk: data,
                every,
                wait,
            } => {
                let (mut reader, mut writer) = stream.into_split();
                writer.write_all(&chunked_head(&path)).await?;
                let body = chunk(&data);
                let sender = tokio::spawn(async move {
                    while writer.write_all(&body).await.is_ok() {
                        tokio::time::sleep(every).await;
                    }
                });
                let response = read_answer(&mut reader, wait).await;
                sender.abort();
                response
            }
            Send::StreamNeverRead { path, frame, wait } => {
                stream.write_all(&chunked_head(&path)).await?;
                let body = chunk(&frame);
                let cut = tokio::time::timeout(wait, async {
                    while stream.write_all(&body).await.is_ok() {}
                })
                .await
                .is_ok();
                return Ok(Answer::Writes { cut });
            }
        };
        Ok(Answer::Response(response))
    }
}

/// Reads until the server closes, for at most `wait`.
async fn read_answer(stream: &mut (impl AsyncReadExt + Unpin), wait: Duration) -> Response {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buffer = [0u8; 16 << 10];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    if read.is_err() && bytes.is_empty() {
        return Response::default();
    }
    parse_response(&bytes)
}

/// The status and the body (dechunked; by `content-length`, else all that
/// follows the head) of a raw HTTP/1.1 answer.
pub(super) fn parse_response(bytes: &[u8]) -> Response {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Response::default();
    };
    let head = String::from_utf8_lossy(&bytes[..end]);
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|s| s.parse().ok());
    let header = |wanted: &str| {
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case(wanted).then(|| value.trim())
        })
    };
    let body = &bytes[end + 4..];
    if header("transfer-encoding") == Some("chunked") {
        return Response {
            status,
            body: dechunk(body),
        };
    }
    let body = match header("content-length").and_then(|n| n.parse::<usize>().ok()) {
        Some(n) if n <= body.len() => &body[..n],
        _ => body,
    };
    Response {
        status,
        body: body.to_vec(),
    }
}

/// The data of a chunked body, as far as it came.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok());
        let Some(size) = size.filter(|&n| n > 0) else {
            break;
        };
        let data = &body[line_end + 2..];
        let take = size.min(data.len());
        out.extend_from_slice(&data[..take]);
        body = data.get(take + 2..).unwrap_or(&[]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_parsed_by_length_chunks_or_what_came() {
        let answer =
            parse_response(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 3\r\n\r\nabcdef");
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (Some(413), &b"abc"[..])
        );
        assert_eq!(parse_response(b"garbage"), Response::default());
        // A chunked answer, its chunks joined; one cut short keeps what came.
        let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        chunked.extend(chunk(b"hello "));
        chunked.extend(chunk(b"world"));
        let whole = [chunked.as_slice(), b"0\r\n\r\n"].concat();
        assert_eq!(parse_response(&whole).body, b"hello world");
        assert_eq!(
            parse_response(&chunked[..chunked.len() - 4]).body,
            b"hello wor"
        );
        // A content-length longer than what came: all that came.
        let short = parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
        assert_eq!(short.body, b"abc");
    }

    #[test]
    fn requests_are_framed_as_http_1_1() {
        let request = raw_post("/greyscale?width=1&height=1", &[1, 2, 3, 4]);
        let text = String::from_utf8_lossy(&request);
        assert!(text.starts_with("POST /greyscale?width=1&height=1 HTTP/1.1\r\n"));
        assert!(text.contains("content-length: 4\r\n"));
        assert!(request.ends_with(b"\r\n\r\n\x01\x02\x03\x04"));
        assert_eq!(
            chunk(&[0; 26]),
            [&b"1a\r\n"[..], &[0; 26], b"\r\n"].concat()
        );
        let head = String::from_utf8(chunked_head("/motion/stream?width=1&height=1")).unwrap();
        assert!(head.contains("transfer-encoding: chunked\r\n") && head.ends_with("\r\n\r\n"));
    }
}
