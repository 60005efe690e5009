//! Diag/spherical Gaussian-mixture inference (E-step, `predict`, `predict_proba`) with fixed
//! K and D, for parameters fitted elsewhere (Dempster, Laird & Rubin 1977; scikit-learn's
//! `GaussianMixture` parameterisation). With precision factors u_kj = 1/σ_kj,
//!
//! ```text
//! ln p(x, k) = ln π_k + Σ_j ln u_kj − (D/2) ln 2π − ½ Σ_j ((x_j − μ_kj) u_kj)²
//! r_k(x)     = exp(ln p(x, k) − m − ln Σ_l exp(ln p(x, l) − m)),   m = max_l ln p(x, l)
//! ```
//!
//! (max-shifted log-sum-exp), evaluated in the same order as [`crate::mixture`], so the
//! numbers agree with `GaussianMixture::predict_proba` on the same parameters.

use super::covariance::FixedCovariance;
use super::gmm_blob::{HEADER_LEN, MAGIC, VERSION, blob_len, variance_count};
use crate::error::{Error, Result};
use crate::ops::argmax;
use crate::scalar::{Float, Real};
use crate::validate;

/// A diag or spherical Gaussian mixture with K components in D dimensions, compute type `F`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedGmm<F, const K: usize, const D: usize> {
    covariance: FixedCovariance,
    weights: [F; K],
    means: [[F; D]; K],
    /// u_kj = 1/σ_kj (spherical: the same u_k in every column).
    precisions_cholesky: [[F; D]; K],
    /// ln π_k + Σ_j ln u_kj − (D/2) ln 2π.
    bias: [F; K],
}

