//! The embedded Wasmtime: one engine and pre-linked component, and
//! instances with typed, size-checked calls.

use std::time::Instant;

use ghostlines_core::Limits;
use wasmtime::component::{Linker, ResourceAny};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{
    Background, Change, CornerSettings, EdgeSettings, Error, FieldSettings, FlowField,
    FlowSettings, FlowVector, Frame, Ghostlines, GhostlinesPre, Gradient, GradientOperator,
    GreyMethod, Painted, PainterSettings, Plane, Point, PreparedFrame, TrackerOutput,
    TrackerSettings, Vector,
};

/// Linear memory one instance may grow to: room for the largest accepted
/// frame (2^25 pixels, 128 MiB of RGBA) in every operation. Sparse flow
/// needs the most (two pyramids, the corner scores and their candidates):
/// a tracker on 2^25 pixels of noise needed 832-896 MiB, and at 512 MiB it
/// ran out and trapped. Twice that, for content with more candidates.
pub const DEFAULT_MEMORY_LIMIT: usize = 2 << 30;

/// Starts every compiled function on a 64-byte cache line.
///
/// Cranelift starts x86-64 functions on 32 bytes, so where a function's
/// loops fell in the cache lines depended on the size of the code compiled
/// before it. The adjust kernel, its machine code unchanged, took 0.37 or
/// 0.47 ms an 800x600 frame as unrelated functions changed. At 64 bytes
/// where a function's loops fall depends on its own code only, so that the
/// bench compares code changes, not where they moved other code.
pub(crate) fn align_functions(config: &mut Config) {
    // SAFETY: the alignment changes where code is placed, never what it
    // does (`log2_min_function_alignment`, a setting Cranelift shares
    // across its backends).
    #[allow(unsafe_code)]
    unsafe {
        config.cranelift_flag_set("log2_min_function_alignment", "6");
    }
}

/// The engine and the component, compiled and linked once.
pub struct Runtime {
    engine: Engine,
    pre: GhostlinesPre<HostState>,
    limits: Limits,
    memory_limit: usize,
}

/// What each store carries: WASI (nothing granted but stderr) and the
/// memory cap.
pub struct HostState {
    wasi: WasiCtx,
    table: wasmtime::component::ResourceTable,
    limits: MemoryCap,
}

