//! Balanced Sinkhorn in the log domain, with POT `sinkhorn_log` semantics (Schmitzer 2019,
//! "Stabilized sparse scaling algorithms for entropy regularized transport problems";
//! Peyré & Cuturi 2019, §4.4).
//!
//! With dimensionless log-scalings φ = f/ε, ψ = g/ε, starting from φ = ψ = 0:
//!
//! ```text
//! ψ_j ← log b_j − LSE_i(σx_ij/ε + φ_i)          (b-side first, as POT)
//! φ_i ← log a_i − LSE_j(σx_ij/ε + ψ_j)          (uses the new ψ)
//! Q_ij = exp(σx_ij/ε + φ_i + ψ_j)
//! ```
//!
//! The error ‖Qᵀ1 − b‖₂ is checked after iterations 1, 1 + `check_every`, … exactly as POT,
//! so the iteration counts agree with `ot.sinkhorn(method='sinkhorn_log')`.
//!
//! **One exp per entry.** The row pass computes, per row, m_i = max_j(σx_ij/ε + ψ_j) and
//! E_ij = exp(σx_ij/ε + ψ_j − m_i), which gives the row LSE; with the new φ_i the row factor
//! r_i = exp(m_i + φ_i) = a_i/Σ_j E_ij lies in [a_i/K, a_i], so the same E_ij also give the
//! column sums of the plan C_j = Σ_i E_ij r_i = (Qᵀ1)_j — both the error and, via
//! LSE_i(σx_ij/ε + φ_i) = ln C_j − ψ_j, the next b-side update, without a second exp pass.
//! A column whose C_j falls below MIN_POSITIVE/EPSILON·n·max(1, max r_i) (where underflowed
//! terms could matter) triggers an exact two-pass column LSE instead; so does the first
//! iteration. The input is read directly (no N×K scratch), and the solver converges where the kernel underflows (e.g. ε = 1e-3
//! on a cost of order 1 in f64, ε = 1e-2 in f32).

use super::check::{balanced_inputs, log_domain_fits, span};
use super::info::SinkhornInfo;
use super::params::SinkhornParams;
use crate::error::Result;
use crate::lanes;
use crate::matrix::MatRef;
use crate::parallel::column_sums_by_chunks;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;

/// Scratch (in `T::Acc` elements) of [`sinkhorn_log`] for an `n × k` problem: three
/// k-vectors (the column sums, a row and the row chunks' column partials).
pub fn sinkhorn_log_scratch(_n: usize, k: usize) -> usize {
    k.saturating_mul(3)
}

/// Balanced entropic OT in the log domain (see the module documentation). Same arguments,
/// outputs and errors as [`super::sinkhorn_scaling`] except the scratch size
/// ([`sinkhorn_log_scratch`]), and two more range checks: max |x| and max |x|/ε at most
/// MAX/64 of the compute type ([`crate::Error::InvalidParameter`] `x` / `eps`), so that it cannot
/// break down numerically on validated input.
pub fn sinkhorn_log<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &SinkhornParams,
    f: &mut [T::Acc],
    g: &mut [T::Acc],
    scratch: &mut [T::Acc],
) -> Result<SinkhornInfo> {
    let (n, k) = (x.rows(), x.cols());
    balanced_inputs(x, a, b, params, f, g, scratch, sinkhorn_log_scratch(n, k))?;
    let eps = <T::Acc as Float>::from_f64(params.eps);
    let (hi, lo) = span(x.as_slice(), "x")?;
    log_domain_fits(hi, lo, eps)?;

    let zero = <T::Acc as Float>::ZERO;
    let scale = <T::Acc as Float>::from_f64(params.kind.sign()) / eps;
    let (colacc, rest) = scratch.split_at_mut(k);
    let work = &mut rest[..2 * k];
    let (phi, psi) = (f, g);
    phi.fill(zero);
    psi.fill(zero);
    let exact = LogRowRule { weight: <T::Acc as Float>::ONE, lam: <T::Acc as Float>::ONE };
    // colacc holds LSE_i(σx_ij/ε + φ_i) at the top of each iteration.
    column_lse::<T>(x.as_slice(), k, scale, phi, &mut work[..k], colacc);
    let mut info = SinkhornInfo { iterations: 0, marginal_err: f64::INFINITY, converged: false };
    for it in 0..params.max_iter {
        for ((p, &l), bj) in psi.iter_mut().zip(colacc.iter()).zip(b) {
            *p = bj.to_acc().ln() - l;
        }
        let stats = log_row_pass::<T>(x.as_slice(), k, scale, psi, a, exact, phi, colacc, work);
        info.iterations = it + 1;
        let sums_exact = stats.sums_are_exact(colacc, n);
        if sums_exact {
            info.marginal_err = column_l2_error(colacc.iter().copied(), b);
        } else {
            // The one-exp sums lost terms (tiny or huge masses): the column sums are
            // exp(LSE_j + ψ_j), with the log-sum-exp recomputed stably.
            column_lse::<T>(x.as_slice(), k, scale, phi, &mut work[..k], colacc);
            info.marginal_err = column_l2_error(colacc.iter().zip(psi.iter()).map(|(&l, &p)| (l + p).exp()), b);
        }
        if it % params.check_every == 0 && info.marginal_err < params.tol {
            info.converged = true;
            break;
        }
        if it + 1 == params.max_iter {
            break;
        }
        if sums_exact {
            for (c, &p) in colacc.iter_mut().zip(psi.iter()) {
                *c = c.ln() - p;
            }
        }
    }
    for p in phi.iter_mut().chain(psi.iter_mut()) {
        *p *= eps;
    }
    Ok(info)
}

