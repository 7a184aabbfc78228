//! Timing and the statistics of timings: percentiles (the bench, the load
//! clients), warm-up and samples, and the least-squares line of the
//! scaling series.

use std::time::Instant;

use serde::Serialize;

/// Milliseconds of one operation: median and 90th percentile.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timing {
    /// Median over the iterations.
    pub median_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
}

/// The `q` quantile (0..=1) of `sorted`, nearest rank; 0 when empty.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return 0.0;
    };
    sorted[(last as f64 * q).round() as usize]
}

/// Warm-up runs before the timed ones: the first calls fill caches and
/// grow the guest's memory.
const WARM_UP: usize = 3;

/// [`WARM_UP`] runs of `f`, then `iterations` timed ones.
pub fn time(
    iterations: usize,
    mut f: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Timing> {
    for _ in 0..WARM_UP {
        f()?;
    }
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        f()?;
        samples.push(started.elapsed().as_secs_f64() * 1e3);
    }
    samples.sort_by(f64::total_cmp);
    Ok(Timing {
        median_ms: percentile(&samples, 0.5),
        p90_ms: percentile(&samples, 0.9),
    })
}

/// A fitted line y = slope·x + intercept, and how well it fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub slope: f64,
    pub intercept: f64,
    /// Coefficient of determination (1: exactly on the line).
    pub r_squared: f64,
}

/// Least squares through the points (x, y).
pub fn fit_line(x: &[f64], y: &[f64]) -> Line {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = x.iter().map(|x| (x - mx).powi(2)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let intercept = my - slope * mx;
    let ss_res: f64 = x
        .iter()
        .zip(y)
        .map(|(x, y)| (y - (slope * x + intercept)).powi(2))
        .sum();
    let ss_tot: f64 = y.iter().map(|y| (y - my).powi(2)).sum();
    let r_squared = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        1.0
    };
    Line {
        slope,
        intercept,
        r_squared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_fitted_exactly() {
        let line = fit_line(&[1.0, 2.0, 4.0], &[3.0, 5.0, 9.0]);
        assert!((line.slope - 2.0).abs() < 1e-12);
        assert!((line.intercept - 1.0).abs() < 1e-12);
        assert!((line.r_squared - 1.0).abs() < 1e-12);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let sorted: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 0.5), 6.0);
        assert_eq!(percentile(&sorted, 0.9), 10.0);
        assert_eq!(percentile(&sorted, 0.99), 11.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(percentile(&[4.0], 0.99), 4.0);
    }
}
