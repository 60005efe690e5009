//! Scaled ADMM for the Peng–Wei SDP with residual balancing.
//!
//! Splitting min −⟨A, Z⟩ + 𝟙_C1(Z) + 𝟙_C2(W) s.t. Z = W, with C1 = {Z ⪰ 0, Z1 = 1, tr Z = K}
//! (closed-form projection, see the `projection` module) and C2 = {W ≥ 0} (clipping)
//! (Boyd, Parikh, Chu, Peleato & Eckstein, Found. Trends ML 3(1), 2011, §3.1 and §3.4.1):
//!
//! ```text
//!     Z   = Π_C1(W − U + A/ρ)
//!     W⁺  = max(Z + U, 0)
//!     U  ← U + Z − W⁺
//!     r = ‖Z − W⁺‖_F / max(1, ‖Z‖_F),   s = ρ‖W⁺ − W‖_F / max(1, ‖ρU‖_F)
//! ```
//!
//! stopping when r and s are below `tol`. Every `balance_every` iterations the penalty follows
//! the residual ratio, ρ ← ρ·clamp(√(r/s), 1/10, 10) (U ← U·ρ_old/ρ_new) when √(r/s) leaves
//! [1/2, 2] (residual balancing, Boyd et al. §3.4.1, with the square-root update of OSQP:
//! Stellato et al., Math. Prog. Comp. 12, 2020, §5.2). The projection onto C1 uses the warm
//! partial eigenpairs of the `partial_eigen` module, accurate to a tenth of the current
//! residuals (at most 1e-3, at least 1e-3·`tol`): an inexact ADMM whose errors shrink with
//! the residuals (Eckstein & Bertsekas, Math. Prog. 55, 1992); convergence is only accepted
//! after the dense projection of the last iterate agrees to `tol` (otherwise the iteration
//! continues with dense projections), and `converged` is only reported when the returned Z
//! also meets tr Z = K and Z1 = 1 to the tolerance (the residuals are relative: with a tiny ρ
//! the projected matrix is huge and its projection loses the trace to rounding). The
//! returned Z is the C1 iterate (PSD, Z1 = 1, tr Z = K to rounding; entries ≥ −r). The dual
//! bound max_{Z∈C1} ⟨A + Y, Z⟩ with Y = max(−ρU, 0) ≥ 0 is an upper bound on SDP* and gives
//! the reported duality gap.

use alloc::vec;
use alloc::vec::Vec;

use crate::scalar::Linalg;

use super::SdpInfo;
use super::dense::{DenseSolver, equalities_hold, solve_into, solve_owned};
use super::problem::Affinity;
use super::projection::{AffinePsdProjector, support_c1};
use crate::error::{Error, Result};
use crate::lanes;
use crate::monitor::{Iteration, Monitor, Unmonitored};
use crate::scalar::{Float, Real};
use crate::validate;

params! {
    /// Parameters of [`admm`].
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct AdmmParams {
        /// Stop when the relative primal and dual residuals are both below this (finite, ≥ the
        /// compute type's ε).
        pub tol: f64,
        /// Iteration cap (≥ 1).
        pub max_iter: usize,
        /// Initial penalty ρ; `None` uses ‖JAJ‖₂ / K.
        pub rho: Option<f64>,
        /// Residual balancing period in iterations (0 disables balancing).
        pub balance_every: usize,
        /// Compute the dual bound and duality gap at the end (one extra eigenvalue computation).
        pub dual_bound: bool,
    }
}

impl Default for AdmmParams {
    fn default() -> Self {
        Self { tol: 1e-6, max_iter: 20_000, rho: None, balance_every: 10, dual_bound: true }
    }
}

impl DenseSolver for AdmmParams {
    fn check(&self) -> Result<()> {
        self.validate()
    }
    fn tol(&self) -> f64 {
        self.tol
    }
    fn solve<F: Linalg>(&self, aff: &Affinity<F>, k: usize, monitor: &mut dyn Monitor) -> Result<(Vec<F>, SdpInfo)> {
        run(aff, k, self, monitor)
    }
}

