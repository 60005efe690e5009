//! `sinkhorn_scaling` on bounded problems with hostile entries and parameters, every storage
//! scalar: on `Ok` the plan's rows sum to `a` and its column error is the reported one; on
//! `Err` the potentials are untouched (a numerical breakdown leaves the last good, finite iterate).
#![no_main]

use clasp_core::sinkhorn::{sinkhorn_scaling, sinkhorn_scaling_scratch};
use clasp_fuzz::ot::{Form, run_balanced};

fn run<T: clasp_core::Real>(u: &mut clasp_fuzz::Unstructured<'_>) -> clasp_fuzz::Result<()> {
    run_balanced::<T>(u, sinkhorn_scaling::<T>, sinkhorn_scaling_scratch, Form::Scaling)
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
