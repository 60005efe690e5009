//! The Gaussian components the split/merge sampler works with: DeepDPM's point estimates
//! under the NIW prior (μ*, Σ* of [`NiwPrior::posterior`], weights π_k = (N_k + c)/(N + Kc)),
//! and one EM pass over them in which labelled rows keep a one-hot responsibility on their
//! class (the semi-supervised clamp of GPC).
//!
//! E-step: log r_ik = log π_k + log N(x_i | μ_k*, Σ_k*) − LSE_k(…) for unlabelled rows,
//! log N(x | μ, Σ) = −½(D log 2π + ‖L⁻¹(x − μ)‖²) − Σ_d log L_dd with Σ = L Lᵀ.

use crate::scalar::Linalg;
use alloc::vec;
use alloc::vec::Vec;
use nalgebra::DMatrix;

use super::super::niw::{ClusterStats, NiwPrior};
use crate::error::{Error, Result};
use crate::ops::log_sum_exp;
use crate::scalar::{Float, Real};

/// K Gaussian components with weights.
#[derive(Clone, Debug)]
pub(crate) struct Components<F: Linalg> {
    pub(crate) log_weights: Vec<F>,
    pub(crate) means: Vec<F>,
    pub(crate) covariances: Vec<DMatrix<F>>,
    chol: Vec<DMatrix<F>>,
    half_log_det: Vec<F>,
}

impl<F: Linalg> Components<F> {
    /// Number of components.
    pub(crate) fn len(&self) -> usize {
        self.log_weights.len()
    }

    /// M-step from per-component statistics: NIW posterior point estimates and the
    /// Dirichlet-smoothed weights with pseudo-count `c`, π_k = (N_k + c)/(N + Kc). When
    /// N + Kc overflows (a pseudo-count near the type's MAX, or beyond it after the conversion
    /// to `F`) they are evaluated as (N_k/c + 1)/(N/c + K), which tends to 1/K.
    pub(crate) fn from_stats(prior: &NiwPrior<F>, stats: &[ClusterStats<F>], c: F) -> Result<Self> {
        let k = stats.len();
        let (kf, n) = (<F as Float>::from_usize(k), stats.iter().map(|s| s.count()).sum::<F>());
        let total = n + c * kf;
        let log_weight = |count: F| {
            if Float::is_finite(total) {
                Float::ln((count + c) / total)
            } else {
                Float::ln((count / c + <F as Float>::ONE) / (n / c + kf))
            }
        };
        let dim = prior.dim();
        let mut out = Self {
            log_weights: Vec::with_capacity(k),
            means: Vec::with_capacity(k * dim),
            covariances: Vec::with_capacity(k),
            chol: Vec::with_capacity(k),
            half_log_det: Vec::with_capacity(k),
        };
        for (j, s) in stats.iter().enumerate() {
            let (mean, cov) = prior.posterior(s);
            let chol = nalgebra::Cholesky::new(cov.clone())
                .ok_or(Error::NotPositiveDefinite { what: "posterior covariance", component: j })?
                .unpack();
            let mut hld = <F as Float>::ZERO;
            for d in 0..dim {
                hld += Float::ln(chol[(d, d)]);
            }
            if !Float::is_finite(hld) {
                return Err(Error::NotPositiveDefinite { what: "posterior covariance", component: j });
            }
            out.log_weights.push(log_weight(s.count()));
            out.means.extend_from_slice(&mean);
            out.covariances.push(cov);
            out.chol.push(chol);
            out.half_log_det.push(hld);
        }
        Ok(out)
    }

    /// log N(x | μ_k, Σ_k); `buf` holds D values.
    pub(crate) fn log_density<T: Real<Acc = F>>(&self, k: usize, x: &[T], buf: &mut [F]) -> F {
        let dim = buf.len();
        let mean = &self.means[k * dim..(k + 1) * dim];
        let l = &self.chol[k];
        let mut q = <F as Float>::ZERO;
        for r in 0..dim {
            let mut v = x[r].to_acc() - mean[r];
            for c in 0..r {
                v -= l[(r, c)] * buf[c];
            }
            v /= l[(r, r)];
            buf[r] = v;
            q += v * v;
        }
        let log_2pi = <F as Float>::from_f64(libm::log(2.0 * core::f64::consts::PI));
        -<F as Float>::from_f64(0.5) * (<F as Float>::from_usize(dim) * log_2pi + q) - self.half_log_det[k]
    }

    /// E-step: fills `log_prob` (n×K, log π_k + log N) and `resp` (n×K), with labelled rows
    /// (`clamp[i] = Some(k)`) one-hot on k. Returns Σ over unlabelled rows of LSE_k, the
    /// (unnormalised) log-likelihood the semi-supervised criterion monitors.
    pub(crate) fn e_step<T: Real<Acc = F>>(
        &self,
        x: &[T],
        dim: usize,
        clamp: Option<&[Option<usize>]>,
        log_prob: &mut [F],
        resp: &mut [F],
    ) -> F {
        let k = self.len();
        let mut buf = vec![<F as Float>::ZERO; dim];
        let mut total = <F as Float>::ZERO;
        for (i, ((row, lp), r)) in
            x.chunks_exact(dim).zip(log_prob.chunks_exact_mut(k)).zip(resp.chunks_exact_mut(k)).enumerate()
        {
            for (j, v) in lp.iter_mut().enumerate() {
                *v = self.log_weights[j] + self.log_density(j, row, &mut buf);
            }
            match clamp.and_then(|c| c.get(i).copied().flatten()) {
                Some(label) => {
                    for (j, v) in r.iter_mut().enumerate() {
                        *v = if j == label { <F as Float>::ONE } else { <F as Float>::ZERO };
                    }
                }
                None => {
                    let norm = log_sum_exp(lp);
                    total += norm;
                    for (v, &l) in r.iter_mut().zip(lp.iter()) {
                        *v = Float::exp(l - norm);
                    }
                }
            }
        }
        total
    }
}

/// Soft statistics Σ_i r_ik (…) of every component from responsibilities (n×K).
pub(crate) fn soft_stats<T: Real<Acc = F>, F: Linalg>(
    prior: &NiwPrior<F>,
    x: &[T],
    resp: &[F],
    k: usize,
) -> Vec<ClusterStats<F>> {
    let dim = prior.dim();
    let mut stats = vec![ClusterStats::new(dim); k];
    for (row, r) in x.chunks_exact(dim).zip(resp.chunks_exact(k)) {
        for (s, &w) in stats.iter_mut().zip(r) {
            if w > <F as Float>::ZERO {
                s.add(prior, row, w);
            }
        }
    }
    stats
}

/// Hard statistics of every cluster of `labels` (values < k).
pub(crate) fn hard_stats<T: Real<Acc = F>, F: Linalg>(
    prior: &NiwPrior<F>,
    x: &[T],
    labels: &[usize],
    k: usize,
) -> Vec<ClusterStats<F>> {
    let dim = prior.dim();
    let mut stats = vec![ClusterStats::new(dim); k];
    for (row, &l) in x.chunks_exact(dim).zip(labels) {
        if let Some(s) = stats.get_mut(l) {
            s.add(prior, row, <F as Float>::ONE);
        }
    }
    stats
}
