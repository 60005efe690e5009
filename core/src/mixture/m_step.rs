//! The M-step: maximum-likelihood parameters from responsibilities r (n × K), as
//! scikit-learn's `_estimate_gaussian_parameters`:
//! nₖ = Σᵢ rᵢₖ + 10·ε, μₖ = Σᵢ rᵢₖ xᵢ / nₖ, π = nₖ / Σ nₖ and
//! - full: Σₖ = Σᵢ rᵢₖ (xᵢ − μₖ)(xᵢ − μₖ)ᵀ / nₖ + reg·I
//! - diag: σ²ₖ = Σᵢ rᵢₖ (xᵢ − μₖ)² / nₖ + reg (direct differences, never negative)
//! - spherical: the mean over features of the diag variances
//! - tied: Σ = (Σᵢ xᵢxᵢᵀ − Σₖ nₖ μₖμₖᵀ) / Σₖ nₖ + reg·I, evaluated about the data mean.
//!
//! The full scatter is accumulated per block of rows in feature-major order (dot products
//! over the block), touching each row once per component. Every row sum is taken per fixed
//! chunk of rows and the partials added in chunk order, so the chunks can run in parallel
//! (feature `parallel`) with bit-identical results.

use super::covariance_type::CovarianceType;
use super::model::{GaussianMixture, Spread};
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::matrix::transpose_block;
use crate::parallel::sum_row_chunks;
use crate::scalar::Linalg;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;
use crate::validate;
use alloc::vec;
use alloc::vec::Vec;

/// Rows per block of the full scatter.
const BLOCK: usize = 64;

/// Sufficient statistics turned into parameters: (nₖ, means, covariances).
pub(crate) struct Estimate<F> {
    pub nk: Vec<F>,
    pub means: Vec<F>,
    pub covariances: Vec<F>,
}

impl<F: Float> Estimate<F> {
    /// Every statistic is finite; otherwise the weighted sums overflowed (data or
    /// responsibilities near the type's MAX) and the M-step of `iteration` broke down.
    pub(crate) fn check_finite(&self, iteration: usize) -> Result<()> {
        for part in [&self.nk, &self.means, &self.covariances] {
            validate::finite_output(part, "m_step sufficient statistics", iteration)?;
        }
        Ok(())
    }
}

/// One M-step: the mixture maximising the expected complete-data log-likelihood under the
/// responsibilities `resp` (n × k, entries ≥ 0; rows need not be normalised), with
/// `reg_covar` added to the covariance diagonals.
///
/// Errors: `resp` of the wrong length, negative or non-finite responsibilities or data,
/// `k` = 0, negative `reg_covar`, or a resulting covariance that is not positive definite
/// ([`Error::NotPositiveDefinite`] with the component; e.g. a component with no mass and
/// `reg_covar` = 0); [`Error::NumericalBreakdown`] when the weighted sums overflow (huge
/// responsibilities times huge data).
pub fn m_step<T: Real>(
    x: MatRef<'_, T>,
    resp: &[T::Acc],
    k: usize,
    covariance_type: CovarianceType,
    reg_covar: f64,
) -> Result<GaussianMixture<T::Acc>>
where
    T::Acc: Linalg,
{
    check(x, resp, k, reg_covar)?;
    let est = estimate(x, resp, k, covariance_type, <T::Acc as Float>::from_f64(reg_covar));
    est.check_finite(1)?;
    let total: T::Acc = est.nk.iter().copied().sum();
    validate::finite_output(&[total], "m_step sufficient statistics", 1)?;
    let weights: Vec<T::Acc> = est.nk.iter().map(|&v| v / total).collect();
    GaussianMixture::from_parts(covariance_type, &weights, &est.means, Spread::Covariances(&est.covariances), x.cols())
}

/// Validates the inputs of an M-step.
pub(crate) fn check<T: Real>(x: MatRef<'_, T>, resp: &[T::Acc], k: usize, reg_covar: f64) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidClusterCount { k, n: x.rows() });
    }
    validate::len(resp, x.rows() * k, "resp")?;
    validate::nonnegative(resp, false, "resp")?;
    validate::nonnegative_param(reg_covar, "reg_covar")?;
    validate::finite(x.as_slice(), "x")
}

