//! `clasp train <pipeline>`: trains one pipeline and writes `DIR/report.json`, `report.html`,
//! `config.json`, the model, the checkpoint, the embeddings and the plots (and `run.json` for
//! the image pipelines). `--data` is read per family: image sources for swav/depict/mlcd,
//! video sources for sigma/pixel, paired data for mgca.

use crate::distributed::{DistArgs, DistMode};
use crate::graph::run::GRAPH_PIPELINES;
use crate::medical::run::{MEDICAL_PIPELINES, MedicalRunSpec, train_medical};
use crate::multimodal::data::PairSource;
use crate::multimodal::run::{MGCA, train_mgca_run};
use crate::pipelines::run::{RunSpec, train};
use crate::pipelines::video_run::{VIDEO_PIPELINES, VideoRunSpec, train_video_run};
use crate::pipelines::{PIPELINES, Profile};
use crate::train::Device;
use crate::{Context, Error, Result};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `clasp train`.
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// Pipeline: swav, depict or mlcd (images); sigma or pixel (video); pamc, infonce or dag
    /// (graphs); mgca (paired two-view data); maxquery (medical segmentation with OOD
    /// localisation); gpc (category discovery on MNIST: classes 0–4 old, half of their rows
    /// labelled; `--epochs` sets its rounds); fewshot (a backbone trained on MNIST 0–4, episodes
    /// on 5–9).
    pub pipeline: String,
    /// Data. Images (default `mnist`): `mnist`, `digits`, a folder of PNG/JPEG images (one
    /// sub-folder per class optional) or an `.npy` array. Video (default `moving-digits`):
    /// `moving-digits`, `moving-crops`, `tiny-gif`, or a folder of GIFs or of frame images.
    /// Graphs (default `cora`): `cora`, `citeseer`, `karate`, `csbm`, `csbm-N` (5 classes),
    /// `csbm-N-K` or a folder with edges and features. Paired data for mgca (default `breast-cancer`): `breast-cancer`,
    /// `mnist-halves`, or a CSV of `image_path,report_text[,label]` lines.
    /// Medical (default `ct`): `ct` (bundled CT slice, HU tissue classes),
    /// `fundus` (bundled fundus photograph), or a folder of `NAME.png|npy` images with
    /// `NAME_mask.png|npy` class masks.
    #[arg(long)]
    pub data: Option<String>,
    /// quick (an MNIST subset or 768/512 clips, minutes) or full (MNIST 60k/10k or 4096/1024 clips, paper-like settings).
    #[arg(long, default_value = "quick")]
    pub profile: Profile,
    /// Training epochs (overrides the profile and the config file).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Training images (a stratified subset) or clips; default: the profile's.
    #[arg(long)]
    pub train_images: Option<usize>,
    /// Test images (a stratified subset) or clips; default: the profile's.
    #[arg(long)]
    pub test_images: Option<usize>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// cpu, wgpu, cuda or rocm.
    #[arg(long, default_value = "cpu")]
    pub device: Device,
    /// A JSON configuration of the pipeline (as written to DIR/config.json by an earlier run).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Continue the interrupted run in this directory (its config.json and checkpoint).
    #[arg(long, conflicts_with = "config")]
    pub resume: Option<PathBuf>,
    /// Output directory.
    #[arg(long, required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Data-parallel training (every minibatch pipeline: swav, depict, mlcd, sigma, pixel,
    /// maxquery, fewshot, gpc, mgca): `--peers N` runs N processes here; `--rank R --peers N
    /// --coordinator HOST:PORT` is one rank of a run over several machines.
    #[command(flatten)]
    pub dist: DistArgs,
}

impl TrainArgs {
    /// The run these flags ask for, `--data` read as a `D` (default `default`).
    pub fn spec<D: std::str::FromStr>(&self, default: &str) -> Result<RunSpec<D>>
    where
        D::Err: Into<Error>,
    {
        let data = self.data.as_deref().unwrap_or(default);
        Ok(RunSpec {
            pipeline: self.pipeline.clone(),
            data: data.parse().context(format!("--data {data}"))?,
            profile: self.profile,
            seed: self.seed,
            device: self.device,
            out: self
                .resume
                .clone()
                .or_else(|| self.out.clone())
                .ok_or_else(|| Error::InvalidArgument { flag: "--out", reason: "DIR is required".into() })?,
            resume: self.resume.is_some(),
            quiet: self.quiet,
            config: self.config.clone(),
            epochs: self.epochs,
            train_limit: self.train_images,
            test_limit: self.test_images,
            dist: match self.dist.mode()? {
                DistMode::Rank(spec) => Some(spec),
                DistMode::Single | DistMode::Launch(_) => None,
            },
        })
    }
}

