//! The EM loop of one initialisation (scikit-learn's `BaseMixture.fit_predict` inner loop):
//! for t = 1..max_iter: E-step with the current parameters (giving L_t, the mean
//! log-likelihood of those parameters), M-step, stop at the first t with |L_t − L_{t−1}| < tol
//! (L_0 = −∞). L_t is therefore the bound *before* the t-th M-step, as `lower_bounds_`.
//!
//! # The seam for semi-supervised EM
//! Between each E-step and M-step the loop calls an [`EmHook`] with the log-responsibilities
//! (n × K, mutable) and ln p(xᵢ); the hook may rewrite rows and returns the objective used
//! for the convergence test. [`PlainEm`] leaves everything as is (mean ln p(xᵢ));
//! [`FixedLabels`] clamps labelled rows to one-hot (rᵢₖ = 1[k = yᵢ], never recomputed) and
//! returns the semi-supervised log-likelihood (mean over all rows of ln π_{yᵢ} N(xᵢ | θ_{yᵢ})
//! for labelled rows and ln p(xᵢ) for the others), which clamped EM does not decrease
//! (without covariance regularisation).

use super::e_step::{normalise_rows_both, weighted_log_prob_unchecked};
use super::m_step::estimate;
use super::model::{GaussianMixture, Spread};
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::parallel::for_rows_mut3;
use crate::scalar::Linalg;
use crate::scalar::{Float, Real};
use alloc::vec;
use alloc::vec::Vec;

/// Diagnostics of an EM fit.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GmmInfo<F> {
    /// Iterations of the kept initialisation (scikit-learn's `n_iter_`).
    pub n_iter: usize,
    /// Whether it stopped on the tolerance (scikit-learn's `converged_`).
    pub converged: bool,
    /// Its final lower bound (`lower_bound_`): the objective before the last M-step.
    pub lower_bound: F,
    /// The objective at every iteration (`lower_bounds_`).
    pub lower_bounds: Vec<F>,
    /// Index (0-based) of the kept initialisation.
    pub best_init: usize,
}

/// A fitted mixture with its diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct GmmFit<F> {
    /// The parameters after the last M-step of the best initialisation.
    pub model: GaussianMixture<F>,
    /// Iterations, lower bounds, convergence.
    pub info: GmmInfo<F>,
}

/// Called by the EM loop after every E-step, before the M-step.
pub trait EmHook<F> {
    /// `log_resp` holds ln rᵢₖ (n × K, row-major) and may be modified (each row must stay a
    /// log-probability vector); `log_prob_norm` holds ln p(xᵢ) under the current parameters.
    /// Returns the objective for this iteration (compared across iterations against `tol`).
    fn after_e_step(&mut self, iteration: usize, log_resp: &mut [F], log_prob_norm: &[F]) -> Result<F>;

    /// Whether [`after_e_step`](Self::after_e_step) may change `log_resp` (default `true`). A
    /// hook that never does may return `false`, which spares the loop a comparison pass.
    fn modifies_responsibilities(&self) -> bool {
        true
    }
}

/// Plain EM: no change; the objective is the mean of ln p(xᵢ).
#[derive(Clone, Copy, Debug, Default)]
pub struct PlainEm;

impl<F: Float> EmHook<F> for PlainEm {
    fn after_e_step(&mut self, _iteration: usize, _log_resp: &mut [F], log_prob_norm: &[F]) -> Result<F> {
        Ok(crate::ops::mean(log_prob_norm.iter().copied()))
    }

    fn modifies_responsibilities(&self) -> bool {
        false
    }
}

/// Semi-supervised EM: rows with `Some(y)` keep the one-hot responsibility of component `y`.
#[derive(Clone, Copy, Debug)]
pub struct FixedLabels<'a> {
    labels: &'a [Option<usize>],
    k: usize,
}

impl<'a> FixedLabels<'a> {
    /// Clamps `labels` (one entry per row; `None` = unlabelled) for a K-component mixture.
    ///
    /// Errors: a label ≥ `k` ([`Error::IndexOutOfRange`]).
    pub fn new(labels: &'a [Option<usize>], k: usize) -> Result<Self> {
        for (index, l) in labels.iter().enumerate() {
            if let Some(v) = *l
                && v >= k
            {
                return Err(Error::IndexOutOfRange { what: "labels", index, value: v, bound: k });
            }
        }
        Ok(Self { labels, k })
    }
}

