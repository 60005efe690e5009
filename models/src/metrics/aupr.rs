//! Area under the precision–recall curve as scikit-learn's `average_precision_score`:
//! AP = Σₙ (Rₙ − Rₙ₋₁) Pₙ over the distinct score thresholds taken from the highest down
//! (tied scores enter together), the positive class the one to find (OOD pixels). No
//! interpolation: it is the step-wise sum, not the trapezoidal area.

use super::MetricError;
use super::roc::threshold_counts;

/// Average precision of `score` for the rows where `positive` is true.
pub fn average_precision(positive: &[bool], score: &[f64]) -> Result<f64, MetricError> {
    let counts = threshold_counts(positive, score)?;
    let n_pos = counts.last().map_or(1, |c| c.0) as f64;
    let mut ap = 0.0;
    let mut prev_recall = 0.0;
    for (tp, fp) in counts {
        let recall = tp as f64 / n_pos;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    Ok(ap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sklearn_docs_example() {
        // sklearn docs: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8] -> 0.8333…
        let ap = average_precision(&[false, false, true, true], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert!((ap - 5.0 / 6.0).abs() < 1e-12, "{ap}");
        // All tied: AP = the positive rate.
        let ap = average_precision(&[true, false, false, false], &[1.0; 4]).unwrap();
        assert!((ap - 0.25).abs() < 1e-12);
    }
}
