//! The ghostlines component: the `ghostlines:image` WIT contract over
//! `ghostlines-core`. Thin by design: convert, call `core`, convert back.

#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;

use ghostlines_core as core_;

mod bindings;

use bindings::exports::ghostlines::image::painting::{self, Painted, PainterSettings};
use bindings::exports::ghostlines::image::tracking::{
    self, DenseMode, FieldMode, PreparedFrame, SparseMode, TrackerOutput, TrackerSettings,
};
use bindings::exports::ghostlines::image::{process, vectors};
use bindings::ghostlines::image::types::{
    Change, CornerSettings, EdgeSettings, Error, FieldSettings, FlowField, FlowSettings,
    FlowVector, Frame, Gradient, GradientOperator, GreyMethod, Limits, Plane, Point, Vector,
};

struct Component;

impl process::Guest for Component {
    fn get_limits() -> Limits {
        core_::Limits::DEFAULT.into()
    }

    fn error_message(error: Error) -> String {
        core_::Error::from(error).to_string()
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
        Ok(core_::centroid(view).map(Point::from))
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
        Ok(changes.into_iter().map(Change::from).collect())
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

    fn default_field_settings() -> FieldSettings {
        core_::FieldSettings::default().into()
    }

    fn field_preset(name: String) -> Result<FieldSettings, Error> {
        Ok(core_::FieldSettings::preset(&name)?.into())
    }

    fn pixel_flow(
        previous: Plane,
        current: Plane,
        settings: FieldSettings,
    ) -> Result<FlowField, Error> {
        let before = plane_view(&previous)?;
        let after = plane_view(&current)?;
        Ok(core_::flow_field(before, after, &settings.into(), None)?.into())
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
        let field = core_::gradient_field(view, operator.into(), step)?;
        Ok(field.into_iter().map(Gradient::from).collect())
    }

    fn edges(plane: Plane, settings: EdgeSettings) -> Result<Vec<Vec<Point>>, Error> {
        let view = plane_view(&plane)?;
        let lines = core_::edge_polylines(view, &settings.into())?;
        Ok(lines
            .into_iter()
            .map(|line| line.into_iter().map(Point::from).collect())
            .collect())
    }
}

impl tracking::Guest for Component {
    type Tracker = Tracker;

    fn default_tracker_settings() -> TrackerSettings {
        core_::TrackerSettings::default().into()
    }

    fn default_sparse_mode() -> SparseMode {
        match core_::TrackerMode::sparse().into() {
            tracking::TrackerMode::Sparse(mode) => mode,
            _ => unreachable!("a sparse mode converts to a sparse mode"),
        }
    }

    fn default_dense_mode() -> DenseMode {
        match core_::TrackerMode::dense().into() {
            tracking::TrackerMode::Dense(mode) => mode,
            _ => unreachable!("a dense mode converts to a dense mode"),
        }
    }

    fn default_field_mode() -> FieldMode {
        match core_::TrackerMode::field().into() {
            tracking::TrackerMode::Field(mode) => mode,
            _ => unreachable!("a field mode converts to a field mode"),
        }
    }

    fn prepare(frame: Frame, settings: TrackerSettings) -> Result<PreparedFrame, Error> {
        let view = frame_view(&frame)?;
        Ok(core_::Tracker::prepare(&settings.into(), view)?.into())
    }
}

/// The `tracker` resource: a core tracker behind a `RefCell`, since
/// resource methods get `&self`.
struct Tracker(RefCell<core_::Tracker>);

impl tracking::GuestTracker for Tracker {
    fn create(settings: TrackerSettings) -> Result<tracking::Tracker, Error> {
        let tracker = core_::Tracker::new(settings.into())?;
        Ok(tracking::Tracker::new(Tracker(RefCell::new(tracker))))
    }

    fn push(&self, frame: Frame) -> Result<TrackerOutput, Error> {
        let view = frame_view(&frame)?;
        Ok(self.0.borrow_mut().push(view)?.into())
    }

    fn push_at(&self, frame: Frame, time: f64) -> Result<TrackerOutput, Error> {
        let view = frame_view(&frame)?;
        Ok(self.0.borrow_mut().push_at(view, time)?.into())
    }

    fn push_prepared(&self, prepared: PreparedFrame, time: f64) -> Result<TrackerOutput, Error> {
        Ok(self
            .0
            .borrow_mut()
            .push_prepared(prepared.into(), time)?
            .into())
    }

