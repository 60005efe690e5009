//! `clasp bench --rounds`: clasp and the reference script alternate R times and a `summary`
//! line gives each peer's median ratio and range. A stand-in reference script (a shell script
//! printing a fixed time) makes the peer side exact, so the summary can be checked against the
//! clasp lines of the same run.

use serde_json::Value;
use std::process::Command;

#[test]
fn rounds_alternate_and_summarise_each_peer() {
    let dir = std::env::temp_dir().join(format!("clasp-bench-rounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("peers.sh");
    // Called as `sh peers.sh WORKLOAD --threads N --repeat R`, like peers.py.
    std::fs::write(
        &script,
        "echo \"{\\\"workload\\\": \\\"$1\\\", \\\"peer\\\": \\\"stand-in\\\", \\\"ms_per_iter\\\": 7.5, \\\"threads\\\": $3}\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_clasp"))
        .args([
            "bench",
            "sinkhorn-1000",
            "--repeat",
            "1",
            "--threads",
            "1",
            "--rounds",
            "3",
            "--json",
            "--python",
            "sh",
        ])
        .arg("--peers")
        .arg(&script)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
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
