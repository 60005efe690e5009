//! Using a fitted mixture: hard and soft assignments, per-sample and mean log-likelihood,
//! and the information criteria BIC = −2·n·score + p·ln n and AIC = −2·n·score + 2p
//! (p = free parameters), as scikit-learn's `GaussianMixture`.

use super::e_step::{e_step, weighted_log_prob};
use super::model::GaussianMixture;
use crate::error::Result;
use crate::matrix::MatRef;
use crate::ops::argmax;
use crate::scalar::{Float, Real};
use alloc::vec;
use alloc::vec::Vec;
use nalgebra::RealField;

impl<F: Float + RealField> GaussianMixture<F> {
    /// Most probable component of every row: argmax_k (ln π_k + ln N(xᵢ | θ_k)), ties to the lowest k.
    ///
    /// Errors: `x` of another dimension than the model, non-finite data.
    pub fn predict<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<Vec<usize>> {
        let mut w = vec![F::ZERO; x.rows() * self.k];
        weighted_log_prob(self, x, &mut w)?;
        Ok(w.chunks_exact(self.k).map(|r| argmax(r).unwrap_or(0)).collect())
    }

    /// Posterior responsibilities (n × K, rows sum to 1).
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn predict_proba<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<Vec<F>> {
        let mut resp = vec![F::ZERO; x.rows() * self.k];
        let mut lpn = vec![F::ZERO; x.rows()];
        e_step(self, x, &mut resp, &mut lpn)?;
        Ok(resp)
    }

    /// ln p(xᵢ) = ln Σ_k π_k N(xᵢ | θ_k) for every row.
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn score_samples<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<Vec<F>> {
        let mut resp = vec![F::ZERO; x.rows() * self.k];
        let mut lpn = vec![F::ZERO; x.rows()];
        e_step(self, x, &mut resp, &mut lpn)?;
        Ok(lpn)
    }

    /// Mean log-likelihood (1/n) Σᵢ ln p(xᵢ).
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn score<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<F> {
        let mut resp = vec![F::ZERO; x.rows() * self.k];
        let mut lpn = vec![F::ZERO; x.rows()];
        e_step(self, x, &mut resp, &mut lpn)
    }

    /// Bayesian information criterion −2·n·score(x) + p·ln n (lower is better).
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn bic<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<F> {
        let n = <F as Float>::from_usize(x.rows());
        let p = <F as Float>::from_usize(self.n_parameters());
        Ok(<F as Float>::from_f64(-2.0) * self.score(x)? * n + p * Float::ln(n))
    }

    /// Akaike information criterion −2·n·score(x) + 2p (lower is better).
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn aic<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<F> {
        let n = <F as Float>::from_usize(x.rows());
        let p = <F as Float>::from_usize(self.n_parameters());
        Ok(<F as Float>::from_f64(-2.0) * self.score(x)? * n + <F as Float>::from_f64(2.0) * p)
    }
}
