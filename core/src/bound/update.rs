//! The concave–convex bound update of SLK / LaplacianShot (Ziko et al., NeurIPS 2018,
//! ICML 2020; "Transductive Few-Shot Learning: Clustering is All You Need?", 2021).
//!
//! With unary costs `a_pk` (distance of point p to prototype k), soft assignments
//! `y_p ∈ Δ_K` and a non-negative affinity W, the relaxed energy is
//!
//! ```text
//! E(Y) = Σ_p [ y_pᵀ ln y_p + y_pᵀ a_p ]  −  (λ/2) Σ_{p,q} w_pq y_pᵀ y_q .
//! ```
//!
//! The entropy and unary terms are convex; for a positive semi-definite symmetric W the
//! pairwise term is concave, so its tangent at Yⁱ bounds E from above, and the bound is
//! separable over points. Its minimiser is the parallel (Jacobi) update
//!
//! ```text
//! y_p ← softmax( −a_p + λ Σ_q w_pq y_qⁱ ),
//! ```
//!
//! exactly the update of the reference code (`bound_update` in `lshot_update.py`).
//! The reference prints `Σ [y ln y + a·y − λ (WY)·y]`, i.e. the pairwise term with weight λ
//! instead of λ/2 — not the function its update majorises; clasp tracks the energy above,
//! which the update provably does not increase when W ⪰ 0. With
//! [`BoundParams::monotone`] (the default) a step that would increase E is halved towards
//! the previous iterate until E does not increase, which keeps the sequence monotone for
//! any symmetric W (the update direction is then a descent direction); when no halving
//! helps the iteration stops at the previous iterate. The stopping rule is the reference's:
//! from the third iteration on, stop when `|E − E_old| ≤ tol·|E_old|`.
//!
//! [`BoundParams::reference`] is the released update verbatim: the stopping rule tracks the
//! reference's printed energy (weight λ, [`BoundEnergy::Reference`]) and there is no
//! safeguard, so the iteration counts and iterates equal `bound_update` of
//! `lshot_update.py` / `bound_update.py`. The default ([`BoundEnergy::Majorised`] with the
//! safeguard) stops on the energy the update minimises; measured on the digits episodes
//! (README, few-shot table) the two give the same accuracy within the interval.

use crate::error::{Error, Result};
use crate::matrix::{MatMut, MatRef};
use crate::scalar::Float;
use crate::simd::simd_dispatch;
use crate::validate;

use crate::graph::CsrRef;

params! {
    /// Parameters of [`bound_update`].
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct BoundParams {
        /// Weight λ ≥ 0 of the Laplacian term (`--lmd`, default 1.0).
        pub lambda: f64,
        /// Relative energy change at which to stop (1e-6 in LaplacianShot, 1e-7 in SLK).
        pub tol: f64,
        /// Maximum number of updates (20 in LaplacianShot, 600 in SLK).
        pub max_iter: usize,
        /// Halve steps that would increase the energy (see the module documentation).
        pub monotone: bool,
        /// The energy the stopping rule (and the safeguard) track.
        pub energy: BoundEnergy,
    }
}

/// Which energy [`bound_update`] tracks: the update is the same, the stopping rule (and the
/// monotone safeguard) compare this energy across iterations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BoundEnergy {
    /// E(Y) of the module documentation, pairwise weight λ/2: the function the update
    /// majorises (clasp's default).
    #[default]
    Majorised,
    /// Σ [y ln y + a·y − λ (WY)·y], pairwise weight λ: `entropy_energy` of the released code.
    Reference,
}

impl BoundEnergy {
    /// The coefficient of Σ_{p,q} w_pq y_pᵀ y_q in the tracked energy.
    fn pairwise_weight<F: Float>(self, lambda: F) -> F {
        match self {
            BoundEnergy::Majorised => F::from_f64(0.5) * lambda,
            BoundEnergy::Reference => lambda,
        }
    }
}

impl Default for BoundParams {
    fn default() -> Self {
        Self { lambda: 1.0, tol: 1e-6, max_iter: 20, monotone: true, energy: BoundEnergy::Majorised }
    }
}

