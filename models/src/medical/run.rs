//! One MaxQuery run from data to report, shared by `clasp train maxquery` and `clasp demo`:
//! settle the configuration (profile defaults ← `--config` JSON ← `--epochs`; written as
//! `config.json`), load the images and derive their labels, build the seeded benchmark (training
//! crops of inliers only, test crops with OOD objects), train the network with the QD loss and,
//! as the ablation, the same network from the same initialisation without it, fit the
//! training-free k-means-query baseline, score every test pixel (MaxQuery, its probability
//! variant, MaxQuery against the fixed inlier queries, MSP and energy; OOD pixels positive), compute Dice per inlier class on the inlier
//! test pixels, draw the plots and write `report.json` and `report.html`.
//!
//! Both networks are checkpointed after every epoch (`checkpoint/` and `no_qd/checkpoint/`);
//! `--resume DIR` (with the run's `--data` and `--seed`) reads `DIR/config.json`, continues each
//! network after its last saved epoch (from the start when it saved none) and gives the
//! uninterrupted run's report.

use super::bench::{Crop, crop_side, test_crops, train_batch};
use super::maxquery::MaxQueryConfig;
use super::maxquery::kmeans_queries::KMeansQueries;
use super::maxquery::train::{Checkpointing, Scored, score, train};
use super::plots::ood_figure;
use super::source::{MedicalSet, MedicalSource, load_source};
use crate::distributed::{DistSpec, Replica, run_fingerprint};
use crate::metrics::{auroc, average_precision, dice_per_class, fpr95, mean_dice, roc_curve};
use crate::pipelines::run::{RunSpec, clear_stale_checkpoint, prepare_out, settle_config, write_run_report};
use crate::report::{plot_curves, plot_roc};
use crate::train::TrainBackend;
use crate::train::device::{Job, dispatch};
use crate::{Context, Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

/// The medical pipelines.
pub const MEDICAL_PIPELINES: [&str; 1] = ["maxquery"];

/// A medical run's request (`--data` read as a [`MedicalSource`]).
pub type MedicalRunSpec = RunSpec<MedicalSource>;

/// Crops shown in the OOD-map figure.
const FIGURE_CROPS: usize = 3;

/// What the benchmark construction is, for the report.
pub const OOD_CONSTRUCTION: &str = "Training crops: random windows of the labelled images with flips/rotations and a small \
intensity jitter, inliers only. Test crops (seeded): random windows with 1–3 OOD objects each, either a synthetic lesion \
(bright Gaussian blob, OOD where it adds ≥ 0.3 of its amplitude) or an elliptical patch cut from another image (MR slice, \
microaneurysm detail or cell texture), z-scored and written at the crop's local mean and contrast (OOD on the ellipse). \
OOD pixels are the positives of AUROC, AUPR and FPR95; Dice is computed on the inlier pixels.";

/// The folder (in the run's) of the ablation's checkpoint; the main network's is `checkpoint/`.
pub const NO_QD_DIR: &str = "no_qd";

struct MaxQueryJob<'a> {
    set: &'a MedicalSet,
    cfg: &'a MaxQueryConfig,
    test: &'a [Crop],
    seed: u64,
    quiet: bool,
    checkpoints: [Checkpointing<'a>; 2],
    dist: Option<&'a DistSpec>,
}

impl Job for MaxQueryJob<'_> {
    /// Both networks scored (rank 0 of a distributed run and a single process; `None` on
    /// the other ranks).
    type Output = Result<Option<[Scored; 2]>>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        let [c_main, c_ablation] = self.checkpoints.map(Some);
        let (set, cfg, test, seed, quiet) = (self.set, self.cfg, self.test, self.seed, self.quiet);
        let pixels: Vec<f32> = set.images.iter().flat_map(|i| i.pixels.iter().copied()).collect();
        let mut replica = Replica::<B>::join(self.dist, &device, run_fingerprint(cfg, &pixels, seed))?;
        let main = train::<B>(&mut replica, set, cfg, cfg.lambda_qd, seed, quiet, c_main, &device)?;
        replica.finish(&main.model)?;
        replica.restart();
        let ablation = train::<B>(&mut replica, set, cfg, 0.0, seed, quiet, c_ablation, &device)?;
        replica.finish(&ablation.model)?;
        if !replica.primary() {
            return Ok(None);
        }
        let main = score(main, set, cfg, test, seed, &device)?;
        Ok(Some([main, score(ablation, set, cfg, test, seed, &device)?]))
    }
}

