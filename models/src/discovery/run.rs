//! One GPC run from data to report, for `clasp train gpc` and `clasp demo`: load the training
//! images (MNIST's training part; the quick profile a stratified subset), make the GCD split
//! (old classes with a labelled share), settle the configuration (profile defaults ←
//! `--config` JSON ← `--epochs`, written as `config.json`), train on the chosen device, score
//! the unlabelled rows (GCD All/Old/New with one Hungarian map, K̂ and its path) against
//! semi-supervised k-means with the true K on the same embedding (and on a GCD baseline
//! encoder trained as long without the mixture), draw the plots and write `report.json`
//! and `report.html`.

use super::config::GpcConfig;
use super::split::{GcdSplit, gcd_split};
use super::sskmeans::semi_supervised_kmeans;
use super::train::{GpcTrained, train_gpc};
use crate::data::{DataSource, ImageSet, MnistPart, load_mnist, load_split};
use crate::distributed::{DistSpec, Replica, run_fingerprint};
use crate::metrics::gcd_accuracy;
use crate::pipelines::run::{RunSpec, prepare_out, settle_config, write_run_report};
use crate::pipelines::{Matrix, Profile};
use crate::report::{plot_confusion, plot_curves, plot_embedding, write_json_atomic};
use crate::train::TrainBackend;
use crate::train::device::{Job, dispatch};
use crate::{Context, Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

/// Pipeline name.
pub const NAME: &str = "gpc";

/// Training images of the quick profile (a stratified MNIST subset).
pub const QUICK_TRAIN_IMAGES: usize = 3000;

/// Restarts of the semi-supervised k-means baseline.
const BASELINE_RESTARTS: usize = 10;

struct GpcJob<'a> {
    cfg: &'a GpcConfig,
    set: &'a ImageSet,
    split: &'a GcdSplit,
    seed: u64,
    quiet: bool,
    dist: Option<&'a DistSpec>,
    /// Where the encoder is saved.
    out: &'a Path,
}

impl Job for GpcJob<'_> {
    /// Rank 0's (and a single process's) result; `None` on the other ranks.
    type Output = Result<Option<GpcTrained>>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        let fingerprint = run_fingerprint(self.cfg, &self.set.pixels, self.seed);
        let mut replica = Replica::<B>::join(self.dist, &device, fingerprint)?;
        train_gpc::<B>(&mut replica, Some(self.out), self.cfg, self.set, self.split, self.seed, self.quiet, &device)
    }
}

/// GCD All/Old/New of `pred` on the unlabelled rows of `split`.
pub fn gcd_scores(truth: &[usize], pred: &[usize], split: &GcdSplit) -> Result<[f64; 3]> {
    let rows = split.unlabelled();
    let t: Vec<i64> = rows.iter().map(|&i| truth[i] as i64).collect();
    let p: Vec<i64> = rows.iter().map(|&i| pred[i] as i64).collect();
    let old: Vec<bool> = rows.iter().map(|&i| split.is_old[i]).collect();
    let g = gcd_accuracy(&t, &p, &old).context("GCD accuracy")?;
    Ok([g.all, g.old.unwrap_or(0.0), g.new.unwrap_or(0.0)])
}

/// Semi-supervised k-means with K = `k` on `z`; its GCD scores.
fn baseline_scores(z: &Matrix, truth: &[usize], split: &GcdSplit, k: usize, seed: u64) -> Result<[f64; 3]> {
    let x: Vec<f64> = z.data.iter().map(|&v| f64::from(v)).collect();
    let pred = semi_supervised_kmeans(&x, z.dim, &split.known, k, BASELINE_RESTARTS, seed)?;
    gcd_scores(truth, &pred, split)
}

/// The training images of a run.
fn load_images(spec: &RunSpec) -> Result<ImageSet> {
    let limit = spec.train_limit.or(match (spec.profile, &spec.data) {
        (Profile::Quick, DataSource::Mnist) => Some(QUICK_TRAIN_IMAGES),
        _ => None,
    });
    let set = match &spec.data {
        DataSource::Mnist => load_mnist(MnistPart::Train, limit, spec.seed)?,
        other => load_split(other, limit, None, spec.seed)?.train,
    };
    Ok(set)
}

