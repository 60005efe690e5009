//! Optimal-transport problems for the Sinkhorn targets, and the plan check they share.

use crate::{
    Result, Unstructured, acc_eps, assert_untouched, cast, count, describe, param, plan_sums, sentinel, snapshot_acc,
    values, weights, widen, widen_acc, writes_on_error,
};
use clasp_core::sinkhorn::{ScoreKind, SinkhornInfo, SinkhornParams};
use clasp_core::{Float, MatRef, Real};

/// An `n × k` score matrix with its marginals, in the storage scalar.
#[derive(Debug)]
pub struct Problem<T> {
    /// Rows (samples).
    pub n: usize,
    /// Columns (prototypes).
    pub k: usize,
    /// Scores, row-major (length `n·k` unless the case tests a shape error).
    pub x: Vec<T>,
    /// Row marginal.
    pub a: Vec<T>,
    /// Column marginal, usually rescaled to the mass of `a`.
    pub b: Vec<T>,
    /// Cost or similarity.
    pub kind: ScoreKind,
    /// Entropic weight (may be invalid).
    pub eps: f64,
}

/// Draws a problem of at most `n_max × k_max`; marginal lengths are off by one in one case
/// in 16, and `b` has the mass of `a` in three cases out of four.
pub fn problem<T: Real>(u: &mut Unstructured<'_>, n_max: usize, k_max: usize) -> Result<Problem<T>> {
    let wild = crate::wild(u)?;
    let n = u.int_in_range(1..=n_max)?;
    let k = u.int_in_range(1..=k_max)?;
    let x = values(u, n * k, wild)?;
    let (na, nb) = (jitter(u, n)?, jitter(u, k)?);
    let a = weights(u, na, wild)?;
    let mut b = weights(u, nb, wild)?;
    if u.ratio(3u8, 4)? {
        let (ta, tb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        b.iter_mut().for_each(|v| *v *= ta / tb);
    }
    let kind = if u.arbitrary()? { ScoreKind::Cost } else { ScoreKind::Similarity };
    let eps = param(u, 0.02, 20.0)?;
    let p = Problem { n, k, x: cast(&x), a: cast(&a), b: cast(&b), kind, eps };
    crate::trace(&p);
    Ok(p)
}

/// `len`, or one more or less in one case in 16.
pub fn jitter(u: &mut Unstructured<'_>, len: usize) -> Result<usize> {
    Ok(match u.int_in_range(0u8..=31)? {
        0 => len + 1,
        1 => len.saturating_sub(1),
        _ => len,
    })
}

/// A scratch length: the required one, or one less in one case in 16.
pub fn scratch_len(u: &mut Unstructured<'_>, needed: usize) -> Result<usize> {
    Ok(if u.ratio(1u8, 16)? { needed.saturating_sub(1) } else { needed })
}

/// Iteration budget and tolerance of a balanced solve.
pub fn budget(u: &mut Unstructured<'_>) -> Result<(usize, f64)> {
    let max_iter = count(u, 1, 200)?;
    let tol = if u.ratio(1u8, 4)? { 0.0 } else { param(u, 1e-9, 1e-1)? };
    Ok((max_iter, tol))
}

/// The largest |σx/ε| span of the problem: beyond the compute type's exp range (≈ 87 in f32,
/// 708 in f64) the kernel flushes entries the recomputed plan would keep.
pub fn span<T: Real>(p: &Problem<T>) -> f64 {
    let x = widen(&p.x);
    let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    (hi - lo) / p.eps
}

/// How a balanced solver computes: it decides which plans the marginal check can hold it to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Form {
    /// Scaling form: the kernel exp((σx − max σx)/ε) is stored in the compute type. Where the
    /// span of σx/ε exceeds its exp range (≈ 87 in f32, 708 in f64) kernel entries flush to 0,
    /// and the plan exp((σx + f + g)/ε) of the returned potentials keeps mass the solver never
    /// balanced: the README (Sinkhorn family) states the marginals for the scaling form only
    /// below that span, so the check is skipped above it.
    Scaling,
    /// Log domain: no kernel is stored, every log-sum-exp is max-shifted; the marginals hold at
    /// any span, and are checked at any span.
    Log,
}

/// [`recomputable`] for a solver whose kernel exp(σx/ε) is not max-shifted (unbalanced): also
/// every kernel entry must be a normal number of the compute type (σx/ε above ≈ −80 in f32,
/// −700 in f64), else it lost relative precision (fuzz finding: f16 costs ≈ 6.6 with
/// ε = 0.076 put the kernel at e^−87, and the reported mass differed by 0.5 %).
pub fn unshifted_recomputable<T: Real>(p: &Problem<T>, worst: f64) -> Option<f64> {
    let range = if acc_eps::<T>() > 1e-10 { 80.0 } else { 700.0 };
    let sign = p.kind.sign();
    let lo = widen(&p.x).iter().fold(f64::INFINITY, |l, &v| l.min(sign * v));
    recomputable(p, worst, Form::Scaling).filter(|_| lo / p.eps > -range)
}

