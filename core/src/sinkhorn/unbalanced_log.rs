//! Unbalanced (KL-relaxed) Sinkhorn in the log domain: the problem of
//! [`super::sinkhorn_unbalanced`] (POT `sinkhorn_unbalanced`, Chizat, Peyré, Schmitzer & Vialard
//! 2018, "Scaling algorithms for unbalanced optimal transport problems", §3.2 and the
//! log-domain stabilisation of §4.1; Séjourné et al. 2019), solved on potentials instead of
//! scalings, so that it converges where the kernel exp(σx/ε) underflows.
//!
//! With λ_a = τ_a/(τ_a + ε) (POT's `fi`; 1 for τ_a = ∞) and the same for b, dimensionless
//! potentials φ = f/ε, ψ = g/ε (Q_ij = exp(σx_ij/ε + φ_i + ψ_j)), **φ first, then ψ**, as the
//! scaling form u ← (a ⊘ K v)^λ_a, v ← (b ⊘ Kᵀ u)^λ_b taken to the log:
//!
//! ```text
//! "entropy":  φ_i ← λ_a (ln a_i − LSE_j(σx_ij/ε + ψ_j)),   ψ_j ← λ_b (ln b_j − LSE_i(σx_ij/ε + φ_i))
//! "kl":       φ_i ← ln a_i − λ_a LSE_j(σx_ij/ε + ψ_j),     ψ_j ← ln b_j − λ_b LSE_i(σx_ij/ε + φ_i)
//! ```
//!
//! ("kl" has the kernel a_i b_j exp(σx/ε), folded into the potentials: φ = ln u + ln a.) The
//! start u = v = 1 is φ = ψ = 0 ("entropy"), φ = ln a, ψ = ln b ("kl"), as the scaling solver,
//! so both produce the same iterates in exact arithmetic.
//!
//! Each iteration is one pass over x with one exp per entry (the row pass of
//! [`super::sinkhorn_log`]): the row LSE gives φ_i, and with the row factor
//! r_i = exp(m_i + φ_i) the same exponentials give the plan's column sums C_j = (Qᵀ1)_j, whence
//! LSE_i(σx_ij/ε + φ_i) = ln C_j − ψ_j for the ψ-update. When a C_j is too small (or too large)
//! for that to be exact, an exact max-shifted two-pass column LSE runs instead. Stop when
//! ½(‖Δφ‖∞ + ‖Δψ‖∞) < `tol` (‖Δ ln u‖∞ ≈ ‖Δu‖∞/‖u‖∞: the log-domain reading of POT's rule),
//! tested after every iteration. No kernel is stored (scratch 3k, no heap), and there is no
//! breakdown on validated input: every exponential is max-shifted.

use super::check::unbalanced_inputs;
use super::info::UnbalancedInfo;
use super::log_domain::{LogRowRule, column_lse, log_row_pass};
use super::params::{UnbalancedEntropy, UnbalancedParams};
use crate::error::Result;
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};

/// Scratch (in `T::Acc` elements) of [`sinkhorn_unbalanced_log`] for an `n × k` problem: three
/// k-vectors (the column sums, a row and the row chunks' column partials).
pub fn sinkhorn_unbalanced_log_scratch(_n: usize, k: usize) -> usize {
    k.saturating_mul(3)
}

