//! One checker per fixture kind. A checker runs clasp on the case's inputs and compares the
//! outputs with the stored reference, to the tolerances of the fixtures README.

pub mod acc;
pub mod gmm;
pub mod kmeans;
pub mod metrics;
pub mod sdp;
mod sinkhorn;
mod swav;

use crate::compare::Report;
use crate::fixtures::Case;

/// Runs one case and fills its report; `Err` means the case could not be read.
pub type Checker = fn(&Case, &mut Report) -> Result<(), String>;

/// The checker for `kind`, or `None` if clasp does not support that kind yet.
pub fn checker(kind: &str) -> Option<Checker> {
    match kind {
        "acc" => Some(acc::check),
        "sinkhorn" => Some(sinkhorn::check),
        "swav" => Some(swav::check),
        "gmm" => Some(gmm::check),
        "kmeans" => Some(kmeans::check),
        "metrics" => Some(metrics::check),
        "sdp" => Some(sdp::check),
        _ => None,
    }
}

/// Outcome of one case.
#[derive(Debug)]
pub enum Outcome {
    /// All comparisons within tolerance.
    Pass(Report),
    /// At least one comparison failed, or the case could not be read.
    Fail(Report),
    /// No checker for this kind.
    Skip,
}

/// Runs `case` through its kind's checker.
pub fn run_case(case: &Case) -> Outcome {
    let Some(check) = checker(&case.kind) else { return Outcome::Skip };
    let mut report = Report::default();
    if let Err(e) = check(case, &mut report) {
        report.error("reading case", e);
    }
    if report.passed() { Outcome::Pass(report) } else { Outcome::Fail(report) }
}
