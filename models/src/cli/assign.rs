//! `clasp assign`: cluster labels (and optionally embeddings) of new images with a trained model.

use crate::data::{DataSource, load_all};
use crate::io::{prepare_output, write_json_atomic};
use crate::pipelines::run::{infer, write_npy};
use crate::train::Device;
use crate::{Error, Result};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `clasp assign`.
#[derive(Args, Debug)]
pub struct AssignArgs {
    /// Directory of a trained model (the `--out` of `clasp train`).
    #[arg(long)]
    pub model: PathBuf,
    /// Images: `mnist` (its test set), `digits`, a folder of PNG/JPEG images or an `.npy` array.
    #[arg(long)]
    pub data: DataSource,
    /// Where to write the labels (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the embeddings (`.npy`, n × d, f32).
    #[arg(long)]
    pub embeddings: Option<PathBuf>,
    /// cpu, wgpu, cuda or rocm.
    #[arg(long, default_value = "cpu")]
    pub device: Device,
}

/// Entry point of `clasp assign`.
pub fn run(args: &AssignArgs) -> Result<()> {
    let mut inputs = vec![args.model.as_path()];
    if let DataSource::Path(p) = &args.data {
        inputs.push(p.as_path());
    }
    prepare_output(&args.out, &inputs)?;
    if let Some(path) = &args.embeddings {
        if path == &args.out {
            return Err(Error::InvalidArgument { flag: "--embeddings", reason: "and --out name the same file".into() });
        }
        inputs.push(args.out.as_path());
        prepare_output(path, &inputs)?;
    }
    let set = load_all(&args.data)?;
    let (inference, head) = infer(&args.model, &set, args.device)?;
    let labels = inference.head.unwrap_or_default();
    let mut report = json!({
        "model": args.model, "data": args.data.name(), "n": set.n, "head": head, "labels": labels,
    });
    if let Some(truth) = &set.labels {
        let s = crate::eval::cluster_scores(truth, &labels)?;
        report["scores"] = json!(s);
        eprintln!("{} images: ACC {:.4}  NMI {:.4}  ARI {:.4}", set.n, s.acc, s.nmi, s.ari);
    }
    if let Some(path) = &args.embeddings {
        write_npy(path, &inference.embedding)?;
    }
    write_json_atomic(&args.out, &report)?;
    eprintln!("labels of {} images ({} head) written to {}", set.n, head, args.out.display());
    Ok(())
}