impl BoundParams {
    /// The released `bound_update` (LaplacianShot's `lshot_update.py`): λ 1, at most 20
    /// updates, tolerance 1e-6 on the reference energy, no safeguard.
    pub fn reference() -> Self {
        Self { monotone: false, energy: BoundEnergy::Reference, ..Self::default() }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate::nonnegative_param(self.lambda, "lambda")?;
        validate::nonnegative_param(self.tol, "tol")?;
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter { name: "max_iter", value: 0.0 });
        }
        Ok(())
    }
}

/// What [`bound_update`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BoundInfo {
    /// Updates performed.
    pub iterations: usize,
    /// Energy of the initial assignments.
    pub initial_energy: f64,
    /// Energy of the returned assignments.
    pub energy: f64,
    /// Stopped by the relative-change rule (or because no monotone step existed).
    pub converged: bool,
    /// Number of step halvings taken by the monotone safeguard.
    pub halvings: usize,
}

/// What one [`bound_step`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StepInfo {
    /// Energy after the step (equal to the input energy when `moved` is false).
    pub energy: f64,
    /// Step halvings taken.
    pub halvings: usize,
    /// False when the monotone safeguard found no non-increasing step (Y unchanged).
    pub moved: bool,
}

/// Scratch (in compute elements) needed by [`bound_update`] and [`bound_step`] for `n`
/// points and `k` clusters: `W·Y` and the candidate iterate.
pub fn bound_update_scratch(n: usize, k: usize) -> usize {
    2 * n * k
}

/// Row-wise softmax: `out_p = softmax(logits_p)` (max-shifted).
pub fn softmax_rows<F: Float>(logits: &[F], k: usize, out: &mut [F]) {
    if k == 0 {
        return;
    }
    for (l, o) in logits.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
        softmax_row(l, o);
    }
}

#[inline]
fn softmax_row<F: Float>(l: &[F], o: &mut [F]) {
    let m = l.iter().fold(F::NEG_INFINITY, |m, &v| m.max(v));
    let mut s = F::ZERO;
    for (oi, &li) in o.iter_mut().zip(l) {
        *oi = (li - m).exp();
        s += *oi;
    }
    let inv = F::ONE / s;
    for oi in o.iter_mut() {
        *oi *= inv;
    }
}

/// Replaces the logits `c` by softmax(c) and returns its entropy term Σ y ln y, computed as
/// Σ y (l − lse) from the log-partition (one logarithm per row).
#[inline]
fn softmax_entropy_in_place<F: Float>(c: &mut [F]) -> F {
    let m = c.iter().fold(F::NEG_INFINITY, |m, &v| m.max(v));
    let mut s = F::ZERO;
    let mut sl = F::ZERO;
    for ci in c.iter_mut() {
        let l = *ci - m;
        *ci = l.exp();
        s += *ci;
        sl += *ci * l;
    }
    let inv = F::ONE / s;
    for ci in c.iter_mut() {
        *ci *= inv;
    }
    sl * inv - s.ln()
}

/// `E(Y)` of the module documentation; `wy` (n·k) receives `W·Y`.
pub fn bound_energy<F: Float>(
    unary: MatRef<'_, F>,
    w: &CsrRef<'_, F>,
    y: MatRef<'_, F>,
    lambda: f64,
    wy: &mut [F],
) -> Result<F> {
    check(unary, w, y.as_slice(), y.rows(), y.cols())?;
    validate::nonnegative_param(lambda, "lambda")?;
    let nk = unary.rows() * unary.cols();
    validate::scratch(wy, nk)?;
    w.mul_dense(y.as_slice(), y.cols(), &mut wy[..nk]);
    let pair = BoundEnergy::Majorised.pairwise_weight(F::from_f64(lambda));
    Ok(energy_unchecked(unary.as_slice(), y.as_slice(), &wy[..nk], pair))
}

/// Σ y ln y + Σ y·a − `pair`·Σ y·(WY).
fn energy_unchecked<F: Float>(a: &[F], y: &[F], wy: &[F], pair: F) -> F {
    let mut e = F::ZERO;
    for ((&ai, &yi), &wi) in a.iter().zip(y).zip(wy) {
        let ent = if yi > F::ZERO { yi * yi.ln() } else { F::ZERO };
        e += ent + yi * (ai - pair * wi);
    }
    e
}

