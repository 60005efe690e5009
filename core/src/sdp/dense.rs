//! What the dense (n × n) Peng–Wei solvers share: checking `k` and the parameters, then either
//! returning Z in the compute type or writing it into the caller's storage-type buffer.

use super::problem::Affinity;
use super::{SdpInfo, check_tol};
use crate::error::Result;
use crate::monitor::{Monitor, Unmonitored};
use crate::scalar::Linalg;
use crate::scalar::{Float, Real};
use crate::validate;
use alloc::vec::Vec;

/// A dense solver's parameters: their own check, and the iteration itself.
pub(crate) trait DenseSolver {
    /// Checks every field.
    fn check(&self) -> Result<()>;
    /// The tolerance on the relative residuals.
    fn tol(&self) -> f64;
    /// Runs the solver on validated input, reporting every iteration to `monitor`; returns Z
    /// (row-major n × n) and the report.
    fn solve<F: Linalg>(&self, aff: &Affinity<F>, k: usize, monitor: &mut dyn Monitor) -> Result<(Vec<F>, SdpInfo)>;
}

/// Validates `k`, `params` (the tolerance against the compute type's ε) and the affinity (its
/// Gram or double-centred entries can overflow on finite input), solves, and returns Z in the
/// compute type once Z, the objective and the duality gap are finite (otherwise
/// `NumericalBreakdown`).
pub(crate) fn solve_owned<F: Linalg, P: DenseSolver>(
    aff: &Affinity<F>,
    k: usize,
    params: &P,
    monitor: &mut dyn Monitor,
) -> Result<(Vec<F>, SdpInfo)> {
    validate::cluster_count(k, aff.n())?;
    params.check()?;
    check_tol::<F>(params.tol())?;
    validate::finite_output(aff.centred(), "affinity", 0)?;
    let (z, info) = params.solve(aff, k, monitor)?;
    validate::finite_output(&z, "Z", info.iterations)?;
    let report = [info.objective, info.duality_gap.unwrap_or(0.0)];
    validate::finite_output(&report, "SDP objective", info.iterations)?;
    Ok((z, info))
}

/// Whether the row-major n × n `z` meets the equality constraints of C1, tr Z = K and Z1 = 1,
/// to K·max(`tol`, nε) (the rounding of n-term sums in the compute type): the last test before
/// a dense solver reports convergence, since the residuals are relative and a projection of a
/// matrix with huge entries (a tiny ρ, a huge step) loses the trace to rounding.
pub(crate) fn equalities_hold<F: Float>(z: &[F], n: usize, k: usize, tol: F) -> bool {
    let nf = F::from_usize(n);
    let slack = F::from_usize(k) * tol.max(nf * F::EPSILON);
    let trace: F = (0..n).map(|i| z[i * n + i]).sum();
    (trace - F::from_usize(k)).abs() <= slack
        && z.chunks_exact(n).all(|row| (row.iter().copied().sum::<F>() - F::ONE).abs() <= slack)
}

/// Validates `k`, `params` and the length of `z` (n · n), solves, writes Z into `z`.
pub(crate) fn solve_into<T: Real, P: DenseSolver>(
    aff: &Affinity<T::Acc>,
    k: usize,
    params: &P,
    z: &mut [T],
) -> Result<SdpInfo>
where
    T::Acc: Linalg,
{
    let n = aff.n();
    validate::len(z, n * n, "z")?;
    let (zf, info) = solve_owned(aff, k, params, &mut Unmonitored)?;
    z.iter_mut().zip(&zf).for_each(|(o, &v)| *o = T::from_acc(v));
    Ok(info)
}
