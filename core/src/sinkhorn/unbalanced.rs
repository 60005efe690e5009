//! Unbalanced (KL-relaxed) Sinkhorn with POT `sinkhorn_unbalanced` (method "sinkhorn")
//! semantics (Chizat, Peyré, Schmitzer & Vialard 2018, "Scaling algorithms for unbalanced
//! optimal transport problems"; Frogner et al. 2015).
//!
//! Problem (cost form, M = −σx), with τ_a = `reg_m_a`, τ_b = `reg_m_b`:
//!
//! ```text
//! min_Q ⟨Q, M⟩ + ε R(Q) + τ_a KL(Q1 ‖ a) + τ_b KL(Qᵀ1 ‖ b)
//! R(Q) = Σ Q(log Q − 1)      ("entropy": kernel K = exp(σx/ε))
//! R(Q) = KL(Q ‖ a bᵀ)        ("kl": kernel K = a bᵀ ⊙ exp(σx/ε))
//! ```
//!
//! With λ_a = τ_a/(τ_a + ε) (1 when τ_a = ∞, i.e. that marginal is exact) and the same for b,
//! starting from u = v = 1, **u first, then v** (the opposite of POT's balanced solver):
//!
//! ```text
//! u ← (a ⊘ K v)^λ_a,    v ← (b ⊘ Kᵀ u)^λ_b,    Q = diag(u) K diag(v)
//! ```
//!
//! One fused pass per iteration ([`super::fused`]). Stop when
//! ½(‖u − u_prev‖∞ / max(‖u‖∞, ‖u_prev‖∞, 1) + the same for v) < `tol`, tested after every
//! iteration. The kernel is not max-shifted (a shift would change the relaxed problem), so
//! `max σx / ε` must stay below ln(MAX/(n·k)) (else [`Error::InvalidParameter`] on `eps`).
//! Numerical-error guard as POT: on a zero column sum or a scaling that is not finite or
//! underflowed to 0, the previous (u, v) are restored, written as potentials, and
//! [`Error::NumericalBreakdown`] is returned; so is an overflowing plan mass ΣQ (the final
//! scalings are written then).
//!
//! Potentials: `Q_ij = exp((σx_ij + f_i + g_j)/ε)` with f = ε ln u (+ ε ln a for "kl") and
//! g = ε ln v (+ ε ln b). The plan's mass ΣQ is reported (it is neither Σa nor Σb).

use super::check::{unbalanced_inputs, unshifted_kernel_fits};
use super::fused::{RowRule, build_kernel, scaling_pass};
use super::info::UnbalancedInfo;
use super::params::{UnbalancedEntropy, UnbalancedParams};
use super::scaling::positive_scaling;
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::validate::finite_output;

/// Scratch (in `T::Acc` elements) of [`sinkhorn_unbalanced`]: kernel (n·k), column sums (k),
/// previous scalings (n + k), the row chunks' column partials (k).
pub fn sinkhorn_unbalanced_scratch(n: usize, k: usize) -> usize {
    n.saturating_mul(k).saturating_add(n).saturating_add(k.saturating_mul(3))
}

