//! Adjusted Rand index (Hubert & Arabie 1985), scikit-learn's `adjusted_rand_score` from the
//! pair confusion counts (tn, fp, fn, tp), in exact 128-bit integers:
//! ARI = 2(tp·tn − fn·fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)); 1.0 when fn = fp = 0.

use super::contingency::Contingency;
use super::{MetricError, check_pair};

/// ARI in [−0.5, 1].
pub fn adjusted_rand_index(truth: &[i64], pred: &[i64]) -> Result<f64, MetricError> {
    check_pair(truth, pred, "pred")?;
    let c = Contingency::new(truth, pred);
    let n = truth.len() as i128;
    let (n_c, n_k) = (c.row_sums(), c.col_sums());
    let sum_squares: i128 = c.counts.iter().map(|&v| (v as i128) * (v as i128)).sum();
    // contingency · n_k summed, and contingencyᵀ · n_c summed.
    let mut ck: i128 = 0;
    let mut cc: i128 = 0;
    for (row, &na) in c.counts.chunks_exact(c.clusters).zip(&n_c) {
        for (&v, &nb) in row.iter().zip(&n_k) {
            ck += v as i128 * nb as i128;
            cc += v as i128 * na as i128;
        }
    }
    let tp = sum_squares - n;
    let fp = ck - sum_squares;
    let fn_ = cc - sum_squares;
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let num = (tp * tn - fn_ * fp) as f64;
    let den = ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)) as f64;
    Ok(2.0 * num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap(), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 1, 2, 3], &[3, 2, 1, 0]).unwrap(), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, 0, 0], &[0, 0, 0, 0]).unwrap(), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 0, 0]).unwrap(), 0.0);
        // sklearn docs: adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) = 0.57142857...
        assert!((adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap() - 4.0 / 7.0).abs() < 1e-15);
        // sklearn docs: adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1]) = -0.5
        assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap() + 0.5).abs() < 1e-15);
        assert!(adjusted_rand_index(&[0], &[0, 1]).is_err());
    }
}
