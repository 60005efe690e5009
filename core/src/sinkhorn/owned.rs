//! Allocating conveniences (feature `alloc`): the same solvers, with scratch and outputs
//! allocated here and uniform marginals on request.

use alloc::vec;
use alloc::vec::Vec;

use super::batched::{sinkhorn_batched, sinkhorn_batched_scratch};
use super::info::{BatchedInfo, SinkhornInfo, SwavInfo, UnbalancedInfo};
use super::kind::ScoreKind;
use super::log_domain::{sinkhorn_log, sinkhorn_log_scratch};
use super::outputs::{PlanStats, plan, plan_stats};
use super::params::{BatchedParams, SinkhornParams, SwavParams, UnbalancedParams};
use super::scaling::{sinkhorn_scaling, sinkhorn_scaling_scratch};
use super::swav::{swav_assign, swav_codes, swav_scratch};
use super::unbalanced::{sinkhorn_unbalanced, sinkhorn_unbalanced_scratch};
use super::unbalanced_log::{sinkhorn_unbalanced_log, sinkhorn_unbalanced_log_scratch};
use crate::error::Result;
use crate::matrix::MatRef;
use crate::reduce::Local;
use crate::scalar::{Float, Real};

/// Potentials and the solver's report; `Q_ij = exp((σx_ij + f_i + g_j)/ε)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution<F, I> {
    /// Row potentials (n).
    pub f: Vec<F>,
    /// Column potentials (k).
    pub g: Vec<F>,
    /// Iterations, errors, convergence.
    pub info: I,
}

/// The uniform marginal 1/n of length n.
pub fn uniform<T: Real>(n: usize) -> Vec<T> {
    let w = <T::Acc as Float>::ONE / <T::Acc as Float>::from_usize(n.max(1));
    vec![T::from_acc(w); n]
}

/// Which solver [`sinkhorn`] (balanced) or [`sinkhorn_unbalanced_alloc`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SinkhornMode {
    /// Scaling form when the kernel cannot underflow, else log domain: balanced, when
    /// (max x − min x)/ε < 80 (the kernel is max-shifted); unbalanced, when max |x|/ε < 80
    /// (it is not).
    Auto,
    /// [`super::sinkhorn_scaling`] or [`super::sinkhorn_unbalanced`].
    Scaling,
    /// [`super::sinkhorn_log`] or [`super::sinkhorn_unbalanced_log`].
    Log,
}

impl SinkhornMode {
    /// `Auto` resolved for `x` at `eps`: `shifted` tells whether the scaling form max-shifts
    /// its kernel (balanced) or not (unbalanced).
    fn resolve<T: Real>(self, x: MatRef<'_, T>, eps: f64, shifted: bool) -> Result<Self> {
        if self != SinkhornMode::Auto {
            return Ok(self);
        }
        let hi = super::check::gain_max(x.as_slice(), 1.0, "x")?.to_f64();
        let neg_lo = super::check::gain_max(x.as_slice(), -1.0, "x")?.to_f64();
        let reach = if shifted { hi + neg_lo } else { hi.abs().max(neg_lo.abs()) };
        Ok(if reach / eps < 80.0 { SinkhornMode::Scaling } else { SinkhornMode::Log })
    }
}

/// Balanced solve with owned outputs; `Auto` picks the scaling form when
/// (max x − min x)/ε < 80 (no kernel underflow in f32 or f64), else the log domain.
pub fn sinkhorn<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &SinkhornParams,
    mode: SinkhornMode,
) -> Result<Solution<T::Acc, SinkhornInfo>> {
    let (n, k) = (x.rows(), x.cols());
    let mode = mode.resolve(x, params.eps, true)?;
    let zero = <T::Acc as Float>::ZERO;
    let (mut f, mut g) = (vec![zero; n], vec![zero; k]);
    let info = if mode == SinkhornMode::Scaling {
        let mut scratch = vec![zero; sinkhorn_scaling_scratch(n, k)];
        sinkhorn_scaling(x, a, b, params, &mut f, &mut g, &mut scratch)?
    } else {
        let mut scratch = vec![zero; sinkhorn_log_scratch(n, k)];
        sinkhorn_log(x, a, b, params, &mut f, &mut g, &mut scratch)?
    };
    Ok(Solution { f, g, info })
}

