//! End-to-end checks of the video pipelines (SIGMA and the VideoMAE pixel baseline) on tiny
//! sets with a tiny network: each run writes its report with the probe, NMI and Sinkhorn keys
//! and finite embeddings; the same seed gives the same embedding; checkpoint + resume repeats
//! an uninterrupted run; the tiny GIF (unlabelled) trains end to end; a configuration for the
//! other target is refused.
#![cfg(feature = "train")]

use clasp_models::data::video::VideoSource;
use clasp_models::pipelines::Profile;
use clasp_models::pipelines::run::read_npy;
use clasp_models::pipelines::sigma::{VideoMaeConfig, VideoTarget};
use clasp_models::pipelines::video_run::{VideoRunSpec, train_video_run};
use clasp_models::train::Device;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// burn's CPU backend keeps one process-wide random stream: the runs of this file take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-video-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A tiny network for `target`, written to `dir/tiny.json`.
fn tiny_config(dir: &Path, target: VideoTarget) -> PathBuf {
    let cfg = VideoMaeConfig::new(target)
        .with_width(16)
        .with_depth(1)
        .with_heads(2)
        .with_decoder_width(16)
        .with_mlp_hidden(32)
        .with_projection(8)
        .with_prototypes(8)
        .with_batch_size(8);
    let path = dir.join(format!("tiny-{target:?}.json"));
    burn::config::Config::save(&cfg, &path).unwrap();
    path
}

fn spec(pipeline: &str, data: VideoSource, out: PathBuf, config: Option<PathBuf>, epochs: usize) -> VideoRunSpec {
    VideoRunSpec {
        pipeline: pipeline.into(),
        data,
        profile: Profile::Quick,
        seed: 3,
        device: Device::Cpu,
        out,
        resume: false,
        quiet: true,
        config,
        epochs: Some(epochs),
        train_limit: Some(32),
        test_limit: Some(24),
        dist: None,
    }
}

fn fraction(m: &Value, key: &str) -> f64 {
    let v = m[key].as_f64().unwrap_or_else(|| panic!("metric {key} missing in {m}"));
    assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    v
}

#[test]
fn each_pipeline_reports_probes_nmi_and_sinkhorn_time_and_repeats_by_seed() {
    let _guard = serial();
    let dir = temp_dir("smoke");
    for (pipeline, target, data) in [
        ("sigma", VideoTarget::Sigma, VideoSource::MovingDigits),
        ("pixel", VideoTarget::Pixel, VideoSource::MovingCrops),
    ] {
        let cfg = tiny_config(&dir, target);
        let out = dir.join(pipeline);
        let entry = train_video_run(&spec(pipeline, data.clone(), out.clone(), Some(cfg.clone()), 2)).unwrap();
        let m = &entry["metrics"];
        for key in ["probe_motion", "probe_identity", "nmi", "nmi_identity"] {
            fraction(m, key);
        }
        let sinkhorn = entry["sinkhorn_ms"].as_f64().unwrap();
        assert_eq!(sinkhorn > 0.0, pipeline == "sigma", "sinkhorn_ms {sinkhorn}");
        let history = entry["history"].as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert!(history.iter().all(|h| h["loss"].as_f64().is_some_and(f64::is_finite)));
        let report: Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["pipelines"][0]["metrics"], *m);
        for file in ["report.html", "loss.svg", "embedding_motion.svg", "embedding_identity.svg", "config.json"] {
            assert!(out.join(file).is_file(), "{pipeline}: {file}");
        }
        let emb = read_npy(&out.join("test_embedding.npy")).unwrap();
        assert_eq!((emb.n, emb.dim), (24, 16));
        assert!(emb.data.iter().all(|v| v.is_finite()));

        let again = dir.join(format!("{pipeline}-again"));
        train_video_run(&spec(pipeline, data, again.clone(), Some(cfg), 2)).unwrap();
        assert_eq!(read_npy(&again.join("test_embedding.npy")).unwrap(), emb, "{pipeline}: same seed, same embedding");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn resuming_repeats_an_uninterrupted_run() {
    let _guard = serial();
    let dir = temp_dir("resume");
    let cfg = tiny_config(&dir, VideoTarget::Sigma);
    let (whole, split) = (dir.join("whole"), dir.join("split"));
    train_video_run(&spec("sigma", VideoSource::MovingCrops, whole.clone(), Some(cfg.clone()), 2)).unwrap();
    train_video_run(&spec("sigma", VideoSource::MovingCrops, split.clone(), Some(cfg), 1)).unwrap();
    let resumed =
        VideoRunSpec { resume: true, config: None, ..spec("sigma", VideoSource::MovingCrops, split.clone(), None, 2) };
    train_video_run(&resumed).unwrap();
    let read = |d: &Path| read_npy(&d.join("test_embedding.npy")).unwrap();
    assert_eq!(read(&split), read(&whole));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_tiny_gif_trains_unlabelled_and_a_config_for_the_other_target_is_refused() {
    let _guard = serial();
    let dir = temp_dir("gif");
    let cfg = tiny_config(&dir, VideoTarget::Sigma);
    let out = dir.join("gif");
    let entry = train_video_run(&spec("sigma", VideoSource::TinyGif, out.clone(), Some(cfg.clone()), 1)).unwrap();
    assert_eq!(entry["metrics"], serde_json::json!({}), "no labels, no probes");
    assert_eq!(entry["settings"]["patch_h"], 8, "the tiny config keeps its 8 × 8 tubes");
    assert!(out.join("report.html").is_file());
    let e = train_video_run(&spec("pixel", VideoSource::TinyGif, dir.join("x"), Some(cfg), 1)).unwrap_err().to_string();
    assert!(e.contains("target Sigma") && e.contains("`pixel`"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
