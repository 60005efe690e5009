//! Using a fitted mixture: hard and soft assignments, per-sample and mean log-likelihood,
//! and the information criteria BIC = −2·n·score + p·ln n and AIC = −2·n·score + 2p
//! (p = free parameters), as scikit-learn's `GaussianMixture`.
//!
//! `predict_into`, `predict_proba_into` and `score_samples_into` take a caller scratch of
//! [`gmm_predict_scratch`]`(n, K, D)` elements and never allocate: rows are evaluated in
//! blocks of 64, so the scratch does not grow with n. The allocating forms call them.

use super::e_step::{BLOCK, LOG_DENSITY, check_log_norm, e_step, normalise_rows, weighted_log_prob_work, work_len};
use super::model::GaussianMixture;
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::ops::argmax;
use crate::scalar::Linalg;
use crate::scalar::{Float, Real};
use crate::validate;
use alloc::vec;
use alloc::vec::Vec;

/// Scratch (in compute-type elements) of [`GaussianMixture::predict_into`],
/// [`predict_proba_into`](GaussianMixture::predict_proba_into) and
/// [`score_samples_into`](GaussianMixture::score_samples_into) for n rows, K components and D
/// dimensions: one 64-row block of K log probabilities and of row sums, and the kernel's
/// workspace (K biases and two 64-row feature-major blocks). Independent of n.
pub fn gmm_predict_scratch(_n: usize, k: usize, d: usize) -> usize {
    BLOCK.saturating_mul(k).saturating_add(BLOCK).saturating_add(work_len(k, d))
}

impl<F: Linalg> GaussianMixture<F> {
    /// Most probable component of every row: argmax_k (ln π_k + ln N(xᵢ | θ_k)), ties to the lowest k.
    ///
    /// Errors: `x` of another dimension than the model, non-finite data;
    /// [`Error::NumericalBreakdown`] when a row is so far from every component that its
    /// quadratic forms overflow (its log densities and responsibilities are not representable).
    pub fn predict<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<Vec<usize>> {
        let mut labels = vec![0; x.rows()];
        self.predict_into(x, &mut labels, &mut self.scratch_for(x))?;
        Ok(labels)
    }

    /// Posterior responsibilities (n × K, rows sum to 1).
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn predict_proba<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<Vec<F>> {
        let mut resp = vec![F::ZERO; x.rows() * self.k];
        self.predict_proba_into(x, &mut resp, &mut self.scratch_for(x))?;
        Ok(resp)
    }

    /// ln p(xᵢ) = ln Σ_k π_k N(xᵢ | θ_k) for every row.
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn score_samples<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<Vec<F>> {
        let mut out = vec![F::ZERO; x.rows()];
        self.score_samples_into(x, &mut out, &mut self.scratch_for(x))?;
        Ok(out)
    }

    fn scratch_for<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Vec<F> {
        vec![F::ZERO; gmm_predict_scratch(x.rows(), self.k, self.d)]
    }

    /// [`predict`](Self::predict) into `labels` (n) with a caller scratch of at least
    /// [`gmm_predict_scratch`]`(n, K, D)` elements; no allocation.
    ///
    /// Errors: as [`predict`](Self::predict), `labels` of the wrong length, scratch too small
    /// (all before anything is written; after a [`Error::NumericalBreakdown`] the blocks
    /// before the failing row are written).
    pub fn predict_into<T: Real<Acc = F>>(
        &self,
        x: MatRef<'_, T>,
        labels: &mut [usize],
        scratch: &mut [F],
    ) -> Result<()> {
        self.check_into(x, labels.len(), x.rows(), "labels", scratch)?;
        let (w, _, work) = self.split_scratch(scratch);
        for (block, lab) in self.blocks(x).zip(labels.chunks_mut(BLOCK)) {
            let w = &mut w[..lab.len() * self.k];
            weighted_log_prob_work(self, block, w, work);
            // A row has a finite ln p(x) iff it has no NaN and some entry above −∞.
            if w.chunks_exact(self.k).any(|r| r.iter().any(|v| v.is_nan()) || r.iter().all(|&v| v == F::NEG_INFINITY)) {
                return Err(Error::NumericalBreakdown { what: LOG_DENSITY, iteration: 1 });
            }
            for (l, r) in lab.iter_mut().zip(w.chunks_exact(self.k)) {
                *l = argmax(r).unwrap_or(0);
            }
        }
        Ok(())
    }

