//! `clasp export-edge`: the trained clustering head as a blob that `clasp_core::fixed::FixedGmm`
//! loads with no heap — a diagonal (or spherical) Gaussian mixture fitted by the core's EM on
//! the training embedding, K = the run's cluster count.

use crate::pipelines::run::{read_npy, read_run_info};
use crate::{Context, Error, Result};
use clap::Args;
use clasp_core::MatRef;
use clasp_core::mixture::{CovarianceType, GaussianMixture, GmmParams, fit};
use std::path::{Path, PathBuf};

/// Arguments of `clasp export-edge`.
#[derive(Args, Debug)]
pub struct ExportEdgeArgs {
    /// Directory of a trained model (the `--out` of `clasp train`).
    #[arg(long)]
    pub model: PathBuf,
    /// Where to write the blob (`FixedGmm::from_bytes` format).
    #[arg(long)]
    pub out: PathBuf,
    /// diag or spherical.
    #[arg(long, default_value = "diag")]
    pub covariance: String,
}

/// Fits the edge head on `DIR/train_embedding.npy`; the host model and its blob.
pub fn edge_head(dir: &Path, covariance: &str) -> Result<(GaussianMixture<f64>, Vec<u8>)> {
    let covariance_type = match covariance {
        "diag" => CovarianceType::Diag,
        "spherical" => CovarianceType::Spherical,
        other => {
            return Err(Error::InvalidArgument {
                flag: "--covariance",
                reason: format!("{other}: expected diag or spherical (the fixed API's types)"),
            });
        }
    };
    let info = read_run_info(dir)?;
    let emb = read_npy(&dir.join("train_embedding.npy"))?;
    let data: Vec<f64> = emb.data.iter().map(|&v| f64::from(v)).collect();
    let x = MatRef::new(&data, emb.n, emb.dim, "embedding")?;
    let params = GmmParams::default().k(info.clusters).covariance_type(covariance_type).n_init(3).seed(info.seed);
    let model = fit(x, &params).context("edge head")?.model;
    let blob = clasp_core::fixed::gmm_blob::to_bytes(&model).context("edge head")?;
    Ok((model, blob))
}

/// Entry point of `clasp export-edge`.
pub fn run(args: &ExportEdgeArgs) -> Result<()> {
    crate::io::prepare_output(&args.out, &[])?;
    let (model, blob) = edge_head(&args.model, &args.covariance)?;
    crate::io::write_atomic(&args.out, &blob)?;
    eprintln!(
        "edge head: {} components × {} dims ({} covariance), {} bytes written to {}",
        model.n_components(),
        model.dim(),
        args.covariance,
        blob.len(),
        args.out.display()
    );
    Ok(())
}
