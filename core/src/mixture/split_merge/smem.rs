//! The split and merge criteria of SMEM (Ueda, Nakano, Ghahramani & Hinton, "SMEM algorithm
//! for mixture models", Neural Computation 12(9):2109–2128, 2000, eq. 3.1 and 3.3), as the
//! public FSMEM code computes them; used as an alternative ranking of split/merge proposals.
//!
//! - Merge: J_merge(i, j) = P_iᵀ P_j with P_i = (P(i|x₁), …, P(i|x_N)); the normalised variant
//!   divides by ‖P_i‖ ‖P_j‖. Large = overlapping components.
//! - Split: J_split(k) = Σₙ f_k(xₙ) log(f_k(xₙ) / p_k(xₙ | θ_k)), f_k(xₙ) = P(k|xₙ) / Σₙ' P(k|xₙ'),
//!   the local KL divergence between the posterior-weighted empirical density and the
//!   component density. Large = badly fitted component.

use alloc::vec;
use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::ops::descending_nan_last;
use crate::scalar::{Float, Real};

/// J_merge for every pair: a K×K row-major symmetric matrix (diagonal included).
/// `resp` is N×K posteriors P(k|xₙ) (finite, ≥ 0).
pub fn merge_criterion<T: Real>(resp: MatRef<'_, T>, normalised: bool) -> Result<Vec<T::Acc>> {
    crate::validate::nonnegative(resp.as_slice(), false, "responsibilities")?;
    let k = resp.cols();
    let mut out = vec![<T::Acc as Float>::ZERO; k * k];
    for row in resp.row_iter() {
        for i in 0..k {
            let pi = row[i].to_acc();
            for j in i..k {
                out[i * k + j] += pi * row[j].to_acc();
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            out[i * k + j] = out[j * k + i];
        }
    }
    if normalised {
        let norms: Vec<T::Acc> = (0..k).map(|i| Float::sqrt(out[i * k + i])).collect();
        for i in 0..k {
            for j in 0..k {
                let d = norms[i] * norms[j];
                out[i * k + j] = if d > <T::Acc as Float>::ZERO { out[i * k + j] / d } else { <T::Acc as Float>::ZERO };
            }
        }
    }
    Ok(out)
}

/// J_split for every component from posteriors `resp` (N×K) and component log densities
/// `log_density` (N×K, log p_k(xₙ | θ_k), without the weight). Components with no posterior
/// mass get 0.
pub fn split_criterion<T: Real>(resp: MatRef<'_, T>, log_density: MatRef<'_, T>) -> Result<Vec<T::Acc>> {
    crate::validate::nonnegative(resp.as_slice(), false, "responsibilities")?;
    crate::validate::finite(log_density.as_slice(), "log_density")?;
    let (n, k) = (resp.rows(), resp.cols());
    if log_density.rows() != n || log_density.cols() != k {
        return Err(Error::ShapeMismatch { what: "log_density", expected: n * k, found: log_density.as_slice().len() });
    }
    let mut mass = vec![<T::Acc as Float>::ZERO; k];
    for row in resp.row_iter() {
        for (m, v) in mass.iter_mut().zip(row) {
            *m += v.to_acc();
        }
    }
    let mut out = vec![<T::Acc as Float>::ZERO; k];
    for (r, ld) in resp.row_iter().zip(log_density.row_iter()) {
        for j in 0..k {
            let p = r[j].to_acc();
            if p > <T::Acc as Float>::ZERO && mass[j] > <T::Acc as Float>::ZERO {
                let f = p / mass[j];
                out[j] += f * (Float::ln(f) - ld[j].to_acc());
            }
        }
    }
    Ok(out)
}

/// Candidate triples (i, j, k) of SMEM: merge pairs i < j by J_merge descending, split
/// components k ∉ {i, j} by J_split descending, in the paper's order (each merge pair with
/// every split candidate), the first `c_max` of them. `jm` is K×K, `js` has K entries.
pub fn smem_candidates<F: Float>(jm: &[F], js: &[F], c_max: usize) -> Result<Vec<(usize, usize, usize)>> {
    let k = js.len();
    crate::validate::len(jm, k * k, "merge criterion")?;
    crate::validate::finite(jm, "merge criterion")?;
    crate::validate::finite(js, "split criterion")?;
    Ok(eligible_triples(jm, js, &vec![true; k], c_max))
}

/// [`smem_candidates`] restricted to `eligible` components (no validation).
pub(crate) fn eligible_triples<F: Float>(
    jm: &[F],
    js: &[F],
    eligible: &[bool],
    c_max: usize,
) -> Vec<(usize, usize, usize)> {
    let pairs = ranked_pairs(jm, js.len(), eligible);
    let splits = ranked_components(js, eligible);
    let mut out = Vec::new();
    'outer: for &(i, j) in &pairs {
        for &s in &splits {
            if out.len() >= c_max {
                break 'outer;
            }
            if s != i && s != j {
                out.push((i, j, s));
            }
        }
    }
    out
}

