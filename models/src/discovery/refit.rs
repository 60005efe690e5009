//! The mixture at the estimated K̂, refitted from semi-supervised k-means: GPC's released code
//! partitions with semi-supervised k-means (Vaze et al., CVPR 2022; GPC §3.2), and GPC's model
//! is a Gaussian mixture (§3.1); here the partition of the best of `restarts` semi-supervised
//! k-means runs ([`semi_supervised_kmeans`]) gives the initial responsibilities, one M-step the
//! full-covariance components, and the core's EM with the labelled rows clamped
//! ([`FixedLabels`]) refines them (semi-supervised EM, `clasp_core::mixture`). Labelled rows keep
//! their class; the others take their most probable component.
//!
//! Why: split/merge's own EM starts from K₀ components seeded by k-means++ and merges down, and
//! can settle with an anchored old-class component covering part of a new class; Lloyd's
//! partition is a better start, and the full covariances then fit what k-means cannot — old
//! classes pulled tight by the supervised contrastive term beside broader new ones.
//!
//! K: split/merge's K̂ varies by ±1 with its seed on the same embedding. [`select_refit`]
//! refits at every K within `window` of it and keeps the partition with the highest DP-NIW
//! log partition score Σ_k (log α + log Γ(N_k) + L_k) under the run's prior (the quantity the
//! split/merge moves climb, `clasp_core::mixture::split_merge::log_partition_score`, each
//! cluster's NIW evidence L_k about its sample mean): split/merge proposes K, the criterion it
//! optimises decides among the refined partitions.

use super::config::GpcConfig;
use super::split::GcdSplit;
use super::sskmeans::semi_supervised_kmeans;
use super::train::mixture_params;
use crate::pipelines::Matrix;
use crate::{Context, Error, Result};
use clasp_core::MatRef;
use clasp_core::mixture::niw::MarginalCentre;
use clasp_core::mixture::split_merge::{cluster_evidence, log_partition_score, niw_prior_for};
use clasp_core::mixture::{CovarianceType, FixedLabels, GmmParams, em, m_step};
use serde::{Deserialize, Serialize};

/// Ridge added to the covariance diagonals (scikit-learn's default `reg_covar`).
const REG_COVAR: f64 = 1e-6;

/// Labels of every row of `z` under the semi-supervised mixture of `k` full-covariance
/// components refitted from semi-supervised k-means (`restarts` seeded restarts from `seed`).
pub fn refit_mixture(z: &Matrix, split: &GcdSplit, k: usize, restarts: usize, seed: u64) -> Result<Vec<usize>> {
    let x = as_f64(z);
    let start = semi_supervised_kmeans(&x, z.dim, &split.known, k, restarts, seed)?;
    let mut resp = vec![0.0f64; z.n * k];
    for (row, &c) in resp.chunks_exact_mut(k).zip(&start) {
        row[c] = 1.0;
    }
    let xm = MatRef::new(&x, z.n, z.dim, "embedding")?;
    let init = m_step(xm, &resp, k, CovarianceType::Full, REG_COVAR).context("refit M-step")?;
    let params = GmmParams::default().k(k).covariance_type(CovarianceType::Full).reg_covar(REG_COVAR);
    let mut hook = FixedLabels::new(&split.known, k).context("refit labels")?;
    let fit = em(xm, init, &params, &mut hook).context("refit EM")?;
    let predicted = fit.model.predict(xm).context("refit predict")?;
    Ok(split.known.iter().zip(predicted).map(|(known, p)| known.unwrap_or(p)).collect())
}

/// The embedding's values in f64.
fn as_f64(z: &Matrix) -> Vec<f64> {
    z.data.iter().map(|&v| f64::from(v)).collect()
}

/// The DP-NIW log partition score of the hard clusters `labels` (`0..k`) of `z` under the
/// prior and concentration of `cfg` (empty clusters are left out).
pub fn partition_score(z: &Matrix, labels: &[usize], k: usize, cfg: &GpcConfig) -> Result<f64> {
    let x = as_f64(z);
    let xm = MatRef::new(&x, z.n, z.dim, "embedding")?;
    let params = mixture_params(cfg, k, 0);
    let prior = niw_prior_for(xm, &params).context("NIW prior")?;
    let mut members = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members.get_mut(l).ok_or_else(|| Error::Internal(format!("cluster {l} ≥ K = {k}")))?.push(i);
    }
    let clusters = members
        .into_iter()
        .filter(|rows| !rows.is_empty())
        .map(|rows| cluster_evidence(&prior, &prior.stats_of(&x, rows), MarginalCentre::SampleMean))
        .collect::<clasp_core::Result<Vec<_>>>()
        .context("cluster evidence")?;
    log_partition_score(cfg.alpha, &clusters).context("partition score")
}

