//! One run of transductive few-shot with a trained backbone, for `clasp train fewshot` and
//! `clasp demo` (the papers' protocol at small scale): train backbones (seeds S, S + 1, …;
//! `backbone_seeds`, 3 by default) by cross-entropy on the base classes of MNIST's training
//! part (0–4), take each one's features of the novel classes (5–9) of MNIST's test part, CL2N
//! them with its base-class mean, draw seeded 5-way episodes (1 and 5 shots, 15 queries per
//! class) and run SimpleShot, K-means, LaplacianShot, SLK-Means and SLK-MS (clasp's defaults of
//! [`MethodConfig::new`], untuned) on them; the same episodes on the raw pixels (CL2N with the
//! base-class pixel mean) give the pixel table beside it. Writes `config.json`, `report.json`
//! (accuracies as fractions: per backbone seed, their mean and standard deviation across the
//! seeds, and the episodes' 95 % half-widths) and `report.html` with the accuracy bars.
//!
//! Every backbone is checkpointed after every epoch (`backbone-I/checkpoint/`) and saved when
//! trained (`backbone-I/model.mpk`); `--resume DIR` (with the run's `--data` and `--seed`)
//! reads `DIR/config.json`, continues each backbone after its last saved epoch and gives the
//! uninterrupted run's report. With `--peers N` every backbone trains data-parallel, one
//! after the other.

use super::backbone::{
    BackboneConfig, backbone_features, base_accuracy, base_subset, feature_mean, novel_episode_data, to_f64,
    train_backbone,
};
use super::bars::{BarGroup, plot_bars};
use super::{EpisodeSpec, FewShotData, Method, MethodConfig, evaluate, sample_episodes};
use crate::data::{DataSource, ImageSet, MnistPart, Split, load_mnist, load_split};
use crate::distributed::{DistSpec, Replica, run_fingerprint};
use crate::pipelines::Profile;
use crate::pipelines::run::{RunSpec, clear_stale_checkpoint, prepare_out, settle_config, write_run_report};
use crate::report::plot_curves;
use crate::train::checkpoint::{Checkpointing, save_model};
use crate::train::device::{Job, dispatch};
use crate::train::{History, TrainBackend};
use crate::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
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

/// One backbone's outputs the episodes need.
struct Features {
    seed: u64,
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
    /// The run's directory (each backbone's checkpoint and `model.mpk` in [`backbone_dir`])
    /// and whether it resumes.
    out: &'a Path,
    resume: bool,
}

impl Job for FeatureJob<'_> {
    /// Every backbone's features (alone, and on rank 0 of a distributed run; `None` on the
    /// other ranks, which only train).
    type Output = Result<Option<Vec<Features>>>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        let fingerprint = run_fingerprint(self.cfg, &self.base_train.pixels, self.seed);
        let mut replica = Replica::<B>::join(self.dist, &device, fingerprint)?;
        let mut feats = Vec::new();
        for i in 0..self.cfg.backbone_seeds as u64 {
            if i > 0 {
                replica.restart();
            }
            let seed = self.seed.wrapping_add(i);
            let dir = backbone_dir(self.out, i);
            let ckpt = Checkpointing { dir: &dir, resume: self.resume };
            let (model, history) =
                train_backbone::<B>(&mut replica, self.cfg, self.base_train, seed, self.quiet, Some(ckpt), &device)?;
            if !replica.primary() {
                continue;
            }
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            save_model(&model, &dir)?;
            let base = backbone_features(&model, self.base_train, &device)?;
            let novel = backbone_features(&model, self.test, &device)?;
            let base_test_accuracy = base_accuracy(&model, self.test, &device)?;
            let (base, novel, dim) = (to_f64(&base), to_f64(&novel), base.dim);
            feats.push(Features { seed, base, novel, dim, history, base_test_accuracy });
        }
        Ok(replica.primary().then_some(feats))
    }
}

