//! The k-means SDP workloads: `sdp-100|200|300` (peers.py's `bench_sdp`: blobs(n, 2, 3,
//! seed 4 + n), D = squared distances, K = 3, solved to 1e-6 by ADMM) and the clasp-only
//! `sdp-bm-5000` (Burer–Monteiro on blobs(5000, 10, 10), K = 10, residual 1e-4).

use super::synthetic::blobs;
use clasp_core::MatRef;
use clasp_core::sdp::{AdmmParams, Affinity, BurerMonteiroParams, admm_alloc, burer_monteiro};
use serde_json::{Value, json};

use super::best_of;
use crate::{Error, Result};

/// `sdp-N`: ADMM to 1e-6 on the squared-distance matrix of blobs(n, 2, 3, 4 + n), K = 3.
pub fn dense(n: usize, repeat: usize) -> Result<Value> {
    let x = blobs(n, 2, 3, 4 + n as u64).x;
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
    let info = result.ok_or_else(|| Error::Internal("no run".into()))??;
    Ok(json!({
        "ms_total": timing.best_ms, "ms_median": timing.median_ms, "objective": info.objective,
        "iters": info.iterations, "converged": info.converged, "primal_residual": info.primal_residual,
        "dual_residual": info.dual_residual, "duality_gap": info.duality_gap, "solver": "admm", "tol": params.tol,
    }))
}

/// `sdp-bm-5000`: Burer–Monteiro, n = 5000, p = 10, K = 10, to a residual of 1e-4.
pub fn burer_monteiro_5000(repeat: usize) -> Result<Value> {
    let (n, p, k) = (5000, 10, 10);
    let x = blobs(n, p, k, 5000).x;
    let params = BurerMonteiroParams::default().tol(1e-4);
    let mut result = None;
    let timing = best_of(repeat, || {
        result = Some(MatRef::new(&x, n, p, "x").and_then(|xm| burer_monteiro(xm, k, &params)).map(|s| s.info));
    });
    let info = result.ok_or_else(|| Error::Internal("no run".into()))??;
    Ok(json!({
        "ms_total": timing.best_ms, "ms_median": timing.median_ms, "objective": info.objective,
        "iters": info.iterations, "converged": info.converged, "primal_residual": info.primal_residual,
        "dual_residual": info.dual_residual, "solver": "burer-monteiro", "tol": params.tol,
    }))
}