impl AdmmParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate::positive_param(self.tol, "tol")?;
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter { name: "max_iter", value: 0.0 });
        }
        if let Some(rho) = self.rho {
            validate::positive_param(rho, "rho")?;
        }
        Ok(())
    }
}

/// Solves the Peng–Wei SDP for `k` clusters by ADMM and writes Z (row-major n × n) into `z`.
pub fn admm<T: Real>(aff: &Affinity<T::Acc>, k: usize, params: &AdmmParams, z: &mut [T]) -> Result<SdpInfo>
where
    T::Acc: Linalg,
{
    solve_into(aff, k, params, z)
}

/// [`admm`] returning an owned Z in the compute type.
pub fn admm_alloc<F: Linalg>(aff: &Affinity<F>, k: usize, params: &AdmmParams) -> Result<(Vec<F>, SdpInfo)> {
    solve_owned(aff, k, params, &mut Unmonitored)
}

/// [`admm_alloc`] reporting every iteration to `monitor` (residual = the larger relative
/// residual); a `Break` stops with the current iterate, not converged.
pub fn admm_monitored<F: Linalg>(
    aff: &Affinity<F>,
    k: usize,
    params: &AdmmParams,
    monitor: &mut dyn Monitor,
) -> Result<(Vec<F>, SdpInfo)> {
    solve_owned(aff, k, params, monitor)
}

/// W⁺ = max(Z + U, 0), U ← U + Z − W⁺, W ← W⁺; returns (‖Z − W⁺‖², ‖W⁺ − W‖²). Eight
/// independent accumulators, so that the pass vectorises.
fn clip_and_ascend<F: Float>(zc: &[F], w: &mut [F], u: &mut [F]) -> (F, F) {
    const L: usize = 8;
    let (mut pr, mut du) = ([F::ZERO; L], [F::ZERO; L]);
    let mut step = |l: usize, z: F, w: &mut F, u: &mut F| {
        let wn = Float::max(z + *u, F::ZERO);
        let d = z - wn;
        pr[l] += d * d;
        let dw = wn - *w;
        du[l] += dw * dw;
        *u += d;
        *w = wn;
    };
    let (zs, ws, us) = (zc.chunks_exact(L), w.chunks_exact_mut(L), u.chunks_exact_mut(L));
    let (zr, mut zs) = (zs.remainder(), zs);
    let mut ws = ws;
    let mut us = us;
    for ((zb, wb), ub) in (&mut zs).zip(&mut ws).zip(&mut us) {
        for l in 0..L {
            step(l, zb[l], &mut wb[l], &mut ub[l]);
        }
    }
    for ((&z, wv), uv) in zr.iter().zip(ws.into_remainder()).zip(us.into_remainder()) {
        step(0, z, wv, uv);
    }
    (pr.iter().fold(F::ZERO, |a, &b| a + b), du.iter().fold(F::ZERO, |a, &b| a + b))
}

/// Whether the dense projection of `m` is within `tol`·max(1, ‖Z‖_F) of the `zc` that the warm
/// partial eigenpairs produced (the check before accepting convergence).
fn exact_projection_agrees<F: Linalg>(proj: &mut AffinePsdProjector<F>, m: &[F], zc: &[F], tol: F) -> Result<bool> {
    let mut exact = vec![F::ZERO; zc.len()];
    proj.exact_only = true;
    proj.project(m, &mut exact)?;
    proj.exact_only = false;
    let diff: F = exact.iter().zip(zc).map(|(&a, &b)| (a - b) * (a - b)).sum();
    Ok(Float::sqrt(diff) <= tol * Float::max(F::ONE, Float::sqrt(lanes::dot(zc, zc))))
}

