//! `ghostlines serve`: the HTTP component on hyper/tokio with
//! `wasmtime-wasi-http` — one fresh instance a request from an
//! `InstancePre`, the pooling allocator, a memory cap, a body deadline and
//! an epoch deadline.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, SizeHint};
use tokio::net::TcpListener;
use tokio::sync::watch;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolConcurrencyLimitError, PoolingAllocationConfig,
    Store, StoreLimits, StoreLimitsBuilder, Trap, UpdateDeadline,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::app::StaticFiles;

/// How often the epoch advances; deadlines are whole ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Every limit of the server, in one place: what a request may ask for
/// (frame size, body size), what it may use (memory, time), and how many
/// run at once. Checked by the host before the component is instantiated
/// (the declared body length and the `width`/`height` parameters), again by
/// the component and by `core` (the host passes the frame and body limits
/// in its environment), and enforced by `StoreLimits` (memory), the body
/// deadline and epoch interruption (time), and the pool (instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// Largest width and height, pixels a frame and frame-diff samples.
    pub frame: ghostlines_core::Limits,
    /// The largest request body, raw or PNG.
    pub max_body_bytes: u64,
    /// The whole request body must arrive within this (else 408).
    pub body_timeout: Duration,
    /// Time the component may compute without waiting on I/O: counted
    /// from the last bytes of the body it received (or of its answer the
    /// client took); past it the request is stopped (503).
    pub compute_timeout: Duration,
    /// Once the answer's head is out, the client must keep taking it: a
    /// client that takes none of it for this long is cut off, and its
    /// instance freed (epoch interruption cannot stop a guest that waits on
    /// the host to write).
    pub send_timeout: Duration,
    /// Linear memory one instance may use.
    pub memory_limit: usize,
    /// Instances alive at once (the pool's size); requests beyond it get 503.
    pub max_instances: u32,
}

impl Default for ServeLimits {
    /// 16384 px a side, 2^23 px a frame, 64 MiB bodies, 10 s for the body,
    /// 5 s of compute, 10 s without taking any of the answer, 512 MiB an
    /// instance, 64 instances.
    fn default() -> Self {
        ServeLimits {
            frame: ghostlines_core::Limits::HTTP,
            max_body_bytes: ghostlines_core::Limits::HTTP.two_frame_bytes(),
            body_timeout: Duration::from_secs(10),
            compute_timeout: Duration::from_secs(5),
            send_timeout: Duration::from_secs(10),
            memory_limit: ServeLimits::DEFAULT_MEMORY,
            max_instances: 64,
        }
    }
}

impl ServeLimits {
    /// The linear memory an instance gets when the frame limits need no
    /// more.
    pub const DEFAULT_MEMORY: usize = 512 << 20;
    /// [`ServeLimits::memory_needed`]'s terms: a base, then the larger of
    /// bytes a pixel (a flow tracker's two pyramids, the two frames of the
    /// body, and the SVG's PNG) and bytes a pixel with bytes a dense grid
    /// point (up to [`ghostlines_core::MAX_GRID_POINTS`]: the vectors and
    /// their JSON).
    const BASE_MEMORY: usize = 64 << 20;
    const BYTES_A_PIXEL: usize = 48;
    const BYTES_A_PIXEL_BESIDE_A_GRID: usize = 8;
    const BYTES_A_GRID_POINT: usize = 224;

    /// Linear memory an instance needs to answer every route for the
    /// largest frames of `frame`: 64 MiB, and the larger of 48 bytes a
    /// pixel and 8 bytes a pixel with 224 a dense grid point. Measured in
    /// the component with a noise frame and a photo
    /// (`http::the_largest_frames_fit_in_an_instance`): 2^23 pixels ran in
    /// 384 MiB and 2^25 in 1152; a grid of 2^20 points on 2^20 pixels in
    /// 256.
    pub fn memory_needed(frame: &ghostlines_core::Limits) -> usize {
        let pixels = usize::try_from(frame.max_pixels).unwrap_or(usize::MAX);
        let points = pixels.min(ghostlines_core::MAX_GRID_POINTS as usize);
        let by_pixels = pixels.saturating_mul(Self::BYTES_A_PIXEL);
        let by_points = pixels
            .saturating_mul(Self::BYTES_A_PIXEL_BESIDE_A_GRID)
            .saturating_add(points.saturating_mul(Self::BYTES_A_GRID_POINT));
        Self::BASE_MEMORY.saturating_add(by_pixels.max(by_points))
    }

