//! `clasp bench depict-step --torch SCRIPT`: the training-step workloads run their reference
//! script (`bench/torch/steps.py`; here a stand-in printing a fixed time, so no PyTorch is
//! needed) in the same session and print the throughput ratio.

mod common;
use common::{bench_lines, stand_in_reference};
use std::process::Command;

#[test]
fn a_step_workload_is_timed_and_compared_with_its_torch_reference() {
    let (dir, script) = stand_in_reference("step", "torch-stand-in", "\"ms_per_iter\": 40.0");
    let lines = bench_lines(&["depict-step", "--repeat", "1", "--threads", "1"], "--torch", &script);
    std::fs::remove_dir_all(&dir).unwrap();
    let clasp = lines.iter().find(|l| l["impl"] == "clasp").expect("clasp's line");
    let ms = clasp["ms_per_iter"].as_f64().unwrap();
    assert!(ms > 0.0 && clasp["ms_median"].as_f64().unwrap() >= ms);
    assert_eq!((clasp["batch"].as_u64(), clasp["threads"].as_u64()), (Some(100), Some(1)));
    let ips = clasp["images_per_s"].as_f64().unwrap();
    assert!((ips - 100.0 * 1e3 / ms).abs() < 1e-6 * ips, "images/s = batch / time per step");
    let ratio = lines.iter().find(|l| l.get("ratio").is_some()).expect("a ratio line");
    assert_eq!(ratio["peer"], "torch-stand-in");
    assert!((ratio["ratio"].as_f64().unwrap() - 40.0 / ms).abs() < 1e-9, "ratio = torch time / clasp time");
}

#[test]
fn a_step_workload_refuses_the_primitives_reference() {
    let out = Command::new(env!("CARGO_BIN_EXE_clasp"))
        .args(["bench", "mlcd-step", "--peers", "peers.py", "--rounds", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--torch"), "{}", String::from_utf8_lossy(&out.stderr));
}
