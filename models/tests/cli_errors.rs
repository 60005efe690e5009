//! The `clasp` binary driven through every error path of its fitting commands (issue 17): each
//! case runs the real executable on hostile input and checks the exit code, the one-line message
//! and that nothing was lost or half-written. Every case failed on the old behaviour, as its
//! comment says.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch folder removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("clasp-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn clasp(args: &[&str]) -> Output {
    clasp_env(args, &[])
}

fn clasp_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clasp"));
    cmd.args(args).env_remove("CLASP_DATA");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the clasp binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code 2 with one `clasp:` line (or clap's usage error) containing every `needles`.
#[track_caller]
fn fails_with(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit code 2, stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Three well-separated blobs of 2-D points as CSV rows.
fn blobs_csv(rows: usize) -> String {
    (0..rows)
        .map(|i| {
            let c = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)][i % 3];
            format!("{},{}\n", c.0 + (i % 7) as f64 * 0.1, c.1 + (i % 5) as f64 * 0.1)
        })
        .collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A C-order f64 `.npy` file of shape `[rows, cols]` holding `data` (written by npyz).
fn npy_f64(rows: usize, cols: usize, data: &[f64]) -> Vec<u8> {
    use npyz::WriterBuilder;
    let mut out = Vec::new();
    let mut w = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(&[rows as u64, cols as u64])
        .writer(&mut out)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    out
}

#[test]
fn csv_typo_in_the_first_row_is_an_error_not_a_header() {
    // Before: the row was taken as a header and dropped (5 rows → 4, exit 0).
    let d = Scratch::new("typo");
    let data = d.file("x.csv", format!("1,2x\n{}", blobs_csv(4)));
    let out = d.path("out.json");
    fails_with(&clasp(&["kmeans", "--data", s(&data), "-k", "2", "--out", s(&out)]), &["x.csv", "line 1, column 2"]);
    assert!(!out.exists());
    // --header yes says the first line is a header: 4 rows.
    let o = clasp(&["kmeans", "--data", s(&data), "-k", "2", "--header", "yes", "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&out)["labels"].as_array().unwrap().len(), 4);
}

#[test]
fn a_byte_order_mark_keeps_every_row() {
    // Before: the BOM made row 1 non-numeric, so it was dropped as a "header".
    let d = Scratch::new("bom");
    let data = d.file("x.csv", format!("\u{feff}{}", blobs_csv(5)));
    let out = d.path("out.json");
    let o = clasp(&["kmeans", "--data", s(&data), "-k", "2", "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&out)["labels"].as_array().unwrap().len(), 5);
}

#[test]
fn an_empty_cell_names_line_and_column() {
    // Before: `1,,3` collapsed into two columns.
    let d = Scratch::new("empty");
    let data = d.file("x.csv", "1,2,3\n4,,6\n7,8,9\n");
    let out = d.path("out.json");
    fails_with(&clasp(&["kmeans", "--data", s(&data), "-k", "2", "--out", s(&out)]), &["line 2, column 2: empty cell"]);
}

#[test]
fn out_equal_to_an_input_is_refused_and_the_input_kept() {
    // Before: the JSON report overwrote the data file, exit 0.
    let d = Scratch::new("same");
    let text = blobs_csv(9);
    let data = d.file("x.csv", &text);
    let labels = d.file("y.csv", "0\n1\n2\n0\n1\n2\n0\n1\n2\n");
    for (cmd, out) in [("kmeans", &data), ("gmm", &data), ("gmm", &labels)] {
        let o = clasp(&[cmd, "--data", s(&data), "--labels", s(&labels), "-k", "3", "--out", s(out)]);
        fails_with(&o, &["refusing to overwrite"]);
    }
    let o = clasp(&["sdp", "--data", s(&data), "-k", "3", "--out", s(&data)]);
    fails_with(&o, &["refusing to overwrite"]);
    assert_eq!(std::fs::read_to_string(&data).unwrap(), text);
}

#[test]
fn a_bad_out_fails_before_the_fit_and_no_half_file_is_left() {
    // Before: `--out` was checked only after the fit.
    let d = Scratch::new("out");
    let data = d.file("x.csv", blobs_csv(30));
    let missing = d.path("no-such-dir/out.json");
    fails_with(&clasp(&["gmm", "--data", s(&data), "-k", "3", "--out", s(&missing)]), &["does not exist"]);
    fails_with(&clasp(&["gmm", "--data", s(&data), "-k", "3", "--out", s(&d.0)]), &["is a folder"]);
    // A fit that fails (K > n) leaves neither the output nor its temporary file.
    let out = d.path("out.json");
    let o = clasp(&["gmm", "--data", s(&data), "-k", "31", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists() && !d.path("out.json.tmp").exists());
}

#[test]
fn non_finite_values_name_file_row_and_column() {
    // Before: "x has a non-finite value at index 4".
    let d = Scratch::new("nan");
    let data = d.file("x.csv", "1,2\n3,4\n5,nan\n7,8\n");
    let out = d.path("out.json");
    for cmd in ["kmeans", "gmm", "sdp"] {
        let o = clasp(&[cmd, "--data", s(&data), "-k", "2", "--out", s(&out)]);
        fails_with(&o, &["x.csv: row 3, column 2 is NaN"]);
    }
    let npy = d.file("x.npy", npy_f64(2, 2, &[1.0, f64::INFINITY, 3.0, 4.0]));
    fails_with(&clasp(&["kmeans", "--data", s(&npy), "-k", "2", "--out", s(&out)]), &["row 1, column 2 is inf"]);
}

#[test]
fn a_truncated_npy_says_so_with_both_sizes() {
    // Before: "failed to fill whole buffer".
    let d = Scratch::new("trunc");
    let mut bytes = npy_f64(10, 3, &[0.5; 30]);
    bytes.truncate(bytes.len() - 80);
    let data = d.file("x.npy", bytes);
    let o = clasp(&["kmeans", "--data", s(&data), "-k", "2", "--out", s(&d.path("o.json"))]);
    fails_with(&o, &["x.npy", "truncated", "needs 240 data bytes", "holds 160"]);
}

#[test]
fn sizes_that_do_not_fit_are_refused_before_allocating() {
    // Before: `memory allocation of 160000000000 bytes failed` (abort, exit 134), and dense SDP
    // asked for 320 GB.
    let d = Scratch::new("size");
    let n = 200_000;
    let values: Vec<f64> = (0..n * 2).map(|i| (i % 1000) as f64).collect();
    let data = d.file("big.npy", npy_f64(n, 2, &values));
    let out = d.path("o.json");
    fails_with(
        &clasp(&["gmm", "--data", s(&data), "-k", "100000", "--out", s(&out)]),
        &["gmm: needs about", "GB", "lower -k"],
    );
    let o = clasp(&["gmm", "--data", s(&data), "-k", "2", "--split-merge", "--k-max", "100000", "--out", s(&out)]);
    fails_with(&o, &["needs about", "--k-max"]);
    fails_with(
        &clasp(&["sdp", "--data", s(&data), "-k", "3", "--out", s(&out)]),
        &["dense ADMM", "n × n", "--solver bm"],
    );
    assert!(!out.exists());
}

#[test]
fn counts_and_tolerances_have_sane_ranges() {
    // Before: --n-init 18446744073709551615 ran forever; --tol 1e308 reported "converged"; -k -1
    // gave clap's misleading "unexpected argument '-1'".
    let d = Scratch::new("ranges");
    let data = d.file("x.csv", blobs_csv(12));
    let out = d.path("o.json");
    let base = ["--data", s(&data), "--out", s(&out)];
    let run = |extra: &[&str], cmd: &str| {
        let mut a = vec![cmd];
        a.extend_from_slice(&base);
        a.extend_from_slice(extra);
        clasp(&a)
    };
    fails_with(&run(&["-k", "2", "--n-init", "18446744073709551615"], "kmeans"), &["--n-init", "1..=1000"]);
    fails_with(&run(&["-k", "2", "--n-init", "18446744073709551615"], "gmm"), &["--n-init", "1..=1000"]);
    fails_with(&run(&["-k", "3", "--tol", "1e308"], "sdp"), &["--tol", "is not in (0, 1e-1]"]);
    fails_with(&run(&["-k", "3", "--tol", "-1"], "sdp"), &["--tol", "-1 is not in"]);
    fails_with(&run(&["-k", "-1"], "kmeans"), &["-k", "1..=1000000"]);
    assert!(!stderr(&run(&["-k", "-1"], "kmeans")).contains("unexpected argument"));
    fails_with(&run(&["-k", "2", "--max-iter", "0"], "kmeans"), &["--max-iter"]);
}

#[test]
fn non_convergence_is_a_warning_and_false_in_the_report() {
    // Before: `sdp --max-iter 1` and k-means at its cap were silent.
    let d = Scratch::new("conv");
    let data = d.file("x.csv", blobs_csv(30));
    let out = d.path("o.json");
    let o = clasp(&["sdp", "--data", s(&data), "-k", "3", "--max-iter", "1", "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: the solver did not converge"), "{}", stderr(&o));
    assert_eq!(json(&out)["info"]["converged"], false);
    let o = clasp(&["gmm", "--data", s(&data), "-k", "3", "--max-iter", "1", "--out", s(&out)]);
    assert!(o.status.success() && stderr(&o).contains("warning: EM did not converge"), "{}", stderr(&o));
    assert_eq!(json(&out)["converged"], false);
    // A converged run prints no warning.
    let o = clasp(&["kmeans", "--data", s(&data), "-k", "3", "--out", s(&out)]);
    assert!(o.status.success() && !stderr(&o).contains("warning"), "{}", stderr(&o));
    assert_eq!(json(&out)["converged"], true);
}

#[test]
fn flags_that_do_nothing_in_the_chosen_mode_are_errors() {
    // Before: ignored (`--k-max` without `--split-merge`, `--val-episodes 0` silently 1, …).
    let d = Scratch::new("flags");
    let data = d.file("x.csv", blobs_csv(12));
    let out = d.path("o.json");
    let gmm = |extra: &[&str]| {
        let mut a = vec!["gmm", "--data", s(&data), "-k", "2", "--out", s(&out)];
        a.extend_from_slice(extra);
        clasp(&a)
    };
    fails_with(&gmm(&["--k-max", "5"]), &["--split-merge"]);
    fails_with(&gmm(&["--alpha", "1"]), &["--split-merge"]);
    fails_with(&gmm(&["--split-merge", "--cov", "diag"]), &["--cov", "--split-merge"]);
    fails_with(&gmm(&["--split-merge", "--n-init", "3"]), &["--n-init"]);
    fails_with(&clasp(&["fewshot", "--tune", "--val-episodes", "0"]), &["--val-episodes"]);
    fails_with(&clasp(&["fewshot", "--val-episodes", "10"]), &["--tune"]);
    fails_with(&clasp(&["fewshot", "--method", "kmeans", "--lambda", "1"]), &["--lambda applies only"]);
    fails_with(&clasp(&["fewshot", "--method", "slk-means", "--rectify"]), &["--rectify applies only"]);
}

#[test]
fn bench_lists_the_valid_devices() {
    // Before: `--device tpu` said "rebuild with --features wgpu".
    fails_with(&clasp(&["bench", "swav-4096x3000", "--device", "tpu"]), &["tpu", "cpu", "wgpu", "cuda", "rocm"]);
}

#[test]
fn bundled_data_travels_with_the_binary() {
    // Before: `fewshot` and `demo` read data/ from the build-time source path, so a moved or
    // installed binary failed and the error showed the build path.
    let d = Scratch::new("moved");
    let moved = d.path("clasp");
    std::fs::copy(env!("CARGO_BIN_EXE_clasp"), &moved).unwrap();
    let run = || {
        Command::new(&moved)
            .args([
                "fewshot",
                "--dataset",
                "iris",
                "--ways",
                "3",
                "--episodes",
                "5",
                "--method",
                "simpleshot",
                "--json",
            ])
            .current_dir(&d.0)
            .env_remove("CLASP_DATA")
            .output()
    };
    // A test thread forking while the copy was open for writing can hold it briefly: executing
    // it then fails with "text file busy" (ETXTBSY), so retry a few times.
    let mut attempt = run();
    for _ in 0..50 {
        match &attempt {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                attempt = run();
            }
            _ => break,
        }
    }
    let o = attempt.unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"method\":\"simpleshot\""));
    // CLASP_DATA replaces the bundled copies; a file missing there is an error naming the path.
    let o = clasp_env(&["fewshot", "--dataset", "iris", "--episodes", "5"], &[("CLASP_DATA", s(&d.0))]);
    fails_with(&o, &[&format!("{}/iris/features.npy", d.0.display()), "CLASP_DATA is set"]);
}

#[test]
fn fits_report_progress_unless_quiet() {
    // Before: no output until the end, however long the solve.
    let d = Scratch::new("progress");
    let data = d.file("x.csv", blobs_csv(60));
    let out = d.path("o.json");
    for (cmd, line) in
        [("kmeans", "kmeans: iteration 1/300"), ("gmm", "gmm: iteration 1/100"), ("sdp", "sdp admm: iteration 1/20000")]
    {
        let o = clasp(&[cmd, "--data", s(&data), "-k", "3", "--out", s(&out)]);
        assert!(o.status.success() && stderr(&o).contains(line), "{cmd}: {}", stderr(&o));
        let o = clasp(&[cmd, "--data", s(&data), "-k", "3", "--quiet", "--out", s(&out)]);
        assert!(o.status.success() && !stderr(&o).contains("iteration 1/"), "{cmd}: {}", stderr(&o));
    }
    let fewshot = ["fewshot", "--dataset", "iris", "--ways", "3", "--episodes", "4", "--method", "simpleshot"];
    let o = clasp(&fewshot);
    assert!(o.status.success() && stderr(&o).contains("fewshot: episode 1/4, mean accuracy %"), "{}", stderr(&o));
    let o = clasp(&[&fewshot[..], &["--quiet"]].concat());
    assert!(o.status.success() && !stderr(&o).contains("episode 1/4"), "{}", stderr(&o));
}

#[test]
fn fewshot_reports_name_features_protocol_and_preset() {
    // Before: the protocol (CL2N centre from every class, novel ones included) was implicit.
    let run = |extra: &[&str]| {
        let mut a = vec!["fewshot", "--episodes", "3", "--method", "simpleshot", "--json", "--quiet"];
        a.extend_from_slice(extra);
        clasp(&a)
    };
    let o = run(&["--base-classes", "5", "--preset", "reference"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rec["protocol"], "base-novel (base classes 0..5, novel 5..)");
    assert_eq!(rec["features"], "raw values, CL2N (no backbone)");
    assert_eq!(rec["preset"], "reference");
    let o = run(&[]);
    let rec: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rec["protocol"], "all-classes");
    fails_with(&run(&["--base-classes", "10"]), &["digits has 10 classes", "base classes must be 1..9"]);
}

#[test]
fn an_unknown_training_pipeline_lists_every_family() {
    // Before: the message listed only the image and graph pipelines.
    let scratch = Scratch::new("unknown-pipeline");
    let out = scratch.path("run");
    let o = clasp(&["train", "nope", "--quiet", "--out", out.to_str().unwrap()]);
    fails_with(&o, &["unknown pipeline `nope`", "swav", "sigma", "pamc", "mgca", "maxquery", "gpc", "fewshot"]);
    assert!(!out.exists(), "nothing is written for an unknown pipeline");
}
