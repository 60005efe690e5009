//! The training pipelines of the seed papers (image: SwAV, DEPICT, MLCD), each a burn model with
//! its `Config`, a training loop on the shared stack (`crate::train`) and an inference entry,
//! behind one [`Pipeline`] trait so the command line, the demo and the reports treat them alike;
//! and the video pipelines (SIGMA and its VideoMAE pixel baseline, [`sigma`]) with their own
//! runner ([`video_run`]) on clips instead of images.

pub mod depict;
pub mod mlcd;
pub mod run;
pub mod sigma;
pub mod swav;
pub mod video_run;

use crate::data::{ImageSet, Split};
use crate::train::{History, TrainBackend};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Size of a run: `quick` (≤ 2 minutes a pipeline on a 2-core CPU, an MNIST subset) or `full`
/// (MNIST 60k/10k, paper-like settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Small and fast.
    Quick,
    /// Paper-like.
    Full,
}

impl FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "quick" => Ok(Profile::Quick),
            "full" => Ok(Profile::Full),
            other => {
                Err(Error::Unknown { what: "profile", name: other.into(), expected: "expected quick or full".into() })
            }
        }
    }
}

impl Profile {
    /// The profile's name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Full => "full",
        }
    }
}

/// A row-major f32 matrix (embeddings).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matrix {
    /// Values, `n × dim`.
    pub data: Vec<f32>,
    /// Rows.
    pub n: usize,
    /// Columns.
    pub dim: usize,
}

impl Matrix {
    /// Borrowed as evaluation features.
    pub fn features(&self) -> crate::eval::Features<'_> {
        crate::eval::Features { data: &self.data, n: self.n, dim: self.dim }
    }
}

/// Where and how a training run works.
#[derive(Clone, Debug)]
pub struct TrainContext {
    /// Output directory (checkpoint, model, report).
    pub out: PathBuf,
    /// Continue from `out/checkpoint` instead of starting afresh.
    pub resume: bool,
    /// No progress display.
    pub quiet: bool,
    /// Seed of every random choice.
    pub seed: u64,
    /// The distributed run this process is a rank of (data-parallel training), if any.
    pub dist: Option<crate::distributed::DistSpec>,
}

/// What a training run returns.
pub struct Trained {
    /// Per-epoch numbers.
    pub history: History,
    /// Embedding of the training images.
    pub train_embedding: Matrix,
    /// Embedding of the test images.
    pub test_embedding: Matrix,
    /// The model's own cluster assignment of the test images (a clustering head's argmax), if it has one.
    pub head_test: Option<Vec<usize>>,
    /// Pipeline-specific numbers for the report (e.g. the Sinkhorn share of a step).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Trained {
    /// What a peer other than rank 0 of a data-parallel run returns: it trained the same
    /// model, rank 0 embeds and writes it.
    pub fn secondary(history: History, extra: serde_json::Map<String, serde_json::Value>) -> Self {
        let empty = Matrix::default();
        Self { history, train_embedding: empty.clone(), test_embedding: empty, head_test: None, extra }
    }
}

/// A trained model applied to images.
#[derive(Debug)]
pub struct Inference {
    /// Embedding of every image.
    pub embedding: Matrix,
    /// The model's own cluster assignment, if it has a clustering head.
    pub head: Option<Vec<usize>>,
}

/// A training pipeline.
pub trait Pipeline {
    /// Name on the command line and in reports.
    const NAME: &'static str;
    /// Its settings (serde JSON).
    type Config: burn::config::Config + Clone;
    /// The settings of a profile for images like `train`.
    fn config(profile: Profile, train: &ImageSet) -> Self::Config;
    /// The number of training epochs of a configuration (for `--epochs`).
    fn epochs(cfg: &mut Self::Config) -> &mut usize;
    /// Trains on `split.train`, saves the model to `ctx.out`, embeds both parts.
    fn train<B: TrainBackend>(
        cfg: &Self::Config,
        split: &Split,
        ctx: &TrainContext,
        device: &B::Device,
    ) -> Result<Trained>;
    /// Loads the model saved in `dir` and applies it to `set`.
    fn infer<B: TrainBackend>(cfg: &Self::Config, dir: &Path, set: &ImageSet, device: &B::Device) -> Result<Inference>;
}

/// The image pipelines (behind [`Pipeline`]).
pub const PIPELINES: [&str; 3] = [swav::Swav::NAME, depict::Depict::NAME, mlcd::Mlcd::NAME];

/// Every pipeline: the image ones, then the video ones ([`video_run::VIDEO_PIPELINES`]).
pub const ALL_PIPELINES: [&str; 5] =
    [PIPELINES[0], PIPELINES[1], PIPELINES[2], video_run::VIDEO_PIPELINES[0], video_run::VIDEO_PIPELINES[1]];

/// Applies `f` (an embedding network on `[n, 1, h, w]` images) to every image of `set` in
/// batches of `batch`.
pub fn embed_all<B: burn::prelude::Backend>(
    set: &ImageSet,
    batch: usize,
    device: &B::Device,
    f: impl Fn(burn::prelude::Tensor<B, 4>) -> burn::prelude::Tensor<B, 2>,
) -> Result<Matrix> {
    let mut out = Matrix::default();
    let idx: Vec<usize> = (0..set.n).collect();
    for chunk in idx.chunks(batch.max(1)) {
        let (v, _, d) = crate::nn::to_matrix(f(crate::nn::images_tensor(set, chunk, device)))?;
        out.data.extend(v);
        out.dim = d;
    }
    out.n = set.n;
    if out.data.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite { what: "embedding" });
    }
    Ok(out)
}

/// [`embed_all`] of both parts of a split: (train, test).
pub fn embed_split<B: burn::prelude::Backend>(
    split: &Split,
    device: &B::Device,
    f: impl Fn(burn::prelude::Tensor<B, 4>) -> burn::prelude::Tensor<B, 2>,
) -> Result<(Matrix, Matrix)> {
    Ok((embed_all(&split.train, EMBED_BATCH, device, &f)?, embed_all(&split.test, EMBED_BATCH, device, &f)?))
}

/// Images per forward pass when embedding a whole set.
pub const EMBED_BATCH: usize = 512;