    /// The memory an instance gets unless told otherwise:
    /// [`ServeLimits::DEFAULT_MEMORY`], or what the frame limits need
    /// ([`ServeLimits::memory_needed`]) if more, in whole MiB.
    pub fn default_memory_limit(frame: &ghostlines_core::Limits) -> usize {
        let needed = ServeLimits::memory_needed(frame).div_ceil(1 << 20) << 20;
        needed.max(Self::DEFAULT_MEMORY)
    }

    /// Checks that the limits make sense: frames within core's ceiling
    /// ([`ghostlines_core::Limits::DEFAULT`]), enough memory for them,
    /// nothing zero.
    pub fn check(&self) -> anyhow::Result<()> {
        let ceiling = ghostlines_core::Limits::DEFAULT;
        anyhow::ensure!(
            (1..=ceiling.max_side).contains(&self.frame.max_side),
            "--max-side must be in 1..={}",
            ceiling.max_side
        );
        anyhow::ensure!(
            (1..=ceiling.max_pixels).contains(&self.frame.max_pixels),
            "--max-pixels must be in 1..={}",
            ceiling.max_pixels
        );
        anyhow::ensure!(
            self.max_body_bytes >= 1,
            "--max-body-bytes must be at least 1"
        );
        // A body is read whole into the instance and processed there: one
        // that cannot fit twice would end in a trap (500), not a 413.
        anyhow::ensure!(
            self.max_body_bytes <= self.memory_limit as u64 / 2,
            "--max-body-bytes ({}) must be at most half an instance's memory: {} bytes with --memory-limit-mib {}",
            self.max_body_bytes,
            self.memory_limit / 2,
            self.memory_limit >> 20
        );
        // A 32-bit Wasm memory holds at most 4 GiB (Wasmtime refused more
        // with "maximum memory size ... exceeds the configured memory
        // reservation" while creating the engine).
        anyhow::ensure!(
            self.memory_limit <= 4 << 30,
            "--memory-limit-mib must be at most 4096 (a Wasm memory holds 4 GiB), got {}",
            self.memory_limit >> 20
        );
        // Less would answer valid requests for the largest frames with a
        // trap (500): refused here, before anything is served.
        let needed = ServeLimits::memory_needed(&self.frame);
        anyhow::ensure!(
            self.memory_limit >= needed,
            "--memory-limit-mib {} is too little for frames of {} pixels: an instance needs {} MiB for them ({} MiB and the larger of {} bytes a pixel, or {} bytes a pixel and {} a dense-grid point); raise it or lower --max-pixels",
            self.memory_limit >> 20,
            self.frame.max_pixels,
            needed.div_ceil(1 << 20),
            Self::BASE_MEMORY >> 20,
            Self::BYTES_A_PIXEL,
            Self::BYTES_A_PIXEL_BESIDE_A_GRID,
            Self::BYTES_A_GRID_POINT
        );
        anyhow::ensure!(
            self.max_instances >= 1,
            "--max-instances must be at least 1"
        );
        anyhow::ensure!(
            [self.body_timeout, self.compute_timeout, self.send_timeout]
                .iter()
                .all(|t| t.as_millis() >= 1),
            "the timeouts must be at least 1 ms"
        );
        Ok(())
    }

    /// The host's own answer to a request that is over the limits before
    /// any of it is read: a declared body too long (413), or `width` and
    /// `height` parameters outside the frame limits (400, 413).
    pub fn refuse_early<B>(
        &self,
        request: &hyper::Request<B>,
    ) -> Option<(u16, &'static str, String)> {
        let declared = request
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(length) = declared
            && length > self.max_body_bytes
        {
            let message = format!("the body is over the {}-byte limit", self.max_body_bytes);
            return Some((413, "too-large", message));
        }
        let query = request.uri().query().unwrap_or("");
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse::<u32>().ok())
        };
        let (width, height) = (param("width")?, param("height")?);
        match self.frame.check(width, height) {
            Ok(_) => None,
            Err(e) => {
                let status = if matches!(e, ghostlines_core::Error::TooLarge { .. }) {
                    413
                } else {
                    400
                };
                Some((status, e.kind(), e.to_string()))
            }
        }
    }
}

pub struct HttpHost {
    pre: ProxyPre<RequestState>,
    limits: ServeLimits,
}

/// Each request's store: WASI with nothing granted but stderr and the
/// host's stated limits, wasi:http without outgoing requests, the memory
/// cap.
pub struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: NoOutgoingRequests,
    limits: StoreLimits,
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// The component may not make HTTP requests of its own.
struct NoOutgoingRequests;

