//! Hyper-parameters and run report of the split/merge sampler.

use alloc::vec::Vec;

use super::hastings::Acceptance;
use crate::error::{Error, Result};
use crate::validate;

/// How the NIW scale matrix Ψ is built from the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PriorSigma {
    /// Ψ = s·I (DeepDPM and GPC).
    Identity,
    /// Ψ = s·diag(per-feature variance of the data).
    DataVariance,
    /// Ψ = s·Cov(X), the full sample covariance of the data (affine-equivariant).
    DataCovariance,
}

/// Which proposals are tried, in which order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ProposalRanking {
    /// Every eligible cluster proposes a 2-means split; every cluster not touched by a split
    /// proposes a merge with its nearest centroid (GPC / DeepDPM).
    SubCluster,
    /// Splits tried in decreasing SMEM J_split, merges over pairs in decreasing J_merge
    /// (Ueda et al. 2000); the sub-cluster split proposal and Hastings test are unchanged.
    Smem,
}

/// Which centre μ enters Ψ* of the NIW marginal likelihood in the Hastings ratios
/// ([`MarginalCentre`](crate::mixture::niw::MarginalCentre)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EvidenceCentre {
    /// The sample mean of the hard cluster: the textbook conjugate marginal likelihood (clasp).
    SampleMean,
    /// The component's current mean, as DeepDPM passes it (`split_rule`, `merge_rule` in
    /// `split_merge_operations.py`): for a split, the whole cluster is scored about its
    /// component mean μ_k (the NIW posterior mean of the last EM block) and each side about
    /// its sub-cluster mean (the NIW posterior mean (N x̄ + κm)/(N + κ) of the side); for a
    /// merge, each part about its component mean and the union about (N₁μ₁ + N₂μ₂)/(N₁ + N₂)
    /// with hard counts N.
    ComponentMean,
}

/// A named set of split/merge hyper-parameters ([`SplitMergeParams::preset`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SplitMergePreset {
    /// clasp's default ([`SplitMergeParams::clasp`]): data-driven Ψ = 0.03·Cov(X),
    /// sample-mean evidence, sub-cluster EM refinement, reorganisation moves, splits and
    /// merges in every sweep.
    Clasp,
    /// DeepDPM's released sampler ([`SplitMergeParams::deepdpm`]): Ψ = 0.005·I,
    /// component-mean evidence, plain 2-means sub-clusters, no reorganisation, split and merge
    /// sweeps alternating, plain Metropolis–Hastings acceptance.
    Reference,
}

