//! A Gaussian mixture's parameters: weights π (K), means μ (K × D), covariances in the
//! layout of its [`CovarianceType`], and the derived Cholesky factors of the precisions
//! (scikit-learn's `precisions_cholesky_`) with their log-determinants, which every density
//! evaluation uses.

use super::covariance_type::CovarianceType;
use super::precision;
use crate::error::{Error, Result};
use crate::scalar::Float;
use crate::scalar::Linalg;
use crate::validate;
use alloc::vec::Vec;

/// ½ ln 2π.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// A Gaussian mixture in the compute type `F`.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianMixture<F> {
    pub(crate) k: usize,
    pub(crate) d: usize,
    pub(crate) covariance_type: CovarianceType,
    pub(crate) weights: Vec<F>,
    pub(crate) means: Vec<F>,
    pub(crate) covariances: Vec<F>,
    /// Full: K × D × D upper-triangular U_k; tied: D × D; diag: K × D; spherical: K.
    pub(crate) precisions_cholesky: Vec<F>,
    /// log det U_k per component (= −½ log det Σ_k).
    pub(crate) log_det_chol: Vec<F>,
}

/// Which representation of the covariances is given.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Spread<'a, F> {
    Covariances(&'a [F]),
    Precisions(&'a [F]),
}

impl<F: Linalg> GaussianMixture<F> {
    /// A mixture from weights (K, ≥ 0, summing to 1 within 1e-6), means (K × D) and
    /// covariances in `covariance_type`'s layout.
    ///
    /// Errors: wrong lengths, non-finite values, negative weights or a sum ≠ 1, an
    /// asymmetric full/tied covariance, or a covariance that is not positive definite
    /// ([`Error::NotPositiveDefinite`] with the component index; 0 for tied).
    pub fn from_covariances(
        covariance_type: CovarianceType,
        weights: &[F],
        means: &[F],
        covariances: &[F],
        d: usize,
    ) -> Result<Self> {
        check_weights(weights)?;
        Self::from_parts(covariance_type, weights, means, Spread::Covariances(covariances), d)
    }

    /// A mixture from weights, means and precisions (inverse covariances; for diag and
    /// spherical the inverse variances), as scikit-learn's `precisions_init`.
    ///
    /// Errors: as [`from_covariances`](Self::from_covariances); a precision so small that
    /// the covariance overflows is also [`Error::NotPositiveDefinite`] (as for diag/spherical).
    pub fn from_precisions(
        covariance_type: CovarianceType,
        weights: &[F],
        means: &[F],
        precisions: &[F],
        d: usize,
    ) -> Result<Self> {
        check_weights(weights)?;
        Self::from_parts(covariance_type, weights, means, Spread::Precisions(precisions), d)
    }

    /// Builds the model without checking that the weights sum to one (the initialisation
    /// uses nₖ / n, which scikit-learn does not renormalise).
    pub(crate) fn from_parts(
        covariance_type: CovarianceType,
        weights: &[F],
        means: &[F],
        spread: Spread<'_, F>,
        d: usize,
    ) -> Result<Self> {
        let k = weights.len();
        validate::non_empty(weights, "weights")?;
        if d == 0 {
            return Err(Error::Empty { what: "means" });
        }
        validate::len(means, k * d, "means")?;
        validate::finite(weights, "weights")?;
        validate::nonnegative(weights, false, "weights")?;
        validate::finite(means, "means")?;
        let clen = covariance_type.covariance_len(k, d);
        let (values, what) = match spread {
            Spread::Covariances(c) => (c, "covariances"),
            Spread::Precisions(p) => (p, "precisions"),
        };
        validate::len(values, clen, what)?;
        validate::finite(values, what)?;
        let not_pd = |component| Error::NotPositiveDefinite { what, component };
        let mut covariances = Vec::with_capacity(clen);
        let mut factors = Vec::with_capacity(clen);
        let mut log_det_chol = Vec::with_capacity(k);
        if covariance_type.is_matrix() {
            for (c, m) in values.chunks_exact(d * d).enumerate() {
                if let Some((row, col)) = precision::asymmetry(m, d) {
                    return Err(Error::NotSymmetric { what, row, col });
                }
                let (u, cov) = match spread {
                    Spread::Covariances(_) => (precision::from_covariance(m, d).ok_or(not_pd(c))?, m.to_vec()),
                    Spread::Precisions(_) => {
                        let u = precision::from_precision(m, d).ok_or(not_pd(c))?;
                        let cov = precision::covariance_from_factor(&u, d).ok_or(not_pd(c))?;
                        (u, cov)
                    }
                };
                let ld = precision::log_det_factor(&u, d);
                covariances.extend_from_slice(&cov);
                factors.extend_from_slice(&u);
                log_det_chol.push(ld);
            }
            if covariance_type == CovarianceType::Tied {
                let ld = log_det_chol.first().copied().unwrap_or(F::ZERO);
                log_det_chol = alloc::vec![ld; k];
            }
        } else {
            for (i, &v) in values.iter().enumerate() {
                let component = if covariance_type == CovarianceType::Diag { i / d } else { i };
                if v <= F::ZERO {
                    return Err(not_pd(component));
                }
                let (cov, u) = match spread {
                    Spread::Covariances(_) => (v, F::ONE / Float::sqrt(v)),
                    Spread::Precisions(_) => (F::ONE / v, Float::sqrt(v)),
                };
                if !Float::is_finite(u) || !Float::is_finite(cov) || u <= F::ZERO {
                    return Err(not_pd(component));
                }
                covariances.push(cov);
                factors.push(u);
            }
            for c in 0..k {
                let ld = match covariance_type {
                    CovarianceType::Diag => factors[c * d..(c + 1) * d].iter().map(|&u| Float::ln(u)).sum(),
                    _ => <F as Float>::from_usize(d) * Float::ln(factors[c]),
                };
                log_det_chol.push(ld);
            }
        }
        Ok(Self {
            k,
            d,
            covariance_type,
            weights: weights.to_vec(),
            means: means.to_vec(),
            covariances,
            precisions_cholesky: factors,
            log_det_chol,
        })
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        self.k
    }
    /// Dimension D.
    pub fn dim(&self) -> usize {
        self.d
    }
    /// Covariance layout.
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }
    /// Mixture weights π (K).
    pub fn weights(&self) -> &[F] {
        &self.weights
    }
    /// Means (K × D, row-major).
    pub fn means(&self) -> &[F] {
        &self.means
    }
    /// Covariances in the layout of [`covariance_type`](Self::covariance_type).
    pub fn covariances(&self) -> &[F] {
        &self.covariances
    }
    /// Cholesky factors of the precisions (scikit-learn's `precisions_cholesky_`): upper
    /// triangular U with U Uᵀ = Σ⁻¹ for full (K × D × D) and tied (D × D); 1/σ for diag (K × D)
    /// and spherical (K).
    pub fn precisions_cholesky(&self) -> &[F] {
        &self.precisions_cholesky
    }
    /// log det of each component's precision factor (= −½ log det Σ_k), K values.
    pub fn log_det_precisions_cholesky(&self) -> &[F] {
        &self.log_det_chol
    }
    /// The constant of component `c`'s weighted log-density,
    /// ln π_c − ½ D ln 2π + ln det U_c (U_c its precision Cholesky factor), so that
    /// ln π_c N(x | μ_c, Σ_c) = log_constant(c) − ½ ‖(x − μ_c) U_c‖². `c` < K.
    pub fn log_constant(&self, c: usize) -> F {
        let c0 = <F as Float>::from_f64(-HALF_LN_2PI * self.d as f64);
        Float::ln(self.weights[c]) + c0 + self.log_det_chol[c]
    }
    /// Precisions Σ⁻¹ in the covariance layout (U Uᵀ for full/tied, 1/σ² otherwise).
    pub fn precisions(&self) -> Vec<F> {
        if self.covariance_type.is_matrix() {
            let d = self.d;
            let mut out = Vec::with_capacity(self.precisions_cholesky.len());
            for u in self.precisions_cholesky.chunks_exact(d * d) {
                for i in 0..d {
                    for j in 0..d {
                        let s: F = (0..d).map(|t| u[i * d + t] * u[j * d + t]).sum();
                        out.push(s);
                    }
                }
            }
            out
        } else {
            self.precisions_cholesky.iter().map(|&u| u * u).collect()
        }
    }
    /// Number of free parameters (for [`bic`](Self::bic) and [`aic`](Self::aic)).
    pub fn n_parameters(&self) -> usize {
        self.covariance_type.n_parameters(self.k, self.d)
    }
}

