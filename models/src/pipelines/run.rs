//! One training run from data to report, shared by `clasp train` and `clasp demo`: load the
//! data, settle the configuration (profile defaults ← `--config` file ← flags; the effective
//! one is written as `config.json`), train on the chosen device, evaluate the embedding and
//! the raw pixels the same way, fit the assignment heads, draw the plots, and write
//! `report.json` and `report.html`.

use super::{Matrix, Pipeline, Profile, TrainContext, Trained, depict::Depict, mlcd::Mlcd, swav::Swav};
use crate::data::{DataSource, Split, load_split};
use crate::eval::{EmbeddingEval, cluster_scores, evaluate};
use crate::report::{plot_cluster_sizes, plot_confusion, plot_curves, plot_embedding, write_html, write_json_atomic};
use crate::train::device::{Device, Job, dispatch};
use crate::train::{History, TrainBackend};
use crate::{Error, Result};
use burn::config::Config;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything a training run is asked to do, on image data (`DataSource`) or, for the video
/// pipelines, on clips ([`VideoRunSpec`](super::video_run::VideoRunSpec)).
#[derive(Clone, Debug)]
pub struct RunSpec<D = DataSource> {
    /// Pipeline name (`swav`, `depict`, `mlcd`; `sigma`, `pixel`).
    pub pipeline: String,
    /// Data source.
    pub data: D,
    /// Size of the run.
    pub profile: Profile,
    /// Seed of every random choice.
    pub seed: u64,
    /// Compute device.
    pub device: Device,
    /// Output directory.
    pub out: PathBuf,
    /// Continue the interrupted run in `out`.
    pub resume: bool,
    /// No progress display.
    pub quiet: bool,
    /// A JSON configuration replacing the profile's defaults.
    pub config: Option<PathBuf>,
    /// Override of the number of training epochs.
    pub epochs: Option<usize>,
    /// Override of the number of training images (stratified subset) or clips.
    pub train_limit: Option<usize>,
    /// Override of the number of test images (stratified subset) or clips.
    pub test_limit: Option<usize>,
    /// The distributed run this process is a rank of (`--rank/--peers/--coordinator`), if any.
    pub dist: Option<crate::distributed::DistSpec>,
}

impl<D> RunSpec<D> {
    /// Whether this process writes the run's outputs: alone, or rank 0 of a distributed run
    /// (the ranks of one machine share `out`).
    pub fn primary(&self) -> bool {
        self.dist.as_ref().is_none_or(|d| d.rank == 0)
    }

    /// The training context of this run.
    pub fn context(&self) -> TrainContext {
        TrainContext {
            out: self.out.clone(),
            resume: self.resume,
            quiet: self.quiet,
            seed: self.seed,
            dist: self.dist.clone(),
        }
    }
}

/// The output directory of a run, before training: unless resuming, the checkpoint an earlier
/// run left there is removed, and the effective configuration is written as `config.json`
/// (atomically: the other ranks of a resumed run read it). Only the [`RunSpec::primary`]
/// process writes; returns whether this one is it.
pub(crate) fn prepare_out<D, C: Serialize>(spec: &RunSpec<D>, cfg: &C) -> Result<bool> {
    if !spec.primary() {
        return Ok(false);
    }
    clear_stale_checkpoint(&spec.out, spec.resume)?;
    let value = serde_json::to_value(cfg).map_err(Error::JsonValue)?;
    write_json_atomic(&spec.out.join("config.json"), &value)?;
    Ok(true)
}

/// A report entry with a pipeline's own numbers added (those it does not set already).
pub(crate) fn with_extra(mut entry: Value, extra: Map<String, Value>) -> Value {
    if let Some(obj) = entry.as_object_mut() {
        for (k, v) in extra {
            obj.entry(k).or_insert(v);
        }
    }
    entry
}

/// What `run.json` records of a run (read back by `clasp assign` and `clasp export-edge`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    /// Pipeline name.
    pub pipeline: String,
    /// Data source name.
    pub data: String,
    /// Profile name.
    pub profile: Profile,
    /// Seed.
    pub seed: u64,
    /// Device trained on.
    pub device: Device,
    /// Image height the model was trained on.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Number of clusters of the heads (the classes of the training data, 10 without labels).
    pub clusters: usize,
    /// Training images.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
}

