//! `clasp demo`: the main job. A tour of every algorithm family on the data sets bundled in
//! `data/` (nothing is downloaded), then every training pipeline (the image ones on real
//! MNIST, the video ones on moving MNIST digits, PamC and InfoNCE on Cora, DAG on the karate
//! club, MGCA on MNIST left/right halves and on breast_cancer's two feature groups, MaxQuery
//! on the bundled CT slice, GPC category discovery and few-shot with a trained backbone on
//! MNIST), writing
//! `DIR/report.json` (`{"seed", "profile", "primitives": {…}, "pipelines": [{"name",
//! "dataset", "settings", "metrics", "wall_s", "plots"}]}`) and `DIR/report.html`.
//!
//! Primitives: k-means++ and Gaussian-mixture EM on iris and digits (PCA to 10 dims) scored with
//! ACC/NMI/ARI; split/merge K discovery from K = 1; SwAV codes (balanced Sinkhorn) assigning
//! digits to the k-means prototypes; few-shot episodes (SimpleShot vs LaplacianShot); the
//! k-means SDP on iris with its optimality certificate.

use super::report::score;
use crate::experiments::k_discovery::k_discovery_params;
use crate::fewshot::{EpisodeSpec, Method, MethodConfig, evaluate, load_features, sample_episodes};
use crate::io::load_bundled;
use crate::pca::pca;
use crate::report::{write_html, write_json_atomic};
#[cfg(feature = "train")]
use crate::train::Device;
use crate::{Error, Result};
use clap::Args;
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans};
use clasp_core::mixture::split_merge::SplitMergePreset;
use clasp_core::mixture::split_merge::split_merge;
use clasp_core::mixture::{CovarianceType, GmmParams, fit};
use clasp_core::sdp::{AdmmParams, Affinity, admm_alloc, certificate, kmeans_labels, spectral_embedding};
use clasp_core::sinkhorn::{SwavParams, owned::swav_codes_alloc, row_argmax};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `clasp demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Output directory: report.json, report.html, one sub-directory per pipeline.
    #[arg(long, default_value = "clasp-demo")]
    pub out: PathBuf,
    /// quick (each pipeline ≤ 2 minutes on a 2-core CPU, an MNIST subset; Cora and karate for the
    /// graph pipelines) or full (MNIST 60k/10k; the paper-sized graph settings).
    #[arg(long, default_value = "quick", value_parser = ["quick", "full"])]
    pub profile: String,
    /// Only these parts, comma-separated: `primitives` and pipeline names (default: everything).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// cpu, wgpu, cuda or rocm (the pipelines' training device).
    #[cfg(feature = "train")]
    #[arg(long, default_value = "cpu")]
    pub device: Device,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Few-shot episodes per method.
    #[arg(long, default_value_t = 300)]
    pub episodes: usize,
}

struct Clustering {
    name: &'static str,
    x: Vec<f64>,
    n: usize,
    d: usize,
    y: Vec<i64>,
    k: usize,
}

fn datasets() -> Result<Vec<Clustering>> {
    let iris = load_bundled("iris")?;
    let digits = load_bundled("digits")?;
    let scaled: Vec<f64> = digits.x.data.iter().map(|v| v / 16.0).collect();
    let pcs = pca(&scaled, digits.x.rows, digits.x.cols, 10)?;
    Ok(vec![
        Clustering { name: "iris", x: iris.x.data, n: iris.x.rows, d: iris.x.cols, y: iris.y, k: 3 },
        Clustering { name: "digits-pca10", x: pcs, n: digits.x.rows, d: 10, y: digits.y, k: 10 },
    ])
}

fn step(name: &str, detail: impl std::fmt::Display, t0: Instant) {
    eprintln!("[{:>7.1} ms] {name:<28} {detail}", t0.elapsed().as_secs_f64() * 1e3);
}

/// k-means, GMM and split/merge on one data set.
fn cluster(ds: &Clustering, seed: u64) -> Result<Value> {
    let x = MatRef::new(&ds.x, ds.n, ds.d, "x")?;
    let t0 = Instant::now();
    let km = kmeans(x, &KMeansParams::default().k(ds.k).n_init(10).seed(seed))?;
    let km_scores = score(&ds.y, &km.labels)?;
    step(&format!("{} k-means++ (K={})", ds.name, ds.k), km_scores.line(), t0);

    let t0 = Instant::now();
    let gmm = fit(x, &GmmParams::default().k(ds.k).covariance_type(CovarianceType::Full).n_init(3).seed(seed))?;
    let gmm_labels = gmm.model.predict(x)?;
    let gmm_scores = score(&ds.y, &gmm_labels)?;
    step(&format!("{} GMM full (K={})", ds.name, ds.k), gmm_scores.line(), t0);

    let t0 = Instant::now();
    let sm = split_merge(x, None, &k_discovery_params(SplitMergePreset::Clasp, 1, seed))?;
    let sm_scores = score(&ds.y, &sm.labels)?;
    step(
        &format!("{} split/merge from K=1", ds.name),
        format!("K path {:?} -> {}  {}", sm.info.k_path, sm.k(), sm_scores.line()),
        t0,
    );
    Ok(json!({
        "data": ds.name, "n": ds.n, "dim": ds.d, "true_k": ds.k,
        "kmeans": { "inertia": km.info.inertia, "n_iter": km.info.n_iter, "scores": km_scores },
        "gmm_full": { "lower_bound": gmm.info.lower_bound, "n_iter": gmm.info.n_iter, "bic": gmm.model.bic(x)?,
                      "scores": gmm_scores },
        "split_merge": { "k": sm.k(), "k_path": sm.info.k_path, "scores": sm_scores },
    }))
}

/// SwAV codes of digits against k-means prototypes: cosine scores, balanced Sinkhorn, argmax.
fn swav(ds: &Clustering, seed: u64) -> Result<Value> {
    let x = MatRef::new(&ds.x, ds.n, ds.d, "x")?;
    let km = kmeans(x, &KMeansParams::default().k(ds.k).n_init(10).seed(seed))?;
    let unit = |v: &[f64]| -> Vec<f32> {
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
        v.iter().map(|a| (a / norm) as f32).collect()
    };
    let z: Vec<Vec<f32>> = ds.x.chunks_exact(ds.d).map(unit).collect();
    let c: Vec<Vec<f32>> = km.centers.chunks_exact(ds.d).map(unit).collect();
    let scores: Vec<f32> =
        z.iter().flat_map(|zi| c.iter().map(move |cj| zi.iter().zip(cj).map(|(a, b)| a * b).sum())).collect();
    let t0 = Instant::now();
    let s = MatRef::new(&scores, ds.n, ds.k, "scores")?;
    // SwAV's own setting: ε 0.05, 3 Sinkhorn iterations (`SwavParams::default()`).
    let (codes, info) = swav_codes_alloc(s, &SwavParams::default())?;
    let mut labels = vec![0usize; ds.n];
    row_argmax(MatRef::new(&codes, ds.n, ds.k, "codes")?, &mut labels)?;
    let mut sizes = vec![0usize; ds.k];
    labels.iter().for_each(|&l| sizes[l] += 1);
    let sc = score(&ds.y, &labels)?;
    step(
        &format!("{} SwAV codes (eps 0.05, {} iterations)", ds.name, info.iterations),
        format!("{}  cluster sizes {:?}  prototype err {:.1e}", sc.line(), sizes, info.prototype_err),
        t0,
    );
    Ok(json!({ "data": ds.name, "iterations": info.iterations, "prototype_err": info.prototype_err,
               "cluster_sizes": sizes, "scores": sc }))
}

/// Few-shot episodes on digits: SimpleShot vs LaplacianShot, identical episodes.
fn fewshot(episodes: usize, seed: u64) -> Result<Value> {
    let data = load_features("digits")?;
    let mut out = Vec::new();
    for shots in [1, 5] {
        let spec = EpisodeSpec { ways: 5, shots, queries: 15 };
        let eps = sample_episodes(&data, spec, episodes, seed)?;
        for method in [Method::Simpleshot, Method::Laplacianshot] {
            let t0 = Instant::now();
            let s = evaluate(&data, &eps, spec.ways, &MethodConfig::new(method))?;
            step(
                &format!("few-shot 5-way {shots}-shot"),
                format!("{:<14} {:.2} ± {:.2} % ({episodes} episodes)", method.name(), s.accuracy, s.ci95),
                t0,
            );
            out.push(json!({ "method": method.name(), "shots": shots, "accuracy": s.accuracy, "ci95": s.ci95,
                             "ms_per_episode": s.ms_per_episode }));
        }
    }
    Ok(Value::Array(out))
}

/// The Peng–Wei k-means SDP on a data set by ADMM, rounded by spectral embedding + k-means,
/// with the global-optimality certificate of the rounded partition.
fn sdp(ds: &Clustering, seed: u64) -> Result<Value> {
    let t0 = Instant::now();
    let x = MatRef::new(&ds.x, ds.n, ds.d, "x")?;
    let aff = Affinity::from_data(x)?;
    let (z, info) = admm_alloc(&aff, ds.k, &AdmmParams::default())?;
    let emb = spectral_embedding(&z, ds.n, ds.k)?;
    let labels = kmeans_labels(&emb, ds.n, ds.k, ds.k, 10, seed)?;
    let bound = info.objective + info.duality_gap.unwrap_or(0.0).max(0.0);
    let cert = certificate(&aff, &labels, ds.k, bound, 1e-6)?;
    let sc = score(&ds.y, &labels)?;
    step(
        &format!("{} k-means SDP (ADMM)", ds.name),
        format!(
            "objective {:.5} after {} iterations, certificate gap {:.3}  {}",
            info.objective,
            info.iterations,
            cert.gap,
            sc.line()
        ),
        t0,
    );
    Ok(json!({ "data": ds.name, "objective": info.objective, "iterations": info.iterations,
               "primal_residual": info.primal_residual, "dual_residual": info.dual_residual,
               "certificate_gap": cert.gap, "certified_globally_optimal": cert.certified, "scores": sc }))
}

/// The primitives' tour.
fn primitives(args: &DemoArgs) -> Result<Value> {
    let start = Instant::now();
    let sets = datasets()?;
    let clustering = sets.iter().map(|ds| cluster(ds, args.seed)).collect::<Result<Vec<_>, _>>()?;
    let swav = swav(&sets[1], args.seed)?;
    let sdp = sdp(&sets[0], args.seed)?;
    let fewshot = fewshot(args.episodes.max(1), args.seed)?;
    Ok(json!({
        "clustering": clustering,
        "swav_codes": swav,
        "sdp": sdp,
        "fewshot": fewshot,
        "wall_s": start.elapsed().as_secs_f64(),
    }))
}

/// The training pipelines this build has (none without the `train` feature).
#[cfg(feature = "train")]
const PIPELINES: &[&str] = &crate::pipelines::ALL_PIPELINES;
#[cfg(not(feature = "train"))]
const PIPELINES: &[&str] = &[];
/// The graph pipelines this build has, each with its demo graph.
#[cfg(feature = "train")]
const GRAPH_PIPELINES: &[(&str, &str)] = &[("pamc", "cora"), ("infonce", "cora"), ("dag", "karate")];
#[cfg(not(feature = "train"))]
const GRAPH_PIPELINES: &[(&str, &str)] = &[];
/// The medical pipelines this build has (trained on the bundled CT slice).
#[cfg(feature = "train")]
const MEDICAL_PIPELINES: &[&str] = &crate::medical::run::MEDICAL_PIPELINES;
#[cfg(not(feature = "train"))]
const MEDICAL_PIPELINES: &[&str] = &[];

/// The MGCA parts of the demo, each with its paired data.
#[cfg(feature = "train")]
const MGCA_PARTS: &[(&str, &str)] = &crate::multimodal::run::MGCA_DEMO;
#[cfg(not(feature = "train"))]
const MGCA_PARTS: &[(&str, &str)] = &[];

/// Category discovery (GPC) and few-shot with a trained backbone, both on MNIST.
#[cfg(feature = "train")]
const MNIST_EXTRA_PIPELINES: &[&str] = &[crate::discovery::run::NAME, crate::fewshot::backbone_run::NAME];
#[cfg(not(feature = "train"))]
const MNIST_EXTRA_PIPELINES: &[&str] = &[];

/// Every pipeline the demo can train.
fn all_pipelines() -> impl Iterator<Item = &'static str> {
    PIPELINES
        .iter()
        .copied()
        .chain(GRAPH_PIPELINES.iter().chain(MGCA_PARTS).map(|(p, _)| *p))
        .chain(MEDICAL_PIPELINES.iter().copied())
        .chain(MNIST_EXTRA_PIPELINES.iter().copied())
}

/// The parts `--only` selects, checked against the known names.
fn selected(only: &[String]) -> Result<Vec<String>> {
    let known: Vec<&str> = std::iter::once("primitives").chain(all_pipelines()).collect();
    if only.is_empty() {
        return Ok(known.iter().map(|s| s.to_string()).collect());
    }
    for name in only {
        if !known.contains(&name.as_str()) {
            return Err(Error::InvalidArgument {
                flag: "--only",
                reason: format!("{name}: unknown part (expected {})", known.join(", ")),
            });
        }
    }
    Ok(only.to_vec())
}

/// Trains pipeline `name` into `DIR/name`; its report entry, plot paths relative to `DIR`.
#[cfg(feature = "train")]
fn pipeline(args: &DemoArgs, name: &str) -> Result<Value> {
    use crate::pipelines::run::{RunSpec, train};
    use crate::pipelines::video_run::{VIDEO_PIPELINES, train_video_run};
    eprintln!("== pipeline {name}");
    fn spec<D>(args: &DemoArgs, name: &str, data: D) -> Result<RunSpec<D>> {
        Ok(RunSpec {
            pipeline: name.to_string(),
            data,
            profile: args.profile.parse()?,
            seed: args.seed,
            device: args.device,
            out: args.out.join(name),
            resume: false,
            quiet: args.quiet,
            config: None,
            epochs: None,
            train_limit: None,
            test_limit: None,
            dist: None,
        })
    }
    let mut entry = if MEDICAL_PIPELINES.contains(&name) {
        crate::medical::run::train_medical(&spec(args, name, crate::medical::MedicalSource::Ct)?)?
    } else if name == crate::discovery::run::NAME {
        crate::discovery::run::train_gpc_run(&spec(args, name, crate::data::DataSource::Mnist)?)?
    } else if name == crate::fewshot::backbone_run::NAME {
        crate::fewshot::backbone_run::train_fewshot_run(&spec(args, name, crate::data::DataSource::Mnist)?)?
    } else if VIDEO_PIPELINES.contains(&name) {
        train_video_run(&spec(args, name, crate::data::video::VideoSource::MovingDigits)?)?
    } else if let Some((_, data)) = MGCA_PARTS.iter().find(|(p, _)| *p == name) {
        crate::multimodal::run::train_mgca_run(&spec(args, name, data.parse()?)?)?
    } else {
        let data = match GRAPH_PIPELINES.iter().find(|(p, _)| *p == name) {
            Some((_, graph)) => crate::data::DataSource::Path(graph.into()),
            None => crate::data::DataSource::Mnist,
        };
        train(&spec(args, name, data)?)?
    };
    if let Some(plots) = entry.get_mut("plots").and_then(Value::as_array_mut) {
        for p in plots.iter_mut() {
            if let Some(s) = p.as_str() {
                *p = Value::String(format!("{name}/{s}"));
            }
        }
    }
    if let Some(obj) = entry.as_object_mut() {
        obj.remove("history");
    }
    eprintln!("   {name}: {}", entry["metrics"]);
    Ok(entry)
}

#[cfg(not(feature = "train"))]
fn pipeline(_: &DemoArgs, name: &str) -> Result<Value> {
    Err(Error::Usage(format!("pipeline {name}: this binary was built without the `train` feature")))
}

/// Entry point of `clasp demo`.
pub fn run(args: &DemoArgs) -> Result<()> {
    let start = Instant::now();
    let parts = selected(&args.only)?;
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    eprintln!("clasp demo ({} profile, seed {}): {}", args.profile, args.seed, parts.join(", "));
    let mut report = json!({ "seed": args.seed, "profile": args.profile });
    if parts.iter().any(|p| p == "primitives") {
        report["primitives"] = primitives(args)?;
    }
    let pipelines = parts
        .iter()
        .filter(|p| all_pipelines().any(|q| q == p.as_str()))
        .map(|name| pipeline(args, name))
        .collect::<Result<Vec<_>, _>>()?;
    report["pipelines"] = Value::Array(pipelines);
    report["wall_s"] = json!(start.elapsed().as_secs_f64());
    let json_path = args.out.join("report.json");
    write_json_atomic(&json_path, &report)?;
    let html_path = args.out.join("report.html");
    write_html(&report, &args.out, &html_path)?;
    eprintln!("report: {} and {} ({:.1} s)", json_path.display(), html_path.display(), start.elapsed().as_secs_f64());
    Ok(())
}
