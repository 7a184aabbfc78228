//! The ghostlines component: the `ghostlines:image` WIT contract over
//! `ghostlines-core`. Thin by design: convert, call `core`, convert back.

// wit-bindgen's generated glue needs `unsafe` for the canonical ABI.
#![allow(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;

use ghostlines_core as core_;

wit_bindgen::generate!({
    world: "ghostlines",
    path: "../wit",
});

use exports::ghostlines::image::tracking::{
    self, DenseMode, SparseMode, TrackerMode, TrackerOutput, TrackerSettings,
};
use exports::ghostlines::image::{process, vectors};
use ghostlines::image::types::{
    Change, CornerSettings, Displacement, EdgeSettings, Error, FlowSettings, FlowStatus,
    FlowVector, Frame, Gradient, GradientOperator, GreyMethod, LengthMismatch, Limits, Plane,
    Point, SizeMismatch, TooLarge, Vector,
};

struct Component;

export!(Component);

impl process::Guest for Component {
    fn get_limits() -> Limits {
        limits(core_::Limits::DEFAULT)
    }

    fn greyscale(frame: Frame, method: GreyMethod) -> Result<Plane, Error> {
        // The frame was moved in: its own buffer becomes the plane (no
        // second buffer, whatever the method).
        let Frame {
            width,
            height,
            pixels,
        } = frame;
        Ok(Plane {
            width,
            height,
            values: core_::greyscale_owned(pixels, width, height, method.into())?,
        })
    }

    fn adjust(frame: Frame, contrast: i32, brightness: i32) -> Result<Frame, Error> {
        let adjustment = core_::Adjustment::new(contrast, brightness)?;
        frame_view(&frame)?;
        // The frame was moved in: adjust its own pixels, no second buffer.
        let mut frame = frame;
        core_::adjust_rgba_mut(&mut frame.pixels, &adjustment);
        Ok(frame)
    }

    fn adjust_plane(plane: Plane, contrast: i32, brightness: i32) -> Result<Plane, Error> {
        let adjustment = core_::Adjustment::new(contrast, brightness)?;
        plane_view(&plane)?;
        // The plane was moved in: adjust its own buffer, no second one.
        let mut plane = plane;
        core_::adjust_plane_mut(&mut plane.values, &adjustment);
        Ok(plane)
    }

    fn centroid(plane: Plane) -> Result<Option<Point>, Error> {
        let view = plane_view(&plane)?;
        Ok(core_::centroid(view).map(|p| Point { x: p.x, y: p.y }))
    }

    fn frame_diff(
        previous: Plane,
        current: Plane,
        threshold: f64,
        samples: u32,
        seed: u64,
    ) -> Result<Vec<Change>, Error> {
        let before = plane_view(&previous)?;
        let after = plane_view(&current)?;
        let mut rng = core_::SplitMix64::new(seed);
        let changes = core_::frame_diff(before, after, threshold, samples, &mut rng)?;
        Ok(changes
            .into_iter()
            .map(|c| Change {
                x: c.x,
                y: c.y,
                previous: c.previous,
                current: c.current,
            })
            .collect())
    }
}

impl vectors::Guest for Component {
    fn default_corner_settings() -> CornerSettings {
        core_::CornerSettings::default().into()
    }

    fn default_flow_settings() -> FlowSettings {
        core_::FlowSettings::default().into()
    }

    fn default_edge_settings() -> EdgeSettings {
        core_::EdgeSettings::default().into()
    }

    fn sparse_flow(
        previous: Plane,
        current: Plane,
        corners: CornerSettings,
        flow: FlowSettings,
    ) -> Result<Vec<FlowVector>, Error> {
        let before = plane_view(&previous)?;
        let after = plane_view(&current)?;
        let vectors = core_::sparse_flow(before, after, &corners.into(), &flow.into())?;
        Ok(vectors.into_iter().map(FlowVector::from).collect())
    }

    fn dense_flow(
        previous: Plane,
        current: Plane,
        step: u32,
        flow: FlowSettings,
    ) -> Result<Vec<FlowVector>, Error> {
        let before = plane_view(&previous)?;
        let after = plane_view(&current)?;
        let vectors = core_::dense_flow(before, after, step, &flow.into())?;
        Ok(vectors.into_iter().map(FlowVector::from).collect())
    }

