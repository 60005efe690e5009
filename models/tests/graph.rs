//! The graph pipelines end to end on small graphs: the loaders (bundled sets, a user folder and
//! its bad-input errors), the contextual SBM, and a short run of `pamc`, `infonce` and `dag`
//! through `clasp train`'s runner (finite outputs, the report keys, same seed same labels).
#![cfg(feature = "train")]

use clasp_models::data::DataSource;
use clasp_models::graph::source::load_graph_source;
use clasp_models::graph::{CsbmParams, GraphError, csbm, load_bundled_graph, load_graph_folder};
use clasp_models::pipelines::Profile;
use clasp_models::pipelines::run::{RunSpec, train};
use clasp_models::train::Device;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// burn's CPU backend keeps one process-wide random stream: the runs of this file take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-graph-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bundled_graphs_match_their_metadata() {
    let cora = load_bundled_graph("cora").unwrap();
    assert_eq!((cora.n(), cora.edges(), cora.dim, cora.classes()), (2708, 5278, 1433, 7));
    assert!(cora.adjacency.as_ref().is_symmetric());
    let citeseer = load_bundled_graph("citeseer").unwrap();
    assert_eq!((citeseer.n(), citeseer.edges(), citeseer.dim, citeseer.classes()), (3327, 4552, 3703, 6));
    assert_eq!(citeseer.unscored.len(), 15);
    let karate = load_bundled_graph("karate").unwrap();
    assert_eq!((karate.n(), karate.edges(), karate.classes()), (34, 78, 2));
    // Zachary's club: the administrator (node 0) and the officer (node 33) lead the factions,
    // and the two-faction split has a modularity of about 0.37 on the weighted graph.
    let l = karate.labels.clone().unwrap();
    assert_ne!(l[0], l[33]);
    let q = clasp_core::graph::modularity(karate.adjacency.as_ref(), &l).unwrap();
    assert!((0.3..0.45).contains(&q), "{q}");
    assert!(load_bundled_graph("pubmed").unwrap_err().to_string().contains("no bundled graph"));
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn user_folders_load_and_bad_inputs_are_named() {
    let dir = temp_dir("folder");
    write(&dir, "features.csv", "1,0\n0,1\n1,1\n");
    write(&dir, "edges.csv", "0,1\n1,2\n2,1\n");
    write(&dir, "labels.csv", "0\n1\n1\n");
    let g = load_graph_folder(&dir).unwrap();
    assert_eq!((g.n(), g.edges(), g.dim, g.classes()), (3, 2, 2, 2));
    // An edge naming node 3 of a 3-node graph.
    write(&dir, "edges.csv", "0,1\n1,3\n");
    let err = load_graph_folder(&dir).unwrap_err();
    assert!(matches!(err, GraphError::NodeOutOfRange { edge: 1, node: 3, nodes: 3, .. }), "{err}");
    assert!(err.to_string().contains("edges.csv: edge 1 names node 3, outside 0..3"), "{err}");
    write(&dir, "edges.csv", "0,1\n");
    // A NaN feature.
    write(&dir, "features.csv", "1,0\n0,nan\n1,1\n");
    let err = load_graph_folder(&dir).unwrap_err();
    assert!(matches!(err, GraphError::NonFinite { row: 1, col: 1, .. }), "{err}");
    // Labels for a different number of nodes.
    write(&dir, "features.csv", "1,0\n0,1\n1,1\n");
    write(&dir, "labels.csv", "0\n1\n");
    assert!(matches!(load_graph_folder(&dir).unwrap_err(), GraphError::Shape { .. }));
    write(&dir, "labels.csv", "0\n-1\n1\n");
    assert!(matches!(load_graph_folder(&dir).unwrap_err(), GraphError::Label { node: 1, .. }));
    std::fs::remove_file(dir.join("labels.csv")).unwrap();
    // Sparse CSR features instead of dense ones: rows {0}, {1}, {0, 1}.
    std::fs::remove_file(dir.join("features.csv")).unwrap();
    write(&dir, "features_indptr.csv", "0\n1\n2\n4\n");
    write(&dir, "features_indices.csv", "0\n1\n0\n1\n");
    let g = load_graph_folder(&dir).unwrap();
    assert_eq!(g.features, vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    write(&dir, "features_indptr.csv", "0\n1\n2\n5\n");
    assert!(matches!(load_graph_folder(&dir).unwrap_err(), GraphError::Shape { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn csbm_is_seeded_and_assortative() {
    let p = CsbmParams::sparse(600, 3);
    let a = csbm(&p, 7).unwrap();
    let b = csbm(&p, 7).unwrap();
    assert_eq!(a.adjacency, b.adjacency);
    assert_eq!(a.features, b.features);
    assert_ne!(csbm(&p, 8).unwrap().adjacency, a.adjacency);
    let labels = a.labels.clone().unwrap();
    // Mean within-class degree 8, between-class 2: about 80 % of the edge weight is internal.
    let cov = clasp_core::graph::coverage(a.adjacency.as_ref(), &labels).unwrap();
    assert!((0.7..0.9).contains(&cov), "{cov}");
    assert!(csbm(&CsbmParams { p_in: 1.5, ..p }, 0).is_err());
    // `--data csbm-N-K`: N nodes in K classes; `csbm-N` keeps 5.
    let g = load_graph_source("csbm-60-3", Profile::Quick, 0).unwrap();
    assert_eq!((g.n(), g.classes(), g.name.as_str()), (60, 3, "csbm-60-3"));
    assert_eq!(load_graph_source("csbm-60", Profile::Quick, 0).unwrap().classes(), 5);
    for bad in ["csbm-60-3-1", "csbm-x", "csbm-60-"] {
        assert!(matches!(load_graph_source(bad, Profile::Quick, 0), Err(GraphError::Parameter { .. })), "{bad}");
    }
}

fn spec(pipeline: &str, data: &str, out: PathBuf, config: Option<PathBuf>) -> RunSpec {
    RunSpec {
        pipeline: pipeline.into(),
        data: DataSource::Path(data.into()),
        profile: Profile::Quick,
        seed: 5,
        device: Device::Cpu,
        out,
        resume: false,
        quiet: true,
        config,
        epochs: Some(2),
        train_limit: None,
        test_limit: None,
        dist: None,
    }
}

/// A small PamC/InfoNCE configuration (tiny encoder, one pretraining epoch, a two-size sweep).
fn small_pamc(dir: &Path, negatives: &str) -> PathBuf {
    let cfg = serde_json::json!({
        "hidden": [16], "embed": 4, "pretrain_epochs": 1, "pretrain_batch": 64, "pretrain_lr": 1e-3,
        "epochs": 2, "lr": 1e-3, "alpha": 2.0, "beta": 2.5, "order": 2, "tau": 0.5,
        "negatives": negatives, "kmeans_restarts": 2, "smoothing": 1, "scaling_sizes": [60, 120]
    });
    let path = dir.join(format!("{negatives}.json"));
    std::fs::write(&path, cfg.to_string()).unwrap();
    path
}

fn labels_of(dir: &Path) -> Vec<usize> {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let entry = &report["pipelines"][0];
    for key in ["acc", "nmi", "ari", "f1"] {
        let v = entry[key].as_f64().unwrap_or(f64::NAN);
        assert!((0.0..=1.0).contains(&v) || (key == "ari" && v.is_finite()), "{key} = {v}");
    }
    for key in ["epoch_s", "peak_mb"] {
        assert!(entry[key].as_f64().is_some_and(|v| v.is_finite() && v >= 0.0), "{key}");
    }
    assert!(dir.join("report.html").is_file() && dir.join("loss.svg").is_file() && dir.join("embedding.svg").is_file());
    let history = entry["history"].as_array().unwrap();
    assert!(history.iter().all(|e| e["loss"].as_f64().is_some_and(f64::is_finite)));
    serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).unwrap()).unwrap()
}

#[test]
fn pamc_and_infonce_run_on_karate_and_repeat_with_the_seed() {
    let _guard = serial();
    let dir = temp_dir("pamc");
    for negatives in ["meta_hard", "dense"] {
        let name = if negatives == "dense" { "infonce" } else { "pamc" };
        let cfg = small_pamc(&dir, negatives);
        let a = dir.join(format!("{name}-a"));
        let b = dir.join(format!("{name}-b"));
        let entry = train(&spec(name, "karate", a.clone(), Some(cfg.clone()))).unwrap();
        assert_eq!(entry["dataset"], "karate");
        train(&spec(name, "karate", b.clone(), Some(cfg))).unwrap();
        assert_eq!(labels_of(&a), labels_of(&b), "{name}: same seed, same labels");
        // The contrastive term's own forward and backward time is measured.
        assert!(entry["contrast_s"].as_f64().is_some_and(|s| s > 0.0 && s.is_finite()), "{name}");
        if name == "pamc" {
            let sweep = entry["scaling"].as_array().unwrap();
            assert_eq!(sweep.len(), 4, "two sizes × two methods");
            assert!(sweep.iter().all(|p| p["contrast_s"].as_f64().is_some_and(|s| s > 0.0)), "{sweep:?}");
            assert!(a.join("scaling_time.svg").is_file() && a.join("scaling_contrast.svg").is_file());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dag_runs_on_karate_with_its_k_path_and_baselines() {
    let _guard = serial();
    let dir = temp_dir("dag");
    let entry = train(&spec("dag", "karate", dir.clone(), None)).unwrap();
    // The readout starts from a k-means over-segmentation into K_max = 16 communities.
    let k = entry["k_found"].as_u64().unwrap();
    assert!((1..=16).contains(&k) && entry["k_max"] == 16, "{k}");
    assert_eq!(entry["k_path"].as_array().unwrap().len(), 2);
    assert!(entry["baseline_split_merge"]["k_found"].as_u64().is_some());
    assert!(entry["baseline_kmeans_silhouette"]["k_found"].as_u64().is_some());
    assert!(dir.join("k_path.svg").is_file());
    let first = labels_of(&dir);
    train(&spec("dag", "karate", dir.clone(), None)).unwrap();
    assert_eq!(labels_of(&dir), first, "same seed, same labels");
    std::fs::remove_dir_all(&dir).unwrap();
}