/// Caps the guest's linear memory, and remembers its size.
struct MemoryCap {
    limits: StoreLimits,
    size: usize,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if allowed {
            self.size = desired;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl Runtime {
    /// Compiles the embedded ghostlines component.
    pub fn new() -> anyhow::Result<Runtime> {
        Runtime::from_component_bytes(crate::GUEST_COMPONENT)
    }

    /// Compiles a ghostlines component from its bytes (tests use this for
    /// deliberately broken components).
    pub fn from_component_bytes(bytes: &[u8]) -> anyhow::Result<Runtime> {
        #[allow(unused_mut)]
        let mut config = Config::new();
        // GHOSTLINES_JITDUMP=1: a jitdump for `perf inject --jit` (perf
        // annotate on the component's machine code) instead of a perf map.
        #[cfg(feature = "perfmap")]
        config.profiler(if std::env::var_os("GHOSTLINES_JITDUMP").is_some() {
            wasmtime::ProfilingStrategy::JitDump
        } else {
            wasmtime::ProfilingStrategy::PerfMap
        });
        align_functions(&mut config);
        let engine = Engine::new(&config).context("creating the Wasmtime engine")?;
        let started = Instant::now();
        let component = crate::cache::component(&engine, bytes)
            .map_err(|e| e.context("compiling the ghostlines component"))?;
        log_timing("loaded the component", started);
        let mut linker = Linker::new(&engine);
        // Rust std on wasip2 imports wasi:cli and wasi:io; nothing in the
        // context below grants files, environment or network.
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).context("linking WASI")?;
        let pre = linker
            .instantiate_pre(&component)
            .context("linking the ghostlines component")?;
        let pre = GhostlinesPre::new(pre).context("checking the component's exports")?;
        Ok(Runtime {
            engine,
            pre,
            limits: Limits::DEFAULT,
            memory_limit: DEFAULT_MEMORY_LIMIT,
        })
    }

    /// The engine, for callers that compile other components with it.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The size limits the host checks before calling the guest.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A fresh instance in a fresh store.
    pub fn instantiate(&self) -> anyhow::Result<Instance> {
        let state = HostState {
            wasi: WasiCtx::builder().inherit_stderr().build(),
            table: Default::default(),
            limits: MemoryCap {
                limits: StoreLimitsBuilder::new()
                    .memory_size(self.memory_limit)
                    .build(),
                size: 0,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        // Results are copied out of the guest's memory, which is capped
        // already: any result that fits in it may cross. (Wasmtime's
        // default, 128 MiB a call, refused the edges of a largest frame of
        // noise at thresholds 0: 11.7 million points, about 200 MB.)
        store.set_hostcall_fuel(self.memory_limit);
        let bindings = self
            .pre
            .instantiate(&mut store)
            .context("instantiating the ghostlines component")?;
        Ok(Instance {
            store,
            bindings,
            limits: self.limits,
        })
    }
}

fn log_timing(what: &str, started: Instant) {
    let ms = started.elapsed().as_secs_f64() * 1e3;
    crate::log(&format!("{what} in {ms:.1} ms"));
}

/// One instance of the component. Every call checks the sizes first, so an
/// oversized or inconsistent frame is answered with a typed [`Error`]
/// before its bytes are copied into the guest.
pub struct Instance {
    store: Store<HostState>,
    bindings: Ghostlines,
    limits: Limits,
}

/// The outcome of a call: `Err` for a trap, `Ok(Err(..))` for a typed
/// refusal.
pub type Call<T> = wasmtime::Result<Result<T, Error>>;

impl Instance {
    /// The limits the component itself enforces (`get-limits`).
    pub fn component_limits(&mut self) -> wasmtime::Result<crate::bindings::Limits> {
        self.bindings
            .ghostlines_image_process()
            .call_get_limits(&mut self.store)
    }

    /// The component's sentence for `error`.
    pub fn error_message(&mut self, error: &Error) -> wasmtime::Result<String> {
        self.bindings
            .ghostlines_image_process()
            .call_error_message(&mut self.store, error)
    }

    /// The component's default tracker settings.
    pub fn default_tracker_settings(&mut self) -> wasmtime::Result<TrackerSettings> {
        self.bindings
            .ghostlines_image_tracking()
            .call_default_tracker_settings(&mut self.store)
    }

    /// The component's default painter settings.
    pub fn painter_defaults(&mut self) -> wasmtime::Result<PainterSettings> {
        self.bindings
            .ghostlines_image_painting()
            .call_default_painter_settings(&mut self.store)
    }

    /// The displacement `speed` colouring draws red when none is given.
    pub fn default_speed_max(&mut self) -> wasmtime::Result<f64> {
        self.bindings
            .ghostlines_image_painting()
            .call_default_speed_max(&mut self.store)
    }

    /// Greyscale with `method`.
    pub fn greyscale(&mut self, frame: &Frame, method: GreyMethod) -> Call<Plane> {
        if let Err(e) = self.check_frame(frame) {
            return Ok(Err(e));
        }
        self.bindings
            .ghostlines_image_process()
            .call_greyscale(&mut self.store, frame, method)
    }

    /// Contrast and brightness on RGBA.
    pub fn adjust(&mut self, frame: &Frame, contrast: i32, brightness: i32) -> Call<Frame> {
        if let Err(e) = self.check_frame(frame) {
            return Ok(Err(e));
        }
        self.bindings.ghostlines_image_process().call_adjust(
            &mut self.store,
            frame,
            contrast,
            brightness,
        )
    }

    /// Contrast and brightness on a grey plane.
    pub fn adjust_plane(&mut self, plane: &Plane, contrast: i32, brightness: i32) -> Call<Plane> {
        if let Err(e) = self.check_plane(plane) {
            return Ok(Err(e));
        }
        self.bindings.ghostlines_image_process().call_adjust_plane(
            &mut self.store,
            plane,
            contrast,
            brightness,
        )
    }

    /// The brightness-weighted centroid.
    pub fn centroid(&mut self, plane: &Plane) -> Call<Option<Point>> {
        if let Err(e) = self.check_plane(plane) {
            return Ok(Err(e));
        }
        self.bindings
            .ghostlines_image_process()
            .call_centroid(&mut self.store, plane)
    }

    /// The sampled frame difference.
    pub fn frame_diff(
        &mut self,
        previous: &Plane,
        current: &Plane,
        threshold: f64,
        samples: u32,
        seed: u64,
    ) -> Call<Vec<Change>> {
        if let Err(e) = self.check_plane(previous).and(self.check_plane(current)) {
            return Ok(Err(e));
        }
        self.bindings.ghostlines_image_process().call_frame_diff(
            &mut self.store,
            previous,
            current,
            threshold,
            samples,
            seed,
        )
    }

    /// Sparse optical flow from `previous` to `current`.
    pub fn sparse_flow(
        &mut self,
        previous: &Plane,
        current: &Plane,
        corners: CornerSettings,
        flow: FlowSettings,
    ) -> Call<Vec<FlowVector>> {
        if let Err(e) = self.check_plane(previous).and(self.check_plane(current)) {
            return Ok(Err(e));
        }
        self.bindings.ghostlines_image_vectors().call_sparse_flow(
            &mut self.store,
            previous,
            current,
            corners,
            flow,
        )
    }

    /// Dense optical flow on a grid every `step` pixels.
    pub fn dense_flow(
        &mut self,
        previous: &Plane,
        current: &Plane,
        step: u32,
        flow: FlowSettings,
    ) -> Call<Vec<FlowVector>> {
        if let Err(e) = self.check_plane(previous).and(self.check_plane(current)) {
            return Ok(Err(e));
        }
        self.bindings.ghostlines_image_vectors().call_dense_flow(
            &mut self.store,
            previous,
            current,
            step,
            flow,
        )
    }

    /// The flow field from `previous` to `current`: a displacement at
    /// every pixel.
    pub fn pixel_flow(
        &mut self,
        previous: &Plane,
        current: &Plane,
        settings: FieldSettings,
    ) -> Call<FlowField> {
        if let Err(e) = self.check_plane(previous).and(self.check_plane(current)) {
            return Ok(Err(e));
        }
        self.bindings.ghostlines_image_vectors().call_pixel_flow(
            &mut self.store,
            previous,
            current,
            settings,
        )
    }

    /// The documented field settings (OpenCV's DIS MEDIUM search).
    pub fn default_field_settings(&mut self) -> wasmtime::Result<FieldSettings> {
        self.bindings
            .ghostlines_image_vectors()
            .call_default_field_settings(&mut self.store)
    }

    /// The field settings of the preset called `name`.
    pub fn field_preset(&mut self, name: &str) -> Call<FieldSettings> {
        self.bindings
            .ghostlines_image_vectors()
            .call_field_preset(&mut self.store, name)
    }

    /// The gradient field every `step` pixels.
    pub fn gradient_field(
        &mut self,
        plane: &Plane,
        operator: GradientOperator,
        step: u32,
    ) -> Call<Vec<Gradient>> {
        if let Err(e) = self.check_plane(plane) {
            return Ok(Err(e));
        }
        self.bindings
            .ghostlines_image_vectors()
            .call_gradient_field(&mut self.store, plane, operator, step)
    }

    /// Canny edges as simplified polylines.
    pub fn edges(&mut self, plane: &Plane, settings: EdgeSettings) -> Call<Vec<Vec<Point>>> {
        if let Err(e) = self.check_plane(plane) {
            return Ok(Err(e));
        }
        self.bindings
            .ghostlines_image_vectors()
            .call_edges(&mut self.store, plane, settings)
    }

    /// The part of a tracker's push that needs nothing from the frames
    /// before (`prepare`), for a tracker with `settings` in any instance.
    pub fn prepare(&mut self, frame: &Frame, settings: &TrackerSettings) -> Call<PreparedFrame> {
        if let Err(e) = self.check_frame(frame) {
            return Ok(Err(e));
        }
        self.bindings
            .ghostlines_image_tracking()
            .call_prepare(&mut self.store, frame, *settings)
    }

    /// A tracker living in this instance; drop it (or call
    /// [`Tracker::close`]) to free it in the guest.
    pub fn tracker(&mut self, settings: &TrackerSettings) -> Call<Tracker<'_>> {
        let created = self
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_create(&mut self.store, *settings)?;
        Ok(created.map(|handle| Tracker(Borrowed::new(self, handle, "tracker"))))
    }

    /// A painter living in this instance; drop it to free it in the guest.
    pub fn painter(&mut self, settings: &PainterSettings) -> Call<Painter<'_>> {
        let created = self
            .bindings
            .ghostlines_image_painting()
            .painter()
            .call_create(&mut self.store, *settings)?;
        Ok(created.map(|handle| Painter(Borrowed::new(self, handle, "painter"))))
    }

    /// A tracker and a painter together: each frame pushed is tracked and
    /// drawn in one call (`track-and-paint`), the frame copied in once.
    pub fn renderer(
        &mut self,
        tracker: &TrackerSettings,
        painter: &PainterSettings,
    ) -> Call<Renderer<'_>> {
        let tracking = self.bindings.ghostlines_image_tracking();
        let tracker = match tracking.tracker().call_create(&mut self.store, *tracker)? {
            Ok(handle) => handle,
            Err(e) => return Ok(Err(e)),
        };
        let painter_settings = *painter;
        let painting = self.bindings.ghostlines_image_painting();
        let painter = match painting.painter().call_create(&mut self.store, *painter)? {
            Ok(handle) => handle,
            Err(e) => {
                tracker.resource_drop(&mut self.store)?;
                return Ok(Err(e));
            }
        };
        Ok(Ok(Renderer {
            instance: self,
            tracker: Some(tracker),
            painter: Some(painter),
            background: painter_settings.background,
        }))
    }