/// Weights must be finite, ≥ 0 and sum to 1 within 1e-6 (scikit-learn's `_check_weights`).
fn check_weights<F: Float>(weights: &[F]) -> Result<()> {
    validate::non_empty(weights, "weights")?;
    let total = validate::nonnegative(weights, false, "weights")?.to_f64();
    if (total - 1.0).abs() > 1e-6 {
        return Err(Error::MassMismatch { what: "weights", found: total, expected: 1.0 });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_validate() {
        let w = [0.5f64, 0.5];
        let m = [0.0, 0.0, 1.0, 1.0];
        let full = [1.0, 0.0, 0.0, 1.0, 2.0, 0.5, 0.5, 1.0];
        let g = GaussianMixture::from_covariances(CovarianceType::Full, &w, &m, &full, 2).unwrap();
        assert_eq!(g.n_components(), 2);
        let p = g.precisions();
        let g2 = GaussianMixture::from_precisions(CovarianceType::Full, &w, &m, &p, 2).unwrap();
        for (a, b) in g.covariances().iter().zip(g2.covariances()) {
            assert!((a - b).abs() < 1e-12);
        }
        let bad = [1.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 1.0];
        assert_eq!(
            GaussianMixture::from_covariances(CovarianceType::Full, &w, &m, &bad, 2).unwrap_err(),
            Error::NotPositiveDefinite { what: "covariances", component: 1 }
        );
        let asym = [1.0, 0.1, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
        assert!(matches!(
            GaussianMixture::from_covariances(CovarianceType::Full, &w, &m, &asym, 2),
            Err(Error::NotSymmetric { .. })
        ));
        assert!(matches!(
            GaussianMixture::from_covariances(CovarianceType::Diag, &w, &m, &[1.0, 1.0, 1.0, 0.0], 2),
            Err(Error::NotPositiveDefinite { component: 1, .. })
        ));
        assert!(matches!(
            GaussianMixture::from_covariances(CovarianceType::Spherical, &[0.5, 0.6], &m, &[1.0, 1.0], 2),
            Err(Error::MassMismatch { .. })
        ));
        assert!(GaussianMixture::from_covariances(CovarianceType::Spherical, &w, &m[..3], &[1.0, 1.0], 2).is_err());
        assert!(
            GaussianMixture::from_covariances(CovarianceType::Tied, &w, &m, &[1.0, f64::NAN, 0.0, 1.0], 2).is_err()
        );
        let t = GaussianMixture::from_covariances(CovarianceType::Tied, &w, &m, &[2.0, 0.0, 0.0, 2.0], 2).unwrap();
        assert!((t.log_det_precisions_cholesky()[1] + 0.5 * 4.0f64.ln()).abs() < 1e-14);
    }
}
