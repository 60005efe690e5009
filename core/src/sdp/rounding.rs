//! From a relaxed solution to a clustering, and the certificate of global optimality.
//!
//! * [`spectral_embedding`] / [`factor_embedding`]: the rows of V_K Λ_K^{1/2}, the top-K
//!   eigenpairs of Z (or of UUᵀ from the factor U, through the r × r matrix UᵀU), to be
//!   clustered by k-means — the default rounding of Peng & Wei and of Zhuang, Chen & Yang.
//!   For an integral Z_G the rows are the K points e_k/√n_k (up to rotation).
//!   [`kmeans_labels`] runs k-means++ and Lloyd (crate::kmeans) on such an embedding.
//! * [`row_argmax_labels`]: a deterministic rule without k-means: seeds are picked farthest-first
//!   (the row with the largest diagonal, then repeatedly the point least similar to every seed)
//!   and each point joins the seed s maximising Z_{i s}. Exact on an integral Z.
//! * [`certificate`]: for a partition G, ⟨A, Z_G⟩ against an upper bound on SDP*. Because every
//!   partition G' has ⟨A, Z_G'⟩ ≤ SDP*, a zero gap proves G is a globally optimal k-means
//!   partition (Peng & Wei 2007, §2).

use alloc::vec;
use alloc::vec::Vec;

use crate::ops::descending_nan_last;
use crate::scalar::Linalg;

use super::eigen::symmetric_eigen;
use super::problem::{Affinity, Source};
use crate::error::{Error, Result};
use crate::scalar::{Float, Real};
use crate::validate;

/// The indices and values of the k largest of `values`, largest first.
fn top_k_columns(values: &[f64], k: usize) -> Vec<(usize, f64)> {
    let mut idx: Vec<(usize, f64)> = values.iter().copied().enumerate().collect();
    idx.sort_by(|a, b| descending_nan_last(a.1, b.1));
    idx.truncate(k);
    idx
}

/// Rows of V_K Λ_K^{1/2} for the top-K eigenpairs of the symmetric n × n `z` (row-major n × k).
pub fn spectral_embedding<T: Real>(z: &[T], n: usize, k: usize) -> Result<Vec<T::Acc>>
where
    T::Acc: Linalg,
{
    validate::non_empty(z, "z")?;
    validate::len(z, n.saturating_mul(n), "z")?;
    validate::finite(z, "z")?;
    validate::cluster_count(k, n)?;
    let eig = symmetric_eigen(n, |i, j| z[i * n + j].to_acc().to_f64(), true)?;
    let vectors = eig.vectors.as_ref().ok_or(Error::NumericalBreakdown { what: "eigenvectors", iteration: 0 })?;
    let mut out = vec![<T::Acc as Float>::ZERO; n * k];
    for (c, (col, val)) in top_k_columns(&eig.values, k).into_iter().enumerate() {
        let s = eig.root(val);
        for i in 0..n {
            out[i * k + c] = <T::Acc as Float>::from_f64(vectors[(i, col)] * s);
        }
    }
    validate::finite_output(&out, "spectral embedding", 0)?;
    Ok(out)
}

/// The same embedding for Z = UUᵀ from the row-major n × r factor `u`, in O(nr²) without
/// forming Z: with UᵀU = V Λ Vᵀ, the rows of U V_K are the rows of Z's top-K eigenvectors
/// times Λ_K^{1/2}.
pub fn factor_embedding<T: Real>(u: &[T], n: usize, r: usize, k: usize) -> Result<Vec<T::Acc>>
where
    T::Acc: Linalg,
{
    validate::non_empty(u, "u")?;
    validate::len(u, n.saturating_mul(r), "u")?;
    validate::finite(u, "u")?;
    validate::cluster_count(k, n)?;
    if k > r {
        return Err(Error::InvalidClusterCount { k, n: r });
    }
    let mut gram = vec![0.0f64; r * r];
    for row in u.chunks_exact(r) {
        for a in 0..r {
            for b in 0..r {
                gram[a * r + b] += row[a].to_acc().to_f64() * row[b].to_acc().to_f64();
            }
        }
    }
    validate::finite_output(&gram, "UᵀU", 0)?;
    let eig = symmetric_eigen(r, |a, b| gram[a * r + b], true)?;
    let vectors = eig.vectors.as_ref().ok_or(Error::NumericalBreakdown { what: "eigenvectors", iteration: 0 })?;
    let cols = top_k_columns(&eig.values, k);
    let mut out = vec![<T::Acc as Float>::ZERO; n * k];
    for (i, row) in u.chunks_exact(r).enumerate() {
        for (c, &(col, _)) in cols.iter().enumerate() {
            let v: f64 = (0..r).map(|a| row[a].to_acc().to_f64() * vectors[(a, col)]).sum();
            out[i * k + c] = <T::Acc as Float>::from_f64(v);
        }
    }
    validate::finite_output(&out, "factor embedding", 0)?;
    Ok(out)
}

