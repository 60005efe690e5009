//! Clustering quality of an embedding: k-means on the features (`clasp_core::kmeans`,
//! k-means++ with restarts) scored against the true classes with Hungarian-matched accuracy,
//! NMI and ARI (`crate::metrics`, scikit-learn's definitions).

use super::{EvalError, Features};
use crate::metrics::{accuracy, adjusted_rand_index, normalized_mutual_info};
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansFit, KMeansParams, kmeans};

/// Agreement between a clustering and the true classes; each is 1.0 for a perfect clustering
/// (up to relabelling).
#[derive(Clone, Debug, serde::Serialize, PartialEq)]
pub struct ClusterScores {
    /// Clustering accuracy: the best one-to-one map of clusters to classes (Hungarian).
    pub acc: f64,
    /// Normalised mutual information (arithmetic normalisation).
    pub nmi: f64,
    /// Adjusted Rand index (0 for chance, can be negative).
    pub ari: f64,
}

/// Labels as the metrics' `i64` ids.
fn to_ids(labels: &[usize], what: &'static str) -> Result<Vec<i64>, EvalError> {
    labels
        .iter()
        .enumerate()
        .map(|(index, &l)| {
            i64::try_from(l).map_err(|_| EvalError::LabelOutOfRange {
                what,
                index,
                label: l,
                classes: i64::MAX as usize,
            })
        })
        .collect()
}

/// Scores of the predicted labels `pred` against `truth`: Hungarian accuracy, NMI and ARI.
/// Labels are arbitrary ids (any relabelling of `pred` gives the same scores).
///
/// Errors: empty inputs, different lengths, a label above `i64::MAX`.
pub fn cluster_scores(truth: &[usize], pred: &[usize]) -> Result<ClusterScores, EvalError> {
    if truth.is_empty() {
        return Err(EvalError::Empty { what: "truth" });
    }
    if pred.len() != truth.len() {
        return Err(EvalError::ShapeMismatch { what: "pred", expected: truth.len(), found: pred.len() });
    }
    let t = to_ids(truth, "truth")?;
    let p = to_ids(pred, "pred")?;
    Ok(ClusterScores {
        acc: accuracy(&t, &p)?,
        nmi: normalized_mutual_info(&t, &p)?,
        ari: adjusted_rand_index(&t, &p)?,
    })
}

/// The one k-means of the pipelines and the evaluation: k-means++ initialisation, `n_init`
/// restarts keeping the lowest inertia, seeded with `seed`, scikit-learn's defaults otherwise
/// (at most 300 Lloyd passes, tolerance 1e-4), on `n` rows of `dim` values, in f64.
///
/// Errors: empty or non-finite data, `k = 0`, `k > n`, `n_init = 0`; core errors wrapped in
/// [`EvalError::Core`].
pub fn kmeans_f64(
    data: &[f64],
    n: usize,
    dim: usize,
    k: usize,
    n_init: usize,
    seed: u64,
) -> Result<KMeansFit<f64>, EvalError> {
    if n == 0 {
        return Err(EvalError::Empty { what: "x" });
    }
    if k == 0 || k > n {
        return Err(EvalError::InvalidParameter { name: "k", value: k as f64 });
    }
    if n_init == 0 {
        return Err(EvalError::InvalidParameter { name: "n_init", value: 0.0 });
    }
    let m = MatRef::new(data, n, dim, "x")?;
    Ok(kmeans(m, &KMeansParams::default().k(k).n_init(n_init).seed(seed))?)
}

/// [`kmeans_f64`] of f32 features (widened exactly to f64).
pub fn kmeans_features(x: Features, k: usize, n_init: usize, seed: u64) -> Result<KMeansFit<f64>, EvalError> {
    x.check("x")?;
    let data: Vec<f64> = x.data.iter().map(|&v| f64::from(v)).collect();
    kmeans_f64(&data, x.n, x.dim, k, n_init, seed)
}

