//! The normal–inverse-Wishart (NIW) prior of a Gaussian cluster: sufficient statistics,
//! posterior parameters and the log marginal likelihood used by the split/merge Hastings
//! ratios (Chang & Fisher, NeurIPS 2013; DeepDPM, Ronen, Finder & Freifeld, CVPR 2022,
//! `priors.py`; Murphy, "Conjugate Bayesian analysis of the Gaussian distribution", 2007).
//!
//! Prior: Σ ~ IW(Ψ, ν), μ | Σ ~ N(m, Σ/κ). For a cluster X of N points in D dimensions and a
//! centre μ (the sample mean x̄ in the textbook formula; DeepDPM passes the component mean):
//!
//! κ* = κ + N, ν* = ν + N, Ψ* = Ψ + Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ + (κN/κ*)(μ − m)(μ − m)ᵀ,
//!
//! log p(X) = −(ND/2) log π + log Γ_D(ν*/2) − log Γ_D(ν/2) + (ν/2) log|Ψ| − (ν*/2) log|Ψ*|
//!            + (D/2)(log κ − log κ*).
//!
//! Statistics are accumulated about the prior mean m (yᵢ = xᵢ − m), which keeps the scatter
//! well conditioned; weights make the same statistics serve soft (EM) clusters.

use crate::scalar::Linalg;
use alloc::vec;
use alloc::vec::Vec;
use nalgebra::DMatrix;

use crate::error::{Error, Result};
use crate::scalar::{Float, Real};

/// log Γ_D(x) = D(D−1)/4 · log π + Σ_{j=1..D} log Γ(x + (1 − j)/2), the log multivariate gamma
/// function; +∞ when an argument of Γ is ≤ 0 (x ≤ (D − 1)/2).
pub fn log_multigamma(dim: usize, x: f64) -> f64 {
    let d = dim as f64;
    let mut total = d * (d - 1.0) / 4.0 * core::f64::consts::PI.ln_approx();
    for j in 1..=dim {
        let a = x + (1.0 - j as f64) / 2.0;
        if a <= 0.0 {
            return f64::INFINITY;
        }
        total += libm::lgamma(a);
    }
    total
}

/// ln via libm for concrete f64 (core never calls std float methods).
trait LnApprox {
    fn ln_approx(self) -> f64;
}
impl LnApprox for f64 {
    #[inline]
    fn ln_approx(self) -> f64 {
        libm::log(self)
    }
}

/// Weighted sufficient statistics of one cluster about the prior mean m:
/// N = Σ wᵢ, s = Σ wᵢ yᵢ, S = Σ wᵢ yᵢ yᵢᵀ with yᵢ = xᵢ − m.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterStats<F: Linalg> {
    count: F,
    sum: Vec<F>,
    scatter: DMatrix<F>,
}

impl<F: Linalg> ClusterStats<F> {
    /// Empty statistics in `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        Self { count: <F as Float>::ZERO, sum: vec![<F as Float>::ZERO; dim], scatter: DMatrix::zeros(dim, dim) }
    }

    /// Adds row `x` with weight `w` (`x.len()` must equal the prior's dimension).
    pub fn add<T: Real<Acc = F>>(&mut self, prior: &NiwPrior<F>, x: &[T], w: F) {
        let dim = self.sum.len();
        let mut y = [<F as Float>::ZERO; 64];
        let mut heap;
        let y: &mut [F] = if dim <= 64 {
            &mut y[..dim]
        } else {
            heap = vec![<F as Float>::ZERO; dim];
            &mut heap
        };
        for ((yi, xi), mi) in y.iter_mut().zip(x).zip(&prior.mean) {
            *yi = xi.to_acc() - *mi;
        }
        self.count += w;
        for (s, &yi) in self.sum.iter_mut().zip(y.iter()) {
            *s += w * yi;
        }
        for (c, &yc) in y.iter().enumerate() {
            let wyc = w * yc;
            for (r, &yr) in y.iter().enumerate().skip(c) {
                self.scatter[(r, c)] += wyc * yr;
            }
        }
    }

    /// Statistics of the union of two disjoint clusters.
    pub fn merged(&self, other: &Self) -> Self {
        Self {
            count: self.count + other.count,
            sum: self.sum.iter().zip(&other.sum).map(|(&a, &b)| a + b).collect(),
            scatter: &self.scatter + &other.scatter,
        }
    }

    /// Total weight N.
    pub fn count(&self) -> F {
        self.count
    }

    /// The sample mean x̄ (the prior mean when N = 0).
    pub fn mean(&self, prior: &NiwPrior<F>) -> Vec<F> {
        if self.count > <F as Float>::ZERO {
            self.sum.iter().zip(&prior.mean).map(|(&s, &m)| m + s / self.count).collect()
        } else {
            prior.mean.clone()
        }
    }

    /// Σᵢ wᵢ (xᵢ − μ)(xᵢ − μ)ᵀ for a centre given as d = μ − m (full symmetric matrix).
    fn scatter_about(&self, d: &[F]) -> DMatrix<F> {
        let dim = d.len();
        let mut out = DMatrix::zeros(dim, dim);
        for c in 0..dim {
            for r in c..dim {
                let v = self.scatter[(r, c)] - d[r] * self.sum[c] - self.sum[r] * d[c] + self.count * d[r] * d[c];
                out[(r, c)] = v;
                out[(c, r)] = v;
            }
        }
        out
    }
}