impl WasiHttpHooks for NoOutgoingRequests {
    fn send_request(
        &mut self,
        _request: hyper::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        hyper::Response<wasmtime_wasi_http::WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

impl HttpHost {
    /// Compiles the embedded HTTP component.
    pub fn new(limits: ServeLimits) -> anyhow::Result<Arc<HttpHost>> {
        HttpHost::from_component_bytes(crate::HTTP_COMPONENT, limits)
    }

    /// Compiles an HTTP component from its bytes (tests use this for
    /// deliberately broken components).
    pub fn from_component_bytes(
        bytes: &[u8],
        limits: ServeLimits,
    ) -> anyhow::Result<Arc<HttpHost>> {
        let mut pool = PoolingAllocationConfig::new();
        let instances = limits.max_instances.max(1);
        pool.total_component_instances(instances)
            .total_core_instances(instances * 16)
            .total_memories(instances * 2)
            .total_tables(instances * 8)
            .max_memory_size(limits.memory_limit)
            // Reused instances keep their first pages mapped: a fresh
            // instance with one 800x600 call is several times faster.
            .linear_memory_keep_resident(16 << 20)
            .table_keep_resident(64 << 10);
        let mut config = Config::new();
        config
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        crate::runtime::align_functions(&mut config);
        let engine = Engine::new(&config)
            .map_err(anyhow::Error::from)
            .context("creating the Wasmtime engine")?;
        let component =
            crate::cache::component(&engine, bytes).context("compiling the HTTP component")?;
        let mut linker = Linker::new(&engine);
        // Rust std on wasip2 imports wasi:cli as well as the proxy world.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)
            .context("linking WASI")?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(anyhow::Error::from)
            .context("linking wasi:http")?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("linking the HTTP component")?;
        let pre = ProxyPre::new(pre)
            .map_err(anyhow::Error::from)
            .context("the HTTP component does not export wasi:http/incoming-handler")?;
        spawn_epoch_ticker(&engine);
        Ok(Arc::new(HttpHost { pre, limits }))
    }

    /// The limits this host enforces.
    pub fn limits(&self) -> ServeLimits {
        self.limits
    }

    /// Handles one request in a fresh instance. Never fails: a trap is a
    /// 500, an exhausted pool or a passed deadline a 503, a body that
    /// stalls is cut off so that the component answers 408.
    pub async fn handle<B>(&self, request: hyper::Request<B>) -> hyper::Response<HyperOutgoingBody>
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        match self.run(request).await {
            Ok(response) => response,
            Err(failure) => failure.into_response(),
        }
    }

    async fn run<B>(
        &self,
        mut request: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>, Failure>
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let limits = self.limits;
        // Over the limits from the head alone: no instance for it.
        if let Some((status, kind, message)) = limits.refuse_early(&request) {
            return Ok(error_response(status, kind, &message));
        }
        let connection = request.extensions_mut().remove::<ConnectionCut>();
        let what = format!("{} {}", request.method(), request.uri().path());
        let clock = IoClock::new();
        let deadline = tokio::time::Instant::now() + limits.body_timeout;
        let request = request.map(|body| DeadlineBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
            clock: clock.clone(),
        });
        let mut store = Store::new(self.pre.engine(), self.request_state());
        store.limiter(|state| &mut state.limits);
        // The compute deadline counts from the request's last I/O: time
        // spent waiting on the client is the body's and the answer's
        // deadlines' to judge, not the component's.
        let compute = limits.compute_timeout;
        store.set_epoch_deadline(epoch_ticks(compute));
        let compute_clock = clock.clone();
        store.epoch_deadline_callback(move |_| {
            let idle = compute_clock.since_io();
            if idle >= compute {
                return Err(Trap::Interrupt.into());
            }
            Ok(UpdateDeadline::Continue(epoch_ticks(compute - idle)))
        });

        let (sender, receiver) = tokio::sync::oneshot::channel();
        let (req, out) = {
            let mut http = store.data_mut().http();
            let req = http
                .new_incoming_request(Scheme::Http, request)
                .map_err(Failure::host)?;
            let out = http.new_response_outparam(sender).map_err(Failure::host)?;
            (req, out)
        };
        let pre = self.pre.clone();
        // The guest runs in its own task so it can keep streaming the body
        // after the head of the response went out.
        let task = tokio::task::spawn(async move {
            let proxy = pre
                .instantiate_async(&mut store)
                .await
                .map_err(Failure::instantiate)?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
                .map_err(Failure::guest)
        });
        match receiver.await {
            Ok(Ok(response)) => {
                let answer = Answer::new(clock);
                tokio::spawn(watch_answer(
                    Arc::downgrade(&answer),
                    limits.send_timeout,
                    task.abort_handle(),
                    connection,
                    what,
                ));
                Ok(response.map(|inner| SendBody { inner, answer }.boxed_unsync()))
            }
            Ok(Err(code)) => Err(Failure::Guest(format!(
                "the component answered with an error: {code:?}"
            ))),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(Failure::Guest("the component set no response".into())),
                Ok(Err(failure)) => Err(failure),
                Err(join) => Err(Failure::Host(format!("the request task failed: {join}"))),
            },
        }
    }

    /// Creates a fresh store and instance and drops them: the fixed cost
    /// every request pays before the component runs (for `bench`).
    pub async fn instantiate_once(&self) -> anyhow::Result<()> {
        let mut store = Store::new(self.pre.engine(), self.request_state());
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(u64::MAX / 2);
        self.pre
            .instantiate_async(&mut store)
            .await
            .map_err(anyhow::Error::from)?;
        Ok(())
    }

    fn request_state(&self) -> RequestState {
        let limits = self.limits;
        // Only the host's own limits are passed in (the component applies
        // the frame and body limits and shows them all at `GET /`); nothing
        // of the host's environment.
        let env = [
            (
                "GHOSTLINES_BODY_TIMEOUT_MS",
                limits.body_timeout.as_millis().to_string(),
            ),
            (
                "GHOSTLINES_COMPUTE_TIMEOUT_MS",
                limits.compute_timeout.as_millis().to_string(),
            ),
            (
                "GHOSTLINES_SEND_TIMEOUT_MS",
                limits.send_timeout.as_millis().to_string(),
            ),
            ("GHOSTLINES_MAX_INSTANCES", limits.max_instances.to_string()),
            (
                "GHOSTLINES_MEMORY_LIMIT_BYTES",
                limits.memory_limit.to_string(),
            ),
            ("GHOSTLINES_MAX_SIDE", limits.frame.max_side.to_string()),
            ("GHOSTLINES_MAX_PIXELS", limits.frame.max_pixels.to_string()),
            (
                "GHOSTLINES_MAX_BODY_BYTES",
                limits.max_body_bytes.to_string(),
            ),
        ];
        RequestState {
            wasi: WasiCtx::builder().inherit_stderr().envs(&env).build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: NoOutgoingRequests,
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_limit)
                .build(),
        }
    }
}