fn maxquery_config(spec: &MedicalRunSpec) -> Result<MaxQueryConfig> {
    let cfg = settle_config(spec, "maxquery", || MaxQueryConfig::for_profile(spec.profile), |c| &mut c.epochs)?;
    cfg.check()?;
    Ok(cfg)
}

/// AUROC, AUPR and FPR95 of `score` with the OOD pixels positive.
pub fn ood_metrics(ood: &[bool], score: &[f64]) -> Result<[f64; 3]> {
    let all = auroc(ood, score).and_then(|a| Ok([a, average_precision(ood, score)?, fpr95(ood, score)?]));
    all.context("OOD metrics")
}

/// Inserts the AUROC/AUPR/FPR95 of every score of `scored` and its Dice into `m`; keys end in
/// `suffix` (the main score's keys are bare: `auroc`, the others `auroc_msp`, …).
fn insert_metrics(
    m: &mut Map<String, Value>,
    scored: &Scored,
    truth: &[usize],
    ood: &[bool],
    set: &MedicalSet,
    suffix: &str,
) -> Result<()> {
    for (name, score) in scored.scores.named() {
        let [a, p, f] = ood_metrics(ood, score)?;
        for (metric, v) in [("auroc", a), ("aupr", p), ("fpr95", f)] {
            let key = if name == "maxquery" { format!("{metric}{suffix}") } else { format!("{metric}_{name}{suffix}") };
            m.insert(key, v.into());
        }
    }
    insert_dice(m, truth, &scored.pred, ood, set, suffix)
}

/// Dice per inlier class (on the inlier pixels) and its mean.
fn insert_dice(
    m: &mut Map<String, Value>,
    truth: &[usize],
    pred: &[usize],
    ood: &[bool],
    set: &MedicalSet,
    suffix: &str,
) -> Result<()> {
    let inlier: Vec<bool> = ood.iter().map(|o| !o).collect();
    let per = dice_per_class(truth, pred, &inlier, set.classes.len()).context("Dice")?;
    let by_class: Map<String, Value> =
        set.classes.iter().zip(&per).map(|(c, d)| (c.clone(), d.map_or(Value::Null, Value::from))).collect();
    m.insert(format!("dice{suffix}"), mean_dice(&per).map_or(Value::Null, Value::from));
    m.insert(format!("dice_per_class{suffix}"), Value::Object(by_class));
    Ok(())
}

/// Loss curves, ROC curves and the OOD-map figure; the plot file names.
fn draw_plots(
    out: &Path,
    name: &str,
    runs: &[Scored; 2],
    test: &[Crop],
    ood: &[bool],
    m: &Map<String, Value>,
) -> Result<Vec<String>> {
    let [main, ablation] = runs;
    let series: Vec<(&str, &[f64])> = vec![
        ("total, with QD", &main.losses.total),
        ("total, no QD", &ablation.losses.total),
        ("QD term, with QD", &main.losses.qd),
        ("QD term, no QD (untrained)", &ablation.losses.qd),
    ];
    plot_curves(&out.join("loss.svg"), &format!("{name}: training loss"), "epoch", &series)?;
    let mut curves = Vec::new();
    let num = |k: &str| m.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    for (label, score, key) in [
        ("MaxQuery", &main.scores.maxquery, "auroc"),
        ("MSP", &main.scores.msp, "auroc_msp"),
        ("energy", &main.scores.energy, "auroc_energy"),
        ("MaxQuery, no QD", &ablation.scores.maxquery, "auroc_no_qd"),
        ("inlier queries", &main.scores.inlier, "auroc_inlier"),
    ] {
        let (fpr, tpr) = roc_curve(ood, score).context("ROC")?;
        curves.push((format!("{label} ({:.3})", num(key)), fpr, tpr));
    }
    let refs: Vec<(&str, &[f64], &[f64])> =
        curves.iter().map(|(n, f, t)| (n.as_str(), f.as_slice(), t.as_slice())).collect();
    plot_roc(&out.join("roc.svg"), &format!("{name}: pixel ROC, OOD positive (AUROC)"), &refs)?;
    let p = test.first().map_or(0, |c| c.size * c.size);
    let shown: Vec<&Crop> = test.iter().take(FIGURE_CROPS).collect();
    let maps: Vec<Vec<&[f64]>> = (0..shown.len())
        .map(|r| {
            let range = r * p..(r + 1) * p;
            vec![
                &main.scores.maxquery[range.clone()],
                &main.scores.msp[range.clone()],
                &ablation.scores.maxquery[range],
            ]
        })
        .collect();
    let png = ood_figure(&shown, &maps)?;
    crate::io::output::write_atomic(&out.join("ood_maps.png"), &png)?;
    Ok(vec!["ood_maps.png".into(), "roc.svg".into(), "loss.svg".into()])
}

