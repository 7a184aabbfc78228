//! The routes: each path, the method it answers and the query parameters
//! it takes, said once, for the dispatch, the handlers and `GET /`.

use crate::stream::StreamRoute;

/// A route of the component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /`: the routes, their parameters and the limits.
    Index,
    /// `POST /greyscale`.
    Greyscale,
    /// `POST /adjust`.
    Adjust,
    /// `POST /centroid`.
    Centroid,
    /// `POST /edges`.
    Edges,
    /// `POST /motion`: a frame pair.
    Motion,
    /// `POST /render`: a frame pair, drawn.
    Render,
    /// `POST /flow`: a frame pair's flow field.
    Flow,
    /// `POST /motion/stream`.
    MotionStream,
    /// `POST /render/stream`.
    RenderStream,
}

const GREY_PARAMS: &[&str] = &["width", "height", "method"];
const ADJUST_PARAMS: &[&str] = &["width", "height", "contrast", "brightness"];
const MOTION_PARAMS: &[&str] = &[
    "width",
    "height",
    "threshold",
    "samples",
    "seed",
    "method",
    "contrast",
    "brightness",
    "mode",
    "interval",
    "step",
    "window",
    "levels",
    "fb_threshold",
    "max_corners",
    "quality",
    "min_distance",
];
/// The flow field's search, for `/flow` and the tracker's field mode.
const FIELD_PARAMS: &[&str] = &[
    "preset",
    "patch",
    "stride",
    "finest_level",
    "iterations",
    "refinement",
    "fine_refinement",
];
/// `/render`'s own, beside `/motion`'s.
const PAINTER_PARAMS: &[&str] = &[
    "colour",
    "stroke_width",
    "scale",
    "background",
    "dim",
    "persistence",
    "colouring",
    "speed_max",
    "shape",
];
/// `/flow`'s own, beside the plane's and the search's.
const FLOW_PARAMS: &[&str] = &["max_motion"];
/// The stream routes' own, beside their pair route's: the frames' rate,
/// which times them for the tracker's interval.
const STREAM_PARAMS: &[&str] = &["fps"];
const EDGES_PARAMS: &[&str] = &[
    "width",
    "height",
    "method",
    "sigma",
    "low",
    "high",
    "tolerance",
    "min_length",
    "straight_only",
    "gradient_step",
    "operator",
];

impl Route {
    /// Every route, in the order `GET /` lists them.
    pub const ALL: [Route; 10] = [
        Route::Index,
        Route::Greyscale,
        Route::Adjust,
        Route::Centroid,
        Route::Edges,
        Route::Motion,
        Route::Render,
        Route::Flow,
        Route::MotionStream,
        Route::RenderStream,
    ];

    /// The route's path.
    pub fn path(self) -> &'static str {
        match self {
            Route::Index => "/",
            Route::Greyscale => "/greyscale",
            Route::Adjust => "/adjust",
            Route::Centroid => "/centroid",
            Route::Edges => "/edges",
            Route::Motion => "/motion",
            Route::Render => "/render",
            Route::Flow => "/flow",
            Route::MotionStream => "/motion/stream",
            Route::RenderStream => "/render/stream",
        }
    }

    /// The route at `path`, if there is one.
    pub fn at(path: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.path() == path)
    }

    /// The one method the route answers.
    pub fn method(self) -> &'static str {
        match self {
            Route::Index => "GET",
            _ => "POST",
        }
    }

    /// The query parameters the route takes, in the order a refusal of an
    /// unknown one lists them.
    pub fn params(self) -> Vec<&'static str> {
        let lists: &[&[&str]] = match self {
            Route::Index => &[],
            Route::Greyscale | Route::Centroid => &[GREY_PARAMS],
            Route::Adjust => &[ADJUST_PARAMS],
            Route::Edges => &[EDGES_PARAMS],
            Route::Motion => &[MOTION_PARAMS, FIELD_PARAMS],
            Route::Render => &[MOTION_PARAMS, FIELD_PARAMS, PAINTER_PARAMS],
            Route::Flow => &[GREY_PARAMS, FIELD_PARAMS, FLOW_PARAMS],
            Route::MotionStream => &[MOTION_PARAMS, FIELD_PARAMS, STREAM_PARAMS],
            Route::RenderStream => &[MOTION_PARAMS, FIELD_PARAMS, PAINTER_PARAMS, STREAM_PARAMS],
        };
        lists.concat()
    }

    /// The stream route this is, if it is one: it answers as it reads.
    pub fn stream(self) -> Option<StreamRoute> {
        match self {
            Route::MotionStream => Some(StreamRoute::Motion),
            Route::RenderStream => Some(StreamRoute::Render),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_at_its_path() {
        for route in Route::ALL {
            assert_eq!(Route::at(route.path()), Some(route));
        }
        assert_eq!(Route::at("/motion/"), None);
        assert_eq!(Route::at(""), None);
        // A stream route takes its pair route's parameters and the rate.
        let stream = Route::RenderStream.params();
        assert_eq!(stream, [Route::Render.params(), vec!["fps"]].concat());
    }
}
