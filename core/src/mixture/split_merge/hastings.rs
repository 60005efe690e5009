//! Hastings ratios of the split and merge moves of the Dirichlet-process Gaussian mixture
//! sub-cluster sampler (Chang & Fisher, NeurIPS 2013, eq. 9–10), as DeepDPM computes them
//! (`split_merge_operations.py`) and GPC copies them, and the two acceptance rules.
//!
//! With concentration α, cluster sizes N (= N₁ + N₂) and NIW log marginal likelihoods L:
//!
//! log H_split = log α + log Γ(N₁) + L₁ + log Γ(N₂) + L₂ − log Γ(N) − L,
//! log H_merge = log Γ(N) − log α − log Γ(N₁) − log Γ(N₂) + L − L₁ − L₂,
//!
//! so log H_merge = −log H_split for the same three clusters (log Γ(0) is taken as 0).

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use crate::error::{Error, Result};

/// Size and log marginal likelihood of one cluster in a move.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClusterEvidence {
    /// Number of points N (hard assignment).
    pub count: usize,
    /// NIW log marginal likelihood L of those points.
    pub log_marginal: f64,
}

/// log Γ(N) with log Γ(0) taken as 0 (DeepDPM's convention for empty clusters).
fn log_gamma_count(n: usize) -> f64 {
    if n == 0 { 0.0 } else { libm::lgamma(n as f64) }
}

/// log α + log Γ(N₁) + L₁ + log Γ(N₂) + L₂ − log Γ(N) − L for splitting `whole` into
/// `first` and `second`. `alpha` must be finite and > 0; the counts must add up.
pub fn log_split_ratio(
    alpha: f64,
    whole: ClusterEvidence,
    first: ClusterEvidence,
    second: ClusterEvidence,
) -> Result<f64> {
    crate::validate::positive_param(alpha, "alpha")?;
    check_move(whole, first, second)?;
    Ok(libm::log(alpha) + log_gamma_count(first.count) + first.log_marginal + log_gamma_count(second.count)
        - log_gamma_count(whole.count)
        + second.log_marginal
        - whole.log_marginal)
}

/// log Γ(N) − log α − log Γ(N₁) − log Γ(N₂) + L − L₁ − L₂ for merging `first` and `second`
/// into `whole`; exactly −[`log_split_ratio`] of the same clusters.
pub fn log_merge_ratio(
    alpha: f64,
    whole: ClusterEvidence,
    first: ClusterEvidence,
    second: ClusterEvidence,
) -> Result<f64> {
    log_split_ratio(alpha, whole, first, second).map(|h| -h)
}

/// Log posterior score of a hard partition up to a constant: Σ_k (log α + log Γ(N_k) + L_k),
/// the Chinese-restaurant-process prior of the partition times the NIW marginal likelihoods of
/// its clusters. For a split, `log_split_ratio` is exactly the score after minus the score
/// before; the reorganisation move of the sampler compares whole partitions with it.
pub fn log_partition_score(alpha: f64, clusters: &[ClusterEvidence]) -> Result<f64> {
    crate::validate::positive_param(alpha, "alpha")?;
    let mut total = 0.0;
    for (index, c) in clusters.iter().enumerate() {
        if !c.log_marginal.is_finite() {
            return Err(Error::NonFinite { what: "log marginal", index });
        }
        total += libm::log(alpha) + log_gamma_count(c.count) + c.log_marginal;
    }
    Ok(total)
}

fn check_move(whole: ClusterEvidence, first: ClusterEvidence, second: ClusterEvidence) -> Result<()> {
    for (name, e) in [("whole", whole), ("first", first), ("second", second)] {
        if !e.log_marginal.is_finite() {
            return Err(Error::NonFinite { what: name, index: 0 });
        }
    }
    if first.count.checked_add(second.count) != Some(whole.count) {
        return Err(Error::MassMismatch {
            what: "cluster counts",
            found: first.count as f64 + second.count as f64,
            expected: whole.count as f64,
        });
    }
    Ok(())
}

/// How a proposed move with Hastings ratio H is accepted.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Acceptance {
    /// Metropolis–Hastings: accept with probability min(1, H) (DeepDPM, probabilities unset).
    Exact,
    /// GPC's stochastic rule: accept if H > 1, otherwise with the fixed probability `p`
    /// regardless of H (GPC hard-codes p = 0.1).
    Fixed(f64),
}

impl Acceptance {
    /// Checks that a fixed probability lies in [0, 1].
    pub fn validate(&self) -> Result<()> {
        match *self {
            Acceptance::Exact => Ok(()),
            Acceptance::Fixed(p) if (0.0..=1.0).contains(&p) => Ok(()),
            Acceptance::Fixed(p) => Err(Error::InvalidParameter { name: "acceptance probability", value: p }),
        }
    }