/// Labels 0..k from k-means (k-means++ seeding, Lloyd, `n_init` restarts keeping the lowest
/// inertia) on the rows of a row-major n × `dim` embedding.
pub fn kmeans_labels<F: Float>(
    embedding: &[F],
    n: usize,
    dim: usize,
    k: usize,
    n_init: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    let x = crate::matrix::MatRef::new(embedding, n, dim, "embedding")?;
    let params = crate::kmeans::KMeansParams { k, n_init, seed, ..crate::kmeans::KMeansParams::default() };
    Ok(crate::kmeans::kmeans(x, &params)?.labels)
}

/// Labels 0..k by farthest-first seeds on the rows of `z` and row-argmax assignment.
pub fn row_argmax_labels<T: Real>(z: &[T], n: usize, k: usize) -> Result<Vec<usize>> {
    validate::non_empty(z, "z")?;
    validate::len(z, n.saturating_mul(n), "z")?;
    validate::finite(z, "z")?;
    validate::cluster_count(k, n)?;
    let at = |i: usize, j: usize| z[i * n + j].to_acc();
    let mut seeds = Vec::with_capacity(k);
    let mut first = 0;
    for i in 1..n {
        if at(i, i) > at(first, first) {
            first = i;
        }
    }
    seeds.push(first);
    // closeness[i] = max over seeds s of Z_is / Z_ss (1 for a point in a seed's cluster).
    let ratio = |i: usize, s: usize| {
        let d = at(s, s);
        if d > <T::Acc as Float>::ZERO { at(i, s) / d } else { <T::Acc as Float>::ZERO }
    };
    let mut closeness: Vec<T::Acc> = (0..n).map(|i| ratio(i, first)).collect();
    while seeds.len() < k {
        let mut next = None;
        for i in 0..n {
            if seeds.contains(&i) {
                continue;
            }
            match next {
                Some(j) if closeness[i] >= closeness[j] => {}
                _ => next = Some(i),
            }
        }
        let Some(s) = next else { break };
        seeds.push(s);
        for (i, c) in closeness.iter_mut().enumerate() {
            *c = Float::max(*c, ratio(i, s));
        }
    }
    Ok((0..n)
        .map(|i| {
            let mut best = 0;
            for (c, &s) in seeds.iter().enumerate() {
                if ratio(i, s) > ratio(i, seeds[best]) {
                    best = c;
                }
            }
            // A seed always belongs to its own cluster.
            seeds.iter().position(|&s| s == i).unwrap_or(best)
        })
        .collect())
}

/// Global-optimality certificate of a partition.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Certificate {
    /// The partition's objective ⟨A, Z_G⟩ (or ⟨D, Z_G⟩) in the caller's terms.
    pub partition_objective: f64,
    /// The SDP bound it is compared with (the solver's objective plus its duality gap).
    pub sdp_bound: f64,
    /// How much better the SDP bound is than the partition (≥ 0 up to solver accuracy).
    pub gap: f64,
    /// gap ≤ tol · max(1, |sdp_bound|): the partition is a globally optimal k-means partition.
    pub certified: bool,
}