/// Which centre μ enters Ψ* in the marginal likelihood.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MarginalCentre<'a, F> {
    /// The cluster's sample mean x̄: the textbook conjugate marginal likelihood.
    SampleMean,
    /// A supplied centre (DeepDPM passes its current component mean).
    Supplied(&'a [F]),
}

/// A normal–inverse-Wishart prior NIW(m, κ, Ψ, ν) in D dimensions.
#[derive(Clone, Debug, PartialEq)]
pub struct NiwPrior<F: Linalg> {
    mean: Vec<F>,
    psi: DMatrix<F>,
    kappa: F,
    nu: F,
    log_det_psi: F,
}

impl<F: Linalg> NiwPrior<F> {
    /// Builds the prior; `psi` is D×D row-major, symmetric positive definite; κ > 0; ν > D − 1.
    pub fn new(mean: &[F], psi: &[F], kappa: f64, nu: f64) -> Result<Self> {
        let dim = mean.len();
        crate::validate::non_empty(mean, "prior mean")?;
        crate::validate::finite(mean, "prior mean")?;
        crate::validate::len(psi, dim * dim, "prior psi")?;
        crate::validate::finite(psi, "prior psi")?;
        crate::validate::positive_param(kappa, "prior_kappa")?;
        if !(nu.is_finite() && nu > dim as f64 - 1.0) {
            return Err(Error::InvalidParameter { name: "prior_nu", value: nu });
        }
        for r in 0..dim {
            for c in 0..r {
                if psi[r * dim + c] != psi[c * dim + r] {
                    return Err(Error::NotSymmetric { what: "prior psi", row: r, col: c });
                }
            }
        }
        let psi = DMatrix::from_row_slice(dim, dim, psi);
        let log_det_psi = log_det_spd(&psi, "prior psi", 0)?;
        Ok(Self {
            mean: mean.to_vec(),
            psi,
            kappa: <F as Float>::from_f64(kappa),
            nu: <F as Float>::from_f64(nu),
            log_det_psi,
        })
    }

    /// D.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }
    /// m.
    pub fn mean(&self) -> &[F] {
        &self.mean
    }
    /// κ.
    pub fn kappa(&self) -> F {
        self.kappa
    }
    /// ν.
    pub fn nu(&self) -> F {
        self.nu
    }

    /// Statistics of the given rows of `x` (row-major, D columns), each with weight 1.
    pub fn stats_of<T: Real<Acc = F>>(&self, x: &[T], rows: impl IntoIterator<Item = usize>) -> ClusterStats<F> {
        let dim = self.dim();
        let mut s = ClusterStats::new(dim);
        for i in rows {
            if let Some(row) = x.get(i * dim..(i + 1) * dim) {
                s.add(self, row, <F as Float>::ONE);
            }
        }
        s
    }

    /// Log marginal likelihood log p(X) of the cluster summarised by `stats` (module docs);
    /// 0 for an empty cluster. `Err(NotPositiveDefinite)` if Ψ* is not (a supplied centre far
    /// outside the data cannot cause this; only a non-finite input can).
    pub fn log_marginal_likelihood(&self, stats: &ClusterStats<F>, centre: MarginalCentre<'_, F>) -> Result<F> {
        let n = stats.count;
        if n <= <F as Float>::ZERO {
            return Ok(<F as Float>::ZERO);
        }
        let dim = self.dim();
        let d: Vec<F> = match centre {
            MarginalCentre::SampleMean => stats.sum.iter().map(|&s| s / n).collect(),
            MarginalCentre::Supplied(mu) => {
                crate::validate::len(mu, dim, "centre")?;
                crate::validate::finite(mu, "centre")?;
                mu.iter().zip(&self.mean).map(|(&a, &m)| a - m).collect()
            }
        };
        let kappa_n = self.kappa + n;
        let nu_n = self.nu + n;
        let shrink = self.kappa * n / kappa_n;
        let mut psi_n = stats.scatter_about(&d);
        for c in 0..dim {
            for r in 0..dim {
                psi_n[(r, c)] += self.psi[(r, c)] + shrink * d[r] * d[c];
            }
        }
        let log_det_n = log_det_spd(&psi_n, "posterior psi", 0)?;
        let half = <F as Float>::from_f64(0.5);
        let df = <F as Float>::from_usize(dim);
        let log_pi = <F as Float>::from_f64(libm::log(core::f64::consts::PI));
        let lg = |x: F| <F as Float>::from_f64(log_multigamma(dim, x.to_f64()));
        Ok(-n * df * half * log_pi + lg(nu_n * half) - lg(self.nu * half) + self.nu * half * self.log_det_psi
            - nu_n * half * log_det_n
            + df * half * (Float::ln(self.kappa) - Float::ln(kappa_n)))
    }