/// The k-means assignment head fitted on the training embedding (`head.json`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KMeansHead {
    /// Embedding dimension.
    pub dim: usize,
    /// Centres, row-major `clusters × dim`.
    pub centers: Vec<f64>,
}

impl KMeansHead {
    /// Nearest-centre labels of the rows of `x` (through the core's k-means assignment).
    pub fn assign(&self, x: &Matrix) -> Result<Vec<usize>> {
        let k = self.centers.len() / self.dim.max(1);
        let data: Vec<f64> = x.data.iter().map(|&v| f64::from(v)).collect();
        let xm = clasp_core::MatRef::new(&data, x.n, x.dim, "embedding")?;
        let cm = clasp_core::MatRef::new(&self.centers, k, self.dim, "centers")?;
        let (mut labels, mut distances) = (vec![0usize; x.n], vec![0.0f64; x.n]);
        clasp_core::kmeans::kmeans_assign(xm, cm, &mut labels, &mut distances)?;
        Ok(labels)
    }
}

/// Default training/test sizes of a profile: quick takes a stratified MNIST subset.
pub fn default_limits(profile: Profile, data: &DataSource) -> (Option<usize>, Option<usize>) {
    match (profile, data) {
        (Profile::Quick, DataSource::Mnist) => (Some(6000), Some(2000)),
        _ => (None, None),
    }
}

struct TrainJob<'a, P: Pipeline> {
    cfg: &'a P::Config,
    split: &'a Split,
    ctx: &'a TrainContext,
    pipeline: PhantomData<P>,
}

impl<P: Pipeline> Job for TrainJob<'_, P> {
    type Output = Result<Trained>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        P::train::<B>(self.cfg, self.split, self.ctx, &device)
    }
}

/// Unless `resume`, removes the checkpoint an earlier run left in `out`, so that training
/// starts afresh.
pub(crate) fn clear_stale_checkpoint(out: &Path, resume: bool) -> Result<()> {
    let ckpt = out.join("checkpoint");
    if !resume && ckpt.exists() {
        std::fs::remove_dir_all(&ckpt).map_err(|e| Error::io(&ckpt, e))?;
    }
    Ok(())
}

/// Writes a row-major f32 matrix as `.npy`.
pub fn write_npy(path: &Path, m: &Matrix) -> Result<()> {
    use npyz::WriterBuilder;
    let mut out = Vec::new();
    {
        let mut w = npyz::WriteOptions::<f32>::new()
            .default_dtype()
            .shape(&[m.n as u64, m.dim as u64])
            .writer(&mut out)
            .begin_nd()
            .map_err(|e| Error::io(path, e))?;
        w.extend(m.data.iter().copied()).map_err(|e| Error::io(path, e))?;
        w.finish().map_err(|e| Error::io(path, e))?;
    }
    Ok(crate::io::write_atomic(path, &out)?)
}

/// Reads a 2-D f32 `.npy` written by [`write_npy`].
pub fn read_npy(path: &Path) -> Result<Matrix> {
    let t = crate::io::read_table(path, crate::io::Header::No)?;
    Ok(Matrix { data: t.data.iter().map(|&v| v as f32).collect(), n: t.rows, dim: t.cols })
}

/// The configuration of a run, for every runner: the interrupted run's `config.json` when
/// resuming, else the `--config` file (JSON), else `fallback()` (the profile's); then
/// `--epochs` (through `epochs_of`). `what` names the configuration kind in errors.
pub(crate) fn settle_config<C: serde::de::DeserializeOwned, D>(
    spec: &RunSpec<D>,
    what: &str,
    fallback: impl FnOnce() -> C,
    epochs_of: impl FnOnce(&mut C) -> &mut usize,
) -> Result<C> {
    let load = |path: &Path, why: &'static str| -> Result<C> {
        let text =
            std::fs::read_to_string(path).map_err(|source| Error::ConfigRead { path: path.into(), why, source })?;
        serde_json::from_str(&text).map_err(|source| Error::ConfigParse {
            path: path.into(),
            why,
            what: what.into(),
            source,
        })
    };
    let mut cfg = if spec.resume {
        load(&spec.out.join("config.json"), "cannot resume")?
    } else if let Some(path) = &spec.config {
        load(path, "--config")?
    } else {
        fallback()
    };
    if let Some(e) = spec.epochs {
        *epochs_of(&mut cfg) = e;
    }
    Ok(cfg)
}