/// The refitted mixture chosen among the K near split/merge's K̂.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refit {
    /// The chosen K.
    pub k: usize,
    /// Every row's label under the refitted mixture at that K.
    pub labels: Vec<usize>,
    /// (K, log partition score) of every candidate, ascending K.
    pub scores: Vec<(usize, f64)>,
}

/// Refits at every K in [K̂ − `cfg.refit_window`, K̂ + `cfg.refit_window`] (at least the number
/// of labelled classes, at most `cfg.k_max` and the rows) and keeps the best log partition
/// score; `cfg.refit_restarts` semi-supervised k-means restarts each, seeded by `seed`.
pub fn select_refit(z: &Matrix, split: &GcdSplit, cfg: &GpcConfig, k_hat: usize, seed: u64) -> Result<Refit> {
    let lo = k_hat.saturating_sub(cfg.refit_window).max(split.old).max(1);
    let hi = (k_hat + cfg.refit_window).min(cfg.k_max).min(z.n);
    let mut best: Option<Refit> = None;
    let mut scores = Vec::new();
    for k in lo..=hi.max(lo) {
        let labels = refit_mixture(z, split, k, cfg.refit_restarts.max(1), seed)?;
        let score = partition_score(z, &labels, k, cfg)?;
        scores.push((k, score));
        if best.as_ref().is_none_or(|b| score > b.scores.last().map_or(f64::NEG_INFINITY, |s| s.1)) {
            best = Some(Refit { k, labels, scores: vec![(k, score)] });
        }
    }
    let mut best = best.ok_or_else(|| Error::Internal("refit: no candidate K".into()))?;
    best.scores = scores;
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broad_new_cluster_beside_a_tight_old_one() {
        // 1-D: old class 0 tight at 0 (σ 0.1, half labelled), new class wide at 3 (σ 1).
        // Semi-supervised k-means cuts at the midpoint of the means (1.5), while the fitted
        // variances move the boundary towards the tight class: the point at 1.2 goes to the
        // wide component.
        let mut x: Vec<f32> = (0..20).map(|i| (i as f32 - 9.5) * 0.02).collect();
        x.extend((0..40).map(|i| 3.0 + (i as f32 - 19.5) * 0.09));
        x.push(1.2);
        let n = x.len();
        let known: Vec<Option<usize>> = (0..n).map(|i| (i < 20 && i % 2 == 0).then_some(0)).collect();
        let split = GcdSplit { known: known.clone(), is_old: (0..n).map(|i| i < 20).collect(), old: 1 };
        let z = Matrix { data: x.clone(), n, dim: 1 };
        let xs: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let km = semi_supervised_kmeans(&xs, 1, &known, 2, 3, 0).unwrap();
        assert_eq!(km[n - 1], 0, "k-means puts 1.2 with the tight class");
        let labels = refit_mixture(&z, &split, 2, 3, 0).unwrap();
        assert!(labels[..20].iter().all(|&l| l == 0) && labels[20..n - 1].iter().all(|&l| l == 1), "{labels:?}");
        assert_eq!(labels[n - 1], 1, "the mixture puts 1.2 with the wide class");
    }

    #[test]
    fn the_score_prefers_the_true_number_of_blobs() {
        // Three well-separated 2-D blobs (one old, labelled in part): refitted at 2, 3 and 4
        // components around a K̂ of 3, the DP-NIW score keeps 3.
        let centres = [(0.0f32, 0.0f32), (1.0, 0.0), (0.0, 1.0)];
        let mut data = Vec::new();
        for &(cx, cy) in &centres {
            for i in 0..30 {
                let (a, b) = ((i % 6) as f32 - 2.5, (i / 6) as f32 - 2.0);
                data.extend([cx + 0.02 * a, cy + 0.02 * b]);
            }
        }
        let n = data.len() / 2;
        let known: Vec<Option<usize>> = (0..n).map(|i| (i < 30 && i % 2 == 0).then_some(0)).collect();
        let split = GcdSplit { known, is_old: (0..n).map(|i| i < 30).collect(), old: 1 };
        let z = Matrix { data, n, dim: 2 };
        let cfg = GpcConfig::new().with_refit_window(1).with_refit_restarts(3);
        let r = select_refit(&z, &split, &cfg, 3, 0).unwrap();
        assert_eq!(r.scores.iter().map(|s| s.0).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(r.k, 3, "{:?}", r.scores);
        assert!(r.scores[1].1 > r.scores[0].1 && r.scores[1].1 > r.scores[2].1);
        // Each blob is one cluster.
        for b in 0..3 {
            assert!(r.labels[b * 30..(b + 1) * 30].iter().all(|&l| l == r.labels[b * 30]), "{:?}", r.labels);
        }
    }
}
