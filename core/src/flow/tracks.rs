//! Points followed frame to frame over an interval (KLT tracking, as
//! OpenCV's `lk_track.py` sample does): each frame the live tracks are
//! followed from the previous frame into this one, then new ones are
//! seeded at corners away from them; a track's motion over the interval is
//! the chain of its frame-to-frame steps, and its path is the positions it
//! went through.

use crate::corners::{CornerSettings, MAX_CORNERS, corners_of_image};
use crate::error::Result;
use crate::frame::Plane;
use crate::geometry::{Point, Vector};
use crate::gradients::GradientOperator;
use crate::history::History;
use crate::pyramid::GreyF32;

use super::pyramid::FlowPyramid;
use super::{FlowSettings, FlowStatus, track_points};

/// One followed point.
#[derive(Debug, Clone)]
struct Track {
    /// Where it is now.
    now: Point,
    /// Its positions, one interval back (a position at most every
    /// sixteenth of the interval).
    path: History<Point>,
    /// The last step's tracking residual.
    error: f64,
    /// Whether its vector was reported in the last frame: a track reaches
    /// one interval back once, and is reported lost only after that.
    reported: bool,
}

/// The live tracks, in the order they were seeded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tracks {
    live: Vec<Track>,
    /// For each tracked vector of the last frame, in order: its track (an
    /// index into `live`, which only grows until the next frame) and the
    /// time its vector starts at.
    reported: Vec<(usize, f64)>,
}

impl Tracks {
    /// Forgets every track.
    pub(crate) fn clear(&mut self) {
        self.live.clear();
        self.reported.clear();
    }

    /// Follows the live tracks from `previous` into `current` (at `time`,
    /// milliseconds), and seeds new tracks in `current`: a vector for each
    /// track that reaches one interval back, from where it was then to
    /// where it is now (tracked), then each track lost in this frame that
    /// was reported before, at its last position (lost).
    pub(crate) fn follow(
        &mut self,
        previous: Option<&FlowPyramid>,
        current: &FlowPyramid,
        time: f64,
        interval: f64,
        (corners, candidates): (&CornerSettings, Option<&[(u32, u32)]>),
        flow: &FlowSettings,
    ) -> Result<Vec<Vector>> {
        let mut lost = Vec::new();
        if let Some(previous) = previous {
            let points: Vec<(f32, f32)> = self
                .live
                .iter()
                .map(|t| (t.now.x as f32, t.now.y as f32))
                .collect();
            let steps = track_points(previous, current, &points, flow)?;
            let mut step = steps.iter();
            self.live.retain_mut(|track| {
                let Some(v) = step.next() else {
                    return false;
                };
                if v.status == FlowStatus::Lost {
                    if !track.reported {
                        return false;
                    }
                    lost.push(Vector {
                        status: Some(FlowStatus::Lost),
                        error: Some(0.0),
                        ..Vector::sketch(track.now.x, track.now.y, 0.0, 0.0)
                    });
                    return false;
                }
                track.now = Point {
                    x: v.x + v.dx,
                    y: v.y + v.dy,
                };
                track.error = v.error;
                if track.path.wants(time, interval) {
                    track.path.push(time, track.now);
                }
                true
            });
        }
        let mut vectors = Vec::new();
        self.reported.clear();
        for (index, track) in self.live.iter_mut().enumerate() {
            track.path.forget_before(time, interval, drop);
            let Some((then, &from)) = track.path.at_or_before(time - interval) else {
                continue;
            };
            track.reported = true;
            vectors.push(Vector {
                status: Some(FlowStatus::Tracked),
                error: Some(track.error),
                ..Vector::sketch(from.x, from.y, track.now.x - from.x, track.now.y - from.y)
            });
            self.reported.push((index, then));
        }
        vectors.extend(lost);
        self.seed(current, time, (corners, candidates), flow);
        Ok(vectors)
    }

    /// The path of each vector of the last frame, oldest position first, in
    /// order (empty for lost points): the positions its track went through
    /// from where the vector starts to where it ends.
    pub(crate) fn paths(&self, vectors: usize) -> Vec<Vec<Point>> {
        let mut paths: Vec<Vec<Point>> = self
            .reported
            .iter()
            .map(|&(index, then)| {
                let track = &self.live[index];
                let mut path: Vec<Point> = track.path.since(then).copied().collect();
                if path.last() != Some(&track.now) {
                    path.push(track.now);
                }
                path
            })
            .collect();
        paths.resize(vectors, Vec::new());
        paths
    }

