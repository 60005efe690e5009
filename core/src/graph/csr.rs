//! Compressed sparse row (CSR) storage for the affinity matrix W of the Laplacian term.
//!
//! Row `p` holds the neighbours `q` with weights `w_pq`; `W·Y` costs O(nnz·K).

use crate::error::{Error, Result};
use crate::scalar::Float;

/// A borrowed, validated `n × n` sparse matrix in CSR form: row `p` is
/// `indices[indptr[p]..indptr[p + 1]]` with `weights` at the same positions.
#[derive(Clone, Copy, Debug)]
pub struct CsrRef<'a, F> {
    n: usize,
    indptr: &'a [usize],
    indices: &'a [usize],
    weights: &'a [F],
}

impl<'a, F: Float> CsrRef<'a, F> {
    /// Wraps caller arrays after checking them: `indptr` has `n + 1` non-decreasing entries
    /// starting at 0 and ending at `indices.len() == weights.len()`, every index is `< n`,
    /// every weight finite and ≥ 0.
    pub fn new(n: usize, indptr: &'a [usize], indices: &'a [usize], weights: &'a [F]) -> Result<Self> {
        if n == 0 {
            return Err(Error::Empty { what: "affinity" });
        }
        if indptr.len() != n + 1 {
            return Err(Error::ShapeMismatch { what: "indptr", expected: n + 1, found: indptr.len() });
        }
        if indices.len() != weights.len() {
            return Err(Error::ShapeMismatch { what: "weights", expected: indices.len(), found: weights.len() });
        }
        let mut prev = 0usize;
        for (index, &v) in indptr.iter().enumerate() {
            if (index == 0 && v != 0) || v < prev || v > indices.len() {
                return Err(Error::IndexOutOfRange { what: "indptr", index, value: v, bound: indices.len() + 1 });
            }
            prev = v;
        }
        if prev != indices.len() {
            return Err(Error::ShapeMismatch { what: "indices", expected: prev, found: indices.len() });
        }
        if let Some(index) = indices.iter().position(|&q| q >= n) {
            return Err(Error::IndexOutOfRange { what: "indices", index, value: indices[index], bound: n });
        }
        crate::validate::nonnegative(weights, false, "weights")?;
        Ok(Self { n, indptr, indices, weights })
    }

    /// Number of rows (= columns).
    #[inline]
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of stored entries.
    #[inline]
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Neighbour indices and weights of row `p` (empty for `p ≥ n`).
    #[inline]
    pub fn row(&self, p: usize) -> (&'a [usize], &'a [F]) {
        match (self.indptr.get(p), self.indptr.get(p + 1)) {
            (Some(&a), Some(&b)) => (&self.indices[a..b], &self.weights[a..b]),
            _ => (&[], &[]),
        }
    }

    /// `out = W · y` for a row-major `n × k` matrix `y` (the caller guarantees the lengths).
    #[inline(always)]
    pub(crate) fn mul_dense(&self, y: &[F], k: usize, out: &mut [F]) {
        for (p, o) in out.chunks_exact_mut(k).enumerate().take(self.n) {
            let (idx, w) = self.row(p);
            // The first neighbour assigns (0 + w·y is w·y: same values as zeroing first, and
            // no memset call per short row).
            let Some((&q0, &w0)) = idx.first().zip(w.first()) else {
                o.iter_mut().for_each(|a| *a = F::ZERO);
                continue;
            };
            for (a, &b) in o.iter_mut().zip(&y[q0 * k..(q0 + 1) * k]) {
                *a = w0 * b;
            }
            for (&q, &wq) in idx.iter().zip(w).skip(1) {
                let yq = &y[q * k..(q + 1) * k];
                for (a, &b) in o.iter_mut().zip(yq) {
                    *a += wq * b;
                }
            }
        }
    }

    /// Whether `w_pq == w_qp` for every stored entry (a missing entry counts as 0).
    pub fn is_symmetric(&self) -> bool {
        (0..self.n).all(|p| {
            let (idx, w) = self.row(p);
            idx.iter().zip(w).all(|(&q, &wpq)| self.get(q, p) == wpq)
        })
    }

    /// `w_pq` (0 when not stored; duplicates are summed).
    pub fn get(&self, p: usize, q: usize) -> F {
        let (idx, w) = self.row(p);
        idx.iter().zip(w).filter(|&(&j, _)| j == q).map(|(_, &v)| v).sum()
    }
}

/// An owned CSR matrix (what [`knn_affinity`](super::knn_affinity) builds).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq)]
pub struct Csr<F> {
    pub(crate) n: usize,
    pub(crate) indptr: alloc::vec::Vec<usize>,
    pub(crate) indices: alloc::vec::Vec<usize>,
    pub(crate) weights: alloc::vec::Vec<F>,
}

#[cfg(feature = "alloc")]
impl<F: Float> Csr<F> {
    /// Builds from owned arrays with the checks of [`CsrRef::new`].
    pub fn new(
        n: usize,
        indptr: alloc::vec::Vec<usize>,
        indices: alloc::vec::Vec<usize>,
        weights: alloc::vec::Vec<F>,
    ) -> Result<Self> {
        CsrRef::new(n, &indptr, &indices, &weights)?;
        Ok(Self { n, indptr, indices, weights })
    }

    /// Borrowed view for the update kernels.
    pub fn as_ref(&self) -> CsrRef<'_, F> {
        CsrRef { n: self.n, indptr: &self.indptr, indices: &self.indices, weights: &self.weights }
    }

    /// Row pointers (`n + 1` entries).
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column indices.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Weights.
    pub fn weights(&self) -> &[F] {
        &self.weights
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_structure() {
        let w = [1.0f64, 1.0];
        assert!(CsrRef::new(2, &[0, 1, 2], &[1, 0], &w).is_ok());
        assert!(matches!(CsrRef::new(2, &[0, 1], &[1, 0], &w), Err(Error::ShapeMismatch { .. })));
        assert!(matches!(CsrRef::new(2, &[0, 2, 1], &[1, 0], &w), Err(Error::IndexOutOfRange { .. })));
        assert!(matches!(CsrRef::new(2, &[0, 1, 2], &[1, 2], &w), Err(Error::IndexOutOfRange { .. })));
        assert!(matches!(CsrRef::new(2, &[0, 1, 2], &[1, 0], &[1.0, -1.0]), Err(Error::Negative { .. })));
        assert!(matches!(CsrRef::new(2, &[0, 1, 2], &[1, 0], &[1.0, f64::NAN]), Err(Error::NonFinite { .. })));
        assert!(matches!(CsrRef::<f64>::new(0, &[0], &[], &[]), Err(Error::Empty { .. })));
        let m = CsrRef::new(2, &[0, 1, 2], &[1, 0], &w).unwrap();
        assert!(m.is_symmetric());
        let mut out = [0.0; 4];
        m.mul_dense(&[1.0, 2.0, 3.0, 4.0], 2, &mut out);
        assert_eq!(out, [3.0, 4.0, 1.0, 2.0]);
        let d = CsrRef::new(2, &[0, 1, 1], &[1], &[1.0]).unwrap();
        assert!(!d.is_symmetric());
    }
}