/// KL-relaxed entropic OT in the log domain (see the module documentation). Same arguments,
/// parameters, outputs (`f`, `g` with `Q_ij = exp((σx_ij + f_i + g_j)/ε)`, equal to those of
/// [`super::sinkhorn_unbalanced`] at convergence) and input errors as the scaling form, except
/// the scratch size ([`sinkhorn_unbalanced_log_scratch`]) and the stop rule (on the potentials).
/// It has no limit on max σx/ε and cannot break down numerically.
pub fn sinkhorn_unbalanced_log<T: Real>(
    x: MatRef<'_, T>,
    a: &[T],
    b: &[T],
    params: &UnbalancedParams,
    f: &mut [T::Acc],
    g: &mut [T::Acc],
    scratch: &mut [T::Acc],
) -> Result<UnbalancedInfo> {
    let (n, k) = (x.rows(), x.cols());
    unbalanced_inputs(x, a, b, params, f, g, scratch, sinkhorn_unbalanced_log_scratch(n, k))?;

    let zero = <T::Acc as Float>::ZERO;
    let one = <T::Acc as Float>::ONE;
    let eps = <T::Acc as Float>::from_f64(params.eps);
    let scale = <T::Acc as Float>::from_f64(params.kind.sign()) / eps;
    let (lam_a, lam_b) = params.exponents::<T::Acc>();
    let kl = params.entropy == UnbalancedEntropy::Kl;
    let rows = LogRowRule { weight: if kl { one } else { lam_a }, lam: lam_a };
    let weight_b = if kl { one } else { lam_b };
    let (colacc, rest) = scratch.split_at_mut(k);
    let work = &mut rest[..2 * k];
    let (phi, psi) = (f, g);
    for (p, ai) in phi.iter_mut().zip(a) {
        *p = if kl { ai.to_acc().ln() } else { zero };
    }
    for (p, bj) in psi.iter_mut().zip(b) {
        *p = if kl { bj.to_acc().ln() } else { zero };
    }
    let half = <T::Acc as Float>::from_f64(0.5);
    let mut info = UnbalancedInfo { iterations: 0, change: f64::INFINITY, converged: false, mass: 0.0 };
    for it in 0..params.max_iter {
        let stats = log_row_pass::<T>(x.as_slice(), k, scale, psi, a, rows, phi, colacc, work);
        let exact = stats.sums_are_exact(colacc, n);
        if !exact {
            column_lse::<T>(x.as_slice(), k, scale, phi, &mut work[..k], colacc);
        }
        let (mut change, mut mass) = (zero, zero);
        for ((p, &c), bj) in psi.iter_mut().zip(colacc.iter()).zip(b) {
            // LSE_i(σx_ij/ε + φ_i): from the plan's column sum, or exact.
            let lse = if exact { c.ln() - *p } else { c };
            let new = weight_b * bj.to_acc().ln() - lam_b * lse;
            change = change.max((new - *p).abs());
            mass += (lse + new).exp();
            *p = new;
        }
        info.iterations = it + 1;
        info.change = (half * (stats.max_change + change)).to_f64();
        info.mass = mass.to_f64();
        if info.change < params.tol {
            info.converged = true;
            break;
        }
    }
    for p in phi.iter_mut().chain(psi.iter_mut()) {
        *p *= eps;
    }
    Ok(info)
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::sinkhorn::{ScoreKind, plan, sinkhorn_unbalanced, sinkhorn_unbalanced_scratch};
    use alloc::vec;
    use alloc::vec::Vec;

    /// Squared distances of points on two curves, divided by their maximum (max = 1).
    fn cost(n: usize, k: usize) -> Vec<f64> {
        let d: Vec<f64> = (0..n * k)
            .map(|idx| {
                let (i, j) = ((idx / k) as f64, (idx % k) as f64);
                let dx = libm::sin(i * 0.7) - libm::sin(j * 0.9) - 0.3;
                let dy = libm::cos(i * 1.3) - libm::cos(j * 0.4);
                dx * dx + dy * dy
            })
            .collect();
        let hi = d.iter().fold(0.0f64, |m, &v| m.max(v));
        d.into_iter().map(|v| v / hi).collect()
    }

    fn weights(n: usize, mass: f64, seed: usize) -> Vec<f64> {
        let w: Vec<f64> = (0..n).map(|i| 0.5 + ((i * 7 + seed * 3) % 11) as f64 / 11.0).collect();
        let s: f64 = w.iter().sum();
        w.into_iter().map(|v| mass * v / s).collect()
    }

    type Solver = fn(
        MatRef<'_, f64>,
        &[f64],
        &[f64],
        &UnbalancedParams,
        &mut [f64],
        &mut [f64],
        &mut [f64],
    ) -> Result<UnbalancedInfo>;

    fn solve(
        solver: Solver,
        scratch: usize,
        x: MatRef<'_, f64>,
        a: &[f64],
        b: &[f64],
        p: &UnbalancedParams,
    ) -> Result<(Vec<f64>, Vec<f64>, UnbalancedInfo)> {
        let (mut f, mut g) = (vec![0.0; a.len()], vec![0.0; b.len()]);
        let mut s = vec![0.0; scratch];
        let info = solver(x, a, b, p, &mut f, &mut g, &mut s)?;
        Ok((f, g, info))
    }

    fn max_abs_diff(x: &[f64], y: &[f64]) -> f64 {
        x.iter().zip(y).fold(0.0, |d, (a, b)| d.max((a - b).abs()))
    }

    #[test]
    fn matches_the_scaling_form_where_both_converge() {
        let (n, k) = (13, 9);
        let m = cost(n, k);
        let x = MatRef::new(&m, n, k, "x").unwrap();
        let (a, b) = (weights(n, 1.0, 1), weights(k, 1.5, 2));
        let base = UnbalancedParams { eps: 0.05, tol: 1e-13, max_iter: 100_000, ..Default::default() };
        let cases = [
            UnbalancedParams { entropy: UnbalancedEntropy::Entropy, ..base },
            UnbalancedParams { entropy: UnbalancedEntropy::Kl, ..base },
            UnbalancedParams { reg_m_a: f64::INFINITY, reg_m_b: 0.3, ..base },
            UnbalancedParams { kind: ScoreKind::Similarity, eps: 0.1, reg_m_a: 2.0, ..base },
        ];
        for p in cases {
            let sc = sinkhorn_unbalanced_scratch(n, k);
            let (fs, gs, is) = solve(sinkhorn_unbalanced, sc, x, &a, &b, &p).unwrap();
            let lc = sinkhorn_unbalanced_log_scratch(n, k);
            let (fl, gl, il) = solve(sinkhorn_unbalanced_log, lc, x, &a, &b, &p).unwrap();
            assert!(is.converged && il.converged, "{p:?}: {is:?} {il:?}");
            // The potentials are defined up to f + c, g − c only when both sides are exact.
            assert!(max_abs_diff(&fs, &fl) < 1e-9 && max_abs_diff(&gs, &gl) < 1e-9, "{p:?}");
            assert!((is.mass - il.mass).abs() < 1e-10 * is.mass, "{p:?}: {is:?} {il:?}");
            // Identical iterates in exact arithmetic: the stop rules differ, the counts barely.
            assert!(is.iterations.abs_diff(il.iterations) <= is.iterations / 5 + 5, "{is:?} {il:?}");
        }
    }

    /// ε = 1e-3 on a cost in [1, 2]: every entry of exp(−M/ε) underflows to 0 (in f64), the
    /// scaling form breaks down; the log form converges to the fixed point
    /// Q_ij = exp((f_i + g_j − M_ij)/ε), f = −τ_a ln(Q1/a), g = −τ_b ln(Qᵀ1/b).
    #[test]
    fn converges_where_the_kernel_underflows() {
        let (n, k) = (40, 30);
        let m: Vec<f64> = cost(n, k).into_iter().map(|v| v + 1.0).collect();
        let x = MatRef::new(&m, n, k, "x").unwrap();
        let (a, b) = (weights(n, 1.0, 3), weights(k, 1.5, 4));
        let p = UnbalancedParams {
            eps: 1e-3,
            entropy: UnbalancedEntropy::Entropy,
            tol: 1e-12,
            max_iter: 200_000,
            ..Default::default()
        };
        assert!(m.iter().all(|&v| libm::exp(-v / p.eps) == 0.0));
        let scaled = solve(sinkhorn_unbalanced, sinkhorn_unbalanced_scratch(n, k), x, &a, &b, &p);
        assert!(matches!(scaled, Err(Error::NumericalBreakdown { iteration: 1, .. })), "{scaled:?}");
        let (f, g, info) =
            solve(sinkhorn_unbalanced_log, sinkhorn_unbalanced_log_scratch(n, k), x, &a, &b, &p).unwrap();
        assert!(info.converged, "{info:?}");
        let mut q = vec![0.0; n * k];
        plan(x, ScoreKind::Cost, p.eps, &f, &g, &mut q).unwrap();
        let rows: Vec<f64> = q.chunks(k).map(|r| r.iter().sum()).collect();
        let cols: Vec<f64> = (0..k).map(|j| (0..n).map(|i| q[i * k + j]).sum()).collect();
        assert!((rows.iter().sum::<f64>() - info.mass).abs() < 1e-9 * info.mass);
        for (i, (&r, &ai)) in rows.iter().zip(&a).enumerate() {
            assert!((f[i] + p.reg_m_a * libm::log(r / ai)).abs() < 1e-8, "row {i}");
        }
        for (j, (&c, &bj)) in cols.iter().zip(&b).enumerate() {
            assert!((g[j] + p.reg_m_b * libm::log(c / bj)).abs() < 1e-8, "column {j}");
        }
        // f32 storage at ε = 1e-2 (exp(−M/ε) < 4e-44: underflows in f32) tracks f64.
        let p2 = UnbalancedParams { eps: 1e-2, tol: 0.0, max_iter: 3000, ..p };
        let (f64s, g64s, _) =
            solve(sinkhorn_unbalanced_log, sinkhorn_unbalanced_log_scratch(n, k), x, &a, &b, &p2).unwrap();
        let (m32, a32, b32): (Vec<f32>, Vec<f32>, Vec<f32>) = (
            m.iter().map(|&v| v as f32).collect(),
            a.iter().map(|&v| v as f32).collect(),
            b.iter().map(|&v| v as f32).collect(),
        );
        let (mut f32s, mut g32s, mut s32) =
            (vec![0.0f32; n], vec![0.0f32; k], vec![0.0f32; sinkhorn_unbalanced_log_scratch(n, k)]);
        let x32 = MatRef::new(&m32, n, k, "x").unwrap();
        sinkhorn_unbalanced_log(x32, &a32, &b32, &p2, &mut f32s, &mut g32s, &mut s32).unwrap();
        let wide = |v: &[f32]| v.iter().map(|&w| w as f64).collect::<Vec<_>>();
        // Potentials in units of ε: relative plan error ≈ |Δf + Δg|/ε.
        assert!(max_abs_diff(&wide(&f32s), &f64s) < 2e-4 && max_abs_diff(&wide(&g32s), &g64s) < 2e-4);
    }

    #[test]
    fn bad_input_is_rejected_before_writing() {
        let (n, k) = (4, 3);
        let m = cost(n, k);
        let x = MatRef::new(&m, n, k, "x").unwrap();
        let (a, b) = (weights(n, 1.0, 1), weights(k, 1.0, 2));
        let (mut f, mut g) = (vec![7.0; n], vec![7.0; k]);
        let mut s = vec![7.0; sinkhorn_unbalanced_log_scratch(n, k)];
        let d = UnbalancedParams::default();
        let mut call = |p: &UnbalancedParams, a: &[f64], b: &[f64], slen: usize| {
            let e = sinkhorn_unbalanced_log(x, a, b, p, &mut f, &mut g, &mut s[..slen]).unwrap_err();
            assert!(f.iter().chain(&g).all(|&v| v == 7.0));
            e
        };
        let full = sinkhorn_unbalanced_log_scratch(n, k);
        assert!(matches!(call(&UnbalancedParams { reg_m_b: -1.0, ..d }, &a, &b, full), Error::InvalidParameter { .. }));
        assert!(matches!(call(&d, &a[..3], &b, full), Error::ShapeMismatch { what: "a", .. }));
        assert!(matches!(call(&d, &a, &[0.5, 0.0, 0.5], full), Error::Negative { what: "b", index: 1, .. }));
        assert!(matches!(call(&d, &a, &b, full - 1), Error::ScratchTooSmall { .. }));
        let mut bad = m.clone();
        bad[7] = f64::INFINITY;
        let xb = MatRef::new(&bad, n, k, "x").unwrap();
        let e = sinkhorn_unbalanced_log(xb, &a, &b, &d, &mut f, &mut g, &mut s).unwrap_err();
        assert_eq!(e, Error::NonFinite { what: "x", index: 7 });
    }
}
