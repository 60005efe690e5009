//! Area under the ROC curve as the Mann–Whitney statistic:
//! AUROC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋), R₊ the sum of the positives' ranks among all scores,
//! tied scores sharing their average rank (= P(s₊ > s₋) + ½ P(s₊ = s₋), scikit-learn's
//! `roc_auc_score` for binary labels).

use super::{MetricError, check_pair};

/// AUROC of `score` for the rows where `positive` is true against the others.
pub fn auroc(positive: &[bool], score: &[f64]) -> Result<f64, MetricError> {
    check_pair(positive, score, "score")?;
    if let Some(index) = score.iter().position(|s| !s.is_finite()) {
        return Err(MetricError::NonFinite { index });
    }
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(MetricError::OneClass);
    }
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let avg = (i + j + 2) as f64 / 2.0;
        rank_sum += avg * order[i..=j].iter().filter(|&&k| positive[k]).count() as f64;
        i = j + 1;
    }
    let np = n_pos as f64;
    Ok((rank_sum - np * (np + 1.0) / 2.0) / (np * n_neg as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_ties() {
        assert_eq!(auroc(&[false, true], &[0.1, 0.9]).unwrap(), 1.0);
        assert_eq!(auroc(&[true, false], &[0.1, 0.9]).unwrap(), 0.0);
        assert_eq!(auroc(&[true, false], &[0.5, 0.5]).unwrap(), 0.5);
        // sklearn docs example: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8] -> 0.75
        assert_eq!(auroc(&[false, false, true, true], &[0.1, 0.4, 0.35, 0.8]).unwrap(), 0.75);
        assert_eq!(auroc(&[true, true], &[0.1, 0.2]), Err(MetricError::OneClass));
        assert_eq!(auroc(&[true, false], &[f64::NAN, 0.2]), Err(MetricError::NonFinite { index: 0 }));
    }
}
