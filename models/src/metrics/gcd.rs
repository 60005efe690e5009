//! Generalised category discovery accuracy ("v2" of Vaze et al., "Generalized Category
//! Discovery", CVPR 2022, `split_cluster_acc_v2`): ONE Hungarian map between predicted
//! clusters and true classes over all unlabelled rows; All = matched / n; Old (New) = the
//! matched counts of the old (new) classes over their row counts, under that same map.
//! (Equal-weight matchings may be broken differently from SciPy's `linear_sum_assignment`;
//! All is unaffected, Old/New can differ in such ties.)

use super::accuracy::best_map;
use super::{MetricError, check_pair};

/// The three GCD accuracies; `old`/`new` are `None` when no row belongs to that group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GcdAccuracy {
    /// Over all rows.
    pub all: f64,
    /// Over rows whose true class is old (seen in the labelled set).
    pub old: Option<f64>,
    /// Over rows whose true class is new.
    pub new: Option<f64>,
}

/// GCD accuracies; `is_old[i]` says whether row i's true class is an old class.
pub fn gcd_accuracy(truth: &[i64], pred: &[i64], is_old: &[bool]) -> Result<GcdAccuracy, MetricError> {
    check_pair(truth, pred, "pred")?;
    check_pair(truth, is_old, "is_old")?;
    let (map, matched) = best_map(truth, pred)?;
    let (mut hit, mut count) = ([0u64; 2], [0u64; 2]);
    for ((&t, &p), &old) in truth.iter().zip(pred).zip(is_old) {
        let g = usize::from(!old);
        count[g] += 1;
        if map.get(&p) == Some(&t) {
            hit[g] += 1;
        }
    }
    let frac = |g: usize| (count[g] > 0).then(|| hit[g] as f64 / count[g] as f64);
    Ok(GcdAccuracy { all: matched as f64 / truth.len() as f64, old: frac(0), new: frac(1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_map_for_old_and_new() {
        // Classes 0, 1 old; 2 new. Cluster 9 = class 0, 8 = class 1, 7 = class 2 except one error.
        let t = [0, 0, 1, 1, 2, 2];
        let p = [9, 9, 8, 8, 7, 9];
        let old = [true, true, true, true, false, false];
        let g = gcd_accuracy(&t, &p, &old).unwrap();
        assert!((g.all - 5.0 / 6.0).abs() < 1e-15);
        assert_eq!(g.old, Some(1.0));
        assert_eq!(g.new, Some(0.5));
        assert_eq!(gcd_accuracy(&t, &p, &[true; 6]).unwrap().new, None);
        assert!(gcd_accuracy(&t, &p, &[true; 5]).is_err());
    }
}
