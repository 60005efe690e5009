//! Parameters and results of Lloyd's k-means.

use crate::error::{Error, Result};
use crate::validate;

/// How the initial centres are chosen when none are given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum KMeansInit {
    /// Greedy k-means++ (Arthur & Vassilvitskii 2007, scikit-learn's variant with
    /// 2 + ⌊ln k⌋ local trials per centre).
    PlusPlus,
    /// `k` distinct rows drawn uniformly (scikit-learn's `init="random"`).
    Random,
}

params! {
    /// Parameters of [`kmeans`](super::kmeans). Defaults are scikit-learn's `KMeans` (with
    /// `n_init = 1`, its "auto" value for k-means++).
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct KMeansParams {
        /// Number of clusters (≥ 1, ≤ number of rows). Default 8.
        pub k: usize,
        /// Maximum number of Lloyd passes (≥ 1). Default 300.
        pub max_iter: usize,
        /// Relative tolerance on the centre shift: stop when Σ_k ‖Δc_k‖² ≤ tol · mean_d Var(x_·d).
        /// Default 1e-4; 0 stops only on unchanged assignments (or `max_iter`).
        pub tol: f64,
        /// Number of initialisations; the run with the lowest inertia is kept. Default 1.
        pub n_init: usize,
        /// Initialisation used when no centres are given. Default k-means++.
        pub init: KMeansInit,
        /// Seed of the random stream (initialisation only).
        pub seed: u64,
    }
}

impl Default for KMeansParams {
    fn default() -> Self {
        Self { k: 8, max_iter: 300, tol: 1e-4, n_init: 1, init: KMeansInit::PlusPlus, seed: 0 }
    }
}

impl KMeansParams {
    /// Checks the parameters against a data set of `n` rows.
    pub fn validate(&self, n: usize) -> Result<()> {
        validate::cluster_count(self.k, n)?;
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter { name: "max_iter", value: 0.0 });
        }
        if self.n_init == 0 {
            return Err(Error::InvalidParameter { name: "n_init", value: 0.0 });
        }
        validate::nonnegative_param(self.tol, "tol")
    }
}

/// Diagnostics of a k-means run.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KMeansInfo {
    /// Lloyd passes of the kept run, counting the last one (scikit-learn's `n_iter_`).
    pub n_iter: usize,
    /// The kept run stopped on unchanged assignments or on the centre-shift tolerance.
    pub converged: bool,
    /// Σᵢ ‖xᵢ − c_{labelᵢ}‖² of the kept run.
    pub inertia: f64,
    /// Index (0-based) of the initialisation that was kept.
    pub best_init: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters_are_rejected() {
        let p = KMeansParams { k: 3, ..Default::default() };
        assert!(p.validate(3).is_ok());
        assert_eq!(p.validate(2), Err(Error::InvalidClusterCount { k: 3, n: 2 }));
        assert!(KMeansParams { k: 0, ..p }.validate(3).is_err());
        assert!(KMeansParams { max_iter: 0, ..p }.validate(3).is_err());
        assert!(KMeansParams { n_init: 0, ..p }.validate(3).is_err());
        assert!(KMeansParams { tol: -1.0, ..p }.validate(3).is_err());
        assert!(KMeansParams { tol: f64::NAN, ..p }.validate(3).is_err());
    }
}
