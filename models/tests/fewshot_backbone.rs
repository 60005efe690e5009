//! Transductive few-shot with a trained backbone: CL2N of novel features with the base-class
//! mean on a hand-checked input, and a short run of `clasp train fewshot`'s runner on digits
//! (the accuracy table of every method and shot count, backbone and pixels, fractions with
//! 95 % half-widths, mean and standard deviation over backbone seeds), and a run interrupted
//! after one epoch and resumed, equal to the uninterrupted one.
#![cfg(feature = "train")]

use clasp_models::data::DataSource;
use clasp_models::fewshot::backbone::{BackboneConfig, feature_mean, novel_episode_data};
use clasp_models::fewshot::backbone_run::{METHODS, train_fewshot_run};
use clasp_models::nn::ConvEncoderConfig;
use clasp_models::pipelines::Profile;
use clasp_models::pipelines::run::RunSpec;
use clasp_models::train::Device;
use std::path::{Path, PathBuf};

mod common;
use common::{serial, without_times};

#[test]
fn cl2n_centres_on_the_base_mean_and_normalises() {
    // Base rows (0, 0, 2), (2, 0, 0) → mean (1, 0, 1). Novel (1, 3, 5) − mean = (0, 3, 4) → /5.
    let mean = feature_mean(&[0.0, 0.0, 2.0, 2.0, 0.0, 0.0], 3).unwrap();
    assert_eq!(mean, vec![1.0, 0.0, 1.0]);
    let d = novel_episode_data(vec![1.0, 3.0, 5.0, 2.0, 0.0, 1.0], 3, vec![6, 9], &mean, 5).unwrap();
    let want = [0.0, 0.6, 0.8, 1.0, 0.0, 0.0];
    assert!(d.x.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12), "{:?}", d.x);
    assert_eq!((d.by_class[6].clone(), d.by_class[9].clone()), (vec![0], vec![1]));
}

/// A small backbone configuration (two backbone seeds, `epochs` epochs) saved in `dir`.
fn small_config(dir: &Path, epochs: usize) -> PathBuf {
    let cfg = BackboneConfig::new()
        .with_encoder(ConvEncoderConfig::new().with_channels1(4).with_channels2(8).with_hidden(32))
        .with_epochs(epochs)
        .with_episodes(20)
        .with_pixel_episodes(10)
        .with_backbone_seeds(2);
    let cfg_path = dir.join("small.json");
    burn::config::Config::save(&cfg, &cfg_path).unwrap();
    cfg_path
}

/// A run on digits with seed 2.
fn spec(out: PathBuf, config: Option<PathBuf>) -> RunSpec {
    RunSpec {
        pipeline: "fewshot".into(),
        data: DataSource::Digits,
        profile: Profile::Quick,
        seed: 2,
        device: Device::Cpu,
        out,
        resume: false,
        quiet: true,
        config,
        epochs: None,
        train_limit: None,
        test_limit: None,
        dist: None,
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-fewshot-backbone-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_short_run_reports_the_table_for_backbone_and_pixels() {
    let _g = serial();
    let dir = temp_dir("smoke");
    let spec = spec(dir.join("run"), Some(small_config(&dir, 1)));
    let entry = train_fewshot_run(&spec).unwrap();
    for features in ["backbone", "pixels"] {
        for method in METHODS {
            for shots in ["1", "5"] {
                let cell = &entry["accuracy"][features][method.name()][shots];
                let (mean, ci) = (cell["mean"].as_f64().unwrap(), cell["ci95"].as_f64().unwrap());
                assert!(
                    (0.0..=1.0).contains(&mean) && (0.0..=1.0).contains(&ci),
                    "{features} {method:?} {shots}: {cell}"
                );
            }
        }
    }
    // Two backbone seeds: each cell has both accuracies, their mean and their deviation.
    assert_eq!(entry["backbone_seeds"], serde_json::json!([2, 3]));
    for method in METHODS {
        let cell = &entry["accuracy"]["backbone"][method.name()]["5"];
        let per: Vec<f64> = cell["per_seed"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(per.len(), 2);
        let (mean, sd) = (cell["mean"].as_f64().unwrap(), cell["sd_seeds"].as_f64().unwrap());
        assert!((mean - (per[0] + per[1]) / 2.0).abs() < 1e-12, "{cell}");
        assert!((sd - (per[0] - per[1]).abs() / 2f64.sqrt()).abs() < 1e-12, "{cell}");
    }
    // Pixels of 8×8 digits are easy: 5-shot SimpleShot is far above the 20 % of chance.
    assert!(entry["metrics"]["raw_simpleshot_5shot"].as_f64().unwrap() > 0.6, "{}", entry["metrics"]);
    for f in ["report.json", "report.html", "config.json", "accuracy.svg"] {
        assert!(spec.out.join(f).is_file(), "{f} missing");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_interrupted_run_resumes_to_the_uninterrupted_result() {
    let _g = serial();
    let dir = temp_dir("resume");
    let whole = train_fewshot_run(&spec(dir.join("whole"), Some(small_config(&dir, 2)))).unwrap();
    // One epoch of every backbone, then --resume to the two of the uninterrupted run.
    let cut = dir.join("cut");
    let first =
        train_fewshot_run(&RunSpec { epochs: Some(1), ..spec(cut.clone(), Some(small_config(&dir, 2))) }).unwrap();
    assert!(
        cut.join("backbone-0/checkpoint/state.json").is_file()
            && cut.join("backbone-1/checkpoint/state.json").is_file()
    );
    assert!(first["history"].as_array().unwrap().iter().all(|h| h.as_array().unwrap().len() == 1));
    let resumed = train_fewshot_run(&RunSpec { epochs: Some(2), resume: true, ..spec(cut, None) }).unwrap();
    let (a, b) = (without_times(&whole), without_times(&resumed));
    // Bit-identical: every accuracy of every backbone and every per-epoch loss.
    assert_eq!(a["accuracy"], b["accuracy"]);
    assert_eq!(a["metrics"], b["metrics"]);
    assert_eq!(a["history"], b["history"]);
    let _ = std::fs::remove_dir_all(&dir);
}
