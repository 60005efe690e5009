//! The symmetric adjacency A of an undirected graph given as an edge list: a_uv = a_vu = w for
//! each edge `(u, v, w)` (duplicates summed), rows sorted by column.

use alloc::vec;
use alloc::vec::Vec;

use super::csr::Csr;
use crate::error::{Error, Result};
use crate::scalar::Float;

/// Builds the `n × n` symmetric adjacency of the undirected `edges` with `weights` (1 each when
/// `None`). A self-loop `(u, u)` is stored once with its weight.
///
/// Errors: `n = 0`, a node id `≥ n` ([`Error::IndexOutOfRange`] naming the edge), a weights
/// length other than the number of edges, a negative or non-finite weight.
pub fn adjacency_from_edges<F: Float>(n: usize, edges: &[(usize, usize)], weights: Option<&[F]>) -> Result<Csr<F>> {
    if n == 0 {
        return Err(Error::Empty { what: "nodes" });
    }
    if let Some(w) = weights {
        crate::validate::len(w, edges.len(), "edge weights")?;
        crate::validate::nonnegative(w, false, "edge weights")?;
    }
    if let Some(index) = edges.iter().position(|&(u, v)| u >= n || v >= n) {
        let (u, v) = edges[index];
        return Err(Error::IndexOutOfRange { what: "edge endpoint", index, value: u.max(v), bound: n });
    }
    let weight = |e: usize| weights.map_or(F::ONE, |w| w[e]);
    let mut rows: Vec<Vec<(usize, F)>> = vec![Vec::new(); n];
    for (e, &(u, v)) in edges.iter().enumerate() {
        rows[u].push((v, weight(e)));
        if u != v {
            rows[v].push((u, weight(e)));
        }
    }
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0);
    let (mut indices, mut values) = (Vec::new(), Vec::new());
    for mut row in rows {
        row.sort_unstable_by_key(|&(q, _)| q);
        for (q, w) in row {
            if indices.len() > *indptr.last().unwrap_or(&0) && indices.last() == Some(&q) {
                if let Some(last) = values.last_mut() {
                    *last += w;
                }
            } else {
                indices.push(q);
                values.push(w);
            }
        }
        indptr.push(indices.len());
    }
    Csr::new(n, indptr, indices, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetrises_sums_duplicates_and_rejects_bad_ids() {
        let a = adjacency_from_edges::<f64>(3, &[(0, 1), (1, 2), (1, 0)], None).unwrap();
        assert_eq!(a.indptr(), &[0, 1, 3, 4]);
        assert_eq!(a.indices(), &[1, 0, 2, 1]);
        assert_eq!(a.weights(), &[2.0, 2.0, 1.0, 1.0]);
        assert!(a.as_ref().is_symmetric());
        let err = adjacency_from_edges::<f64>(3, &[(0, 1), (2, 3)], None).unwrap_err();
        assert_eq!(err, Error::IndexOutOfRange { what: "edge endpoint", index: 1, value: 3, bound: 3 });
        assert!(matches!(adjacency_from_edges(2, &[(0, 1)], Some(&[f64::NAN])), Err(Error::NonFinite { .. })));
    }
}
