//! One video training run from data to report, shared by `clasp train sigma|pixel` and
//! `clasp demo`: load the clips, settle the configuration (profile defaults ← `--config` file
//! ← flags; written as `config.json`), train on the chosen device, probe the frozen clip
//! embeddings for every labelling of the clips (linear probe and k-means NMI), draw the
//! plots, and write `report.json` and `report.html`.

use super::Profile;
use super::run::{RunSpec, prepare_out, settle_config, with_extra, write_npy, write_run_report};
use super::sigma::{VideoMaeConfig, VideoTarget, VideoTrained, train_video};
use super::{Matrix, TrainContext};
use crate::data::video::{VideoSet, VideoSource, VideoSplit, load_video_split};
use crate::eval::{ProbeParams, kmeans_scores, linear_probe};
use crate::report::{plot_curves, plot_embedding};
use crate::train::device::{Job, dispatch};
use crate::train::{History, TrainBackend};
use crate::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

/// The video pipelines: SIGMA and its VideoMAE pixel baseline.
pub const VIDEO_PIPELINES: [&str; 2] = ["sigma", "pixel"];

/// The labellings probed, in report order (`probe_motion`, `probe_identity`, …).
const PROBED: [&str; 2] = ["motion", "identity"];

/// A video training run: [`RunSpec`] on a [`VideoSource`], `train_limit`/`test_limit` counting clips.
pub type VideoRunSpec = RunSpec<VideoSource>;

/// Training and test clips of a profile (the synthetic sets draw this many; videos are capped).
pub fn default_clips(profile: Profile) -> (usize, usize) {
    match profile {
        Profile::Quick => (768, 512),
        Profile::Full => (4096, 1024),
    }
}

/// The tubelet side for frames of `side` pixels: its largest divisor in 4..=8 (no pixel
/// dropped; e.g. 5 × 7 for the 25 × 14 tiny GIF), else 8 (the remainder dropped).
fn patch_side(side: usize) -> usize {
    (4..=8).rev().find(|p| side.is_multiple_of(*p)).unwrap_or(8)
}

/// The settings of a profile for clips like `train`.
pub fn profile_config(target: VideoTarget, profile: Profile, train: &VideoSet) -> VideoMaeConfig {
    let cfg = VideoMaeConfig::new(target).with_patch_h(patch_side(train.height)).with_patch_w(patch_side(train.width));
    match profile {
        Profile::Quick => cfg.with_epochs(40),
        Profile::Full => cfg.with_width(128).with_depth(4).with_decoder_width(96).with_projection(128).with_epochs(100),
    }
}

fn target_of(pipeline: &str) -> Result<VideoTarget> {
    match pipeline {
        "sigma" => Ok(VideoTarget::Sigma),
        "pixel" => Ok(VideoTarget::Pixel),
        other => Err(Error::Unknown {
            what: "video pipeline",
            name: other.into(),
            expected: format!("expected {}", VIDEO_PIPELINES.join(" or ")),
        }),
    }
}

/// The configuration of a run: the resumed run's, or the profile's replaced by `--config`;
/// then `--epochs`. The target is the pipeline's.
/// The run's configuration ([`settle_config`]), checked to be for `target`'s pipeline.
fn video_config(spec: &VideoRunSpec, split: &VideoSplit, target: VideoTarget) -> Result<VideoMaeConfig> {
    let cfg = settle_config(spec, "video", || profile_config(target, spec.profile, &split.train), |c| &mut c.epochs)?;
    if cfg.target != target {
        return Err(Error::InvalidConfig(format!(
            "the configuration is for target {:?}, the pipeline is `{}`",
            cfg.target, spec.pipeline
        )));
    }
    Ok(cfg)
}

struct VideoJob<'a> {
    cfg: &'a VideoMaeConfig,
    split: &'a VideoSplit,
    ctx: &'a TrainContext,
}

impl Job for VideoJob<'_> {
    type Output = Result<VideoTrained>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        train_video::<B>(self.cfg, self.split, self.ctx, &device)
    }
}

