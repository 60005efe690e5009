//! Property tests of the Sinkhorn family: marginals, positivity, invariances, precision across
//! storage types, batched vs single, unbalanced → balanced, unbalanced log = scaling form, SwAV
//! row sums, SwAV loss bounds and gradient.

use clasp_core::sinkhorn::owned::{
    SinkhornMode, sinkhorn, sinkhorn_batched_alloc, sinkhorn_unbalanced_alloc, swav_codes_alloc,
};
use clasp_core::sinkhorn::{
    BatchedParams, ScoreKind, SinkhornParams, SwavLossParams, SwavParams, UnbalancedEntropy, UnbalancedParams,
    swav_loss, swav_loss_scratch,
};
use clasp_core::{Float, MatRef, Real};
use proptest::collection::vec;
use proptest::prelude::*;

/// A random problem: sizes, a cost in [0, 1], positive marginals of unit mass.
#[derive(Clone, Debug)]
struct Problem {
    n: usize,
    k: usize,
    cost: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    eps: f64,
}

fn normalised(w: Vec<f64>) -> Vec<f64> {
    let s: f64 = w.iter().sum();
    w.into_iter().map(|v| v / s).collect()
}

/// An `n × k` problem at `eps`: a cost in [0, 1], positive marginals of unit mass.
fn problem_of(n: usize, k: usize, eps: f64) -> impl Strategy<Value = Problem> {
    (vec(0.0f64..1.0, n * k), vec(0.5f64..1.5, n), vec(0.5f64..1.5, k)).prop_map(move |(cost, a, b)| Problem {
        n,
        k,
        cost,
        a: normalised(a),
        b: normalised(b),
        eps,
    })
}

/// Shapes from 1 × 1 to 11 × 11 (tall, wide, single row or column), ε log-uniform in [0.01, 1]
/// (a kernel span up to e^−100: within f64's range, so both forms apply).
fn problem() -> impl Strategy<Value = Problem> {
    (1usize..12, 1usize..12, -2.0f64..0.0).prop_flat_map(|(n, k, l)| problem_of(n, k, 10f64.powf(l)))
}

/// ε log-uniform in [1e-3, 1e-2]: exp(−C/ε) reaches e^−1000 (0 in f64, far below f32's range),
/// so only the log domain applies.
fn small_eps_problem() -> impl Strategy<Value = Problem> {
    (1usize..12, 1usize..12, -3.0f64..-2.0).prop_flat_map(|(n, k, l)| problem_of(n, k, 10f64.powf(l)))
}

/// A batch of 1 to 5 independent problems of one shape (shapes and ε as [`problem`]).
fn batch() -> impl Strategy<Value = Vec<Problem>> {
    (1usize..12, 1usize..12, -2.0f64..0.0, 1usize..6)
        .prop_flat_map(|(n, k, l, m)| vec(problem_of(n, k, 10f64.powf(l)), m))
}

fn params(eps: f64) -> SinkhornParams {
    SinkhornParams::default().eps(eps).kind(ScoreKind::Cost).max_iter(100_000).tol(1e-12).check_every(10)
}

fn solve_plan(p: &Problem, cost: &[f64], mode: SinkhornMode) -> (Vec<f64>, bool) {
    let x = MatRef::new(cost, p.n, p.k, "cost").unwrap();
    let sol = sinkhorn(x, &p.a, &p.b, &params(p.eps), mode).unwrap();
    (sol.plan(x, ScoreKind::Cost, p.eps).unwrap(), sol.info.converged)
}

fn max_abs_diff(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).fold(0.0, |d, (a, b)| d.max((a - b).abs()))
}

fn cast<T: Real>(x: &[f64]) -> Vec<T> {
    x.iter().map(|&v| T::from_acc(<T::Acc as Float>::from_f64(v))).collect()
}

fn widen<T: Real>(x: &[T]) -> Vec<f64> {
    x.iter().map(|v| v.to_acc().to_f64()).collect()
}

