//! The one seeded generator of the benchmark data, shared by every workload and by the CPU
//! and `--device` variants of the same workload (so both time the same numbers): the
//! distributions of `peers.py` (the reference-library timing script), drawn with `rand`'s
//! `StdRng` and `rand_distr`'s standard normal (the values differ from NumPy's draws).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

/// `n × d` standard-normal rows plus `shift`, each scaled to unit length when `unit`.
pub fn gaussian_rows(rng: &mut StdRng, n: usize, d: usize, shift: f64, unit: bool) -> Vec<f64> {
    let mut x: Vec<f64> = (0..n * d).map(|_| rng.sample::<f64, _>(StandardNormal) + shift).collect();
    if unit {
        for row in x.chunks_mut(d) {
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            row.iter_mut().for_each(|v| *v /= norm);
        }
    }
    x
}

/// Blob data (`peers.py`'s `blobs(n, d, k, seed)` in distribution).
pub struct Blobs {
    /// Points, `n × d` row-major.
    pub x: Vec<f64>,
    /// Centres, `k × d`.
    pub centers: Vec<f64>,
}

/// `n` points in `d` dimensions around `k` centres drawn from N(0, 16 I), labels uniform over
/// the centres, points = centre + N(0, I).
pub fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Blobs {
    blobs_at_scale(n, d, k, seed, 4.0)
}

/// [`blobs`] with centres drawn from N(0, scale² I): scale 1 gives `peers.py`'s overlapping
/// blobs of `kmeans-overlap-70000x10`, where every Lloyd pass runs.
pub fn blobs_at_scale(n: usize, d: usize, k: usize, seed: u64, scale: f64) -> Blobs {
    let mut rng = StdRng::seed_from_u64(seed);
    let centers: Vec<f64> = gaussian_rows(&mut rng, k, d, 0.0, false).iter().map(|v| v * scale).collect();
    let mut x = gaussian_rows(&mut rng, n, d, 0.0, false);
    for row in x.chunks_mut(d) {
        let l = rng.random_range(0..k);
        row.iter_mut().zip(&centers[l * d..(l + 1) * d]).for_each(|(v, c)| *v += c);
    }
    Blobs { x, centers }
}

/// Cosine scores (`n × k`, f32) between `n` and `k` random unit vectors of dimension `dim`.
pub fn cosine_scores(n: usize, k: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = gaussian_rows(&mut rng, n, dim, 0.0, true);
    let c = gaussian_rows(&mut rng, k, dim, 0.0, true);
    x.chunks(dim)
        .flat_map(|xi| c.chunks(dim).map(move |cj| xi.iter().zip(cj).map(|(p, q)| p * q).sum::<f64>() as f32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_seeded_and_shaped() {
        let a = blobs(50, 3, 4, 7);
        assert_eq!((a.x.len(), a.centers.len()), (150, 12));
        assert_eq!(a.x, blobs(50, 3, 4, 7).x);
        assert_ne!(a.x, blobs(50, 3, 4, 8).x);
        let s = cosine_scores(5, 6, 16, 0);
        assert_eq!(s.len(), 30);
        assert!(s.iter().all(|v| v.abs() <= 1.0 + 1e-6));
        assert_eq!(s, cosine_scores(5, 6, 16, 0));
    }
}
