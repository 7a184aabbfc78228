//! Lingering close, as nginx does it (`lingering_close`): a request answered
//! before its body was read whole has the rest of the body read and thrown
//! away for a while. Closed at once, the connection is reset under a
//! client that is still sending, and the answer is lost with it: Node's
//! `fetch` fails with EPIPE, a browser with a network error, instead of
//! showing the 400 or 413 that explains why. Read to its end, the
//! connection can also carry the client's next request.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Body;

/// The longest a body lingers after its answer.
pub(super) const LINGER_TIME: Duration = Duration::from_secs(5);
/// The longest it may go without a byte while it lingers: a client still
/// sending a body sends without pauses, and one that stopped, or trickles,
/// gets no more time (nor does its connection stay open much longer).
pub(super) const LINGER_IDLE: Duration = Duration::from_millis(250);

/// Reads what is left of `body` in a task of its own, at most `max_bytes`
/// of it and within [`LINGER_TIME`], and throws it away; the connection
/// closes if the body does not end by then.
pub(super) fn linger<B>(body: B, max_bytes: u64)
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
{
    tokio::spawn(drain(body, max_bytes));
}

/// The bytes [`linger`] read before the body ended or it gave up.
pub(super) async fn drain<B>(mut body: B, max_bytes: u64) -> u64
where
    B: Body<Data = Bytes> + Unpin,
{
    let end = tokio::time::Instant::now() + LINGER_TIME;
    let mut read = 0u64;
    while read <= max_bytes {
        let wait = end.min(tokio::time::Instant::now() + LINGER_IDLE);
        match tokio::time::timeout_at(wait, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                read += frame.data_ref().map_or(0, |data| data.len() as u64);
            }
            // The end, a broken body, or time up.
            _ => break,
        }
    }
    read
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use http_body_util::StreamBody;
    use hyper::body::Frame;

    use super::*;

    fn chunks(count: usize, size: usize) -> impl Body<Data = Bytes> + Unpin {
        let frames =
            (0..count).map(move |_| Ok::<_, Infallible>(Frame::data(Bytes::from(vec![0u8; size]))));
        StreamBody::new(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn a_body_is_read_to_its_end_within_the_bound() {
        assert_eq!(drain(chunks(10, 1000), 1 << 20).await, 10_000);
        // Past the bound it gives up: the connection closes.
        assert_eq!(drain(chunks(10, 1000), 2500).await, 3000);
    }

    #[tokio::test]
    async fn a_client_that_stops_sending_is_not_waited_for() {
        let stalled =
            StreamBody::new(futures::stream::pending::<Result<Frame<Bytes>, Infallible>>());
        let started = tokio::time::Instant::now();
        assert_eq!(drain(stalled, 1 << 20).await, 0);
        let waited = started.elapsed();
        assert!(waited >= LINGER_IDLE && waited < LINGER_TIME, "{waited:?}");
    }
}
