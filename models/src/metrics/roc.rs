//! The ROC curve and the false-positive rate at a fixed true-positive rate (FPR95: the FPR at
//! the first threshold whose TPR reaches 95 %, positives = OOD), with scikit-learn's
//! definitions: thresholds at every distinct score, scanned from the highest down, tied scores
//! entering together (`roc_curve(y, s, drop_intermediate=False)`).

use super::{MetricError, check_pair};

/// Cumulative (true positives, false positives) after each distinct score, scores taken from
/// the highest down; tied scores form one step. Checks the inputs like [`super::auroc`].
pub(crate) fn threshold_counts(positive: &[bool], score: &[f64]) -> Result<Vec<(usize, usize)>, MetricError> {
    check_pair(positive, score, "score")?;
    if let Some(index) = score.iter().position(|s| !s.is_finite()) {
        return Err(MetricError::NonFinite { index });
    }
    let n_pos = positive.iter().filter(|&&p| p).count();
    if n_pos == 0 || n_pos == positive.len() {
        return Err(MetricError::OneClass);
    }
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    for (i, &k) in order.iter().enumerate() {
        if positive[k] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = order.get(i + 1).is_none_or(|&next| score[next] != score[k]);
        if last_of_tie {
            out.push((tp, fp));
        }
    }
    Ok(out)
}

/// The ROC curve `(fpr, tpr)`, starting at (0, 0), one point per distinct score.
pub fn roc_curve(positive: &[bool], score: &[f64]) -> Result<(Vec<f64>, Vec<f64>), MetricError> {
    let counts = threshold_counts(positive, score)?;
    let (tp_all, fp_all) = counts.last().copied().unwrap_or((1, 1));
    let (mut fpr, mut tpr) = (vec![0.0], vec![0.0]);
    for (tp, fp) in counts {
        fpr.push(fp as f64 / fp_all as f64);
        tpr.push(tp as f64 / tp_all as f64);
    }
    Ok((fpr, tpr))
}

/// The FPR at the first threshold (highest score first) whose TPR is at least `tpr_level`.
pub fn fpr_at_tpr(positive: &[bool], score: &[f64], tpr_level: f64) -> Result<f64, MetricError> {
    let (fpr, tpr) = roc_curve(positive, score)?;
    let i = tpr.iter().position(|&t| t >= tpr_level).unwrap_or(tpr.len() - 1);
    Ok(fpr[i])
}

/// FPR95: [`fpr_at_tpr`] at 95 %.
pub fn fpr95(positive: &[bool], score: &[f64]) -> Result<f64, MetricError> {
    fpr_at_tpr(positive, score, 0.95)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_and_fpr95() {
        // y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8]: sklearn roc_curve(drop_intermediate=False)
        // gives fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1].
        let y = [false, false, true, true];
        let (fpr, tpr) = roc_curve(&y, &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert_eq!(fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
        assert_eq!(fpr95(&y, &[0.1, 0.4, 0.35, 0.8]).unwrap(), 0.5);
        // Ties enter together.
        let (fpr, tpr) = roc_curve(&[true, false], &[0.5, 0.5]).unwrap();
        assert_eq!((fpr, tpr), (vec![0.0, 1.0], vec![0.0, 1.0]));
        assert_eq!(fpr95(&[true, true], &[0.1, 0.2]), Err(MetricError::OneClass));
    }
}
