//! `sinkhorn_unbalanced` (both entropy conventions, finite and infinite relaxations), every
//! storage scalar: on `Ok` the potentials are finite and the reported mass is the plan's;
//! on `Err` they are untouched (a breakdown leaves the last good, finite iterate).
#![no_main]

use clasp_core::sinkhorn::{UnbalancedEntropy, UnbalancedParams, sinkhorn_unbalanced, sinkhorn_unbalanced_scratch};
use clasp_core::{Float, MatRef, Real};
use clasp_fuzz::ot::{budget, jitter, problem, scratch_len, subnormal_floor, unshifted_recomputable};
use clasp_fuzz::{Result, Unstructured, param, plan_sums, sentinel};
use clasp_fuzz::{snapshot_acc, widen, widen_acc};

fn relaxation(u: &mut Unstructured<'_>) -> Result<f64> {
    if u.ratio(1u8, 4)? { Ok(f64::INFINITY) } else { param(u, 0.01, 100.0) }
}

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()> {
    let p = problem::<T>(u, 6, 6)?;
    let (max_iter, tol) = budget(u)?;
    let entropy = if u.arbitrary()? { UnbalancedEntropy::Kl } else { UnbalancedEntropy::Entropy };
    let (reg_m_a, reg_m_b) = (relaxation(u)?, relaxation(u)?);
    let params = UnbalancedParams::default()
        .eps(p.eps)
        .kind(p.kind)
        .reg_m_a(reg_m_a)
        .reg_m_b(reg_m_b)
        .entropy(entropy)
        .max_iter(max_iter)
        .tol(tol);
    clasp_fuzz::trace(&params);
    let Ok(x) = MatRef::new(&p.x, p.n, p.k, "x") else { return Ok(()) };
    let (nf, ns) = (jitter(u, p.n)?, scratch_len(u, sinkhorn_unbalanced_scratch(p.n, p.k))?);
    let (mut f, mut g) = (sentinel::<T::Acc>(nf), sentinel::<T::Acc>(p.k));
    let mut s = vec![<T::Acc as Float>::ZERO; ns];
    let (f0, g0) = (snapshot_acc(&f), snapshot_acc(&g));
    match sinkhorn_unbalanced(x, &p.a, &p.b, &params, &mut f, &mut g, &mut s) {
        Ok(info) => {
            let (f, g) = (widen_acc(&f), widen_acc(&g));
            assert!(f.iter().chain(&g).all(|v| v.is_finite()), "f {f:?} g {g:?}");
            assert!(info.iterations >= 1 && info.iterations <= max_iter);
            assert!(info.mass.is_finite() && info.mass >= 0.0, "mass {}", info.mass);
            assert!(!info.converged || info.change < tol);
            let (rows, _, worst) = plan_sums(&widen(&p.x), p.k, p.kind.sign(), p.eps, &f, &g);
            if let Some(t) = unshifted_recomputable(&p, worst) {
                let mass: f64 = rows.iter().sum();
                assert!(
                    (mass - info.mass).abs() <= t * mass.max(info.mass) * 4.0 + subnormal_floor::<T>(),
                    "plan mass {mass}, reported {}",
                    info.mass
                );
            }
        }
        Err(e) => clasp_fuzz::ot::check_potentials_on_error(&e, (&f0, &g0), &f, &g),
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
