//! `check-fixtures DIR`: runs every case of `DIR/manifest.json` whose kind clasp supports,
//! prints `PASS|FAIL|SKIP kind/name max_abs_err=…` per case and `N passed, N failed` last,
//! and exits non-zero if any case failed.

use clasp_tests::fixtures::load_manifest;
use clasp_tests::kinds::{Outcome, run_case};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: check-fixtures DIR   (DIR holds manifest.json)");
        return ExitCode::from(2);
    };
    let cases = match load_manifest(&dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("check-fixtures: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for case in &cases {
        match run_case(case) {
            Outcome::Pass(r) => {
                passed += 1;
                println!("PASS {} max_abs_err={:.3e}", case.id(), r.max_abs_err);
            }
            Outcome::Fail(r) => {
                failed += 1;
                println!("FAIL {} max_abs_err={:.3e} {}", case.id(), r.max_abs_err, r.failures.join("; "));
            }
            Outcome::Skip => {
                skipped += 1;
                println!("SKIP {} (kind `{}` not supported)", case.id(), case.kind);
            }
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
