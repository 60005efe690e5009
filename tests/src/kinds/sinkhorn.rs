//! The `sinkhorn` fixtures (POT 0.9.7): balanced cases through clasp's log-domain solver (the
//! POT `sinkhorn_log` the references come from, n_iter within ±10) and its scaling form, in
//! f64 and f32; the unbalanced case through `sinkhorn_unbalanced` (scaling form) and
//! `sinkhorn_unbalanced_log` (log domain), with the fixed-point check.

use crate::compare::{Report, Tol};
use crate::fixtures::Case;
use clasp_core::MatRef;
use clasp_core::sinkhorn::{
    ScoreKind, SinkhornParams, UnbalancedEntropy, UnbalancedParams, plan, sinkhorn_log, sinkhorn_log_scratch,
    sinkhorn_scaling, sinkhorn_scaling_scratch, sinkhorn_unbalanced, sinkhorn_unbalanced_log,
    sinkhorn_unbalanced_log_scratch, sinkhorn_unbalanced_scratch,
};
use clasp_core::{Float, Real};

/// Inputs of one case.
struct Inputs {
    n: usize,
    k: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    cost: Vec<f64>,
    plan: Vec<f64>,
    reg: f64,
}

fn inputs(case: &Case) -> Result<Inputs, String> {
    let cost = case.f64("cost")?;
    let (n, k) = match cost.shape[..] {
        [n, k] => (n, k),
        _ => return Err(format!("cost has shape {:?}", cost.shape)),
    };
    Ok(Inputs {
        n,
        k,
        a: case.f64("a")?.data,
        b: case.f64("b")?.data,
        cost: cost.data,
        plan: case.f64("plan")?.data,
        reg: case.num("reg")?,
    })
}

fn cast<T: Real>(x: &[f64]) -> Vec<T> {
    x.iter().map(|&v| T::from_acc(<T::Acc as Float>::from_f64(v))).collect()
}

fn widen<T: Real>(x: &[T]) -> Vec<f64> {
    x.iter().map(|v| v.to_acc().to_f64()).collect()
}

/// Tolerances of the fixtures README: (plan rel, cost rel, marginal abs).
fn tolerances(f32: bool, small_eps: bool) -> (f64, f64, f64) {
    match (f32, small_eps) {
        (false, false) => (1e-9, 1e-10, 1e-12),
        (false, true) => (1e-8, 1e-9, 1e-10),
        (true, false) => (1e-4, 1e-5, 1e-6),
        (true, true) => (1e-3, 1e-4, 1e-5),
    }
}

/// Compares a plan with the reference: entries, transport cost, both marginals.
fn compare_plan(r: &mut Report, tag: &str, inp: &Inputs, q: &[f64], tol: (f64, f64, f64), marginals: bool) {
    r.close(&format!("{tag} plan"), q, &inp.plan, Tol::Rel(tol.0));
    let cost: f64 = q.iter().zip(&inp.cost).map(|(p, c)| p * c).sum();
    let want: f64 = inp.plan.iter().zip(&inp.cost).map(|(p, c)| p * c).sum();
    r.scalar(&format!("{tag} transport cost"), cost, want, Tol::Rel(tol.1));
    if marginals {
        let rows: Vec<f64> = q.chunks(inp.k).map(|row| row.iter().sum()).collect();
        let cols: Vec<f64> = (0..inp.k).map(|j| (0..inp.n).map(|i| q[i * inp.k + j]).sum()).collect();
        r.close(&format!("{tag} row marginal"), &rows, &inp.a, Tol::Abs(tol.2));
        r.close(&format!("{tag} column marginal"), &cols, &inp.b, Tol::Abs(tol.2));
    }
}

/// Runs a balanced solver in storage type `T` and returns the plan (f64) and info.
fn balanced<T: Real>(
    inp: &Inputs,
    params: &SinkhornParams,
    log: bool,
) -> Result<(Vec<f64>, clasp_core::sinkhorn::SinkhornInfo), String> {
    let (x, a, b) = (cast::<T>(&inp.cost), cast::<T>(&inp.a), cast::<T>(&inp.b));
    let xm = MatRef::new(&x, inp.n, inp.k, "cost").map_err(|e| e.to_string())?;
    let zero = <T::Acc as Float>::ZERO;
    let (mut f, mut g) = (vec![zero; inp.n], vec![zero; inp.k]);
    let info = if log {
        let mut s = vec![zero; sinkhorn_log_scratch(inp.n, inp.k)];
        sinkhorn_log(xm, &a, &b, params, &mut f, &mut g, &mut s)
    } else {
        let mut s = vec![zero; sinkhorn_scaling_scratch(inp.n, inp.k)];
        sinkhorn_scaling(xm, &a, &b, params, &mut f, &mut g, &mut s)
    }
    .map_err(|e| e.to_string())?;
    let mut q = vec![T::default(); inp.n * inp.k];
    plan(xm, ScoreKind::Cost, params.eps, &f, &g, &mut q).map_err(|e| e.to_string())?;
    Ok((widen(&q), info))
}

