//! The kNN affinity of LaplacianShot / SLK (`create_affinity` in `imtiazziko/LaplacianShot`
//! and `imtiazziko/SLK`): brute-force nearest neighbours with `n_neighbors = knn`, the point
//! itself dropped, so each row holds **knn − 1** neighbours with weight 1. The released code
//! does not symmetrise W ([`Symmetrise::None`], the parity default); the convergence argument
//! of the bound optimiser (Ziko et al., NeurIPS 2018 / ICML 2020) assumes a symmetric W, which
//! [`Symmetrise::Max`] and [`Symmetrise::Mean`] provide.

use alloc::vec;
use alloc::vec::Vec;

use super::csr::Csr;
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::ops::sq_dist;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;

/// How the directed kNN graph is made symmetric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Symmetrise {
    /// Keep the directed graph (`w_pq = 1` iff q is among p's neighbours): the reference code.
    #[default]
    None,
    /// `w_pq = max(w_pq, w_qp)`: the union graph, binary.
    Max,
    /// `w_pq = (w_pq + w_qp) / 2`: 1 for mutual neighbours, ½ for one-sided ones.
    Mean,
}

/// Squared Euclidean distances between all rows of `x` (row-major `n × n`, zero diagonal).
pub(crate) fn pairwise_sq_dist<T: Real>(x: MatRef<'_, T>) -> Vec<T::Acc> {
    let n = x.rows();
    let mut d = vec![<T::Acc as Float>::ZERO; n * n];
    for i in 0..n {
        let xi = x.row(i);
        for j in (i + 1)..n {
            let v = sq_dist_lanes(xi, x.row(j));
            d[i * n + j] = v;
            d[j * n + i] = v;
        }
    }
    d
}

/// ‖x − y‖² with eight independent accumulators, so the loop vectorises (a plain
/// floating-point `sum` is sequential); the result differs from [`sq_dist`] by rounding only.
#[inline]
pub(crate) fn sq_dist_lanes<T: Real>(x: &[T], y: &[T]) -> T::Acc {
    let mut acc = [<T::Acc as Float>::ZERO; 8];
    let xc = x.chunks_exact(8);
    let yc = y.chunks_exact(8);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for ((s, &u), &v) in acc.iter_mut().zip(a).zip(b) {
            let t = u.to_acc() - v.to_acc();
            *s += t * t;
        }
    }
    let mut tail = sq_dist(xr, yr);
    for v in acc {
        tail += v;
    }
    tail
}

/// Inserts candidate `j` at distance `dj` into the ascending list `idx`/`dist` whose first
/// `len` entries are filled (capacity `idx.len()`): equal distances stay in front, so
/// candidates offered by increasing index keep ties to the lower index.
#[inline(always)]
fn insert<F: Float>(idx: &mut [usize], dist: &mut [F], len: &mut usize, j: usize, dj: F) {
    let m = idx.len();
    let mut pos = if *len < m {
        *len
    } else if dj < dist[m - 1] {
        m - 1
    } else {
        return;
    };
    while pos > 0 && dj < dist[pos - 1] {
        idx[pos] = idx[pos - 1];
        dist[pos] = dist[pos - 1];
        pos -= 1;
    }
    idx[pos] = j;
    dist[pos] = dj;
    *len = (*len + 1).min(m);
}

/// Indices of the `m` smallest entries of `dist` other than `skip`, ascending by distance,
/// ties to the lower index, written to `out[..m]`; `kept` (m entries) is scratch.
pub(crate) fn nearest<F: Float>(dist: &[F], skip: usize, out: &mut [usize], kept: &mut [F]) {
    let mut len = 0usize;
    for (j, &dj) in dist.iter().enumerate() {
        if j != skip {
            insert(out, kept, &mut len, j, dj);
        }
    }
}

