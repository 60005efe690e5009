//! Unit tests of the Sinkhorn family: agreement between the forms, oracles, and bad input.

use super::owned::{Solution, uniform};
use super::*;
use crate::error::Error;
use crate::matrix::MatRef;
use crate::reduce::{AllReduce, Local};
use alloc::vec;
use alloc::vec::Vec;

/// A deterministic cost in [0, 1] (squared distances of points on two curves).
fn cost(n: usize, k: usize) -> Vec<f64> {
    let mut m = Vec::with_capacity(n * k);
    for i in 0..n {
        for j in 0..k {
            let (xi, yi) = (libm::sin(i as f64 * 0.7), libm::cos(i as f64 * 1.3));
            let (xj, yj) = (libm::sin(j as f64 * 0.9) + 0.3, libm::cos(j as f64 * 0.4));
            m.push(((xi - xj) * (xi - xj) + (yi - yj) * (yi - yj)) / 8.0);
        }
    }
    m
}

fn weights(n: usize, seed: usize) -> Vec<f64> {
    let w: Vec<f64> = (0..n).map(|i| 0.5 + ((i * 7 + seed * 3) % 11) as f64 / 11.0).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|v| v / s).collect()
}

fn scratch_for(len: usize) -> Vec<f64> {
    vec![0.0; len]
}

fn solve_scaling(m: &[f64], n: usize, k: usize, p: &SinkhornParams) -> (Vec<f64>, Vec<f64>, SinkhornInfo) {
    let (a, b) = (weights(n, 1), weights(k, 2));
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; k]);
    let mut s = scratch_for(sinkhorn_scaling_scratch(n, k));
    let x = MatRef::new(m, n, k, "x").unwrap();
    let info = sinkhorn_scaling(x, &a, &b, p, &mut f, &mut g, &mut s).unwrap();
    (f, g, info)
}

fn solve_log(m: &[f64], n: usize, k: usize, p: &SinkhornParams) -> (Vec<f64>, Vec<f64>, SinkhornInfo) {
    let (a, b) = (weights(n, 1), weights(k, 2));
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; k]);
    let mut s = scratch_for(sinkhorn_log_scratch(n, k));
    let x = MatRef::new(m, n, k, "x").unwrap();
    let info = sinkhorn_log(x, &a, &b, p, &mut f, &mut g, &mut s).unwrap();
    (f, g, info)
}

fn plan_of(m: &[f64], n: usize, k: usize, kind: ScoreKind, eps: f64, f: &[f64], g: &[f64]) -> Vec<f64> {
    let mut q = vec![0.0; n * k];
    plan(MatRef::new(m, n, k, "x").unwrap(), kind, eps, f, g, &mut q).unwrap();
    q
}

fn max_abs_diff(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).fold(0.0, |d, (a, b)| d.max((a - b).abs()))
}

#[test]
fn scaling_and_log_agree_and_meet_the_marginals() {
    let (n, k) = (23, 17);
    let m = cost(n, k);
    let p = SinkhornParams { eps: 0.05, tol: 1e-13, max_iter: 5000, ..Default::default() };
    let (f1, g1, i1) = solve_scaling(&m, n, k, &p);
    let (f2, g2, i2) = solve_log(&m, n, k, &p);
    assert!(i1.converged && i2.converged, "{i1:?} {i2:?}");
    // Same semantics: same check points, so the same iteration count.
    assert!(i1.iterations.abs_diff(i2.iterations) <= 10, "{i1:?} {i2:?}");
    let q1 = plan_of(&m, n, k, ScoreKind::Cost, p.eps, &f1, &g1);
    let q2 = plan_of(&m, n, k, ScoreKind::Cost, p.eps, &f2, &g2);
    assert!(max_abs_diff(&q1, &q2) < 1e-12);
    let (a, b) = (weights(n, 1), weights(k, 2));
    let mut s = vec![0.0; k];
    let st = plan_stats(MatRef::new(&m, n, k, "x").unwrap(), ScoreKind::Cost, p.eps, &a, &b, &f2, &g2, &mut s).unwrap();
    assert!(st.row_err < 1e-12 && st.col_err < 1e-12, "{st:?}");
    assert!((st.mass - 1.0).abs() < 1e-12);
    // At the optimum the dual equals the primal ⟨Q, M⟩ − εH(Q).
    assert!((st.dual_objective - (st.transport - p.eps * st.entropy)).abs() < 1e-10, "{st:?}");
}

