//! Helpers shared by the integration tests of the training pipelines and of `clasp bench`.
#![allow(dead_code)] // each test binary uses its part

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// `v` without its wall-time fields (`seconds`, `images_per_s`, `train_s`, `wall_s`,
/// `episodes_s`, `ms_per_episode`), which differ between any two runs.
pub fn without_times(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "seconds" | "images_per_s" | "train_s" | "wall_s" | "episodes_s" | "ms_per_episode"
                    )
                })
                .map(|(k, x)| (k.clone(), without_times(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_times).collect()),
        other => other.clone(),
    }
}

/// burn's CPU backend keeps one process-wide random stream: the runs of a test file take turns
/// (hold the guard for the whole test).
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A stand-in reference script for `clasp bench --peers/--torch`, called as peers.py and
/// steps.py are (`sh SCRIPT WORKLOAD --threads N --repeat R`): it prints one JSON line with
/// the workload, `peer`, the thread count and `fields` (a JSON fragment such as
/// `"ms_per_iter": 7.5`), so the reference side of a comparison is exact. Returns the folder
/// holding it (remove it after the run) and the script.
pub fn stand_in_reference(tag: &str, peer: &str, fields: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("clasp-bench-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("reference.sh");
    let line = format!("{{\"workload\": \"$1\", \"peer\": \"{peer}\", \"threads\": $3, {fields}}}");
    std::fs::write(&script, format!("echo \"{}\"\n", line.replace('"', "\\\""))).unwrap();
    (dir, script)
}

/// Runs `clasp bench ARGS --json --python sh FLAG SCRIPT` (FLAG `--peers` or `--torch`) and
/// returns its stdout's JSON lines; the run must succeed.
pub fn bench_lines(args: &[&str], flag: &str, script: &std::path::Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_clasp"))
        .arg("bench")
        .args(args)
        .args(["--json", "--python", "sh", flag])
        .arg(script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}