/// A SwAV loss input: V views of B rows of K scores in [−1, 1], codes of the first C views.
#[derive(Clone, Debug)]
struct LossInput {
    k: usize,
    params: SwavLossParams,
    scores: Vec<f64>,
    codes: Vec<f64>,
}

/// Code rows: a normalised random row, or one-hot when `one_hot`.
fn loss_input(one_hot: bool) -> impl Strategy<Value = LossInput> {
    (1usize..6, 1usize..12, 2usize..5, 0.05f64..1.0).prop_flat_map(move |(b, k, v, temperature)| {
        (1usize..=v, vec(-1.0f64..1.0, v * b * k)).prop_flat_map(move |(c, scores)| {
            let rows = vec((vec(0.01f64..1.0, k), 0..k), c * b);
            rows.prop_map(move |rows| {
                let codes = rows
                    .into_iter()
                    .flat_map(|(w, hot)| {
                        if one_hot { (0..k).map(|j| if j == hot { 1.0 } else { 0.0 }).collect() } else { normalised(w) }
                    })
                    .collect();
                LossInput {
                    k,
                    params: SwavLossParams::default().temperature(temperature).views(v).assigned(c),
                    scores: scores.clone(),
                    codes,
                }
            })
        })
    })
}

fn loss_of(inp: &LossInput, scores: &[f64], grad: Option<&mut [f64]>) -> f64 {
    let x = MatRef::new(scores, scores.len() / inp.k, inp.k, "scores").unwrap();
    let mut s = vec![0.0; swav_loss_scratch(inp.k)];
    swav_loss(x, &inp.codes, &inp.params, grad, &mut s).unwrap().loss
}

