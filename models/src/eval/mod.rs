//! Evaluation of a learned embedding: the same three numbers for every pipeline and for raw
//! pixels, so that rows of a report are comparable.
//!
//! - [`kmeans_scores`]: k-means (k-means++, restarts) on the features, scored against the true
//!   classes with Hungarian accuracy, NMI and ARI ([`ClusterScores`]);
//! - [`linear_probe()`]: multinomial logistic regression on the frozen, standardised features,
//!   trained with burn on the CPU; test accuracy;
//! - [`knn_accuracy`]: the weighted cosine kNN classifier of the InstDisc/DINO monitors; test
//!   accuracy.
//!
//! [`evaluate`] runs all three with fixed settings. Every entry validates its input (shapes,
//! finiteness, label range) before computing and returns an [`EvalError`] instead of panicking.

pub mod clustering;
pub mod knn;
pub mod linear_probe;

pub use clustering::{ClusterScores, cluster_scores, kmeans_f64, kmeans_features, kmeans_scores};
pub use knn::{KNN_DEFAULT_K, KNN_TEMPERATURE, knn_accuracy};
pub use linear_probe::{ProbeParams, linear_probe};

use crate::metrics::MetricError;

/// A row-major matrix of f32 features: row `i` is `data[i * dim..(i + 1) * dim]`.
#[derive(Clone, Copy, Debug)]
pub struct Features<'a> {
    /// Row-major values, `n * dim` of them.
    pub data: &'a [f32],
    /// Number of rows (samples).
    pub n: usize,
    /// Number of columns (feature dimension).
    pub dim: usize,
}

impl<'a> Features<'a> {
    /// Wraps `data` as `n` rows of `dim` features, checking the shape and that every value is
    /// finite (the checks every entry of this module runs anyway).
    pub fn new(data: &'a [f32], n: usize, dim: usize) -> Result<Self, EvalError> {
        let f = Features { data, n, dim };
        f.check("features")?;
        Ok(f)
    }

    /// Row `i` (caller guarantees `i < n` on checked features).
    fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Non-empty, `data.len() == n * dim`, every value finite.
    fn check(&self, what: &'static str) -> Result<(), EvalError> {
        if self.n == 0 || self.dim == 0 {
            return Err(EvalError::Empty { what });
        }
        let expected = self.n.checked_mul(self.dim).ok_or(EvalError::ShapeMismatch {
            what,
            expected: usize::MAX,
            found: self.data.len(),
        })?;
        if self.data.len() != expected {
            return Err(EvalError::ShapeMismatch { what, expected, found: self.data.len() });
        }
        if let Some(i) = self.data.iter().position(|v| !v.is_finite()) {
            return Err(EvalError::NonFinite { what, row: i / self.dim });
        }
        Ok(())
    }
}

/// Labels: one per row, each `< classes`.
fn check_labels(labels: &[usize], n: usize, classes: usize, what: &'static str) -> Result<(), EvalError> {
    if labels.len() != n {
        return Err(EvalError::ShapeMismatch { what, expected: n, found: labels.len() });
    }
    if let Some((index, &label)) = labels.iter().enumerate().find(|&(_, &l)| l >= classes) {
        return Err(EvalError::LabelOutOfRange { what, index, label, classes });
    }
    Ok(())
}

/// Largest number of classes the supervised evaluations accept (their buffers and the probe's
/// weights grow with it).
pub const MAX_CLASSES: usize = 1 << 20;

/// The shared checks of the supervised evaluations (probe, kNN): both feature sets valid and
/// of the same dimension, labels of the right lengths and `< classes`, `1 ≤ classes ≤`
/// [`MAX_CLASSES`].
fn check_supervised(
    train: &Features,
    train_y: &[usize],
    test: &Features,
    test_y: &[usize],
    classes: usize,
) -> Result<(), EvalError> {
    if classes == 0 || classes > MAX_CLASSES {
        return Err(EvalError::InvalidParameter { name: "classes", value: classes as f64 });
    }
    train.check("train")?;
    test.check("test")?;
    if test.dim != train.dim {
        return Err(EvalError::ShapeMismatch { what: "test dim", expected: train.dim, found: test.dim });
    }
    check_labels(train_y, train.n, classes, "train_y")?;
    check_labels(test_y, test.n, classes, "test_y")
}

