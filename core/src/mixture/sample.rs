//! Drawing from a fitted mixture (scikit-learn's `GaussianMixture.sample`): component counts
//! from a multinomial over π, then for component k, x = μ_k + U_k⁻ᵀ z with z ~ N(0, I) and
//! U_k the precision factor (so Cov x = U_k⁻ᵀ U_k⁻¹ = Σ_k). Rows come grouped by component.

use super::covariance_type::CovarianceType;
use super::model::GaussianMixture;
use crate::draw::Draw;
use crate::error::{Error, Result};
use crate::scalar::Float;
use crate::scalar::Linalg;
use alloc::vec;
use alloc::vec::Vec;

impl<F: Linalg> GaussianMixture<F> {
    /// `n` seeded draws: (samples n × D, component of each sample).
    ///
    /// Errors: `n` = 0 ([`Error::InvalidParameter`]).
    pub fn sample(&self, n: usize, seed: u64) -> Result<(Vec<F>, Vec<usize>)> {
        if n == 0 {
            return Err(Error::InvalidParameter { name: "n_samples", value: 0.0 });
        }
        let (k, d) = (self.k, self.d);
        let mut draw = Draw::new(seed);
        // Multinomial counts by inverse-CDF draws.
        let total: f64 = self.weights.iter().map(|w| Float::to_f64(*w)).sum();
        let mut counts = vec![0usize; k];
        for _ in 0..n {
            let u = draw.uniform() * total;
            let mut acc = 0.0;
            let mut c = k - 1;
            for (j, w) in self.weights.iter().enumerate() {
                acc += Float::to_f64(*w);
                if u < acc {
                    c = j;
                    break;
                }
            }
            counts[c] += 1;
        }
        let mut out = Vec::with_capacity(n * d);
        let mut labels = Vec::with_capacity(n);
        let mut z = vec![F::ZERO; d];
        let mut y = vec![F::ZERO; d];
        for (c, &m) in counts.iter().enumerate() {
            let mu = &self.means[c * d..(c + 1) * d];
            for _ in 0..m {
                for v in z.iter_mut() {
                    *v = <F as Float>::from_f64(draw.normal());
                }
                match self.covariance_type {
                    CovarianceType::Full | CovarianceType::Tied => {
                        let off = if self.covariance_type == CovarianceType::Full { c * d * d } else { 0 };
                        let u = &self.precisions_cholesky[off..off + d * d];
                        // Solve Uᵀ y = z (Uᵀ lower triangular): forward substitution.
                        for i in 0..d {
                            let mut s = z[i];
                            for j in 0..i {
                                s -= u[j * d + i] * y[j];
                            }
                            y[i] = s / u[i * d + i];
                        }
                    }
                    CovarianceType::Diag => {
                        for j in 0..d {
                            y[j] = z[j] / self.precisions_cholesky[c * d + j];
                        }
                    }
                    CovarianceType::Spherical => {
                        for j in 0..d {
                            y[j] = z[j] / self.precisions_cholesky[c];
                        }
                    }
                }
                out.extend(mu.iter().zip(&y).map(|(&a, &b)| a + b));
                labels.push(c);
            }
        }
        Ok((out, labels))
    }
}
