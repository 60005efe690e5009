//! `clasp kmeans`: Lloyd's k-means (scikit-learn `KMeans` semantics) on a data file.

use super::budget::{Need, available_memory};
use super::limits::{MAX_INIT, MAX_ITER, MAX_K, count, positive};
use super::progress::IterationProgress;
use super::report::{Scores, load_inputs, rows, score, scores_suffix, warn_not_converged};
use crate::io::{Header, write_json_atomic};
use crate::{Context, Result};
use clap::Args;
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans_monitored};
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
    /// Whether the first line of a CSV file is a header (auto: only when every field is a name).
    #[arg(long, value_enum, default_value = "auto")]
    pub header: Header,
    /// Number of clusters.
    #[arg(short = 'k', long = "k", value_parser = count(1, MAX_K))]
    pub k: usize,
    /// Seed of the k-means++ initialisation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Initialisations (lowest inertia kept).
    #[arg(long, default_value_t = 1, value_parser = count(1, MAX_INIT))]
    pub n_init: usize,
    /// Maximum Lloyd passes.
    #[arg(long, default_value_t = 300, value_parser = count(1, MAX_ITER))]
    pub max_iter: usize,
    /// Relative centre-shift tolerance, in (0, 1].
    #[arg(long, default_value_t = 1e-4, value_parser = positive(1.0))]
    pub tol: f64,
    /// Output JSON file.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
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
pub fn run(args: &KmeansArgs) -> Result<()> {
    let (table, truth) = load_inputs(&args.data, args.labels.as_deref(), args.header, &args.out)?;
    let (n, d, k) = (table.rows, table.cols, args.k);
    let what = format!("k-means on {n} × {d} with K = {k}: n·d + 2·K·d + 6·n values");
    Need::new(what, &[&[n, d], &[2, k, d], &[6, n]]).check("kmeans", available_memory(), "lower -k")?;
    let x = MatRef::new(&table.data, table.rows, table.cols, "data")?;
    let params =
        KMeansParams::default().k(args.k).max_iter(args.max_iter).tol(args.tol).n_init(args.n_init).seed(args.seed);
    let mut progress = IterationProgress::new("kmeans", args.n_init, args.quiet);
    let fit = kmeans_monitored(x, &params, &mut progress);
    progress.finish();
    let fit = fit.context("kmeans")?;
    let metrics = truth.as_deref().map(|t| score(t, &fit.labels)).transpose()?;
    let rep = KmeansReport {
        centers: rows(&fit.centers, table.cols),
        n_iter: fit.info.n_iter,
        converged: fit.info.converged,
        inertia: fit.info.inertia,
        labels: fit.labels,
        metrics,
    };
    write_json_atomic(&args.out, &rep)?;
    warn_not_converged("kmeans", rep.converged, "Lloyd's iteration");
    eprintln!(
        "kmeans: K={} n_iter={} inertia={:.6}{}",
        args.k,
        rep.n_iter,
        rep.inertia,
        scores_suffix(rep.metrics.as_ref())
    );
    Ok(())
}