/// Trains MaxQuery as `spec` says and writes its report; its entry.
pub fn train_medical(spec: &MedicalRunSpec) -> Result<Value> {
    let start = Instant::now();
    if !MEDICAL_PIPELINES.contains(&spec.pipeline.as_str()) {
        return Err(Error::Unknown {
            what: "medical pipeline",
            name: spec.pipeline.clone(),
            expected: format!("expected {}", MEDICAL_PIPELINES.join(", ")),
        });
    }
    crate::train::device::check(spec.device)?;
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let no_qd_dir = out.join(NO_QD_DIR);
    let cfg = maxquery_config(spec)?;
    if prepare_out(spec, &cfg)? {
        clear_stale_checkpoint(&no_qd_dir, spec.resume)?;
    }
    let set = load_source(&spec.data)?;
    let test_side = crop_side(&set, cfg.test_crop);
    let test = test_crops(&set, test_side, cfg.test_crops, spec.seed);
    let truth: Vec<usize> = test.iter().flat_map(|c| c.labels.iter().map(|&l| usize::from(l))).collect();
    let ood: Vec<bool> = test.iter().flat_map(|c| c.ood.iter().copied()).collect();
    let job = MaxQueryJob {
        set: &set,
        cfg: &cfg,
        test: &test,
        seed: spec.seed,
        quiet: spec.quiet,
        checkpoints: [
            Checkpointing { dir: out, resume: spec.resume },
            Checkpointing { dir: &no_qd_dir, resume: spec.resume },
        ],
        dist: spec.dist.as_ref(),
    };
    let Some(runs) = dispatch(spec.device, job)?? else {
        return Ok(json!({ "name": spec.pipeline }));
    };
    let mut metrics = Map::new();
    insert_metrics(&mut metrics, &runs[0], &truth, &ood, &set, "")?;
    insert_metrics(&mut metrics, &runs[1], &truth, &ood, &set, "_no_qd")?;
    // The training-free baseline sees the first steps' training crops.
    let side = crop_side(&set, cfg.crop);
    let fit_crops: Vec<Crop> = (0..4).flat_map(|s| train_batch(&set, side, cfg.batch, spec.seed, s)).collect();
    let km = KMeansQueries::fit(&fit_crops, cfg.queries, set.classes.len(), cfg.kmeans_pixels, spec.seed)?;
    let (mut km_pred, mut km_score) = (Vec::new(), Vec::new());
    for c in &test {
        let (p, s) = km.score(c)?;
        km_pred.extend(p);
        km_score.extend(s);
    }
    let [a, p, f] = ood_metrics(&ood, &km_score)?;
    for (k, v) in [("auroc_kmeans", a), ("aupr_kmeans", p), ("fpr95_kmeans", f)] {
        metrics.insert(k.into(), v.into());
    }
    insert_dice(&mut metrics, &truth, &km_pred, &ood, &set, "_kmeans")?;
    let plots = draw_plots(out, &spec.pipeline, &runs, &test, &ood, &metrics)?;
    let ood_pixels = ood.iter().filter(|&&o| o).count();
    let mut entry = json!({
        "name": spec.pipeline,
        "dataset": format!("{} ({} image(s), classes: {})", set.name, set.images.len(), set.classes.join(", ")),
        "settings": cfg,
        "device": spec.device,
        "benchmark": {
            "label_rule": set.label_rule,
            "construction": OOD_CONSTRUCTION,
            "classes": set.classes,
            "train_crops": cfg.epochs * cfg.steps_per_epoch * cfg.batch,
            "train_crop_side": side,
            "test_crops": test.len(),
            "test_crop_side": test_side,
            "test_pixels": ood.len(),
            "ood_pixels": ood_pixels,
            "ood_fraction": ood_pixels as f64 / ood.len().max(1) as f64,
            "ood_sources": set.ood_sources.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        },
        "ood_maps_columns": ["image", "inlier labels", "OOD mask", "MaxQuery score", "MSP score", "MaxQuery score, no QD"],
        "losses": { "qd": runs[0].losses, "no_qd": runs[1].losses },
        "train_s": runs[0].train_s,
        "train_s_no_qd": runs[1].train_s,
        "plots": plots,
    });
    let obj = entry.as_object_mut().ok_or_else(|| Error::Internal("report entry is not an object".into()))?;
    for (k, v) in &metrics {
        obj.insert(k.clone(), v.clone());
    }
    obj.insert("metrics".into(), Value::Object(metrics));
    obj.insert("wall_s".into(), start.elapsed().as_secs_f64().into());
    write_run_report(spec, entry)
}
