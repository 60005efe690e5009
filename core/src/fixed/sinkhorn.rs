//! Balanced entropic OT (Sinkhorn–Knopp in scaling form, Cuturi 2013) for a fixed N × K
//! problem: [`crate::sinkhorn::sinkhorn_scaling`] on `[[T; K]; N]` with the scratch on the stack.

use super::scratch::StackScratch;
use crate::error::Result;
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::sinkhorn::{SinkhornInfo, SinkhornParams, sinkhorn_scaling};

/// Balanced Sinkhorn solver for N × K with its scratch inline (N·K + N + 5K compute scalars).
pub struct FixedSinkhorn<T: Real, const N: usize, const K: usize> {
    scratch: StackScratch<T::Acc, N, K>,
}

impl<T: Real, const N: usize, const K: usize> Default for FixedSinkhorn<T, N, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const N: usize, const K: usize> FixedSinkhorn<T, N, K> {
    /// A solver with zeroed scratch.
    pub fn new() -> Self {
        Self { scratch: StackScratch::new(<T::Acc as Float>::ZERO) }
    }

    /// Potentials `f` (N), `g` (K) of the plan `Q_ij = exp((σx_ij + f_i + g_j)/ε)` between
    /// marginals `a` and `b`; as [`sinkhorn_scaling`]. Errors as there; `f`, `g` untouched on
    /// a validation error.
    pub fn solve(
        &mut self,
        x: &[[T; K]; N],
        a: &[T; N],
        b: &[T; K],
        params: &SinkhornParams,
        f: &mut [T::Acc; N],
        g: &mut [T::Acc; K],
    ) -> Result<SinkhornInfo> {
        let x = MatRef::new(x.as_flattened(), N, K, "x")?;
        sinkhorn_scaling(x, a, b, params, f, g, self.scratch.as_mut_slice())
    }
}
