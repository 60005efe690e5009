//! K-discovery baselines on DAG's embedding H: the core's split/merge GMM (NIW Hastings
//! moves from K = 1, clasp preset) on the top principal components, and k-means with K chosen
//! by the mean silhouette (Rousseeuw 1987) over K = 2..K_max.

use crate::pca::pca;
use crate::pipelines::Matrix;
use crate::{Context, Result};
use clasp_core::MatRef;
use clasp_core::mixture::split_merge::{SplitMergeParams, SplitMergePreset, split_merge};

/// Principal components kept for the split/merge fit (a full-covariance GMM).
const SPLIT_MERGE_DIMS: usize = 10;
/// Above this many nodes the silhouette's n×n distances are not computed.
pub const SILHOUETTE_MAX_NODES: usize = 5000;

/// The embedding as f64.
fn as_f64(h: &Matrix) -> Vec<f64> {
    h.data.iter().map(|&v| f64::from(v)).collect()
}

/// Split/merge GMM (core, clasp preset, K from 1) on the top principal components of `h`:
/// its labels.
///
/// Errors: a PCA or core error.
pub fn split_merge_baseline(h: &Matrix, seed: u64) -> Result<Vec<usize>> {
    let p = SPLIT_MERGE_DIMS.min(h.dim);
    let x = pca(&as_f64(h), h.n, h.dim, p)?;
    let xm = MatRef::new(&x, h.n, p, "embedding")?;
    let params = SplitMergeParams::preset(SplitMergePreset::Clasp).k_init(1).seed(seed);
    split_merge(xm, None, &params).map(|fit| fit.labels).context("split/merge")
}

/// Mean silhouette of `labels` given the pairwise distances `dist` (`n × n`); a point alone in
/// its cluster scores 0.
fn silhouette(dist: &[f64], n: usize, labels: &[usize], k: usize) -> f64 {
    let mut sizes = vec![0usize; k];
    labels.iter().for_each(|&l| sizes[l] += 1);
    let mut total = 0.0;
    let mut sums = vec![0.0; k];
    for i in 0..n {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for j in 0..n {
            sums[labels[j]] += dist[i * n + j];
        }
        let own = labels[i];
        if sizes[own] < 2 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
    }
    total / n as f64
}

/// k-means (core, 3 restarts) for every K in 2..=`k_max`, keeping the K of the highest mean
/// silhouette: (K, its labels). `None` above [`SILHOUETTE_MAX_NODES`] nodes.
pub fn kmeans_silhouette(h: &Matrix, k_max: usize, seed: u64) -> Result<Option<(usize, Vec<usize>)>> {
    let n = h.n;
    if !(3..=SILHOUETTE_MAX_NODES).contains(&n) {
        return Ok(None);
    }
    let x = as_f64(h);
    let mut dist = vec![0.0; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let d: f64 = x[i * h.dim..(i + 1) * h.dim]
                .iter()
                .zip(&x[j * h.dim..(j + 1) * h.dim])
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            dist[i * n + j] = d.sqrt();
            dist[j * n + i] = d.sqrt();
        }
    }
    let mut best: Option<(f64, usize, Vec<usize>)> = None;
    for k in 2..=k_max.min(n - 1) {
        let fit = crate::eval::kmeans_f64(&x, n, h.dim, k, 3, seed)?;
        let s = silhouette(&dist, n, &fit.labels, k);
        if best.as_ref().is_none_or(|(bs, _, _)| s > *bs) {
            best = Some((s, k, fit.labels));
        }
    }
    Ok(best.map(|(_, k, labels)| (k, labels)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silhouette_of_two_tight_pairs() {
        // Points 0, 1 at x = 0, 1 and 2, 3 at x = 10, 11.
        let p = [0.0f64, 1.0, 10.0, 11.0];
        let dist: Vec<f64> = p.iter().flat_map(|a| p.iter().map(move |b| (a - b).abs())).collect();
        let s = silhouette(&dist, 4, &[0, 0, 1, 1], 2);
        // Node 0: a = 1, b = 10.5; node 1: a = 1, b = 9.5 (and symmetrically).
        let want = ((9.5 / 10.5) + (8.5 / 9.5)) / 2.0;
        assert!((s - want).abs() < 1e-12, "{s} vs {want}");
    }
}
