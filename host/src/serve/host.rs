//! One fresh, sandboxed instance of the HTTP component a request, with the
//! request's deadlines and memory cap.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use ghostlines_core::{CORS_VARIABLE, CorsOrigins, FramePace};
use http_body_util::BodyExt;
use hyper::body::Body;
use wasmtime::component::{Linker, Resource, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolConcurrencyLimitError, PoolingAllocationConfig,
    Store, StoreLimits, StoreLimitsBuilder, Trap, UpdateDeadline,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::deadlines::{
    Answer, BodyRule, ConnectionCut, DeadlineBody, Ending, IoClock, Lines, Outcome, SendBody,
    watch_answer,
};
use super::limits::{ServeLimits, StreamAnswer};
use super::linger::linger;
use super::slots::{ClientAddr, Refusal, StreamSlot, StreamSlots};
use crate::reply::error_response;

/// What [`HttpHost::admit`] grants a request.
struct Admission {
    /// A stream's slot, held as long as its instance.
    slot: Option<StreamSlot>,
    /// When its body must come.
    rule: BodyRule,
    /// Its compute deadline (a stream's: each frame's).
    compute: Duration,
}

/// How often the epoch advances; deadlines are whole ticks.
pub(super) const EPOCH_TICK: Duration = Duration::from_millis(10);

pub struct HttpHost {
    pre: ProxyPre<RequestState>,
    limits: ServeLimits,
    /// The pages that may read answers: passed to the component, and
    /// applied to the host's own refusals.
    cors: CorsOrigins,
    streams: Arc<StreamSlots>,
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

    /// Compiles the embedded HTTP component, its answers readable by pages
    /// from `cors` (every origin by default).
    pub fn with_cors(limits: ServeLimits, cors: CorsOrigins) -> anyhow::Result<Arc<HttpHost>> {
        HttpHost::build(crate::HTTP_COMPONENT, limits, cors)
    }

    /// Compiles an HTTP component from its bytes (tests use this for
    /// deliberately broken components).
    pub fn from_component_bytes(
        bytes: &[u8],
        limits: ServeLimits,
    ) -> anyhow::Result<Arc<HttpHost>> {
        HttpHost::build(bytes, limits, CorsOrigins::default())
    }

    fn build(
        bytes: &[u8],
        limits: ServeLimits,
        cors: CorsOrigins,
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
        let streams = StreamSlots::new(limits.max_streams, limits.max_client_streams);
        Ok(Arc::new(HttpHost {
            pre,
            limits,
            cors,
            streams,
        }))
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
        let origin = request
            .headers()
            .get(hyper::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match self.run(request).await {
            Ok(response) => response,
            Err(failure) => {
                // The host's own answer: the component's carry their CORS
                // headers already.
                let mut response = failure.into_response();
                for (name, value) in self.cors.answer_headers(origin.as_deref()) {
                    if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
                        response.headers_mut().append(name, value);
                    }
                }
                response
            }
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
            linger(request.into_body(), limits.max_body_bytes);
            return Err(Failure::Refused(status, kind, message));
        }
        let connection = request.extensions_mut().remove::<ConnectionCut>();
        let client = request.extensions().get::<ClientAddr>().map(|c| c.0);
        let what = format!("{} {}", request.method(), request.uri().path());
        // Only a POST streams (a preflight to a stream route is a single
        // request).
        let stream = (request.method() == hyper::Method::POST)
            .then(|| ServeLimits::is_stream(request.uri().path()))
            .flatten();
        let Admission {
            slot,
            rule,
            compute,
        } = match self.admit(stream, client, request.uri().query()) {
            Ok(admission) => admission,
            Err((status, kind, message)) => {
                linger(request.into_body(), limits.max_body_bytes);
                return Err(Failure::Refused(status, kind, message));
            }
        };
        let clock = IoClock::new();
        let request =
            request.map(|body| DeadlineBody::new(body, rule, clock.clone(), limits.max_body_bytes));
        let mut store = self.timed_store(&clock, compute);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let (req, out) = {
            let mut http = store.data_mut().http();
            let req = http
                .new_incoming_request(Scheme::Http, request)
                .map_err(Failure::host)?;
            let out = http.new_response_outparam(sender).map_err(Failure::host)?;
            (req, out)
        };
        let outcome = Outcome::default();
        let task = self.spawn_guest(store, req, out, slot, outcome.clone());
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
                let ending = match stream {
                    Some(StreamAnswer::Lines) => Ending::Lines(Lines {
                        outcome,
                        count: 0,
                        ended: false,
                    }),
                    Some(StreamAnswer::Frames) => Ending::Unfinished(outcome),
                    None => Ending::AsLeft,
                };
                Ok(response.map(|inner| {
                    SendBody {
                        inner,
                        answer,
                        ending,
                    }
                    .boxed_unsync()
                }))
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

    /// What a request may hold and how long it may take: a stream needs a
    /// stream slot (it holds its instance as long as its sender keeps
    /// pace). A stream's body has no end to wait for: its deadlines are its
    /// frames' pace and its duration, and its compute deadline is a
    /// frame's. Both are the backstop of the component's own.
    fn admit(
        &self,
        stream: Option<StreamAnswer>,
        client: Option<std::net::IpAddr>,
        query: Option<&str>,
    ) -> Result<Admission, Refusal> {
        let limits = self.limits;
        Ok(match stream {
            Some(_) => Admission {
                slot: Some(self.streams.take(client)?),
                rule: self.stream_rule(query),
                compute: limits.frame_timeout,
            },
            None => Admission {
                slot: None,
                rule: BodyRule::Whole(tokio::time::Instant::now() + limits.body_timeout),
                compute: limits.compute_timeout,
            },
        })
    }

    /// A request's store: its memory cap, and a compute deadline of
    /// `compute` that counts the component's own time since the request's
    /// last I/O (time it waits on the client, or in the host's calls, is
    /// the body's and the answer's deadlines' to judge).
    fn timed_store(&self, clock: &Arc<IoClock>, compute: Duration) -> Store<RequestState> {
        let mut store = Store::new(self.pre.engine(), self.request_state());
        store.limiter(|state| &mut state.limits);
        let hook_clock = clock.clone();
        store.call_hook(move |_, hook| {
            if hook.entering_host() {
                hook_clock.entering_host();
            } else {
                hook_clock.leaving_host();
            }
            Ok(())
        });
        store.set_epoch_deadline(epoch_ticks(compute));
        let compute_clock = clock.clone();
        store.epoch_deadline_callback(move |_| {
            let computed = compute_clock.computed();
            if computed >= compute {
                return Err(Trap::Interrupt.into());
            }
            Ok(UpdateDeadline::Continue(epoch_ticks(compute - computed)))
        });
        store
    }

    /// Runs the component on the request in its own task, so that it can
    /// keep streaming the body after the head of the response went out; a
    /// failure is recorded in `outcome` before the store (and the answer's
    /// body with it) goes. A stream's slot is held as long as its instance.
    fn spawn_guest(
        &self,
        mut store: Store<RequestState>,
        request: Resource<HostIncomingRequest>,
        out: Resource<HostResponseOutparam>,
        slot: Option<StreamSlot>,
        outcome: Outcome,
    ) -> tokio::task::JoinHandle<Result<(), Failure>> {
        let pre = self.pre.clone();
        tokio::task::spawn(async move {
            let _slot = slot;
            let handled = async {
                let proxy = instantiate(&pre, &mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, request, out)
                    .await
                    .map_err(Failure::guest)
            }
            .await;
            if let Err(failure) = &handled {
                let (_, kind, message) = failure.describe();
                let _ = outcome.set((kind, message));
            }
            handled
        })
    }

    /// The backstop of a stream's body: frames of the query's size (one
    /// byte, when the query gives none: the component refuses it before
    /// reading), each within the idle deadline, the whole within the
    /// duration limit, each a little later than the component's own.
    fn stream_rule(&self, query: Option<&str>) -> BodyRule {
        let stream = self.limits.stream;
        let grace = ServeLimits::STREAM_BACKSTOP_GRACE;
        let frame_bytes = ServeLimits::query_size(query.unwrap_or(""))
            .map_or(1, |(w, h)| u64::from(w) * u64::from(h) * 4);
        BodyRule::Frames {
            pace: FramePace::new(frame_bytes, stream.frame_wait + grace),
            waiting_since: None,
            end: stream
                .max_duration
                .map(|limit| std::time::Instant::now() + limit + grace),
        }
    }

    /// Streams under way now.
    pub fn streams_now(&self) -> u32 {
        self.streams.held_now()
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
        // Only the limits are passed in: those the component enforces, and
        // the host's own, which it shows at `GET /`; nothing of the host's
        // environment.
        let millis = |d: Duration| d.as_millis().to_string();
        let mut env = limits.component_variables();
        env.push((CORS_VARIABLE, self.cors.to_string()));
        env.extend([
            (
                "GHOSTLINES_COMPUTE_TIMEOUT_MS",
                millis(limits.compute_timeout),
            ),
            ("GHOSTLINES_SEND_TIMEOUT_MS", millis(limits.send_timeout)),
            ("GHOSTLINES_FRAME_TIMEOUT_MS", millis(limits.frame_timeout)),
            ("GHOSTLINES_MAX_INSTANCES", limits.max_instances.to_string()),
            ("GHOSTLINES_MAX_STREAMS", limits.max_streams.to_string()),
            (
                "GHOSTLINES_MAX_CLIENT_STREAMS",
                limits.max_client_streams.to_string(),
            ),
            (
                "GHOSTLINES_MEMORY_LIMIT_BYTES",
                limits.memory_limit.to_string(),
            ),
        ]);
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

/// How long a request waits for an instance of a full pool before its
/// 503: a client that reads an answer to its end may send its next
/// request before the instance that answered it is back in the pool.
pub(super) const INSTANCE_WAIT: Duration = Duration::from_millis(100);

/// A fresh instance, waiting up to [`INSTANCE_WAIT`] for one to come back
/// when the pool is full.
async fn instantiate(
    pre: &ProxyPre<RequestState>,
    store: &mut Store<RequestState>,
) -> Result<wasmtime_wasi_http::p2::bindings::Proxy, Failure> {
    let give_up = tokio::time::Instant::now() + INSTANCE_WAIT;
    loop {
        match pre.instantiate_async(&mut *store).await {
            Ok(proxy) => return Ok(proxy),
            Err(e)
                if e.downcast_ref::<PoolConcurrencyLimitError>().is_some()
                    && tokio::time::Instant::now() < give_up =>
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(e) => return Err(Failure::instantiate(e)),
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
    /// Refused from the head alone, or for want of a stream slot: the
    /// status, kind and message.
    Refused(u16, &'static str, String),
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
        let (status, kind, message) = self.describe();
        error_response(status, kind, &message)
    }

    /// (status, kind, message).
    fn describe(&self) -> (u16, &'static str, String) {
        match self {
            Failure::Refused(status, kind, m) => (*status, *kind, m.clone()),
            Failure::Overloaded(m) => (503, "overloaded", m.clone()),
            Failure::Deadline => (
                503,
                "timeout",
                "the component computed past its deadline".to_string(),
            ),
            Failure::Instantiate(m) => (500, "instantiation", m.clone()),
            Failure::Guest(m) => (500, "trap", m.clone()),
            Failure::Host(m) => (500, "internal", m.clone()),
        }
    }
}