    fn gradient_field(
        plane: Plane,
        operator: GradientOperator,
        step: u32,
    ) -> Result<Vec<Gradient>, Error> {
        let view = plane_view(&plane)?;
        let operator = match operator {
            GradientOperator::Sobel => core_::GradientOperator::Sobel,
            GradientOperator::Scharr => core_::GradientOperator::Scharr,
        };
        let field = core_::gradient_field(view, operator, step)?;
        Ok(field
            .into_iter()
            .map(|g| Gradient {
                x: g.x,
                y: g.y,
                dx: g.dx,
                dy: g.dy,
                magnitude: g.magnitude,
            })
            .collect())
    }

    fn edges(plane: Plane, settings: EdgeSettings) -> Result<Vec<Vec<Point>>, Error> {
        let view = plane_view(&plane)?;
        let lines = core_::edge_polylines(view, &settings.into())?;
        Ok(lines
            .into_iter()
            .map(|line| line.into_iter().map(|p| Point { x: p.x, y: p.y }).collect())
            .collect())
    }
}

impl tracking::Guest for Component {
    type Tracker = Tracker;
}

/// The `tracker` resource: a core tracker behind a `RefCell`, since
/// resource methods get `&self`.
struct Tracker(RefCell<core_::Tracker>);

impl tracking::GuestTracker for Tracker {
    fn create(settings: TrackerSettings) -> Result<tracking::Tracker, Error> {
        let tracker = core_::Tracker::new(core_::TrackerSettings {
            method: settings.method.into(),
            contrast: settings.contrast,
            brightness: settings.brightness,
            threshold: settings.threshold,
            samples: settings.samples,
            seed: settings.seed,
            mode: match settings.mode {
                TrackerMode::Sketch => core_::TrackerMode::Sketch,
                TrackerMode::Sparse(m) => core_::TrackerMode::Sparse {
                    corners: m.corners.into(),
                    flow: m.flow.into(),
                },
                TrackerMode::Dense(m) => core_::TrackerMode::Dense {
                    step: m.step,
                    flow: m.flow.into(),
                },
            },
        })?;
        Ok(tracking::Tracker::new(Tracker(RefCell::new(tracker))))
    }

    fn push(&self, frame: Frame) -> Result<TrackerOutput, Error> {
        let view = frame_view(&frame)?;
        let output = self.0.borrow_mut().push(view)?;
        Ok(TrackerOutput {
            centroid: output.centroid.map(|p| Point { x: p.x, y: p.y }),
            centroid_motion: output
                .centroid_motion
                .map(|d| Displacement { dx: d.dx, dy: d.dy }),
            vectors: output
                .vectors
                .into_iter()
                .map(|v| Vector {
                    x: v.x,
                    y: v.y,
                    dx: v.dx,
                    dy: v.dy,
                    status: v.status.map(FlowStatus::from),
                    error: v.error,
                })
                .collect(),
        })
    }

    fn reset(&self) {
        self.0.borrow_mut().reset();
    }

    fn settings(&self) -> TrackerSettings {
        let tracker = self.0.borrow();
        let s = tracker.settings();
        TrackerSettings {
            method: s.method.into(),
            contrast: s.contrast,
            brightness: s.brightness,
            threshold: s.threshold,
            samples: s.samples,
            seed: s.seed,
            mode: match s.mode {
                core_::TrackerMode::Sketch => TrackerMode::Sketch,
                core_::TrackerMode::Sparse { corners, flow } => TrackerMode::Sparse(SparseMode {
                    corners: corners.into(),
                    flow: flow.into(),
                }),
                core_::TrackerMode::Dense { step, flow } => TrackerMode::Dense(DenseMode {
                    step,
                    flow: flow.into(),
                }),
            },
        }
    }
}

/// A WIT frame as a checked core view.
fn frame_view(frame: &Frame) -> Result<core_::Frame<'_>, core_::Error> {
    core_::Frame::new(frame.width, frame.height, &frame.pixels)
}

/// A WIT plane as a checked core view.
fn plane_view(plane: &Plane) -> Result<core_::Plane<'_>, core_::Error> {
    core_::Plane::new(plane.width, plane.height, &plane.values)
}

fn limits(l: core_::Limits) -> Limits {
    Limits {
        max_side: l.max_side,
        max_pixels: l.max_pixels,
        max_samples: l.max_samples,
    }
}

