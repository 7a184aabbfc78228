//! The one mechanism behind every I/O deadline of a request: a clock of
//! the component's own compute time since its last I/O (the compute
//! deadline counts it), a request body that fails past its deadline (408:
//! a whole body's, or a stream's pace, as the backstop of the component's
//! own), and an answer body whose watchdog cuts a client that stops taking
//! it (the send deadline).

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ghostlines_core::FramePace;
use hyper::body::{Body, Frame, SizeHint};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// The component's compute time since the request last did I/O (the last
/// bytes of its body handed to the component, or of its answer taken by
/// the client): the time it ran its own code, without the host calls it
/// waited in (reading a body that has not come, waiting on a timer). The
/// compute deadline counts it.
pub(super) struct IoClock {
    pub(super) origin: Instant,
    state: Mutex<ClockState>,
}

struct ClockState {
    /// The request's last I/O.
    last_io: Instant,
    /// Time spent in host calls since `last_io`.
    in_host: Duration,
    /// When the host call under way began, if one is.
    host_call: Option<Instant>,
}

impl IoClock {
    pub(super) fn new() -> Arc<IoClock> {
        let now = Instant::now();
        Arc::new(IoClock {
            origin: now,
            state: Mutex::new(ClockState {
                last_io: now,
                in_host: Duration::ZERO,
                host_call: None,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The request did I/O.
    pub(super) fn touch(&self) {
        let now = Instant::now();
        let mut state = self.state();
        state.last_io = now;
        state.in_host = Duration::ZERO;
        if state.host_call.is_some() {
            state.host_call = Some(now);
        }
    }

    /// The component called into the host (or returned to it).
    pub(super) fn entering_host(&self) {
        self.state().host_call = Some(Instant::now());
    }

    /// The component runs its own code again.
    pub(super) fn leaving_host(&self) {
        let mut state = self.state();
        if let Some(began) = state.host_call.take() {
            state.in_host += began.elapsed();
        }
    }

    /// The component's own compute time since the last I/O.
    pub(super) fn computed(&self) -> Duration {
        let state = self.state();
        let waiting = state.in_host + state.host_call.map_or(Duration::ZERO, |b| b.elapsed());
        state.last_io.elapsed().saturating_sub(waiting)
    }
}

/// A request body that ends in an error once its deadline passes, so that
/// a stalled upload cannot hold an instance even where the component does
/// not stop it: the component sees a failed read and answers 408. (Epoch
/// interruption cannot fire while the guest waits on the host for bytes.)
pub(super) struct DeadlineBody<B> {
    /// The client's body; `None` once handed to `linger`.
    inner: Option<B>,
    rule: BodyRule,
    /// Wakes the body when the deadline of the wait under way passes.
    timer: Pin<Box<tokio::time::Sleep>>,
    clock: Arc<IoClock>,
    /// Whether the body ended, or failed past its deadline: then nothing
    /// is left to linger over.
    over: bool,
    /// When bytes last came (or the body was made): a body dropped by the
    /// component lingers only if the client is still sending.
    last_bytes: Instant,
    /// What is done with the rest of a body the component dropped before
    /// its end ([`linger`](super::linger::linger)).
    rest: Option<Box<dyn FnOnce(B) + Send>>,
}

impl<B> DeadlineBody<B>
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
{
    /// `inner` under `rule`, touching `clock` as bytes come; a rest the
    /// component leaves unread lingers, up to `linger_bytes`.
    pub(super) fn new(inner: B, rule: BodyRule, clock: Arc<IoClock>, linger_bytes: u64) -> Self {
        DeadlineBody {
            inner: Some(inner),
            rule,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            clock,
            over: false,
            last_bytes: Instant::now(),
            rest: Some(Box::new(move |body| {
                super::linger::linger(body, linger_bytes)
            })),
        }
    }
}

impl<B> Drop for DeadlineBody<B> {
    fn drop(&mut self) {
        let sending = self.last_bytes.elapsed() < super::linger::LINGER_IDLE;
        if let (false, true, Some(inner), Some(rest)) =
            (self.over, sending, self.inner.take(), self.rest.take())
        {
            rest(inner);
        }
    }
}

/// The deadlines of a request body.
pub(super) enum BodyRule {
    /// The whole body by this instant.
    Whole(tokio::time::Instant),
    /// A stream: each frame within the pace's budget of waiting on the
    /// client (the time the component computes or writes does not count,
    /// and nor does a trickle restart it), and the whole by `end`, if set.
    Frames {
        pace: FramePace,
        /// When the wait under way began (the inner body was pending).
        waiting_since: Option<Instant>,
        end: Option<Instant>,
    },
}

impl BodyRule {
    /// Bytes arrived.
    fn arrived(&mut self, bytes: usize) {
        if let BodyRule::Frames {
            pace,
            waiting_since,
            ..
        } = self
        {
            if let Some(since) = waiting_since.take() {
                pace.waited(since.elapsed());
            }
            pace.received(bytes as u64);
        }
    }

    /// When the wait that begins (or goes on) now must end.
    fn wait_deadline(&mut self) -> tokio::time::Instant {
        match self {
            BodyRule::Whole(deadline) => *deadline,
            BodyRule::Frames {
                pace,
                waiting_since,
                end,
            } => {
                let since = *waiting_since.get_or_insert_with(Instant::now);
                let frame = since + pace.left().unwrap_or(Duration::ZERO);
                end.map_or(frame, |end| end.min(frame)).into()
            }
        }
    }

    /// A stream past its duration ends however fast it comes.
    fn past_end(&self) -> bool {
        matches!(self, BodyRule::Frames { end: Some(end), .. } if Instant::now() >= *end)
    }
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
        let timed_out = |body: &mut Self| {
            body.over = true;
            Poll::Ready(Some(Err(wasmtime_wasi_http::Error::ConnectionReadTimeout)))
        };
        if self.rule.past_end() {
            return timed_out(&mut self);
        }
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(frame) = Pin::new(inner).poll_frame(cx) {
            self.over |= !matches!(frame, Some(Ok(_)));
            self.clock.touch();
            let bytes = match &frame {
                Some(Ok(frame)) => frame.data_ref().map_or(0, Bytes::len),
                _ => 0,
            };
            self.rule.arrived(bytes);
            if bytes > 0 {
                self.last_bytes = Instant::now();
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let deadline = self.rule.wait_deadline();
        if tokio::time::Instant::now() >= deadline {
            return timed_out(&mut self);
        }
        self.timer.as_mut().reset(deadline);
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => timed_out(&mut self),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(SizeHint::default, Body::size_hint)
    }
}

/// How an answer is being sent, as its watchdog sees it.
pub(super) struct Answer {
    pub(super) clock: Arc<IoClock>,
    pub(super) state: Mutex<Sending>,
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
            state: Mutex::new(Sending::Taken(Instant::now())),
        })
    }

    fn state(&self) -> MutexGuard<'_, Sending> {
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
    /// How an answer the component could not finish ends.
    pub(super) ending: Ending,
}

/// How an answer ends when the component stopped with a failure (past the
/// compute deadline, or trapped) before finishing it.
pub(super) enum Ending {
    /// As the component left it.
    AsLeft,
    /// An NDJSON stream: with the same last line the component writes for
    /// its own errors.
    Lines(Lines),
    /// A stream of binary frames: unfinished, so that the client sees the
    /// transfer cut short rather than a clean end.
    Unfinished(Outcome),
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
        match (&mut self.ending, &polled) {
            (Ending::Lines(lines), Poll::Ready(Some(Ok(frame)))) => {
                let newlines = frame
                    .data_ref()
                    .map_or(0, |d| d.iter().filter(|&&b| b == b'\n').count());
                lines.count += newlines as u64;
            }
            (Ending::Lines(lines), Poll::Ready(None | Some(Err(_)))) => {
                if let Some(last) = lines.last_line() {
                    polled = Poll::Ready(Some(Ok(last)));
                }
            }
            (Ending::Unfinished(outcome), Poll::Ready(None)) if outcome.get().is_some() => {
                polled = Poll::Ready(Some(Err(wasmtime_wasi_http::Error::ConnectionTerminated)));
            }
            _ => {}
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
    pub(super) reason: Mutex<Option<String>>,
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
