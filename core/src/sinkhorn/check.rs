//! Input validation shared by the Sinkhorn entries. Everything here runs before any output
//! or scratch is written.

use super::params::{SinkhornParams, UnbalancedParams};
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;
use crate::validate::{finite, len, nonnegative, scratch as scratch_len};

/// Relative tolerance on |Σa − Σb| for balanced problems, relative to max(Σa, Σb):
/// max(√ε of the compute type, 2 ε of the storage type) — 1.5e-8 for f64, 3.5e-4 for f32,
/// 2e-3 for f16, 1.6e-2 for bf16 (rounding unit-mass marginals to the storage type moves each
/// total by up to ε/2). Within it, the b-side error cannot fall below |Σa − Σb|.
pub(crate) fn mass_tolerance<T: Real>() -> T::Acc {
    let one = <T::Acc as Float>::ONE;
    let two = one + one;
    // Storage epsilon: the smallest power of two δ with 1 + δ representable in T.
    let mut delta = one;
    while T::from_acc(one + delta / two).to_acc() > one {
        delta /= two;
    }
    <T::Acc as Float>::EPSILON.sqrt().max(two * delta)
}

/// ε fits the compute type F: 1/√MAX ≤ ε ≤ √MAX, so that 1/ε and the potentials ε·ln u
/// (|ln u| ≤ ln MAX) stay finite (a positive f64 ε such as 1e300 or 5e-324 would otherwise be
/// accepted and give ±∞ or NaN potentials; fuzz finding).
pub(crate) fn eps_fits<F: Float>(eps: f64) -> Result<()> {
    let e = F::from_f64(eps);
    let root = F::MAX.sqrt();
    if e.is_finite() && e <= root && e * root >= F::ONE {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name: "eps", value: eps })
    }
}

/// `w` has length `n`, finite strictly positive entries, and a total Σw ≤ MAX/2 of the
/// compute type (else [`Error::MassMismatch`] with that bound as `expected`): the plan's
/// column sums, Σw up to rounding, must not overflow (fuzz finding: a total of 2·MAX summed
/// to +∞ and passed the mass check; one near MAX gave an infinite marginal error). Returns Σw.
pub(crate) fn marginal<T: Real>(w: &[T], n: usize, what: &'static str) -> Result<T::Acc> {
    len(w, n, what)?;
    let total = nonnegative(w, true, what)?;
    let limit = <T::Acc as Float>::MAX * <T::Acc as Float>::from_f64(0.5);
    if total <= limit {
        Ok(total)
    } else {
        Err(Error::MassMismatch { what, found: total.to_f64(), expected: limit.to_f64() })
    }
}

/// The log-domain exponents σx/ε and the potentials (a few times max |x| in magnitude) stay
/// finite: max |x| / ε and max |x| at most MAX/64 of the compute type F (fuzz finding:
/// x = 3.4e38 with ε = 0.02 in f32 overflowed x/ε and gave NaN potentials). Errors:
/// [`Error::InvalidParameter`] `eps` when the ratio is too large, `x` (with max |x|) when
/// the entries themselves are.
pub(crate) fn log_domain_fits<F: Float>(hi: F, lo: F, eps: F) -> Result<()> {
    let limit = F::MAX / F::from_f64(64.0);
    let m = hi.abs().max(lo.abs());
    if m > limit {
        Err(Error::InvalidParameter { name: "x", value: m.to_f64() })
    } else if m / eps > limit {
        Err(Error::InvalidParameter { name: "eps", value: eps.to_f64() })
    } else {
        Ok(())
    }
}

/// Σa and Σb agree to [`mass_tolerance`].
pub(crate) fn equal_mass<T: Real>(ta: T::Acc, tb: T::Acc) -> Result<()> {
    let scale = ta.max(tb);
    if (ta - tb).abs() <= mass_tolerance::<T>() * scale {
        Ok(())
    } else {
        Err(Error::MassMismatch { what: "b", found: tb.to_f64(), expected: ta.to_f64() })
    }
}

/// Everything a balanced solver checks before writing anything: parameters, marginals (length,
/// strictly positive, equal mass), output lengths, scratch of at least `needed` elements, and a
/// finite `x`. Returns max σ·x.
#[allow(clippy::too_many_arguments)]
pub(crate) fn balanced_inputs<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &SinkhornParams,
    f: &[T::Acc],
    g: &[T::Acc],
    scratch: &[T::Acc],
    needed: usize,
) -> Result<T::Acc> {
    params.validate()?;
    problem_inputs(x, a, b, params.eps, params.kind.sign(), true, f, g, scratch, needed)
}

