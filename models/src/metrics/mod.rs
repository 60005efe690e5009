//! Clustering and ranking metrics with scikit-learn's definitions: Hungarian-matched
//! accuracy (ACC), normalised mutual information (arithmetic mean, NMI), adjusted Rand index
//! (ARI), macro-F1 after Hungarian matching, area under the ROC curve (AUROC, ties by average rank), the ROC curve, FPR at 95 % TPR (FPR95),
//! average precision (AUPR), Dice per class, the generalised category
//! discovery accuracies (GCD "All/Old/New" with one Hungarian map over all rows) and cross-view
//! retrieval recall@k.
//! Labels are arbitrary integer ids; every clustering metric is invariant to relabelling.

mod accuracy;
mod ari;
mod aupr;
mod auroc;
mod contingency;
mod dice;
mod f1;
mod gcd;
mod nmi;
mod retrieval;
mod roc;

pub use accuracy::{accuracy, best_map};
pub use ari::adjusted_rand_index;
pub use aupr::average_precision;
pub use auroc::auroc;
pub use dice::{dice_per_class, mean_dice};
pub use f1::macro_f1;
pub use gcd::{GcdAccuracy, gcd_accuracy};
pub use nmi::normalized_mutual_info;
pub use retrieval::{cross_scores, embedding_recalls, recall_at_k, recalls_at};
pub use roc::{fpr_at_tpr, fpr95, roc_curve};

/// Why a metric cannot be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// No samples.
    #[error("no samples")]
    Empty,
    /// Two per-sample inputs of different lengths.
    #[error("`{what}` has {found} entries, expected {expected}")]
    LengthMismatch {
        /// Name of the second input.
        what: &'static str,
        /// Length of the first input.
        expected: usize,
        /// Length of the second.
        found: usize,
    },
    /// A NaN or infinite score.
    #[error("score {index} is not finite")]
    NonFinite {
        /// Index of the first offending score.
        index: usize,
    },
    /// AUROC needs both positive and negative samples.
    #[error("only one class present: AUROC is undefined")]
    OneClass,
}

/// Non-empty inputs of equal length.
fn check_pair<A, B>(a: &[A], b: &[B], what: &'static str) -> Result<(), MetricError> {
    if a.is_empty() {
        return Err(MetricError::Empty);
    }
    if a.len() != b.len() {
        return Err(MetricError::LengthMismatch { what, expected: a.len(), found: b.len() });
    }
    Ok(())
}
