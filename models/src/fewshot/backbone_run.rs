//! One run of transductive few-shot with a trained backbone, for `clasp train fewshot` and
//! `clasp demo` (the papers' protocol at small scale): train the backbone by cross-entropy on
//! the base classes of MNIST's training part (0–4), take the features of the novel classes
//! (5–9) of MNIST's test part, CL2N them with the base-class mean, draw seeded 5-way episodes
//! (1 and 5 shots, 15 queries per class) and run SimpleShot, K-means, LaplacianShot, SLK-Means
//! and SLK-MS (clasp's defaults of [`MethodConfig::new`], untuned) on them; the same episodes
//! on the raw pixels (CL2N with the base-class pixel mean) give the pixel table beside it.
//! Writes `config.json`, `report.json` (accuracies as fractions with 95 % half-widths) and
//! `report.html` with the accuracy bars.

use super::backbone::{
    BackboneConfig, backbone_features, base_accuracy, base_subset, feature_mean, novel_episode_data, to_f64,
    train_backbone,
};
use super::bars::{BarGroup, plot_bars};
use super::{EpisodeSpec, FewShotData, Method, MethodConfig, evaluate, sample_episodes};
use crate::data::{DataSource, ImageSet, MnistPart, Split, load_mnist, load_split};
use crate::distributed::{DistSpec, Replica, run_fingerprint};
use crate::pipelines::Profile;
use crate::pipelines::run::{RunSpec, prepare_out, settle_config, write_run_report};
use crate::report::plot_curves;
use crate::train::checkpoint::save_model;
use crate::train::device::{Job, dispatch};
use crate::train::{History, TrainBackend};
use crate::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

/// Pipeline name.
pub const NAME: &str = "fewshot";

/// The methods of the table, in report order.
pub const METHODS: [Method; 5] =
    [Method::Simpleshot, Method::Kmeans, Method::Laplacianshot, Method::SlkMeans, Method::SlkMs];

/// Quick profile: training images (a stratified MNIST subset; about half are base classes).
pub const QUICK_TRAIN_IMAGES: usize = 6000;
/// Quick profile: test images (a stratified MNIST subset; about half are novel classes).
pub const QUICK_TEST_IMAGES: usize = 3000;

/// The backbone's outputs the episodes need.
struct Features {
    base: Vec<f64>,
    novel: Vec<f64>,
    dim: usize,
    history: History,
    base_test_accuracy: f64,
}

struct FeatureJob<'a> {
    cfg: &'a BackboneConfig,
    base_train: &'a ImageSet,
    test: &'a ImageSet,
    seed: u64,
    quiet: bool,
    dist: Option<&'a DistSpec>,
    /// Where the trained backbone is saved (`model.mpk`).
    out: &'a Path,
}

impl Job for FeatureJob<'_> {
    /// The features (alone, and on rank 0 of a distributed run; `None` on the other ranks).
    type Output = Result<Option<Features>>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        let fingerprint = run_fingerprint(self.cfg, &self.base_train.pixels, self.seed);
        let mut replica = Replica::<B>::join(self.dist, &device, fingerprint)?;
        let (model, history) =
            train_backbone::<B>(&mut replica, self.cfg, self.base_train, self.seed, self.quiet, &device)?;
        if !replica.primary() {
            return Ok(None);
        }
        save_model(&model, self.out)?;
        let base = backbone_features(&model, self.base_train, &device)?;
        let novel = backbone_features(&model, self.test, &device)?;
        let base_test_accuracy = base_accuracy(&model, self.test, &device)?;
        Ok(Some(Features { base: to_f64(&base), novel: to_f64(&novel), dim: base.dim, history, base_test_accuracy }))
    }
}