    /// The size of the guest's linear memory, bytes: it only grows, so
    /// this is the most the instance has needed so far.
    pub fn memory_size(&self) -> usize {
        self.store.data().limits.size
    }

    /// The generated bindings and the store, for calls that bypass the
    /// host-side checks (tests use this to reach the guest's own checks).
    pub fn raw(&mut self) -> (&Ghostlines, &mut Store<HostState>) {
        (&self.bindings, &mut self.store)
    }

    fn check_frame(&self, frame: &Frame) -> Result<(), Error> {
        self.limits
            .check_len(frame.width, frame.height, 4, frame.pixels.len())
            .map(drop)
            .map_err(Error::from)
    }

    fn check_plane(&self, plane: &Plane) -> Result<(), Error> {
        self.limits
            .check_len(plane.width, plane.height, 1, plane.values.len())
            .map(drop)
            .map_err(Error::from)
    }
}

/// A resource in the guest, borrowed with its instance, and freed in the
/// guest when it is closed or dropped.
struct Borrowed<'a> {
    instance: &'a mut Instance,
    handle: Option<ResourceAny>,
    /// What it is, for the error of a call after it was closed.
    what: &'static str,
}

impl<'a> Borrowed<'a> {
    fn new(instance: &'a mut Instance, handle: ResourceAny, what: &'static str) -> Borrowed<'a> {
        Borrowed {
            instance,
            handle: Some(handle),
            what,
        }
    }

    fn handle(&self) -> wasmtime::Result<ResourceAny> {
        self.handle
            .ok_or_else(|| wasmtime::Error::msg(format!("the {} was closed", self.what)))
    }

    /// Drops the resource in the guest, reporting a failure.
    fn close(mut self) -> wasmtime::Result<()> {
        match self.handle.take() {
            Some(handle) => handle.resource_drop(&mut self.instance.store),
            None => Ok(()),
        }
    }
}