/// Writes the one-pipeline report of a run, `DIR/report.json` (`{"seed", "profile",
/// "pipelines": [entry]}`) and `DIR/report.html`; returns the entry.
pub(crate) fn write_run_report<D>(spec: &RunSpec<D>, entry: Value) -> Result<Value> {
    let out = &spec.out;
    let report = json!({ "seed": spec.seed, "profile": spec.profile.name(), "pipelines": [entry.clone()] });
    write_json_atomic(&out.join("report.json"), &report)?;
    write_html(&report, out, &out.join("report.html"))?;
    Ok(entry)
}

/// Trains pipeline `P` as `spec` says and returns its report entry.
fn run_pipeline<P: Pipeline>(spec: &RunSpec) -> Result<Value> {
    let start = Instant::now();
    crate::train::device::check(spec.device)?;
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let (dtrain, dtest) = default_limits(spec.profile, &spec.data);
    let (train_limit, test_limit) = (spec.train_limit.or(dtrain), spec.test_limit.or(dtest));
    let split = load_split(&spec.data, train_limit, test_limit, spec.seed)?;
    let cfg = settle_config(spec, P::NAME, || P::config(spec.profile, &split.train), P::epochs)?;
    let primary = prepare_out(spec, &cfg)?;
    let clusters = if split.train.labels.is_some() { split.train.num_classes() } else { 10 };
    let info = RunInfo {
        pipeline: P::NAME.into(),
        data: spec.data.name(),
        profile: spec.profile,
        seed: spec.seed,
        device: spec.device,
        height: split.train.height,
        width: split.train.width,
        clusters,
        train_images: split.train.n,
        test_images: split.test.n,
    };
    if primary {
        write_json_atomic(&out.join("run.json"), &json!(info))?;
    }
    let ctx = spec.context();
    let trained = dispatch(spec.device, TrainJob::<P> { cfg: &cfg, split: &split, ctx: &ctx, pipeline: PhantomData })??;
    if !primary {
        return Ok(json!({ "name": P::NAME, "history": trained.history.epochs }));
    }
    write_npy(&out.join("train_embedding.npy"), &trained.train_embedding)?;
    write_npy(&out.join("test_embedding.npy"), &trained.test_embedding)?;
    let head = fit_kmeans_head(&trained.train_embedding, clusters, spec.seed)?;
    write_json_atomic(&out.join("head.json"), &json!(head))?;
    let train_s = start.elapsed().as_secs_f64();
    let (metrics, pred) = score(&trained, &split, &head, clusters, spec.seed)?;
    let plots = draw_plots(out, P::NAME, &trained, &split, &pred)?;
    let entry = json!({
        "name": P::NAME,
        "dataset": format!("{} ({} train / {} test images, {}×{})", spec.data.name(), split.train.n, split.test.n, split.train.height, split.train.width),
        "settings": serde_json::to_value(&cfg).map_err(Error::JsonValue)?,
        "metrics": metrics,
        "device": spec.device,
        "train_s": train_s,
        "wall_s": start.elapsed().as_secs_f64(),
        "plots": plots,
        "throughput_images_per_s": trained.history.mean_throughput(),
        "history": trained.history.epochs,
    });
    write_run_report(spec, with_extra(entry, trained.extra))
}

/// k-means (core, k-means++, 10 restarts) on the training embedding.
fn fit_kmeans_head(x: &Matrix, clusters: usize, seed: u64) -> Result<KMeansHead> {
    let fit = crate::eval::kmeans_features(x.features(), clusters, 10, seed)?;
    Ok(KMeansHead { dim: x.dim, centers: fit.centers })
}