    /// Probability of accepting a move with log Hastings ratio `log_h`.
    pub fn probability(&self, log_h: f64) -> f64 {
        if log_h > 0.0 {
            return 1.0;
        }
        match *self {
            Acceptance::Exact => libm::exp(log_h),
            Acceptance::Fixed(p) => p,
        }
    }

    /// Draws the decision: `log_h > 0`, or u < p with u ~ U(0, 1) from `rng` (one draw only
    /// when `log_h ≤ 0`, so the random stream does not depend on accepted moves).
    pub fn accept(&self, log_h: f64, rng: &mut ChaCha8Rng) -> bool {
        if log_h > 0.0 {
            return true;
        }
        let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        u < self.probability(log_h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    fn ev(count: usize, log_marginal: f64) -> ClusterEvidence {
        ClusterEvidence { count, log_marginal }
    }

    #[test]
    fn split_and_merge_ratios_are_exact_negatives() {
        let (w, a, b) = (ev(30, -120.5), ev(12, -40.25), ev(18, -70.0));
        for alpha in [0.1, 1.0, 10.0] {
            let s = log_split_ratio(alpha, w, a, b).unwrap();
            let m = log_merge_ratio(alpha, w, a, b).unwrap();
            assert_eq!(s, -m);
            // Swapping the two children does not change either ratio.
            assert_eq!(s, log_split_ratio(alpha, w, b, a).unwrap());
        }
        // Hand value: log 10 + log 11! + log 17! − log 29! + (−40.25 − 70 + 120.5).
        let want = 10f64.ln()
            + (1..=11).map(|i| (i as f64).ln()).sum::<f64>()
            + (1..=17).map(|i| (i as f64).ln()).sum::<f64>()
            - (1..=29).map(|i| (i as f64).ln()).sum::<f64>()
            + 10.25;
        assert!((log_split_ratio(10.0, w, a, b).unwrap() - want).abs() < 1e-9);
        // Raising α favours splits by exactly log of the factor.
        let d = log_split_ratio(20.0, w, a, b).unwrap() - log_split_ratio(10.0, w, a, b).unwrap();
        assert!((d - 2f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn split_ratio_is_the_difference_of_partition_scores() {
        let (w, a, b, other) = (ev(30, -120.5), ev(12, -40.25), ev(18, -70.0), ev(7, -9.5));
        let before = log_partition_score(3.0, &[w, other]).unwrap();
        let after = log_partition_score(3.0, &[a, b, other]).unwrap();
        assert!((after - before - log_split_ratio(3.0, w, a, b).unwrap()).abs() < 1e-9);
        assert!(matches!(log_partition_score(3.0, &[ev(1, f64::NAN)]), Err(Error::NonFinite { .. })));
        assert!(log_partition_score(-1.0, &[w]).is_err());
    }

    #[test]
    fn empty_child_uses_log_gamma_zero_as_zero() {
        let s = log_split_ratio(1.0, ev(5, -3.0), ev(5, -3.0), ev(0, 0.0)).unwrap();
        assert!(s.abs() < 1e-12);
    }

    #[test]
    fn bad_moves_are_typed_errors() {
        assert!(matches!(
            log_split_ratio(0.0, ev(2, 0.0), ev(1, 0.0), ev(1, 0.0)),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(log_split_ratio(1.0, ev(3, 0.0), ev(1, 0.0), ev(1, 0.0)), Err(Error::MassMismatch { .. })));
        assert!(matches!(log_merge_ratio(1.0, ev(2, f64::NAN), ev(1, 0.0), ev(1, 0.0)), Err(Error::NonFinite { .. })));
        assert!(Acceptance::Fixed(1.5).validate().is_err() && Acceptance::Fixed(0.1).validate().is_ok());
    }

    #[test]
    fn acceptance_rules() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        assert!(Acceptance::Exact.accept(0.5, &mut rng) && Acceptance::Fixed(0.0).accept(0.5, &mut rng));
        assert!(!Acceptance::Exact.accept(-1e9, &mut rng));
        assert!(!Acceptance::Fixed(0.0).accept(-1e-9, &mut rng));
        assert_eq!(Acceptance::Fixed(0.1).probability(-1e9), 0.1);
        assert!((Acceptance::Exact.probability(-2f64.ln()) - 0.5).abs() < 1e-15);
        // Empirical rate of the exact rule at H = 1/4 over 4000 seeded draws.
        let hits = (0..4000).filter(|_| Acceptance::Exact.accept(-4f64.ln(), &mut rng)).count();
        assert!((hits as f64 / 4000.0 - 0.25).abs() < 0.03, "{hits}");
        let hits = (0..4000).filter(|_| Acceptance::Fixed(0.1).accept(-50.0, &mut rng)).count();
        assert!((hits as f64 / 4000.0 - 0.1).abs() < 0.02, "{hits}");
    }
}
