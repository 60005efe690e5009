//! Wall-clock timing: best and median of repeated runs (peers.py reports the same pair).

use std::time::Instant;

/// Best and median wall time of repeated runs, in milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Fastest run.
    pub best_ms: f64,
    /// Median run.
    pub median_ms: f64,
}

/// Runs `f` `repeat` times (at least once) and returns the best and median times.
pub fn best_of<F: FnMut()>(repeat: usize, mut f: F) -> Timing {
    let mut times: Vec<f64> = (0..repeat.max(1))
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    Timing { best_ms: times[0], median_ms: times[times.len() / 2] }
}