    /// [`predict_proba`](Self::predict_proba) into `resp` (n × K) with a caller scratch of at
    /// least [`gmm_predict_scratch`]`(n, K, D)` elements; no allocation.
    ///
    /// Errors: as [`predict_into`](Self::predict_into).
    pub fn predict_proba_into<T: Real<Acc = F>>(
        &self,
        x: MatRef<'_, T>,
        resp: &mut [F],
        scratch: &mut [F],
    ) -> Result<()> {
        self.check_into(x, resp.len(), x.rows() * self.k, "resp", scratch)?;
        let (_, lpn, work) = self.split_scratch(scratch);
        for (block, r) in self.blocks(x).zip(resp.chunks_mut(BLOCK * self.k)) {
            weighted_log_prob_work(self, block, r, work);
            normalise_rows(r, &mut lpn[..block.rows()], self.k, true);
            check_log_norm(&lpn[..block.rows()])?;
        }
        Ok(())
    }

    /// [`score_samples`](Self::score_samples) into `out` (n) with a caller scratch of at
    /// least [`gmm_predict_scratch`]`(n, K, D)` elements; no allocation.
    ///
    /// Errors: as [`predict_into`](Self::predict_into).
    pub fn score_samples_into<T: Real<Acc = F>>(
        &self,
        x: MatRef<'_, T>,
        out: &mut [F],
        scratch: &mut [F],
    ) -> Result<()> {
        self.check_into(x, out.len(), x.rows(), "out", scratch)?;
        let (w, _, work) = self.split_scratch(scratch);
        for (block, o) in self.blocks(x).zip(out.chunks_mut(BLOCK)) {
            let w = &mut w[..o.len() * self.k];
            weighted_log_prob_work(self, block, w, work);
            normalise_rows(w, o, self.k, false);
            check_log_norm(o)?;
        }
        Ok(())
    }

    fn check_into<T: Real<Acc = F>>(
        &self,
        x: MatRef<'_, T>,
        found: usize,
        expected: usize,
        what: &'static str,
        scratch: &[F],
    ) -> Result<()> {
        if x.cols() != self.d {
            return Err(Error::ShapeMismatch { what: "x", expected: x.rows() * self.d, found: x.as_slice().len() });
        }
        if found != expected {
            return Err(Error::ShapeMismatch { what, expected, found });
        }
        validate::scratch(scratch, gmm_predict_scratch(x.rows(), self.k, self.d))?;
        validate::finite(x.as_slice(), "x")
    }

