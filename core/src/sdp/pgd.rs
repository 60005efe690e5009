//! Accelerated projected gradient for the Peng–Wei SDP.
//!
//! The objective is linear, so a projected-gradient step with step η is the proximal step
//! Z⁺ = Π_{C1∩C2}(Y + ηA), C1 = {Z ⪰ 0, Z1 = 1, tr Z = K} and C2 = {Z ≥ 0}, accelerated by
//! FISTA momentum Y = Z⁺ + ((t − 1)/t⁺)(Z⁺ − Z), t⁺ = (1 + √(1 + 4t²))/2 (Beck & Teboulle,
//! SIAM J. Imaging Sci. 2(1), 2009) with adaptive restart t ← 1 whenever ⟨A, Z⁺ − Z⟩ < 0
//! (O'Donoghue & Candès, Found. Comput. Math. 15, 2015). The projection onto C1 ∩ C2 is
//! Dykstra's alternating projection (Boyle & Dykstra 1986) between the projections onto C1
//! (eigenpairs + scaled simplex, the eigenpairs warm-started and accurate to 1e-3·`tol`) and
//! C2 (clipping):
//!
//! ```text
//!     y = Π_C1(x + p);  p ← x + p − y;  x⁺ = max(y + q, 0);  q ← y + q − x⁺
//! ```
//!
//! warm-started across outer steps through its invariant x + p + q = (the point projected),
//! and run for at most `inner_iter` sweeps per step (an inexact projection that becomes exact
//! as the iterates settle). Stops when the relative step ‖Z⁺ − Z‖_F / max(1, ‖Z‖_F) and the
//! Dykstra disagreement ‖x − y‖_F / max(1, ‖y‖_F) are both below `tol`; returns y (in C1),
//! reported `converged` only when it meets tr Z = K and Z1 = 1 to the tolerance (a huge step
//! makes the projected matrix huge and its projection lose the trace to rounding).

use alloc::vec;
use alloc::vec::Vec;

use crate::scalar::Linalg;

use super::SdpInfo;
use super::dense::{DenseSolver, equalities_hold, solve_into, solve_owned};
use super::problem::Affinity;
use super::projection::AffinePsdProjector;
use crate::error::{Error, Result};
use crate::monitor::{Iteration, Monitor, Unmonitored};
use crate::scalar::{Float, Real};
use crate::validate;

params! {
    /// Parameters of [`pgd`].
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct PgdParams {
        /// Stop when both relative residuals are below this (finite, ≥ the compute type's ε).
        pub tol: f64,
        /// Outer (gradient) step cap (≥ 1).
        pub max_iter: usize,
        /// Step η; `None` uses K / ‖JAJ‖₂.
        pub step: Option<f64>,
        /// Dykstra sweeps per outer step (≥ 1).
        pub inner_iter: usize,
        /// FISTA momentum with adaptive restart (plain projected gradient when false).
        pub accelerate: bool,
    }
}

impl Default for PgdParams {
    fn default() -> Self {
        Self { tol: 1e-6, max_iter: 20_000, step: None, inner_iter: 5, accelerate: true }
    }
}

impl DenseSolver for PgdParams {
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

impl PgdParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate::positive_param(self.tol, "tol")?;
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter { name: "max_iter", value: 0.0 });
        }
        if self.inner_iter == 0 {
            return Err(Error::InvalidParameter { name: "inner_iter", value: 0.0 });
        }
        if let Some(step) = self.step {
            validate::positive_param(step, "step")?;
        }
        Ok(())
    }
}

/// Solves the Peng–Wei SDP for `k` clusters by accelerated projected gradient and writes Z
/// (row-major n × n) into `z`.
pub fn pgd<T: Real>(aff: &Affinity<T::Acc>, k: usize, params: &PgdParams, z: &mut [T]) -> Result<SdpInfo>
where
    T::Acc: Linalg,
{
    solve_into(aff, k, params, z)
}

/// [`pgd`] returning an owned Z in the compute type.
pub fn pgd_alloc<F: Linalg>(aff: &Affinity<F>, k: usize, params: &PgdParams) -> Result<(Vec<F>, SdpInfo)> {
    solve_owned(aff, k, params, &mut Unmonitored)
}

