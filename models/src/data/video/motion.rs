//! Motion of the synthetic clips: the eight compass directions that label them, and the
//! bouncing path of an object (a digit, a crop window) that moves at constant speed inside a
//! range and reflects off its borders (the Moving MNIST rule of Srivastava et al., ICML 2015).

use rand::RngExt;

/// The eight directions, in the order of their label ids; image rows grow downwards, so
/// north is `dy = −1`.
pub const DIRECTIONS: [(&str, i32, i32); 8] =
    [("E", 1, 0), ("NE", 1, -1), ("N", 0, -1), ("NW", -1, -1), ("W", -1, 0), ("SW", -1, 1), ("S", 0, 1), ("SE", 1, 1)];

/// The names of the direction labels, `E`, `NE`, … in label order.
pub fn direction_names() -> Vec<String> {
    DIRECTIONS.iter().map(|d| d.0.to_string()).collect()
}

/// The positions `frames` steps long of a point on one axis that starts at `start` in
/// `0..=max`, moves by `velocity` per frame and reflects at 0 and `max`.
pub fn bounce(start: i32, velocity: i32, max: i32, frames: usize) -> Vec<i32> {
    let (mut p, mut v) = (start, velocity);
    let mut out = Vec::with_capacity(frames);
    for _ in 0..frames {
        out.push(p);
        p += v;
        if p < 0 {
            p = -p;
            v = -v;
        }
        if p > max {
            p = 2 * max - p;
            v = -v;
        }
    }
    out
}

/// A start in `0..=max` from which the first step (`velocity`) stays in `0..=max`, so every
/// object of a clip moves by exactly its labelled velocity between the first two frames.
/// Needs `max ≥ |velocity|`.
pub fn start_position(rng: &mut impl RngExt, velocity: i32, max: i32) -> i32 {
    let lo = (-velocity).max(0);
    let hi = (max - velocity).min(max);
    rng.random_range(lo..=hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn bouncing_stays_in_range_and_reflects() {
        assert_eq!(bounce(1, -2, 10, 4), vec![1, 1, 3, 5]);
        assert_eq!(bounce(9, 2, 10, 3), vec![9, 9, 7]);
        for start in 0..=10 {
            for v in [-3, -1, 0, 2, 3] {
                assert!(bounce(start, v, 10, 40).iter().all(|p| (0..=10).contains(p)), "{start} {v}");
            }
        }
    }

    #[test]
    fn starts_leave_room_for_the_first_step() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for v in [-2, 0, 2] {
            for _ in 0..200 {
                let s = start_position(&mut rng, v, 5);
                assert!((0..=5).contains(&s) && (0..=5).contains(&(s + v)), "{s} {v}");
            }
        }
    }
}