    /// Scratch → (one block of weighted log probabilities, one block of row sums, kernel work).
    fn split_scratch<'s>(&self, scratch: &'s mut [F]) -> (&'s mut [F], &'s mut [F], &'s mut [F]) {
        let (w, rest) = scratch.split_at_mut(BLOCK * self.k);
        let (lpn, work) = rest.split_at_mut(BLOCK);
        (w, lpn, work)
    }

    /// The rows of `x` in blocks of [`BLOCK`].
    fn blocks<'x, T: Real<Acc = F>>(&self, x: MatRef<'x, T>) -> impl Iterator<Item = MatRef<'x, T>> {
        let d = self.d;
        x.as_slice().chunks(BLOCK * d).filter_map(move |c| MatRef::new(c, c.len() / d, d, "x").ok())
    }

    /// Mean log-likelihood (1/n) Σᵢ ln p(xᵢ) (finite: summed as Σᵢ ln p(xᵢ)/n when the plain
    /// sum would overflow, see [`crate::ops::mean`]).
    ///
    /// Errors: as [`predict`](Self::predict).
    pub fn score<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<F> {
        let mut resp = vec![F::ZERO; x.rows() * self.k];
        let mut lpn = vec![F::ZERO; x.rows()];
        e_step(self, x, &mut resp, &mut lpn)
    }

    /// Bayesian information criterion −2·n·score(x) + p·ln n (lower is better).
    ///
    /// Errors: as [`predict`](Self::predict); [`Error::NumericalBreakdown`] when the criterion
    /// overflows (log densities near the type's −MAX).
    pub fn bic<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<F> {
        let n = <F as Float>::from_usize(x.rows());
        self.criterion(x, <F as Float>::from_usize(self.n_parameters()) * Float::ln(n))
    }

    /// Akaike information criterion −2·n·score(x) + 2p (lower is better).
    ///
    /// Errors: as [`bic`](Self::bic).
    pub fn aic<T: Real<Acc = F>>(&self, x: MatRef<'_, T>) -> Result<F> {
        self.criterion(x, <F as Float>::from_usize(2 * self.n_parameters()))
    }

    /// −2·n·score(x) + `penalty`, refused when not finite.
    fn criterion<T: Real<Acc = F>>(&self, x: MatRef<'_, T>, penalty: F) -> Result<F> {
        let n = <F as Float>::from_usize(x.rows());
        let c = <F as Float>::from_f64(-2.0) * self.score(x)? * n + penalty;
        validate::finite_output(&[c], "gmm information criterion", 1)?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mixture::CovarianceType;

    #[test]
    fn scratch_entries_match_the_allocating_forms_and_check_their_buffers() {
        // 150 rows (two whole 64-row blocks and a partial one), K = 3, D = 2, every layout.
        let x: Vec<f64> = (0..300).map(|i| ((i * 37 % 101) as f64) * 0.1 - 5.0 + (i % 2) as f64 * 3.0).collect();
        let xm = MatRef::new(&x, 150, 2, "x").unwrap();
        let (w, m) = ([0.2, 0.5, 0.3], [-2.0, 0.0, 0.5, 1.0, 3.0, -1.0]);
        for (cov, c) in [
            (CovarianceType::Full, &[1.0, 0.3, 0.3, 2.0, 0.5, 0.0, 0.0, 0.5, 3.0, -1.0, -1.0, 1.0][..]),
            (CovarianceType::Tied, &[1.5, 0.2, 0.2, 1.0][..]),
            (CovarianceType::Diag, &[1.0, 2.0, 0.5, 0.7, 3.0, 1.0][..]),
            (CovarianceType::Spherical, &[1.0, 0.4, 2.0][..]),
        ] {
            let g = GaussianMixture::from_covariances(cov, &w, &m, c, 2).unwrap();
            let mut scratch = vec![f64::NAN; gmm_predict_scratch(150, 3, 2)];
            let mut labels = vec![9usize; 150];
            g.predict_into(xm, &mut labels, &mut scratch).unwrap();
            let mut resp = vec![0.0; 450];
            g.predict_proba_into(xm, &mut resp, &mut scratch).unwrap();
            let mut lpn = vec![0.0; 150];
            g.score_samples_into(xm, &mut lpn, &mut scratch).unwrap();
            // Reference: the whole-matrix E-step.
            let (mut r2, mut l2) = (vec![0.0; 450], vec![0.0; 150]);
            let mean = e_step(&g, xm, &mut r2, &mut l2).unwrap();
            assert_eq!((resp.clone(), lpn.clone()), (r2, l2), "{cov:?}");
            assert_eq!(labels, resp.chunks_exact(3).map(|r| argmax(r).unwrap()).collect::<Vec<_>>());
            assert_eq!(g.score(xm).unwrap(), mean);
            assert_eq!((g.predict(xm).unwrap(), g.score_samples(xm).unwrap()), (labels, lpn));
        }
        let g = GaussianMixture::from_covariances(CovarianceType::Spherical, &w, &m, &[1.0, 1.0, 1.0], 2).unwrap();
        let need = gmm_predict_scratch(150, 3, 2);
        let mut small = vec![0.0; need - 1];
        let mut labels = vec![7usize; 150];
        assert_eq!(
            g.predict_into(xm, &mut labels, &mut small),
            Err(Error::ScratchTooSmall { needed: need, found: need - 1 })
        );
        assert!(labels.iter().all(|&l| l == 7));
        let mut scratch = vec![0.0; need];
        assert!(matches!(g.score_samples_into(xm, &mut [0.0; 3], &mut scratch), Err(Error::ShapeMismatch { .. })));
        let x3 = MatRef::new(&x[..300], 100, 3, "x").unwrap();
        assert!(matches!(g.predict_proba_into(x3, &mut [0.0; 300], &mut scratch), Err(Error::ShapeMismatch { .. })));
        assert_eq!(gmm_predict_scratch(10, 3, 2), gmm_predict_scratch(1_000_000, 3, 2));
    }
}