/// `probe_L` (linear probe test accuracy) and `nmi_L` (k-means with K = classes on the test
/// embedding) for every probed labelling L both parts have; `nmi` is the motion one.
fn score(trained: &VideoTrained, split: &VideoSplit, seed: u64) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    let (tr, te): (&Matrix, &Matrix) = (&trained.train_embedding, &trained.test_embedding);
    for name in PROBED {
        let (Some(ytr), Some(yte)) = (split.train.label_set(name), split.test.label_set(name)) else {
            continue;
        };
        let k = ytr.class_names.len();
        let probe = linear_probe(
            tr.features(),
            &ytr.values,
            te.features(),
            &yte.values,
            k,
            &ProbeParams { seed, ..Default::default() },
        )?;
        let (clusters, _) = kmeans_scores(te.features(), &yte.values, k, 10, seed)?;
        m.insert(format!("probe_{name}"), probe.into());
        m.insert(format!("nmi_{name}"), clusters.nmi.into());
    }
    if let Some(nmi) = m.get("nmi_motion").cloned() {
        m.insert("nmi".into(), nmi);
    }
    Ok(m)
}

/// The loss curve and the test embedding coloured by each labelling (PCA).
fn draw_plots(out: &Path, name: &str, trained: &VideoTrained, test: &VideoSet) -> Result<Vec<String>> {
    let history: &History = &trained.history;
    let mut plots = Vec::new();
    let losses = history.losses("train");
    if !losses.is_empty() {
        plot_curves(&out.join("loss.svg"), &format!("{name}: training loss"), "epoch", &[("train", &losses)])?;
        plots.push("loss.svg".to_string());
    }
    let emb = &trained.test_embedding;
    for l in &test.labels {
        let file = format!("embedding_{}.svg", l.name);
        let title = format!("{name}: test clip embedding (PCA), coloured by {}", l.name);
        plot_embedding(&out.join(&file), &title, &emb.data, emb.n, emb.dim, &l.values)?;
        plots.push(file);
    }
    Ok(plots)
}

/// Trains the video pipeline `spec.pipeline`; its report entry.
pub fn train_video_run(spec: &VideoRunSpec) -> Result<Value> {
    let start = Instant::now();
    let target = target_of(&spec.pipeline)?;
    crate::train::device::check(spec.device)?;
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let (dtrain, dtest) = default_clips(spec.profile);
    let (ntrain, ntest) = (spec.train_limit.unwrap_or(dtrain), spec.test_limit.unwrap_or(dtest));
    let split = load_video_split(&spec.data, ntrain, ntest, spec.seed)?;
    let cfg = video_config(spec, &split, target)?;
    let primary = prepare_out(spec, &cfg)?;
    let trained = dispatch(spec.device, VideoJob { cfg: &cfg, split: &split, ctx: &spec.context() })??;
    if !primary {
        return Ok(json!({ "name": spec.pipeline, "history": trained.history.epochs }));
    }
    write_npy(&out.join("train_embedding.npy"), &trained.train_embedding)?;
    write_npy(&out.join("test_embedding.npy"), &trained.test_embedding)?;
    let train_s = start.elapsed().as_secs_f64();
    let metrics = score(&trained, &split, spec.seed)?;
    let plots = draw_plots(out, &spec.pipeline, &trained, &split.test)?;
    let (tr, te) = (&split.train, &split.test);
    let epochs = &trained.history.epochs;
    let entry = json!({
        "name": spec.pipeline,
        "dataset": format!("{} ({} train / {} test clips of {}×{}×{})", spec.data.name(), tr.n, te.n, tr.frames, tr.height, tr.width),
        "settings": serde_json::to_value(&cfg).map_err(Error::JsonValue)?,
        "metrics": metrics,
        "device": spec.device,
        "train_s": train_s,
        "wall_s": start.elapsed().as_secs_f64(),
        "plots": plots,
        "epoch_s": epochs.iter().map(|e| e.seconds).sum::<f64>() / epochs.len().max(1) as f64,
        "step_ms": trained.step_ms,
        "sinkhorn_ms": trained.sinkhorn_ms,
        "sinkhorn_share_of_step": if trained.step_ms > 0.0 { trained.sinkhorn_ms / trained.step_ms } else { 0.0 },
        "throughput_clips_per_s": trained.history.mean_throughput(),
        "history": trained.history.epochs,
    });
    write_run_report(spec, with_extra(entry, trained.extra))
}