impl Drop for Borrowed<'_> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            // After a trap the store refuses every call; nothing to free then.
            let _ = handle.resource_drop(&mut self.instance.store);
        }
    }
}

/// A `tracker` resource in the guest, borrowed with its instance.
pub struct Tracker<'a>(Borrowed<'a>);

impl Tracker<'_> {
    /// Pushes the next frame.
    pub fn push(&mut self, frame: &Frame) -> Call<TrackerOutput> {
        if let Err(e) = self.0.instance.check_frame(frame) {
            return Ok(Err(e));
        }
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_push(&mut self.0.instance.store, handle, frame)
    }

    /// Pushes the next frame, taken at `time` milliseconds.
    pub fn push_at(&mut self, frame: &Frame, time: f64) -> Call<TrackerOutput> {
        if let Err(e) = self.0.instance.check_frame(frame) {
            return Ok(Err(e));
        }
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_push_at(&mut self.0.instance.store, handle, frame, time)
    }

    /// Finishes the push of a frame `prepare` made, taken at `time`.
    pub fn push_prepared(&mut self, prepared: &PreparedFrame, time: f64) -> Call<TrackerOutput> {
        if let Err(e) = self.0.instance.check_plane(&prepared.filtered) {
            return Ok(Err(e));
        }
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_push_prepared(&mut self.0.instance.store, handle, prepared, time)
    }

    /// Forgets the previous frame.
    pub fn reset(&mut self) -> wasmtime::Result<()> {
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_reset(&mut self.0.instance.store, handle)
    }

    /// The settings the guest holds for this tracker.
    pub fn settings(&mut self) -> wasmtime::Result<TrackerSettings> {
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_settings(&mut self.0.instance.store, handle)
    }

    /// Field mode: the last push's flow field (`None` in other modes).
    pub fn field(&mut self) -> wasmtime::Result<Option<FlowField>> {
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_field(&mut self.0.instance.store, handle)
    }

    /// Drops the resource in the guest, reporting a failure (a drop on
    /// scope exit can only ignore it).
    pub fn close(self) -> wasmtime::Result<()> {
        self.0.close()
    }
}