/// The folder of the `i`-th backbone's checkpoint and trained model (`model.mpk`).
fn backbone_dir(out: &Path, i: u64) -> PathBuf {
    out.join(format!("backbone-{i}"))
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

/// One cell over the backbone seeds: the mean accuracy, its sample standard deviation across
/// the seeds (0 for one seed), the mean 95 % half-width over episodes, the per-seed accuracies
/// and the mean milliseconds per episode.
struct SeedCell {
    method: Method,
    shots: usize,
    mean: f64,
    sd: f64,
    ci95: f64,
    per_seed: Vec<f64>,
    ms: f64,
}

/// The cells of the per-seed `tables` (each in the same order) across the seeds.
fn across_seeds(tables: &[Vec<Cell>]) -> Vec<SeedCell> {
    let Some(first) = tables.first() else { return Vec::new() };
    let n = tables.len() as f64;
    (0..first.len())
        .map(|c| {
            let per_seed: Vec<f64> = tables.iter().map(|t| t[c].2).collect();
            let mean = per_seed.iter().sum::<f64>() / n;
            let var = per_seed.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            SeedCell {
                method: first[c].0,
                shots: first[c].1,
                mean,
                sd: var.sqrt(),
                ci95: tables.iter().map(|t| t[c].3).sum::<f64>() / n,
                per_seed,
                ms: tables.iter().map(|t| t[c].4).sum::<f64>() / n,
            }
        })
        .collect()
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
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let cfg = backbone_config(spec)?;
    if cfg.backbone_seeds == 0 {
        return Err(Error::InvalidConfig("fewshot: `backbone_seeds` must be at least 1".into()));
    }
    if prepare_out(spec, &cfg)? {
        for i in 0..cfg.backbone_seeds as u64 {
            clear_stale_checkpoint(&backbone_dir(out, i), spec.resume)?;
        }
    }
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
        resume: spec.resume,
    };
    let Some(feats) = dispatch(spec.device, job)?? else {
        return Ok(json!({ "name": NAME }));
    };
    let train_s = start.elapsed().as_secs_f64();
    let base = cfg.base_classes;
    let backbones = feats
        .iter()
        .map(|f| novel_episode_data(f.novel.clone(), f.dim, test_labels.clone(), &feature_mean(&f.base, f.dim)?, base))
        .collect::<Result<Vec<_>>>()?;
    let pixel_dim = split.test.dim();
    let pixel_mean = feature_mean(&base_train.pixels.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), pixel_dim)?;
    let pixels = novel_episode_data(
        split.test.pixels.iter().map(|&v| f64::from(v)).collect(),
        pixel_dim,
        test_labels,
        &pixel_mean,
        base,
    )?;
    // The same episodes (rows of the test part) for every backbone, the pixels and every method.
    let mut episodes = Vec::new();
    for &shots in &cfg.shots {
        let spec_e = EpisodeSpec { ways: cfg.ways, shots, queries: cfg.queries };
        episodes.push((shots, sample_episodes(&pixels, spec_e, cfg.episodes, spec.seed)?));
    }
    let t0 = Instant::now();
    let per_seed = backbones.iter().map(|b| table(b, &episodes, cfg.ways)).collect::<Result<Vec<_>>>()?;
    let rows_b = across_seeds(&per_seed);
    let pixel_episodes: Vec<(usize, Vec<super::SampledEpisode>)> =
        episodes.iter().map(|(s, e)| (*s, e[..cfg.pixel_episodes.min(e.len()).max(1)].to_vec())).collect();
    let rows_p = table(&pixels, &pixel_episodes, cfg.ways)?;
    let episodes_s = t0.elapsed().as_secs_f64();
    let mut metrics = Map::new();
    let mut accuracy = Map::new();
    let mut per_method = Map::new();
    for c in &rows_b {
        metrics.insert(key(c.method, c.shots), c.mean.into());
        metrics.insert(format!("{}_sd", key(c.method, c.shots)), c.sd.into());
        let entry = per_method.entry(c.method.name()).or_insert_with(|| json!({}));
        entry[c.shots.to_string()] =
            json!({ "mean": c.mean, "sd_seeds": c.sd, "ci95": c.ci95, "per_seed": c.per_seed, "ms_per_episode": c.ms });
    }
    accuracy.insert("backbone".into(), Value::Object(per_method));
    let mut per_method = Map::new();
    for &(method, shots, acc, ci, ms) in &rows_p {
        metrics.insert(format!("raw_{}", key(method, shots)), acc.into());
        let entry = per_method.entry(method.name()).or_insert_with(|| json!({}));
        entry[shots.to_string()] = json!({ "mean": acc, "ci95": ci, "ms_per_episode": ms });
    }
    accuracy.insert("pixels".into(), Value::Object(per_method));
    let base_acc: Vec<f64> = feats.iter().map(|f| f.base_test_accuracy).collect();
    metrics.insert("backbone_base_test_acc".into(), (base_acc.iter().sum::<f64>() / base_acc.len() as f64).into());
    let groups: Vec<BarGroup> = rows_b
        .iter()
        .zip(&rows_p)
        .map(|(b, p)| BarGroup {
            label: format!("{} {}-shot", b.method.name(), b.shots),
            bars: vec![(100.0 * b.mean, 100.0 * b.ci95), (100.0 * p.2, 100.0 * p.3)],
        })
        .collect();
    let lowest = rows_b.iter().map(|r| r.mean - r.ci95).chain(rows_p.iter().map(|r| r.2 - r.3)).fold(1.0f64, f64::min);
    let y_min = ((100.0 * lowest - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let title = format!(
        "{}-way accuracy on novel classes {base}..: trained backbone (mean of {} seeds) vs raw pixels (95 % CI)",
        cfg.ways, cfg.backbone_seeds
    );
    plot_bars(&out.join("accuracy.svg"), &title, &["backbone (CE on base classes)", "raw pixels"], &groups, y_min)?;
    let mut plots = vec!["accuracy.svg".to_string()];
    let losses: Vec<(String, Vec<f64>)> =
        feats.iter().map(|f| (format!("seed {}", f.seed), f.history.losses("train"))).collect();
    if losses.iter().all(|(_, l)| !l.is_empty()) {
        let series: Vec<(&str, &[f64])> = losses.iter().map(|(n, l)| (n.as_str(), l.as_slice())).collect();
        plot_curves(&out.join("loss.svg"), "backbones: cross-entropy on the base classes", "epoch", &series)?;
        plots.push("loss.svg".into());
    }
    let novel_rows: usize = pixels.by_class.iter().map(Vec::len).sum();
    let mut entry = json!({
        "name": NAME,
        "dataset": format!(
            "{}: backbone trained on the {} training images of classes 0..{base}; episodes on the {novel_rows} test images of classes {base}..",
            split.train.name, base_train.n
        ),
        "settings": serde_json::to_value(&cfg).map_err(Error::JsonValue)?,
        "device": spec.device,
        "protocol": format!(
            "{}-way, {:?} shots, {} queries per class, {} episodes per shot count (seed {}; the pixel table on the first {} of them), identical for every method and backbone; CL2N with the base-class mean; methods at clasp's defaults (LaplacianShot λ 1 rectified, SLK λ 0.7, knn 3), untuned; backbone cells: mean and sample sd over the backbone seeds, ci95 = the mean over seeds of the episodes' 95 % half-width",
            cfg.ways, cfg.shots, cfg.queries, cfg.episodes, spec.seed, cfg.pixel_episodes.min(cfg.episodes)
        ),
        "backbone_seeds": feats.iter().map(|f| f.seed).collect::<Vec<_>>(),
        "backbone_base_test_acc_per_seed": base_acc,
        "accuracy": accuracy,
        "feature_dim": feats.first().map_or(0, |f| f.dim),
        "train_s": train_s,
        "episodes_s": episodes_s,
        "history": feats.iter().map(|f| &f.history.epochs).collect::<Vec<_>>(),
    });
    let obj = entry.as_object_mut().ok_or_else(|| Error::Internal("report entry is not an object".into()))?;
    obj.insert("metrics".into(), Value::Object(metrics));
    obj.insert("plots".into(), json!(plots));
    obj.insert("wall_s".into(), start.elapsed().as_secs_f64().into());
    write_run_report(spec, entry)
}