    /// New tracks at the corners of `current` at least `min_distance` from
    /// every live track, up to `max_corners` in all; a seed's window must
    /// fit in the frame. The corners are `candidates` when they were found
    /// beforehand ([`seed_candidates`]), else found here.
    fn seed(
        &mut self,
        current: &FlowPyramid,
        time: f64,
        (corners, candidates): (&CornerSettings, Option<&[(u32, u32)]>),
        flow: &FlowSettings,
    ) {
        let room = (corners.max_corners as usize).saturating_sub(self.live.len());
        if room == 0 {
            return;
        }
        let (w, h) = current.size();
        let margin = flow.window / 2;
        let fits = |x: u32, y: u32| x >= margin && y >= margin && x + margin < w && y + margin < h;
        let mut taken = Occupancy::new(w, h, corners.min_distance.max(1.0));
        for track in &self.live {
            taken.insert(track.now);
        }
        let wanted = candidate_settings(corners, self.live.len());
        // The strongest `wanted` are the same whether found here or
        // beforehand with room for more: the minimum distance keeps
        // corners in order of strength, so fewer is a prefix of more.
        let found;
        let candidates = match candidates {
            Some(candidates) => candidates,
            None => {
                found = (current.corners(&wanted).into_iter())
                    .map(|c| (c.x, c.y))
                    .collect::<Vec<_>>();
                &found
            }
        };
        let mut fresh = Vec::new();
        for &(x, y) in candidates.iter().take(wanted.max_corners as usize) {
            if fresh.len() == room {
                break;
            }
            let at = Point {
                x: f64::from(x),
                y: f64::from(y),
            };
            if fits(x, y) && !taken.near(at, corners.min_distance) {
                taken.insert(at);
                fresh.push(at);
            }
        }
        self.live.extend(fresh.into_iter().map(|at| {
            let mut path = History::new();
            path.push(time, at);
            Track {
                now: at,
                path,
                error: 0.0,
                reported: false,
            }
        }));
    }
}

/// The corner search of a seeding with `live` tracks: more candidates than
/// there is room for, since those near live tracks or too near the border
/// are passed over.
fn candidate_settings(corners: &CornerSettings, live: usize) -> CornerSettings {
    let wanted = (corners.max_corners as usize + live) * 5 / 4;
    CornerSettings {
        max_corners: wanted.min(MAX_CORNERS as usize) as u32,
        ..*corners
    }
}

/// The corners any seeding of `plane` could look at (as many as a seeding
/// with `max_corners` live tracks wants, the most there are), strongest
/// first: found before the frame reaches its tracker, they need nothing
/// from the frames before.
pub(crate) fn seed_candidates(plane: Plane<'_>, corners: &CornerSettings) -> Vec<(u32, u32)> {
    let most = candidate_settings(corners, corners.max_corners as usize);
    let image = GreyF32::from_plane(plane);
    // Scharr, as the pyramid's own corners (`FlowPyramid::corners`).
    (corners_of_image(&image, GradientOperator::Scharr, &most).into_iter())
        .map(|c| (c.x, c.y))
        .collect()
}

/// Points on a coarse grid of cells of a given side, to find in constant
/// time whether a point lies within that distance of one.
struct Occupancy {
    cell: f64,
    columns: usize,
    rows: usize,
    points: Vec<Vec<Point>>,
}

impl Occupancy {
    fn new(width: u32, height: u32, cell: f64) -> Occupancy {
        let columns = (f64::from(width) / cell).ceil().max(1.0) as usize;
        let rows = (f64::from(height) / cell).ceil().max(1.0) as usize;
        Occupancy {
            cell,
            columns,
            rows,
            points: vec![Vec::new(); columns * rows],
        }
    }

    fn cell_of(&self, p: Point) -> (usize, usize) {
        let column = (p.x / self.cell).clamp(0.0, (self.columns - 1) as f64) as usize;
        let row = (p.y / self.cell).clamp(0.0, (self.rows - 1) as f64) as usize;
        (column, row)
    }