    fn reset(&self) {
        self.0.borrow_mut().reset();
    }

    fn paths(&self) -> Vec<Vec<Point>> {
        let paths = self.0.borrow().paths();
        paths
            .into_iter()
            .map(|path| path.into_iter().map(Point::from).collect())
            .collect()
    }

    fn settings(&self) -> TrackerSettings {
        self.0.borrow().settings().clone().into()
    }

    fn field(&self) -> Option<FlowField> {
        self.0.borrow().field().cloned().map(FlowField::from)
    }
}

impl painting::Guest for Component {
    type Painter = Painter;

    fn default_painter_settings() -> PainterSettings {
        core_::PainterSettings::default().into()
    }

    fn default_speed_max() -> f64 {
        core_::Colouring::SPEED_MAX
    }
}

/// The `painter` resource: a core painter behind a `RefCell`.
struct Painter(RefCell<core_::Painter>);

impl Painter {
    /// `paint` and `paint-packed`, once their vectors are core's.
    fn paint_vectors(
        &self,
        frame: Frame,
        filtered: Option<Plane>,
        vectors: &[core_::Vector],
        polylines: Vec<Vec<Point>>,
    ) -> Result<Frame, Error> {
        let view = frame_view(&frame)?;
        let filtered = filtered.as_ref().map(plane_view).transpose()?;
        let polylines: Vec<Vec<core_::Point>> = polylines
            .into_iter()
            .map(|line| line.into_iter().map(Into::into).collect())
            .collect();
        let strokes = core_::Strokes {
            vectors,
            paths: &[],
            polylines: &polylines,
        };
        let pixels = self.0.borrow_mut().paint(view, filtered, &strokes)?;
        Ok(Frame {
            width: frame.width,
            height: frame.height,
            pixels,
        })
    }
}

impl painting::GuestPainter for Painter {
    fn create(settings: PainterSettings) -> Result<painting::Painter, Error> {
        let painter = core_::Painter::new(settings.into())?;
        Ok(painting::Painter::new(Painter(RefCell::new(painter))))
    }

    fn paint(
        &self,
        frame: Frame,
        filtered: Option<Plane>,
        vectors: Vec<Vector>,
        polylines: Vec<Vec<Point>>,
    ) -> Result<Frame, Error> {
        let vectors: Vec<core_::Vector> = vectors.into_iter().map(Into::into).collect();
        self.paint_vectors(frame, filtered, &vectors, polylines)
    }

    fn paint_packed(
        &self,
        frame: Frame,
        filtered: Option<Plane>,
        vectors: Vec<f64>,
        polylines: Vec<Vec<Point>>,
    ) -> Result<Frame, Error> {
        let vectors = core_::Vector::from_packed(&vectors)?;
        self.paint_vectors(frame, filtered, &vectors, polylines)
    }

    fn track_and_paint(
        &self,
        tracker: tracking::TrackerBorrow<'_>,
        frame: Frame,
        time: Option<f64>,
    ) -> Result<Painted, Error> {
        let view = frame_view(&frame)?;
        let mut painter = self.0.borrow_mut();
        let mut tracker = tracker.get::<Tracker>().0.borrow_mut();
        let mut pixels = Vec::new();
        let output =
            core_::track_and_paint_into(&mut tracker, &mut painter, view, time, &mut pixels)?;
        Ok(Painted {
            output: output.into(),
            frame: Frame {
                width: frame.width,
                height: frame.height,
                pixels,
            },
        })
    }

    fn track_and_paint_prepared(
        &self,
        tracker: tracking::TrackerBorrow<'_>,
        prepared: PreparedFrame,
        frame: Option<Frame>,
        time: f64,
    ) -> Result<Painted, Error> {
        let view = frame.as_ref().map(frame_view).transpose()?;
        let (width, height) = (prepared.filtered.width, prepared.filtered.height);
        let mut painter = self.0.borrow_mut();
        let mut tracker = tracker.get::<Tracker>().0.borrow_mut();
        let mut pixels = Vec::new();
        let output = core_::track_prepared_and_paint_into(
            &mut tracker,
            &mut painter,
            view,
            prepared.into(),
            time,
            &mut pixels,
        )?;
        Ok(Painted {
            output: output.into(),
            frame: Frame {
                width,
                height,
                pixels,
            },
        })
    }

    fn reset(&self) {
        self.0.borrow_mut().reset();
    }

    fn settings(&self) -> PainterSettings {
        (*self.0.borrow().settings()).into()
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
