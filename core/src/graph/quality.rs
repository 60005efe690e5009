//! Label-free quality of a partition of a weighted undirected graph A (symmetric, both
//! directions stored), with 2m = Σ_pq a_pq, d_p = Σ_q a_pq, and per community c the internal
//! weight in_c = Σ_{p,q ∈ c} a_pq, the volume vol_c = Σ_{p ∈ c} d_p and the cut
//! cut_c = vol_c − in_c:
//! - modularity (Newman & Girvan 2004) Q = (1/2m) Σ_pq (a_pq − d_p d_q / 2m)·1[c_p = c_q]
//!   = Σ_c (in_c / 2m − (vol_c / 2m)²);
//! - conductance of community c: φ_c = cut_c / min(vol_c, 2m − vol_c);
//! - coverage: Σ_c in_c / 2m, the share of edge weight inside communities.

use alloc::vec;
use alloc::vec::Vec;

use super::csr::CsrRef;
use crate::error::{Error, Result};
use crate::scalar::Float;

/// Per-community totals of a labelling.
struct Totals<F> {
    two_m: F,
    inner: Vec<F>,
    volume: Vec<F>,
}

fn totals<F: Float>(a: CsrRef<'_, F>, labels: &[usize]) -> Result<Totals<F>> {
    crate::validate::len(labels, a.n(), "labels")?;
    let k = labels.iter().max().map_or(0, |&m| m + 1);
    let (mut inner, mut volume) = (vec![F::ZERO; k], vec![F::ZERO; k]);
    let mut two_m = F::ZERO;
    for (p, &c) in labels.iter().enumerate() {
        let (idx, w) = a.row(p);
        for (&q, &v) in idx.iter().zip(w) {
            volume[c] += v;
            two_m += v;
            if labels[q] == c {
                inner[c] += v;
            }
        }
    }
    if two_m <= F::ZERO {
        return Err(Error::Empty { what: "edges" });
    }
    Ok(Totals { two_m, inner, volume })
}

/// Modularity Q ∈ [−½, 1) of the labelling `labels` (one community id per node) of `a`.
///
/// Errors: `labels.len() ≠ n`, a graph without edges.
pub fn modularity<F: Float>(a: CsrRef<'_, F>, labels: &[usize]) -> Result<F> {
    let t = totals(a, labels)?;
    Ok(t.inner.iter().zip(&t.volume).map(|(&i, &v)| i / t.two_m - (v / t.two_m) * (v / t.two_m)).sum())
}

/// Coverage Σ_c in_c / 2m ∈ [0, 1] of the labelling.
///
/// Errors: as [`modularity`].
pub fn coverage<F: Float>(a: CsrRef<'_, F>, labels: &[usize]) -> Result<F> {
    let t = totals(a, labels)?;
    Ok(t.inner.iter().copied().sum::<F>() / t.two_m)
}

/// Conductance φ_c of every community id `0..=max(labels)` (0 for an empty community or one
/// holding the whole volume).
///
/// Errors: as [`modularity`].
pub fn conductance<F: Float>(a: CsrRef<'_, F>, labels: &[usize]) -> Result<Vec<F>> {
    let t = totals(a, labels)?;
    Ok(t.inner
        .iter()
        .zip(&t.volume)
        .map(|(&i, &v)| {
            let denom = v.min(t.two_m - v);
            if denom > F::ZERO { (v - i) / denom } else { F::ZERO }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::adjacency_from_edges;

    #[test]
    fn two_triangles_joined_by_one_edge() {
        // Triangles {0,1,2} and {3,4,5} and the bridge 2–3: 2m = 14, in = 6 each, vol = 7 each.
        let e = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)];
        let a = adjacency_from_edges::<f64>(6, &e, None).unwrap();
        let labels = [0, 0, 0, 1, 1, 1];
        let q = modularity(a.as_ref(), &labels).unwrap();
        assert!((q - 2.0 * (6.0 / 14.0 - 0.25)).abs() < 1e-12, "{q}");
        assert!((coverage(a.as_ref(), &labels).unwrap() - 12.0 / 14.0).abs() < 1e-12);
        let phi = conductance(a.as_ref(), &labels).unwrap();
        assert!(phi.iter().all(|&p| (p - 1.0 / 7.0).abs() < 1e-12), "{phi:?}");
        // One community: Q = 1 − 1 = 0, everything covered.
        assert!(modularity(a.as_ref(), &[0; 6]).unwrap().abs() < 1e-12);
        assert!(matches!(modularity(a.as_ref(), &[0; 5]), Err(Error::ShapeMismatch { .. })));
    }
}