/// A `painter` resource in the guest, borrowed with its instance.
pub struct Painter<'a>(Borrowed<'a>);

impl Painter<'_> {
    /// Draws one frame (see the WIT's `painter.paint`).
    pub fn paint(
        &mut self,
        frame: &Frame,
        filtered: Option<&Plane>,
        vectors: &[Vector],
        polylines: &[Vec<Point>],
    ) -> Call<Frame> {
        if let Err(e) = self.check(frame, filtered) {
            return Ok(Err(e));
        }
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_painting()
            .painter()
            .call_paint(
                &mut self.0.instance.store,
                handle,
                frame,
                filtered,
                vectors,
                polylines,
            )
    }

    /// Draws one frame from vectors packed as (x, y, dx, dy) quadruples
    /// (see the WIT's `painter.paint-packed`).
    pub fn paint_packed(
        &mut self,
        frame: &Frame,
        filtered: Option<&Plane>,
        vectors: &[f64],
        polylines: &[Vec<Point>],
    ) -> Call<Frame> {
        if let Err(e) = self.check(frame, filtered) {
            return Ok(Err(e));
        }
        let handle = self.0.handle()?;
        self.0
            .instance
            .bindings
            .ghostlines_image_painting()
            .painter()
            .call_paint_packed(
                &mut self.0.instance.store,
                handle,
                frame,
                filtered,
                vectors,
                polylines,
            )
    }

    /// The frame's and the plane's sizes against the limits, before they
    /// are copied into the guest.
    fn check(&mut self, frame: &Frame, filtered: Option<&Plane>) -> Result<(), Error> {
        self.0.instance.check_frame(frame)?;
        if let Some(plane) = filtered {
            self.0.instance.check_plane(plane)?;
        }
        Ok(())
    }

    /// The instance, for other calls between paints.
    pub fn instance(&mut self) -> &mut Instance {
        self.0.instance
    }
}

