//! Helpers of the multi-process tests (`distributed.rs`, `data_parallel.rs`): every run's
//! processes share one loopback-only network namespace (`unshare -rn` with `lo` brought up)
//! when the machine allows it — burn's servers bind every interface; where it does not (no user
//! namespaces), they run as plain processes and reach each other on 127.0.0.1. Every process
//! runs under `timeout`, the whole run is killed after a deadline, and ports are free ports
//! picked by binding port 0, so parallel tests do not collide.
#![allow(dead_code)] // each test binary uses its part

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const CLASP: &str = env!("CARGO_BIN_EXE_clasp");
/// Each process's limit (`timeout`), and the whole run's after which the test kills it.
pub const PROCESS_S: u64 = 60;
pub const RUN_DEADLINE: Duration = Duration::from_secs(90);

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-dist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether a loopback-only network namespace can be made here (checked once).
pub fn netns() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let ok = Command::new("unshare")
            .args(["-rn", "sh", "-c", "ip link set lo up"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("note: no network namespace here (unshare -rn failed); the peers use 127.0.0.1 directly");
        }
        ok
    })
}

pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What one process of a run did.
pub struct Outcome {
    pub status: i32,
    pub log: String,
}

/// Runs one `clasp` process per entry of `ranks` (their arguments) together, in one network
/// namespace, each under `timeout`; returns each one's exit status and output.
pub fn run_together(dir: &Path, ranks: &[Vec<String>]) -> Vec<Outcome> {
    let mut script = String::from(if netns() { "ip link set lo up || exit 99\n" } else { "" });
    for (i, args) in ranks.iter().enumerate() {
        let args: Vec<String> = args.iter().map(|a| quote(a)).collect();
        let log = quote(&dir.join(format!("p{i}.log")).to_string_lossy());
        let rc = quote(&dir.join(format!("p{i}.rc")).to_string_lossy());
        script += &format!(
            "( timeout -k 5 {PROCESS_S} {} {} > {log} 2>&1; echo $? > {rc} ) &\n",
            quote(CLASP),
            args.join(" ")
        );
    }
    script += "wait\n";
    let path = dir.join("run.sh");
    std::fs::write(&path, script).unwrap();
    let mut cmd = if netns() {
        let mut c = Command::new("unshare");
        c.args(["-rn", "sh"]).arg(&path);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg(&path);
        c
    };
    cmd.env("RUST_BACKTRACE", "0");
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > RUN_DEADLINE {
            let _ = child.kill();
            panic!("the run did not end within {RUN_DEADLINE:?} (script {})", path.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (0..ranks.len())
        .map(|i| Outcome {
            status: std::fs::read_to_string(dir.join(format!("p{i}.rc")))
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(-1),
            log: std::fs::read_to_string(dir.join(format!("p{i}.log"))).unwrap_or_default(),
        })
        .collect()
}

pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Runs each of `runs` (a `clasp` command line) alone, one after the other (2 cores), in
/// `dir/run0`, `dir/run1`, …; every one must succeed.
pub fn run_one_by_one(dir: &Path, runs: &[Vec<String>]) {
    for (i, args) in runs.iter().enumerate() {
        let sub = dir.join(format!("run{i}"));
        std::fs::create_dir_all(&sub).unwrap();
        assert_all_succeeded(&run_together(&sub, std::slice::from_ref(args)));
    }
}

/// The per-epoch losses of the run whose output directory is `dir` (its report's history).
pub fn epoch_losses(dir: &Path) -> Vec<f64> {
    let r = read_json(&dir.join("report.json"));
    r["pipelines"][0]["history"].as_array().unwrap().iter().map(|e| e["loss"].as_f64().unwrap()).collect()
}

pub fn assert_all_succeeded(outcomes: &[Outcome]) {
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(o.status, 0, "process {i} failed:\n{}", o.log);
    }
}

/// Every float tensor of a module (parameters and running statistics) by its path.
pub struct Collect {
    pub path: Vec<String>,
    pub tensors: Vec<(String, Vec<f32>)>,
}

impl<B: Backend> ModuleVisitor<B> for Collect {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.tensors.push((self.path.join("."), param.val().into_data().into_vec::<f32>().unwrap()));
    }
}

/// Every float tensor of `model` with its path (`encoder.fc1.weight`, …).
pub fn tensors<B: Backend, M: Module<B>>(model: &M) -> Vec<(String, Vec<f32>)> {
    let mut c = Collect { path: Vec::new(), tensors: Vec::new() };
    model.visit(&mut c);
    c.tensors
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).fold(0.0, |w, (x, y)| w.max((x - y).abs()))
}