impl From<core_::Error> for Error {
    fn from(e: core_::Error) -> Error {
        match e {
            core_::Error::InvalidDimensions { .. } => Error::InvalidDimensions,
            core_::Error::LengthMismatch { expected, actual } => {
                Error::LengthMismatch(LengthMismatch { expected, actual })
            }
            core_::Error::SizeMismatch { expected, actual } => Error::SizeMismatch(SizeMismatch {
                expected_width: expected.0,
                expected_height: expected.1,
                actual_width: actual.0,
                actual_height: actual.1,
            }),
            core_::Error::TooLarge {
                width,
                height,
                limits: l,
            } => Error::TooLarge(TooLarge {
                width,
                height,
                limits: limits(l),
            }),
            core_::Error::InvalidParameter(message) => Error::InvalidParameter(message),
        }
    }
}

impl From<GreyMethod> for core_::GreyMethod {
    fn from(m: GreyMethod) -> core_::GreyMethod {
        match m {
            GreyMethod::MaxRgb => core_::GreyMethod::MaxRgb,
            GreyMethod::LumaBt601 => core_::GreyMethod::LumaBt601,
            GreyMethod::LumaBt709 => core_::GreyMethod::LumaBt709,
            GreyMethod::Average => core_::GreyMethod::Average,
            GreyMethod::Lightness => core_::GreyMethod::Lightness,
        }
    }
}

impl From<core_::GreyMethod> for GreyMethod {
    fn from(m: core_::GreyMethod) -> GreyMethod {
        match m {
            core_::GreyMethod::MaxRgb => GreyMethod::MaxRgb,
            core_::GreyMethod::LumaBt601 => GreyMethod::LumaBt601,
            core_::GreyMethod::LumaBt709 => GreyMethod::LumaBt709,
            core_::GreyMethod::Average => GreyMethod::Average,
            core_::GreyMethod::Lightness => GreyMethod::Lightness,
        }
    }
}

impl From<core_::FlowStatus> for FlowStatus {
    fn from(s: core_::FlowStatus) -> FlowStatus {
        match s {
            core_::FlowStatus::Tracked => FlowStatus::Tracked,
            core_::FlowStatus::Lost => FlowStatus::Lost,
        }
    }
}

impl From<core_::FlowVector> for FlowVector {
    fn from(v: core_::FlowVector) -> FlowVector {
        FlowVector {
            x: v.x,
            y: v.y,
            dx: v.dx,
            dy: v.dy,
            status: v.status.into(),
            error: v.error,
        }
    }
}

impl From<CornerSettings> for core_::CornerSettings {
    fn from(s: CornerSettings) -> core_::CornerSettings {
        core_::CornerSettings {
            max_corners: s.max_corners,
            quality: s.quality,
            min_distance: s.min_distance,
        }
    }
}

impl From<core_::CornerSettings> for CornerSettings {
    fn from(s: core_::CornerSettings) -> CornerSettings {
        CornerSettings {
            max_corners: s.max_corners,
            quality: s.quality,
            min_distance: s.min_distance,
        }
    }
}

impl From<FlowSettings> for core_::FlowSettings {
    fn from(s: FlowSettings) -> core_::FlowSettings {
        core_::FlowSettings {
            window: s.window,
            levels: s.levels,
            iterations: s.iterations,
            epsilon: s.epsilon,
            fb_threshold: s.fb_threshold,
            min_eigen: s.min_eigen,
            max_error: s.max_error,
        }
    }
}

impl From<core_::FlowSettings> for FlowSettings {
    fn from(s: core_::FlowSettings) -> FlowSettings {
        FlowSettings {
            window: s.window,
            levels: s.levels,
            iterations: s.iterations,
            epsilon: s.epsilon,
            fb_threshold: s.fb_threshold,
            min_eigen: s.min_eigen,
            max_error: s.max_error,
        }
    }
}

impl From<EdgeSettings> for core_::EdgeSettings {
    fn from(s: EdgeSettings) -> core_::EdgeSettings {
        core_::EdgeSettings {
            sigma: s.sigma,
            low: s.low,
            high: s.high,
            tolerance: s.tolerance,
            min_length: s.min_length,
            straight_only: s.straight_only,
        }
    }
}

impl From<core_::EdgeSettings> for EdgeSettings {
    fn from(s: core_::EdgeSettings) -> EdgeSettings {
        EdgeSettings {
            sigma: s.sigma,
            low: s.low,
            high: s.high,
            tolerance: s.tolerance,
            min_length: s.min_length,
            straight_only: s.straight_only,
        }
    }
}
