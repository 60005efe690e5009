//! Cross-view retrieval recall@k: query i of one view should retrieve item i of the other view
//! among all `n` gallery items. The rank of the true item is the number of gallery items
//! scored above it, plus the tied ones with a larger index — the order of scikit-learn's
//! `top_k_accuracy_score` with `y_true = arange(n)` and the query × gallery scores (a stable
//! ascending sort read backwards), so the values match it exactly, ties included.

use super::MetricError;

/// Fraction of the `n` queries whose own item is among their `k` best-scored gallery items;
/// `scores` is the row-major `n × n` query × gallery score matrix (e.g. cosine similarities).
/// `k = 0` gives 0, `k ≥ n` gives 1.
pub fn recall_at_k(scores: &[f64], n: usize, k: usize) -> Result<f64, MetricError> {
    Ok(recalls_at(scores, n, &[k])?[0])
}

/// [`recall_at_k`] for several `ks` with one pass over the scores.
pub fn recalls_at(scores: &[f64], n: usize, ks: &[usize]) -> Result<Vec<f64>, MetricError> {
    if n == 0 {
        return Err(MetricError::Empty);
    }
    let expected = n.checked_mul(n).ok_or(MetricError::LengthMismatch {
        what: "scores",
        expected: usize::MAX,
        found: scores.len(),
    })?;
    if scores.len() != expected {
        return Err(MetricError::LengthMismatch { what: "scores", expected, found: scores.len() });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(MetricError::NonFinite { index });
    }
    let ranks: Vec<usize> = scores.chunks_exact(n).enumerate().map(|(i, row)| rank_of_own(row, i)).collect();
    Ok(recalls_from_ranks(&ranks, ks))
}

/// The rank of item `i` in one query's gallery scores `row` (0 = best; ties with a larger index
/// rank above it, as in scikit-learn).
fn rank_of_own(row: &[f64], i: usize) -> usize {
    let own = row[i];
    row.iter().enumerate().filter(|&(j, &s)| s > own || (s == own && j > i)).count()
}

fn recalls_from_ranks(ranks: &[usize], ks: &[usize]) -> Vec<f64> {
    let n = ranks.len().max(1) as f64;
    ks.iter().map(|&k| ranks.iter().filter(|&&r| r < k).count() as f64 / n).collect()
}

/// [`recalls_at`] of the dot-product scores of the rows of `a` (queries) against the rows of `b`
/// (gallery), both `n × dim`, one query row at a time: the same values as
/// `recalls_at(&cross_scores(a, b, n, dim)?, n, ks)` without the `n × n` matrix.
pub fn embedding_recalls(a: &[f32], b: &[f32], n: usize, dim: usize, ks: &[usize]) -> Result<Vec<f64>, MetricError> {
    if n == 0 || dim == 0 {
        return Err(MetricError::Empty);
    }
    let expected = n.saturating_mul(dim);
    for (what, v) in [("a", a), ("b", b)] {
        if v.len() != expected {
            return Err(MetricError::LengthMismatch { what, expected, found: v.len() });
        }
        if let Some(index) = v.iter().position(|x| !x.is_finite()) {
            return Err(MetricError::NonFinite { index });
        }
    }
    let mut row = vec![0.0f64; n];
    let mut ranks = Vec::with_capacity(n);
    for (i, q) in a.chunks_exact(dim).enumerate() {
        for (r, g) in row.iter_mut().zip(b.chunks_exact(dim)) {
            *r = q.iter().zip(g).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
        }
        ranks.push(rank_of_own(&row, i));
    }
    Ok(recalls_from_ranks(&ranks, ks))
}

/// The `n × n` dot products of the rows of `a` and `b` (both `n × dim`, row-major): cosine
/// similarities for unit rows.
pub fn cross_scores(a: &[f32], b: &[f32], n: usize, dim: usize) -> Result<Vec<f64>, MetricError> {
    let expected = n.saturating_mul(dim);
    for (what, v) in [("a", a), ("b", b)] {
        if v.len() != expected {
            return Err(MetricError::LengthMismatch { what, expected, found: v.len() });
        }
    }
    let mut out = Vec::with_capacity(n * n);
    for ra in a.chunks_exact(dim.max(1)).take(n) {
        for rb in b.chunks_exact(dim.max(1)).take(n) {
            out.push(ra.iter().zip(rb).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_ranks_and_errors() {
        // Query 0: own score 0.9 is the best -> rank 0. Query 1: 0.2 < 0.5, 0.7 -> rank 2.
        // Query 2: own 0.4 ties item 0 (smaller index, ranked below) and trails 0.6 -> rank 1.
        let s = [0.9, 0.1, 0.3, 0.5, 0.2, 0.7, 0.4, 0.6, 0.4];
        assert_eq!(recalls_at(&s, 3, &[0, 1, 2, 3]).unwrap(), vec![0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]);
        assert_eq!(
            recall_at_k(&s[..4], 3, 1),
            Err(MetricError::LengthMismatch { what: "scores", expected: 9, found: 4 })
        );
        assert_eq!(recall_at_k(&[], 0, 1), Err(MetricError::Empty));
        assert_eq!(recall_at_k(&[f64::NAN], 1, 1), Err(MetricError::NonFinite { index: 0 }));
        assert_eq!(cross_scores(&[1.0, 0.0, 0.0, 1.0], &[0.0, 1.0, 1.0, 0.0], 2, 2).unwrap(), vec![0.0, 1.0, 1.0, 0.0]);
        // The streaming form agrees with the matrix form, ties included.
        let a = [1.0f32, 0.0, 0.6, 0.8, 0.0, 1.0, 0.6, 0.8];
        let b = [0.6f32, 0.8, 1.0, 0.0, 0.6, 0.8, 0.0, 1.0];
        let full = recalls_at(&cross_scores(&a, &b, 4, 2).unwrap(), 4, &[1, 2, 3]).unwrap();
        assert_eq!(embedding_recalls(&a, &b, 4, 2, &[1, 2, 3]).unwrap(), full);
    }
}
