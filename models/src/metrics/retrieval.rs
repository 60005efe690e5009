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
    let mut hits = vec![0usize; ks.len()];
    for (i, row) in scores.chunks_exact(n).enumerate() {
        let own = row[i];
        let rank = row.iter().enumerate().filter(|&(j, &s)| s > own || (s == own && j > i)).count();
        for (h, &k) in hits.iter_mut().zip(ks) {
            *h += usize::from(rank < k);
        }
    }
    Ok(hits.into_iter().map(|h| h as f64 / n as f64).collect())
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
    }
}
