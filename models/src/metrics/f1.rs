//! Macro-F1 after Hungarian matching (the graph-clustering papers' F1, e.g. SDCN / DCRN's
//! `f1_score(y_true, mapped_pred, average='macro')`): each predicted cluster is renamed to the
//! class [`best_map`] matches it with (a cluster left unmatched counts as wrong everywhere),
//! then F1_c = 2·TP_c / (2·TP_c + FP_c + FN_c) is averaged over the true classes.

use super::{MetricError, best_map};
use std::collections::BTreeMap;

/// Macro-averaged F1 of `pred` against `truth` after the Hungarian map of clusters to classes.
pub fn macro_f1(truth: &[i64], pred: &[i64]) -> Result<f64, MetricError> {
    let (map, _) = best_map(truth, pred)?;
    // (TP, FP, FN) per true class.
    let mut counts: BTreeMap<i64, (u64, u64, u64)> = truth.iter().map(|&t| (t, (0, 0, 0))).collect();
    for (&t, p) in truth.iter().zip(pred) {
        match map.get(p) {
            Some(&c) if c == t => counts.entry(t).or_default().0 += 1,
            Some(&c) => {
                counts.entry(c).or_default().1 += 1;
                counts.entry(t).or_default().2 += 1;
            }
            None => counts.entry(t).or_default().2 += 1,
        }
    }
    let f1: f64 = counts
        .values()
        .map(|&(tp, fp, fn_)| if tp == 0 { 0.0 } else { 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64 })
        .sum();
    Ok(f1 / counts.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_example_and_relabelling() {
        assert_eq!(macro_f1(&[0, 0, 1, 1], &[5, 5, 7, 7]).unwrap(), 1.0);
        // Clusters 1→class 0, 0→class 1; node 2 (class 1) put in cluster 1 (→ class 0):
        // class 0: TP 2, FP 1, FN 0 → 0.8; class 1: TP 1, FP 0, FN 1 → 2/3.
        let f = macro_f1(&[0, 0, 1, 1], &[1, 1, 1, 0]).unwrap();
        assert!((f - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-12, "{f}");
        // Three clusters for two classes: the unmatched cluster's node is a false negative.
        let f = macro_f1(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap();
        assert!((f - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12, "{f}");
        assert_eq!(macro_f1(&[], &[]), Err(MetricError::Empty));
    }
}
