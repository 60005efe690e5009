//! Seeded random draws shared by the clustering initialisers: uniform numbers in [0, 1),
//! indices, standard normals (Box–Muller) and index choice by cumulative weight.
//! Every draw comes from a `ChaCha8Rng` seeded by the caller's `seed`.

use crate::scalar::Float;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// The crate's random stream.
pub(crate) struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    /// A stream seeded with `seed` (same seed ⇒ same draws).
    pub(crate) fn new(seed: u64) -> Self {
        Self { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// A uniform number in [0, 1) with 53 random bits.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A fresh 64-bit seed for a sub-stream (e.g. the k-means run inside a GMM initialisation).
    pub(crate) fn next_seed(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform index in `0..n` (`n ≥ 1`), by rejection so every index is equally likely.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        let n = n.max(1) as u64;
        let zone = u64::MAX - (u64::MAX % n) - 1;
        loop {
            let v = self.rng.next_u64();
            if v <= zone {
                return (v % n) as usize;
            }
        }
    }

    /// A standard normal draw (Box–Muller, cosine branch).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        Float::sqrt(-2.0 * Float::ln(u1)) * libm::cos(core::f64::consts::TAU * u2)
    }

    /// `count` distinct indices of `0..n` (partial Fisher–Yates over `perm`, which must hold `0..n`).
    pub(crate) fn distinct(&mut self, perm: &mut [usize], count: usize) {
        let n = perm.len();
        for i in 0..count.min(n) {
            let j = i + self.index(n - i);
            perm.swap(i, j);
        }
    }
}

/// First index `i` with `cumsum[i] ≥ v` (NumPy `searchsorted(side="left")`), clipped to the last index.
pub(crate) fn search_cumulative<F: Float>(cumsum: &[F], v: F) -> usize {
    let i = cumsum.partition_point(|&c| c < v);
    i.min(cumsum.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_seeded_and_in_range() {
        let mut a = Draw::new(3);
        let mut b = Draw::new(3);
        for _ in 0..100 {
            let u = a.uniform();
            assert!((0.0..1.0).contains(&u));
            assert_eq!(u, b.uniform());
            assert!(a.index(7) < 7);
            b.index(7);
        }
        let mut perm = [0, 1, 2, 3, 4];
        a.distinct(&mut perm, 3);
        let mut sorted = perm;
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4]);
        assert_eq!(search_cumulative(&[1.0f64, 3.0, 6.0], 3.0), 1);
        assert_eq!(search_cumulative(&[1.0f64, 3.0, 6.0], 7.0), 2);
        let mean: f64 = (0..4000).map(|_| a.normal()).sum::<f64>() / 4000.0;
        assert!(mean.abs() < 0.1);
    }
}