/// KL-relaxed entropic OT (see the module documentation). `a` (n) and `b` (k) are strictly
/// positive, of any total mass up to MAX/2 of `T::Acc` — equal masses when both relaxations
/// are infinite (else [`Error::MassMismatch`]: that problem is balanced); `f` (n), `g` (k)
/// receive the potentials.
pub fn sinkhorn_unbalanced<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &UnbalancedParams,
    f: &mut [T::Acc],
    g: &mut [T::Acc],
    scratch: &mut [T::Acc],
) -> Result<UnbalancedInfo> {
    let (n, k) = (x.rows(), x.cols());
    let hi = unbalanced_inputs(x, a, b, params, f, g, scratch, sinkhorn_unbalanced_scratch(n, k))?;
    let eps = <T::Acc as Float>::from_f64(params.eps);
    unshifted_kernel_fits(hi / eps, eps, n.saturating_mul(k))?;

    let zero = <T::Acc as Float>::ZERO;
    let one = <T::Acc as Float>::ONE;
    let (lam_a, lam_b) = params.exponents::<T::Acc>();
    let (kernel, rest) = scratch.split_at_mut(n * k);
    let (colacc, rest) = rest.split_at_mut(k);
    let (uprev, rest) = rest.split_at_mut(n);
    let (vprev, rest) = rest.split_at_mut(k);
    let work = &mut rest[..k];
    let scale = <T::Acc as Float>::from_f64(params.kind.sign()) / eps;
    build_kernel::<T>(x.as_slice(), k, scale, zero, kernel, colacc, work);
    if params.entropy == UnbalancedEntropy::Kl {
        for (row, ai) in kernel.chunks_exact_mut(k).zip(a) {
            for (kv, bj) in row.iter_mut().zip(b) {
                *kv = *kv * ai.to_acc() * bj.to_acc();
            }
        }
    }

    let (u, v) = (f, g);
    u.fill(one);
    v.fill(one);
    let mut info = UnbalancedInfo { iterations: 0, change: f64::INFINITY, converged: false, mass: 0.0 };
    for it in 0..params.max_iter {
        uprev.copy_from_slice(u);
        vprev.copy_from_slice(v);
        let mut ok = scaling_pass::<T>(kernel, k, v, RowRule::Power(a, lam_a), Some(u), colacc, work);
        for ((vj, &cj), bj) in v.iter_mut().zip(colacc.iter()).zip(b) {
            *vj = (bj.to_acc() / cj).powf(lam_b);
            ok &= positive_scaling(cj, *vj);
        }
        if !ok {
            u.copy_from_slice(uprev);
            v.copy_from_slice(vprev);
            write_potentials::<T>(u, v, a, b, params, eps);
            return Err(Error::NumericalBreakdown { what: "sinkhorn_unbalanced", iteration: it + 1 });
        }
        info.iterations = it + 1;
        info.change = 0.5 * (relative_change(u, uprev) + relative_change(v, vprev));
        if info.change < params.tol {
            info.converged = true;
            break;
        }
    }
    let mut mass = zero;
    for (&vj, &cj) in v.iter().zip(colacc.iter()) {
        mass += vj * cj;
    }
    info.mass = mass.to_f64();
    write_potentials::<T>(u, v, a, b, params, eps);
    finite_output(&[mass], "sinkhorn_unbalanced mass", info.iterations)?;
    Ok(info)
}

/// ‖x − p‖∞ / max(‖x‖∞, ‖p‖∞, 1).
fn relative_change<F: Float>(x: &[F], p: &[F]) -> f64 {
    let (mut d, mut mx, mut mp) = (F::ZERO, F::ONE, F::ZERO);
    for (&xi, &pi) in x.iter().zip(p) {
        d = d.max((xi - pi).abs());
        mx = mx.max(xi.abs());
        mp = mp.max(pi.abs());
    }
    (d / mx.max(mp)).to_f64()
}

/// f = ε (ln u + ln a) ("kl") or ε ln u, the same for g: a sum of logarithms, since the
/// product u·a of two positive finite numbers may under- or overflow (fuzz finding).
fn write_potentials<T: Real>(
    u: &mut [T::Acc],
    v: &mut [T::Acc],
    a: &[T],
    b: &[T],
    params: &UnbalancedParams,
    eps: T::Acc,
) {
    let kl = params.entropy == UnbalancedEntropy::Kl;
    for (ui, ai) in u.iter_mut().zip(a) {
        let w = if kl { ai.to_acc().ln() } else { <T::Acc as Float>::ZERO };
        *ui = eps * (ui.ln() + w);
    }
    for (vj, bj) in v.iter_mut().zip(b) {
        let w = if kl { bj.to_acc().ln() } else { <T::Acc as Float>::ZERO };
        *vj = eps * (vj.ln() + w);
    }
}