/// Plan of the log solver run in storage type `T` on `cost` (already representable in `T`).
fn plan_in<T: Real>(p: &Problem, cost: &[f64]) -> Vec<f64> {
    let (x, a, b) = (cast::<T>(cost), cast::<T>(&p.a), cast::<T>(&p.b));
    let xm = MatRef::new(&x, p.n, p.k, "cost").unwrap();
    let prm = params(p.eps).tol(0.0).max_iter(2000);
    let sol = sinkhorn(xm, &a, &b, &prm, SinkhornMode::Log).unwrap();
    widen(&sol.plan(xm, ScoreKind::Cost, p.eps).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn converged_plans_are_nonnegative_and_meet_both_marginals(p in problem()) {
        for mode in [SinkhornMode::Scaling, SinkhornMode::Log] {
            let (q, converged) = solve_plan(&p, &p.cost, mode);
            prop_assert!(converged);
            prop_assert!(q.iter().all(|&v| v >= 0.0 && v.is_finite()));
            let rows: Vec<f64> = q.chunks(p.k).map(|r| r.iter().sum()).collect();
            let cols: Vec<f64> = (0..p.k).map(|j| (0..p.n).map(|i| q[i * p.k + j]).sum()).collect();
            prop_assert!(max_abs_diff(&rows, &p.a) < 1e-10);
            prop_assert!(max_abs_diff(&cols, &p.b) < 1e-10);
        }
    }

    /// Small ε in the log domain: the solve converges, the plan is finite and non-negative,
    /// its rows sum to `a` (f is updated last) and its columns to `b` within the tolerance.
    #[test]
    fn log_domain_converges_at_small_eps(p in small_eps_problem()) {
        let x = MatRef::new(&p.cost, p.n, p.k, "cost").unwrap();
        let prm = params(p.eps).tol(1e-9).max_iter(1_000_000);
        let sol = sinkhorn(x, &p.a, &p.b, &prm, SinkhornMode::Log).unwrap();
        prop_assert!(sol.info.converged, "{:?}", sol.info);
        let q = sol.plan(x, ScoreKind::Cost, p.eps).unwrap();
        prop_assert!(q.iter().all(|&v| v >= 0.0 && v.is_finite()));
        let rows: Vec<f64> = q.chunks(p.k).map(|r| r.iter().sum()).collect();
        let cols: Vec<f64> = (0..p.k).map(|j| (0..p.n).map(|i| q[i * p.k + j]).sum()).collect();
        prop_assert!(max_abs_diff(&rows, &p.a) < 1e-12, "{}", max_abs_diff(&rows, &p.a));
        prop_assert!(max_abs_diff(&cols, &p.b) < 1e-9, "{}", max_abs_diff(&cols, &p.b));
        // `Auto` takes the log domain whenever (max C − min C)/ε ≥ 80 (almost always here).
        let auto = sinkhorn(x, &p.a, &p.b, &prm, SinkhornMode::Auto).unwrap();
        let span = p.cost.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v)) - p.cost.iter().fold(f64::INFINITY, |m, &v| m.min(v));
        if span / p.eps >= 80.0 {
            prop_assert_eq!(&auto.f, &sol.f);
        }
    }

    #[test]
    fn a_constant_added_to_the_cost_leaves_the_plan_unchanged(p in problem(), c in -5.0f64..5.0) {
        let shifted: Vec<f64> = p.cost.iter().map(|v| v + c).collect();
        let (q1, _) = solve_plan(&p, &p.cost, SinkhornMode::Log);
        let (q2, _) = solve_plan(&p, &shifted, SinkhornMode::Log);
        prop_assert!(max_abs_diff(&q1, &q2) < 1e-9);
    }

    #[test]
    fn permuting_rows_and_columns_permutes_the_plan(p in problem(), rs in any::<u64>(), cs in any::<u64>()) {
        // Rotations are permutations that keep the proptest shrinker simple.
        let (ri, ci) = ((rs as usize) % p.n, (cs as usize) % p.k);
        let row = |i: usize| (i + ri) % p.n;
        let col = |j: usize| (j + ci) % p.k;
        let mut perm = p.clone();
        for i in 0..p.n {
            perm.a[i] = p.a[row(i)];
            for j in 0..p.k {
                perm.cost[i * p.k + j] = p.cost[row(i) * p.k + col(j)];
            }
        }
        for j in 0..p.k {
            perm.b[j] = p.b[col(j)];
        }
        let (q, _) = solve_plan(&p, &p.cost, SinkhornMode::Log);
        let (qp, _) = solve_plan(&perm, &perm.cost, SinkhornMode::Log);
        for i in 0..p.n {
            for j in 0..p.k {
                prop_assert!((qp[i * p.k + j] - q[row(i) * p.k + col(j)]).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn lower_precision_storage_agrees_with_f64_to_its_precision(
        (n, k, cost) in (0u32..3, 0u32..3).prop_flat_map(|(i, j)| {
            let (n, k) = (2usize << i, 2usize << j);
            (Just(n), Just(k), vec(0.0f64..1.0, n * k))
        }),
        eps in 0.1f64..1.0,
    ) {
        // Uniform marginals over 2, 4 or 8 points are exact in every storage type.
        let p = Problem { n, k, cost, a: vec![1.0 / n as f64; n], b: vec![1.0 / k as f64; k], eps };
        // Each type sees the cost rounded to itself, so only the compute precision and the
        // rounding of the stored plan differ from the f64 run.
        type Check = (fn(&Problem, &[f64]) -> Vec<f64>, fn(&[f64]) -> Vec<f64>, f64);
        let checks: [Check; 3] = [
            (plan_in::<f32>, |c| widen(&cast::<f32>(c)), 1e-4),
            (plan_in::<half::f16>, |c| widen(&cast::<half::f16>(c)), 2e-3),
            (plan_in::<half::bf16>, |c| widen(&cast::<half::bf16>(c)), 1.6e-2),
        ];
        for (run, round, tol) in checks {
            let cost = round(&p.cost);
            let want = plan_in::<f64>(&p, &cost);
            let got = run(&p, &cost);
            let scale = want.iter().cloned().fold(0.0, f64::max);
            prop_assert!(max_abs_diff(&got, &want) <= tol * scale, "{} > {tol}", max_abs_diff(&got, &want) / scale);
        }
    }

    #[test]
    fn batched_agrees_with_single_problems(batch in batch(), iters in 1usize..40) {
        // Every problem of the batch has the same shape and ε, and each its own data.
        let (n, k, eps) = (batch[0].n, batch[0].k, batch[0].eps);
        let x: Vec<f64> = batch.iter().flat_map(|p| p.cost.iter().copied()).collect();
        let a: Vec<f64> = batch.iter().flat_map(|p| p.a.iter().copied()).collect();
        let b: Vec<f64> = batch.iter().flat_map(|p| p.b.iter().copied()).collect();
        let bp = BatchedParams::default().eps(eps).kind(ScoreKind::Cost).iterations(iters);
        let sol = sinkhorn_batched_alloc(&x, (batch.len(), n, k), &a, &b, &bp).unwrap();
        prop_assert!(sol.info.problems == batch.len());
        for (q, p) in batch.iter().enumerate() {
            let xm = MatRef::new(&p.cost, n, k, "x").unwrap();
            let sp = params(eps).eps(eps).tol(0.0).max_iter(iters);
            let single = sinkhorn(xm, &p.a, &p.b, &sp, SinkhornMode::Scaling).unwrap();
            prop_assert!(max_abs_diff(&single.f, &sol.f[q * n..(q + 1) * n]) < 1e-12);
            prop_assert!(max_abs_diff(&single.g, &sol.g[q * k..(q + 1) * k]) < 1e-12);
        }
    }

    #[test]
    fn unbalanced_with_huge_relaxation_matches_balanced(p in problem()) {
        let p = Problem { eps: p.eps.max(0.1), ..p };
        let x = MatRef::new(&p.cost, p.n, p.k, "x").unwrap();
        let up = UnbalancedParams::default()
            .eps(p.eps)
            .kind(ScoreKind::Cost)
            .reg_m_a(1e9)
            .reg_m_b(1e9)
            .entropy(UnbalancedEntropy::Entropy)
            .max_iter(100_000)
            .tol(1e-13);
        let un = sinkhorn_unbalanced_alloc(x, &p.a, &p.b, &up, SinkhornMode::Scaling).unwrap();
        let q1 = un.plan(x, ScoreKind::Cost, p.eps).unwrap();
        let (q2, _) = solve_plan(&p, &p.cost, SinkhornMode::Log);
        prop_assert!(max_abs_diff(&q1, &q2) < 1e-7, "{}", max_abs_diff(&q1, &q2));
        // Infinite relaxation is exactly balanced on that side.
        let exact = up.reg_m_a(f64::INFINITY).reg_m_b(f64::INFINITY);
        let un = sinkhorn_unbalanced_alloc(x, &p.a, &p.b, &exact, SinkhornMode::Scaling).unwrap();
        let q3 = un.plan(x, ScoreKind::Cost, p.eps).unwrap();
        prop_assert!(max_abs_diff(&q3, &q2) < 1e-9);
    }

    #[test]
    fn swav_code_rows_sum_to_one(
        (b, k, s) in (1usize..20, 1usize..20).prop_flat_map(|(b, k)| (Just(b), Just(k), vec(-1.0f64..1.0, b * k))),
        iterations in 1usize..12,
        eps in 0.02f64..0.5,
    ) {
        let x = MatRef::new(&s, b, k, "s").unwrap();
        let (codes, info) = swav_codes_alloc(x, &SwavParams::default().eps(eps).iterations(iterations)).unwrap();
        prop_assert!(info.iterations == iterations);
        for row in codes.chunks(k) {
            prop_assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert!(row.iter().all(|&v| v >= 0.0));
        }
    }

    #[test]
    fn unbalanced_log_domain_matches_the_scaling_form(
        p in problem(), reg_m in 0.05f64..5.0, mass in 0.5f64..2.0, kl in any::<bool>(),
    ) {
        let p = Problem { eps: p.eps.max(0.1), ..p };
        let b: Vec<f64> = p.b.iter().map(|v| v * mass).collect();
        let x = MatRef::new(&p.cost, p.n, p.k, "x").unwrap();
        let entropy = if kl { UnbalancedEntropy::Kl } else { UnbalancedEntropy::Entropy };
        let up = UnbalancedParams::default()
            .eps(p.eps)
            .kind(ScoreKind::Cost)
            .reg_m_a(reg_m)
            .reg_m_b(reg_m)
            .entropy(entropy)
            .max_iter(100_000)
            .tol(1e-13);
        let sc = sinkhorn_unbalanced_alloc(x, &p.a, &b, &up, SinkhornMode::Scaling).unwrap();
        let lg = sinkhorn_unbalanced_alloc(x, &p.a, &b, &up, SinkhornMode::Log).unwrap();
        prop_assert!(sc.info.converged && lg.info.converged);
        prop_assert!(max_abs_diff(&sc.f, &lg.f) < 1e-9 && max_abs_diff(&sc.g, &lg.g) < 1e-9);
        let (q1, q2) = (sc.plan(x, ScoreKind::Cost, p.eps).unwrap(), lg.plan(x, ScoreKind::Cost, p.eps).unwrap());
        prop_assert!(q2.iter().all(|&v| v >= 0.0));
        prop_assert!(max_abs_diff(&q1, &q2) < 1e-9);
        prop_assert!((sc.info.mass - lg.info.mass).abs() < 1e-9 * sc.info.mass);
    }

    /// Each term is a cross-entropy of a distribution q against p = softmax(z/τ):
    /// H(q) ≤ −Σ q log p ≤ Σ_k q_k (max z − z_k)/τ + ln K; so the loss is ≥ 0 and ≥ the mean code
    /// entropy. The gradient rows sum to 0 (unit code rows) and match a directional difference.
    #[test]
    fn swav_loss_is_a_bounded_cross_entropy_with_a_consistent_gradient(
        inp in prop_oneof![loss_input(false), loss_input(true)], dir_seed in any::<u64>(),
    ) {
        let LossInput { k, params, .. } = inp;
        let b = inp.scores.len() / (k * params.views);
        let mut g = vec![0.0; inp.scores.len()];
        let loss = loss_of(&inp, &inp.scores, Some(&mut g));
        let (mut lower, mut upper) = (0.0, 0.0);
        for s in 0..params.assigned {
            for t in (0..params.views).filter(|&t| t != s) {
                for i in 0..b {
                    let q = &inp.codes[(s * b + i) * k..][..k];
                    let z = &inp.scores[(t * b + i) * k..][..k];
                    let zmax = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                    lower -= q.iter().filter(|&&v| v > 0.0).map(|v| v * v.ln()).sum::<f64>();
                    upper += q.iter().zip(z).map(|(qv, zv)| qv * (zmax - zv)).sum::<f64>() / params.temperature
                        + (k as f64).ln();
                }
            }
        }
        let norm = (params.assigned * (params.views - 1) * b) as f64;
        let (lower, upper) = (lower / norm, upper / norm);
        prop_assert!(loss >= 0.0);
        prop_assert!(loss >= lower - 1e-12, "{loss} < H(q) = {lower}");
        prop_assert!(loss <= upper + 1e-12, "{loss} > {upper}");
        for row in g.chunks(k) {
            prop_assert!(row.iter().sum::<f64>().abs() < 1e-12);
        }
        let dir: Vec<f64> = (0..g.len())
            .map(|i| (((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ dir_seed) % 2001) as f64 / 1000.0 - 1.0)
            .collect();
        let h = 1e-6;
        let up: Vec<f64> = inp.scores.iter().zip(&dir).map(|(z, d)| z + h * d).collect();
        let dn: Vec<f64> = inp.scores.iter().zip(&dir).map(|(z, d)| z - h * d).collect();
        let fd = (loss_of(&inp, &up, None) - loss_of(&inp, &dn, None)) / (2.0 * h);
        let an: f64 = g.iter().zip(&dir).map(|(a, b)| a * b).sum();
        prop_assert!((fd - an).abs() < 1e-6 * (1.0 + an.abs()), "{fd} vs {an}");
    }
}
