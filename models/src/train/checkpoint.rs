//! Checkpoints with burn's recorders: the model (named MessagePack, full precision), the
//! optimiser state, and a JSON state (epochs done, history, pipeline-specific values) in one
//! directory. A checkpoint is written to `checkpoint.tmp/` and renamed over `checkpoint/` so
//! an interrupted write never leaves a half checkpoint that looks complete; `--resume DIR`
//! loads `DIR/checkpoint/` and continues with the next epoch.

use crate::{Error, Result};
use burn::module::Module;
use burn::optim::Optimizer;
use burn::prelude::*;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

type FileRecorder = NamedMpkFileRecorder<FullPrecisionSettings>;

/// The checkpoint directory of a run.
pub struct Checkpoint {
    dir: PathBuf,
}

impl Checkpoint {
    /// The checkpoint of the run whose output directory is `run_dir`.
    pub fn new(run_dir: &Path) -> Self {
        Self { dir: run_dir.join("checkpoint") }
    }

    /// Whether a complete checkpoint exists (its state file is written last).
    pub fn exists(&self) -> bool {
        self.dir.join("state.json").is_file()
    }

    /// Writes model, optimiser and state.
    pub fn save<B, M, O, S>(&self, model: &M, optim: &O, state: &S) -> Result<()>
    where
        B: AutodiffBackend,
        M: Module<B> + burn::module::AutodiffModule<B>,
        O: Optimizer<M, B>,
        S: Serialize,
    {
        let tmp = self.dir.with_extension("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let rec = FileRecorder::new();
        model.clone().save_file(tmp.join("model"), &rec).map_err(|e| Error::record(&tmp, e))?;
        rec.record(optim.to_record(), tmp.join("optim")).map_err(|e| Error::record(&tmp, e))?;
        let text = serde_json::to_string_pretty(state).map_err(Error::JsonValue)?;
        std::fs::write(tmp.join("state.json"), text).map_err(|e| Error::io(&tmp, e))?;
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        }
        std::fs::rename(&tmp, &self.dir).map_err(|e| Error::io(&self.dir, e))
    }

    /// Loads model, optimiser and state into freshly initialised ones.
    pub fn load<B, M, O, S>(&self, model: M, optim: O, device: &B::Device) -> Result<(M, O, S)>
    where
        B: AutodiffBackend,
        M: Module<B> + burn::module::AutodiffModule<B>,
        O: Optimizer<M, B>,
        S: DeserializeOwned,
    {
        if !self.exists() {
            return Err(Error::invalid_file(&self.dir, "no complete checkpoint to resume from"));
        }
        let rec = FileRecorder::new();
        let model = model.load_file(self.dir.join("model"), &rec, device).map_err(|e| Error::record(&self.dir, e))?;
        let record = rec.load(self.dir.join("optim"), device).map_err(|e| Error::record(&self.dir, e))?;
        let optim = optim.load_record(record);
        let path = self.dir.join("state.json");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let state = serde_json::from_str(&text).map_err(|source| Error::Json { path, source })?;
        Ok((model, optim, state))
    }
}

/// Where a run (or one network of a run) keeps its checkpoint and whether it continues from it.
#[derive(Clone, Copy, Debug)]
pub struct Checkpointing<'a> {
    /// The directory holding `checkpoint/`.
    pub dir: &'a Path,
    /// Continue from the checkpoint, if there is one (none: train from the start).
    pub resume: bool,
}

impl Checkpointing<'_> {
    /// The checkpoint itself.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint::new(self.dir)
    }

    /// When resuming from an existing checkpoint, the saved model, optimiser and state;
    /// otherwise the fresh `model` and `optim` with the default state (nothing trained yet).
    pub fn start<B, M, O, S>(&self, model: M, optim: O, device: &B::Device) -> Result<(M, O, S)>
    where
        B: AutodiffBackend,
        M: Module<B> + burn::module::AutodiffModule<B>,
        O: Optimizer<M, B>,
        S: DeserializeOwned + Default,
    {
        let ckpt = self.checkpoint();
        if self.resume && ckpt.exists() { ckpt.load(model, optim, device) } else { Ok((model, optim, S::default())) }
    }
}

/// Saves a trained model alone (inference weights) as `DIR/model.mpk`.
pub fn save_model<B: Backend, M: Module<B>>(model: &M, dir: &Path) -> Result<()> {
    model.clone().save_file(dir.join("model"), &FileRecorder::new()).map_err(|e| Error::record(dir, e))
}

/// Loads `DIR/model.mpk` into a freshly initialised model of the same configuration.
pub fn load_model<B: Backend, M: Module<B>>(model: M, dir: &Path, device: &B::Device) -> Result<M> {
    model.load_file(dir.join("model"), &FileRecorder::new(), device).map_err(|e| Error::record(dir, e))
}
