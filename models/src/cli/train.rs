//! `clasp train <pipeline>`: trains one pipeline and writes `DIR/report.json`, `report.html`,
//! `config.json`, `run.json`, the model, the checkpoint, the embeddings and the plots.

use crate::data::DataSource;
use crate::pipelines::Profile;
use crate::pipelines::run::{RunSpec, train};
use crate::train::Device;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `clasp train`.
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// Pipeline: swav, depict, mlcd (images) or pamc, infonce, dag (graphs).
    pub pipeline: String,
    /// Data: `mnist`, `digits`, a folder of PNG/JPEG images (one sub-folder per class optional) or an `.npy` array;
    /// for the graph pipelines `cora`, `citeseer`, `karate`, `csbm`, `csbm-N` or a folder with edges and features.
    #[arg(long, default_value = "mnist")]
    pub data: DataSource,
    /// quick (an MNIST subset, minutes) or full (MNIST 60k/10k, paper-like settings).
    #[arg(long, default_value = "quick")]
    pub profile: Profile,
    /// Training epochs (overrides the profile and the config file).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Training images (a stratified subset; default: the profile's).
    #[arg(long)]
    pub train_images: Option<usize>,
    /// Test images (a stratified subset; default: the profile's).
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
}

impl TrainArgs {
    /// The run these flags ask for.
    pub fn spec(&self) -> Result<RunSpec, String> {
        let out = self.resume.clone().or_else(|| self.out.clone()).ok_or("--out DIR is required")?;
        Ok(RunSpec {
            pipeline: self.pipeline.clone(),
            data: self.data.clone(),
            profile: self.profile,
            seed: self.seed,
            device: self.device,
            out,
            resume: self.resume.is_some(),
            quiet: self.quiet,
            config: self.config.clone(),
            epochs: self.epochs,
            train_limit: self.train_images,
            test_limit: self.test_images,
        })
    }
}

/// Entry point of `clasp train`.
pub fn run(args: &TrainArgs) -> Result<(), String> {
    let spec = args.spec()?;
    let entry = train(&spec)?;
    let metrics = entry.get("metrics").cloned().unwrap_or_default();
    eprintln!("{} on {}: {}", spec.pipeline, spec.data.name(), metrics);
    eprintln!("report: {}", spec.out.join("report.html").display());
    Ok(())
}
