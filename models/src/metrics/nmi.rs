//! Normalised mutual information, scikit-learn's `normalized_mutual_info_score` with the
//! arithmetic mean: NMI = MI / ((H(truth) + H(pred)) / 2), natural logs, where
//! MI = Σ_ab (n_ab/n) (ln n_ab − ln n − ln(a_a b_b) + ln n + ln n) summed as scikit-learn does.
//! Conventions: 1.0 if both labelings have a single cluster; 0.0 if the MI is 0.

use super::contingency::Contingency;
use super::{MetricError, check_pair};

/// Entropy of a labeling from its cluster sizes (0 for a single cluster).
fn entropy(sizes: &[u64]) -> f64 {
    let pi: Vec<f64> = sizes.iter().filter(|&&v| v > 0).map(|&v| v as f64).collect();
    if pi.len() == 1 {
        return 0.0;
    }
    let s: f64 = pi.iter().sum();
    -pi.iter().map(|&p| (p / s) * (p.ln() - s.ln())).sum::<f64>()
}

/// NMI in [0, 1] (arithmetic normalisation).
pub fn normalized_mutual_info(truth: &[i64], pred: &[i64]) -> Result<f64, MetricError> {
    check_pair(truth, pred, "pred")?;
    let c = Contingency::new(truth, pred);
    if c.classes == 1 && c.clusters == 1 {
        return Ok(1.0);
    }
    let (pi, pj) = (c.row_sums(), c.col_sums());
    let mi = if pi.len() == 1 || pj.len() == 1 {
        0.0
    } else {
        let total: u64 = pi.iter().sum();
        let (ln_total, ln_pi_sum, ln_pj_sum) = ((total as f64).ln(), (total as f64).ln(), (total as f64).ln());
        let mut mi = 0.0;
        for (row, &pa) in c.counts.chunks_exact(c.clusters).zip(&pi) {
            for (&v, &pb) in row.iter().zip(&pj) {
                if v == 0 {
                    continue;
                }
                let nm = v as f64 / total as f64;
                let outer = (pa as i128 * pb as i128) as f64;
                let log_outer = -outer.ln() + ln_pi_sum + ln_pj_sum;
                let term = nm * ((v as f64).ln() - ln_total) + nm * log_outer;
                mi += if term.abs() < f64::EPSILON { 0.0 } else { term };
            }
        }
        mi.max(0.0)
    };
    if mi == 0.0 {
        return Ok(0.0);
    }
    let normaliser = (entropy(&pi) + entropy(&pj)) / 2.0;
    Ok(mi / normaliser)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_conventions() {
        assert_eq!(normalized_mutual_info(&[1, 1, 1], &[4, 4, 4]).unwrap(), 1.0);
        assert_eq!(normalized_mutual_info(&[1, 1, 2], &[4, 4, 4]).unwrap(), 0.0);
        assert_eq!(normalized_mutual_info(&[0, 1, 0, 1], &[0, 0, 1, 1]).unwrap(), 0.0);
        assert!((normalized_mutual_info(&[0, 0, 1, 1], &[7, 7, 3, 3]).unwrap() - 1.0).abs() < 1e-15);
        assert_eq!(normalized_mutual_info(&[], &[]), Err(MetricError::Empty));
    }
}
