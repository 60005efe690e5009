//! The k-means SDP workloads: `sdp-100|200|300` (peers.py's `bench_sdp`: blobs(n, 2, 3,
//! seed 4 + n), D = squared distances, K = 3, solved to 1e-6 by ADMM) and the clasp-only
//! `sdp-bm-5000` (Burer–Monteiro on blobs(5000, 10, 10), K = 10, residual 1e-4).

use clasp_core::MatRef;
use clasp_core::sdp::{AdmmParams, Affinity, BurerMonteiroParams, admm_alloc, burer_monteiro};
use serde_json::{Value, json};

use super::best_of;

/// peers.py's `blobs(n, d, k, seed)` in distribution: k centres from N(0, 16 I), uniform labels,
/// unit Gaussian noise (a SplitMix64 stream, so values differ from numpy's).
pub fn blobs(n: usize, d: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = Normal::new(seed);
    let centres: Vec<f64> = (0..k * d).map(|_| 4.0 * rng.sample()).collect();
    let labels: Vec<usize> = (0..n).map(|_| rng.below(k)).collect();
    let mut x = Vec::with_capacity(n * d);
    for &l in &labels {
        for j in 0..d {
            x.push(centres[l * d + j] + rng.sample());
        }
    }
    (x, labels)
}

/// Standard normal draws by Box–Muller over a SplitMix64 stream.
struct Normal {
    state: u64,
    spare: Option<f64>,
}

impl Normal {
    fn new(seed: u64) -> Self {
        Self { state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03, spare: None }
    }
    fn next_u64(&mut self) -> u64 {
        // SplitMix64: enough for benchmark data.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn below(&mut self, k: usize) -> usize {
        ((self.uniform() * k as f64) as usize).min(k - 1)
    }
    fn sample(&mut self) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        let (u, v) = (self.uniform(), self.uniform());
        let radius = (-2.0 * u.ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * v;
        self.spare = Some(radius * angle.sin());
        radius * angle.cos()
    }
}

/// `sdp-N`: ADMM to 1e-6 on the squared-distance matrix of blobs(n, 2, 3, 4 + n), K = 3.
pub fn dense(n: usize, repeat: usize) -> Result<Value, String> {
    let (x, _) = blobs(n, 2, 3, 4 + n as u64);
    let mut d = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            d[i * n + j] = (0..2).map(|c| (x[i * 2 + c] - x[j * 2 + c]).powi(2)).sum();
        }
    }
    let params = AdmmParams::default();
    let mut result = None;
    let timing = best_of(repeat, || {
        let run =
            MatRef::new(&d, n, n, "d").and_then(Affinity::from_distances).and_then(|aff| admm_alloc(&aff, 3, &params));
        result = Some(run.map(|(_, info)| info));
    });
    let info = result.ok_or("no run")?.map_err(|e| e.to_string())?;
    Ok(json!({
        "ms_total": timing.best_ms, "ms_median": timing.median_ms, "objective": info.objective,
        "iters": info.iterations, "converged": info.converged, "primal_residual": info.primal_residual,
        "dual_residual": info.dual_residual, "duality_gap": info.duality_gap, "solver": "admm", "tol": params.tol,
    }))
}

/// `sdp-bm-5000`: Burer–Monteiro, n = 5000, p = 10, K = 10, to a residual of 1e-4.
pub fn burer_monteiro_5000(repeat: usize) -> Result<Value, String> {
    let (n, p, k) = (5000, 10, 10);
    let (x, _) = blobs(n, p, k, 5000);
    let params = BurerMonteiroParams { tol: 1e-4, ..BurerMonteiroParams::default() };
    let mut result = None;
    let timing = best_of(repeat, || {
        result = Some(MatRef::new(&x, n, p, "x").and_then(|xm| burer_monteiro(xm, k, &params)).map(|s| s.info));
    });
    let info = result.ok_or("no run")?.map_err(|e| e.to_string())?;
    Ok(json!({
        "ms_total": timing.best_ms, "ms_median": timing.median_ms, "objective": info.objective,
        "iters": info.iterations, "converged": info.converged, "primal_residual": info.primal_residual,
        "dual_residual": info.dual_residual, "solver": "burer-monteiro", "tol": params.tol,
    }))
}
