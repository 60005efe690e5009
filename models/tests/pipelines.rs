//! End-to-end checks of the training pipelines on the bundled digits (8×8, small subsets, few
//! epochs): a two-epoch run of each pipeline writes its reports and sane metrics; checkpoint +
//! resume gives bit-identical results to an uninterrupted run; the same seed gives the same
//! model; `assign` reproduces the training run's test embedding and labels; the exported edge
//! head loads in `clasp_core::fixed` with no heap and reproduces the host head's assignments.
#![cfg(feature = "train")]

use clasp_models::cli::export_edge::edge_head;
use clasp_models::data::{DataSource, load_split};
use clasp_models::pipelines::run::{RunSpec, infer, read_kmeans_head, read_npy, train};
use clasp_models::pipelines::{Profile, swav::SwavConfig};
use clasp_models::train::Device;
use std::path::{Path, PathBuf};

const TRAIN: usize = 300;

/// burn's CPU backend keeps one process-wide random stream (`Backend::seed`), so two runs in
/// parallel threads would draw from each other's stream: the runs of this file take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
const TEST: usize = 100;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-pipelines-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A small SwAV configuration (embedding dimension 8) written to `dir/small.json`.
fn small_swav_config(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let cfg = SwavConfig::new()
        .with_encoder(
            clasp_models::nn::ConvEncoderConfig::new().with_channels1(4).with_channels2(8).with_hidden(32).with_out(16),
        )
        .with_head_hidden(32)
        .with_projection(8)
        .with_prototypes(10)
        .with_local_views(2)
        .with_batch_size(64)
        .with_queue_length(128);
    let path = dir.join("small.json");
    burn::config::Config::save(&cfg, &path).unwrap();
    path
}

fn spec(pipeline: &str, out: PathBuf, epochs: usize, config: Option<PathBuf>) -> RunSpec {
    RunSpec {
        pipeline: pipeline.into(),
        data: DataSource::Digits,
        profile: Profile::Quick,
        seed: 3,
        device: Device::Cpu,
        out,
        resume: false,
        quiet: true,
        config,
        epochs: Some(epochs),
        train_limit: Some(TRAIN),
        test_limit: Some(TEST),
        dist: None,
    }
}

fn check_entry(entry: &serde_json::Value, dir: &Path) {
    for file in ["report.json", "report.html", "config.json", "run.json", "model.mpk", "head.json", "loss.svg"] {
        assert!(dir.join(file).is_file(), "{file} missing in {}", dir.display());
    }
    let m = &entry["metrics"];
    for key in ["acc", "nmi", "ari", "linear_probe", "knn", "raw_acc", "raw_linear_probe"] {
        let v = m[key].as_f64().unwrap_or_else(|| panic!("metric {key} missing: {m}"));
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }
    // Raw 8×8 digits are easy: the baselines of the same run must be far above chance.
    assert!(m["raw_linear_probe"].as_f64().unwrap() > 0.8, "{m}");
    let history = entry["history"].as_array().unwrap();
    assert!(!history.is_empty());
    assert!(history.iter().all(|e| e["loss"].as_f64().is_some_and(f64::is_finite)));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "plots are not inlined");
}