/// Whole epoch ticks for `time`, at least one.
fn epoch_ticks(time: Duration) -> u64 {
    (time.as_millis().div_ceil(EPOCH_TICK.as_millis()) as u64).max(1)
}

/// Advances the engine's epoch every tick while the engine lives.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::spawn(move || {
        while let Some(engine) = weak.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    });
}

/// Why a request got no answer from the component.
#[derive(Debug)]
enum Failure {
    /// Every instance of the pool is busy: 503.
    Overloaded(String),
    /// Instantiation failed otherwise: 500.
    Instantiate(String),
    /// The epoch deadline passed: 503.
    Deadline,
    /// The guest trapped or misbehaved: 500.
    Guest(String),
    /// The host itself failed: 500.
    Host(String),
}

impl Failure {
    fn host(e: impl std::fmt::Display) -> Failure {
        Failure::Host(e.to_string())
    }

    fn instantiate(e: wasmtime::Error) -> Failure {
        if matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
            return Failure::Deadline;
        }
        if e.downcast_ref::<PoolConcurrencyLimitError>().is_some() {
            return Failure::Overloaded(format!("every instance is busy: {e}"));
        }
        Failure::Instantiate(format!("the component could not be instantiated: {e:?}"))
    }

    fn guest(e: wasmtime::Error) -> Failure {
        if matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
            return Failure::Deadline;
        }
        Failure::Guest(format!("the component trapped: {e:?}"))
    }

    fn into_response(self) -> hyper::Response<HyperOutgoingBody> {
        let (status, kind, message) = match self {
            Failure::Overloaded(m) => (503, "overloaded", m),
            Failure::Deadline => (
                503,
                "timeout",
                "the request ran past its deadline".to_string(),
            ),
            Failure::Instantiate(m) => (500, "instantiation", m),
            Failure::Guest(m) => (500, "trap", m),
            Failure::Host(m) => (500, "internal", m),
        };
        error_response(status, kind, &message)
    }
}

