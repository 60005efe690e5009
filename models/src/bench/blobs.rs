//! The Gaussian-blob generator of `peers.py` (`blobs(n, d, k, seed)`): centres N(0, 1)·4,
//! labels uniform over k, points = centre + N(0, 1) noise. Same distribution, clasp's own
//! seeded stream (ChaCha8 + Box–Muller), so the numbers differ from NumPy's draw for draw.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Blob data: x (n × d, row-major) and centres (k × d).
pub struct Blobs {
    /// Points.
    pub x: Vec<f64>,
    /// Centres.
    pub centers: Vec<f64>,
}

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// `n` points in `d` dimensions around `k` centres.
pub fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Blobs {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centers: Vec<f64> = (0..k * d).map(|_| normal(&mut rng) * 4.0).collect();
    let labels: Vec<usize> = (0..n).map(|_| (rng.next_u64() % k as u64) as usize).collect();
    let mut x = Vec::with_capacity(n * d);
    for &l in &labels {
        for j in 0..d {
            x.push(centers[l * d + j] + normal(&mut rng));
        }
    }
    Blobs { x, centers }
}
