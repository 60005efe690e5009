//! Gaussian-mixture and k-means workloads: `gmm-full-70000x10` and `kmeans-70000x10` (the
//! sizes and generators of peers.py: 70 000 × 10 blobs, K = 10, means/centres initialised at
//! the generating centres, 20 iterations, tol 0 → `ms_per_iter` = total / 20) and the
//! clasp-only `gmm-digits-pca10` (digits projected on 10 principal components, K = 10, full).

use super::synthetic::{Blobs, blobs, blobs_at_scale};
use super::timing::best_of;
use crate::pca::pca;
use crate::{Error, Result};
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans_from};
use clasp_core::mixture::{CovarianceType, GmmInitValues, GmmParams, fit_with};
use serde_json::{Value, json};

const ITERS: usize = 20;

/// `gmm-full-70000x10`: GaussianMixture(10, full, max_iter 20, tol 0, means_init = centres),
/// k-means initialisation included in the time as in scikit-learn.
pub fn gmm_full(repeat: usize) -> Result<Value> {
    let b = blobs(70_000, 10, 10, 2);
    let x = MatRef::new(&b.x, 70_000, 10, "x")?;
    let params = GmmParams::default().k(10).max_iter(ITERS).tol(0.0);
    let init = GmmInitValues { means: Some(&b.centers[..]), ..Default::default() };
    let mut n_iter = 0;
    let mut lb = 0.0;
    let mut err = None;
    let t = best_of(repeat, || match fit_with(x, &params, &init) {
        Ok(f) => {
            n_iter = f.info.n_iter;
            lb = f.info.lower_bound;
        }
        Err(e) => err = Some(e),
    });
    if let Some(e) = err {
        return Err(e.into());
    }
    Ok(json!({
        "ms_per_iter": t.best_ms / ITERS as f64, "ms_median_per_iter": t.median_ms / ITERS as f64,
        "iters": n_iter, "lower_bound": lb,
    }))
}

/// `kmeans-70000x10`: Lloyd from the generating centres, max_iter 20, tol 0.
pub fn kmeans_blobs(repeat: usize) -> Result<Value> {
    kmeans_lloyd(&blobs(70_000, 10, 10, 3), repeat)
}

/// `kmeans-overlap-70000x10`: the same sizes on overlapping blobs (centres at scale 1), so
/// Lloyd runs every pass; `ms_total` compares with scikit-learn under the same stop rule
/// (unchanged assignments, 20 passes at most).
pub fn kmeans_overlap(repeat: usize) -> Result<Value> {
    kmeans_lloyd(&blobs_at_scale(70_000, 10, 10, 3, 1.0), repeat)
}

/// Lloyd from the true centres, tol 0, [`ITERS`] passes at most.
fn kmeans_lloyd(b: &Blobs, repeat: usize) -> Result<Value> {
    let x = MatRef::new(&b.x, 70_000, 10, "x")?;
    let c = MatRef::new(&b.centers, 10, 10, "centers")?;
    let params = KMeansParams::default().k(10).max_iter(ITERS).tol(0.0);
    let mut info = None;
    let mut err = None;
    let t = best_of(repeat, || match kmeans_from(x, c, &params) {
        Ok(f) => info = Some(f.info),
        Err(e) => err = Some(e),
    });
    if let Some(e) = err {
        return Err(e.into());
    }
    let info = info.ok_or_else(|| Error::Internal("no run".into()))?;
    Ok(json!({
        "ms_per_iter": t.best_ms / ITERS as f64, "ms_median_per_iter": t.median_ms / ITERS as f64,
        "ms_total": t.best_ms, "n_iter": info.n_iter, "ms_per_pass": t.best_ms / info.n_iter as f64,
        "inertia": info.inertia,
    }))
}

/// `gmm-digits-pca10`: digits / 16 on 10 principal components, K = 10, full, 100 iterations
/// at most, tol 1e-3, k-means initialisation, seed 0.
pub fn gmm_digits(repeat: usize) -> Result<Value> {
    let digits = crate::io::load_bundled("digits")?;
    let scaled: Vec<f64> = digits.x.data.iter().map(|v| v / 16.0).collect();
    let z = pca(&scaled, digits.x.rows, digits.x.cols, 10)?;
    let x = MatRef::new(&z, digits.x.rows, 10, "x")?;
    let params = GmmParams::default().k(10).covariance_type(CovarianceType::Full);
    let mut out = None;
    let mut err = None;
    let t = best_of(repeat, || match clasp_core::mixture::fit(x, &params) {
        Ok(f) => out = Some(f.info),
        Err(e) => err = Some(e),
    });
    if let Some(e) = err {
        return Err(e.into());
    }
    let info = out.ok_or_else(|| Error::Internal("no run".into()))?;
    Ok(json!({
        "ms_total": t.best_ms, "ms_median": t.median_ms, "iters": info.n_iter,
        "lower_bound": info.lower_bound, "converged": info.converged,
    }))
}