/// ‖c − b‖₂.
fn column_l2_error<T: Real>(c: impl Iterator<Item = T::Acc> + Clone, b: &[T]) -> f64 {
    super::scaling::l2_norm(c.zip(b).map(|(cj, bj)| (cj - bj.to_acc()).to_f64()))
}

/// How a row pass turns the row's log-sum-exp into the new dimensionless row potential:
/// φ_i ← α ln a_i − λ LSE_j(σx_ij/ε + ψ_j). Balanced: α = λ = 1; KL-relaxed (Chizat et al.
/// 2018): λ = τ/(τ + ε), with α = λ ("entropy") or α = 1 ("kl", whose φ includes ln a).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogRowRule<F> {
    /// α, the weight of ln a_i.
    pub weight: F,
    /// λ, the weight of the log-sum-exp.
    pub lam: F,
}

/// What a row pass reports besides φ and the column sums.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowPassStats<F> {
    /// max_i |φ_i(new) − φ_i(old)|.
    pub max_change: F,
    /// max_i r_i, the row factor exp(m_i + φ_i) by which the column sums weight a row.
    pub max_factor: F,
}

impl<F: Float> RowPassStats<F> {
    /// Whether the one-exp column sums `colacc` are exact to rounding: finite and at least
    /// MIN_POSITIVE/EPSILON · n · max(1, max r_i), so that the terms flushed to 0 (each below
    /// MIN_POSITIVE · r_i) are below the sums' resolution. Otherwise [`column_lse`] must run.
    pub(crate) fn sums_are_exact(&self, colacc: &[F], n: usize) -> bool {
        let tiny = F::MIN_POSITIVE / F::EPSILON * F::from_usize(n) * self.max_factor.max(F::ONE);
        colacc.iter().all(|&c| c >= tiny && c.is_finite())
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn log_row_pass_body<T: Real>(
    x: &[T],
    k: usize,
    scale: T::Acc,
    psi: &[T::Acc],
    a: &[T],
    rule: LogRowRule<T::Acc>,
    phi: &mut [T::Acc],
    row: &mut [T::Acc],
    colacc: &mut [T::Acc],
) -> RowPassStats<T::Acc> {
    let zero = <T::Acc as Float>::ZERO;
    let one = <T::Acc as Float>::ONE;
    let mut stats = RowPassStats { max_change: zero, max_factor: zero };
    for ((xr, ai), p) in x.chunks_exact(k).zip(a).zip(phi.iter_mut()) {
        for ((e, &xv), &q) in row.iter_mut().zip(xr).zip(psi) {
            *e = xv.to_acc() * scale + q;
        }
        let m = lanes::max(row);
        for e in row.iter_mut() {
            *e = (*e - m).exp_fast();
        }
        let ls = lanes::sum(row).ln();
        let la = ai.to_acc().ln();
        let new = rule.weight * la - rule.lam * (m + ls);
        stats.max_change = stats.max_change.max((new - *p).abs());
        *p = new;
        // r_i = exp(m_i + φ_i), written so that m_i cancels exactly when λ = 1 (then r_i = a_i/s_i).
        let r = (rule.weight * la - rule.lam * ls + (one - rule.lam) * m).exp_fast();
        stats.max_factor = stats.max_factor.max(r);
        for (c, &e) in colacc.iter_mut().zip(row.iter()) {
            *c += e * r;
        }
    }
    stats
}

simd_dispatch! {
    /// [`log_row_pass`] on one run of rows (`a`, `phi` holding theirs): adds their column sums
    /// into `colacc`.
    #[allow(clippy::too_many_arguments)]
    fn log_rows<T: Real>(
        x: &[T], k: usize, scale: T::Acc, psi: &[T::Acc], a: &[T], rule: LogRowRule<T::Acc>, phi: &mut [T::Acc],
        row: &mut [T::Acc], colacc: &mut [T::Acc]
    ) -> RowPassStats<T::Acc> => log_row_pass_body
}

/// φ_i ← α ln a_i − λ LSE_j(σx_ij/ε + ψ_j) for every row, and `colacc` ← Qᵀ1 with the new φ
/// (Q_ij = exp(σx_ij/ε + φ_i + ψ_j)), one exp per entry, over the fixed row chunks of
/// [`column_sums_by_chunks`] (in parallel with the `parallel` feature; `work` holds 2k values:
/// a chunk's column partials and a row).
#[allow(clippy::too_many_arguments)]
pub(crate) fn log_row_pass<T: Real>(
    x: &[T],
    k: usize,
    scale: T::Acc,
    psi: &[T::Acc],
    a: &[T],
    rule: LogRowRule<T::Acc>,
    phi: &mut [T::Acc],
    colacc: &mut [T::Acc],
    work: &mut [T::Acc],
) -> RowPassStats<T::Acc> {
    let zero = <T::Acc as Float>::ZERO;
    let mut stats = RowPassStats { max_change: zero, max_factor: zero };
    let rows = x.len() / k.max(1);
    column_sums_by_chunks(
        rows,
        (phi, 1, 0),
        colacc,
        work,
        |first, n, phi, w| {
            let (part, row) = w.split_at_mut(k);
            let a = a.get(first..first + n).unwrap_or(&[]);
            log_rows::<T>(&x[first * k..(first + n) * k], k, scale, psi, a, rule, phi, row, part)
        },
        |s| {
            stats.max_change = stats.max_change.max(s.max_change);
            stats.max_factor = stats.max_factor.max(s.max_factor);
        },
    );
    stats
}

#[inline(always)]
fn column_lse_body<T: Real>(
    x: &[T],
    k: usize,
    scale: T::Acc,
    phi: &[T::Acc],
    colmax: &mut [T::Acc],
    out: &mut [T::Acc],
) {
    colmax.fill(<T::Acc as Float>::NEG_INFINITY);
    for (xr, &p) in x.chunks_exact(k).zip(phi) {
        for (m, &xv) in colmax.iter_mut().zip(xr) {
            let z = xv.to_acc() * scale + p;
            *m = if z > *m { z } else { *m };
        }
    }
    out.fill(<T::Acc as Float>::ZERO);
    for (xr, &p) in x.chunks_exact(k).zip(phi) {
        for ((o, &m), &xv) in out.iter_mut().zip(colmax.iter()).zip(xr) {
            *o += (xv.to_acc() * scale + p - m).exp_fast();
        }
    }
    for (o, &m) in out.iter_mut().zip(colmax.iter()) {
        *o = m + o.ln();
    }
}

simd_dispatch! {
    /// out_j = LSE_i(σx_ij/ε + φ_i), max-shifted per column (two passes, exact).
    fn column_lse<T: Real>(
        x: &[T], k: usize, scale: T::Acc, phi: &[T::Acc], colmax: &mut [T::Acc], out: &mut [T::Acc]
    ) -> () => column_lse_body
}
