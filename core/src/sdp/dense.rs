//! What the dense (n × n) Peng–Wei solvers share: checking `k` and the parameters, then either
//! returning Z in the compute type or writing it into the caller's storage-type buffer.

use super::SdpInfo;
use super::problem::Affinity;
use crate::error::Result;
use crate::scalar::{Float, Real};
use crate::validate;
use alloc::vec::Vec;
use nalgebra::RealField;

/// A dense solver's parameters: their own check, and the iteration itself.
pub(crate) trait DenseSolver {
    /// Checks every field.
    fn check(&self) -> Result<()>;
    /// Runs the solver on validated input; returns Z (row-major n × n) and the report.
    fn solve<F: Float + RealField>(&self, aff: &Affinity<F>, k: usize) -> Result<(Vec<F>, SdpInfo)>;
}

/// Validates `k` and `params`, solves, returns Z in the compute type.
pub(crate) fn solve_owned<F: Float + RealField, P: DenseSolver>(
    aff: &Affinity<F>,
    k: usize,
    params: &P,
) -> Result<(Vec<F>, SdpInfo)> {
    validate::cluster_count(k, aff.n())?;
    params.check()?;
    params.solve(aff, k)
}

/// Validates `k`, `params` and the length of `z` (n · n), solves, writes Z into `z`.
pub(crate) fn solve_into<T: Real, P: DenseSolver>(
    aff: &Affinity<T::Acc>,
    k: usize,
    params: &P,
    z: &mut [T],
) -> Result<SdpInfo>
where
    T::Acc: RealField,
{
    let n = aff.n();
    validate::len(z, n * n, "z")?;
    let (zf, info) = solve_owned(aff, k, params)?;
    z.iter_mut().zip(&zf).for_each(|(o, &v)| *o = T::from_acc(v));
    Ok(info)
}
