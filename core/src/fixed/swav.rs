//! SwAV codes (Caron et al. 2020) for a fixed N × K score block: [`crate::sinkhorn::swav_codes`]
//! and [`crate::sinkhorn::swav_assign`] on `[[T; K]; N]` with the scratch on the stack.

use super::scratch::StackScratch;
use crate::error::Result;
use crate::matrix::MatRef;
use crate::reduce::Local;
use crate::scalar::{Float, Real};
use crate::sinkhorn::{SwavInfo, SwavParams, swav_assign, swav_codes};

/// SwAV / SIGMA solver for N samples × K prototypes with its scratch inline
/// (N·K + N + 5K compute scalars; 64 × 16 in f32 is 4.7 KB).
pub struct FixedSwav<T: Real, const N: usize, const K: usize> {
    scratch: StackScratch<T::Acc, N, K>,
}

impl<T: Real, const N: usize, const K: usize> Default for FixedSwav<T, N, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const N: usize, const K: usize> FixedSwav<T, N, K> {
    /// A solver with zeroed scratch.
    pub fn new() -> Self {
        Self { scratch: StackScratch::new(<T::Acc as Float>::ZERO) }
    }

    /// Soft codes (rows sum to 1) of `scores` (similarities) into `codes`; as
    /// [`swav_codes`] with one process. `params.keep_last` must be `None` (the output has N
    /// rows). Errors as [`swav_codes`]; `codes` is untouched on `Err`.
    pub fn codes(&mut self, scores: &[[T; K]; N], params: &SwavParams, codes: &mut [[T; K]; N]) -> Result<SwavInfo> {
        let s = MatRef::new(scores.as_flattened(), N, K, "scores")?;
        swav_codes(s, &Self::whole(params), codes.as_flattened_mut(), self.scratch.as_mut_slice(), &mut Local)
    }

    /// SIGMA hard targets into `labels`; as [`swav_assign`] with one process.
    pub fn assign(&mut self, scores: &[[T; K]; N], params: &SwavParams, labels: &mut [usize; N]) -> Result<SwavInfo> {
        let s = MatRef::new(scores.as_flattened(), N, K, "scores")?;
        swav_assign(s, &Self::whole(params), labels, self.scratch.as_mut_slice(), &mut Local)
    }

    /// The parameters with every row kept (a `keep_last` other than N is refused by the
    /// length check of the slice entry: the output has N rows).
    fn whole(params: &SwavParams) -> SwavParams {
        SwavParams { keep_last: params.keep_last.or(Some(N)), ..*params }
    }
}