/// The configuration of a run ([`settle_config`]); `--epochs` sets the number of rounds (one
/// epoch each after the warm-up).
fn gpc_config(spec: &RunSpec) -> Result<GpcConfig> {
    settle_config(spec, "gpc", || GpcConfig::for_profile(spec.profile), |c| &mut c.rounds)
}

/// K path, loss curves, the embedding and the confusion matrix of the unlabelled rows.
fn draw_plots(
    out: &Path,
    t: &GpcTrained,
    pred: &[usize],
    truth: &[usize],
    split: &GcdSplit,
    classes: usize,
) -> Result<Vec<String>> {
    let mut plots = Vec::new();
    let path: Vec<f64> = t.k_path.iter().map(|&k| k as f64).collect();
    let truth_line = vec![classes as f64; path.len()];
    let title = "GPC: estimated K̂ after each round (last: final mixture)";
    plot_curves(&out.join("k_path.svg"), title, "round", &[("K̂", &path), ("true K", &truth_line)])?;
    plots.push("k_path.svg".to_string());
    let phases = t.history.phases();
    let losses: Vec<Vec<f64>> = phases.iter().map(|p| t.history.losses(p)).collect();
    let series: Vec<(&str, &[f64])> = phases.iter().zip(&losses).map(|(p, l)| (p.as_str(), l.as_slice())).collect();
    if !series.is_empty() {
        plot_curves(&out.join("loss.svg"), "GPC: training loss per phase", "epoch of the phase", &series)?;
        plots.push("loss.svg".to_string());
    }
    let rows = split.unlabelled();
    let d = t.embedding.dim;
    let emb: Vec<f32> = rows.iter().flat_map(|&i| t.embedding.data[i * d..(i + 1) * d].iter().copied()).collect();
    let yt: Vec<usize> = rows.iter().map(|&i| truth[i]).collect();
    let yp: Vec<usize> = rows.iter().map(|&i| pred[i]).collect();
    let title = "GPC: embedding of the unlabelled rows (PCA), coloured by class";
    plot_embedding(&out.join("embedding.svg"), title, &emb, rows.len(), d, &yt)?;
    plots.push("embedding.svg".to_string());
    let title = "GPC: unlabelled rows, classes vs clusters (Hungarian)";
    plot_confusion(&out.join("confusion.svg"), title, &yt, &yp)?;
    plots.push("confusion.svg".to_string());
    Ok(plots)
}