impl<F: Float> EmHook<F> for FixedLabels<'_> {
    fn after_e_step(&mut self, _iteration: usize, log_resp: &mut [F], log_prob_norm: &[F]) -> Result<F> {
        let n = log_prob_norm.len();
        if self.labels.len() != n || log_resp.len() != n * self.k {
            return Err(Error::ShapeMismatch { what: "labels", expected: n, found: self.labels.len() });
        }
        // ln π_y N(x | θ_y) = ln r_iy + ln p(x) for a labelled row, ln p(x) otherwise.
        let objective = crate::ops::mean(log_resp.chunks_exact(self.k).zip(log_prob_norm).zip(self.labels).map(
            |((row, &lpn), label)| match *label {
                Some(y) => row[y] + lpn,
                None => lpn,
            },
        ));
        for (row, label) in log_resp.chunks_exact_mut(self.k).zip(self.labels) {
            if let Some(y) = *label {
                row.fill(F::NEG_INFINITY);
                row[y] = F::ZERO;
            }
        }
        Ok(objective)
    }
}

/// Runs EM from `init` until |L_t − L_{t−1}| < `tol` or `max_iter` iterations, adding
/// `reg_covar` to the covariance diagonals in every M-step, with `hook` between E and M.
/// The data must already be validated (finite, dimension of the model).
pub(crate) fn run_em<T: Real, H: EmHook<T::Acc> + ?Sized>(
    x: MatRef<'_, T>,
    init: GaussianMixture<T::Acc>,
    reg_covar: f64,
    tol: f64,
    max_iter: usize,
    hook: &mut H,
) -> Result<GmmFit<T::Acc>>
where
    T::Acc: Linalg,
{
    let (n, k) = (x.rows(), init.k);
    let reg = <T::Acc as Float>::from_f64(reg_covar);
    let tol = <T::Acc as Float>::from_f64(tol);
    let mut model = init;
    let mut lower_bound = <T::Acc as Float>::NEG_INFINITY;
    let mut lower_bounds = Vec::new();
    let mut converged = false;
    let mut n_iter = 0;
    let mut log_resp = vec![<T::Acc as Float>::ZERO; n * k];
    let mut resp = vec![<T::Acc as Float>::ZERO; n * k];
    let mut before = if hook.modifies_responsibilities() { vec![<T::Acc as Float>::ZERO; n * k] } else { Vec::new() };
    let mut lpn = vec![<T::Acc as Float>::ZERO; n];
    for iteration in 1..=max_iter {
        let prev = lower_bound;
        weighted_log_prob_unchecked(&model, x, &mut log_resp);
        for_rows_mut3(n, (&mut log_resp, k), (&mut resp, k), (&mut lpn, 1), |w, r, l| normalise_rows_both(w, r, l, k));
        if !before.is_empty() {
            before.copy_from_slice(&log_resp);
        }
        let lb = hook.after_e_step(iteration, &mut log_resp, &lpn)?;
        // A non-finite objective: some row is far from every component (its quadratic forms
        // overflow), so its ln p(x) and responsibilities are not representable.
        if !lb.is_finite() {
            return Err(Error::NumericalBreakdown { what: "gmm e-step", iteration });
        }
        // Rows the hook rewrote: recompute their responsibilities.
        for ((new, old), r) in log_resp.chunks_exact(k).zip(before.chunks_exact(k)).zip(resp.chunks_exact_mut(k)) {
            if new != old {
                for (rv, &v) in r.iter_mut().zip(new) {
                    *rv = v.exp();
                }
            }
        }
        let est = estimate(x, &resp, k, model.covariance_type, reg);
        est.check_finite(iteration)?;
        let total: T::Acc = est.nk.iter().copied().sum();
        let weights: Vec<T::Acc> = est.nk.iter().map(|&v| v / total).collect();
        model = GaussianMixture::from_parts(
            model.covariance_type,
            &weights,
            &est.means,
            Spread::Covariances(&est.covariances),
            model.d,
        )?;
        lower_bound = lb;
        lower_bounds.push(lb);
        n_iter = iteration;
        if (lb - prev).abs() < tol {
            converged = true;
            break;
        }
    }
    Ok(GmmFit { model, info: GmmInfo { n_iter, converged, lower_bound, lower_bounds, best_init: 0 } })
}