/// The energy without the entropy of the rows from `fixed` (entries) on: the fixed rows'
/// entropy plus the unary and pairwise terms of all rows.
fn energy_rest<F: Float>(a: &[F], y: &[F], wy: &[F], pair: F, fixed: usize) -> F {
    let mut e = F::ZERO;
    for (i, ((&ai, &yi), &wi)) in a.iter().zip(y).zip(wy).enumerate() {
        if i < fixed && yi > F::ZERO {
            e += yi * yi.ln();
        }
        e += yi * (ai - pair * wi);
    }
    e
}

fn check<F: Float>(unary: MatRef<'_, F>, w: &CsrRef<'_, F>, y: &[F], n: usize, k: usize) -> Result<()> {
    if unary.rows() != n || unary.cols() != k {
        return Err(Error::ShapeMismatch { what: "y", expected: unary.rows() * unary.cols(), found: n * k });
    }
    if w.n() != n {
        return Err(Error::ShapeMismatch { what: "affinity", expected: n, found: w.n() });
    }
    validate::finite(unary.as_slice(), "unary")?;
    validate::nonnegative(y, false, "y")?;
    Ok(())
}

/// One parallel bound update of the rows `fixed_rows..n` of `y` (rows before `fixed_rows`
/// — e.g. labelled support points — are kept as they are). `energy` is `E(Y)` of the input
/// (from [`bound_energy`] or the previous step). Returns the new energy.
#[allow(clippy::too_many_arguments)]
pub fn bound_step<F: Float>(
    unary: MatRef<'_, F>,
    w: &CsrRef<'_, F>,
    lambda: f64,
    monotone: bool,
    fixed_rows: usize,
    y: &mut MatMut<'_, F>,
    energy: F,
    scratch: &mut [F],
) -> Result<StepInfo> {
    let (n, k) = (y.rows(), y.cols());
    check(unary, w, y.as_mut_slice(), n, k)?;
    validate::nonnegative_param(lambda, "lambda")?;
    validate::scratch(scratch, bound_update_scratch(n, k))?;
    if fixed_rows > n {
        return Err(Error::InvalidParameter { name: "fixed_rows", value: fixed_rows as f64 });
    }
    if !energy.is_finite() {
        return Err(Error::NonFinite { what: "energy", index: 0 });
    }
    let lambda = F::from_f64(lambda);
    Ok(step_unchecked(
        unary.as_slice(),
        w,
        lambda,
        BoundEnergy::Majorised.pairwise_weight(lambda),
        monotone,
        fixed_rows,
        k,
        y.as_mut_slice(),
        energy,
        false,
        scratch,
    ))
}