#[test]
fn swav_two_epochs_resume_assign_and_edge_head() {
    let _turn = serial();
    let dir = temp_dir("swav");
    let cfg = small_swav_config(&dir);
    let a = dir.join("a");
    let entry = train(&spec("swav", a.clone(), 2, Some(cfg.clone()))).unwrap();
    check_entry(&entry, &a);
    assert_eq!(entry["history"].as_array().unwrap().len(), 2);
    let share = entry["sinkhorn_share_of_step"].as_f64().unwrap();
    assert!(share > 0.0 && share < 1.0, "{share}");

    // Same seed, same model.
    let again = dir.join("again");
    train(&spec("swav", again.clone(), 2, Some(cfg.clone()))).unwrap();
    let emb_a = std::fs::read(a.join("train_embedding.npy")).unwrap();
    assert_eq!(emb_a, std::fs::read(again.join("train_embedding.npy")).unwrap(), "same seed, different model");

    // One epoch, then resume to two: identical to the uninterrupted run.
    let b = dir.join("b");
    train(&spec("swav", b.clone(), 1, Some(cfg))).unwrap();
    let mut resume = spec("swav", b.clone(), 2, None);
    resume.resume = true;
    let resumed = train(&resume).unwrap();
    let losses = |e: &serde_json::Value| -> Vec<f64> {
        e["history"].as_array().unwrap().iter().map(|x| x["loss"].as_f64().unwrap()).collect()
    };
    assert_eq!(losses(&resumed), losses(&entry));
    assert_eq!(
        std::fs::read(b.join("train_embedding.npy")).unwrap(),
        emb_a,
        "resume differs from an uninterrupted run"
    );

    // assign on the same test images reproduces the run's test embedding and k-means labels.
    let split = load_split(&DataSource::Digits, Some(TRAIN), Some(TEST), 3).unwrap();
    let (inference, head) = infer(&a, &split.test, Device::Cpu).unwrap();
    assert_eq!(head, "kmeans");
    let test_emb = read_npy(&a.join("test_embedding.npy")).unwrap();
    assert_eq!(inference.embedding.data, test_emb.data);
    let labels = read_kmeans_head(&a).unwrap().assign(&test_emb).unwrap();
    assert_eq!(inference.head.unwrap(), labels);

    // The edge head: loads in the fixed (no-heap) API and reproduces the host GMM's labels.
    let (model, blob) = edge_head(&a, "diag").unwrap();
    let x64: Vec<f64> = test_emb.data.iter().map(|&v| f64::from(v)).collect();
    let host = model.predict(clasp_core::MatRef::new(&x64, TEST, 8, "x").unwrap()).unwrap();
    let fixed = clasp_core::fixed::FixedGmm::<f64, 10, 8>::from_bytes(&blob).unwrap();
    let rows: [[f64; 8]; TEST] = std::array::from_fn(|i| std::array::from_fn(|j| x64[i * 8 + j]));
    let mut out = [0usize; TEST];
    fixed.predict(&rows, &mut out).unwrap();
    assert_eq!(out.to_vec(), host, "fixed f64 head disagrees with the host head");
    let fixed32 = clasp_core::fixed::FixedGmm::<f32, 10, 8>::from_bytes(&blob).unwrap();
    let rows32: [[f32; 8]; TEST] = std::array::from_fn(|i| std::array::from_fn(|j| test_emb.data[i * 8 + j]));
    fixed32.predict(&rows32, &mut out).unwrap();
    let agree = out.iter().zip(&host).filter(|(a, b)| a == b).count();
    assert!(agree >= TEST - 1, "f32 edge head agrees on {agree}/{TEST}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn depict_two_clustering_epochs() {
    let _turn = serial();
    let dir = temp_dir("depict");
    let entry = train(&spec("depict", dir.clone(), 2, None)).unwrap();
    check_entry(&entry, &dir);
    let phases: Vec<&str> = entry["history"].as_array().unwrap().iter().map(|e| e["phase"].as_str().unwrap()).collect();
    assert!(phases.contains(&"pretrain") && phases.contains(&"warmup") && phases.contains(&"cluster"), "{phases:?}");
    // DEPICT has its own head: acc is the head's argmax, beside the k-means score of the embedding.
    assert!(entry["metrics"]["kmeans_acc"].as_f64().is_some());
    let split = load_split(&DataSource::Digits, Some(TRAIN), Some(TEST), 3).unwrap();
    let (inference, head) = infer(&dir, &split.test, Device::Cpu).unwrap();
    assert_eq!(head, "model");
    assert_eq!(inference.head.unwrap().len(), TEST);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mlcd_two_epochs() {
    let _turn = serial();
    let dir = temp_dir("mlcd");
    let entry = train(&spec("mlcd", dir.clone(), 2, None)).unwrap();
    check_entry(&entry, &dir);
    assert_eq!(entry["history"].as_array().unwrap().len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_requests_fail_with_one_line_and_write_nothing_complete() {
    let dir = temp_dir("bad");
    let e = train(&spec("nope", dir.join("x"), 1, None)).unwrap_err().to_string();
    assert!(e.contains("unknown pipeline") && !e.contains('\n'), "{e}");
    let mut s = spec("swav", dir.join("y"), 1, None);
    s.data = DataSource::Path(dir.join("missing.npy"));
    let e = train(&s).unwrap_err().to_string();
    assert!(!e.contains('\n'), "{e}");
    assert!(!dir.join("y").join("report.json").exists());
    let bad_cfg = dir.join("bad.json");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&bad_cfg, "{\"epochs\": \"many\"}").unwrap();
    let e = train(&spec("swav", dir.join("z"), 1, Some(bad_cfg))).unwrap_err().to_string();
    assert!(e.contains("bad.json"), "{e}");
    assert!(!dir.join("z").join("report.json").exists());
    let e =
        infer(&dir.join("nothing"), &load_split(&DataSource::Digits, Some(20), Some(10), 0).unwrap().test, Device::Cpu)
            .unwrap_err()
            .to_string();
    assert!(e.contains("run.json"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same SwAV pipeline on burn's WGPU backend (lavapipe in CI): a few steps.
#[cfg(feature = "wgpu")]
#[test]
fn swav_trains_on_wgpu() {
    let _turn = serial();
    if !clasp_backends::BackendKind::Wgpu.is_available() {
        assert!(
            std::env::var("CLASP_REQUIRE_GPU").as_deref() != Ok("1"),
            "CLASP_REQUIRE_GPU=1 but no WGPU adapter found"
        );
        eprintln!("!!! SKIPPED swav_trains_on_wgpu: no WGPU adapter (set CLASP_REQUIRE_GPU=1 to make this a failure)");
        return;
    }
    let dir = temp_dir("wgpu");
    let cfg = small_swav_config(&dir);
    let mut s = spec("swav", dir.join("run"), 1, Some(cfg));
    s.device = Device::Wgpu;
    s.train_limit = Some(128);
    s.test_limit = Some(40);
    let entry = train(&s).unwrap();
    assert_eq!(entry["device"], "wgpu");
    assert!(entry["history"][0]["loss"].as_f64().is_some_and(f64::is_finite));
    let _ = std::fs::remove_dir_all(&dir);
}