params! {
    /// Hyper-parameters of [`split_merge`](super::split_merge). Two named presets:
    ///
    /// - [`SplitMergeParams::clasp`] (= `Default`): DeepDPM's α = 10, κ = 1e-4, ν = D + 2,
    ///   c = 0.1, exact acceptance and sub-cluster proposals, but a data-driven
    ///   Ψ = 0.03·Cov(X) instead of DeepDPM's 0.005·I (an absolute scale that only suits data of
    ///   one particular spread), the textbook sample-mean evidence, hard Gaussian EM refining
    ///   every 2-means proposal, the re-fitted moves (`reorganise`), which DeepDPM lacks, and
    ///   splits and merges in every sweep. A greedier search than DeepDPM's sampler.
    /// - [`SplitMergeParams::deepdpm`]: DeepDPM's released sampler (`BGU-CS-VIL/DeepDPM`
    ///   @95c9376: `DeepDPM.py` arguments, `src/utils.py` ν, `priors.py`,
    ///   `split_merge_operations.py`).
    ///
    /// clasp's preset stays the default: on raw (non-whitened) data the absolute 0.005·I prior
    /// of the reference makes the evidence depend on the units of the data (README, mixtures
    /// section, for the measured K-discovery table of both presets).
    ///
    /// With ν = D + 2 the prior mean of a cluster covariance is Ψ, so s = 0.03 says "a cluster
    /// spans a few percent of the data's variance along each principal direction". The final K
    /// grows monotonically with s; on digits-PCA10 (10 classes) it ends at 8–9 for s = 0.01,
    /// 9–11 for 0.03 and 10–13 for 0.05 (10 seeds, from K = 1 and K = 20), so s is the knob to
    /// turn for coarser or finer clusterings.
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct SplitMergeParams {
        /// Initial number of components (default 1; with labels raised to C + 1, C the number of
        /// labelled classes, so that one free component can split off new classes).
        pub k_init: usize,
        /// Upper bound on the number of components (default 50).
        pub k_max: usize,
        /// DP concentration α of the Hastings ratios (DeepDPM 10, GPC 1).
        pub alpha: f64,
        /// NIW κ (default 1e-4).
        pub prior_kappa: f64,
        /// NIW ν; `None` = D + 2 (DeepDPM). Must exceed D − 1.
        pub prior_nu: Option<f64>,
        /// Scale s of Ψ (default 0.03; DeepDPM/GPC use 0.005 with `Identity`).
        pub prior_sigma_scale: f64,
        /// Shape of Ψ (default `DataCovariance`; DeepDPM/GPC use `Identity`).
        pub prior_sigma: PriorSigma,
        /// Dirichlet pseudo-count c of the weights π_k = (N_k + c)/(N + Kc) (default 0.1).
        pub dirichlet_concentration: f64,
        /// Acceptance rule (default `Exact`, DeepDPM; GPC is `Fixed(0.1)`).
        pub acceptance: Acceptance,
        /// Proposal ranking (default `SubCluster`).
        pub ranking: ProposalRanking,
        /// Maximum number of move sweeps (default 30).
        pub max_sweeps: usize,
        /// Stop after this many consecutive sweeps without an accepted move (default 3).
        pub patience: usize,
        /// EM passes (under the NIW prior) before every sweep and at the end (default 10).
        pub em_iters: usize,
        /// Hard Gaussian EM passes refining every 2-means split proposal (default 10; 0 = plain
        /// 2-means as GPC).
        pub sub_em_iters: usize,
        /// Independent 2-means split proposals per cluster and sweep; the one with the largest
        /// Hastings ratio is tested (default 1 = the sampler of DeepDPM/GPC; more is a greedy
        /// search aid, no longer a Metropolis–Hastings proposal).
        pub split_proposals: usize,
        /// Reorganisation candidates (SMEM merge + split + EM re-fit, greedy) tried after a sweep
        /// without an accepted split or merge (default 5; 0 = the plain DeepDPM/GPC sampler).
        pub reorganise: usize,
        /// Centre of the marginal likelihoods in the Hastings ratios (default `SampleMean`;
        /// DeepDPM `ComponentMean`).
        pub marginal_centre: EvidenceCentre,
        /// Alternate split-only and merge-only sweeps, starting with splits, as DeepDPM does
        /// (its `split_merge_every_n_epochs` schedule); default false = both in every sweep.
        pub alternate_moves: bool,
        /// Guard of DeepDPM's / GPC's `split_rule`: clusters with fewer points are never split, and a split
        /// whose smaller side has at most this many points is rejected (default 5).
        pub min_split_size: usize,
        /// Seed of every random draw (initialisation, 2-means, acceptance).
        pub seed: u64,
    }
}

impl Default for SplitMergeParams {
    fn default() -> Self {
        Self {
            k_init: 1,
            k_max: 50,
            alpha: 10.0,
            prior_kappa: 1e-4,
            prior_nu: None,
            prior_sigma_scale: 0.03,
            prior_sigma: PriorSigma::DataCovariance,
            dirichlet_concentration: 0.1,
            acceptance: Acceptance::Exact,
            ranking: ProposalRanking::SubCluster,
            max_sweeps: 30,
            patience: 3,
            em_iters: 10,
            sub_em_iters: 10,
            split_proposals: 1,
            reorganise: 5,
            marginal_centre: EvidenceCentre::SampleMean,
            alternate_moves: false,
            min_split_size: 5,
            seed: 0,
        }
    }
}

impl SplitMergeParams {
    /// clasp's preset, the default (type docs).
    pub fn clasp() -> Self {
        Self::default()
    }