fn run<F: Linalg>(
    aff: &Affinity<F>,
    k: usize,
    params: &AdmmParams,
    monitor: &mut dyn Monitor,
) -> Result<(Vec<F>, SdpInfo)> {
    let n = aff.n();
    // A symmetric to the last bit, so that M below (built elementwise from A and the exactly
    // symmetric Z, W, U) is too.
    let mut a = aff.centred().to_vec();
    let half = <F as Float>::from_f64(0.5);
    for i in 0..n {
        for j in 0..i {
            let avg = (a[i * n + j] + a[j * n + i]) * half;
            a[i * n + j] = avg;
            a[j * n + i] = avg;
        }
    }
    let mut proj = AffinePsdProjector::new(n, k, <F as Float>::from_f64(params.tol * 1e-3));
    let mut rho = match params.rho {
        Some(r) => <F as Float>::from_f64(r),
        None => aff.spectral_norm() / <F as Float>::from_usize(k),
    };
    let tol = <F as Float>::from_f64(params.tol);
    let inv_n = F::ONE / <F as Float>::from_usize(n);
    let mut w = vec![inv_n; n * n];
    let mut u = vec![F::ZERO; n * n];
    let mut zc = vec![F::ZERO; n * n];
    let mut m = vec![F::ZERO; n * n];
    let (mut r, mut s) = (F::INFINITY, F::INFINITY);
    let mut iterations = 0;
    let mut converged = false;
    let ten = <F as Float>::from_f64(10.0);
    let two = <F as Float>::from_f64(2.0);
    let floor = <F as Float>::from_f64(params.tol * 1e-3);
    let (cap, tenth) = (<F as Float>::from_f64(1e-3), <F as Float>::from_f64(0.1));
    let (band, lo, hi) = (two, <F as Float>::from_f64(0.1), ten);
    while iterations < params.max_iter {
        iterations += 1;
        let inv_rho = F::ONE / rho;
        for i in 0..n * n {
            m[i] = w[i] - u[i] + a[i] * inv_rho;
        }
        // Inexact projections, tightening with the residuals (never looser than 1e-3, never
        // tighter than needed for `tol`); the dense projection confirms convergence.
        proj.partial_tol = Float::max(floor, Float::min(cap, tenth * Float::min(r, s)));
        proj.project(&m, &mut zc)?;
        let (pr, du) = clip_and_ascend(&zc, &mut w, &mut u);
        r = Float::sqrt(pr) / Float::max(F::ONE, Float::sqrt(lanes::dot(&zc, &zc)));
        s = rho * Float::sqrt(du) / Float::max(F::ONE, rho * Float::sqrt(lanes::dot(&u, &u)));
        if !Float::is_finite(r) || !Float::is_finite(s) {
            return Err(Error::NumericalBreakdown { what: "ADMM residuals", iteration: iterations });
        }
        let residual = Float::to_f64(Float::max(r, s));
        let stop = monitor.iteration(&Iteration { run: 0, iteration: iterations, max_iter: params.max_iter, residual });
        if r < tol && s < tol {
            if proj.last_partial && !exact_projection_agrees(&mut proj, &m, &zc, tol)? {
                proj.exact_only = true;
                continue;
            }
            converged = equalities_hold(&zc, n, k, tol);
            break;
        }
        if stop.is_break() {
            break;
        }
        if params.balance_every > 0 && iterations % params.balance_every == 0 {
            let factor = Float::sqrt(r / s);
            if factor > band || factor * band < F::ONE {
                let factor = Float::min(Float::max(factor, lo), hi);
                rho *= factor;
                u.iter_mut().for_each(|v| *v /= factor);
            }
        }
    }
    let value = aff.centred_value(&zc);
    let duality_gap = if params.dual_bound {
        for i in 0..n * n {
            m[i] = a[i] + Float::max(-rho * u[i], F::ZERO);
        }
        let bound = support_c1(&mut proj, &m)?;
        Some(Float::to_f64(Float::abs(aff.user_objective(bound) - aff.user_objective(value))))
            .map(|g| if bound >= value { g } else { -g })
    } else {
        None
    };
    let info = SdpInfo {
        iterations,
        primal_residual: Float::to_f64(r),
        dual_residual: Float::to_f64(s),
        objective: Float::to_f64(aff.user_objective(value)),
        duality_gap,
        converged,
    };
    Ok((zc, info))
}