/// Maximum number of step halvings of the monotone safeguard.
const MAX_HALVINGS: usize = 20;

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn step_unchecked<F: Float>(
    a: &[F],
    w: &CsrRef<'_, F>,
    lambda: F,
    pair: F,
    monotone: bool,
    fixed_rows: usize,
    k: usize,
    y: &mut [F],
    energy: F,
    wy_ready: bool,
    scratch: &mut [F],
) -> StepInfo {
    let nk = y.len();
    let (wy, rest) = scratch.split_at_mut(nk);
    let cand = &mut rest[..nk];
    // `wy_ready`: scratch[..nk] already holds W·Y (left there by the previous accepted step).
    if !wy_ready {
        w.mul_dense(y, k, wy);
    }
    let fixed = fixed_rows * k;
    cand[..fixed].copy_from_slice(&y[..fixed]);
    // Logits λ(WY)_p − a_p, shifted by their row maximum, then exponentiated as one flat
    // (vectorised) pass into `wy`, which is free until W·cand below.
    for ((c, &ai), &wi) in cand[fixed..].iter_mut().zip(&a[fixed..]).zip(&wy[fixed..]) {
        *c = lambda * wi - ai;
    }
    for c in cand[fixed..].chunks_exact_mut(k) {
        let m = c.iter().fold(F::NEG_INFINITY, |m, &v| m.max(v));
        c.iter_mut().for_each(|v| *v -= m);
    }
    for (e, &l) in wy[fixed..].iter_mut().zip(&cand[fixed..]) {
        *e = l.exp_fast();
    }
    // Entropy of the updated rows from the log-partition: y ln y = y (l − lse), no ln per entry;
    // Σ ln sₚ as the ln of running products (each sₚ ∈ [1, K]: the shifted row holds e⁰),
    // one logarithm per ~10¹⁸ of product instead of one per row.
    let mut entropy = F::ZERO;
    let (mut partition, flush) = (F::ONE, F::from_f64(1e18));
    for (c, e) in cand[fixed..].chunks_exact_mut(k).zip(wy[fixed..].chunks_exact(k)) {
        let (mut s, mut sl) = (F::ZERO, F::ZERO);
        for (&l, &ei) in c.iter().zip(e) {
            s += ei;
            sl += ei * l;
        }
        let inv = F::ONE / s;
        for (ci, &ei) in c.iter_mut().zip(e) {
            *ci = ei * inv;
        }
        entropy += sl * inv;
        if partition > flush {
            entropy -= partition.ln();
            partition = F::ONE;
        }
        partition *= s;
    }
    entropy -= partition.ln();
    w.mul_dense(cand, k, wy);
    let mut e_new = entropy + energy_rest(a, cand, wy, pair, fixed);
    let mut halvings = 0usize;
    if monotone && (e_new > energy || e_new.is_nan()) {
        // The candidate is the bound minimiser; E decreases along the segment towards it
        // from Y when the direction is a descent direction (symmetric W).
        let half = F::from_f64(0.5);
        loop {
            if halvings == MAX_HALVINGS {
                return StepInfo { energy: energy.to_f64(), halvings, moved: false };
            }
            halvings += 1;
            // cand ← Y + ½ (cand − Y) on the free rows: the step length halves each time
            // (the fixed rows are left bit for bit: Y + ½·0 would turn a −0 into +0).
            for (c, &yi) in cand[fixed..].iter_mut().zip(&y[fixed..]) {
                *c = yi + half * (*c - yi);
            }
            w.mul_dense(cand, k, wy);
            e_new = energy_unchecked(a, cand, wy, pair);
            if e_new <= energy {
                break;
            }
        }
    }
    if !e_new.is_finite() {
        return StepInfo { energy: energy.to_f64(), halvings, moved: false };
    }
    y.copy_from_slice(cand);
    StepInfo { energy: e_new.to_f64(), halvings, moved: true }
}

/// Runs [`bound_step`] from the assignments in `y` until the relative energy change is at
/// most `params.tol` (checked from the third update on, as the reference does) or
/// `params.max_iter` updates. Rows before `fixed_rows` stay as given.
///
/// `y` needs only to be finite and non-negative; it is not required to hold simplex rows
/// (as the fixed-size and GPU forms of the update, which share this contract). The first
/// update replaces every free row by a simplex row, so a non-simplex start matters only as
/// the reference energy: E is unbounded below off the simplex, and with λ = 0 and no
/// safeguard the first update can then raise E. E is non-increasing from a simplex start
/// with λ = 0 or W ⪰ 0, and from any start with [`BoundParams::monotone`].
///
/// Errors: bad parameters, mismatched shapes, non-finite unary costs, a negative or
/// non-finite entry of `y`, a small scratch, `fixed_rows > n`, a non-finite initial energy;
/// `y` is untouched on `Err`.
pub fn bound_update<F: Float>(
    unary: MatRef<'_, F>,
    w: &CsrRef<'_, F>,
    params: &BoundParams,
    fixed_rows: usize,
    y: &mut MatMut<'_, F>,
    scratch: &mut [F],
) -> Result<BoundInfo> {
    params.validate()?;
    let (n, k) = (y.rows(), y.cols());
    check(unary, w, y.as_mut_slice(), n, k)?;
    validate::scratch(scratch, bound_update_scratch(n, k))?;
    if fixed_rows > n {
        return Err(Error::InvalidParameter { name: "fixed_rows", value: fixed_rows as f64 });
    }
    let pair = params.energy.pairwise_weight(F::from_f64(params.lambda));
    let a = unary.as_slice();
    let ys = y.as_mut_slice();
    let nk = n * k;
    w.mul_dense(ys, k, &mut scratch[..nk]);
    let e0 = energy_unchecked(a, ys, &scratch[..nk], pair);
    if !e0.is_finite() {
        return Err(Error::NonFinite { what: "energy", index: 0 });
    }
    Ok(run_updates(a, w, params, fixed_rows, k, ys, e0, scratch))
}