    /// DeepDPM's released sampler (`BGU-CS-VIL/DeepDPM` @95c9376): Ψ = 0.005·I
    /// (`--prior_sigma_choice isotropic`, `--prior_sigma_scale .005`), α = 10, κ = 1e-4,
    /// ν = D + 2 (`src/utils.py`), Dirichlet pseudo-count 0.1; evidence about the component
    /// means ([`EvidenceCentre::ComponentMean`], `split_rule` / `merge_rule`); one plain
    /// 2-means split proposal per cluster (no sub-cluster EM refinement, no best-of-several);
    /// no reorganisation moves; split and merge sweeps alternating; min(1, H) acceptance
    /// (`--split_prob` / `--merge_prob` unset); the size guards of `split_rule` (5). Other
    /// fields (K₀, K_max, sweeps, EM passes, seed) are clasp's defaults.
    pub fn deepdpm() -> Self {
        Self {
            alpha: 10.0,
            prior_kappa: 1e-4,
            prior_nu: None,
            prior_sigma_scale: 0.005,
            prior_sigma: PriorSigma::Identity,
            dirichlet_concentration: 0.1,
            acceptance: Acceptance::Exact,
            ranking: ProposalRanking::SubCluster,
            sub_em_iters: 0,
            split_proposals: 1,
            reorganise: 0,
            marginal_centre: EvidenceCentre::ComponentMean,
            alternate_moves: true,
            min_split_size: 5,
            ..Self::default()
        }
    }

    /// The parameters of a named preset.
    pub fn preset(preset: SplitMergePreset) -> Self {
        match preset {
            SplitMergePreset::Clasp => Self::clasp(),
            SplitMergePreset::Reference => Self::deepdpm(),
        }
    }

    /// Validates the parameters for data of `dim` dimensions.
    pub fn validate(&self, dim: usize) -> Result<()> {
        if self.k_max == 0 {
            return Err(Error::InvalidParameter { name: "k_max", value: 0.0 });
        }
        if self.k_init == 0 || self.k_init > self.k_max {
            return Err(Error::InvalidParameter { name: "k_init", value: self.k_init as f64 });
        }
        validate::positive_param(self.alpha, "alpha")?;
        validate::positive_param(self.prior_kappa, "prior_kappa")?;
        validate::positive_param(self.prior_sigma_scale, "prior_sigma_scale")?;
        validate::positive_param(self.dirichlet_concentration, "dirichlet_concentration")?;
        if let Some(nu) = self.prior_nu
            && !(nu.is_finite() && nu > dim as f64 - 1.0)
        {
            return Err(Error::InvalidParameter { name: "prior_nu", value: nu });
        }
        if self.max_sweeps == 0 {
            return Err(Error::InvalidParameter { name: "max_sweeps", value: 0.0 });
        }
        if self.patience == 0 {
            return Err(Error::InvalidParameter { name: "patience", value: 0.0 });
        }
        if self.split_proposals == 0 {
            return Err(Error::InvalidParameter { name: "split_proposals", value: 0.0 });
        }
        if self.em_iters == 0 {
            return Err(Error::InvalidParameter { name: "em_iters", value: 0.0 });
        }
        self.acceptance.validate()
    }

    /// ν actually used for data of `dim` dimensions.
    pub fn nu(&self, dim: usize) -> f64 {
        self.prior_nu.unwrap_or(dim as f64 + 2.0)
    }
}

/// What a split/merge run did.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SplitMergeInfo {
    /// K after initialisation, then after every sweep (EM + moves).
    pub k_path: Vec<usize>,
    /// Number of sweeps run.
    pub sweeps: usize,
    /// Accepted splits.
    pub splits: usize,
    /// Accepted merges.
    pub merges: usize,
    /// Accepted reorganisation moves (merge + split at once).
    pub reorganisations: usize,
    /// `patience` consecutive sweeps without an accepted move were reached.
    pub converged: bool,
    /// Log partition score Σ_k (log α + log Γ(N_k) + L_k) of the final hard clusters (the
    /// quantity the moves climb; comparable across runs on the same data and prior).
    pub log_partition_score: f64,
    /// Mean log-likelihood per unlabelled row under the final components (labelled rows
    /// contribute nothing: their assignment is fixed).
    pub mean_log_likelihood: f64,
}