/// The raw-pixel baselines of a split: computed once per split (its pixels and labels), number
/// of clusters and seed in a process, since `clasp demo` scores several pipelines on one split.
fn raw_baseline(split: &Split, ytr: &[usize], yte: &[usize], clusters: usize, seed: u64) -> Result<EmbeddingEval> {
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<u64, EmbeddingEval>>> = OnceLock::new();
    let mut h = DefaultHasher::new();
    for set in [&split.train, &split.test] {
        (set.n, set.height, set.width).hash(&mut h);
        set.pixels.iter().for_each(|v| v.to_bits().hash(&mut h));
    }
    (ytr, yte, clusters, seed).hash(&mut h);
    let key = h.finish();
    let cache = CACHE.get_or_init(Default::default);
    let poisoned = |e: std::sync::PoisonError<_>| Error::Internal(e.to_string());
    if let Some(hit) = cache.lock().map_err(poisoned)?.get(&key) {
        return Ok(hit.clone());
    }
    let (tr, te) = (&split.train, &split.test);
    let train = crate::eval::Features { data: &tr.pixels, n: tr.n, dim: tr.dim() };
    let test = crate::eval::Features { data: &te.pixels, n: te.n, dim: te.dim() };
    let raw = evaluate(train, ytr, test, yte, clusters, seed)?;
    cache.lock().map_err(poisoned)?.insert(key, raw.clone());
    Ok(raw)
}

/// The report's metrics and the test-set cluster labels that the plots show.
fn score(
    trained: &Trained,
    split: &Split,
    head: &KMeansHead,
    clusters: usize,
    seed: u64,
) -> Result<(Map<String, Value>, Vec<usize>)> {
    let mut m = Map::new();
    let kmeans_pred = head.assign(&trained.test_embedding)?;
    let pred = trained.head_test.clone().unwrap_or_else(|| kmeans_pred.clone());
    let (Some(ytr), Some(yte)) = (&split.train.labels, &split.test.labels) else {
        return Ok((m, pred));
    };
    let emb: EmbeddingEval =
        evaluate(trained.train_embedding.features(), ytr, trained.test_embedding.features(), yte, clusters, seed)?;
    let raw = raw_baseline(split, ytr, yte, clusters, seed)?;
    let main = match &trained.head_test {
        Some(h) => cluster_scores(yte, h)?,
        None => emb.kmeans.clone(),
    };
    for (k, v) in [
        ("acc", main.acc),
        ("nmi", main.nmi),
        ("ari", main.ari),
        ("kmeans_acc", emb.kmeans.acc),
        ("kmeans_nmi", emb.kmeans.nmi),
        ("kmeans_ari", emb.kmeans.ari),
        ("linear_probe", emb.linear_probe),
        ("knn", emb.knn),
        ("raw_acc", raw.kmeans.acc),
        ("raw_nmi", raw.kmeans.nmi),
        ("raw_ari", raw.kmeans.ari),
        ("raw_linear_probe", raw.linear_probe),
        ("raw_knn", raw.knn),
    ] {
        m.insert(k.into(), v.into());
    }
    Ok((m, pred))
}

/// Loss curves, the 2-D projection of the test embedding, the confusion matrix and the cluster
/// sizes; returns the plot file names (relative to `out`).
fn draw_plots(out: &Path, name: &str, trained: &Trained, split: &Split, pred: &[usize]) -> Result<Vec<String>> {
    let mut plots = Vec::new();
    let history: &History = &trained.history;
    let phases = history.phases();
    let losses: Vec<Vec<f64>> = phases.iter().map(|p| history.losses(p)).collect();
    let series: Vec<(&str, &[f64])> = phases.iter().zip(&losses).map(|(p, l)| (p.as_str(), l.as_slice())).collect();
    if !series.is_empty() {
        plot_curves(&out.join("loss.svg"), &format!("{name}: training loss"), "epoch", &series)?;
        plots.push("loss.svg".to_string());
    }
    let truth: Vec<usize> = split.test.labels.clone().unwrap_or_else(|| pred.to_vec());
    let emb = &trained.test_embedding;
    plot_embedding(
        &out.join("embedding.svg"),
        &format!("{name}: test embedding (PCA), coloured by class"),
        &emb.data,
        emb.n,
        emb.dim,
        &truth,
    )?;
    plots.push("embedding.svg".to_string());
    if split.test.labels.is_some() {
        plot_confusion(
            &out.join("confusion.svg"),
            &format!("{name}: confusion after Hungarian matching"),
            &truth,
            pred,
        )?;
        plots.push("confusion.svg".to_string());
    }
    plot_cluster_sizes(&out.join("cluster_sizes.svg"), &format!("{name}: cluster sizes (test)"), pred)?;
    plots.push("cluster_sizes.svg".to_string());
    Ok(plots)
}

