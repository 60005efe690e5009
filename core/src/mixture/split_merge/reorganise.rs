//! The reorganisation move: SMEM's simultaneous merge and split (Ueda, Nakano, Ghahramani &
//! Hinton, Neural Computation 12(9), 2000) transposed to the split/merge sampler, for the
//! local optima that single splits and merges cannot leave (a cluster straddling two classes
//! next to two clusters sharing one: neither the split nor the merge alone raises the
//! posterior, both together do).
//!
//! When a sweep accepted no split or merge, re-fitted moves of unanchored components are
//! tried in SMEM order, `reorganise` of each kind: splits of the components with the largest
//! J_split, merges of the pairs with the largest J_merge, and the triples (i, j, k)
//! ([`smem_candidates`](super::smem_candidates): j's rows join i and k is divided, one side
//! taking slot j). Splits use the 2-means sub-clusters (refined as the split proposals).
//! Unlike the Hastings moves, each one is followed by an EM block that re-fits the mixture
//! from the new labels (SMEM's partial + full EM), and kept if the log partition score
//! Σ_k (log α + log Γ(N_k) + L_k) ([`log_partition_score`]) of the re-fitted hard clusters
//! exceeds the current one; otherwise the previous labels are restored. A greedy search aid,
//! deterministic given the seeded stream, not a Metropolis–Hastings move: it removes most of
//! the dependence of the final K on the starting K.

use crate::scalar::Linalg;
use alloc::vec::Vec;
use rand_chacha::ChaCha8Rng;

use super::components::hard_stats;
use super::hastings::{ClusterEvidence, log_partition_score};
use super::proposal::{refine_gaussian, two_means};
use super::smem::{eligible_triples, ranked_components, ranked_pairs};
use super::{EmOutcome, State};
use crate::error::Result;
use crate::scalar::{Float, Real};

impl<T: Real> State<'_, T>
where
    T::Acc: Linalg,
{
    /// Log partition score of the current hard labels.
    pub(super) fn partition_score(&self) -> Result<f64> {
        let stats = hard_stats(&self.prior, self.x, &self.labels, self.k);
        let clusters: Vec<ClusterEvidence> = stats.iter().map(|s| self.evidence(s)).collect::<Result<_>>()?;
        log_partition_score(self.params.alpha, &clusters)
    }

    /// Tries the re-fitted moves of `em` (the EM block the current labels come from); true
    /// if one was accepted (the labels and K are then the re-fitted ones).
    pub(super) fn reorganise(&mut self, em: &EmOutcome<T::Acc>, rng: &mut ChaCha8Rng) -> Result<bool> {
        let (k, p) = (self.k, self.params);
        if p.reorganise == 0 {
            return Ok(false);
        }
        let before = self.partition_score()?;
        let (jm, js) = em.smem_criteria()?;
        let unanchored: Vec<bool> = (0..k).map(|j| j >= self.classes).collect();
        let mut moves: Vec<Move> = Vec::new();
        if k < p.k_max {
            moves.extend(ranked_components(&js, &unanchored).into_iter().take(p.reorganise).map(Move::Split));
        }
        moves.extend(ranked_pairs(&jm, k, &unanchored).into_iter().take(p.reorganise).map(|(i, j)| Move::Merge(i, j)));
        moves.extend(
            eligible_triples(&jm, &js, &unanchored, p.reorganise).into_iter().map(|(i, j, s)| Move::Both(i, j, s)),
        );
        for mv in moves {
            let saved = (self.labels.clone(), self.k);
            if !self.apply(mv, rng) {
                continue;
            }
            let improved = match self.em() {
                Ok(_) => self.partition_score().is_ok_and(|after| after > before),
                Err(_) => false,
            };
            if improved {
                return Ok(true);
            }
            (self.labels, self.k) = saved;
        }
        Ok(false)
    }

    /// Relabels for `mv`; false (labels untouched) if a split's smaller side is too small.
    fn apply(&mut self, mv: Move, rng: &mut ChaCha8Rng) -> bool {
        let (merge, split) = match mv {
            Move::Split(s) => (None, Some((s, self.k))),
            Move::Merge(i, j) => (Some((i, j)), None),
            Move::Both(i, j, s) => (Some((i, j)), Some((s, j))),
        };
        let mut side_of = None;
        if let Some((s, _)) = split {
            let p = self.params;
            let members: Vec<usize> = (0..self.labels.len()).filter(|&r| self.labels[r] == s).collect();
            let mut side = two_means(self.x, self.dim, &members, rng);
            if p.sub_em_iters > 0 {
                let c = <T::Acc as Float>::from_f64(p.dirichlet_concentration);
                refine_gaussian(&self.prior, self.x, &members, &mut side, p.sub_em_iters, c);
            }
            let ones = side.iter().filter(|&&v| v == 1).count();
            if ones.min(members.len() - ones) <= p.min_split_size {
                return false;
            }
            side_of = Some((members, side));
        }
        if let Some((i, j)) = merge {
            for l in self.labels.iter_mut().filter(|l| **l == j) {
                *l = i;
            }
        }
        if let (Some((_, slot)), Some((members, side))) = (split, side_of) {
            for (&r, &v) in members.iter().zip(&side) {
                if v == 1 {
                    self.labels[r] = slot;
                }
            }
            if slot == self.k {
                self.k += 1;
            }
        }
        true
    }
}

/// A re-fitted move: split k; merge j into i; both at once (k's second half takes slot j).
#[derive(Clone, Copy, Debug)]
enum Move {
    Split(usize),
    Merge(usize, usize),
    Both(usize, usize, usize),
}
