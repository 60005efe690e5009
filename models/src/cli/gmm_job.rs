//! What every mode of `clasp gmm` shares: the loaded job, the JSON report of a fitted
//! mixture, and the memory estimate of EM (plain EM in `gmm`, split/merge, semi-supervised EM
//! and SMEM in `split_merge`).

use super::budget::Need;
use super::report::{Scores, rows, score};
use crate::Result;
use crate::io::Table;
use clasp_core::MatRef;
use clasp_core::mixture::{GaussianMixture, GmmFit, GmmParams};
use serde::Serialize;
use std::path::Path;

/// One `clasp gmm` run: the data and labels as loaded, the EM parameters, where to write.
pub struct GmmJob<'a> {
    /// The data matrix.
    pub table: &'a Table,
    /// `--labels` (negative = unknown), if given.
    pub labels: Option<&'a [i64]>,
    /// EM parameters (K, covariance, tolerances, seed).
    pub params: GmmParams,
    /// Report path.
    pub out: &'a Path,
    /// No progress display.
    pub quiet: bool,
}

impl GmmJob<'_> {
    /// The data as a matrix view.
    pub fn x(&self) -> Result<MatRef<'_, f64>> {
        Ok(MatRef::new(&self.table.data, self.table.rows, self.table.cols, "data")?)
    }
}

/// The fitted parameters in the report.
#[derive(Serialize, Debug)]
pub struct ModelReport {
    /// Number of components.
    pub k: usize,
    /// Dimension.
    pub dim: usize,
    /// `full`, `diag`, `spherical` or `tied`.
    pub covariance_type: &'static str,
    /// Mixture weights.
    pub weights: Vec<f64>,
    /// Means, one row per component.
    pub means: Vec<Vec<f64>>,
    /// Covariances in scikit-learn's layout, flattened row-major.
    pub covariances: Vec<f64>,
}

impl ModelReport {
    /// Report of a fitted model.
    pub fn new(m: &GaussianMixture<f64>) -> Self {
        Self {
            k: m.n_components(),
            dim: m.dim(),
            covariance_type: m.covariance_type().name(),
            weights: m.weights().to_vec(),
            means: rows(m.means(), m.dim()),
            covariances: m.covariances().to_vec(),
        }
    }
}

/// The JSON written by `clasp gmm`.
#[derive(Serialize, Debug)]
pub struct GmmReport {
    /// Fitted parameters.
    pub model: ModelReport,
    /// Most probable component per row.
    pub labels: Vec<usize>,
    /// EM iterations of the kept initialisation.
    pub n_iter: usize,
    /// Whether it converged.
    pub converged: bool,
    /// Final lower bound (mean log-likelihood before the last M-step).
    pub lower_bound: f64,
    /// Lower bound at every iteration.
    pub lower_bounds: Vec<f64>,
    /// Mean log-likelihood of the fitted model.
    pub score: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// ACC/NMI/ARI when `--labels` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Scores>,
}

/// Builds the report of a fit.
pub fn report(x: MatRef<'_, f64>, fit: &GmmFit<f64>, truth: Option<&[i64]>) -> Result<GmmReport> {
    let m = &fit.model;
    let labels = m.predict(x)?;
    let metrics = truth.map(|t| score(t, &labels)).transpose()?;
    Ok(GmmReport {
        model: ModelReport::new(m),
        n_iter: fit.info.n_iter,
        converged: fit.info.converged,
        lower_bound: fit.info.lower_bound,
        lower_bounds: fit.info.lower_bounds.clone(),
        score: m.score(x)?,
        bic: m.bic(x)?,
        aic: m.aic(x)?,
        labels,
        metrics,
    })
}

/// The memory EM needs with `k` components on `n` × `d` data: responsibilities, their logs
/// and a copy (3·n·K), covariances, precisions and their factors (3·K·d²), the data (n·d).
pub fn em_memory(n: usize, d: usize, k: usize) -> Need {
    Need::new(
        format!("EM on {n} × {d} with K = {k}: 3·n·K + 3·K·d² + n·d values"),
        &[&[3, n, k], &[3, k, d, d], &[n, d]],
    )
}