/// Trains the pipeline `spec.pipeline` names; its report entry.
pub fn train(spec: &RunSpec) -> Result<Value> {
    match spec.pipeline.as_str() {
        "swav" => run_pipeline::<Swav>(spec),
        "depict" => run_pipeline::<Depict>(spec),
        "mlcd" => run_pipeline::<Mlcd>(spec),
        "pamc" | "infonce" | "dag" => crate::graph::run::train_graph(spec, &graph_data_name(&spec.data)),

        other => Err(Error::Unknown {
            what: "pipeline",
            name: other.into(),
            expected: format!(
                "expected one of {}, {}",
                super::PIPELINES.join(", "),
                crate::graph::run::GRAPH_PIPELINES.join(", ")
            ),
        }),
    }
}

/// The `--data` of a graph pipeline as written (`DataSource` parses every word other than
/// `mnist` and `digits` as a path; the graph runner reads `cora`, `csbm-N`, a folder, …).
fn graph_data_name(data: &DataSource) -> String {
    match data {
        DataSource::Path(p) => p.to_string_lossy().into_owned(),
        other => other.name(),
    }
}

struct InferJob<'a, P: Pipeline> {
    cfg: &'a P::Config,
    dir: &'a Path,
    set: &'a crate::data::ImageSet,
    pipeline: PhantomData<P>,
}

impl<P: Pipeline> Job for InferJob<'_, P> {
    type Output = Result<super::Inference>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        P::infer::<B>(self.cfg, self.dir, self.set, &device)
    }
}

/// Reads `DIR/run.json` of a trained model.
pub fn read_run_info(dir: &Path) -> Result<RunInfo> {
    let path = dir.join("run.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(source) => return Err(Error::NotAModel { path, source }),
    };
    serde_json::from_str(&text).map_err(|source| Error::Json { path, source })
}

/// Reads `DIR/head.json` of a trained model.
pub fn read_kmeans_head(dir: &Path) -> Result<KMeansHead> {
    let path = dir.join("head.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|source| Error::Json { path, source })
}

fn infer_pipeline<P: Pipeline>(dir: &Path, set: &crate::data::ImageSet, device: Device) -> Result<super::Inference> {
    let path = dir.join("config.json");
    let cfg = P::Config::load(&path).map_err(|source| Error::BurnConfig { path, source })?;
    dispatch(device, InferJob::<P> { cfg: &cfg, dir, set, pipeline: PhantomData })?
}

/// Applies the model trained in `dir` to `set` (resized to the training size if needed):
/// its embedding and cluster labels (the model's own head where it has one, else the k-means
/// head fitted on the training embedding). Returns the inference and which head labelled it.
pub fn infer(dir: &Path, set: &crate::data::ImageSet, device: Device) -> Result<(super::Inference, &'static str)> {
    let info = read_run_info(dir)?;
    let set = if (set.height, set.width) != (info.height, info.width) {
        set.resized(info.height, info.width)
    } else {
        set.clone()
    };
    let mut inference = match info.pipeline.as_str() {
        "swav" => infer_pipeline::<Swav>(dir, &set, device)?,
        "depict" => infer_pipeline::<Depict>(dir, &set, device)?,
        "mlcd" => infer_pipeline::<Mlcd>(dir, &set, device)?,
        other => return Err(Error::invalid_file(dir.join("run.json"), format!("unknown pipeline `{other}`"))),
    };
    if inference.head.is_some() {
        return Ok((inference, "model"));
    }
    let head = read_kmeans_head(dir)?;
    if head.dim != inference.embedding.dim {
        return Err(Error::invalid_file(
            dir,
            format!("head dimension {} ≠ embedding dimension {}", head.dim, inference.embedding.dim),
        ));
    }
    inference.head = Some(head.assign(&inference.embedding)?);
    Ok((inference, "kmeans"))
}