/// A JSON error answer made by the host itself.
pub fn error_response(
    status: u16,
    kind: &str,
    message: &str,
) -> hyper::Response<HyperOutgoingBody> {
    let body = serde_json::json!({ "error": { "kind": kind, "message": message } }).to_string();
    let mut response = hyper::Response::new(full_body(body.into()));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// A whole body from bytes.
pub(crate) fn full_body(bytes: Bytes) -> HyperOutgoingBody {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// When a request last did I/O: the last bytes of its body handed to the
/// component, or of its answer taken by the client. The compute deadline
/// counts from it.
struct IoClock {
    origin: Instant,
    /// Milliseconds after `origin`.
    last_io: AtomicU64,
}

impl IoClock {
    fn new() -> Arc<IoClock> {
        Arc::new(IoClock {
            origin: Instant::now(),
            last_io: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let now = self.origin.elapsed().as_millis() as u64;
        self.last_io.fetch_max(now, Ordering::Relaxed);
    }

    fn since_io(&self) -> Duration {
        let last = Duration::from_millis(self.last_io.load(Ordering::Relaxed));
        self.origin.elapsed().saturating_sub(last)
    }
}

/// A request body that ends in an error once its deadline passes, so that
/// a stalled upload cannot hold an instance: the component sees a failed
/// read and answers 408. (Epoch interruption cannot fire while the guest
/// waits on the host for bytes.)
struct DeadlineBody<B> {
    inner: B,
    deadline: Pin<Box<tokio::time::Sleep>>,
    clock: Arc<IoClock>,
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
struct Answer {
    clock: Arc<IoClock>,
    state: std::sync::Mutex<Sending>,
}

#[derive(Clone, Copy, PartialEq)]
enum Sending {
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
    fn new(clock: Arc<IoClock>) -> Arc<Answer> {
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

/// The answer's body as the connection takes it, timed for the watchdog.
struct SendBody {
    inner: HyperOutgoingBody,
    answer: Arc<Answer>,
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
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
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
async fn watch_answer(
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
struct CutState {
    notify: tokio::sync::Notify,
    reason: std::sync::Mutex<Option<String>>,
}

impl ConnectionCut {
    fn cut(&self, reason: String) {
        *self.0.reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        self.0.notify.notify_one();
    }

    /// Resolves when a request cut the connection off, with why.
    async fn cut_off(&self) -> String {
        self.0.notify.notified().await;
        self.0
            .reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_default()
    }
}

/// Serves `host` (and `app`'s files under `/app/`) on `listener` until
/// `shutdown` resolves, then lets the open connections finish their
/// requests.
pub async fn serve(
    host: Arc<HttpHost>,
    app: Option<StaticFiles>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    log: bool,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait and go on.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let host = host.clone();
        let app = app.clone();
        let mut stop = stop_rx.clone();
        let cut = ConnectionCut::default();
        connections.spawn(async move {
            let off_switch = cut.clone();
            let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
                let (host, app) = (host.clone(), app.clone());
                request.extensions_mut().insert(off_switch.clone());
                async move {
                    Ok::<_, std::convert::Infallible>(
                        handle_logged(&host, app.as_ref(), request, log).await,
                    )
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let mut stopping = false;
            let result = loop {
                tokio::select! {
                    biased;
                    reason = cut.cut_off() => {
                        // Dropping the connection closes it.
                        if log {
                            eprintln!("{reason}");
                        }
                        return;
                    }
                    result = connection.as_mut() => break result,
                    _ = stop.changed(), if !stopping => {
                        stopping = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            };
            if let Err(e) = result
                && log
                && !e.is_incomplete_message()
            {
                eprintln!("connection from {peer}: {e}");
            }
        });
    }
    if log {
        eprintln!(
            "shutting down: finishing {} open connection(s)",
            connections.len()
        );
    }
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn handle_logged(
    host: &HttpHost,
    app: Option<&StaticFiles>,
    request: hyper::Request<hyper::body::Incoming>,
    log: bool,
) -> hyper::Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.uri().path().to_string();
    let response = match app {
        Some(app) if StaticFiles::claims(&route) => app.respond(&method, &route).await,
        None if StaticFiles::claims(&route) => error_response(
            404,
            "not-found",
            "no app folder is served: run `npm run build` in web/ and start with --app web/app",
        ),
        _ => host.handle(request).await,
    };
    if log {
        eprintln!(
            "{method} {route} {} {:.1}ms",
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    response
}

/// Binds `addr` (port 0 picks a free one).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))
}
