//! `clasp bench --rounds`: clasp and the reference script alternate R times and a `summary`
//! line gives each peer's median ratio and range. A stand-in reference script (a shell script
//! printing a fixed time) makes the peer side exact, so the summary can be checked against the
//! clasp lines of the same run. Lloyd's workloads, which stop on their own, are compared per
//! pass.

mod common;
use common::{bench_lines, stand_in_reference};
use serde_json::Value;
use std::process::Command;

#[test]
fn rounds_alternate_and_summarise_each_peer() {
    let (dir, script) = stand_in_reference("rounds", "stand-in", "\"ms_per_iter\": 7.5");
    let args = ["sinkhorn-1000", "--repeat", "1", "--threads", "1", "--rounds", "3"];
    let lines = bench_lines(&args, "--peers", &script);
    std::fs::remove_dir_all(&dir).unwrap();
    let clasp: Vec<f64> =
        lines.iter().filter(|l| l["impl"] == "clasp").map(|l| l["ms_per_iter"].as_f64().unwrap()).collect();
    let peers =
        lines.iter().filter(|l| l["peer"] == "stand-in" && l.get("ratio").is_none() && l.get("summary").is_none());
    let ratios: Vec<f64> = lines.iter().filter_map(|l| l["ratio"].as_f64()).collect();
    assert_eq!((clasp.len(), peers.count(), ratios.len()), (3, 3, 3), "three alternating rounds");
    let summaries: Vec<&Value> = lines.iter().filter(|l| l["summary"] == true).collect();
    assert_eq!(summaries.len(), 1);
    let s = summaries[0];
    let mut sorted = clasp.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(s["rounds"], 3);
    assert_eq!(s["clasp_ms_median"].as_f64().unwrap(), sorted[1]);
    assert_eq!(s["peer_ms_median"].as_f64().unwrap(), 7.5);
    let mut r = ratios.clone();
    r.sort_by(f64::total_cmp);
    assert_eq!(s["ratio_median"].as_f64().unwrap(), r[1]);
    assert_eq!((s["ratio_min"].as_f64().unwrap(), s["ratio_max"].as_f64().unwrap()), (r[0], r[2]));
}

#[test]
fn rounds_need_a_reference_script() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_clasp")).args(["bench", "sinkhorn-1000", "--rounds", "3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--peers"));
}

#[test]
fn lloyd_workloads_are_compared_per_pass() {
    // The reference stops after 10 passes in 20 ms: 2 ms a pass, whatever clasp's pass count.
    let (dir, script) = stand_in_reference("per-pass", "stand-in", "\"ms_total\": 20.0, \"n_iter\": 10");
    let lines = bench_lines(&["kmeans-overlap-70000x10", "--repeat", "1", "--threads", "1"], "--peers", &script);
    std::fs::remove_dir_all(&dir).unwrap();
    let clasp = lines.iter().find(|l| l["impl"] == "clasp").expect("clasp's line");
    let per_pass = clasp["ms_per_pass"].as_f64().unwrap();
    let n_iter = clasp["n_iter"].as_f64().unwrap();
    assert!((per_pass * n_iter - clasp["ms_total"].as_f64().unwrap()).abs() < 1e-9 * per_pass * n_iter);
    let ratio = lines.iter().find(|l| l.get("ratio").is_some()).expect("a ratio line");
    assert_eq!(ratio["metric"], "ms_per_pass");
    assert_eq!((ratio["peer_ms"].as_f64(), ratio["clasp_ms"].as_f64()), (Some(2.0), Some(per_pass)));
    assert!((ratio["ratio"].as_f64().unwrap() - 2.0 / per_pass).abs() < 1e-12 * (2.0 / per_pass));
}
