//! The CPU path behind [`crate::Backend`]: SwAV's `distributed_sinkhorn` (prototypes first,
//! uniform marginals, fixed T) in scaling form with a global max shift, computed in `T::Acc`.
//!
//! This is the bridge until clasp-core's own Sinkhorn module is merged; the dispatch will then
//! call the core directly and this file goes away.

use clasp_core::{Error, Float, Real, Result, validate};

use crate::sinkhorn::{SwavInfo, SwavParams};

/// Duals after T iterations: `q_ij = u_i G_ij v_j` with `G = exp((S − M)/ε)`.
fn swav_duals<T: Real>(
    scores: &[T],
    n: usize,
    k: usize,
    params: &SwavParams,
) -> Result<(Vec<T::Acc>, Vec<T::Acc>, f64)> {
    type F<T> = <T as Real>::Acc;
    if n == 0 || k == 0 {
        return Err(Error::Empty { what: "scores" });
    }
    validate::positive_param(params.epsilon, "epsilon")?;
    if params.iterations == 0 {
        return Err(Error::InvalidParameter { name: "iterations", value: 0.0 });
    }
    validate::len(scores, n * k, "scores")?;
    validate::finite(scores, "scores")?;
    let ie = F::<T>::ONE / F::<T>::from_f64(params.epsilon);
    let m = scores.iter().fold(F::<T>::NEG_INFINITY, |m, s| Float::max(m, s.to_acc()));
    let g = |i: usize, j: usize| Float::exp((scores[i * k + j].to_acc() - m) * ie);
    let (a, b) = (F::<T>::ONE / F::<T>::from_usize(n), F::<T>::ONE / F::<T>::from_usize(k));
    let mut u = vec![F::<T>::ONE; n];
    let mut v = vec![F::<T>::ZERO; k];
    let mut col = vec![F::<T>::ZERO; k];
    for _ in 0..params.iterations {
        col.iter_mut().for_each(|c| *c = F::<T>::ZERO);
        for (i, &ui) in u.iter().enumerate() {
            for (j, c) in col.iter_mut().enumerate() {
                *c += g(i, j) * ui;
            }
        }
        for (vj, &c) in v.iter_mut().zip(&col) {
            *vj = b / c;
        }
        for (i, ui) in u.iter_mut().enumerate() {
            let r: F<T> = (0..k).map(|j| g(i, j) * v[j]).sum();
            *ui = a / r;
        }
    }
    col.iter_mut().for_each(|c| *c = F::<T>::ZERO);
    for (i, &ui) in u.iter().enumerate() {
        for (j, c) in col.iter_mut().enumerate() {
            *c += g(i, j) * ui * v[j];
        }
    }
    let err = col.iter().map(|&c| Float::abs(c - b).to_f64()).sum::<f64>();
    if !err.is_finite() {
        return Err(Error::NumericalBreakdown { what: "swav scaling", iteration: params.iterations });
    }
    Ok((u, v, err))
}

/// SwAV codes on the CPU: rows of n·Q, each summing to 1.
pub fn swav_codes<T: Real>(scores: &[T], n: usize, k: usize, params: &SwavParams) -> Result<(Vec<T>, SwavInfo)> {
    let (_, v, err) = swav_duals(scores, n, k, params)?;
    let ie = T::Acc::ONE / T::Acc::from_f64(params.epsilon);
    let mut codes = Vec::with_capacity(n * k);
    for row in scores.chunks_exact(k) {
        let m = row.iter().fold(T::Acc::NEG_INFINITY, |m, s| Float::max(m, s.to_acc()));
        let q: Vec<T::Acc> = row.iter().zip(&v).map(|(s, &vj)| Float::exp((s.to_acc() - m) * ie) * vj).collect();
        let total: T::Acc = q.iter().copied().sum();
        codes.extend(q.into_iter().map(|x| T::from_acc(x / total)));
    }
    Ok((codes, SwavInfo { iterations: params.iterations, prototype_marginal_error: err }))
}

/// SIGMA hard targets on the CPU: argmax_j (S_ij/ε + ln v_j), ties to the lowest j.
pub fn swav_hard<T: Real>(scores: &[T], n: usize, k: usize, params: &SwavParams) -> Result<(Vec<u32>, SwavInfo)> {
    let (_, v, err) = swav_duals(scores, n, k, params)?;
    let ie = T::Acc::ONE / T::Acc::from_f64(params.epsilon);
    let labels = scores
        .chunks_exact(k)
        .map(|row| {
            let vals: Vec<T::Acc> = row.iter().zip(&v).map(|(s, &vj)| s.to_acc() * ie + Float::ln(vj)).collect();
            clasp_core::ops::argmax(&vals).unwrap_or(0) as u32
        })
        .collect();
    Ok((labels, SwavInfo { iterations: params.iterations, prototype_marginal_error: err }))
}
