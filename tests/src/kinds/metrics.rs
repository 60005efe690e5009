//! `metrics` cases: NMI (arithmetic), ARI and AUROC against scikit-learn, 1e-12 abs; plus
//! ACC of the truth against itself relabelled (must be exactly 1) as a sanity check.

use crate::compare::{Report, Tol};
use crate::fixtures::Case;
use clasp_models::metrics::{accuracy, adjusted_rand_index, auroc, normalized_mutual_info};

/// Checks one `metrics` case.
pub fn check(case: &Case, report: &mut Report) -> Result<(), String> {
    let truth = case.i64("truth")?.data;
    let pred = case.i64("pred")?.data;
    let score = case.f64("score")?.data;
    let positive: Vec<bool> = case.i64("binary_truth")?.data.iter().map(|&v| v == 1).collect();
    match normalized_mutual_info(&truth, &pred) {
        Ok(v) => report.scalar("nmi", v, case.num("nmi")?, Tol::Abs(1e-12)),
        Err(e) => report.error("nmi", e),
    }
    match adjusted_rand_index(&truth, &pred) {
        Ok(v) => report.scalar("ari", v, case.num("ari")?, Tol::Abs(1e-12)),
        Err(e) => report.error("ari", e),
    }
    match auroc(&positive, &score) {
        Ok(v) => report.scalar("auroc", v, case.num("auroc")?, Tol::Abs(1e-12)),
        Err(e) => report.error("auroc", e),
    }
    let relabelled: Vec<i64> = truth.iter().map(|&t| 100 - 3 * t).collect();
    match accuracy(&truth, &relabelled) {
        Ok(v) => report.scalar("acc(truth, relabelled truth)", v, 1.0, Tol::Abs(0.0)),
        Err(e) => report.error("acc", e),
    }
    Ok(())
}