/// Whether the plan of `p` can be recomputed from its potentials in f64 to the relative
/// accuracy `tol` returned (None when the exponent's terms are too large for that to mean
/// anything, or, for the scaling [`Form`], when the kernel flushed entries in the compute type).
pub fn recomputable<T: Real>(p: &Problem<T>, worst: f64, form: Form) -> Option<f64> {
    let range = if acc_eps::<T>() > 1e-10 { 80.0 } else { 700.0 };
    let tol = acc_eps::<T>() * (64.0 + 8.0 * worst) * (p.n + p.k) as f64;
    (tol < 1e-2 && (form == Form::Log || span(p) < range)).then_some(tol)
}

/// An absolute error floor for plan sums: 16 × the compute type's smallest normal number.
/// Marginals may be subnormal, and below that floor rounding is absolute, not relative.
pub fn subnormal_floor<T: Real>() -> f64 {
    16.0 * <T::Acc as Float>::MIN_POSITIVE.to_f64()
}

/// On `Ok` of a balanced solve: finite potentials, rows of the plan summing to `a`, and the
/// reported ‖Qᵀ1 − b‖₂ equal to the plan's (wherever [`recomputable`] for `form`).
pub fn check_balanced<T: Real>(p: &Problem<T>, f: &[f64], g: &[f64], marginal_err: f64, form: Form) {
    crate::trace(&(f, g, marginal_err));
    assert!(f.iter().chain(g).all(|v| v.is_finite()), "f {f:?} g {g:?}");
    assert!(marginal_err.is_finite() && marginal_err >= 0.0, "marginal_err = {marginal_err}");
    let (x, a, b) = (widen(&p.x), widen(&p.a), widen(&p.b));
    let (rows, cols, worst) = plan_sums(&x, p.k, p.kind.sign(), p.eps, f, g);
    let Some(tol) = recomputable(p, worst, form) else { return };
    let mass: f64 = a.iter().sum();
    for (i, (&r, &ai)) in rows.iter().zip(&a).enumerate() {
        assert!(
            (r - ai).abs() <= tol * (ai + mass) + subnormal_floor::<T>(),
            "row {i} of the plan sums to {r}, a = {ai} (tol {tol})"
        );
    }
    let d: Vec<f64> = cols.iter().zip(&b).map(|(c, bj)| c - bj).collect();
    let m = d.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let col_l2 = if m > 0.0 { m * d.iter().map(|x| (x / m) * (x / m)).sum::<f64>().sqrt() } else { 0.0 };
    assert!(
        (col_l2 - marginal_err).abs() <= tol * mass * 4.0 + subnormal_floor::<T>(),
        "plan column error {col_l2} but reported {marginal_err} (tol {tol}, mass {mass})"
    );
}

/// On `Err` of a solver that writes potentials: `f` and `g` untouched (snapshots `before`),
/// or after a [`clasp_core::Error::NumericalBreakdown`] the last good iterate, finite.
pub fn check_potentials_on_error<F: Float>(e: &clasp_core::Error, before: (&[u64], &[u64]), f: &[F], g: &[F]) {
    describe(e);
    assert_untouched(e, before.0, &snapshot_acc(f), "f");
    assert_untouched(e, before.1, &snapshot_acc(g), "g");
    if writes_on_error(e) {
        let (f, g) = (widen_acc(f), widen_acc(g));
        assert!(f.iter().chain(&g).all(|v| v.is_finite()), "f {f:?} g {g:?} after {e:?}");
    }
}

/// A balanced solver with the signature of [`clasp_core::sinkhorn::sinkhorn_scaling`].
pub type Balanced<T> = fn(
    MatRef<'_, T>,
    &[T],
    &[T],
    &SinkhornParams,
    &mut [<T as Real>::Acc],
    &mut [<T as Real>::Acc],
    &mut [<T as Real>::Acc],
) -> clasp_core::Result<SinkhornInfo>;

/// Draws a balanced problem and parameters, solves it with `solve` (of [`Form`] `form`, scratch
/// sized by `scratch`), and checks the contract: plan marginals on `Ok`, untouched `f`, `g` on
/// `Err`.
pub fn run_balanced<T: Real>(
    u: &mut Unstructured<'_>,
    solve: Balanced<T>,
    scratch: fn(usize, usize) -> usize,
    form: Form,
) -> Result<()> {
    let p = problem::<T>(u, 6, 6)?;
    let (max_iter, tol) = budget(u)?;
    let check_every = count(u, 1, 20)?;
    let params = SinkhornParams::default().eps(p.eps).kind(p.kind).max_iter(max_iter).tol(tol).check_every(check_every);
    crate::trace(&params);
    let Ok(x) = MatRef::new(&p.x, p.n, p.k, "x") else { return Ok(()) };
    let (nf, ns) = (jitter(u, p.n)?, scratch_len(u, scratch(p.n, p.k))?);
    let mut f = sentinel::<T::Acc>(nf);
    let mut g = sentinel::<T::Acc>(p.k);
    let mut s = vec![<T::Acc as Float>::ZERO; ns];
    let (f0, g0) = (snapshot_acc(&f), snapshot_acc(&g));
    match solve(x, &p.a, &p.b, &params, &mut f, &mut g, &mut s) {
        Ok(info) => {
            assert!(info.iterations >= 1 && info.iterations <= max_iter);
            assert!(!info.converged || info.marginal_err < tol);
            check_balanced(&p, &widen_acc(&f), &widen_acc(&g), info.marginal_err, form);
        }
        Err(e) => check_potentials_on_error(&e, (&f0, &g0), &f, &g),
    }
    Ok(())
}
