//! `sdp::ila_sdp` (iterative linearised ADMM from initial labels) on small hostile data,
//! every storage scalar: on `Ok` the labels are clusters, Z and the memberships are finite,
//! and the report is finite.
#![no_main]

use clasp_core::Linalg;
use clasp_core::sdp::{IlaParams, ila_sdp};
use clasp_core::{MatRef, Real};
use clasp_fuzz::sdp::instance;
use clasp_fuzz::{Result, Unstructured, assert_finite, assert_labels, count, describe, param, widen_acc};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    let i = instance::<T>(u)?;
    let params = IlaParams::default()
        .tol(i.tol)
        .max_iter(i.max_iter)
        .max_outer(count(u, 1, 4)?)
        .reg(if u.ratio(1u8, 4)? { 0.0 } else { param(u, 1e-4, 1.0)? })
        .proportions(u.arbitrary()?);
    let nl = clasp_fuzz::ot::jitter(u, i.n)?;
    let init: Vec<usize> = (0..nl).map(|_| u.int_in_range(0..=i.k)).collect::<Result<_>>()?;
    clasp_fuzz::trace(&(&i, &params, &init));
    let x = MatRef::new(&i.x, i.n, i.p, "x").expect("shape");
    match ila_sdp(x, i.k, &init, &params) {
        Ok(s) => {
            assert_labels(&s.labels, i.k, "labels");
            assert_eq!(s.labels.len(), i.n);
            assert_finite(&widen_acc(&s.z), "z");
            assert_finite(&widen_acc(&s.membership), "membership");
            assert!(s.info.outer_iterations >= 1 && s.info.outer_iterations <= params.max_outer);
            assert!(s.info.objective.is_finite(), "{:?}", s.info);
        }
        Err(e) => {
            describe(&e);
        }
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
