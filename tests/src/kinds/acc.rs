//! `acc` cases: clustering accuracy, the best one-to-one matching of predicted clusters to
//! classes (rectangular when their numbers differ), against scipy's `linear_sum_assignment`
//! on the contingency matrix. The matched count is an integer, so ACC must agree exactly.

use crate::compare::{Report, Tol};
use crate::fixtures::Case;
use clasp_models::metrics::accuracy;

/// Checks one `acc` case.
pub fn check(case: &Case, report: &mut Report) -> Result<(), String> {
    let truth = case.i64("truth")?.data;
    let pred = case.i64("pred")?.data;
    let matched = case.num("matched")?;
    let want = case.num("acc")?;
    report.check(
        &format!("acc {want} is not matched/n = {matched}/{}", truth.len()),
        want == matched / truth.len() as f64,
    );
    match accuracy(&truth, &pred) {
        Ok(v) => report.scalar("acc", v, want, Tol::Abs(0.0)),
        Err(e) => report.error("acc", e),
    }
    Ok(())
}