#[test]
fn similarity_kind_is_the_cost_form_of_minus_s() {
    let (n, k) = (9, 6);
    let m = cost(n, k);
    let s: Vec<f64> = m.iter().map(|v| -v).collect();
    let p = SinkhornParams { eps: 0.1, tol: 1e-12, ..Default::default() };
    let (f1, g1, _) = solve_log(&m, n, k, &p);
    let ps = SinkhornParams { kind: ScoreKind::Similarity, ..p };
    let (f2, g2, _) = solve_log(&s, n, k, &ps);
    let q1 = plan_of(&m, n, k, ScoreKind::Cost, p.eps, &f1, &g1);
    let q2 = plan_of(&s, n, k, ScoreKind::Similarity, p.eps, &f2, &g2);
    assert!(max_abs_diff(&q1, &q2) < 1e-14);
}

#[test]
fn log_domain_converges_where_the_kernel_underflows() {
    let (n, k) = (30, 20);
    let m = cost(n, k);
    let spread = m.iter().cloned().fold(0.0, f64::max) - m.iter().cloned().fold(1.0, f64::min);
    let eps = spread / 800.0; // exp(−spread/ε) underflows in f64
    let p = SinkhornParams { eps, tol: 1e-10, max_iter: 200_000, ..Default::default() };
    let (f, g, info) = solve_log(&m, n, k, &p);
    assert!(info.converged, "{info:?}");
    assert!(f.iter().chain(&g).all(|v| v.is_finite()));
    // In f32 the scaling form breaks down (a kernel row underflows) and says so.
    let (a, b) = (weights(n, 1), weights(k, 2));
    let m32: Vec<f32> = m.iter().map(|&v| v as f32).collect();
    let (a32, b32): (Vec<f32>, Vec<f32>) =
        (a.iter().map(|&v| v as f32).collect(), b.iter().map(|&v| v as f32).collect());
    let (mut f2, mut g2) = (vec![0.0f32; n], vec![0.0f32; k]);
    let mut s = vec![0.0f32; sinkhorn_scaling_scratch(n, k)];
    let x = MatRef::new(&m32, n, k, "x").unwrap();
    let p2 = SinkhornParams { eps: spread / 1000.0, ..p };
    let r = sinkhorn_scaling(x, &a32, &b32, &p2, &mut f2, &mut g2, &mut s);
    assert!(matches!(r, Err(Error::NumericalBreakdown { .. })), "{r:?}");
    assert!(f2.iter().chain(&g2).all(|v| !v.is_nan()), "last good iterate is kept");
    // f32 log domain at ε = 1e-2 on a cost of order 1.
    let m32: Vec<f32> = m.iter().map(|&v| (v * 8.0) as f32).collect();
    let (mut f3, mut g3) = (vec![0.0f32; n], vec![0.0f32; k]);
    let mut s3 = vec![0.0f32; sinkhorn_log_scratch(n, k)];
    let x3 = MatRef::new(&m32, n, k, "x").unwrap();
    let p3 = SinkhornParams { eps: 1e-2, tol: 1e-6, max_iter: 100_000, ..Default::default() };
    let info = sinkhorn_log(x3, &a32, &b32, &p3, &mut f3, &mut g3, &mut s3).unwrap();
    assert!(info.converged, "{info:?}");
}

#[test]
fn fixed_iteration_runs_do_not_claim_convergence() {
    let (n, k) = (8, 5);
    let m = cost(n, k);
    let p = SinkhornParams { eps: 0.5, tol: 0.0, max_iter: 50, ..Default::default() };
    let (_, _, i1) = solve_scaling(&m, n, k, &p);
    let (_, _, i2) = solve_log(&m, n, k, &p);
    assert!(!i1.converged && !i2.converged && i1.iterations == 50 && i2.iterations == 50);
    assert!(i1.marginal_err < 1e-12 && i2.marginal_err < 1e-12);
}