/// The parameter estimates on validated input. Every sum over the rows is taken per fixed row
/// chunk and the chunk partials added in order ([`sum_row_chunks`]): the chunks run in
/// parallel with the `parallel` feature, with the same result.
pub(crate) fn estimate<T: Real>(
    x: MatRef<'_, T>,
    resp: &[T::Acc],
    k: usize,
    covariance_type: CovarianceType,
    reg: T::Acc,
) -> Estimate<T::Acc> {
    let d = x.cols();
    let zero = <T::Acc as Float>::ZERO;
    let eps10 = <T::Acc as Float>::EPSILON * <T::Acc as Float>::from_f64(10.0);
    let resp_of = |rows: MatRef<'_, T>, at: usize| &resp[at * k..(at + rows.rows()) * k];
    // [Σᵢ rᵢₖ (k) | Σᵢ rᵢₖ xᵢ (k × d)].
    let mut sums = sum_row_chunks(x, k + k * d, |rows, at| weighted_sums(rows, resp_of(rows, at), k));
    let mut means = sums.split_off(k);
    let mut nk = sums;
    for (c, n) in nk.iter_mut().enumerate() {
        *n += eps10;
        for m in means[c * d..(c + 1) * d].iter_mut() {
            *m /= *n;
        }
    }
    let covariances = match covariance_type {
        CovarianceType::Full => {
            let mut cov = sum_row_chunks(x, k * d * d, |rows, at| full_scatter(rows, resp_of(rows, at), k, &means));
            for (c, s) in cov.chunks_exact_mut(d * d).enumerate() {
                finish_symmetric(s, d, nk[c], reg);
            }
            cov
        }
        CovarianceType::Diag | CovarianceType::Spherical => {
            let mut var = sum_row_chunks(x, k * d, |rows, at| {
                let mut var = vec![zero; k * d];
                for (row, r) in rows.row_iter().zip(resp_of(rows, at).chunks_exact(k)) {
                    for (c, &w) in r.iter().enumerate() {
                        let mu = &means[c * d..(c + 1) * d];
                        for ((s, v), &m) in var[c * d..(c + 1) * d].iter_mut().zip(row).zip(mu) {
                            let t = v.to_acc() - m;
                            *s += w * t * t;
                        }
                    }
                }
                var
            });
            for (c, &n) in nk.iter().enumerate() {
                for s in var[c * d..(c + 1) * d].iter_mut() {
                    *s = *s / n + reg;
                }
            }
            if covariance_type == CovarianceType::Diag {
                var
            } else {
                let df = <T::Acc as Float>::from_usize(d);
                var.chunks_exact(d).map(|v| v.iter().copied().sum::<T::Acc>() / df).collect()
            }
        }
        CovarianceType::Tied => tied_scatter(x, &means, &nk, reg),
    };
    Estimate { nk, means, covariances }
}

/// [Σᵢ rᵢₖ (k) | Σᵢ rᵢₖ xᵢ (k × d)] of a run of rows, each entry in row order
/// ([`Float::weighted_sums`], block by block of rows in the compute type).
fn weighted_sums<T: Real>(x: MatRef<'_, T>, resp: &[T::Acc], k: usize) -> Vec<T::Acc> {
    let d = x.cols();
    let mut acc = vec![<T::Acc as Float>::ZERO; k + k * d];
    let (nk, sums) = acc.split_at_mut(k);
    let mut rows = vec![<T::Acc as Float>::ZERO; BLOCK * d];
    for (block, r) in x.as_slice().chunks(BLOCK * d.max(1)).zip(resp.chunks(BLOCK * k)) {
        let rows = &mut rows[..block.len()];
        for (o, v) in rows.iter_mut().zip(block) {
            *o = v.to_acc();
        }
        <T::Acc as Float>::weighted_sums(rows, r, d, k, nk, sums);
    }
    acc
}

