//! `clasp gmm`: Gaussian-mixture EM (scikit-learn `GaussianMixture` semantics) on a data file.

use super::budget::available_memory;
use super::gmm_job::{GmmJob, em_memory, report};
use super::limits::{MAX_INIT, MAX_ITER, MAX_K, between, count, positive};
use super::progress::{IterationProgress, ProgressEm};
use super::report::{load_inputs, scores_suffix, warn_not_converged};
use crate::io::{Header, write_json_atomic};
use crate::{Context, Result};
use clap::{Args, ValueEnum};
use clasp_core::mixture::{CovarianceType, GmmInit, GmmInitValues, GmmParams, PlainEm, fit_with_hook};
use std::path::PathBuf;

/// `--cov`: the core's [`CovarianceType`], by scikit-learn's names (`CovarianceType::name`).
fn covariance_type() -> impl clap::builder::TypedValueParser<Value = CovarianceType> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(CovarianceType::ALL.map(|c| PossibleValue::new(c.name()).help(c.summary())))
        .try_map(|name| CovarianceType::from_name(&name).ok_or(format!("unknown covariance type `{name}`")))
}

/// Initialisation on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum InitArg {
    /// k-means labels.
    Kmeans,
    /// k-means++ seed rows only.
    #[value(name = "k-means++")]
    KmeansPlusPlus,
    /// Random responsibilities.
    Random,
    /// K random rows.
    RandomFromData,
}

/// Arguments of `clasp gmm`.
#[derive(Args, Debug)]
pub struct GmmArgs {
    /// Data matrix (.npy or CSV), one row per point.
    #[arg(long)]
    pub data: PathBuf,
    /// Reference labels (.npy or CSV; negative = unknown) to report ACC/NMI/ARI.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Whether the first line of a CSV file is a header (auto: only when every field is a name).
    #[arg(long, value_enum, default_value = "auto")]
    pub header: Header,
    /// Number of components.
    #[arg(short = 'k', long = "k", value_parser = count(1, MAX_K))]
    pub k: usize,
    /// Covariance type (plain EM; split/merge fits full covariances).
    #[arg(long = "cov", value_parser = covariance_type(), default_value = "full", conflicts_with = "split_merge")]
    pub cov: CovarianceType,
    /// Seed of the initialisation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// EM iterations per initialisation.
    #[arg(long, default_value_t = 100, value_parser = count(1, MAX_ITER), conflicts_with = "split_merge")]
    pub max_iter: usize,
    /// Convergence tolerance on the change of the mean log-likelihood, in (0, 1].
    #[arg(long, default_value_t = 1e-3, value_parser = positive(1.0), conflicts_with = "split_merge")]
    pub tol: f64,
    /// Added to the covariance diagonals.
    #[arg(long, default_value_t = 1e-6, value_parser = between(0.0, 1e6), conflicts_with = "split_merge")]
    pub reg_covar: f64,
    /// Initialisations (best lower bound kept).
    #[arg(long, default_value_t = 1, value_parser = count(1, MAX_INIT), conflicts_with = "split_merge")]
    pub n_init: usize,
    /// Initial responsibilities.
    #[arg(long, value_enum, default_value = "kmeans", conflicts_with = "split_merge")]
    pub init: InitArg,
    /// Output JSON file.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,

    /// `--split-merge` / `--semi-supervised` and their options (models/src/cli/split_merge.rs).
    #[command(flatten)]
    pub split_merge: super::split_merge::GmmSplitMergeArgs,
}

impl GmmArgs {
    /// The core parameters these arguments describe.
    pub fn params(&self) -> GmmParams {
        GmmParams::default()
            .k(self.k)
            .covariance_type(self.cov)
            .reg_covar(self.reg_covar)
            .tol(self.tol)
            .max_iter(self.max_iter)
            .n_init(self.n_init)
            .init(match self.init {
                InitArg::Kmeans => GmmInit::KMeans,
                InitArg::KmeansPlusPlus => GmmInit::KMeansPlusPlus,
                InitArg::Random => GmmInit::Random,
                InitArg::RandomFromData => GmmInit::RandomFromData,
            })
            .seed(self.seed)
    }
}

impl GmmArgs {
    /// Checks `--out` against the inputs and its folder, then reads the data and labels.
    pub fn load(&self) -> Result<(crate::io::Table, Option<Vec<i64>>)> {
        load_inputs(&self.data, self.labels.as_deref(), self.header, &self.out)
    }
}

/// Entry point of `clasp gmm`.
pub fn run(args: &GmmArgs) -> Result<()> {
    let (table, labels) = args.load()?;
    let job =
        GmmJob { table: &table, labels: labels.as_deref(), params: args.params(), out: &args.out, quiet: args.quiet };
    if args.split_merge.selected() {
        return super::split_merge::run(&job, &args.split_merge);
    }
    em_memory(table.rows, table.cols, args.k).check("gmm", available_memory(), "lower -k")?;
    let x = job.x()?;
    let mut progress = IterationProgress::new("gmm", args.n_init, args.quiet);
    let mut hook = ProgressEm::new(PlainEm, &mut progress, args.max_iter);
    let fitted = fit_with_hook(x, &args.params(), &GmmInitValues::default(), &mut hook);
    progress.finish();
    let fitted = fitted.context("gmm")?;
    let rep = report(x, &fitted, job.labels)?;
    write_json_atomic(&args.out, &rep)?;
    warn_not_converged("gmm", rep.converged, "EM");
    eprintln!(
        "gmm: K={} {} n_iter={} converged={} lower_bound={:.6}{}",
        args.k,
        rep.model.covariance_type,
        rep.n_iter,
        rep.converged,
        rep.lower_bound,
        scores_suffix(rep.metrics.as_ref())
    );
    Ok(())
}
