//! `sdp::admm` / `admm_alloc` on small hostile affinities, every storage scalar: on `Ok` Z and
//! the report are finite and a converged Z is feasible within tolerance (rounding and
//! certificate then work); on `Err` the caller's Z buffer is untouched.
#![no_main]

use clasp_core::Linalg;
use clasp_core::Real;
use clasp_core::sdp::{AdmmParams, admm, admm_alloc};
use clasp_fuzz::sdp::{Dense, run_dense};
use clasp_fuzz::{Result, Unstructured, count, param};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    run_dense(u, Dense { into: admm::<T>, owned: admm_alloc }, |u, i| {
        Ok(AdmmParams::default()
            .tol(i.tol)
            .max_iter(i.max_iter)
            .rho(if u.arbitrary()? { None } else { Some(param(u, 1e-3, 1e3)?) })
            .balance_every(count(u, 1, 20)?)
            .dual_bound(u.arbitrary()?))
    })
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
