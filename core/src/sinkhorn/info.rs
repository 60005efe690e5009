//! What each solver reports besides its outputs.

/// Result of a balanced solve ([`super::sinkhorn_scaling`], [`super::sinkhorn_log`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SinkhornInfo {
    /// Iterations run (one iteration = the b-side update then the a-side update).
    pub iterations: usize,
    /// ‖Qᵀ1 − b‖₂ after the last iteration (the a-side marginal is exact up to rounding).
    pub marginal_err: f64,
    /// The stop test `marginal_err < tol` was met at a check. Never true when `tol = 0`.
    pub converged: bool,
}

/// Result of SwAV codes / assignments ([`super::swav_codes`], [`super::swav_assign`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SwavInfo {
    /// Iterations run (always `params.iterations`: fixed, so convergence is not claimed).
    pub iterations: usize,
    /// Σ_j |Σ_i Q_ij − 1/K| over all shards, Q = codes / B (the prototype marginal, which the
    /// last, sample-side step does not fix). For [`super::swav_assign`] it is the error before
    /// the sample step of the last iteration.
    pub prototype_err: f64,
    /// Global number of samples B (sum over shards).
    pub samples: usize,
}

/// Result of [`super::swav_loss`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SwavLossInfo {
    /// The loss L (nats): the mean over the C·(V − 1) (code, prediction) pairs of the mean over
    /// the batch of the cross-entropy −Σ_k q_s,k log softmax(z_t/τ)_k.
    pub loss: f64,
    /// Batch size B (rows per view).
    pub batch: usize,
    /// Number of (code, prediction) pairs averaged, C·(V − 1).
    pub pairs: usize,
}

/// Result of an unbalanced solve ([`super::sinkhorn_unbalanced`], [`super::sinkhorn_unbalanced_log`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UnbalancedInfo {
    /// Iterations run (one iteration = the a-side update then the b-side update).
    pub iterations: usize,
    /// Last value of the stop rule: ½(‖Δu‖∞/max(‖u‖∞,‖u_prev‖∞,1) + same for v) in scaling
    /// form, ½(‖Δ ln u‖∞ + ‖Δ ln v‖∞) in the log domain.
    pub change: f64,
    /// `change < tol` was met. Never true when `tol = 0`.
    pub converged: bool,
    /// Total mass ΣQ of the plan (not 1 in general).
    pub mass: f64,
}

/// Result of a batched fixed-iteration solve ([`super::sinkhorn_batched`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BatchedInfo {
    /// Iterations run per problem (fixed: convergence is not claimed).
    pub iterations: usize,
    /// Largest ‖Qᵀ1 − b‖₂ over the problems of the batch.
    pub max_marginal_err: f64,
    /// Number of problems solved.
    pub problems: usize,
}
