//! `sdp::burer_monteiro` (low-rank factor U, Z = UUᵀ) and `factor_embedding` on small hostile
//! data, every storage scalar: on `Ok` U is finite, and Z = UUᵀ passes the shared SDP checks
//! (finite, feasible within tolerance when converged, roundable).
#![no_main]

use clasp_core::Linalg;
use clasp_core::sdp::{Affinity, BurerMonteiroParams, burer_monteiro, factor_embedding};
use clasp_core::{Float, MatRef, Real};
use clasp_fuzz::sdp::{Contract, assert_solution, instance};
use clasp_fuzz::{Result, Unstructured, assert_finite, describe, param, widen_acc};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    let i = instance::<T>(u)?;
    let params = BurerMonteiroParams::default()
        .rank(if u.arbitrary()? { 0 } else { u.int_in_range(0..=i.n + 1)? })
        .step_scale(param(u, 0.1, 1.9)?)
        .penalty(param(u, 0.1, 10.0)?)
        .tol(i.tol)
        .dual_trigger(param(u, 1e-3, 1e-1)?)
        .max_iter(i.max_iter)
        .seed(u.arbitrary()?);
    clasp_fuzz::trace(&(&i, &params));
    let x = MatRef::new(&i.x, i.n, i.p, "x").expect("shape");
    match burer_monteiro(x, i.k, &params) {
        Ok(s) => {
            let r = s.rank;
            assert_eq!(s.u.len(), i.n * r);
            assert_finite(&widen_acc(&s.u), "u");
            let mut z = vec![<T::Acc as Float>::ZERO; i.n * i.n];
            for a in 0..i.n {
                for b in 0..i.n {
                    z[a * i.n + b] =
                        (0..r).map(|t| s.u[a * r + t] * s.u[b * r + t]).fold(<T::Acc as Float>::ZERO, |x, y| x + y);
                }
            }
            let aff = Affinity::from_data(x).expect("data validated by the solver");
            assert_solution(&aff, &z, i.k, &s.info, i.tol, Contract::LowRank, u)?;
            if let Ok(e) = factor_embedding(&s.u, i.n, r, i.k.min(r)) {
                assert_finite(&widen_acc(&e), "factor embedding");
            }
        }
        Err(e) => {
            describe(&e);
        }
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
