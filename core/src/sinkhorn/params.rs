//! Parameters of the Sinkhorn solvers, each with its defaults and its validity check.

use super::kind::ScoreKind;
use crate::error::{Error, Result};
use crate::scalar::Float;
use crate::validate::{nonnegative_param, positive_param};

params! {
    /// Balanced solvers ([`super::sinkhorn_scaling`], [`super::sinkhorn_log`]).
    ///
    /// Stopping follows POT: after iterations 1, 1 + `check_every`, 1 + 2·`check_every`, … the
    /// error ‖Qᵀ1 − b‖₂ (the marginal the last update did not fix) is compared with `tol`; the run
    /// stops as soon as it is below. `tol = 0` gives a fixed-iteration run that never claims
    /// convergence.
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct SinkhornParams {
        /// Entropic weight ε > 0, in the units of `x`.
        pub eps: f64,
        /// Whether `x` is a cost or a similarity (no default would be safe: it is explicit).
        pub kind: ScoreKind,
        /// Iteration budget (≥ 1). Default 1000 (POT `numItermax`).
        pub max_iter: usize,
        /// Stop threshold on ‖Qᵀ1 − b‖₂ (≥ 0). Default 1e-9 (POT `stopThr`).
        pub tol: f64,
        /// Check the error every this many iterations (≥ 1). Default 10.
        pub check_every: usize,
    }
}

impl Default for SinkhornParams {
    fn default() -> Self {
        Self { eps: 0.05, kind: ScoreKind::Cost, max_iter: 1000, tol: 1e-9, check_every: 10 }
    }
}

impl SinkhornParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        positive_param(self.eps, "eps")?;
        nonnegative_param(self.tol, "tol")?;
        count(self.max_iter, "max_iter")?;
        count(self.check_every, "check_every")
    }
}

params! {
    /// SwAV codes ([`super::swav_codes`], [`super::swav_assign`]): SwAV `distributed_sinkhorn`.
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct SwavParams {
        /// ε (SwAV default 0.05). The scores are similarities: kernel exp(S/ε).
        pub eps: f64,
        /// Number of Sinkhorn iterations T, fixed, no convergence test (SwAV default 3, SIGMA 10).
        pub iterations: usize,
        /// Subtract the maximum score before exp (default true). SwAV itself does not (|S| ≤ 1);
        /// the shift cancels in the first normalisation, so it only changes rounding. Required for
        /// unbounded scores: without it, `exp(S/ε)` may overflow and the call fails up front.
        /// When sharded, the shift is the mean of the shard maxima (all-reduced), identical on
        /// every shard.
        pub max_shift: bool,
        /// Queue support: write codes only for the last `m` sample rows (the current batch after a
        /// queue of earlier embeddings). `None`: all rows.
        pub keep_last: Option<usize>,
    }
}

impl Default for SwavParams {
    fn default() -> Self {
        Self { eps: 0.05, iterations: 3, max_shift: true, keep_last: None }
    }
}

impl SwavParams {
    /// Checks every field against the number of sample rows `b` of this shard.
    pub fn validate(&self, b: usize) -> Result<()> {
        positive_param(self.eps, "eps")?;
        count(self.iterations, "iterations")?;
        match self.keep_last {
            Some(m) if m == 0 || m > b => Err(Error::InvalidParameter { name: "keep_last", value: m as f64 }),
            _ => Ok(()),
        }
    }
}

params! {
    /// SwAV's swapped-prediction loss ([`super::swav_loss`]), `main_swav.py` l. 289–315.
    ///
    /// The scores of all `views` crops are stacked view-major ((V·B) × K, as SwAV's `output`); the
    /// codes are given for the first `assigned` crops (SwAV's `crops_for_assign` = [0, 1]).
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct SwavLossParams {
        /// Softmax temperature τ > 0 of the predictions softmax(z/τ) (SwAV default 0.1).
        pub temperature: f64,
        /// Number of crops V ≥ 2 whose scores are stacked (default 2: the two 224-px views).
        pub views: usize,
        /// Number of crops C, 1 ≤ C ≤ V, with codes: crops 0..C (default 2).
        pub assigned: usize,
    }
}

impl Default for SwavLossParams {
    fn default() -> Self {
        Self { temperature: 0.1, views: 2, assigned: 2 }
    }
}

impl SwavLossParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        positive_param(self.temperature, "temperature")?;
        if self.views < 2 {
            return Err(Error::InvalidParameter { name: "views", value: self.views as f64 });
        }
        if self.assigned == 0 || self.assigned > self.views {
            return Err(Error::InvalidParameter { name: "assigned", value: self.assigned as f64 });
        }
        Ok(())
    }
}

/// The entropy term of the unbalanced problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum UnbalancedEntropy {
    /// ε·Σ Q(log Q − 1): kernel exp(σx/ε) (POT `reg_type="entropy"`).
    Entropy,
    /// ε·KL(Q ‖ a bᵀ): kernel a_i b_j exp(σx/ε) (POT `reg_type="kl"`, its default since 0.9.5).
    Kl,
}

