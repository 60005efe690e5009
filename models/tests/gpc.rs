//! GPC (category discovery with the semi-supervised mixture): the GCD split on real labels
//! (half of every old class labelled, deterministic by seed, no label on a new class) and a
//! short run of `clasp train gpc`'s runner on digits (report keys and ranges, K path), and a
//! run interrupted after its warm-up and first round and resumed, equal to the uninterrupted
//! one.
#![cfg(feature = "train")]

use clasp_models::data::{DataSource, load_digits};
use clasp_models::discovery::run::train_gpc_run;
use clasp_models::discovery::{GpcConfig, gcd_split};
use clasp_models::nn::ConvEncoderConfig;
use clasp_models::pipelines::Profile;
use clasp_models::pipelines::run::RunSpec;
use clasp_models::train::Device;
use std::path::{Path, PathBuf};

mod common;
use common::{serial, without_times};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-gpc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_split_labels_half_of_each_old_class_deterministically_and_never_a_new_one() {
    let labels = load_digits().unwrap().labels.unwrap();
    let s = gcd_split(&labels, 5, 0.5, 7).unwrap();
    for c in 0..10 {
        let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        let labelled = rows.iter().filter(|&&i| s.known[i].is_some()).count();
        if c < 5 {
            assert_eq!(labelled, (rows.len() as f64 * 0.5).round() as usize, "class {c}");
            assert!(rows.iter().all(|&i| s.is_old[i]));
        } else {
            assert_eq!(labelled, 0, "a label of new class {c} leaked");
            assert!(rows.iter().all(|&i| !s.is_old[i]));
        }
    }
    // Every label given is the row's true class.
    assert!(s.known.iter().zip(&labels).all(|(k, &l)| k.is_none_or(|k| k == l)));
    assert_eq!(s, gcd_split(&labels, 5, 0.5, 7).unwrap());
    assert_ne!(s.known, gcd_split(&labels, 5, 0.5, 8).unwrap().known);
    assert_eq!(s.unlabelled().len() + s.labelled_count(), labels.len());
}

/// A small GPC configuration (1 warm-up epoch, `rounds` rounds) saved in `dir`.
fn small_config(dir: &Path, rounds: usize) -> (GpcConfig, PathBuf) {
    let cfg = GpcConfig::new()
        .with_encoder(ConvEncoderConfig::new().with_channels1(4).with_channels2(8).with_hidden(32).with_out(8))
        .with_warmup_epochs(1)
        .with_rounds(rounds)
        .with_batch_size(64)
        .with_max_sweeps(3)
        .with_k_init(12);
    let cfg_path = dir.join("small.json");
    burn::config::Config::save(&cfg, &cfg_path).unwrap();
    (cfg, cfg_path)
}

/// A run on 400 digits with seed 1.
fn spec(out: PathBuf, config: Option<PathBuf>) -> RunSpec {
    RunSpec {
        pipeline: "gpc".into(),
        data: DataSource::Digits,
        profile: Profile::Quick,
        seed: 1,
        device: Device::Cpu,
        out,
        resume: false,
        quiet: true,
        config,
        epochs: None,
        train_limit: Some(400),
        test_limit: Some(50),
        dist: None,
    }
}

#[test]
fn a_short_run_writes_the_gcd_report() {
    let _g = serial();
    let dir = temp_dir("smoke");
    let (cfg, cfg_path) = small_config(&dir, 1);
    let spec = spec(dir.join("run"), Some(cfg_path));
    let entry = train_gpc_run(&spec).unwrap();
    for key in ["acc_all", "acc_old", "acc_new", "acc_all_baseline", "acc_all_gcd_encoder", "acc_all_refit"] {
        let v = entry["metrics"][key].as_f64().unwrap_or_else(|| panic!("{key} missing: {entry}"));
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
        assert_eq!(entry[key], entry["metrics"][key]);
    }
    // Ten classes, five old: the anchored components alone make K ≥ 5.
    let k = entry["k_found"].as_u64().unwrap();
    assert!((5..=cfg.k_max as u64).contains(&k), "{k}");
    // K̂ of the round's and of the final split/merge; the final K is the refit's: within the
    // window (2) of the last K̂, the best of the scored candidates.
    let path = entry["k_path"].as_array().unwrap();
    assert_eq!(path.len(), 2);
    let k_sm = entry["metrics"]["k_split_merge"].as_u64().unwrap();
    assert_eq!(path[1].as_u64(), Some(k_sm));
    assert!(k.abs_diff(k_sm) <= 2, "{k} vs {k_sm}");
    let scores = entry["refit_scores"].as_array().unwrap();
    let best = scores.iter().max_by(|a, b| a[1].as_f64().unwrap().total_cmp(&b[1].as_f64().unwrap())).unwrap();
    assert_eq!(best[0].as_u64(), Some(k), "{scores:?}");
    for f in ["report.json", "report.html", "config.json", "k_path.svg", "embedding.npy", "labels.json"] {
        assert!(spec.out.join(f).is_file(), "{f} missing");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(spec.out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["pipelines"][0]["k_found"], entry["k_found"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_interrupted_run_resumes_to_the_uninterrupted_result() {
    let _g = serial();
    let dir = temp_dir("resume");
    let (_, cfg_path) = small_config(&dir, 2);
    let whole = train_gpc_run(&spec(dir.join("whole"), Some(cfg_path.clone()))).unwrap();
    // Warm-up and one round (`--epochs` sets the rounds), then --resume to the two rounds.
    let cut = dir.join("cut");
    let first = train_gpc_run(&RunSpec { epochs: Some(1), ..spec(cut.clone(), Some(cfg_path)) }).unwrap();
    assert!(cut.join("checkpoint/state.json").is_file() && cut.join("baseline/checkpoint/state.json").is_file());
    assert_eq!(first["history"].as_array().unwrap().len(), 3, "warm-up, one GPC and one baseline epoch");
    let resumed = train_gpc_run(&RunSpec { epochs: Some(2), resume: true, ..spec(cut, None) }).unwrap();
    let (a, b) = (without_times(&whole), without_times(&resumed));
    // Bit-identical: every metric, the K̂ path and every per-epoch loss of both encoders.
    assert_eq!(a["metrics"], b["metrics"]);
    assert_eq!(a["k_path"], b["k_path"]);
    assert_eq!(a["history"], b["history"]);
    assert_eq!(b["k_path"].as_array().unwrap().len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}