/// Every pipeline `clasp train` knows, family by family.
pub fn all_pipelines() -> Vec<&'static str> {
    PIPELINES
        .iter()
        .chain(&VIDEO_PIPELINES)
        .chain(&GRAPH_PIPELINES)
        .chain(&[MGCA])
        .chain(&MEDICAL_PIPELINES)
        .chain(&[crate::discovery::run::NAME, crate::fewshot::backbone_run::NAME])
        .copied()
        .collect()
}

/// The pipelines `--peers` trains data-parallel: every pipeline that trains on minibatches.
pub const DATA_PARALLEL_PIPELINES: [&str; 9] =
    ["swav", "depict", "mlcd", "sigma", "pixel", "maxquery", "fewshot", "gpc", "mgca"];

/// Why `--peers` cannot train `pipeline` (`None`: it can).
pub fn data_parallel_refusal(pipeline: &str) -> Option<String> {
    if DATA_PARALLEL_PIPELINES.contains(&pipeline) {
        return None;
    }
    let why = if GRAPH_PIPELINES.contains(&pipeline) {
        "it trains full-batch: every step uses the whole graph (all nodes and edges), so there is no batch to split \
         over the peers"
            .to_string()
    } else {
        format!("data-parallel training is implemented for {}", DATA_PARALLEL_PIPELINES.join(", "))
    };
    Some(format!("`{pipeline}`: {why}"))
}

/// Entry point of `clasp train`.
pub fn run(args: &TrainArgs) -> Result<()> {
    let mode = args.dist.mode()?;
    if mode != DistMode::Single
        && let Some(reason) = data_parallel_refusal(&args.pipeline)
    {
        return Err(Error::InvalidArgument { flag: "--peers", reason });
    }
    if let DistMode::Launch(peers) = mode {
        let argv: Vec<_> = std::env::args_os().skip(1).collect();
        return Ok(crate::distributed::launch::launch_local(peers, &argv)?);
    }
    let (entry, data, out) = if VIDEO_PIPELINES.contains(&args.pipeline.as_str()) {
        let spec: VideoRunSpec = args.spec("moving-digits")?;
        (train_video_run(&spec)?, spec.data.name(), spec.out)
    } else if args.pipeline == MGCA {
        let spec: RunSpec<PairSource> = args.spec("breast-cancer")?;
        (train_mgca_run(&spec)?, spec.data.name(), spec.out)
    } else if MEDICAL_PIPELINES.contains(&args.pipeline.as_str()) {
        let spec: MedicalRunSpec = args.spec("ct")?;
        (train_medical(&spec)?, spec.data.name(), spec.out)
    } else if args.pipeline == crate::discovery::run::NAME {
        let spec: RunSpec = args.spec("mnist")?;
        (crate::discovery::run::train_gpc_run(&spec)?, spec.data.name(), spec.out)
    } else if args.pipeline == crate::fewshot::backbone_run::NAME {
        let spec: RunSpec = args.spec("mnist")?;
        (crate::fewshot::backbone_run::train_fewshot_run(&spec)?, spec.data.name(), spec.out)
    } else if GRAPH_PIPELINES.contains(&args.pipeline.as_str()) {
        let spec: RunSpec = args.spec("cora")?;
        (train(&spec)?, spec.data.name(), spec.out)
    } else if PIPELINES.contains(&args.pipeline.as_str()) {
        let spec: RunSpec = args.spec("mnist")?;
        (train(&spec)?, spec.data.name(), spec.out)
    } else {
        return Err(Error::Unknown {
            what: "pipeline",
            name: args.pipeline.clone(),
            expected: format!("expected one of {}", all_pipelines().join(", ")),
        });
    };
    if let DistMode::Rank(spec) = &mode
        && spec.rank != 0
    {
        return Ok(());
    }
    let metrics = entry.get("metrics").cloned().unwrap_or_default();
    eprintln!("{} on {data}: {metrics}", args.pipeline);
    eprintln!("report: {}", out.join("report.html").display());
    Ok(())
}
