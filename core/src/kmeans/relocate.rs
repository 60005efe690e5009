//! Empty-cluster relocation, as scikit-learn's `_relocate_empty_clusters_dense`: each empty
//! cluster takes one of the rows farthest from their assigned centre (largest squared
//! distance first, ties to the lower row), which is moved out of its old cluster's sums.

use crate::ops::descending_nan_last;
use crate::scalar::{Float, Real};
use alloc::vec::Vec;

/// Relocates empty clusters. `sums` (k × d) and `counts` (k) are the per-cluster sums of the
/// current assignment `labels`; `distances` the squared distance of each row to the centre it
/// was assigned to. Labels are left unchanged (as scikit-learn does). Returns whether a centre
/// moved (then the labels no longer match the centres).
pub(crate) fn relocate_empty<T: Real>(
    x: &[T],
    d: usize,
    labels: &[usize],
    distances: &[T::Acc],
    sums: &mut [T::Acc],
    counts: &mut [T::Acc],
) -> bool {
    let empty: Vec<usize> = counts.iter().enumerate().filter(|(_, c)| **c == T::Acc::ZERO).map(|(k, _)| k).collect();
    if empty.is_empty() {
        return false;
    }
    let mut order: Vec<usize> = (0..distances.len()).collect();
    order.sort_by(|&a, &b| descending_nan_last(distances[a], distances[b]).then(a.cmp(&b)));
    for (&new, &far) in empty.iter().zip(&order) {
        let (Some(&old), Some(row)) = (labels.get(far), x.get(far * d..(far + 1) * d)) else { continue };
        for (j, v) in row.iter().enumerate() {
            sums[old * d + j] -= v.to_acc();
            sums[new * d + j] = v.to_acc();
        }
        counts[new] = T::Acc::ONE;
        counts[old] -= T::Acc::ONE;
    }
    true
}
