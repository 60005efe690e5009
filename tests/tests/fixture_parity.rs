//! Parity of clasp against the reference fixtures bundled in `tests/fixtures`, one test per
//! supported kind. A kind's test fails if any of its cases fails or is skipped, or if the
//! manifest has no case of that kind.

use clasp_tests::bundled_fixtures;
use clasp_tests::fixtures::load_manifest;
use clasp_tests::kinds::{Outcome, run_case};

fn assert_kind_passes(kind: &str) {
    let cases: Vec<_> =
        load_manifest(&bundled_fixtures()).expect("bundled manifest").into_iter().filter(|c| c.kind == kind).collect();
    assert!(!cases.is_empty(), "no `{kind}` cases in the bundled fixtures");
    let mut failures = Vec::new();
    for case in &cases {
        match run_case(case) {
            Outcome::Pass(r) => println!("PASS {} max_abs_err={:.3e}", case.id(), r.max_abs_err),
            Outcome::Fail(r) => failures.push(format!("{}: {}", case.id(), r.failures.join("; "))),
            Outcome::Skip => failures.push(format!("{}: skipped (no checker for `{kind}`)", case.id())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} `{kind}` cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn sinkhorn_fixtures() {
    assert_kind_passes("sinkhorn");
}

#[test]
fn swav_fixtures() {
    assert_kind_passes("swav");
}

#[test]
fn sdp_fixtures() {
    assert_kind_passes("sdp")
}

#[test]
fn gmm_fixtures() {
    assert_kind_passes("gmm")
}

#[test]
fn kmeans_fixtures() {
    assert_kind_passes("kmeans")
}

#[test]
fn metrics_fixtures() {
    assert_kind_passes("metrics")
}

#[test]
fn acc_fixtures() {
    assert_kind_passes("acc")
}

/// A `gmm` case whose `case.json` lacks `converged` fails (it used to count as `true`).
#[test]
fn a_missing_converged_key_is_an_error() {
    let mut case = load_manifest(&bundled_fixtures())
        .expect("bundled manifest")
        .into_iter()
        .find(|c| c.id() == "gmm/sklearn_iris_full")
        .expect("gmm/sklearn_iris_full");
    assert!(matches!(run_case(&case), Outcome::Pass(_)), "the case passes as bundled");
    case.json.as_object_mut().expect("case.json is an object").remove("converged");
    match run_case(&case) {
        Outcome::Fail(r) => {
            assert!(r.failures.iter().any(|f| f.contains("no boolean `converged`")), "{:?}", r.failures)
        }
        other => panic!("a case without `converged` did not fail: {other:?}"),
    }
}