/// [`kmeans_features`] of `x` scored against `truth` with [`cluster_scores`]. Returns the
/// scores and the cluster of every row (`0..k`).
///
/// Errors: those of [`kmeans_features`], and `truth.len() != x.n`.
pub fn kmeans_scores(
    x: Features,
    truth: &[usize],
    k: usize,
    n_init: usize,
    seed: u64,
) -> Result<(ClusterScores, Vec<usize>), EvalError> {
    if truth.len() != x.n {
        return Err(EvalError::ShapeMismatch { what: "truth", expected: x.n, found: truth.len() });
    }
    let fit = kmeans_features(x, k, n_init, seed)?;
    let scores = cluster_scores(truth, &fit.labels)?;
    Ok((scores, fit.labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permuted_labelling_scores_one() {
        let truth = [0, 0, 1, 1, 2, 2, 2];
        let pred = [7, 7, 3, 3, 0, 0, 0];
        assert_eq!(cluster_scores(&truth, &pred).unwrap(), ClusterScores { acc: 1.0, nmi: 1.0, ari: 1.0 });
        let s = cluster_scores(&truth, &[0, 1, 0, 1, 0, 1, 0]).unwrap();
        assert!(s.acc < 1.0 && s.nmi < 1.0 && s.ari < 1.0);
    }

    #[test]
    fn cluster_scores_rejects_bad_input() {
        assert_eq!(cluster_scores(&[], &[]).unwrap_err(), EvalError::Empty { what: "truth" });
        assert_eq!(
            cluster_scores(&[0, 1], &[0]).unwrap_err(),
            EvalError::ShapeMismatch { what: "pred", expected: 2, found: 1 }
        );
        assert!(matches!(cluster_scores(&[0], &[usize::MAX]), Err(EvalError::LabelOutOfRange { what: "pred", .. })));
    }

    /// Three tight blobs far apart in 4-d, 15 points each, interleaved rows.
    fn blobs() -> (Vec<f32>, Vec<usize>) {
        let centres = [[0.0f32, 0.0, 0.0, 0.0], [20.0, -5.0, 3.0, 0.0], [-7.0, 15.0, 0.0, 9.0]];
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..45 {
            let c = i % 3;
            let jitter = ((i * 37) % 11) as f32 * 0.05;
            x.extend(centres[c].iter().enumerate().map(|(j, v)| v + jitter * (j as f32 - 1.5)));
            y.push(c);
        }
        (x, y)
    }

    #[test]
    fn kmeans_recovers_separated_blobs() {
        let (x, y) = blobs();
        let f = Features { data: &x, n: 45, dim: 4 };
        let (s, labels) = kmeans_scores(f, &y, 3, 5, 3).unwrap();
        assert_eq!(s, ClusterScores { acc: 1.0, nmi: 1.0, ari: 1.0 });
        assert_eq!(labels.len(), 45);
        assert!(labels.iter().all(|&l| l < 3));
        assert_eq!(kmeans_scores(f, &y, 3, 5, 3).unwrap().1, labels);
    }

    #[test]
    fn kmeans_rejects_bad_input() {
        let (mut x, y) = blobs();
        let f = Features { data: &x, n: 45, dim: 4 };
        assert!(matches!(kmeans_scores(f, &y[1..], 3, 1, 0), Err(EvalError::ShapeMismatch { what: "truth", .. })));
        assert!(matches!(kmeans_scores(f, &y, 0, 1, 0), Err(EvalError::InvalidParameter { name: "k", .. })));
        assert!(matches!(kmeans_scores(f, &y, 46, 1, 0), Err(EvalError::InvalidParameter { name: "k", .. })));
        assert!(matches!(kmeans_scores(f, &y, 3, 0, 0), Err(EvalError::InvalidParameter { name: "n_init", .. })));
        let short = Features { data: &x[..10], n: 45, dim: 4 };
        assert!(matches!(kmeans_scores(short, &y, 3, 1, 0), Err(EvalError::ShapeMismatch { what: "x", .. })));
        x[4 * 7 + 2] = f32::NAN;
        let f = Features { data: &x, n: 45, dim: 4 };
        assert_eq!(kmeans_scores(f, &y, 3, 1, 0).unwrap_err(), EvalError::NonFinite { what: "x", row: 7 });
    }
}