simd_dispatch! {
    /// The upper triangles of the full scatters Σᵢ rᵢₖ (xᵢ − μₖ)(xᵢ − μₖ)ᵀ (k × d × d) of a run
    /// of rows, blocked over rows; AVX2 when available (same results).
    fn full_scatter<T: Real>(
        x: MatRef<'_, T>,
        resp: &[T::Acc],
        k: usize,
        means: &[T::Acc],
    ) -> Vec<T::Acc> => full_scatter_body
}

#[inline(always)]
fn full_scatter_body<T: Real>(x: MatRef<'_, T>, resp: &[T::Acc], k: usize, means: &[T::Acc]) -> Vec<T::Acc> {
    let d = x.cols();
    let zero = <T::Acc as Float>::ZERO;
    let mut cov = vec![zero; k * d * d];
    let mut xt = vec![zero; d * BLOCK];
    let mut diff = vec![zero; d * BLOCK];
    let mut wdiff = vec![zero; d * BLOCK];
    let mut rt = vec![zero; k * BLOCK];
    for (rows, r) in x.as_slice().chunks(BLOCK * d).zip(resp.chunks(BLOCK * k)) {
        let b = rows.len() / d;
        transpose_block(rows, d, b, &mut xt);
        transpose_block(r, k, b, &mut rt);
        for c in 0..k {
            let mu = &means[c * d..(c + 1) * d];
            let rc = &rt[c * b..(c + 1) * b];
            for j in 0..d {
                let mj = mu[j];
                let dj = &mut diff[j * b..(j + 1) * b];
                let wj = &mut wdiff[j * b..(j + 1) * b];
                for (((t, wt), &v), &w) in dj.iter_mut().zip(wj.iter_mut()).zip(&xt[j * b..(j + 1) * b]).zip(rc) {
                    *t = v - mj;
                    *wt = *t * w;
                }
            }
            <T::Acc as Float>::scatter_upper(&wdiff, &diff, b, d, &mut cov[c * d * d..(c + 1) * d * d]);
        }
    }
    cov
}

/// Divides the upper triangle by `n`, mirrors it and adds `reg` to the diagonal.
fn finish_symmetric<F: Float>(s: &mut [F], d: usize, n: F, reg: F) {
    for a in 0..d {
        for b in a..d {
            let v = s[a * d + b] / n;
            s[a * d + b] = v;
            s[b * d + a] = v;
        }
        s[a * d + a] += reg;
    }
}

/// Tied covariance (Σᵢ (xᵢ − c)(xᵢ − c)ᵀ − Σₖ nₖ (μₖ − c)(μₖ − c)ᵀ) / Σ nₖ + reg·I, c the data
/// mean; both row sums per chunk ([`sum_row_chunks`]).
fn tied_scatter<T: Real>(x: MatRef<'_, T>, means: &[T::Acc], nk: &[T::Acc], reg: T::Acc) -> Vec<T::Acc> {
    let (n, d) = (x.rows(), x.cols());
    let zero = <T::Acc as Float>::ZERO;
    let mut centre = sum_row_chunks(x, d, |rows, _| {
        let mut centre = vec![zero; d];
        for row in rows.row_iter() {
            for (c, v) in centre.iter_mut().zip(row) {
                *c += v.to_acc();
            }
        }
        centre
    });
    let nf = <T::Acc as Float>::from_usize(n);
    for c in centre.iter_mut() {
        *c /= nf;
    }
    let mut s = sum_row_chunks(x, d * d, |rows, _| {
        let mut s = vec![zero; d * d];
        let mut t = vec![zero; d];
        for row in rows.row_iter() {
            for ((tv, v), &c) in t.iter_mut().zip(row).zip(&centre) {
                *tv = v.to_acc() - c;
            }
            for a in 0..d {
                for b in a..d {
                    s[a * d + b] += t[a] * t[b];
                }
            }
        }
        s
    });
    let mut t = vec![zero; d];
    for (mu, &w) in means.chunks_exact(d).zip(nk) {
        for ((tv, &m), &c) in t.iter_mut().zip(mu).zip(&centre) {
            *tv = m - c;
        }
        for a in 0..d {
            for b in a..d {
                s[a * d + b] -= w * t[a] * t[b];
            }
        }
    }
    let total: T::Acc = nk.iter().copied().sum();
    finish_symmetric(&mut s, d, total, reg);
    s
}