params! {
    /// KL-relaxed (unbalanced) Sinkhorn ([`super::sinkhorn_unbalanced`] in scaling form,
    /// [`super::sinkhorn_unbalanced_log`] in the log domain), POT `sinkhorn_unbalanced`.
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct UnbalancedParams {
        /// Entropic weight ε > 0.
        pub eps: f64,
        /// Cost or similarity.
        pub kind: ScoreKind,
        /// Marginal relaxation τ_a > 0 on the sample side (`f64::INFINITY`: exact marginal). Default 1.
        pub reg_m_a: f64,
        /// Marginal relaxation τ_b > 0 on the prototype side (`f64::INFINITY`: exact marginal). Default 1.
        pub reg_m_b: f64,
        /// Entropy convention (default [`UnbalancedEntropy::Kl`], as POT ≥ 0.9.5).
        pub entropy: UnbalancedEntropy,
        /// Iteration budget (≥ 1). Default 1000.
        pub max_iter: usize,
        /// Stop threshold, checked every iteration: on ½(‖Δu‖∞/max(‖u‖∞, ‖u_prev‖∞, 1) + same
        /// for v) in scaling form, on ½(‖Δ ln u‖∞ + ‖Δ ln v‖∞) in the log domain. Default 1e-6
        /// (POT). 0 gives a fixed-iteration run.
        pub tol: f64,
    }
}

impl Default for UnbalancedParams {
    fn default() -> Self {
        Self {
            eps: 0.05,
            kind: ScoreKind::Cost,
            reg_m_a: 1.0,
            reg_m_b: 1.0,
            entropy: UnbalancedEntropy::Kl,
            max_iter: 1000,
            tol: 1e-6,
        }
    }
}

impl UnbalancedParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        positive_param(self.eps, "eps")?;
        relaxation(self.reg_m_a, "reg_m_a")?;
        relaxation(self.reg_m_b, "reg_m_b")?;
        nonnegative_param(self.tol, "tol")?;
        count(self.max_iter, "max_iter")
    }

    /// The exponents (λ_a, λ_b) of the relaxed updates, λ = τ/(τ + ε), 1 for an exact marginal
    /// (τ = ∞) — POT's `fi`.
    pub(crate) fn exponents<F: Float>(&self) -> (F, F) {
        let lambda = |tau: f64| if tau == f64::INFINITY { F::ONE } else { F::from_f64(tau / (tau + self.eps)) };
        (lambda(self.reg_m_a), lambda(self.reg_m_b))
    }
}

params! {
    /// Fixed-iteration batched balanced Sinkhorn ([`super::sinkhorn_batched`]).
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct BatchedParams {
        /// Entropic weight ε > 0.
        pub eps: f64,
        /// Cost or similarity.
        pub kind: ScoreKind,
        /// Iterations per problem (≥ 1), fixed (OTT: fixing the count is what makes batching pay).
        pub iterations: usize,
    }
}

impl Default for BatchedParams {
    fn default() -> Self {
        Self { eps: 0.05, kind: ScoreKind::Cost, iterations: 50 }
    }
}

impl BatchedParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        positive_param(self.eps, "eps")?;
        count(self.iterations, "iterations")
    }
}

fn count(value: usize, name: &'static str) -> Result<()> {
    if value == 0 { Err(Error::InvalidParameter { name, value: 0.0 }) } else { Ok(()) }
}

fn relaxation(value: f64, name: &'static str) -> Result<()> {
    if value == f64::INFINITY || (value.is_finite() && value > 0.0) {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(SinkhornParams::default().validate().is_ok());
        assert!(SwavParams::default().validate(10).is_ok());
        assert!(UnbalancedParams::default().validate().is_ok());
        assert!(BatchedParams::default().validate().is_ok());
        assert!(SwavLossParams::default().validate().is_ok());
        assert!(SwavLossParams { temperature: 0.0, ..Default::default() }.validate().is_err());
        assert!(SwavLossParams { views: 1, assigned: 1, ..Default::default() }.validate().is_err());
        assert!(SwavLossParams { views: 6, assigned: 0, ..Default::default() }.validate().is_err());
        assert!(SwavLossParams { views: 6, assigned: 7, ..Default::default() }.validate().is_err());
        assert!(SwavLossParams { views: 6, assigned: 1, ..Default::default() }.validate().is_ok());
        let bad = SinkhornParams { eps: 0.0, ..Default::default() };
        assert_eq!(bad.validate(), Err(Error::InvalidParameter { name: "eps", value: 0.0 }));
        let bad = SinkhornParams { eps: f64::NAN, ..Default::default() };
        assert!(bad.validate().is_err());
        assert!(SinkhornParams { check_every: 0, ..Default::default() }.validate().is_err());
        assert!(SinkhornParams { tol: -1.0, ..Default::default() }.validate().is_err());
        assert!(SwavParams { keep_last: Some(11), ..Default::default() }.validate(10).is_err());
        assert!(SwavParams { iterations: 0, ..Default::default() }.validate(10).is_err());
        let inf = UnbalancedParams { reg_m_a: f64::INFINITY, ..Default::default() };
        assert!(inf.validate().is_ok());
        assert!(UnbalancedParams { reg_m_b: -1.0, ..Default::default() }.validate().is_err());
        assert!(BatchedParams { eps: -1.0, ..Default::default() }.validate().is_err());
    }
}
