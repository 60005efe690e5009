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
//! stopping when r and s are below `tol`; every `balance_every` iterations ρ doubles (U halves)
//! if r > 10s and halves if s > 10r. The returned Z is the C1 iterate (PSD, Z1 = 1, tr Z = K
//! to rounding; entries ≥ −r). The dual bound max_{Z∈C1} ⟨A + Y, Z⟩ with Y = max(−ρU, 0) ≥ 0
//! is an upper bound on SDP* and gives the reported duality gap.

use alloc::vec;
use alloc::vec::Vec;

use nalgebra::RealField;

use super::SdpInfo;
use super::problem::Affinity;
use super::projection::{AffinePsdProjector, support_c1};
use crate::error::{Error, Result};
use crate::scalar::{Float, Real};
use crate::validate;

/// Parameters of [`admm`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AdmmParams {
    /// Stop when the relative primal and dual residuals are both below this (> 0).
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

impl Default for AdmmParams {
    fn default() -> Self {
        Self { tol: 1e-6, max_iter: 20_000, rho: None, balance_every: 10, dual_bound: true }
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
    T::Acc: RealField,
{
    let n = aff.n();
    validate::cluster_count(k, n)?;
    params.validate()?;
    validate::len(z, n * n, "z")?;
    let (zf, info) = run::<T::Acc>(aff, k, params)?;
    z.iter_mut().zip(&zf).for_each(|(o, &v)| *o = T::from_acc(v));
    Ok(info)
}

/// [`admm`] returning an owned Z in the compute type.
pub fn admm_owned<F: Float + RealField>(aff: &Affinity<F>, k: usize, params: &AdmmParams) -> Result<(Vec<F>, SdpInfo)> {
    validate::cluster_count(k, aff.n())?;
    params.validate()?;
    run(aff, k, params)
}

fn frob<F: Float>(x: &[F]) -> F {
    Float::sqrt(x.iter().map(|&v| v * v).sum::<F>())
}

fn run<F: Float + RealField>(aff: &Affinity<F>, k: usize, params: &AdmmParams) -> Result<(Vec<F>, SdpInfo)> {
    let n = aff.n();
    let a = aff.centred();
    let mut proj = AffinePsdProjector::new(n, k);
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
    while iterations < params.max_iter {
        iterations += 1;
        let inv_rho = F::ONE / rho;
        for i in 0..n * n {
            m[i] = w[i] - u[i] + a[i] * inv_rho;
        }
        // W and U are symmetric in exact arithmetic; keep them so to the last bit.
        for i in 0..n {
            for j in 0..i {
                let avg = (m[i * n + j] + m[j * n + i]) / two;
                m[i * n + j] = avg;
                m[j * n + i] = avg;
            }
        }
        proj.project(&m, &mut zc)?;
        let (mut pr, mut du) = (F::ZERO, F::ZERO);
        for i in 0..n * n {
            let wn = Float::max(zc[i] + u[i], F::ZERO);
            let d = zc[i] - wn;
            pr += d * d;
            let dw = wn - w[i];
            du += dw * dw;
            u[i] += d;
            w[i] = wn;
        }
        r = Float::sqrt(pr) / Float::max(F::ONE, frob(&zc));
        s = rho * Float::sqrt(du) / Float::max(F::ONE, rho * frob(&u));
        if !Float::is_finite(r) || !Float::is_finite(s) {
            return Err(Error::NumericalBreakdown { what: "ADMM residuals", iteration: iterations });
        }
        if r < tol && s < tol {
            converged = true;
            break;
        }
        if params.balance_every > 0 && iterations % params.balance_every == 0 {
            if r > ten * s {
                rho *= two;
                u.iter_mut().for_each(|v| *v /= two);
            } else if s > ten * r {
                rho /= two;
                u.iter_mut().for_each(|v| *v *= two);
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