/// Pairs (i < j) of eligible components sorted by J_merge descending (ties by index).
pub(crate) fn ranked_pairs<F: Float>(jm: &[F], k: usize, eligible: &[bool]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for i in 0..k {
        for j in i + 1..k {
            if eligible.get(i).copied().unwrap_or(false) && eligible.get(j).copied().unwrap_or(false) {
                pairs.push((i, j));
            }
        }
    }
    pairs.sort_by(|a, b| descending_nan_last(jm[a.0 * k + a.1], jm[b.0 * k + b.1]));
    pairs
}

/// Eligible components sorted by J_split descending (ties by index).
pub(crate) fn ranked_components<F: Float>(js: &[F], eligible: &[bool]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..js.len()).filter(|&k| eligible.get(k).copied().unwrap_or(false)).collect();
    idx.sort_by(|&a, &b| descending_nan_last(js[a], js[b]));
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_criteria_rank_last_without_panicking() {
        // Enough entries that the standard sort checks its comparator's total order.
        let mut js: Vec<f64> = (0..40).map(|i| (i % 7) as f64).collect();
        for i in (0..40).step_by(3) {
            js[i] = f64::NAN;
        }
        let ranked = ranked_components(&js, &[true; 40]);
        let finite = js.iter().filter(|v| !v.is_nan()).count();
        assert!(ranked[..finite].windows(2).all(|w| js[w[0]] > js[w[1]] || (js[w[0]] == js[w[1]] && w[0] < w[1])));
        assert!(ranked[finite..].iter().all(|&i| js[i].is_nan()));
    }

    #[test]
    fn merge_criterion_is_the_posterior_inner_product() {
        let r = [0.5f64, 0.5, 0.0, 1.0, 0.2, 0.8];
        let jm = merge_criterion(MatRef::new(&r, 3, 2, "r").unwrap(), false).unwrap();
        assert!((jm[1] - (0.25 + 0.0 + 0.16)).abs() < 1e-15 && jm[1] == jm[2]);
        assert!((jm[0] - (0.25 + 0.04)).abs() < 1e-15);
        let jn = merge_criterion(MatRef::new(&r, 3, 2, "r").unwrap(), true).unwrap();
        assert!((jn[0] - 1.0).abs() < 1e-15 && (jn[1] - 0.41 / (0.29f64.sqrt() * 1.89f64.sqrt())).abs() < 1e-15);
    }

    #[test]
    fn split_criterion_is_a_local_kl_divergence() {
        // One component, uniform posteriors over 4 points: f = 1/4 each; if p_k = 1/4 at every
        // point the divergence is 0, if p_k = 1/8 it is log 2.
        let r = [1.0f64; 4];
        let ld = [0.25f64.ln(); 4];
        let js = split_criterion(MatRef::new(&r, 4, 1, "r").unwrap(), MatRef::new(&ld, 4, 1, "l").unwrap()).unwrap();
        assert!(js[0].abs() < 1e-15);
        let ld = [0.125f64.ln(); 4];
        let js = split_criterion(MatRef::new(&r, 4, 1, "r").unwrap(), MatRef::new(&ld, 4, 1, "l").unwrap()).unwrap();
        assert!((js[0] - 2f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn candidates_exclude_the_merged_pair_and_bad_input_is_typed() {
        let jm = [0.0f64, 5.0, 1.0, 5.0, 0.0, 2.0, 1.0, 2.0, 0.0];
        let js = [3.0f64, 1.0, 2.0];
        assert_eq!(smem_candidates(&jm, &js, 5).unwrap(), vec![(0, 1, 2), (1, 2, 0), (0, 2, 1)]);
        assert_eq!(smem_candidates(&jm, &js, 1).unwrap(), vec![(0, 1, 2)]);
        assert!(matches!(smem_candidates(&jm[..4], &js, 5), Err(Error::ShapeMismatch { .. })));
        let bad = [-1.0f64, 0.0];
        assert!(matches!(merge_criterion(MatRef::new(&bad, 1, 2, "r").unwrap(), false), Err(Error::Negative { .. })));
        let r = [1.0f64; 2];
        let ld = [f64::NAN; 2];
        assert!(matches!(
            split_criterion(MatRef::new(&r, 2, 1, "r").unwrap(), MatRef::new(&ld, 2, 1, "l").unwrap()),
            Err(Error::NonFinite { .. })
        ));
    }
}
