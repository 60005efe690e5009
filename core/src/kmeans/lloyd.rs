//! Lloyd's algorithm (S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf.
//! Theory 28(2), 1982) with scikit-learn's stopping rules: each pass assigns every row to its
//! nearest centre, then moves each centre to the mean of its rows,
//! c_k ← Σ_{i: labelᵢ = k} xᵢ / n_k. Stop at the first pass whose assignment equals the
//! previous pass's ("strict convergence"; that pass is counted in `n_iter`), or when the
//! total squared centre shift Σ_k ‖Δc_k‖² ≤ tol_eff. Without strict convergence the labels
//! are recomputed from the final centres.

use super::assign::assign_unchecked;
use super::relocate::relocate_empty;
use crate::matrix::MatRef;
use crate::monitor::{Iteration, Monitor};
use crate::parallel::sum_row_chunks;
use crate::scalar::{Float, Real};
use alloc::vec;
use alloc::vec::Vec;

/// Result of one Lloyd run.
pub(crate) struct LloydRun<F> {
    pub centers: Vec<F>,
    pub labels: Vec<usize>,
    pub inertia: F,
    pub n_iter: usize,
    pub converged: bool,
}

/// Runs Lloyd from `centers` (k × d, compute type); inputs already validated. `monitor` sees
/// every pass (as run `run` of a multi-start fit) and may stop the run early.
pub(crate) fn lloyd<T: Real>(
    x: MatRef<'_, T>,
    mut centers: Vec<T::Acc>,
    max_iter: usize,
    tol_eff: T::Acc,
    run: usize,
    monitor: &mut dyn Monitor,
) -> LloydRun<T::Acc> {
    let (n, d) = (x.rows(), x.cols());
    let k = centers.len() / d;
    let zero = <T::Acc as Float>::ZERO;
    let mut labels = vec![0usize; n];
    let mut labels_old = vec![usize::MAX; n];
    let mut dist = vec![zero; n];
    let mut sums = vec![zero; k * d];
    let mut counts = vec![zero; k];
    let mut strict = false;
    let mut converged = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        if let Ok(cm) = MatRef::new(&centers, k, d, "centers") {
            assign_unchecked(x, cm, &mut labels, &mut dist);
        }
        let totals = cluster_sums(x, &labels, k);
        let (c, s) = totals.split_at(k);
        counts.copy_from_slice(c);
        sums.copy_from_slice(s);
        let relocated = relocate_empty(x.as_slice(), d, &labels, &dist, &mut sums, &mut counts);
        let mut shift = zero;
        for ((c, s), &cnt) in centers.chunks_exact_mut(d).zip(sums.chunks_exact(d)).zip(&counts) {
            for (cj, &sj) in c.iter_mut().zip(s) {
                let new = if cnt > zero { sj / cnt } else { sj };
                let t = new - *cj;
                shift += t * t;
                *cj = new;
            }
        }
        // Unchanged labels are final only if no empty cluster was relocated (a relocated
        // centre may now be nearer to some rows: the final assignment below fixes them).
        let stop = monitor.iteration(&Iteration { run, iteration: n_iter, max_iter, residual: Float::to_f64(shift) });
        if labels == labels_old && !relocated {
            strict = true;
            converged = true;
            break;
        }
        if shift <= tol_eff {
            converged = true;
            break;
        }
        if stop.is_break() {
            break;
        }
        // The next pass overwrites `labels`; after the last pass (max_iter) the labels are
        // recomputed below.
        core::mem::swap(&mut labels, &mut labels_old);
    }
    if !strict && let Ok(cm) = MatRef::new(&centers, k, d, "centers") {
        assign_unchecked(x, cm, &mut labels, &mut dist);
    }
    let inertia = x
        .row_iter()
        .zip(&labels)
        .map(|(row, &l)| {
            row.iter()
                .zip(&centers[l * d..(l + 1) * d])
                .map(|(a, &c)| {
                    let t = a.to_acc() - c;
                    t * t
                })
                .sum::<T::Acc>()
        })
        .sum();
    LloydRun { centers, labels, inertia, n_iter, converged }
}

/// The cluster sizes n_k then the row sums Σ_{i: labelᵢ = k} xᵢ (k × d) in one vector, taken
/// over fixed row chunks whose partials are added in chunk order
/// ([`crate::parallel::sum_row_chunks`]): the same for every thread count.
fn cluster_sums<T: Real>(x: MatRef<'_, T>, labels: &[usize], k: usize) -> Vec<T::Acc> {
    let d = x.cols();
    sum_row_chunks(x, k + k * d, |rows, first| {
        let mut part = vec![<T::Acc as Float>::ZERO; k + k * d];
        let (counts, sums) = part.split_at_mut(k);
        for (row, &l) in rows.row_iter().zip(&labels[first..]) {
            counts[l] += <T::Acc as Float>::ONE;
            for (s, v) in sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                *s += v.to_acc();
            }
        }
        part
    })
}