/// What an unbalanced solver checks before writing anything: parameters, marginals (length,
/// strictly positive, any mass — unless both relaxations are exact in the compute type,
/// λ_a = λ_b = 1, i.e. the problem is balanced: then Σa = Σb to [`mass_tolerance`], since
/// otherwise no plan exists and the scalings diverge geometrically until they under- or
/// overflow; fuzz finding), output lengths, scratch of at least `needed` elements, and a
/// finite `x`. Returns max σ·x.
#[allow(clippy::too_many_arguments)]
pub(crate) fn unbalanced_inputs<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &UnbalancedParams,
    f: &[T::Acc],
    g: &[T::Acc],
    scratch: &[T::Acc],
    needed: usize,
) -> Result<T::Acc> {
    params.validate()?;
    let exact = params.exponents::<T::Acc>() == (<T::Acc as Float>::ONE, <T::Acc as Float>::ONE);
    problem_inputs(x, a, b, params.eps, params.kind.sign(), exact, f, g, scratch, needed)
}

/// The checks both solver families share once their parameters are valid: ε representable,
/// marginals (Σa = Σb when `equal_masses`), output and scratch lengths, finite `x`. Returns
/// max σ·x.
#[allow(clippy::too_many_arguments)]
fn problem_inputs<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    eps: f64,
    sign: f64,
    equal_masses: bool,
    f: &[T::Acc],
    g: &[T::Acc],
    scratch: &[T::Acc],
    needed: usize,
) -> Result<T::Acc> {
    let (n, k) = (x.rows(), x.cols());
    eps_fits::<T::Acc>(eps)?;
    let ta = marginal(a, n, "a")?;
    let tb = marginal(b, k, "b")?;
    if equal_masses {
        equal_mass::<T>(ta, tb)?;
    }
    len(f, n, "f")?;
    len(g, k, "g")?;
    scratch_len(scratch, needed)?;
    gain_max(x.as_slice(), sign, "x")
}

/// The input matrix is finite; returns (max x, min x) in the compute type.
pub(crate) fn span<T: Real>(x: &[T], what: &'static str) -> Result<(T::Acc, T::Acc)> {
    let (hi, lo, poison) = range_dispatch::<T>(x, <T::Acc as Float>::ONE);
    if !poison.is_finite() {
        finite(x, what)?;
    }
    Ok((hi, lo))
}

/// The input matrix is finite; returns max σ·x in the compute type.
/// One vectorisable pass: a lane-wise select max, and a poison sum Σ 0·x that is NaN iff some
/// entry is NaN or ±∞ (only then is the offending index searched for).
pub(crate) fn gain_max<T: Real>(x: &[T], sign: f64, what: &'static str) -> Result<T::Acc> {
    let (hi, _, poison) = range_dispatch::<T>(x, <T::Acc as Float>::from_f64(sign));
    if !poison.is_finite() {
        finite(x, what)?;
    }
    Ok(hi)
}

const LANES: usize = 16;

/// max σ·x, min σ·x and the poison sum Σ 0·σx (NaN iff some entry is NaN or ±∞), with lane
/// accumulators so that it vectorises.
#[inline(always)]
pub(crate) fn range_body<T: Real>(x: &[T], sign: T::Acc) -> (T::Acc, T::Acc, T::Acc) {
    let zero = <T::Acc as Float>::ZERO;
    let mut hi = [<T::Acc as Float>::NEG_INFINITY; LANES];
    let mut lo = [<T::Acc as Float>::INFINITY; LANES];
    let mut poison = [zero; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            let v = c[l].to_acc() * sign;
            hi[l] = if v > hi[l] { v } else { hi[l] };
            lo[l] = if v < lo[l] { v } else { lo[l] };
            poison[l] += v * zero;
        }
    }
    let (mut h0, mut l0, mut p0) = (<T::Acc as Float>::NEG_INFINITY, <T::Acc as Float>::INFINITY, zero);
    for v in tail.iter().map(|v| v.to_acc() * sign) {
        h0 = if v > h0 { v } else { h0 };
        l0 = if v < l0 { v } else { l0 };
        p0 += v * zero;
    }
    for l in 0..LANES {
        h0 = if hi[l] > h0 { hi[l] } else { h0 };
        l0 = if lo[l] < l0 { lo[l] } else { l0 };
        p0 += poison[l];
    }
    (h0, l0, p0)
}