/// [`bound_update`] started, as in the reference, from `Y⁰ = softmax(−A)` (written to `y`,
/// no support rows fixed); the entropy of Y⁰ comes from the row log-partitions, so the
/// start costs one logarithm per row instead of one per entry.
pub fn bound_update_from_unary<F: Float>(
    unary: MatRef<'_, F>,
    w: &CsrRef<'_, F>,
    params: &BoundParams,
    y: &mut MatMut<'_, F>,
    scratch: &mut [F],
) -> Result<BoundInfo> {
    params.validate()?;
    let (n, k) = (y.rows(), y.cols());
    if unary.rows() != n || unary.cols() != k {
        return Err(Error::ShapeMismatch { what: "y", expected: unary.rows() * unary.cols(), found: n * k });
    }
    if w.n() != n {
        return Err(Error::ShapeMismatch { what: "affinity", expected: n, found: w.n() });
    }
    validate::finite(unary.as_slice(), "unary")?;
    validate::scratch(scratch, bound_update_scratch(n, k))?;
    let pair = params.energy.pairwise_weight(F::from_f64(params.lambda));
    let a = unary.as_slice();
    let nk = n * k;
    // Y⁰ is built in the second half of the scratch and copied to `y` only once its energy is
    // known to be finite, so that `y` is untouched on `Err` (fuzz finding).
    let (wy, y0) = scratch.split_at_mut(nk);
    let y0 = &mut y0[..nk];
    let mut entropy = F::ZERO;
    for (yr, ar) in y0.chunks_exact_mut(k).zip(a.chunks_exact(k)) {
        for (yi, &ai) in yr.iter_mut().zip(ar) {
            *yi = -ai;
        }
        entropy += softmax_entropy_in_place(yr);
    }
    w.mul_dense(y0, k, wy);
    let e0 = entropy + energy_rest(a, y0, wy, pair, 0);
    if !e0.is_finite() {
        return Err(Error::NonFinite { what: "energy", index: 0 });
    }
    let ys = y.as_mut_slice();
    ys.copy_from_slice(y0);
    Ok(run_updates(a, w, params, 0, k, ys, e0, scratch))
}