/// Settings ([`settle_config`]): the profile's defaults are 1000 episodes per shot count in
/// both profiles; full trains 5 epochs on all of MNIST.
fn backbone_config(spec: &RunSpec) -> Result<BackboneConfig> {
    let profile = || match spec.profile {
        Profile::Quick => BackboneConfig::new(),
        Profile::Full => BackboneConfig::new().with_epochs(5),
    };
    settle_config(spec, "fewshot", profile, |c| &mut c.epochs)
}

/// The training and test images of a run.
fn load_data(spec: &RunSpec) -> Result<Split> {
    let quick = spec.profile == Profile::Quick && spec.data == DataSource::Mnist;
    let train_limit = spec.train_limit.or(quick.then_some(QUICK_TRAIN_IMAGES));
    let test_limit = spec.test_limit.or(quick.then_some(QUICK_TEST_IMAGES));
    let split = match &spec.data {
        DataSource::Mnist => Split {
            train: load_mnist(MnistPart::Train, train_limit, spec.seed)?,
            test: load_mnist(MnistPart::Test, test_limit, spec.seed.wrapping_add(1))?,
        },
        other => load_split(other, train_limit, test_limit, spec.seed)?,
    };
    Ok(split)
}

/// One cell of the accuracy table: method, shots, accuracy and 95 % half-width (fractions),
/// milliseconds per episode.
type Cell = (Method, usize, f64, f64, f64);

/// Accuracy (fraction) and 95 % half-width of every method and shot count on `data`.
fn table(data: &FewShotData, episodes: &[(usize, Vec<super::SampledEpisode>)], ways: usize) -> Result<Vec<Cell>> {
    let mut rows = Vec::new();
    for (shots, eps) in episodes {
        for method in METHODS {
            let s = evaluate(data, eps, ways, &MethodConfig::new(method))?;
            rows.push((method, *shots, s.accuracy / 100.0, s.ci95 / 100.0, s.ms_per_episode));
        }
    }
    Ok(rows)
}

/// Metric key of a method and shot count: `slk_ms_5shot`.
fn key(method: Method, shots: usize) -> String {
    format!("{}_{shots}shot", method.name().replace('-', "_"))
}