/// A tracker and a painter in one instance, fed frame after frame.
pub struct Renderer<'a> {
    instance: &'a mut Instance,
    tracker: Option<ResourceAny>,
    painter: Option<ResourceAny>,
    /// What the painter draws over.
    background: Background,
}

impl Renderer<'_> {
    /// Tracks `frame` (taken at `time` milliseconds, or one interval after
    /// the one before) and draws what was found.
    pub fn push(&mut self, frame: &Frame, time: Option<f64>) -> Call<Painted> {
        if let Err(e) = self.instance.check_frame(frame) {
            return Ok(Err(e));
        }
        let (tracker, painter) = self.handles()?;
        self.instance
            .bindings
            .ghostlines_image_painting()
            .painter()
            .call_track_and_paint(&mut self.instance.store, painter, tracker, frame, time)
    }

    /// Tracks a frame `prepare` made from `frame`, taken at `time`, and
    /// draws what was found (`track-and-paint-prepared`); the frame's
    /// pixels go into the component only when the painter draws over them.
    pub fn push_prepared(
        &mut self,
        frame: &Frame,
        prepared: &PreparedFrame,
        time: f64,
    ) -> Call<Painted> {
        let checked = (self.instance.check_frame(frame))
            .and_then(|()| self.instance.check_plane(&prepared.filtered));
        if let Err(e) = checked {
            return Ok(Err(e));
        }
        // Checked here too, for the frames that stay out.
        let size = (prepared.filtered.width, prepared.filtered.height);
        if (frame.width, frame.height) != size {
            return Ok(Err(ghostlines_core::Error::SizeMismatch {
                expected: size,
                actual: (frame.width, frame.height),
            }
            .into()));
        }
        let frame = (self.background == Background::Frame).then_some(frame);
        let (tracker, painter) = self.handles()?;
        self.instance
            .bindings
            .ghostlines_image_painting()
            .painter()
            .call_track_and_paint_prepared(
                &mut self.instance.store,
                painter,
                tracker,
                prepared,
                frame,
                time,
            )
    }

    /// Tracks `frame`, taken at `time`, from its prepared frame when it was
    /// prepared (`push_prepared`), else whole (`push`).
    pub fn push_ready(
        &mut self,
        frame: &Frame,
        prepared: Option<&PreparedFrame>,
        time: f64,
    ) -> Call<Painted> {
        match prepared {
            Some(prepared) => self.push_prepared(frame, prepared, time),
            None => self.push(frame, Some(time)),
        }
    }

    /// The tracker's and the painter's handles, while they are open.
    fn handles(&self) -> wasmtime::Result<(ResourceAny, ResourceAny)> {
        match (self.tracker, self.painter) {
            (Some(tracker), Some(painter)) => Ok((tracker, painter)),
            _ => Err(wasmtime::Error::msg("the renderer was closed")),
        }
    }

    /// Field mode: the last push's flow field (`None` in other modes).
    pub fn field(&mut self) -> wasmtime::Result<Option<FlowField>> {
        let (tracker, _) = self.handles()?;
        self.instance
            .bindings
            .ghostlines_image_tracking()
            .tracker()
            .call_field(&mut self.instance.store, tracker)
    }
}

impl Drop for Renderer<'_> {
    fn drop(&mut self) {
        for handle in [self.painter.take(), self.tracker.take()]
            .into_iter()
            .flatten()
        {
            let _ = handle.resource_drop(&mut self.instance.store);
        }
    }
}
