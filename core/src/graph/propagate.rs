//! The propagated adjacency of SCGC / PamC (Kulatilleke et al.): with the random-walk matrix
//! P = D̃⁻¹(A + I), D̃ the diagonal of the row sums of A + I,
//!
//! Â = Σ_{r=1..R} P^r,
//!
//! built with sparse products (Gustavson's row-by-row algorithm, a dense accumulator of length
//! n), so its cost follows the number of stored entries of the powers, never n².

use alloc::vec;
use alloc::vec::Vec;

use super::csr::{Csr, CsrRef};
use crate::error::{Error, Result};
use crate::scalar::Float;

/// P = D̃⁻¹(A + I): `a` plus the identity, each row divided by its sum (rows sorted by column).
///
/// Errors: a row sum of A + I that overflows to ∞ ([`Error::NonFinite`]).
pub fn random_walk<F: Float>(a: CsrRef<'_, F>) -> Result<Csr<F>> {
    let n = a.n();
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0);
    let mut indices = Vec::with_capacity(a.nnz() + n);
    let mut weights = Vec::with_capacity(a.nnz() + n);
    let mut row: Vec<(usize, F)> = Vec::new();
    for p in 0..n {
        let (idx, w) = a.row(p);
        row.clear();
        row.extend(idx.iter().copied().zip(w.iter().copied()));
        row.push((p, F::ONE));
        row.sort_unstable_by_key(|&(q, _)| q);
        let sum: F = row.iter().map(|&(_, v)| v).sum();
        if !sum.is_finite() {
            return Err(Error::NonFinite { what: "row sum of A + I", index: p });
        }
        let start = indices.len();
        for &(q, v) in &row {
            if indices.len() > start && indices.last() == Some(&q) {
                if let Some(last) = weights.last_mut() {
                    *last += v / sum;
                }
            } else {
                indices.push(q);
                weights.push(v / sum);
            }
        }
        indptr.push(indices.len());
    }
    Csr::new(n, indptr, indices, weights)
}

/// The GCN propagation matrix (Kipf & Welling 2017) D̃^{-1/2}(A + I)D̃^{-1/2}, D̃ the diagonal
/// of the row sums of A + I (rows sorted by column).
///
/// Errors: as [`random_walk`].
pub fn gcn_normalized<F: Float>(a: CsrRef<'_, F>) -> Result<Csr<F>> {
    // P = D̃⁻¹(A + I) holds (A + I)_pq / d̃_p; scaling entry (p, q) by √(d̃_p / d̃_q) gives
    // (A + I)_pq / √(d̃_p d̃_q).
    let p = random_walk(a)?;
    let degree: Vec<F> = (0..a.n()).map(|q| F::ONE + a.row(q).1.iter().copied().sum::<F>()).collect();
    let mut weights = p.weights.clone();
    for row in 0..a.n() {
        for e in p.indptr[row]..p.indptr[row + 1] {
            weights[e] *= (degree[row] / degree[p.indices[e]]).sqrt();
        }
    }
    Csr::new(a.n(), p.indptr, p.indices, weights)
}

/// The sparse product `x · y` of two `n × n` matrices (rows sorted by column).
///
/// Errors: different sizes ([`Error::ShapeMismatch`]).
pub fn sparse_product<F: Float>(x: CsrRef<'_, F>, y: CsrRef<'_, F>) -> Result<Csr<F>> {
    let n = x.n();
    if y.n() != n {
        return Err(Error::ShapeMismatch { what: "right factor", expected: n, found: y.n() });
    }
    let mut acc = vec![F::ZERO; n];
    let mut seen = vec![false; n];
    let mut cols: Vec<usize> = Vec::new();
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0);
    let (mut indices, mut weights) = (Vec::new(), Vec::new());
    for p in 0..n {
        let (xi, xw) = x.row(p);
        for (&k, &xv) in xi.iter().zip(xw) {
            let (yi, yw) = y.row(k);
            for (&q, &yv) in yi.iter().zip(yw) {
                if !seen[q] {
                    seen[q] = true;
                    cols.push(q);
                }
                acc[q] += xv * yv;
            }
        }
        cols.sort_unstable();
        for &q in &cols {
            indices.push(q);
            weights.push(acc[q]);
            acc[q] = F::ZERO;
            seen[q] = false;
        }
        cols.clear();
        indptr.push(indices.len());
    }
    Csr::new(n, indptr, indices, weights)
}

