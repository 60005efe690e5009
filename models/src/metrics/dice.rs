//! Dice similarity coefficient (DSC) per class of a hard segmentation:
//! DSC_k = 2 |P_k ∩ G_k| / (|P_k| + |G_k|) over the counted pixels (equal to scikit-learn's
//! per-class `f1_score(average=None)`); a class absent from both prediction and truth has no
//! DSC (`None`) and is left out of the mean.

use super::{MetricError, check_pair};

/// DSC of every class `0..classes` between `truth` and `pred`, counting only the pixels where
/// `counted` is true (e.g. the inlier pixels of an OOD benchmark).
pub fn dice_per_class(
    truth: &[usize],
    pred: &[usize],
    counted: &[bool],
    classes: usize,
) -> Result<Vec<Option<f64>>, MetricError> {
    check_pair(truth, pred, "pred")?;
    check_pair(truth, counted, "counted")?;
    let (mut inter, mut n_pred, mut n_truth) = (vec![0usize; classes], vec![0usize; classes], vec![0usize; classes]);
    for ((&t, &p), _) in truth.iter().zip(pred).zip(counted).filter(|(_, c)| **c) {
        if t < classes {
            n_truth[t] += 1;
        }
        if p < classes {
            n_pred[p] += 1;
        }
        if t == p && t < classes {
            inter[t] += 1;
        }
    }
    Ok((0..classes)
        .map(|k| {
            let denom = n_pred[k] + n_truth[k];
            (denom > 0).then(|| 2.0 * inter[k] as f64 / denom as f64)
        })
        .collect())
}

/// Mean of the defined per-class DSCs (`None` when none is defined).
pub fn mean_dice(per_class: &[Option<f64>]) -> Option<f64> {
    let v: Vec<f64> = per_class.iter().flatten().copied().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // truth 0 0 1 1 2, pred 0 1 1 1 2, pixel 4 not counted: class 0: 2·1/(1+2), class 1:
        // 2·2/(3+2), class 2 absent from both counted sets, class 3 never seen.
        let d = dice_per_class(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 2], &[true, true, true, true, false], 4).unwrap();
        assert_eq!(d[0], Some(2.0 / 3.0));
        assert_eq!(d[1], Some(0.8));
        assert_eq!((d[2], d[3]), (None, None));
        assert_eq!(mean_dice(&d), Some((2.0 / 3.0 + 0.8) / 2.0));
        assert_eq!(mean_dice(&[None]), None);
    }
}