/// Why an evaluation cannot be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// An input with no rows or no columns.
    #[error("`{what}` is empty (no rows or no columns)")]
    Empty {
        /// Name of the input.
        what: &'static str,
    },
    /// A length that does not match the others (features vs `n * dim`, labels vs rows, test
    /// vs train dimension).
    #[error("`{what}` has length {found}, expected {expected}")]
    ShapeMismatch {
        /// Name of the input.
        what: &'static str,
        /// Length required by the other arguments.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A NaN or ±∞ feature.
    #[error("`{what}` has a NaN or infinite value in row {row}")]
    NonFinite {
        /// Name of the feature matrix.
        what: &'static str,
        /// Row of the first offending value.
        row: usize,
    },
    /// A label that is not a valid class id (`≥ classes`).
    #[error("`{what}[{index}]` = {label} is not a class id (must be < {classes})")]
    LabelOutOfRange {
        /// Name of the label vector.
        what: &'static str,
        /// Position of the first offending label.
        index: usize,
        /// The label found.
        label: usize,
        /// Number of classes (labels must be `< classes`).
        classes: usize,
    },
    /// A parameter out of its domain (`k = 0`, zero epochs, a negative learning rate, …).
    #[error("invalid parameter `{name}` = {value}")]
    InvalidParameter {
        /// Name of the parameter.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// An error of `clasp-core` (k-means).
    #[error("k-means: {0}")]
    Core(#[from] clasp_core::Error),
    /// An error of a clustering metric.
    #[error("metric: {0}")]
    Metric(#[from] MetricError),
    /// The training backend (burn) failed, e.g. reading a tensor back.
    #[error("training backend: {0}")]
    Backend(String),
}

/// The three evaluations of one embedding.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EmbeddingEval {
    /// k-means (k = classes, 10 k-means++ restarts) on the test features.
    pub kmeans: ClusterScores,
    /// Test accuracy of the linear probe trained on the train features ([`ProbeParams`]
    /// defaults, with the given seed).
    pub linear_probe: f64,
    /// Test accuracy of the weighted cosine kNN classifier ([`KNN_DEFAULT_K`] neighbours,
    /// temperature [`KNN_TEMPERATURE`]) against the train features.
    pub knn: f64,
}

/// Everything at once: k-means scores on the `test` features (k = `classes`, `n_init` 10,
/// seeded with `seed`), the linear probe (train → test, [`ProbeParams::default`] with `seed`)
/// and the kNN accuracy (train → test, k = [`KNN_DEFAULT_K`]).
///
/// Errors: empty inputs, mismatched lengths or dimensions, non-finite features, a label
/// `≥ classes`, `classes` = 0, above [`MAX_CLASSES`] or above the number of test rows.
pub fn evaluate(
    train: Features,
    train_y: &[usize],
    test: Features,
    test_y: &[usize],
    classes: usize,
    seed: u64,
) -> Result<EmbeddingEval, EvalError> {
    check_supervised(&train, train_y, &test, test_y, classes)?;
    let (kmeans, _) = kmeans_scores(test, test_y, classes, 10, seed)?;
    let linear_probe =
        linear_probe(train, train_y, test, test_y, classes, &ProbeParams { seed, ..Default::default() })?;
    let knn = knn_accuracy(train, train_y, test, test_y, classes, KNN_DEFAULT_K)?;
    Ok(EmbeddingEval { kmeans, linear_probe, knn })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The bundled digits (1797 × 64) as f32, split by row parity: (train, train_y, test, test_y).
    pub(crate) fn digits_split() -> (Vec<f32>, Vec<usize>, Vec<f32>, Vec<usize>) {
        let b = crate::io::load_bundled("digits").expect("bundled digits");
        assert_eq!(b.x.cols, 64);
        let (mut tr, mut tr_y, mut te, mut te_y) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, (row, &y)) in b.x.data.chunks_exact(b.x.cols).zip(&b.y).enumerate() {
            let (x, ys) = if i % 2 == 0 { (&mut tr, &mut tr_y) } else { (&mut te, &mut te_y) };
            x.extend(row.iter().map(|&v| v as f32));
            ys.push(y as usize);
        }
        (tr, tr_y, te, te_y)
    }

    #[test]
    fn features_are_validated() {
        let d = [1.0f32, 2.0, 3.0, 4.0];
        assert!(Features::new(&d, 2, 2).is_ok());
        assert_eq!(
            Features::new(&d, 3, 2).unwrap_err(),
            EvalError::ShapeMismatch { what: "features", expected: 6, found: 4 }
        );
        assert_eq!(Features::new(&d, 0, 2).unwrap_err(), EvalError::Empty { what: "features" });
        assert_eq!(Features::new(&d, usize::MAX, 2).unwrap_err().to_string().lines().count(), 1);
        let nan = [1.0f32, 2.0, f32::NAN, 4.0];
        assert_eq!(Features::new(&nan, 2, 2).unwrap_err(), EvalError::NonFinite { what: "features", row: 1 });
    }

    #[test]
    fn errors_display_one_line() {
        let errs = [
            EvalError::Empty { what: "x" },
            EvalError::ShapeMismatch { what: "x", expected: 1, found: 2 },
            EvalError::NonFinite { what: "x", row: 3 },
            EvalError::LabelOutOfRange { what: "y", index: 0, label: 9, classes: 3 },
            EvalError::InvalidParameter { name: "k", value: 0.0 },
            EvalError::Core(clasp_core::Error::Empty { what: "x" }),
            EvalError::Metric(MetricError::Empty),
            EvalError::Backend("boom".into()),
        ];
        for e in errs {
            let s = e.to_string();
            assert!(!s.is_empty() && !s.contains('\n'), "{s:?}");
        }
    }

    #[test]
    fn evaluate_runs_on_separated_blobs() {
        // Two tight blobs in 3-d; every score is perfect.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..40 {
            let c = (i % 2) as f32;
            let t = (i as f32) * 0.01;
            x.extend_from_slice(&[10.0 * c + t, -10.0 * c + t * 0.5, 1.0 + c - t]);
            y.push(i % 2);
        }
        let f = Features { data: &x, n: 40, dim: 3 };
        let e = evaluate(f, &y, f, &y, 2, 1).unwrap();
        assert_eq!(e.kmeans, ClusterScores { acc: 1.0, nmi: 1.0, ari: 1.0 });
        assert_eq!(e.knn, 1.0);
        assert_eq!(e.linear_probe, 1.0);
        let bad = [0usize; 39];
        assert!(matches!(evaluate(f, &bad, f, &y, 2, 1), Err(EvalError::ShapeMismatch { what: "train_y", .. })));
    }
}