/// Unbalanced solve with owned outputs; `Auto` picks the scaling form when max |x|/ε < 80
/// (the unshifted kernel neither underflows nor overflows), else the log domain.
pub fn sinkhorn_unbalanced_alloc<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &UnbalancedParams,
    mode: SinkhornMode,
) -> Result<Solution<T::Acc, UnbalancedInfo>> {
    let (n, k) = (x.rows(), x.cols());
    let mode = mode.resolve(x, params.eps, false)?;
    let zero = <T::Acc as Float>::ZERO;
    let (mut f, mut g) = (vec![zero; n], vec![zero; k]);
    let info = if mode == SinkhornMode::Scaling {
        let mut scratch = vec![zero; sinkhorn_unbalanced_scratch(n, k)];
        sinkhorn_unbalanced(x, a, b, params, &mut f, &mut g, &mut scratch)?
    } else {
        let mut scratch = vec![zero; sinkhorn_unbalanced_log_scratch(n, k)];
        sinkhorn_unbalanced_log(x, a, b, params, &mut f, &mut g, &mut scratch)?
    };
    Ok(Solution { f, g, info })
}

/// Batched solve with owned outputs (`f`: batch × n, `g`: batch × k).
pub fn sinkhorn_batched_alloc<T: Real>(
    x: &[T],
    (batch, n, k): (usize, usize, usize),
    a: &[T],
    b: &[T],
    params: &BatchedParams,
) -> Result<Solution<T::Acc, BatchedInfo>> {
    let zero = <T::Acc as Float>::ZERO;
    let (mut f, mut g) = (vec![zero; batch.saturating_mul(n)], vec![zero; batch.saturating_mul(k)]);
    let mut scratch = vec![zero; sinkhorn_batched_scratch(n, k)];
    let info = sinkhorn_batched(x, batch, n, k, a, b, params, &mut f, &mut g, &mut scratch)?;
    Ok(Solution { f, g, info })
}

/// SwAV codes (one process) as an owned row-major matrix.
pub fn swav_codes_alloc<T: Real>(scores: MatRef<'_, T>, params: &SwavParams) -> Result<(Vec<T>, SwavInfo)> {
    let (b, k) = (scores.rows(), scores.cols());
    let m = params.keep_last.unwrap_or(b).min(b);
    let mut codes = vec![T::default(); m.saturating_mul(k)];
    let mut scratch = vec![<T::Acc as Float>::ZERO; swav_scratch(b, k)];
    let info = swav_codes(scores, params, &mut codes, &mut scratch, &mut Local)?;
    Ok((codes, info))
}

/// SIGMA hard targets (one process) as an owned vector.
pub fn swav_assign_alloc<T: Real>(scores: MatRef<'_, T>, params: &SwavParams) -> Result<(Vec<usize>, SwavInfo)> {
    let (b, k) = (scores.rows(), scores.cols());
    let m = params.keep_last.unwrap_or(b).min(b);
    let mut labels = vec![0usize; m];
    let mut scratch = vec![<T::Acc as Float>::ZERO; swav_scratch(b, k)];
    let info = swav_assign(scores, params, &mut labels, &mut scratch, &mut Local)?;
    Ok((labels, info))
}

impl<F: Float, I> Solution<F, I> {
    /// The plan Q (n × k) in the storage type.
    pub fn plan<T: Real<Acc = F>>(&self, x: MatRef<'_, T>, kind: ScoreKind, eps: f64) -> Result<Vec<T>> {
        let mut out = vec![T::default(); x.as_slice().len()];
        plan(x, kind, eps, &self.f, &self.g, &mut out)?;
        Ok(out)
    }

    /// [`PlanStats`] of the plan.
    pub fn stats<T: Real<Acc = F>>(
        &self,
        x: MatRef<'_, T>,
        kind: ScoreKind,
        eps: f64,
        a: &[T],
        b: &[T],
    ) -> Result<PlanStats> {
        let mut scratch = vec![F::ZERO; x.cols()];
        plan_stats(x, kind, eps, a, b, &self.f, &self.g, &mut scratch)
    }
}