/// B · POT `sinkhorn(1/B, 1/K, −S, ε, numItermax = T, stopThr = 0)` is SwAV's codes.
#[test]
fn swav_codes_are_b_times_the_pot_plan() {
    let (bn, k) = (40, 12);
    let s: Vec<f64> = cost(bn, k).iter().map(|v| 1.0 - 2.0 * v).collect();
    for t in [1usize, 3, 10] {
        let sp = SwavParams { iterations: t, ..Default::default() };
        let x = MatRef::new(&s, bn, k, "s").unwrap();
        let (codes, info) = super::owned::swav_codes_alloc(x, &sp).unwrap();
        let p = SinkhornParams { eps: sp.eps, kind: ScoreKind::Similarity, tol: 0.0, max_iter: t, check_every: 1 };
        let (a, b) = (uniform::<f64>(bn), uniform::<f64>(k));
        let sol: Solution<f64, _> = super::owned::sinkhorn(x, &a, &b, &p, super::owned::SinkhornMode::Scaling).unwrap();
        let q = sol.plan(x, ScoreKind::Similarity, sp.eps).unwrap();
        let scaled: Vec<f64> = q.iter().map(|v| v * bn as f64).collect();
        assert!(max_abs_diff(&codes, &scaled) < 1e-12, "T = {t}");
        for row in codes.chunks(k) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-13);
        }
        assert_eq!(info.iterations, t);
        assert_eq!(info.samples, bn);
        // Prototype error from the plan itself.
        let mut err = 0.0;
        for j in 0..k {
            let c: f64 = (0..bn).map(|i| codes[i * k + j]).sum::<f64>() / bn as f64;
            err += (c - 1.0 / k as f64).abs();
        }
        assert!((err - info.prototype_err).abs() < 1e-12);
        // Hard targets: argmax of the codes; keep_last keeps the last rows.
        let (labels, _) = super::owned::swav_assign_alloc(x, &sp).unwrap();
        let mut want = vec![0usize; bn];
        row_argmax(MatRef::new(&codes, bn, k, "c").unwrap(), &mut want).unwrap();
        assert_eq!(labels, want);
        let tail = SwavParams { keep_last: Some(7), ..sp };
        let (last, _) = super::owned::swav_codes_alloc(x, &tail).unwrap();
        assert_eq!(&last[..], &codes[(bn - 7) * k..]);
        // No max-shift: same result up to rounding.
        let raw = SwavParams { max_shift: false, ..sp };
        let (c2, _) = super::owned::swav_codes_alloc(x, &raw).unwrap();
        assert!(max_abs_diff(&codes, &c2) < 1e-13);
    }
}

#[test]
fn swav_in_f32_f16_and_bf16_tracks_f64() {
    let (bn, k) = (32, 10);
    let s: Vec<f64> = cost(bn, k).iter().map(|v| 1.0 - 2.0 * v).collect();
    let sp = SwavParams::default();
    let x = MatRef::new(&s, bn, k, "s").unwrap();
    let (c64, _) = super::owned::swav_codes_alloc(x, &sp).unwrap();
    let s32: Vec<f32> = s.iter().map(|&v| v as f32).collect();
    let (c32, _) = super::owned::swav_codes_alloc(MatRef::new(&s32, bn, k, "s").unwrap(), &sp).unwrap();
    let c32: Vec<f64> = c32.iter().map(|&v| v as f64).collect();
    // Measured 3.3e-7 (x86_64 with AVX2); bound 3×.
    assert!(max_abs_diff(&c64, &c32) < 1e-6, "f32: {:e}", max_abs_diff(&c64, &c32));
    let s16: Vec<half::f16> = s.iter().map(|&v| half::f16::from_f64(v)).collect();
    let (c16, _) = super::owned::swav_codes_alloc(MatRef::new(&s16, bn, k, "s").unwrap(), &sp).unwrap();
    // Logit error δ ≈ 2⁻¹¹ becomes a relative error ≈ δ/ε in the codes: measured
    // 1.7e-3; bound 3×.
    let c16: Vec<f64> = c16.iter().map(|v| v.to_f64()).collect();
    assert!(max_abs_diff(&c64, &c16) < 5e-3, "f16: {:e}", max_abs_diff(&c64, &c16));
    let sb16: Vec<half::bf16> = s.iter().map(|&v| half::bf16::from_f64(v)).collect();
    let (cb16, _) = super::owned::swav_codes_alloc(MatRef::new(&sb16, bn, k, "s").unwrap(), &sp).unwrap();
    // bf16 keeps 8 bits (δ ≈ 2⁻⁹): measured 2.1e-2; bound 3×.
    let cb16: Vec<f64> = cb16.iter().map(|v| v.to_f64()).collect();
    assert!(max_abs_diff(&c64, &cb16) < 6e-2, "bf16: {:e}", max_abs_diff(&c64, &cb16));
}

