//! The K-discovery experiment: split/merge GMMs started from a wrong K on the bundled data
//! sets — digits (pixels / 16) projected on 10 principal components, iris, wine and
//! breast_cancer — from K = 1 and K = 2× the number of classes, K/ACC/NMI/ARI averaged over
//! seeds, for either preset (example `k_discovery`, the demo's K-discovery part).

use crate::Result;
use crate::io::load_bundled;
use crate::metrics::{accuracy, adjusted_rand_index, normalized_mutual_info};
use crate::pca::pca;
use clasp_core::MatRef;
use clasp_core::mixture::split_merge::{SplitMergeParams, SplitMergePreset, split_merge};

/// The parameters of the K-discovery table for a preset (`Clasp`: the core defaults, DeepDPM's
/// hyper-parameters with the data-driven Ψ = 0.03·Cov(X) and the re-fitted moves), from
/// `k_init` components.
pub fn k_discovery_params(preset: SplitMergePreset, k_init: usize, seed: u64) -> SplitMergeParams {
    SplitMergeParams::preset(preset).k_init(k_init).seed(seed)
}

/// A bundled data set prepared for K discovery: (x row-major, rows, cols, labels, classes).
pub type KDiscoveryData = (Vec<f64>, usize, usize, Vec<i64>, usize);

/// Loads `name` for K discovery: digits as pixels / 16 projected on 10 principal components,
/// iris as measured (one unit, centimetres), wine and breast_cancer standardised per feature
/// (their features are on scales three orders of magnitude apart, which an isotropic prior
/// such as DeepDPM's Ψ = 0.005·I cannot serve).
pub fn k_discovery_data(name: &str) -> Result<KDiscoveryData> {
    let b = load_bundled(name)?;
    let classes = b.y.iter().copied().max().map_or(0, |m| m as usize + 1);
    let (n, d) = (b.x.rows, b.x.cols);
    match name {
        "digits" => {
            // As the fixtures' digits_pca10: pixels / 16, then the top 10 principal components.
            let scaled: Vec<f64> = b.x.data.iter().map(|v| v / 16.0).collect();
            let x = pca(&scaled, n, d, 10)?;
            Ok((x, n, 10, b.y, classes))
        }
        "wine" | "breast_cancer" => Ok((standardise(&b.x.data, n, d), n, d, b.y, classes)),
        _ => Ok((b.x.data, n, d, b.y, classes)),
    }
}

/// Each column shifted to mean 0 and scaled to unit (population) standard deviation; a
/// constant column stays 0.
fn standardise(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut out = x.to_vec();
    for j in 0..d {
        let mean = (0..n).map(|i| x[i * d + j]).sum::<f64>() / n as f64;
        let var = (0..n).map(|i| (x[i * d + j] - mean).powi(2)).sum::<f64>() / n as f64;
        let scale = if var > 0.0 { 1.0 / var.sqrt() } else { 0.0 };
        (0..n).for_each(|i| out[i * d + j] = (x[i * d + j] - mean) * scale);
    }
    out
}

/// One row of the K-discovery table.
#[derive(Clone, Debug)]
pub struct KDiscoveryRow {
    /// Data set name.
    pub data: String,
    /// True number of classes.
    pub classes: usize,
    /// Initial K.
    pub k_init: usize,
    /// Final K of every seed.
    pub k: Vec<usize>,
    /// Mean ACC (Hungarian), NMI, ARI over the seeds.
    pub acc: f64,
    /// Mean NMI.
    pub nmi: f64,
    /// Mean ARI.
    pub ari: f64,
    /// Sample standard deviations over the seeds of ACC, NMI and ARI.
    pub sd: [f64; 3],
}

/// Mean and sample standard deviation (0 for fewer than two values).
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 { v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (mean, var.sqrt())
}

impl KDiscoveryRow {
    /// Mean final K.
    pub fn k_mean(&self) -> f64 {
        self.k_sd().0
    }

    /// Mean and standard deviation of the final K.
    pub fn k_sd(&self) -> (f64, f64) {
        mean_sd(&self.k.iter().map(|&k| k as f64).collect::<Vec<_>>())
    }
}

/// Runs split/merge with `preset` on `name` from `k_init` for seeds 0..`seeds`.
pub fn k_discovery(preset: SplitMergePreset, name: &str, k_init: usize, seeds: u64) -> Result<KDiscoveryRow> {
    let (x, n, d, y, classes) = k_discovery_data(name)?;
    let xm = MatRef::new(&x, n, d, "x")?;
    let mut k = Vec::new();
    let mut scores: [Vec<f64>; 3] = Default::default();
    for seed in 0..seeds {
        let fit = split_merge(xm, None, &k_discovery_params(preset, k_init, seed))?;
        let pred: Vec<i64> = fit.labels.iter().map(|&l| l as i64).collect();
        k.push(fit.k());
        scores[0].push(accuracy(&y, &pred)?);
        scores[1].push(normalized_mutual_info(&y, &pred)?);
        scores[2].push(adjusted_rand_index(&y, &pred)?);
    }
    let [(acc, acc_sd), (nmi, nmi_sd), (ari, ari_sd)] = scores.each_ref().map(|v| mean_sd(v));
    Ok(KDiscoveryRow { data: name.into(), classes, k_init, k, acc, nmi, ari, sd: [acc_sd, nmi_sd, ari_sd] })
}

/// The table for a preset: digits-PCA10, iris, wine and breast_cancer (standardised), each
/// from K = 1 and K = 2× the number of classes.
pub fn k_discovery_table(preset: SplitMergePreset, seeds: u64) -> Result<Vec<KDiscoveryRow>> {
    let mut rows = Vec::new();
    for (name, truth) in [("digits", 10), ("iris", 3), ("wine", 3), ("breast_cancer", 2)] {
        for k_init in [1, 2 * truth] {
            rows.push(k_discovery(preset, name, k_init, seeds)?);
        }
    }
    Ok(rows)
}

/// Markdown rendering of the table (mean ± sample standard deviation over the seeds).
pub fn format_table(rows: &[KDiscoveryRow]) -> String {
    let mut s =
        String::from("| data | true K | K₀ | K | K per seed | ACC | NMI | ARI |\n|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let (k, k_sd) = r.k_sd();
        s += &format!(
            "| {} | {} | {} | {:.1} ± {:.1} | {:?} | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.3} ± {:.3} |\n",
            r.data, r.classes, r.k_init, k, k_sd, r.k, r.acc, r.sd[0], r.nmi, r.sd[1], r.ari, r.sd[2]
        );
    }
    s
}