/// [`pgd_alloc`] reporting every iteration to `monitor` (residual = the larger relative
/// residual); a `Break` stops with the current iterate, not converged.
pub fn pgd_monitored<F: Linalg>(
    aff: &Affinity<F>,
    k: usize,
    params: &PgdParams,
    monitor: &mut dyn Monitor,
) -> Result<(Vec<F>, SdpInfo)> {
    solve_owned(aff, k, params, monitor)
}

fn frob<F: Float>(x: &[F]) -> F {
    Float::sqrt(x.iter().map(|&v| v * v).sum::<F>())
}

fn run<F: Linalg>(
    aff: &Affinity<F>,
    k: usize,
    params: &PgdParams,
    monitor: &mut dyn Monitor,
) -> Result<(Vec<F>, SdpInfo)> {
    let n = aff.n();
    let nn = n * n;
    let a = aff.centred();
    let mut proj = AffinePsdProjector::new(n, k, <F as Float>::from_f64(params.tol * 1e-3));
    let eta = match params.step {
        Some(s) => <F as Float>::from_f64(s),
        None => <F as Float>::from_usize(k) / aff.spectral_norm(),
    };
    let tol = <F as Float>::from_f64(params.tol);
    let half = <F as Float>::from_f64(0.5);
    let inv_n = F::ONE / <F as Float>::from_usize(n);
    let mut z = vec![inv_n; nn];
    let mut extrapolated = z.clone();
    let (mut p, mut q) = (vec![F::ZERO; nn], vec![F::ZERO; nn]);
    let (mut x, mut y, mut buf) = (vec![F::ZERO; nn], vec![F::ZERO; nn], vec![F::ZERO; nn]);
    let mut t = F::ONE;
    let (mut r, mut s) = (F::INFINITY, F::INFINITY);
    let mut iterations = 0;
    let mut converged = false;
    while iterations < params.max_iter {
        iterations += 1;
        for i in 0..nn {
            x[i] = extrapolated[i] + eta * a[i] - p[i] - q[i];
        }
        for _ in 0..params.inner_iter {
            for i in 0..n {
                for j in 0..n {
                    buf[i * n + j] = (x[i * n + j] + p[i * n + j] + x[j * n + i] + p[j * n + i]) * half;
                }
            }
            proj.project(&buf, &mut y)?;
            let mut gap = F::ZERO;
            for i in 0..nn {
                p[i] = x[i] + p[i] - y[i];
                let xn = Float::max(y[i] + q[i], F::ZERO);
                q[i] = y[i] + q[i] - xn;
                x[i] = xn;
                gap += (xn - y[i]) * (xn - y[i]);
            }
            r = Float::sqrt(gap) / Float::max(F::ONE, frob(&y));
            if r < tol {
                break;
            }
        }
        let (mut step2, mut gain) = (F::ZERO, F::ZERO);
        for i in 0..nn {
            let d = x[i] - z[i];
            step2 += d * d;
            gain += a[i] * d;
        }
        s = Float::sqrt(step2) / Float::max(F::ONE, frob(&z));
        if !Float::is_finite(r) || !Float::is_finite(s) {
            return Err(Error::NumericalBreakdown { what: "projected gradient", iteration: iterations });
        }
        let residual = Float::to_f64(Float::max(r, s));
        let stop = monitor.iteration(&Iteration { run: 0, iteration: iterations, max_iter: params.max_iter, residual });
        let t_next = if params.accelerate && gain >= F::ZERO {
            (F::ONE + Float::sqrt(F::ONE + <F as Float>::from_f64(4.0) * t * t)) * half
        } else {
            F::ONE
        };
        let momentum = if params.accelerate && gain >= F::ZERO { (t - F::ONE) / t_next } else { F::ZERO };
        for i in 0..nn {
            extrapolated[i] = x[i] + momentum * (x[i] - z[i]);
            z[i] = x[i];
        }
        t = t_next;
        if r < tol && s < tol {
            converged = equalities_hold(&y, n, k, tol);
            break;
        }
        if stop.is_break() {
            break;
        }
    }
    let value = aff.centred_value(&y);
    let info = SdpInfo {
        iterations,
        primal_residual: Float::to_f64(r),
        dual_residual: Float::to_f64(s),
        objective: Float::to_f64(aff.user_objective(value)),
        duality_gap: None,
        converged,
    };
    Ok((y, info))
}