/// Checker of the `sinkhorn` kind.
pub fn check(case: &Case, r: &mut Report) -> Result<(), String> {
    let inp = inputs(case)?;
    if case.json.get("reg_m").is_some() {
        return check_unbalanced(case, &inp, r);
    }
    let n_iter = case.num("n_iter")? as usize;
    let small_eps = inp.reg < 0.01;
    let params = SinkhornParams::default()
        .eps(inp.reg)
        .kind(ScoreKind::Cost)
        .max_iter(case.num("max_iter")? as usize)
        .tol(case.num("stop_thr")?)
        .check_every(10);
    // f64, log domain: POT's own algorithm.
    let (q, info) = balanced::<f64>(&inp, &params, true)?;
    r.check(&format!("f64 log: converged ({info:?})"), info.converged);
    r.check(
        &format!("f64 log: n_iter {} vs POT {n_iter} (±10)", info.iterations),
        info.iterations.abs_diff(n_iter) <= 10,
    );
    compare_plan(r, "f64 log", &inp, &q, tolerances(false, small_eps), true);
    // f64, scaling form (POT sinkhorn_knopp semantics): same fixed point where the kernel is safe.
    if !small_eps {
        let (q, info) = balanced::<f64>(&inp, &params, false)?;
        r.check(&format!("f64 scaling: converged ({info:?})"), info.converged);
        compare_plan(r, "f64 scaling", &inp, &q, tolerances(false, small_eps), true);
    }
    // f32, log domain, run until the error stops improving (fixed budget, no stop test).
    let p32 = params.tol(0.0).max_iter(2 * n_iter + 200);
    let (q, _) = balanced::<f32>(&inp, &p32, true)?;
    compare_plan(r, "f32 log", &inp, &q, tolerances(true, small_eps), true);
    Ok(())
}

fn check_unbalanced(case: &Case, inp: &Inputs, r: &mut Report) -> Result<(), String> {
    let reg_m = case.num("reg_m")?;
    let entropy = match case.str("reg_type")? {
        "entropy" => UnbalancedEntropy::Entropy,
        "kl" => UnbalancedEntropy::Kl,
        other => return Err(format!("unknown reg_type `{other}`")),
    };
    let params = UnbalancedParams::default()
        .eps(inp.reg)
        .kind(ScoreKind::Cost)
        .reg_m_a(reg_m)
        .reg_m_b(reg_m)
        .entropy(entropy)
        .max_iter(case.num("max_iter")? as usize)
        .tol(case.num("stop_thr")?);
    for log in [false, true] {
        let form = if log { "log" } else { "scaling" };
        let q = unbalanced::<f64>(inp, &params, r, &format!("f64 {form}"), log)?;
        compare_plan(r, &format!("f64 {form} unbalanced"), inp, &q, tolerances(false, false), false);
        // Fixed point (fixtures README): f = −τ log(r/a), g = −τ log(c/b) ⇒ Q = exp((f + g − M)/ε).
        let rows: Vec<f64> = q.chunks(inp.k).map(|row| row.iter().sum()).collect();
        let cols: Vec<f64> = (0..inp.k).map(|j| (0..inp.n).map(|i| q[i * inp.k + j]).sum()).collect();
        let mut fixed = vec![0.0; q.len()];
        for i in 0..inp.n {
            for j in 0..inp.k {
                let f = -reg_m * (rows[i] / inp.a[i]).ln();
                let g = -reg_m * (cols[j] / inp.b[j]).ln();
                let mut v = ((f + g - inp.cost[i * inp.k + j]) / inp.reg).exp();
                if entropy == UnbalancedEntropy::Kl {
                    v *= inp.a[i] * inp.b[j];
                }
                fixed[i * inp.k + j] = v;
            }
        }
        r.close(&format!("f64 {form} unbalanced fixed point"), &q, &fixed, Tol::Rel(1e-9));
        let n_iter = case.num("n_iter")? as usize;
        let p32 = params.tol(0.0).max_iter(2 * n_iter + 200);
        let q = unbalanced::<f32>(inp, &p32, r, &format!("f32 {form}"), log)?;
        compare_plan(r, &format!("f32 {form} unbalanced"), inp, &q, tolerances(true, false), false);
    }
    Ok(())
}

fn unbalanced<T: Real>(
    inp: &Inputs,
    params: &UnbalancedParams,
    r: &mut Report,
    tag: &str,
    log: bool,
) -> Result<Vec<f64>, String> {
    let (x, a, b) = (cast::<T>(&inp.cost), cast::<T>(&inp.a), cast::<T>(&inp.b));
    let xm = MatRef::new(&x, inp.n, inp.k, "cost").map_err(|e| e.to_string())?;
    let zero = <T::Acc as Float>::ZERO;
    let (mut f, mut g) = (vec![zero; inp.n], vec![zero; inp.k]);
    let info = if log {
        let mut s = vec![zero; sinkhorn_unbalanced_log_scratch(inp.n, inp.k)];
        sinkhorn_unbalanced_log(xm, &a, &b, params, &mut f, &mut g, &mut s)
    } else {
        let mut s = vec![zero; sinkhorn_unbalanced_scratch(inp.n, inp.k)];
        sinkhorn_unbalanced(xm, &a, &b, params, &mut f, &mut g, &mut s)
    }
    .map_err(|e| e.to_string())?;
    if params.tol > 0.0 {
        r.check(&format!("{tag} unbalanced: converged ({info:?})"), info.converged);
    }
    let mut q = vec![T::default(); inp.n * inp.k];
    plan(xm, ScoreKind::Cost, params.eps, &f, &g, &mut q).map_err(|e| e.to_string())?;
    Ok(widen(&q))
}