/// Two shards on two threads, summing through shared memory: the sharded SwAV iteration must
/// reproduce the single-process codes.
#[cfg(feature = "std")]
#[test]
fn two_shard_swav_reproduces_the_unsharded_codes() {
    use std::sync::{Arc, Barrier, Mutex};
    struct Shared {
        sum: Mutex<Vec<f64>>,
        barrier: Barrier,
    }
    struct TwoShards(Arc<Shared>);
    impl AllReduce<f64> for TwoShards {
        fn all_reduce_sum(&mut self, buf: &mut [f64]) -> crate::Result<()> {
            let s = &self.0;
            {
                let mut acc = s.sum.lock().unwrap();
                acc.resize(buf.len(), 0.0);
                for (a, &b) in acc.iter_mut().zip(buf.iter()) {
                    *a += b;
                }
            }
            s.barrier.wait();
            buf.copy_from_slice(&s.sum.lock().unwrap()[..buf.len()]);
            if s.barrier.wait().is_leader() {
                s.sum.lock().unwrap().iter_mut().for_each(|v| *v = 0.0);
            }
            s.barrier.wait();
            Ok(())
        }
    }
    let (bn, k) = (50, 13);
    let s: Vec<f64> = cost(bn, k).iter().map(|v| 1.0 - 2.0 * v).collect();
    for max_shift in [false, true] {
        let sp = SwavParams { iterations: 4, max_shift, ..Default::default() };
        let (whole, info) = super::owned::swav_codes_alloc(MatRef::new(&s, bn, k, "s").unwrap(), &sp).unwrap();
        let shared = Arc::new(Shared { sum: Mutex::new(Vec::new()), barrier: Barrier::new(2) });
        let split = 21;
        let halves = [(0usize, split), (split, bn)];
        let results: Vec<(Vec<f64>, SwavInfo)> = std::thread::scope(|sc| {
            let handles: Vec<_> = halves
                .iter()
                .map(|&(lo, hi)| {
                    let mut red = TwoShards(shared.clone());
                    let rows = &s[lo * k..hi * k];
                    sc.spawn(move || {
                        let x = MatRef::new(rows, hi - lo, k, "s").unwrap();
                        let mut codes = vec![0.0; (hi - lo) * k];
                        let mut scratch = vec![0.0; swav_scratch(hi - lo, k)];
                        let info = swav_codes(x, &sp, &mut codes, &mut scratch, &mut red).unwrap();
                        (codes, info)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let joined: Vec<f64> = results.iter().flat_map(|(c, _)| c.iter().copied()).collect();
        assert!(max_abs_diff(&joined, &whole) < 1e-13, "max_shift {max_shift}");
        for (_, i) in &results {
            assert_eq!(i.samples, bn);
            assert!((i.prototype_err - info.prototype_err).abs() < 1e-12);
        }
    }
    // The identity reducer is the single-process case: SwAV's `distributed_sinkhorn` with
    // world size 1, written out here (Q = exp(S/ε)ᵀ normalised, then T times prototypes
    // first, samples last; codes = B·Qᵀ).
    let sp = SwavParams { iterations: 4, ..Default::default() };
    let mut q: Vec<f64> = s.iter().map(|&v| libm::exp(v / sp.eps)).collect();
    let total: f64 = q.iter().sum();
    q.iter_mut().for_each(|v| *v /= total);
    for _ in 0..sp.iterations {
        for j in 0..k {
            let col: f64 = (0..bn).map(|i| q[i * k + j]).sum();
            (0..bn).for_each(|i| q[i * k + j] /= col * k as f64);
        }
        for row in q.chunks_exact_mut(k) {
            let sum: f64 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= sum * bn as f64);
        }
    }
    let reference: Vec<f64> = q.iter().map(|v| v * bn as f64).collect();
    let mut codes = vec![f64::NAN; bn * k];
    let mut scratch = vec![0.0; swav_scratch(bn, k)];
    let x = MatRef::new(&s, bn, k, "s").unwrap();
    let info = swav_codes(x, &sp, &mut codes, &mut scratch, &mut Local).unwrap();
    assert!(max_abs_diff(&codes, &reference) < 1e-13, "{}", max_abs_diff(&codes, &reference));
    assert_eq!((info.iterations, info.samples), (sp.iterations, bn));
    // Σ_j |Σ_i Q_ij − 1/K| with Q = codes / B.
    let err: f64 =
        (0..k).map(|j| ((0..bn).map(|i| reference[i * k + j]).sum::<f64>() / bn as f64 - 1.0 / k as f64).abs()).sum();
    assert!((info.prototype_err - err).abs() < 1e-13, "{} vs {err}", info.prototype_err);
}

#[test]
fn unbalanced_meets_its_fixed_point_and_tends_to_balanced() {
    let (n, k) = (12, 9);
    let m = cost(n, k);
    let (a, b0) = (weights(n, 1), weights(k, 2));
    let b: Vec<f64> = b0.iter().map(|v| v * 1.5).collect();
    let x = MatRef::new(&m, n, k, "x").unwrap();
    for entropy in [UnbalancedEntropy::Entropy, UnbalancedEntropy::Kl] {
        let p = UnbalancedParams {
            eps: 0.05,
            reg_m_a: 1.0,
            reg_m_b: 1.0,
            entropy,
            tol: 1e-14,
            max_iter: 100_000,
            ..Default::default()
        };
        let sol = super::owned::sinkhorn_unbalanced_alloc(x, &a, &b, &p, super::owned::SinkhornMode::Scaling).unwrap();
        assert!(sol.info.converged, "{:?}", sol.info);
        let q = sol.plan(x, ScoreKind::Cost, p.eps).unwrap();
        let r: Vec<f64> = q.chunks(k).map(|row| row.iter().sum()).collect();
        let c: Vec<f64> = (0..k).map(|j| (0..n).map(|i| q[i * k + j]).sum()).collect();
        assert!((r.iter().sum::<f64>() - sol.info.mass).abs() < 1e-10);
        // Optimality (entropy convention): Q_ij = exp((f_i + g_j − M_ij)/ε) with
        // f = −τ log(r/a), g = −τ log(c/b); with KL the kernel carries a_i b_j as well.
        for i in 0..n {
            for j in 0..k {
                let f = -p.reg_m_a * libm::log(r[i] / a[i]);
                let g = -p.reg_m_b * libm::log(c[j] / b[j]);
                let mut want = libm::exp((f + g - m[i * k + j]) / p.eps);
                if entropy == UnbalancedEntropy::Kl {
                    want *= a[i] * b[j];
                }
                assert!((q[i * k + j] - want).abs() <= 1e-9 * want.max(1e-300), "{entropy:?} ({i},{j})");
            }
        }
    }
    // Huge relaxation on both sides = balanced (entropy convention, equal masses).
    let p = UnbalancedParams {
        eps: 0.1,
        reg_m_a: 1e9,
        reg_m_b: 1e9,
        entropy: UnbalancedEntropy::Entropy,
        tol: 1e-13,
        max_iter: 100_000,
        ..Default::default()
    };
    let sol = super::owned::sinkhorn_unbalanced_alloc(x, &a, &b0, &p, super::owned::SinkhornMode::Scaling).unwrap();
    let bal = super::owned::sinkhorn(
        x,
        &a,
        &b0,
        &SinkhornParams { eps: 0.1, tol: 1e-13, ..Default::default() },
        super::owned::SinkhornMode::Log,
    )
    .unwrap();
    let q1 = sol.plan(x, ScoreKind::Cost, 0.1).unwrap();
    let q2 = bal.plan(x, ScoreKind::Cost, 0.1).unwrap();
    assert!(max_abs_diff(&q1, &q2) < 1e-7);
}

#[test]
fn batched_matches_single_problems() {
    let (batch, n, k) = (5, 6, 4);
    let x: Vec<f64> = (0..batch).flat_map(|p| cost(n + p, k).into_iter().take(n * k)).collect();
    let (a, b) = (weights(n, 1), weights(k, 2));
    let p = BatchedParams { eps: 0.2, iterations: 30, ..Default::default() };
    let sol = super::owned::sinkhorn_batched_alloc(&x, (batch, n, k), &a, &b, &p).unwrap();
    assert_eq!(sol.info.problems, batch);
    for q in 0..batch {
        let xm = MatRef::new(&x[q * n * k..(q + 1) * n * k], n, k, "x").unwrap();
        let sp = SinkhornParams { eps: 0.2, tol: 0.0, max_iter: 30, ..Default::default() };
        let single = super::owned::sinkhorn(xm, &a, &b, &sp, super::owned::SinkhornMode::Scaling).unwrap();
        assert!(max_abs_diff(&single.f, &sol.f[q * n..(q + 1) * n]) < 1e-13);
        assert!(max_abs_diff(&single.g, &sol.g[q * k..(q + 1) * k]) < 1e-13);
    }
}

#[test]
fn potential_argmax_matches_the_plan_argmax() {
    let (n, k) = (15, 7);
    let m = cost(n, k);
    let p = SinkhornParams { eps: 0.05, ..Default::default() };
    let (f, g, _) = solve_log(&m, n, k, &p);
    let q = plan_of(&m, n, k, ScoreKind::Cost, p.eps, &f, &g);
    let (mut l1, mut l2) = (vec![0; n], vec![0; n]);
    potential_argmax(MatRef::new(&m, n, k, "x").unwrap(), ScoreKind::Cost, &g, &mut l1).unwrap();
    row_argmax(MatRef::new(&q, n, k, "q").unwrap(), &mut l2).unwrap();
    assert_eq!(l1, l2);
    // Ties go to the lowest index.
    let flat = [1.0f64, 1.0, 0.5, 2.0, 2.0, 2.0];
    let mut l = [9usize; 2];
    row_argmax(MatRef::new(&flat, 2, 3, "q").unwrap(), &mut l).unwrap();
    assert_eq!(l, [0, 0]);
}

// ---------------------------------------------------------------- bad input

fn balanced_entries_reject(
    x: &[f64],
    n: usize,
    k: usize,
    a: &[f64],
    b: &[f64],
    p: &SinkhornParams,
    scratch: usize,
) -> [Error; 2] {
    let xm = MatRef::new(x, n, k, "x").unwrap();
    let (mut f, mut g) = (vec![7.0; a.len().max(1)], vec![7.0; b.len().max(1)]);
    let (f, g) = (&mut f[..a.len().min(n).max(1).min(a.len().max(1))], &mut g[..b.len().max(1)]);
    let f_len = f.len();
    let mut s1 = vec![7.0; scratch];
    let e1 = sinkhorn_scaling(xm, a, b, p, f, g, &mut s1).unwrap_err();
    let mut s2 = vec![7.0; scratch.min(sinkhorn_log_scratch(n, k))];
    let e2 = sinkhorn_log(xm, a, b, p, f, g, &mut s2).unwrap_err();
    assert!(f.iter().chain(g.iter()).all(|&v| v == 7.0), "outputs untouched (len {f_len})");
    assert!(s1.iter().all(|&v| v == 7.0), "scratch untouched");
    [e1, e2]
}

#[test]
fn balanced_solvers_reject_bad_input_without_writing() {
    let (n, k) = (4, 3);
    let m = cost(n, k);
    let (a, b) = (weights(n, 1), weights(k, 2));
    let p = SinkhornParams::default();
    let full = sinkhorn_scaling_scratch(n, k);
    let mut bad = m.clone();
    bad[5] = f64::NAN;
    for e in balanced_entries_reject(&bad, n, k, &a, &b, &p, full) {
        assert_eq!(e, Error::NonFinite { what: "x", index: 5 });
    }
    let mut bad = m.clone();
    bad[0] = f64::INFINITY;
    for e in balanced_entries_reject(&bad, n, k, &a, &b, &p, full) {
        assert!(matches!(e, Error::NonFinite { .. }));
    }
    let mut na = a.clone();
    na[1] = -na[1];
    for e in balanced_entries_reject(&m, n, k, &na, &b, &p, full) {
        assert!(matches!(e, Error::Negative { what: "a", index: 1, .. }));
    }
    let nb: Vec<f64> = b.iter().map(|v| v * 1.01).collect();
    for e in balanced_entries_reject(&m, n, k, &a, &nb, &p, full) {
        assert!(matches!(e, Error::MassMismatch { .. }));
    }
    for e in balanced_entries_reject(&m, n, k, &a[..3], &b, &p, full) {
        assert!(matches!(e, Error::ShapeMismatch { what: "a", .. }));
    }
    for e in balanced_entries_reject(&m, n, k, &a, &b, &SinkhornParams { eps: 0.0, ..p }, full) {
        assert_eq!(e, Error::InvalidParameter { name: "eps", value: 0.0 });
    }
    for e in balanced_entries_reject(&m, n, k, &a, &b, &SinkhornParams { eps: -1.0, ..p }, full) {
        assert!(matches!(e, Error::InvalidParameter { name: "eps", .. }));
    }
    for e in balanced_entries_reject(&m, n, k, &a, &b, &p, 1) {
        assert!(matches!(e, Error::ScratchTooSmall { .. }));
    }
    // Empty matrices are refused by the view itself.
    assert_eq!(MatRef::new(&m[..0], 0, 3, "x").unwrap_err(), Error::Empty { what: "x" });
    // Output lengths.
    let xm = MatRef::new(&m, n, k, "x").unwrap();
    let (mut f, mut g) = (vec![0.0; n + 1], vec![0.0; k]);
    let mut s = vec![0.0; full];
    assert!(matches!(
        sinkhorn_log(xm, &a, &b, &p, &mut f, &mut g, &mut s),
        Err(Error::ShapeMismatch { what: "f", .. })
    ));
}

#[test]
fn swav_rejects_bad_input_without_writing() {
    let (bn, k) = (6, 4);
    let s: Vec<f64> = cost(bn, k).iter().map(|v| 1.0 - 2.0 * v).collect();
    let x = MatRef::new(&s, bn, k, "s").unwrap();
    let run = |x: MatRef<'_, f64>, p: &SwavParams, codes: usize, scratch: usize| {
        let mut c = vec![7.0; codes];
        let mut sc = vec![7.0; scratch];
        let e = swav_codes(x, p, &mut c, &mut sc, &mut Local).unwrap_err();
        assert!(c.iter().all(|&v| v == 7.0));
        let mut l = vec![99usize; codes / k];
        let e2 = swav_assign(x, p, &mut l, &mut sc, &mut Local).unwrap_err();
        assert!(l.iter().all(|&v| v == 99));
        assert_eq!(core::mem::discriminant(&e), core::mem::discriminant(&e2));
        e
    };
    let full = swav_scratch(bn, k);
    let d = SwavParams::default();
    assert!(matches!(run(x, &SwavParams { eps: 0.0, ..d }, bn * k, full), Error::InvalidParameter { name: "eps", .. }));
    assert!(matches!(run(x, &SwavParams { iterations: 0, ..d }, bn * k, full), Error::InvalidParameter { .. }));
    assert!(matches!(run(x, &d, bn * k - 1, full), Error::ShapeMismatch { .. }));
    assert!(matches!(run(x, &d, bn * k, full - 1), Error::ScratchTooSmall { .. }));
    let mut bad = s.clone();
    bad[3] = f64::NAN;
    assert!(matches!(run(MatRef::new(&bad, bn, k, "s").unwrap(), &d, bn * k, full), Error::NonFinite { index: 3, .. }));
    // Unbounded scores overflow exp(S/ε) without the max-shift…
    let big: Vec<f64> = s.iter().map(|v| v * 1e3).collect();
    let bx = MatRef::new(&big, bn, k, "s").unwrap();
    assert!(matches!(run(bx, &SwavParams { max_shift: false, ..d }, bn * k, full), Error::InvalidParameter { .. }));
    // …and a sample whose whole kernel row underflows (even with it) is a typed error.
    assert!(matches!(run(bx, &d, bn * k, full), Error::NumericalBreakdown { iteration: 0, .. }));
    // With the max-shift, moderately unbounded scores work and stay finite.
    let mid: Vec<f64> = s.iter().map(|v| v * 2.0).collect();
    let (c, _) = super::owned::swav_codes_alloc(MatRef::new(&mid, bn, k, "s").unwrap(), &d).unwrap();
    assert!(c.iter().all(|v| v.is_finite()));
}

#[test]
fn unbalanced_and_batched_reject_bad_input() {
    let (n, k) = (4, 3);
    let m = cost(n, k);
    let (a, b) = (weights(n, 1), weights(k, 2));
    let x = MatRef::new(&m, n, k, "x").unwrap();
    let (mut f, mut g) = (vec![7.0; n], vec![7.0; k]);
    let mut s = vec![7.0; sinkhorn_unbalanced_scratch(n, k)];
    let d = UnbalancedParams::default();
    let mut call = |p: &UnbalancedParams, a: &[f64], scratch: usize| {
        let e = sinkhorn_unbalanced(x, a, &b, p, &mut f, &mut g, &mut s[..scratch]).unwrap_err();
        assert!(f.iter().chain(&g).all(|&v| v == 7.0));
        e
    };
    let full = sinkhorn_unbalanced_scratch(n, k);
    assert!(matches!(
        call(&UnbalancedParams { reg_m_a: 0.0, ..d }, &a, full),
        Error::InvalidParameter { name: "reg_m_a", .. }
    ));
    assert!(matches!(
        call(&UnbalancedParams { eps: f64::INFINITY, ..d }, &a, full),
        Error::InvalidParameter { name: "eps", .. }
    ));
    assert!(matches!(call(&d, &a[..2], full), Error::ShapeMismatch { .. }));
    assert!(matches!(call(&d, &a, full - 1), Error::ScratchTooSmall { .. }));
    let na = [0.1, -0.2, 0.3, 0.4];
    assert!(matches!(call(&d, &na, full), Error::Negative { .. }));
    let sim = UnbalancedParams { kind: ScoreKind::Similarity, eps: 1e-4, ..d };
    let big: Vec<f64> = m.iter().map(|v| v + 1.0).collect();
    let xb = MatRef::new(&big, n, k, "x").unwrap();
    let mut s2 = vec![0.0; full];
    let (mut f2, mut g2) = (vec![0.0; n], vec![0.0; k]);
    assert!(matches!(
        sinkhorn_unbalanced(xb, &a, &b, &sim, &mut f2, &mut g2, &mut s2),
        Err(Error::InvalidParameter { name: "eps", .. })
    ));

    let bp = BatchedParams::default();
    let (mut fb, mut gb) = (vec![7.0; 2 * n], vec![7.0; 2 * k]);
    let mut sb = vec![7.0; sinkhorn_batched_scratch(n, k)];
    let two: Vec<f64> = m.iter().chain(&m).copied().collect();
    assert!(matches!(
        sinkhorn_batched(&two, 0, n, k, &a, &b, &bp, &mut fb, &mut gb, &mut sb),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        sinkhorn_batched(&two[1..], 2, n, k, &a, &b, &bp, &mut fb, &mut gb, &mut sb),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        sinkhorn_batched(&two, 2, n, k, &a[..3], &b, &bp, &mut fb, &mut gb, &mut sb),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = two.clone();
    nan[20] = f64::NAN;
    assert!(matches!(
        sinkhorn_batched(&nan, 2, n, k, &a, &b, &bp, &mut fb, &mut gb, &mut sb),
        Err(Error::NonFinite { index: 20, .. })
    ));
    let per: Vec<f64> = a.iter().chain(a.iter().map(|v| v * 2.0).collect::<Vec<_>>().iter()).copied().collect();
    assert!(matches!(
        sinkhorn_batched(&two, 2, n, k, &per, &b, &bp, &mut fb, &mut gb, &mut sb),
        Err(Error::MassMismatch { .. })
    ));
    assert!(matches!(
        sinkhorn_batched(&two, 2, n, k, &a, &b, &bp, &mut fb, &mut gb, &mut sb[..1]),
        Err(Error::ScratchTooSmall { .. })
    ));
    assert!(fb.iter().chain(&gb).all(|&v| v == 7.0));
    // Outputs reject mismatched potentials.
    let mut q = vec![0.0; n * k];
    assert!(matches!(plan(x, ScoreKind::Cost, 0.1, &f2[..2], &g2, &mut q), Err(Error::ShapeMismatch { .. })));
    let nanf = [f64::NAN; 4];
    assert!(matches!(plan(x, ScoreKind::Cost, 0.1, &nanf, &g2, &mut q), Err(Error::NonFinite { what: "f", .. })));
    assert!(matches!(plan(x, ScoreKind::Cost, 0.0, &f2, &g2, &mut q), Err(Error::InvalidParameter { .. })));
    let mut lab = vec![0; n - 1];
    assert!(potential_argmax(x, ScoreKind::Cost, &g2, &mut lab).is_err());
}

/// Offsetting every score by a constant leaves the codes unchanged (the shift cancels). A large
/// offset in f32 forces the rebuilt, max-shifted kernel (exp(S/ε) alone would leave the safe
/// range); a small one takes the single-read unshifted path: both agree.
#[test]
fn swav_codes_are_offset_invariant_on_both_exp_paths() {
    let (bn, k) = (9, 7);
    let s: Vec<f32> = cost(bn, k).iter().map(|v| 1.0 - 2.0 * *v as f32).collect();
    let shifted: Vec<f32> = s.iter().map(|v| v + 2.5).collect();
    let sp = SwavParams::default();
    let (c0, _) = super::owned::swav_codes_alloc(MatRef::new(&s, bn, k, "s").unwrap(), &sp).unwrap();
    let (c1, _) = super::owned::swav_codes_alloc(MatRef::new(&shifted, bn, k, "s").unwrap(), &sp).unwrap();
    let worst = c0.iter().zip(&c1).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "offset changed the codes by {worst}");
    for row in c1.chunks_exact(k) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}
