//! Every limit of the server, in one type.

use std::time::Duration;

use ghostlines_core::{BODY_TIMEOUT, LimitVariable, StreamLimits};

/// Every limit of the server, in one place: what a request may ask for
/// (frame size, body size), what it may use (memory, time), and how many
/// run at once. Checked by the host before the component is instantiated
/// (the declared body length and the `width`/`height` parameters), again by
/// the component and by `core` (the host passes the frame, body and stream
/// limits in its environment, and the component keeps their deadlines
/// itself), and enforced by `StoreLimits` (memory), the body deadlines
/// (the component's, and the host's as a backstop) and epoch interruption
/// (time), and the pool and the stream slots (instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// Largest width and height, pixels a frame and frame-diff samples.
    pub frame: ghostlines_core::Limits,
    /// The largest request body, raw or PNG.
    pub max_body_bytes: u64,
    /// The whole request body must arrive within this (else 408).
    pub body_timeout: Duration,
    /// Time the component may compute without waiting on I/O: the time it
    /// runs its own code (not the host's calls it waits in) since the last
    /// bytes of the body it received (or of its answer the client took);
    /// past it the request is stopped (503).
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
    /// Stream routes: the most frames, each frame's waiting budget (in
    /// place of the whole-body deadline), and the longest stream.
    pub stream: StreamLimits,
    /// Stream routes: the compute deadline of a frame (instead of
    /// `compute_timeout`).
    pub frame_timeout: Duration,
    /// Streams at once, at most `max_instances` (below it by default, so
    /// that single requests always find an instance); beyond it 503.
    pub max_streams: u32,
    /// Streams at once from one client address; beyond it 429.
    pub max_client_streams: u32,
}

/// What a stream route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StreamAnswer {
    /// NDJSON lines (`/motion/stream`).
    Lines,
    /// Frames back to back (`/render/stream`).
    Frames,
}

impl Default for ServeLimits {
    /// 16384 px a side, 2^23 px a frame, 64 MiB bodies, 10 s for the body,
    /// 5 s of compute, 10 s without taking any of the answer, 512 MiB an
    /// instance, 64 instances; core's stream limits, 48 streams at once,
    /// 8 from one client.
    fn default() -> Self {
        let max_instances = 64;
        ServeLimits {
            frame: ghostlines_core::Limits::HTTP,
            max_body_bytes: ghostlines_core::Limits::HTTP.two_frame_bytes(),
            body_timeout: BODY_TIMEOUT,
            compute_timeout: Duration::from_secs(5),
            send_timeout: Duration::from_secs(10),
            memory_limit: ServeLimits::DEFAULT_MEMORY,
            max_instances,
            stream: StreamLimits::DEFAULT,
            frame_timeout: Duration::from_secs(5),
            max_streams: ServeLimits::default_max_streams(max_instances),
            max_client_streams: ServeLimits::DEFAULT_MAX_CLIENT_STREAMS,
        }
    }
}

impl ServeLimits {
    /// Whether `path` is a stream route, and what it answers.
    pub(super) fn is_stream(path: &str) -> Option<StreamAnswer> {
        match path {
            "/motion/stream" => Some(StreamAnswer::Lines),
            "/render/stream" => Some(StreamAnswer::Frames),
            _ => None,
        }
    }

    /// Streams at once from one client, unless told otherwise.
    pub const DEFAULT_MAX_CLIENT_STREAMS: u32 = 8;

    /// How much later than the component's own deadline the host's
    /// backstop for a stream's body fires: the component ends the stream
    /// with its own, precise line first, under every host.
    pub const STREAM_BACKSTOP_GRACE: Duration = Duration::from_millis(500);

    /// Streams at once for a pool of `max_instances`, unless told
    /// otherwise: three quarters of the pool (one instance less at least,
    /// and at least one), so that single requests always find an instance.
    pub fn default_max_streams(max_instances: u32) -> u32 {
        max_instances
            .saturating_sub((max_instances / 4).max(1))
            .max(1)
    }

    /// The limits the component enforces itself, as the environment
    /// variables that carry them to it.
    pub fn component_variables(&self) -> Vec<(&'static str, String)> {
        let millis = |d: Duration| d.as_millis().to_string();
        LimitVariable::ALL
            .iter()
            .map(|&variable| {
                let value = match variable {
                    LimitVariable::MaxSide => self.frame.max_side.to_string(),
                    LimitVariable::MaxPixels => self.frame.max_pixels.to_string(),
                    LimitVariable::MaxBodyBytes => self.max_body_bytes.to_string(),
                    LimitVariable::BodyTimeout => millis(self.body_timeout),
                    LimitVariable::MaxStreamFrames => self.stream.max_frames.to_string(),
                    LimitVariable::StreamIdleTimeout => millis(self.stream.frame_wait),
                    LimitVariable::MaxStreamDuration => {
                        self.stream.max_duration.map_or("0".into(), millis)
                    }
                };
                (variable.name(), value)
            })
            .collect()
    }

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
            self.stream.max_frames >= 1,
            "--max-stream-frames must be at least 1"
        );
        anyhow::ensure!(
            (1..=self.max_instances).contains(&self.max_streams),
            "--max-streams must be in 1..=--max-instances ({}), got {}",
            self.max_instances,
            self.max_streams
        );
        anyhow::ensure!(
            self.max_client_streams >= 1,
            "--max-client-streams must be at least 1"
        );
        anyhow::ensure!(
            [
                self.body_timeout,
                self.compute_timeout,
                self.send_timeout,
                self.stream.frame_wait,
                self.frame_timeout,
            ]
            .into_iter()
            .chain(self.stream.max_duration)
            .all(|t| t.as_millis() >= 1),
            "the timeouts must be at least 1 ms"
        );
        Ok(())
    }

    /// The `width` and `height` of a query, when both parse (the
    /// component judges the query in full).
    pub fn query_size(query: &str) -> Option<(u32, u32)> {
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse::<u32>().ok())
        };
        Some((param("width")?, param("height")?))
    }

    /// The host's own answer to a request that is over the limits before
    /// any of it is read: a declared body too long (413), or `width` and
    /// `height` parameters outside the frame limits (400, 413).
    pub fn refuse_early<B>(
        &self,
        request: &hyper::Request<B>,
    ) -> Option<(u16, &'static str, String)> {
        // Only a POST has a body and a frame size to judge (a preflight
        // asks about one with the same query).
        if request.method() != hyper::Method::POST {
            return None;
        }
        let declared = request
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        // A stream's body is judged in frames, by the component.
        if let Some(length) = declared
            && length > self.max_body_bytes
            && ServeLimits::is_stream(request.uri().path()).is_none()
        {
            let message = format!("the body is over the {}-byte limit", self.max_body_bytes);
            return Some((413, "too-large", message));
        }
        let (width, height) = ServeLimits::query_size(request.uri().query().unwrap_or(""))?;
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
