//! One fresh, sandboxed instance of the HTTP component a request, with the
//! request's deadlines and memory cap.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Body;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolConcurrencyLimitError, PoolingAllocationConfig,
    Store, StoreLimits, StoreLimitsBuilder, Trap, UpdateDeadline,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::deadlines::{
    Answer, ConnectionCut, DeadlineBody, IoClock, Lines, Outcome, SendBody, watch_answer,
};
use super::limits::{ServeLimits, StreamAnswer};
use crate::reply::error_response;

/// How often the epoch advances; deadlines are whole ticks.
pub(super) const EPOCH_TICK: Duration = Duration::from_millis(10);

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
        let stream = ServeLimits::is_stream(request.uri().path());
        let clock = IoClock::new();
        // A stream's body has no end to wait for: its deadline is between
        // chunks, and its compute deadline is a frame's.
        let (wait, idle, compute) = match stream {
            Some(_) => (
                limits.stream_idle_timeout,
                Some(limits.stream_idle_timeout),
                limits.frame_timeout,
            ),
            None => (limits.body_timeout, None, limits.compute_timeout),
        };
        let deadline = tokio::time::Instant::now() + wait;
        let request = request.map(|body| DeadlineBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
            idle,
            clock: clock.clone(),
        });
        let mut store = Store::new(self.pre.engine(), self.request_state());
        store.limiter(|state| &mut state.limits);
        // The compute deadline counts from the request's last I/O: time
        // spent waiting on the client is the body's and the answer's
        // deadlines' to judge, not the component's.
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
        let outcome = Outcome::default();
        let recorded = outcome.clone();
        // The guest runs in its own task so it can keep streaming the body
        // after the head of the response went out.
        let task = tokio::task::spawn(async move {
            let handled = async {
                let proxy = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(Failure::instantiate)?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
                    .map_err(Failure::guest)
            }
            .await;
            // Before the store (and the answer's body with it) goes.
            if let Err(failure) = &handled {
                let (_, kind, message) = failure.describe();
                let _ = recorded.set((kind, message));
            }
            handled
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
                let lines = (stream == Some(StreamAnswer::Lines)).then(|| Lines {
                    outcome,
                    count: 0,
                    ended: false,
                });
                Ok(response.map(|inner| {
                    SendBody {
                        inner,
                        answer,
                        lines,
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
                "GHOSTLINES_STREAM_IDLE_TIMEOUT_MS",
                limits.stream_idle_timeout.as_millis().to_string(),
            ),
            (
                "GHOSTLINES_FRAME_TIMEOUT_MS",
                limits.frame_timeout.as_millis().to_string(),
            ),
            (
                "GHOSTLINES_MAX_STREAM_FRAMES",
                limits.max_stream_frames.to_string(),
            ),
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
        let (status, kind, message) = self.describe();
        error_response(status, kind, &message)
    }

    /// (status, kind, message).
    fn describe(&self) -> (u16, &'static str, String) {
        match self {
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
