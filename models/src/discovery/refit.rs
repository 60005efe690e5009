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

use super::split::GcdSplit;
use super::sskmeans::semi_supervised_kmeans;
use crate::pipelines::Matrix;
use crate::{Context, Result};
use clasp_core::MatRef;
use clasp_core::mixture::{CovarianceType, FixedLabels, GmmParams, em, m_step};

/// Ridge added to the covariance diagonals (scikit-learn's default `reg_covar`).
const REG_COVAR: f64 = 1e-6;

/// Labels of every row of `z` under the semi-supervised mixture of `k` full-covariance
/// components refitted from semi-supervised k-means (`restarts` seeded restarts from `seed`).
pub fn refit_mixture(z: &Matrix, split: &GcdSplit, k: usize, restarts: usize, seed: u64) -> Result<Vec<usize>> {
    let x: Vec<f64> = z.data.iter().map(|&v| f64::from(v)).collect();
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
}