impl<F: Float, const K: usize, const D: usize> FixedGmm<F, K, D> {
    /// A mixture from weights π (≥ 0, summing to 1 within 1e-4), means and variances
    /// (diag: `variances[k][j]`; spherical: `variances[k][0]`, the other columns ignored).
    ///
    /// Errors: K = 0 or D = 0 ([`Error::Empty`]), non-finite values, negative weights,
    /// weights not summing to 1 ([`Error::MassMismatch`]), a variance ≤ 0
    /// ([`Error::NotPositiveDefinite`] with the component).
    pub fn new(
        covariance: FixedCovariance,
        weights: [F; K],
        means: [[F; D]; K],
        variances: [[F; D]; K],
    ) -> Result<Self> {
        if K == 0 || D == 0 {
            return Err(Error::Empty { what: "means" });
        }
        validate::finite(&weights, "weights")?;
        let total = validate::nonnegative(&weights, false, "weights")?;
        if Float::abs(total.to_f64() - 1.0) > 1e-4 {
            return Err(Error::MassMismatch { what: "weights", found: total.to_f64(), expected: 1.0 });
        }
        validate::finite(means.as_flattened(), "means")?;
        let used = if covariance == FixedCovariance::Diag { D } else { 1 };
        let mut precisions_cholesky = [[F::ZERO; D]; K];
        let mut bias = [F::ZERO; K];
        let half_log_2pi = F::from_f64(0.5 * libm::log(2.0 * core::f64::consts::PI));
        for (component, ((row, u), (b, &w))) in
            variances.iter().zip(precisions_cholesky.iter_mut()).zip(bias.iter_mut().zip(&weights)).enumerate()
        {
            for (index, &v) in row[..used].iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::NonFinite { what: "variances", index: component * used + index });
                }
                if v <= F::ZERO {
                    return Err(Error::NotPositiveDefinite { what: "variances", component });
                }
            }
            let mut log_det = F::ZERO;
            for (j, uj) in u.iter_mut().enumerate() {
                let v = if covariance == FixedCovariance::Diag { row[j] } else { row[0] };
                *uj = F::ONE / Float::sqrt(v);
                if !uj.is_finite() || *uj <= F::ZERO {
                    return Err(Error::NotPositiveDefinite { what: "variances", component });
                }
                log_det += Float::ln(*uj);
            }
            *b = Float::ln(w) + log_det - F::from_usize(D) * half_log_2pi;
        }
        Ok(Self { covariance, weights, means, precisions_cholesky, bias })
    }

    /// Loads a mixture from the byte format of [`super::gmm_blob`] (f32 parameters widened to
    /// `F`). The blob's K and D must equal the type's.
    ///
    /// Errors: wrong magic ([`Error::InvalidParameter`] `magic`), unknown version
    /// (`version`) or covariance type (`covariance_type`), K or D other than the type's
    /// ([`Error::ShapeMismatch`] `k` / `d`), a blob of the wrong length
    /// ([`Error::ShapeMismatch`] `blob`), then everything [`new`](Self::new) checks.
    pub fn from_bytes(blob: &[u8]) -> Result<Self> {
        let header = blob.get(..HEADER_LEN).ok_or(Error::ShapeMismatch {
            what: "blob",
            expected: HEADER_LEN,
            found: blob.len(),
        })?;
        if header[..4] != MAGIC {
            let found = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
            return Err(Error::InvalidParameter { name: "magic", value: found as f64 });
        }
        if header[4] != VERSION {
            return Err(Error::InvalidParameter { name: "version", value: header[4] as f64 });
        }
        let covariance = match header[5] {
            1 => FixedCovariance::Diag,
            2 => FixedCovariance::Spherical,
            t => return Err(Error::InvalidParameter { name: "covariance_type", value: t as f64 }),
        };
        let k = u16::from_le_bytes([header[6], header[7]]) as usize;
        let d = u16::from_le_bytes([header[8], header[9]]) as usize;
        if k != K {
            return Err(Error::ShapeMismatch { what: "k", expected: K, found: k });
        }
        if d != D {
            return Err(Error::ShapeMismatch { what: "d", expected: D, found: d });
        }
        let expected = blob_len(covariance, K, D);
        if blob.len() != expected {
            return Err(Error::ShapeMismatch { what: "blob", expected, found: blob.len() });
        }
        let mut values = blob[HEADER_LEN..]
            .chunks_exact(4)
            .map(|c| F::from_f64(f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64));
        let mut next = || values.next().unwrap_or(F::ZERO);
        let weights: [F; K] = core::array::from_fn(|_| next());
        let means: [[F; D]; K] = core::array::from_fn(|_| core::array::from_fn(|_| next()));
        let per_component = variance_count(covariance, K, D) / K;
        let variances: [[F; D]; K] = core::array::from_fn(|_| {
            let mut row = [F::ZERO; D];
            for v in row[..per_component].iter_mut() {
                *v = next();
            }
            row
        });
        Self::new(covariance, weights, means, variances)
    }

    /// The covariance layout.
    pub fn covariance(&self) -> FixedCovariance {
        self.covariance
    }

    /// Mixture weights π.
    pub fn weights(&self) -> &[F; K] {
        &self.weights
    }

    /// Means μ.
    pub fn means(&self) -> &[[F; D]; K] {
        &self.means
    }

    /// ln π_k + ln N(x | μ_k, Σ_k) for one point (no validation). Both layouts use
    /// q = Σ_j ((x_j − μ_kj) u_kj)² (spherical: u_kj = u_k): the spherical shortcut
    /// ‖x − μ_k‖² u_k² overflowed u_k² for a tiny variance and gave 0·∞ = NaN at x = μ_k (fuzz
    /// finding).
    fn weighted_log_prob<T: Real<Acc = F>>(&self, x: &[T; D]) -> [F; K] {
        let half = F::from_f64(0.5);
        core::array::from_fn(|k| {
            let (mu, u) = (&self.means[k], &self.precisions_cholesky[k]);
            let q = x.iter().zip(mu).zip(u).fold(F::ZERO, |q, ((&xj, &mj), &uj)| {
                let t = (xj.to_acc() - mj) * uj;
                q + t * t
            });
            self.bias[k] - half * q
        })
    }

    /// E-step of the N points `x`: responsibilities `resp` (rows sum to 1) and
    /// `log_prob_norm` = ln p(xᵢ); returns the mean of ln p(xᵢ).
    ///
    /// Each row is normalised from the shifted terms e_k = exp(w_k − m) themselves,
    /// r_k = e_k / Σ_l e_l, not as exp(w_k − lse): the latter loses ε·|lse| to cancellation,
    /// so rows summed to 0.998 in f32, or to 2 when |lse| hid ln Σ e (fuzz findings).
    ///
    /// Errors: non-finite `x` ([`Error::NonFinite`], outputs untouched);
    /// [`Error::NumericalBreakdown`] when some point's every ln p(x, k) is −∞ (it is so far
    /// from every component that the quadratic forms overflow), so ln p(xᵢ) and its
    /// responsibilities are not representable (outputs written for the other points).
    pub fn e_step<T: Real<Acc = F>, const N: usize>(
        &self,
        x: &[[T; D]; N],
        resp: &mut [[F; K]; N],
        log_prob_norm: &mut [F; N],
    ) -> Result<F> {
        validate::finite(x.as_flattened(), "x")?;
        let mut total = F::ZERO;
        let mut far = false;
        for ((xi, ri), li) in x.iter().zip(resp.iter_mut()).zip(log_prob_norm.iter_mut()) {
            let w = self.weighted_log_prob(xi);
            let m = w.iter().fold(F::NEG_INFINITY, |m, &v| m.max(v));
            if !m.is_finite() {
                far = true;
                continue;
            }
            let e: [F; K] = core::array::from_fn(|k| (w[k] - m).exp());
            let s = e.iter().copied().sum::<F>();
            for (r, &ek) in ri.iter_mut().zip(&e) {
                *r = ek / s;
            }
            *li = m + s.ln();
            total += *li;
        }
        if far {
            return Err(Error::NumericalBreakdown { what: "gmm log density", iteration: 1 });
        }
        let n = F::from_usize(N.max(1));
        // The plain sum of finite terms may overflow; the mean of the scaled terms cannot.
        Ok(if total.is_finite() { total / n } else { log_prob_norm.iter().map(|&l| l / n).sum() })
    }

    /// Posterior responsibilities of the N points (rows sum to 1 within K rounding errors).
    ///
    /// Errors: as [`e_step`](Self::e_step).
    pub fn predict_proba<T: Real<Acc = F>, const N: usize>(
        &self,
        x: &[[T; D]; N],
        resp: &mut [[F; K]; N],
    ) -> Result<()> {
        let mut lpn = [F::ZERO; N];
        self.e_step(x, resp, &mut lpn).map(|_| ())
    }

    /// Most probable component of each point (ties to the lowest index).
    ///
    /// Errors: as [`e_step`](Self::e_step).
    pub fn predict<T: Real<Acc = F>, const N: usize>(&self, x: &[[T; D]; N], labels: &mut [usize; N]) -> Result<()> {
        validate::finite(x.as_flattened(), "x")?;
        for (xi, l) in x.iter().zip(labels.iter_mut()) {
            *l = argmax(&self.weighted_log_prob(xi)).unwrap_or(0);
        }
        Ok(())
    }
}