simd_dispatch! {
    /// The update loop; `scratch[..n·k]` holds W·Y and `e0` = E(Y) on entry (AVX2 code when
    /// the CPU has it: the same arithmetic, wider registers).
    #[allow(clippy::too_many_arguments)]
    fn run_updates<F: Float>(
        a: &[F], w: &CsrRef<'_, F>, params: &BoundParams, fixed_rows: usize, k: usize, ys: &mut [F], e0: F,
        scratch: &mut [F]
    ) -> BoundInfo => run_updates_body
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn run_updates_body<F: Float>(
    a: &[F],
    w: &CsrRef<'_, F>,
    params: &BoundParams,
    fixed_rows: usize,
    k: usize,
    ys: &mut [F],
    e0: F,
    scratch: &mut [F],
) -> BoundInfo {
    let lambda = F::from_f64(params.lambda);
    let pair = params.energy.pairwise_weight(lambda);
    let mut info =
        BoundInfo { iterations: 0, initial_energy: e0.to_f64(), energy: e0.to_f64(), converged: false, halvings: 0 };
    let mut e_old = e0;
    for it in 0..params.max_iter {
        let s = step_unchecked(a, w, lambda, pair, params.monotone, fixed_rows, k, ys, e_old, true, scratch);
        info.iterations = it + 1;
        info.halvings += s.halvings;
        if !s.moved {
            info.converged = true;
            break;
        }
        let e = F::from_f64(s.energy);
        info.energy = s.energy;
        if it > 1 && (e - e_old).abs() <= F::from_f64(params.tol) * e_old.abs() {
            info.converged = true;
            break;
        }
        e_old = e;
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_rows_sum_to_one() {
        let mut out = [0.0f64; 4];
        softmax_rows(&[1000.0, 1000.0, 0.0, core::f64::consts::LN_2], 2, &mut out);
        assert_eq!(out[0], 0.5);
        assert!((out[3] - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn without_laplacian_one_update_is_the_softmax_of_minus_the_unary() {
        let a = [0.0f64, 1.0, 2.0, 0.5];
        let w_ptr = [0usize, 1, 2];
        let w = CsrRef::new(2, &w_ptr, &[1, 0], &[1.0, 1.0]).unwrap();
        let mut y = [0.5f64; 4];
        let mut s = [0.0; 8];
        let p = BoundParams { lambda: 0.0, ..Default::default() };
        let info = bound_update(
            MatRef::new(&a, 2, 2, "a").unwrap(),
            &w,
            &p,
            0,
            &mut MatMut::new(&mut y, 2, 2, "y").unwrap(),
            &mut s,
        )
        .unwrap();
        let mut expect = [0.0; 4];
        softmax_rows(&[0.0, -1.0, -2.0, -0.5], 2, &mut expect);
        for (u, v) in y.iter().zip(expect) {
            assert!((u - v).abs() < 1e-15);
        }
        assert!(info.energy <= info.initial_energy);
    }

    #[test]
    fn starting_from_the_unary_equals_starting_from_its_softmax() {
        let a = [0.3f64, 1.0, 0.2, 2.0, 0.5, 0.4, 1.5, 0.1, 0.9];
        let w = CsrRef::new(3, &[0, 2, 3, 4], &[1, 2, 0, 1], &[1.0, 1.0, 1.0, 1.0]).unwrap();
        let am = MatRef::new(&a, 3, 3, "a").unwrap();
        let p = BoundParams { lambda: 0.8, ..Default::default() };
        let mut y1 = [0.0f64; 9];
        let neg: [f64; 9] = core::array::from_fn(|i| -a[i]);
        softmax_rows(&neg, 3, &mut y1);
        let mut s = [0.0; 18];
        let i1 = bound_update(am, &w, &p, 0, &mut MatMut::new(&mut y1, 3, 3, "y").unwrap(), &mut s).unwrap();
        let mut y2 = [0.0f64; 9];
        let i2 = bound_update_from_unary(am, &w, &p, &mut MatMut::new(&mut y2, 3, 3, "y").unwrap(), &mut s).unwrap();
        assert_eq!(i1.iterations, i2.iterations);
        assert!((i1.initial_energy - i2.initial_energy).abs() < 1e-12);
        assert!((i1.energy - i2.energy).abs() < 1e-12);
        for (u, v) in y1.iter().zip(y2) {
            assert!((u - v).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_input_is_rejected_and_output_untouched() {
        let a = [0.0f64, 1.0, 2.0, 0.5];
        let w = CsrRef::new(2, &[0, 1, 2], &[1, 0], &[1.0, 1.0]).unwrap();
        let am = MatRef::new(&a, 2, 2, "a").unwrap();
        let mut y = [0.5f64; 4];
        let mut s = [0.0; 8];
        let p = BoundParams::default();
        let mut ym = MatMut::new(&mut y, 2, 2, "y").unwrap();
        assert!(matches!(bound_update(am, &w, &p, 0, &mut ym, &mut s[..7]), Err(Error::ScratchTooSmall { .. })));
        assert!(matches!(bound_update(am, &w, &p, 3, &mut ym, &mut s), Err(Error::InvalidParameter { .. })));
        let bad = BoundParams { lambda: -1.0, ..p };
        assert!(matches!(
            bound_update(am, &w, &bad, 0, &mut ym, &mut s),
            Err(Error::InvalidParameter { name: "lambda", .. })
        ));
        let bad = BoundParams { max_iter: 0, ..p };
        assert!(bound_update(am, &w, &bad, 0, &mut ym, &mut s).is_err());
        let an = [0.0f64, f64::NAN, 2.0, 0.5];
        let anm = MatRef::new(&an, 2, 2, "a").unwrap();
        assert!(matches!(bound_update(anm, &w, &p, 0, &mut ym, &mut s), Err(Error::NonFinite { .. })));
        let w3 = CsrRef::new(3, &[0, 0, 0, 0], &[], &[]).unwrap();
        assert!(matches!(bound_update(am, &w3, &p, 0, &mut ym, &mut s), Err(Error::ShapeMismatch { .. })));
        assert_eq!(y, [0.5; 4]);
    }
}