    /// Posterior point estimates used by DeepDPM: μ* = (N x̄ + κ m)/(N + κ) and
    /// Σ* = (Ψ + N S + κN/(κ + N) (x̄ − m)(x̄ − m)ᵀ)/(ν + N + D + 2), S the within-cluster
    /// covariance normalised by N (Σ* = Ψ/(ν + D + 2) for an empty cluster). Returns
    /// (μ*, Σ* as a D×D matrix).
    pub fn posterior(&self, stats: &ClusterStats<F>) -> (Vec<F>, DMatrix<F>) {
        let n = stats.count;
        let dim = self.dim();
        let d: Vec<F> = if n > <F as Float>::ZERO {
            stats.sum.iter().map(|&s| s / n).collect()
        } else {
            vec![<F as Float>::ZERO; dim]
        };
        let kappa_n = self.kappa + n;
        let mean = d.iter().zip(&self.mean).map(|(&di, &m)| m + n * di / kappa_n).collect();
        let mut cov = stats.scatter_about(&d);
        let shrink = self.kappa * n / kappa_n;
        let denom = self.nu + n + <F as Float>::from_usize(dim + 2);
        for c in 0..dim {
            for r in 0..dim {
                cov[(r, c)] = (cov[(r, c)] + self.psi[(r, c)] + shrink * d[r] * d[c]) / denom;
            }
        }
        (mean, cov)
    }
}