simd_dispatch! {
    /// The `m = idx.len() / n` nearest other rows of every row of `x` (ties to the lower index),
    /// without the n × n distance matrix: each pair's distance is computed once and offered to
    /// both rows, and every row sees its candidates by increasing index, as [`nearest`] does.
    fn nearest_all<T: Real>(x: MatRef<'_, T>, idx: &mut [usize], dist: &mut [T::Acc], lens: &mut [usize]) -> ()
        => nearest_all_body
}

#[inline(always)]
fn nearest_all_body<T: Real>(x: MatRef<'_, T>, idx: &mut [usize], dist: &mut [T::Acc], lens: &mut [usize]) {
    let n = x.rows();
    let m = idx.len() / n.max(1);
    if m == 0 {
        return;
    }
    lens.fill(0);
    for i in 0..n {
        let xi = x.row(i);
        for j in (i + 1)..n {
            let d = sq_dist_lanes(xi, x.row(j));
            let (ri, rj) = (i * m..(i + 1) * m, j * m..(j + 1) * m);
            insert(&mut idx[ri.clone()], &mut dist[ri], &mut lens[i], j, d);
            insert(&mut idx[rj.clone()], &mut dist[rj], &mut lens[j], i, d);
        }
    }
}

/// Builds the binary kNN affinity over the rows of `x`: each point's `knn − 1` nearest other
/// points (squared Euclidean, ties to the lower index), optionally symmetrised.
///
/// Errors: `knn == 0` or `knn ≥ n` ([`Error::InvalidParameter`] `knn`), non-finite `x`.
pub fn knn_affinity<T: Real>(x: MatRef<'_, T>, knn: usize, symmetrise: Symmetrise) -> Result<Csr<T::Acc>> {
    let n = x.rows();
    if knn == 0 || knn >= n {
        return Err(Error::InvalidParameter { name: "knn", value: knn as f64 });
    }
    crate::validate::finite(x.as_slice(), "x")?;
    Ok(knn_affinity_unchecked(x, knn, symmetrise))
}

/// [`knn_affinity`] on input validated by the caller (1 ≤ knn < n, finite).
pub(crate) fn knn_affinity_unchecked<T: Real>(x: MatRef<'_, T>, knn: usize, symmetrise: Symmetrise) -> Csr<T::Acc> {
    let (n, m) = (x.rows(), knn - 1);
    let mut indices = vec![0usize; n * m];
    let mut dist = vec![<T::Acc as Float>::ZERO; n * m];
    let mut lens = vec![0usize; n];
    nearest_all(x, &mut indices, &mut dist, &mut lens);
    affinity_from_neighbours(indices, n, m, symmetrise)
}

/// [`knn_affinity`] from a precomputed `n × n` distance matrix (validated by the caller).
pub(crate) fn knn_affinity_from_distances<F: Float>(d: &[F], n: usize, knn: usize, symmetrise: Symmetrise) -> Csr<F> {
    let m = knn - 1;
    let mut indices = vec![0usize; n * m];
    let mut kept = vec![F::ZERO; m];
    if m > 0 {
        for (p, out) in indices.chunks_exact_mut(m).enumerate() {
            nearest(&d[p * n..(p + 1) * n], p, out, &mut kept);
        }
    }
    affinity_from_neighbours(indices, n, m, symmetrise)
}

/// The CSR affinity of the directed neighbour lists `indices` (`m` per point).
fn affinity_from_neighbours<F: Float>(indices: Vec<usize>, n: usize, m: usize, symmetrise: Symmetrise) -> Csr<F> {
    let directed = |p: usize| &indices[p * m..(p + 1) * m];
    let (indptr, cols, weights) = match symmetrise {
        Symmetrise::None => {
            let indptr: Vec<usize> = (0..=n).map(|p| p * m).collect();
            let mut cols = indices;
            if m > 0 {
                for row in cols.chunks_exact_mut(m) {
                    row.sort_unstable();
                }
            }
            (indptr, cols, vec![F::ONE; n * m])
        }
        Symmetrise::Max | Symmetrise::Mean => {
            let mut rows: Vec<Vec<(usize, F)>> = vec![Vec::new(); n];
            let half = F::from_f64(0.5);
            let w = if symmetrise == Symmetrise::Mean { half } else { F::ONE };
            for p in 0..n {
                for &q in directed(p) {
                    rows[p].push((q, w));
                    rows[q].push((p, w));
                }
            }
            let mut indptr = Vec::with_capacity(n + 1);
            let mut cols = Vec::new();
            let mut weights = Vec::new();
            indptr.push(0);
            for row in &mut rows {
                row.sort_unstable_by_key(|e| e.0);
                let mut i = 0;
                while i < row.len() {
                    let (q, mut v) = row[i];
                    let mut j = i + 1;
                    while j < row.len() && row[j].0 == q {
                        v = if symmetrise == Symmetrise::Mean { v + row[j].1 } else { F::ONE };
                        j += 1;
                    }
                    cols.push(q);
                    weights.push(v);
                    i = j;
                }
                indptr.push(cols.len());
            }
            (indptr, cols, weights)
        }
    };
    Csr { n, indptr, indices: cols, weights }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_keeps_the_smallest_with_ties_to_the_lower_index() {
        let d = [0.0f64, 3.0, 1.0, 1.0, 0.5];
        let mut out = [0usize; 3];
        nearest(&d, 0, &mut out, &mut [0.0; 3]);
        assert_eq!(out, [4, 2, 3]);
        let mut out = [0usize; 2];
        nearest(&[5.0f64, 1.0, 1.0, 1.0, 0.0], 4, &mut out, &mut [0.0; 2]);
        assert_eq!(out, [1, 2]);
    }

    #[test]
    fn knn3_gives_two_directed_neighbours() {
        // Points on a line: 0, 1, 2, 10, 11.
        let x = [0.0f64, 1.0, 2.0, 10.0, 11.0];
        let m = MatRef::new(&x, 5, 1, "x").unwrap();
        let w = knn_affinity(m, 3, Symmetrise::None).unwrap();
        assert_eq!(w.indptr(), &[0, 2, 4, 6, 8, 10]);
        assert_eq!(w.indices(), &[1, 2, 0, 2, 0, 1, 2, 4, 2, 3]);
        assert!(!w.as_ref().is_symmetric());
        let s = knn_affinity(m, 3, Symmetrise::Max).unwrap();
        assert!(s.as_ref().is_symmetric());
        assert_eq!(s.as_ref().get(2, 3), 1.0);
        let h = knn_affinity(m, 3, Symmetrise::Mean).unwrap();
        assert!(h.as_ref().is_symmetric());
        assert_eq!(h.as_ref().get(2, 3), 0.5);
        assert_eq!(h.as_ref().get(0, 1), 1.0);
    }

    #[test]
    fn rejects_bad_knn_and_nan() {
        let x = [0.0f64, 1.0, 2.0];
        let m = MatRef::new(&x, 3, 1, "x").unwrap();
        assert!(matches!(knn_affinity(m, 3, Symmetrise::None), Err(Error::InvalidParameter { name: "knn", .. })));
        assert!(matches!(knn_affinity(m, 0, Symmetrise::None), Err(Error::InvalidParameter { name: "knn", .. })));
        let w = knn_affinity(m, 1, Symmetrise::None).unwrap();
        assert_eq!(w.as_ref().nnz(), 0);
        let y = [0.0f64, f64::NAN, 2.0];
        let m = MatRef::new(&y, 3, 1, "x").unwrap();
        assert!(matches!(knn_affinity(m, 2, Symmetrise::None), Err(Error::NonFinite { .. })));
    }
}