/// Trains the backbone, runs the episodes on its features and on the pixels, writes the
/// report; its report entry.
pub fn train_fewshot_run(spec: &RunSpec) -> Result<Value> {
    let start = Instant::now();
    crate::train::device::check(spec.device)?;
    if spec.resume {
        return Err(Error::Usage("fewshot has no checkpoints: --resume is not supported, run it again".into()));
    }
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let cfg = backbone_config(spec)?;
    prepare_out(spec, &cfg)?;
    let split = load_data(spec)?;
    let base_train = base_subset(&split.train, cfg.base_classes)?;
    let test_labels =
        split.test.labels.clone().ok_or_else(|| Error::InvalidInput("the test images have no labels".into()))?;
    let job = FeatureJob {
        cfg: &cfg,
        base_train: &base_train,
        test: &split.test,
        seed: spec.seed,
        quiet: spec.quiet,
        dist: spec.dist.as_ref(),
        out,
    };
    let Some(feats) = dispatch(spec.device, job)?? else {
        return Ok(json!({ "name": NAME }));
    };
    let train_s = start.elapsed().as_secs_f64();
    let base = cfg.base_classes;
    let backbone = novel_episode_data(
        feats.novel.clone(),
        feats.dim,
        test_labels.clone(),
        &feature_mean(&feats.base, feats.dim)?,
        base,
    )?;
    let pixel_dim = split.test.dim();
    let pixel_mean = feature_mean(&base_train.pixels.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), pixel_dim)?;
    let pixels = novel_episode_data(
        split.test.pixels.iter().map(|&v| f64::from(v)).collect(),
        pixel_dim,
        test_labels,
        &pixel_mean,
        base,
    )?;
    // The same episodes (rows of the test part) for both feature sets and every method.
    let mut episodes = Vec::new();
    for &shots in &cfg.shots {
        let spec_e = EpisodeSpec { ways: cfg.ways, shots, queries: cfg.queries };
        episodes.push((shots, sample_episodes(&backbone, spec_e, cfg.episodes, spec.seed)?));
    }
    let t0 = Instant::now();
    let rows_b = table(&backbone, &episodes, cfg.ways)?;
    let pixel_episodes: Vec<(usize, Vec<super::SampledEpisode>)> =
        episodes.iter().map(|(s, e)| (*s, e[..cfg.pixel_episodes.min(e.len()).max(1)].to_vec())).collect();
    let rows_p = table(&pixels, &pixel_episodes, cfg.ways)?;
    let episodes_s = t0.elapsed().as_secs_f64();
    let mut metrics = Map::new();
    let mut accuracy = Map::new();
    for (name, rows, prefix) in [("backbone", &rows_b, ""), ("pixels", &rows_p, "raw_")] {
        let mut per_method = Map::new();
        for &(method, shots, acc, ci, ms) in rows.iter() {
            metrics.insert(format!("{prefix}{}", key(method, shots)), acc.into());
            let entry = per_method.entry(method.name()).or_insert_with(|| json!({}));
            entry[shots.to_string()] = json!({ "mean": acc, "ci95": ci, "ms_per_episode": ms });
        }
        accuracy.insert(name.into(), Value::Object(per_method));
    }
    metrics.insert("backbone_base_test_acc".into(), feats.base_test_accuracy.into());
    let groups: Vec<BarGroup> = rows_b
        .iter()
        .zip(&rows_p)
        .map(|(b, p)| BarGroup {
            label: format!("{} {}-shot", b.0.name(), b.1),
            bars: vec![(100.0 * b.2, 100.0 * b.3), (100.0 * p.2, 100.0 * p.3)],
        })
        .collect();
    let lowest = rows_b.iter().chain(&rows_p).map(|r| 100.0 * (r.2 - r.3)).fold(100.0f64, f64::min);
    let y_min = ((lowest - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let title =
        format!("{}-way accuracy on novel classes {base}..: trained backbone vs raw pixels (95 % CI)", cfg.ways);
    plot_bars(&out.join("accuracy.svg"), &title, &["backbone (CE on base classes)", "raw pixels"], &groups, y_min)?;
    let mut plots = vec!["accuracy.svg".to_string()];
    let losses = feats.history.losses("train");
    if !losses.is_empty() {
        plot_curves(
            &out.join("loss.svg"),
            "backbone: cross-entropy on the base classes",
            "epoch",
            &[("train", &losses)],
        )?;
        plots.push("loss.svg".into());
    }
    let novel_rows: usize = backbone.by_class.iter().map(Vec::len).sum();
    let mut entry = json!({
        "name": NAME,
        "dataset": format!(
            "{}: backbone trained on the {} training images of classes 0..{base}; episodes on the {novel_rows} test images of classes {base}..",
            split.train.name, base_train.n
        ),
        "settings": serde_json::to_value(&cfg).map_err(Error::JsonValue)?,
        "device": spec.device,
        "protocol": format!(
            "{}-way, {:?} shots, {} queries per class, {} episodes per shot count (seed {}; the pixel table on the first {} of them), identical for every method; CL2N with the base-class mean; methods at clasp's defaults (LaplacianShot λ 1 rectified, SLK λ 0.7, knn 3), untuned",
            cfg.ways, cfg.shots, cfg.queries, cfg.episodes, spec.seed, cfg.pixel_episodes.min(cfg.episodes)
        ),
        "accuracy": accuracy,
        "feature_dim": feats.dim,
        "train_s": train_s,
        "episodes_s": episodes_s,
        "history": feats.history.epochs,
    });
    let obj = entry.as_object_mut().ok_or_else(|| Error::Internal("report entry is not an object".into()))?;
    obj.insert("metrics".into(), Value::Object(metrics));
    obj.insert("plots".into(), json!(plots));
    obj.insert("wall_s".into(), start.elapsed().as_secs_f64().into());
    write_run_report(spec, entry)
}