    fn insert(&mut self, p: Point) {
        let (column, row) = self.cell_of(p);
        self.points[row * self.columns + column].push(p);
    }

    /// Whether a point lies closer than `distance` to `p`.
    fn near(&self, p: Point, distance: f64) -> bool {
        let (column, row) = self.cell_of(p);
        let rows = row.saturating_sub(1)..=(row + 1).min(self.rows - 1);
        rows.flat_map(|r| {
            let columns = column.saturating_sub(1)..=(column + 1).min(self.columns - 1);
            columns.map(move |c| r * self.columns + c)
        })
        .flat_map(|i| &self.points[i])
        .any(|q| (q.x - p.x).hypot(q.y - p.y) < distance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Plane;

    /// A smooth texture shifted by (sx, sy).
    fn texture(w: u32, h: u32, sx: f64, sy: f64) -> Vec<u8> {
        (0..w * h)
            .map(|i| {
                let (x, y) = (f64::from(i % w) - sx, f64::from(i / w) - sy);
                let v = 128.0
                    + 50.0 * (0.21 * x + 0.13 * y).sin()
                    + 40.0 * (0.31 * y - 0.07 * x + 1.0).sin();
                v.round() as u8
            })
            .collect()
    }

    #[test]
    fn a_steady_motion_is_chained_over_the_interval_with_its_path() {
        let (w, h) = (96, 72);
        let flow = FlowSettings::default();
        let mut tracks = Tracks::default();
        let mut previous: Option<FlowPyramid> = None;
        // 1.2 px right and 0.4 px up a frame, frames 40 ms apart, a 200 ms
        // interval: 6 px and 2 px over it.
        for k in 0..8u32 {
            let image = texture(w, h, 1.2 * f64::from(k), -0.4 * f64::from(k));
            let pyramid = FlowPyramid::new(Plane::new(w, h, &image).unwrap(), flow.levels);
            let vectors = tracks
                .follow(
                    previous.as_ref(),
                    &pyramid,
                    f64::from(k) * 40.0,
                    200.0,
                    (&CornerSettings::default(), None),
                    &flow,
                )
                .unwrap();
            let paths = tracks.paths(vectors.len());
            let tracked: Vec<_> = vectors
                .iter()
                .zip(&paths)
                .filter(|(v, _)| v.status == Some(FlowStatus::Tracked))
                .collect();
            if k < 5 {
                assert!(tracked.is_empty(), "frame {k}: too young");
            } else {
                assert!(tracked.len() > 10, "frame {k}: {}", tracked.len());
                for (v, path) in tracked {
                    assert!(
                        (v.dx - 6.0).abs() < 0.3 && (v.dy + 2.0).abs() < 0.3,
                        "{v:?}"
                    );
                    // The path: six positions, from the vector's start to
                    // its end.
                    assert_eq!(path.len(), 6);
                    assert_eq!((path[0].x, path[0].y), (v.x, v.y));
                    let end = path[5];
                    assert!((end.x - v.x - v.dx).abs() < 1e-9 && (end.y - v.y - v.dy).abs() < 1e-9);
                }
            }
            previous = Some(pyramid);
        }
    }

    #[test]
    fn corners_are_seeded_apart_and_up_to_the_most() {
        let (w, h) = (192, 144);
        let image = texture(w, h, 0.0, 0.0);
        let pyramid = FlowPyramid::new(Plane::new(w, h, &image).unwrap(), 3);
        let corners = CornerSettings {
            max_corners: 6,
            quality: 0.01,
            min_distance: 10.0,
        };
        let mut tracks = Tracks::default();
        let flow = FlowSettings::default();
        tracks
            .follow(None, &pyramid, 0.0, 200.0, (&corners, None), &flow)
            .unwrap();
        assert_eq!(tracks.live.len(), 6);
        for (i, a) in tracks.live.iter().enumerate() {
            for b in &tracks.live[i + 1..] {
                assert!((a.now.x - b.now.x).hypot(a.now.y - b.now.y) >= 10.0);
            }
        }
        // Full: nothing more is seeded.
        tracks.seed(&pyramid, 40.0, (&corners, None), &flow);
        assert_eq!(tracks.live.len(), 6);
    }
}