/// Trains GPC as `spec` says and writes its report; its report entry.
pub fn train_gpc_run(spec: &RunSpec) -> Result<Value> {
    let start = Instant::now();
    crate::train::device::check(spec.device)?;
    if spec.resume {
        return Err(Error::Usage("gpc has no checkpoints: --resume is not supported, run it again".into()));
    }
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let set = load_images(spec)?;
    let truth =
        set.labels.clone().ok_or_else(|| Error::InvalidInput(format!("{}: GPC needs class labels", set.name)))?;
    let cfg = gpc_config(spec)?;
    prepare_out(spec, &cfg)?;
    let split = gcd_split(&truth, cfg.old_classes, cfg.labelled_fraction, spec.seed)?;
    let classes = set.num_classes();
    let (seed, quiet, dist) = (spec.seed, spec.quiet, spec.dist.as_ref());
    let job = GpcJob { cfg: &cfg, set: &set, split: &split, seed, quiet, dist, out };
    let Some(trained) = dispatch(spec.device, job)?? else {
        return Ok(json!({ "name": NAME }));
    };
    let train_s = start.elapsed().as_secs_f64();
    let k_found = trained.fit.k();
    let [m_all, m_old, m_new] = gcd_scores(&truth, &trained.fit.labels, &split)?;
    let x: Vec<f64> = trained.embedding.data.iter().map(|&v| f64::from(v)).collect();
    let sskm = semi_supervised_kmeans(&x, trained.embedding.dim, &split.known, k_found, BASELINE_RESTARTS, spec.seed)?;
    let [s_all, s_old, s_new] = gcd_scores(&truth, &sskm, &split)?;
    let pred = match cfg.final_assignment.as_str() {
        "sskmeans" => sskm,
        "mixture" => trained.fit.labels.clone(),
        other => {
            return Err(Error::InvalidConfig(format!("final_assignment `{other}`: expected sskmeans or mixture")));
        }
    };
    let [all, old, new] = gcd_scores(&truth, &pred, &split)?;
    let [b_all, b_old, b_new] = baseline_scores(&trained.embedding, &truth, &split, classes, spec.seed)?;
    let mut metrics = Map::new();
    for (k, v) in [
        ("acc_all", all),
        ("acc_old", old),
        ("acc_new", new),
        ("acc_all_baseline", b_all),
        ("acc_old_baseline", b_old),
        ("acc_new_baseline", b_new),
        ("acc_all_mixture", m_all),
        ("acc_old_mixture", m_old),
        ("acc_new_mixture", m_new),
        ("acc_all_sskmeans_k_found", s_all),
        ("acc_old_sskmeans_k_found", s_old),
        ("acc_new_sskmeans_k_found", s_new),
    ] {
        metrics.insert(k.into(), v.into());
    }
    metrics.insert("k_found".into(), k_found.into());
    metrics.insert("true_k".into(), classes.into());
    if let Some(z) = &trained.baseline_embedding {
        let [g_all, g_old, g_new] = baseline_scores(z, &truth, &split, classes, spec.seed)?;
        metrics.insert("acc_all_gcd_encoder".into(), g_all.into());
        metrics.insert("acc_old_gcd_encoder".into(), g_old.into());
        metrics.insert("acc_new_gcd_encoder".into(), g_new.into());
    }
    crate::pipelines::run::write_npy(&out.join("embedding.npy"), &trained.embedding)?;
    let labels = json!({ "truth": truth, "known": split.known, "gpc": pred, "mixture": trained.fit.labels });
    write_json_atomic(&out.join("labels.json"), &labels)?;
    let plots = draw_plots(out, &trained, &pred, &truth, &split, classes)?;
    let unlabelled = split.unlabelled().len();
    let mut entry = json!({
        "name": NAME,
        "dataset": format!(
            "{} ({} training images: classes 0–{} old, {} labelled; scored on the {unlabelled} unlabelled)",
            set.name, set.n, cfg.old_classes.saturating_sub(1), split.labelled_count()
        ),
        "settings": serde_json::to_value(&cfg).map_err(Error::JsonValue)?,
        "device": spec.device,
        "k_path": trained.k_path,
        "split_merge": {
            "splits": trained.fit.info.splits, "merges": trained.fit.info.merges,
            "sweeps": trained.fit.info.sweeps, "final_k_path": trained.fit.info.k_path,
        },
        "final_assignment": cfg.final_assignment,
        "baseline": "acc_*: GPC's labels (final_assignment); *_mixture: argmax of the final semi-supervised mixture; *_sskmeans_k_found: semi-supervised k-means with K = k_found; *_baseline: semi-supervised k-means (labelled rows fixed, K = true number of classes, 10 restarts) on the same final embedding; *_gcd_encoder: the same on an encoder trained as long with GCD's representation loss only (no mixture, no prototype loss)",
        "train_s": train_s,
        "history": trained.history.epochs,
    });
    let obj = entry.as_object_mut().ok_or_else(|| Error::Internal("report entry is not an object".into()))?;
    for (key, v) in &metrics {
        obj.insert(key.clone(), v.clone());
    }
    obj.insert("metrics".into(), Value::Object(metrics));
    obj.insert("plots".into(), json!(plots));
    obj.insert("wall_s".into(), start.elapsed().as_secs_f64().into());
    write_run_report(spec, entry)
}