/// Compares the partition `labels` (values 0..k, every cluster non-empty) with `sdp_bound`,
/// an upper bound on SDP* (a lower bound on min ⟨D, Z⟩ for distance input) in the caller's
/// terms, e.g. `info.objective + info.duality_gap` (minus for distances).
pub fn certificate<F: Float>(
    aff: &Affinity<F>,
    labels: &[usize],
    k: usize,
    sdp_bound: f64,
    tol: f64,
) -> Result<Certificate> {
    let n = aff.n();
    validate::cluster_count(k, n)?;
    validate::len(labels, n, "labels")?;
    validate::nonnegative_param(tol, "tol")?;
    if !sdp_bound.is_finite() {
        return Err(Error::InvalidParameter { name: "sdp_bound", value: sdp_bound });
    }
    let mut sizes = vec![0usize; k];
    for (index, &l) in labels.iter().enumerate() {
        if l >= k {
            return Err(Error::IndexOutOfRange { what: "labels", index, value: l, bound: k });
        }
        sizes[l] += 1;
    }
    if sizes.contains(&0) {
        return Err(Error::InvalidClusterCount { k, n: sizes.iter().filter(|&&s| s > 0).count() });
    }
    let a = aff.centred();
    let mut value = F::ZERO;
    for i in 0..n {
        for j in 0..n {
            if labels[i] == labels[j] {
                value += a[i * n + j] / F::from_usize(sizes[labels[i]]);
            }
        }
    }
    let partition_objective = aff.user_objective(value).to_f64();
    // Overflowing affinities give a ±∞ or NaN objective; a certificate on it would be vacuous.
    if !partition_objective.is_finite() {
        return Err(Error::NonFinite { what: "partition objective", index: 0 });
    }
    let gap = match aff.source() {
        Source::Distances => partition_objective - sdp_bound,
        Source::Data | Source::Similarity => sdp_bound - partition_objective,
    };
    if !gap.is_finite() {
        return Err(Error::NonFinite { what: "certificate gap", index: 0 });
    }
    Ok(Certificate { partition_objective, sdp_bound, gap, certified: gap <= tol * sdp_bound.abs().max(1.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn membership(labels: &[usize], k: usize) -> Vec<f64> {
        let n = labels.len();
        let sizes: Vec<f64> = (0..k).map(|c| labels.iter().filter(|&&l| l == c).count() as f64).collect();
        (0..n * n)
            .map(|idx| if labels[idx / n] == labels[idx % n] { 1.0 / sizes[labels[idx / n]] } else { 0.0 })
            .collect()
    }

    #[test]
    fn integral_z_rounds_exactly() {
        let labels = [2, 0, 1, 1, 0, 2, 2, 1];
        let z = membership(&labels, 3);
        let got = row_argmax_labels(&z, 8, 3).unwrap();
        for i in 0..8 {
            for j in 0..8 {
                assert_eq!(got[i] == got[j], labels[i] == labels[j]);
            }
        }
        let emb = spectral_embedding(&z, 8, 3).unwrap();
        for i in 0..8 {
            for j in 0..8 {
                let d: f64 = (0..3).map(|c| (emb[i * 3 + c] - emb[j * 3 + c]).powi(2)).sum();
                assert_eq!(d < 1e-20, labels[i] == labels[j], "{i} {j} {d}");
            }
        }
    }

    #[test]
    fn factor_embedding_matches_dense() {
        let u = [1.0f64, 0.0, 0.5, 0.2, 0.0, 1.0, 0.3, 0.3];
        let n = 4;
        let z: Vec<f64> = (0..16).map(|i| (0..2).map(|a| u[(i / 4) * 2 + a] * u[(i % 4) * 2 + a]).sum()).collect();
        let dense = spectral_embedding(&z, n, 2).unwrap();
        let low = factor_embedding(&u, n, 2, 2).unwrap();
        for c in 0..2 {
            let sign = if dense[c] * low[c] < 0.0 { -1.0 } else { 1.0 };
            for i in 0..n {
                assert!((dense[i * 2 + c] - sign * low[i * 2 + c]).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn bad_labels_are_rejected() {
        let x = [0.0f64, 1.0, 5.0, 6.0];
        let aff = Affinity::from_data(crate::MatRef::new(&x, 4, 1, "x").unwrap()).unwrap();
        assert!(matches!(certificate(&aff, &[0, 0, 1, 3], 2, 1.0, 1e-6), Err(Error::IndexOutOfRange { .. })));
        assert!(matches!(certificate(&aff, &[0, 0, 0, 0], 2, 1.0, 1e-6), Err(Error::InvalidClusterCount { .. })));
        assert!(matches!(certificate(&aff, &[0, 0, 1], 2, 1.0, 1e-6), Err(Error::ShapeMismatch { .. })));
        let c = certificate(&aff, &[0, 0, 1, 1], 2, 25.0, 1e-9).unwrap();
        // Centred data −3, −2, 2, 3: ⟨A, Z_G⟩ = (−5)²/2 + 5²/2 = 25.
        assert!((c.partition_objective - 25.0).abs() < 1e-12 && c.certified);
        assert!(matches!(row_argmax_labels(&[1.0f64; 4], 2, 3), Err(Error::InvalidClusterCount { .. })));
    }
}
