//! `clasp kmeans`: Lloyd's k-means (scikit-learn `KMeans` semantics) on a data file.

use super::report::{Scores, load_data, load_labels, rows, score, write_json};
use clap::Args;
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `clasp kmeans`.
#[derive(Args, Debug)]
pub struct KmeansArgs {
    /// Data matrix (.npy or CSV), one row per point.
    #[arg(long)]
    pub data: PathBuf,
    /// Reference labels (.npy or CSV; negative = unknown) to report ACC/NMI/ARI.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Number of clusters.
    #[arg(short = 'k', long = "k")]
    pub k: usize,
    /// Seed of the k-means++ initialisation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Initialisations (lowest inertia kept).
    #[arg(long, default_value_t = 1)]
    pub n_init: usize,
    /// Maximum Lloyd passes.
    #[arg(long, default_value_t = 300)]
    pub max_iter: usize,
    /// Relative centre-shift tolerance.
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
    /// Output JSON file.
    #[arg(long)]
    pub out: PathBuf,
}

/// The JSON written by `clasp kmeans`.
#[derive(Serialize, Debug)]
pub struct KmeansReport {
    /// Final centres, one row per cluster.
    pub centers: Vec<Vec<f64>>,
    /// Cluster of every row.
    pub labels: Vec<usize>,
    /// Lloyd passes of the kept run.
    pub n_iter: usize,
    /// Whether it converged.
    pub converged: bool,
    /// Σ squared distance to the assigned centre.
    pub inertia: f64,
    /// ACC/NMI/ARI when `--labels` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Scores>,
}

/// Entry point of `clasp kmeans`.
pub fn run(args: &KmeansArgs) -> Result<(), String> {
    let table = load_data(&args.data)?;
    let truth = load_labels(args.labels.as_deref(), table.rows)?;
    let x = MatRef::new(&table.data, table.rows, table.cols, "data").map_err(|e| e.to_string())?;
    let params = KMeansParams {
        k: args.k,
        max_iter: args.max_iter,
        tol: args.tol,
        n_init: args.n_init,
        seed: args.seed,
        ..Default::default()
    };
    let fit = kmeans(x, &params).map_err(|e| format!("kmeans: {e}"))?;
    let metrics = truth.as_deref().map(|t| score(t, &fit.labels)).transpose()?;
    let rep = KmeansReport {
        centers: rows(&fit.centers, table.cols),
        n_iter: fit.info.n_iter,
        converged: fit.info.converged,
        inertia: fit.info.inertia,
        labels: fit.labels,
        metrics,
    };
    write_json(&args.out, &rep)?;
    eprintln!(
        "kmeans: K={} n_iter={} inertia={:.6}{}",
        args.k,
        rep.n_iter,
        rep.inertia,
        rep.metrics
            .as_ref()
            .map(|s| format!(" ACC={:.4} NMI={:.4} ARI={:.4}", s.acc, s.nmi, s.ari))
            .unwrap_or_default()
    );
    Ok(())
}
