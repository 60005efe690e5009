//! Clustering accuracy: ACC = max over one-to-one maps m of (1/n) Σᵢ 1[m(predᵢ) = truthᵢ],
//! found by the Hungarian method (Kuhn–Munkres, `pathfinding`) on the confusion matrix padded
//! to a square of side max(#clusters, #classes).

use super::contingency::encode;
use super::{MetricError, check_pair};
use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;
use std::collections::BTreeMap;

/// The matching maximising agreement: predicted id → truth id (clusters matched to a padding
/// column, i.e. with more clusters than classes, are absent), and the number of matched rows.
pub fn best_map(truth: &[i64], pred: &[i64]) -> Result<(BTreeMap<i64, i64>, u64), MetricError> {
    check_pair(truth, pred, "pred")?;
    let (t, nt) = encode(truth);
    let (p, np_) = encode(pred);
    let side = nt.max(np_);
    let mut w = vec![0i64; side * side];
    for (&a, &b) in t.iter().zip(&p) {
        w[b * side + a] += 1;
    }
    let m = Matrix::from_vec(side, side, w.clone()).map_err(|_| MetricError::Empty)?;
    let (total, assign) = kuhn_munkres(&m);
    let truth_ids: Vec<i64> = sorted_ids(truth);
    let pred_ids: Vec<i64> = sorted_ids(pred);
    let map = assign
        .iter()
        .enumerate()
        .filter(|&(b, &a)| b < np_ && a < nt)
        .map(|(b, &a)| (pred_ids[b], truth_ids[a]))
        .collect();
    Ok((map, total.max(0) as u64))
}

fn sorted_ids(labels: &[i64]) -> Vec<i64> {
    let mut ids = labels.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Hungarian-matched accuracy in [0, 1].
pub fn accuracy(truth: &[i64], pred: &[i64]) -> Result<f64, MetricError> {
    let (_, matched) = best_map(truth, pred)?;
    Ok(matched as f64 / truth.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permuted_labels_are_fully_accurate() {
        let t = [0, 0, 1, 1, 2, 2];
        assert_eq!(accuracy(&t, &[5, 5, 3, 3, 9, 9]).unwrap(), 1.0);
        assert!((accuracy(&t, &[0, 0, 0, 1, 1, 1]).unwrap() - 4.0 / 6.0).abs() < 1e-15);
        // More clusters than classes (rectangular confusion).
        assert!((accuracy(&[0, 0, 1, 1], &[0, 1, 2, 3]).unwrap() - 0.5).abs() < 1e-15);
        let (map, m) = best_map(&t, &[5, 5, 3, 3, 9, 9]).unwrap();
        assert_eq!((map[&5], map[&3], map[&9], m), (0, 1, 2, 6));
    }

    #[test]
    fn bad_input() {
        assert_eq!(accuracy(&[], &[]), Err(MetricError::Empty));
        assert!(matches!(accuracy(&[1], &[1, 2]), Err(MetricError::LengthMismatch { .. })));
    }
}
