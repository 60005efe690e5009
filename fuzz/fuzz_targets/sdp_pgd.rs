//! `sdp::pgd` / `pgd_alloc` (projected gradient, optionally accelerated) on small hostile
//! affinities, every storage scalar: the contract of `sdp_admm`.
#![no_main]

use clasp_core::Linalg;
use clasp_core::Real;
use clasp_core::sdp::{PgdParams, pgd, pgd_alloc};
use clasp_fuzz::sdp::{Dense, run_dense};
use clasp_fuzz::{Result, Unstructured, count, param};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    run_dense(u, Dense { into: pgd::<T>, owned: pgd_alloc }, |u, i| {
        Ok(PgdParams::default()
            .tol(i.tol)
            .max_iter(i.max_iter)
            .step(if u.arbitrary()? { None } else { Some(param(u, 1e-3, 10.0)?) })
            .inner_iter(count(u, 1, 10)?)
            .accelerate(u.arbitrary()?))
    })
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