/// log |A| of a symmetric positive-definite matrix from its Cholesky factor.
pub(crate) fn log_det_spd<F: Linalg>(a: &DMatrix<F>, what: &'static str, component: usize) -> Result<F> {
    let chol = nalgebra::Cholesky::new(a.clone()).ok_or(Error::NotPositiveDefinite { what, component })?;
    let l = chol.l_dirty();
    let mut s = <F as Float>::ZERO;
    for i in 0..a.nrows() {
        s += Float::ln(l[(i, i)]);
    }
    let two = <F as Float>::ONE + <F as Float>::ONE;
    let out = two * s;
    if Float::is_finite(out) { Ok(out) } else { Err(Error::NotPositiveDefinite { what, component }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed form in one dimension (Murphy 2007, eq. 95 with Ψ = 2β, ν = 2a):
    /// p(X) = Γ(a_N)/Γ(a) · β^a/β_N^{a_N} · √(κ/κ_N) · (2π)^{−N/2},
    /// a_N = a + N/2, β_N = β + ½Σ(xᵢ − x̄)² + κN(x̄ − m)²/(2κ_N).
    #[test]
    fn one_dimensional_marginal_matches_normal_gamma_closed_form() {
        let x = [1.0f64, 2.0, 4.0];
        let (m, kappa, psi, nu) = (0.5f64, 0.3f64, 1.2f64, 3.0f64);
        let prior = NiwPrior::new(&[m], &[psi], kappa, nu).unwrap();
        let stats = prior.stats_of(&x, 0..3);
        let got = prior.log_marginal_likelihood(&stats, MarginalCentre::SampleMean).unwrap();
        let n = 3.0f64;
        let xbar = 7.0 / 3.0;
        let ss: f64 = x.iter().map(|v| (v - xbar) * (v - xbar)).sum();
        let (a, beta) = (nu / 2.0, psi / 2.0);
        let kn = kappa + n;
        let an = a + n / 2.0;
        let bn = beta + 0.5 * ss + kappa * n * (xbar - m) * (xbar - m) / (2.0 * kn);
        let want = libm::lgamma(an) - libm::lgamma(a) + a * beta.ln() - an * bn.ln() + 0.5 * (kappa / kn).ln()
            - n / 2.0 * (2.0 * core::f64::consts::PI).ln();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }

    /// Hand-computed 2-D case: X = {(0,0), (2,0), (1,3)}, m = 0, κ = 1, Ψ = I, ν = 4.
    /// x̄ = (1, 1); Σ(x−x̄)(x−x̄)ᵀ = [[2, 0], [0, 6]]; κN/κ* = 3/4 so Ψ* = [[3.75, 0.75], [0.75, 7.75]],
    /// |Ψ*| = 28.5; κ* = 4, ν* = 7;
    /// log p = −3 log π + log Γ₂(3.5) − log Γ₂(2) + 0 − 3.5 log 28.5 + log(1/4),
    /// log Γ₂(x) = ½ log π + log Γ(x) + log Γ(x − ½): Γ₂(3.5) → log Γ(3.5) + log Γ(3) = log(15√π/8) + log 2,
    /// Γ₂(2) → log Γ(2) + log Γ(1.5) = log(√π/2).
    #[test]
    fn two_dimensional_marginal_matches_hand_computation() {
        let x = [0.0f64, 0.0, 2.0, 0.0, 1.0, 3.0];
        let prior = NiwPrior::new(&[0.0, 0.0], &[1.0, 0.0, 0.0, 1.0], 1.0, 4.0).unwrap();
        let stats = prior.stats_of(&x, 0..3);
        let got = prior.log_marginal_likelihood(&stats, MarginalCentre::SampleMean).unwrap();
        let pi = core::f64::consts::PI;
        let lg_35 = 0.5 * pi.ln() + (15.0 * pi.sqrt() / 8.0).ln() + 2.0f64.ln();
        let lg_2 = 0.5 * pi.ln() + (pi.sqrt() / 2.0).ln();
        let want = -3.0 * pi.ln() + lg_35 - lg_2 - 3.5 * 28.5f64.ln() + 0.25f64.ln();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        // A supplied centre equal to the sample mean gives the same value; another centre differs.
        let same = prior.log_marginal_likelihood(&stats, MarginalCentre::Supplied(&[1.0, 1.0])).unwrap();
        assert!((same - want).abs() < 1e-12);
        let other = prior.log_marginal_likelihood(&stats, MarginalCentre::Supplied(&[0.0, 0.0])).unwrap();
        assert!(other < want);
    }

    #[test]
    fn merged_stats_equal_stats_of_the_union_and_posterior_shrinks_to_prior() {
        let x = [0.0f64, 1.0, 2.0, 0.5, -1.0, 3.0, 4.0, 4.0];
        let prior = NiwPrior::new(&[1.0, 1.0], &[0.5, 0.1, 0.1, 0.5], 0.01, 3.0).unwrap();
        let a = prior.stats_of(&x, [0, 2]);
        let b = prior.stats_of(&x, [1, 3]);
        let u = prior.stats_of(&x, 0..4);
        let m = a.merged(&b);
        assert!((m.count() - u.count()).abs() < 1e-12);
        let (la, lb) = (
            prior.log_marginal_likelihood(&m, MarginalCentre::SampleMean).unwrap(),
            prior.log_marginal_likelihood(&u, MarginalCentre::SampleMean).unwrap(),
        );
        assert!((la - lb).abs() < 1e-10);
        let (mean, cov) = prior.posterior(&ClusterStats::new(2));
        assert_eq!(mean, vec![1.0, 1.0]);
        assert!((cov[(0, 0)] - 0.5 / 7.0).abs() < 1e-15 && (cov[(0, 1)] - 0.1 / 7.0).abs() < 1e-15);
        let (mean, _) = prior.posterior(&u);
        let xbar = u.mean(&prior);
        assert!((mean[0] - (4.0 * xbar[0] + 0.01) / 4.01).abs() < 1e-12);
    }

    #[test]
    fn bad_priors_are_typed_errors() {
        assert_eq!(NiwPrior::<f64>::new(&[], &[], 1.0, 3.0).unwrap_err(), Error::Empty { what: "prior mean" });
        assert!(matches!(NiwPrior::new(&[f64::NAN], &[1.0], 1.0, 3.0), Err(Error::NonFinite { .. })));
        assert!(matches!(NiwPrior::new(&[0.0], &[1.0], 0.0, 3.0), Err(Error::InvalidParameter { .. })));
        assert!(matches!(
            NiwPrior::new(&[0.0, 0.0], &[1.0, 0.0, 0.0, 1.0], 1.0, 1.0),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(NiwPrior::new(&[0.0], &[-1.0], 1.0, 3.0), Err(Error::NotPositiveDefinite { .. })));
        assert!(matches!(NiwPrior::new(&[0.0, 0.0], &[1.0, 0.2, 0.0, 1.0], 1.0, 3.0), Err(Error::NotSymmetric { .. })));
        assert_eq!(log_multigamma(2, 0.4), f64::INFINITY);
    }
}
