//! Balanced Sinkhorn in scaling ("kernel") form, with POT `sinkhorn_knopp` semantics.
//!
//! Cuturi (2013), "Sinkhorn distances: lightspeed computation of optimal transport":
//!
//! ```text
//! G = exp((σx − max σx)/ε)          (σ = −1 cost, +1 similarity; the shift is absorbed in u)
//! repeat:  v ← b ⊘ (Gᵀ u)            (b-side first, as POT)
//!          u ← a ⊘ (G v)             (Gauss–Seidel: uses the new v)
//! Q = diag(u) G diag(v)
//! ```
//!
//! Each iteration is **one** fused pass over the stored kernel ([`super::fused`]): the row sums
//! with the current v finalise u and the column sums Gᵀu for the next v are accumulated from the
//! same rows. Stopping: after iterations 1, 1 + `check_every`, … the error ‖v ⊙ Gᵀu − b‖₂ =
//! ‖Qᵀ1 − b‖₂ is compared with `tol` (free: Gᵀu is the pass's by-product).
//!
//! Numerical-error guard (POT policy): if a column sum Gᵀu or a row sum G v is 0, or a scaling
//! is not finite or underflowed to 0, the previous scalings are restored, `f`/`g` receive the potentials of that
//! last good iterate, and the call returns [`Error::NumericalBreakdown`] with the 1-based
//! iteration (a typed error rather than a flag, so it cannot be overlooked). This happens when
//! the kernel underflows (span of σx over ε ≳ 87 in f32, 708 in f64): use
//! [`super::sinkhorn_log`] there.

use super::check::balanced_inputs;
use super::fused::{RowRule, build_kernel, scaling_pass};
use super::info::SinkhornInfo;
use super::params::SinkhornParams;
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};

/// Scratch (in `T::Acc` elements) of [`sinkhorn_scaling`] for an `n × k` problem:
/// the kernel (n·k), the column sums (k), the previous scalings (n + k) and the row chunks'
/// column partials (k).
pub fn sinkhorn_scaling_scratch(n: usize, k: usize) -> usize {
    n.saturating_mul(k).saturating_add(n).saturating_add(k.saturating_mul(3))
}

/// Balanced entropic OT in scaling form (see the module documentation).
///
/// - `x`: n × k cost or similarity (`params.kind`), finite.
/// - `a` (n), `b` (k): strictly positive marginals with Σa = Σb to a relative max(√ε of `T::Acc`, 2ε of `T`).
/// - `f` (n), `g` (k): receive the potentials, `Q_ij = exp((σx_ij + f_i + g_j)/ε)`.
/// - `scratch`: at least [`sinkhorn_scaling_scratch`]`(n, k)` elements.
///
/// Errors: shapes, non-finite or non-positive marginals, mass mismatch or a total above
/// MAX/2, bad parameters, scratch too small, non-finite `x` (all before anything is written);
/// [`Error::NumericalBreakdown`] as described in the module documentation.
pub fn sinkhorn_scaling<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &SinkhornParams,
    f: &mut [T::Acc],
    g: &mut [T::Acc],
    scratch: &mut [T::Acc],
) -> Result<SinkhornInfo> {
    let (n, k) = (x.rows(), x.cols());
    let hi = balanced_inputs(x, a, b, params, f, g, scratch, sinkhorn_scaling_scratch(n, k))?;

    let one = <T::Acc as Float>::ONE;
    let eps = <T::Acc as Float>::from_f64(params.eps);
    let (kernel, rest) = scratch.split_at_mut(n * k);
    let (colacc, rest) = rest.split_at_mut(k);
    let (uprev, rest) = rest.split_at_mut(n);
    let (vprev, rest) = rest.split_at_mut(k);
    let work = &mut rest[..k];
    let scale = <T::Acc as Float>::from_f64(params.kind.sign()) / eps;
    build_kernel::<T>(x.as_slice(), k, scale, hi / eps, kernel, colacc, work);

    let (u, v) = (f, g);
    u.fill(one);
    v.fill(one);
    let mut info = SinkhornInfo { iterations: 0, marginal_err: f64::INFINITY, converged: false };
    for it in 0..params.max_iter {
        uprev.copy_from_slice(u);
        vprev.copy_from_slice(v);
        let mut ok = true;
        for ((vj, &cj), bj) in v.iter_mut().zip(colacc.iter()).zip(b) {
            *vj = bj.to_acc() / cj;
            ok &= positive_scaling(cj, *vj);
        }
        ok &= scaling_pass::<T>(kernel, k, v, RowRule::Marginal(a), Some(u), colacc, work);
        if !ok {
            u.copy_from_slice(uprev);
            v.copy_from_slice(vprev);
            to_potentials(u, v, eps, hi);
            return Err(Error::NumericalBreakdown { what: "sinkhorn_scaling", iteration: it + 1 });
        }
        info.iterations = it + 1;
        let check = it % params.check_every == 0;
        if check || it + 1 == params.max_iter {
            info.marginal_err = column_error(v, colacc, b);
            if check && info.marginal_err < params.tol {
                info.converged = true;
                break;
            }
        }
    }
    to_potentials(u, v, eps, hi);
    Ok(info)
}

/// Whether a column sum `c` and the scaling `v` = b/c (or a power of it) derived from it can
/// be kept: c > 0, and v finite and > 0 — a scaling that underflowed to 0 would give the
/// potential ε ln v = −∞ (fuzz finding), so it counts as a breakdown like an overflow.
#[inline(always)]
pub(crate) fn positive_scaling<F: Float>(c: F, v: F) -> bool {
    c > F::ZERO && v > F::ZERO && v.is_finite()
}

/// ‖v ⊙ c − b‖₂ (c = Gᵀu).
pub(crate) fn column_error<T: Real>(v: &[T::Acc], c: &[T::Acc], b: &[T]) -> f64 {
    l2_norm(v.iter().zip(c).zip(b).map(|((&vj, &cj), bj)| (vj * cj - bj.to_acc()).to_f64()))
}

/// ‖d‖₂ in f64, scaled by max |dᵢ| so that squaring huge differences (marginals near the
/// top of the type's range) cannot overflow to +∞ (fuzz finding).
pub(crate) fn l2_norm(d: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = d.clone().fold(0.0f64, |m, x| m.max(x.abs()));
    if m == 0.0 || !m.is_finite() {
        return m;
    }
    m * d.map(|x| (x / m) * (x / m)).sum::<f64>().sqrt()
}

/// Scalings (u, v) of the kernel exp((σx − shift)/ε) → potentials f = ε ln u − shift, g = ε ln v.
pub(crate) fn to_potentials<F: Float>(u: &mut [F], v: &mut [F], eps: F, shift: F) {
    for ui in u.iter_mut() {
        *ui = eps * ui.ln() - shift;
    }
    for vj in v.iter_mut() {
        *vj = eps * vj.ln();
    }
}
