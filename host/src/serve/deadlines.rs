//! The one mechanism behind every I/O deadline of a request: a clock of
//! its last I/O (the compute deadline counts from it), a request body that
//! fails past its deadline (408), and an answer body whose watchdog cuts a
//! client that stops taking it (the send deadline).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// When a request last did I/O: the last bytes of its body handed to the
/// component, or of its answer taken by the client. The compute deadline
/// counts from it.
pub(super) struct IoClock {
    pub(super) origin: Instant,
    /// Milliseconds after `origin`.
    pub(super) last_io: AtomicU64,
}

impl IoClock {
    pub(super) fn new() -> Arc<IoClock> {
        Arc::new(IoClock {
            origin: Instant::now(),
            last_io: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let now = self.origin.elapsed().as_millis() as u64;
        self.last_io.fetch_max(now, Ordering::Relaxed);
    }

    pub(super) fn since_io(&self) -> Duration {
        let last = Duration::from_millis(self.last_io.load(Ordering::Relaxed));
        self.origin.elapsed().saturating_sub(last)
    }
}

/// A request body that ends in an error once its deadline passes, so that
/// a stalled upload cannot hold an instance: the component sees a failed
/// read and answers 408. (Epoch interruption cannot fire while the guest
/// waits on the host for bytes.)
pub(super) struct DeadlineBody<B> {
    pub(super) inner: B,
    pub(super) deadline: Pin<Box<tokio::time::Sleep>>,
    /// For a stream: the deadline moves this far past each chunk (an idle
    /// deadline), instead of holding for the whole body.
    pub(super) idle: Option<Duration>,
    pub(super) clock: Arc<IoClock>,
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.clock.touch();
            if let Some(idle) = self.idle {
                let next = tokio::time::Instant::now() + idle;
                self.deadline.as_mut().reset(next);
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                Poll::Ready(Some(Err(wasmtime_wasi_http::Error::ConnectionReadTimeout)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// How an answer is being sent, as its watchdog sees it.
pub(super) struct Answer {
    pub(super) clock: Arc<IoClock>,
    pub(super) state: std::sync::Mutex<Sending>,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Sending {
    /// The connection asked for more and the component has not written it
    /// yet: the component's turn (its own deadlines apply).
    Waiting,
    /// The connection took a piece at this time and has not asked for more
    /// since: the client's turn.
    Taken(Instant),
    /// Cut off by the watchdog.
    Cut,
}

impl Answer {
    pub(super) fn new(clock: Arc<IoClock>) -> Arc<Answer> {
        Arc::new(Answer {
            clock,
            state: std::sync::Mutex::new(Sending::Taken(Instant::now())),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Sending> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why the component stopped, as the request's task records it before
/// its instance goes (so that the answer's body can still say so).
pub(super) type Outcome = Arc<std::sync::OnceLock<(&'static str, String)>>;

/// The answer's body as the connection takes it, timed for the watchdog.
pub(super) struct SendBody {
    pub(super) inner: HyperOutgoingBody,
    pub(super) answer: Arc<Answer>,
    /// For an NDJSON stream: ends a stream the component could not finish
    /// (stopped at the compute deadline, or trapped) with the same last
    /// line the component writes for its own errors.
    pub(super) lines: Option<Lines>,
}

/// An NDJSON answer's lines so far, and whether its last line is out.
pub(super) struct Lines {
    pub(super) outcome: Outcome,
    pub(super) count: u64,
    pub(super) ended: bool,
}

impl Lines {
    /// `{"error":{…,"frames":N}}` when the component stopped with a
    /// failure: the lines before it were the head and N frames.
    fn last_line(&mut self) -> Option<Frame<Bytes>> {
        let (kind, message) = self.outcome.get()?;
        if self.ended {
            return None;
        }
        self.ended = true;
        let frames = self.count.saturating_sub(1);
        let report = ghostlines_core::ErrorReport::new(kind, message, Some(frames));
        let mut line = serde_json::to_vec(&report).expect("strings and a number");
        line.push(b'\n');
        Some(Frame::data(Bytes::from(line)))
    }
}

impl Body for SendBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if *self.answer.state() == Sending::Cut {
            return Poll::Ready(Some(Err(wasmtime_wasi_http::Error::ConnectionWriteTimeout)));
        }
        let mut polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Some(lines) = &mut self.lines {
            match &polled {
                Poll::Ready(Some(Ok(frame))) => {
                    let newlines = frame
                        .data_ref()
                        .map_or(0, |d| d.iter().filter(|&&b| b == b'\n').count());
                    lines.count += newlines as u64;
                }
                Poll::Ready(None | Some(Err(_))) => {
                    if let Some(last) = lines.last_line() {
                        polled = Poll::Ready(Some(Ok(last)));
                    }
                }
                Poll::Pending => {}
            }
        }
        *self.answer.state() = match polled {
            Poll::Pending => Sending::Waiting,
            Poll::Ready(_) => {
                self.answer.clock.touch();
                Sending::Taken(Instant::now())
            }
        };
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Cuts the answer off when the client takes none of it for `limit`:
/// stops the component (its instance goes back to the pool) and closes
/// the connection. Ends with the answer.
pub(super) async fn watch_answer(
    answer: std::sync::Weak<Answer>,
    limit: Duration,
    guest: tokio::task::AbortHandle,
    connection: Option<ConnectionCut>,
    what: String,
) {
    loop {
        let wake = {
            let Some(answer) = answer.upgrade() else {
                return;
            };
            let mut state = answer.state();
            match *state {
                Sending::Taken(at) if at.elapsed() >= limit => {
                    *state = Sending::Cut;
                    drop(state);
                    // The connection first, so that it closes with this
                    // reason rather than with the error the stopped
                    // component leaves.
                    if let Some(connection) = connection {
                        connection.cut(format!(
                            "{what} cut off after {:.1}ms: the client took none of the answer for {} ms",
                            answer.clock.origin.elapsed().as_secs_f64() * 1e3,
                            limit.as_millis()
                        ));
                    }
                    guest.abort();
                    return;
                }
                Sending::Taken(at) => at + limit,
                Sending::Waiting => Instant::now() + limit,
                Sending::Cut => return,
            }
        };
        tokio::time::sleep_until(wake.into()).await;
    }
}

/// A connection's off switch, handed to its requests (in their
/// extensions) so that a request's watchdog can close it.
#[derive(Clone, Default)]
pub struct ConnectionCut(Arc<CutState>);

#[derive(Default)]
pub(super) struct CutState {
    pub(super) notify: tokio::sync::Notify,
    pub(super) reason: std::sync::Mutex<Option<String>>,
}

impl ConnectionCut {
    pub(super) fn cut(&self, reason: String) {
        *self.0.reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        self.0.notify.notify_one();
    }

    /// Resolves when a request cut the connection off, with why.
    pub(super) async fn cut_off(&self) -> String {
        self.0.notify.notified().await;
        self.0
            .reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_default()
    }
}