/// The entrywise sum `x + y` of two `n × n` matrices with sorted rows.
fn sparse_sum<F: Float>(x: CsrRef<'_, F>, y: CsrRef<'_, F>) -> Result<Csr<F>> {
    let n = x.n();
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0);
    let (mut indices, mut weights) = (Vec::with_capacity(x.nnz() + y.nnz()), Vec::new());
    for p in 0..n {
        let (xi, xw) = x.row(p);
        let (yi, yw) = y.row(p);
        let (mut a, mut b) = (0, 0);
        while a < xi.len() || b < yi.len() {
            let (q, v) = match (xi.get(a), yi.get(b)) {
                (Some(&qa), Some(&qb)) if qa == qb => {
                    a += 1;
                    b += 1;
                    (qa, xw[a - 1] + yw[b - 1])
                }
                (Some(&qa), Some(&qb)) if qa < qb => {
                    a += 1;
                    (qa, xw[a - 1])
                }
                (Some(&qa), None) => {
                    a += 1;
                    (qa, xw[a - 1])
                }
                (_, Some(&qb)) => {
                    b += 1;
                    (qb, yw[b - 1])
                }
                (None, None) => break,
            };
            indices.push(q);
            weights.push(v);
        }
        indptr.push(indices.len());
    }
    Csr::new(n, indptr, indices, weights)
}

/// Â = Σ_{r=1..R} (D̃⁻¹(A + I))^r for the adjacency `a` and `order` = R ≥ 1.
///
/// Errors: `order = 0` ([`Error::InvalidParameter`]); see [`random_walk`].
pub fn propagated_adjacency<F: Float>(a: CsrRef<'_, F>, order: usize) -> Result<Csr<F>> {
    if order == 0 {
        return Err(Error::InvalidParameter { name: "order", value: 0.0 });
    }
    let p = random_walk(a)?;
    let mut power = p.clone();
    let mut total = p.clone();
    for _ in 1..order {
        power = sparse_product(power.as_ref(), p.as_ref())?;
        total = sparse_sum(total.as_ref(), power.as_ref())?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::adjacency_from_edges;

    /// Dense reference: Σ_r P^r with P = D̃⁻¹(A + I), by n³ matrix products.
    fn dense_reference(a: &Csr<f64>, order: usize) -> Vec<f64> {
        let n = a.n;
        let mut p = vec![0.0; n * n];
        for i in 0..n {
            p[i * n + i] = 1.0;
            let (idx, w) = a.as_ref().row(i);
            for (&j, &v) in idx.iter().zip(w) {
                p[i * n + j] += v;
            }
            let s: f64 = p[i * n..(i + 1) * n].iter().sum();
            p[i * n..(i + 1) * n].iter_mut().for_each(|v| *v /= s);
        }
        let (mut power, mut total) = (p.clone(), p.clone());
        for _ in 1..order {
            let mut next = vec![0.0; n * n];
            for i in 0..n {
                for k in 0..n {
                    for j in 0..n {
                        next[i * n + j] += power[i * n + k] * p[k * n + j];
                    }
                }
            }
            power = next;
            total.iter_mut().zip(&power).for_each(|(t, v)| *t += v);
        }
        total
    }

    #[test]
    fn matches_the_dense_computation() {
        // A path 0–1–2–3 with a weighted chord 0–2 and an isolated node 4.
        let a = adjacency_from_edges(5, &[(0, 1), (1, 2), (2, 3), (0, 2)], Some(&[1.0, 1.0, 1.0, 2.0])).unwrap();
        for order in 1..=3 {
            let s = propagated_adjacency(a.as_ref(), order).unwrap();
            let want = dense_reference(&a, order);
            for i in 0..5 {
                for j in 0..5 {
                    let got = s.as_ref().get(i, j);
                    assert!((got - want[i * 5 + j]).abs() < 1e-12, "R={order} ({i},{j}): {got} vs {}", want[i * 5 + j]);
                }
            }
            // Every row of P^r sums to 1, so every row of Â sums to R.
            for i in 0..5 {
                let sum: f64 = s.as_ref().row(i).1.iter().sum();
                assert!((sum - order as f64).abs() < 1e-12);
            }
        }
        assert!(matches!(propagated_adjacency(a.as_ref(), 0), Err(Error::InvalidParameter { .. })));
    }

    #[test]
    fn gcn_normalisation_matches_the_formula() {
        let a = adjacency_from_edges(3, &[(0, 1), (1, 2)], Some(&[1.0, 3.0])).unwrap();
        let g = gcn_normalized(a.as_ref()).unwrap();
        let d = [2.0f64, 5.0, 4.0];
        let at = [[1.0, 1.0, 0.0], [1.0, 1.0, 3.0], [0.0, 3.0, 1.0]];
        for i in 0..3 {
            for j in 0..3 {
                let want = at[i][j] / (d[i] * d[j]).sqrt();
                assert!((g.as_ref().get(i, j) - want).abs() < 1e-12, "({i},{j})");
            }
        }
    }
}