simd_dispatch! {
    /// [`range_body`], in an AVX2 instantiation when the CPU has it.
    fn range_dispatch<T: Real>(x: &[T], sign: T::Acc) -> (T::Acc, T::Acc, T::Acc) => range_body
}

/// The largest exp argument `a_hi` (the gain maximum divided by ε) fits the compute type's
/// exponent range, so that no kernel entry overflows and the scaled sums stay finite:
/// `a_hi < ln(MAX) − ln(n·k)`; otherwise ε is reported as the bad parameter.
pub(crate) fn unshifted_kernel_fits<F: Float>(a_hi: F, eps: F, entries: usize) -> Result<()> {
    let room = F::MAX.ln() - F::from_usize(entries).ln();
    if a_hi < room { Ok(()) } else { Err(Error::InvalidParameter { name: "eps", value: eps.to_f64() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marginals_and_masses() {
        assert_eq!(marginal(&[0.5f64, 0.5], 2, "a"), Ok(1.0));
        assert!(matches!(marginal(&[0.5f64, 0.0], 2, "a"), Err(Error::Negative { index: 1, .. })));
        assert!(matches!(marginal(&[0.5f64], 2, "a"), Err(Error::ShapeMismatch { .. })));
        assert!(matches!(marginal(&[f64::NAN, 1.0], 2, "a"), Err(Error::NonFinite { .. })));
        assert!(equal_mass::<f64>(1.0, 1.0 + 1e-10).is_ok());
        assert!(equal_mass::<f64>(1.0, 1.0 + 1e-6).is_err());
        assert!(equal_mass::<f32>(1.0, 1.0 + 1e-4).is_ok());
        assert!(matches!(marginal(&[f64::MAX, f64::MAX], 2, "b"), Err(Error::MassMismatch { what: "b", .. })));
        assert!(matches!(marginal(&[0.6 * f64::MAX], 1, "b"), Err(Error::MassMismatch { .. })));
        assert!(marginal(&[0.4 * f64::MAX], 1, "b").is_ok());
        assert!(log_domain_fits(1.0f32, -1.0, 0.02).is_ok());
        assert_eq!(
            log_domain_fits(3.4e38f32, 0.0, 1.0),
            Err(Error::InvalidParameter { name: "x", value: 3.4e38f32 as f64 })
        );
        assert!(matches!(log_domain_fits(1e36f32, -1.0, 0.02), Err(Error::InvalidParameter { name: "eps", .. })));
        assert!(equal_mass::<f32>(1.0, 1.0 + 1e-3).is_err());
        assert!(equal_mass::<half::f16>(1.0, 1.0 + 1e-3).is_ok());
        assert!(equal_mass::<half::bf16>(1.0, 1.0 + 1e-2).is_ok());
        assert!((mass_tolerance::<half::bf16>() - 0.015625).abs() < 1e-9);
        assert_eq!(gain_max(&[1.0f64, -2.0], -1.0, "x"), Ok(2.0));
        assert!(gain_max(&[1.0f32, f32::INFINITY], 1.0, "x").is_err());
        let long: [f64; 37] = core::array::from_fn(|i| (i as f64 * 0.37).sin());
        let hi = long.iter().fold(f64::NEG_INFINITY, |h, &v| h.max(v));
        let lo = long.iter().fold(f64::INFINITY, |l, &v| l.min(v));
        assert_eq!(gain_max(&long, 1.0, "x"), Ok(hi));
        assert_eq!(gain_max(&long, -1.0, "x"), Ok(-lo));
        let mut bad = long;
        bad[20] = f64::NAN;
        assert_eq!(gain_max(&bad, 1.0, "x"), Err(Error::NonFinite { what: "x", index: 20 }));
        bad[20] = f64::NEG_INFINITY;
        assert_eq!(gain_max(&bad, -1.0, "x"), Err(Error::NonFinite { what: "x", index: 20 }));
        assert!(unshifted_kernel_fits(1.0f32 / 0.01, 0.01, 100).is_err());
        assert!(unshifted_kernel_fits(1.0f32 / 0.1, 0.1, 100).is_ok());
    }
}
