//! Split/merge moves that discover the number of Gaussian components (DeepDPM, Ronen, Finder
//! & Freifeld, CVPR 2022; GPC, Zhao, Wen & Han, ICCV 2023; both after the sub-cluster
//! sampler of Chang & Fisher, NeurIPS 2013), with the classic SMEM criteria (Ueda et al.,
//! Neural Computation 2000) as an alternative proposal ranking; and the complete classic SMEM
//! algorithm at fixed K ([`smem_em`]: merge + split triples, partial EM, full EM, accepted
//! when the likelihood rises).
//!
//! One run ([`split_merge`]):
//! 1. K₀ = max(k_init, C + 1) centres (C = number of labelled classes, the + 1 only when
//!    some rows are labelled and some are not, capped at k_max): labelled class means, then
//!    D²-sampled rows; every row goes to its nearest centre, labelled rows to their class.
//! 2. Each sweep: `em_iters` EM passes with the NIW posterior point estimates
//!    ([`NiwPrior::posterior`]) as M-step and labelled rows clamped (GPC §2); hard labels =
//!    argmax responsibility; empty unanchored components are dropped. Then every eligible
//!    cluster proposes a split into its 2-means sub-clusters (optionally refined by hard
//!    Gaussian EM), tested with log H_split ([`log_split_ratio`]); every cluster not touched
//!    by a split proposes a merge with its nearest centroid (or, with
//!    [`ProposalRanking::Smem`], pairs in decreasing J_merge), tested with log H_merge.
//!    Acceptance is [`Acceptance::Exact`] (min(1, H)) or GPC's [`Acceptance::Fixed`]. K after
//!    the sweep is appended to [`SplitMergeInfo::k_path`].
//!    A sweep without an accepted split or merge then tries the reorganisation move
//!    (merge + split + EM re-fit, kept if the log partition score rises; `reorganise`
//!    candidates).
//! 3. Stop after `patience` sweeps without an accepted move or after `max_sweeps`; a last EM
//!    block gives the returned components.
//!
//! Two presets ([`SplitMergePreset`]):
//! - **clasp** ([`SplitMergeParams::clasp`], the default): Ψ = 0.03·Cov(X) (data-driven,
//!   affine-equivariant), evidence about each cluster's sample mean (the textbook conjugate
//!   marginal likelihood), 2-means proposals refined by 10 hard Gaussian EM passes,
//!   reorganisation moves after a quiet sweep, splits and merges in every sweep. A greedier
//!   search than DeepDPM's sampler, and one whose prior does not depend on the units of the
//!   data.
//! - **reference** ([`SplitMergeParams::deepdpm`]): DeepDPM's released sampler
//!   (`BGU-CS-VIL/DeepDPM` @95c9376): Ψ = 0.005·I, α = 10, κ = 1e-4, ν = D + 2, evidence
//!   about the component means ([`EvidenceCentre::ComponentMean`]), plain 2-means
//!   sub-clusters, no reorganisation, split and merge sweeps alternating, min(1, H)
//!   acceptance. Its Hastings ratios match a transcription of DeepDPM's `priors.py` /
//!   `split_merge_operations.py` to 1e-9 (`tests/reference/deepdpm_hastings.py`, fixture
//!   `tests/fixtures/split_merge/deepdpm_hastings.json`). What stays different: DeepDPM's
//!   sub-clusters come from a trained sub-cluster network initialised by 2-means on the 1-D
//!   PCA projection (here: 2-means in the full space); its merge candidates are the 2 nearest
//!   component means of each cluster (here: the nearest one); its EM is the clustering
//!   network's training (here: EM passes under the NIW prior).
//!
//! clasp's preset is the default because with the absolute Ψ = 0.005·I the result depends on
//! the scale of the data; the measured K-discovery table of both presets is in the README
//! (mixtures section).
//!
//! Components 0..C−1 (C = number of labelled classes) are anchored to the classes: they are
//! never split, merged or dropped, and labelled rows never leave them. K stays in
//! [max(1, C), k_max]. Same seed ⇒ same result.

mod components;
pub mod hastings;
mod params;
mod proposal;
mod reorganise;
pub mod smem;
mod smem_em;

use crate::scalar::Linalg;
use alloc::vec;
use alloc::vec::Vec;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

pub use hastings::{Acceptance, ClusterEvidence, log_merge_ratio, log_partition_score, log_split_ratio};
pub use params::{EvidenceCentre, PriorSigma, ProposalRanking, SplitMergeInfo, SplitMergeParams, SplitMergePreset};
pub use smem::{merge_criterion, smem_candidates, split_criterion};
pub use smem_em::{SmemFit, SmemInfo, SmemMove, SmemParams, smem_em, smem_em_with};

use components::{Components, hard_stats, soft_stats};
use proposal::{nearest_partner, refine_gaussian, two_means, uniform};

use super::niw::{ClusterStats, MarginalCentre, NiwPrior};
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::monitor::{Iteration, Monitor, Unmonitored};
use crate::ops::argmax;
use crate::scalar::{Float, Real};
use crate::validate;

/// The components found by [`split_merge`].
#[derive(Clone, Debug, PartialEq)]
pub struct SplitMergeFit<F> {
    /// Hard label of every row (argmax responsibility; labelled rows keep their class).
    pub labels: Vec<usize>,
    /// Mixture weights π_k = (N_k + c)/(N + Kc) (K).
    pub weights: Vec<F>,
    /// NIW posterior means μ_k* (K×D, row-major).
    pub means: Vec<F>,
    /// NIW posterior covariances Σ_k* (K×D×D, row-major).
    pub covariances: Vec<F>,
    /// Responsibilities (N×K, row-major).
    pub responsibilities: Vec<F>,
    /// K path, move counts, convergence.
    pub info: SplitMergeInfo,
}

impl<F> SplitMergeFit<F> {
    /// Number of components found.
    pub fn k(&self) -> usize {
        self.weights.len()
    }
}

/// The NIW prior of the parameters for data `x`: m = column means, Ψ = s·I, s·diag(var) or
/// s·Cov(X) ([`PriorSigma`]; a constant column gets s on its diagonal), κ and ν from the
/// parameters.
///
/// Errors: non-finite `x`; `NotPositiveDefinite` if s·Cov(X) is singular (collinear
/// columns: use `DataVariance` or `Identity` there).
pub fn niw_prior_for<T: Real>(x: MatRef<'_, T>, params: &SplitMergeParams) -> Result<NiwPrior<T::Acc>>
where
    T::Acc: Linalg,
{
    validate::finite(x.as_slice(), "x")?;
    let (n, dim) = (x.rows(), x.cols());
    let nf = <T::Acc as Float>::from_usize(n);
    let mut mean = vec![<T::Acc as Float>::ZERO; dim];
    for row in x.row_iter() {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v.to_acc();
        }
    }
    mean.iter_mut().for_each(|m| *m /= nf);
    let s = <T::Acc as Float>::from_f64(params.prior_sigma_scale);
    let mut psi = vec![<T::Acc as Float>::ZERO; dim * dim];
    match params.prior_sigma {
        PriorSigma::Identity => (0..dim).for_each(|d| psi[d * dim + d] = s),
        PriorSigma::DataVariance | PriorSigma::DataCovariance => {
            let full = params.prior_sigma == PriorSigma::DataCovariance;
            for row in x.row_iter() {
                for r in 0..dim {
                    let yr = row[r].to_acc() - mean[r];
                    for c in 0..=r {
                        if full || c == r {
                            psi[r * dim + c] += yr * (row[c].to_acc() - mean[c]);
                        }
                    }
                }
            }
            for r in 0..dim {
                // A constant column has no variance: fall back to s on its diagonal.
                let degenerate =
                    psi[r * dim + r].partial_cmp(&<T::Acc as Float>::ZERO) != Some(core::cmp::Ordering::Greater);
                for c in 0..=r {
                    let v = if degenerate { <T::Acc as Float>::ZERO } else { s * psi[r * dim + c] / nf };
                    psi[r * dim + c] = v;
                    psi[c * dim + r] = v;
                }
                if degenerate {
                    psi[r * dim + r] = s;
                }
            }
        }
    }
    NiwPrior::new(&mean, &psi, params.prior_kappa, params.nu(dim))
}

/// Fits a Gaussian mixture whose number of components is found by split/merge moves (module
/// docs). `known`: optional per-row class (`None` = unlabelled), classes < `k_max`.
///
/// Errors: `Empty` / `ShapeMismatch` / `NonFinite` for bad `x` or `known`,
/// `IndexOutOfRange` for a class ≥ `k_max`, `InvalidParameter` for bad parameters,
/// `InvalidClusterCount` if K₀ > N, `NotPositiveDefinite` if a posterior covariance fails
/// its Cholesky factorisation (only possible in low precision).
pub fn split_merge<T: Real>(
    x: MatRef<'_, T>,
    known: Option<&[Option<usize>]>,
    params: &SplitMergeParams,
) -> Result<SplitMergeFit<T::Acc>>
where
    T::Acc: Linalg,
{
    split_merge_monitored(x, known, params, &mut Unmonitored)
}

/// [`split_merge`] reporting every sweep to `monitor` (iteration = sweep, residual = the moves
/// accepted in it: splits, merges and reorganisations; the run ends after `patience` sweeps
/// with none); a `Break` ends the sweeps there (not converged), then the final EM runs.
pub fn split_merge_monitored<T: Real>(
    x: MatRef<'_, T>,
    known: Option<&[Option<usize>]>,
    params: &SplitMergeParams,
    monitor: &mut dyn Monitor,
) -> Result<SplitMergeFit<T::Acc>>
where
    T::Acc: Linalg,
{
    let (n, dim) = (x.rows(), x.cols());
    params.validate(dim)?;
    validate::finite(x.as_slice(), "x")?;
    let classes = match known {
        Some(k) => validate::known_labels(k, n, params.k_max)?,
        None => 0,
    };
    // With labels, one unanchored component at least (when there are unlabelled rows), so
    // that new classes can be split off it.
    let has_unlabelled = known.is_none_or(|k| k.iter().any(|l| l.is_none()));
    let free = usize::from(classes > 0 && has_unlabelled);
    let k0 = params.k_init.max((classes + free).min(params.k_max));
    validate::cluster_count(k0, n)?;
    let prior = niw_prior_for(x, params)?;
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let mut state = State {
        x: x.as_slice(),
        dim,
        known,
        classes,
        prior,
        params,
        labels: initial_labels(x, known, classes, k0, &mut rng),
        k: k0,
    };
    let mut info = SplitMergeInfo {
        k_path: vec![k0],
        sweeps: 0,
        splits: 0,
        merges: 0,
        reorganisations: 0,
        converged: false,
        log_partition_score: f64::NAN,
        mean_log_likelihood: f64::NAN,
    };
    let mut quiet = 0;
    for _ in 0..params.max_sweeps {
        let em = state.em()?;
        let phase = match (params.alternate_moves, info.sweeps % 2) {
            (false, _) => Phase::Both,
            (true, 0) => Phase::Split,
            (true, _) => Phase::Merge,
        };
        let (splits, merges) = state.moves(&em, phase, &mut rng)?;
        let reorganised = if splits + merges == 0 { usize::from(state.reorganise(&em, &mut rng)?) } else { 0 };
        info.sweeps += 1;
        info.splits += splits;
        info.merges += merges;
        info.reorganisations += reorganised;
        info.k_path.push(state.k);
        let moved = splits + merges + reorganised;
        let report = Iteration { run: 0, iteration: info.sweeps, max_iter: params.max_sweeps, residual: moved as f64 };
        let stop = monitor.iteration(&report);
        if moved == 0 {
            quiet += 1;
            if quiet >= params.patience {
                info.converged = true;
                break;
            }
        } else {
            quiet = 0;
        }
        if stop.is_break() {
            break;
        }
    }
    let em = state.em()?;
    info.log_partition_score = state.partition_score()?;
    let unlabelled = known.map_or(n, |k| k.iter().filter(|l| l.is_none()).count());
    info.mean_log_likelihood = if unlabelled > 0 { em.log_likelihood.to_f64() / unlabelled as f64 } else { 0.0 };
    let k = state.k;
    let mut covariances = Vec::with_capacity(k * dim * dim);
    for c in &em.comps.covariances {
        for r in 0..dim {
            for col in 0..dim {
                covariances.push(c[(r, col)]);
            }
        }
    }
    Ok(SplitMergeFit {
        labels: state.labels,
        weights: em.comps.log_weights.iter().map(|&l| Float::exp(l)).collect(),
        means: em.comps.means.clone(),
        covariances,
        responsibilities: em.resp,
        info,
    })
}

/// Size and NIW log marginal likelihood of a hard cluster about `centre` (the evidence of the
/// Hastings ratios; the count is rounded to the nearest integer).
pub fn cluster_evidence<F: Linalg>(
    prior: &NiwPrior<F>,
    stats: &ClusterStats<F>,
    centre: MarginalCentre<'_, F>,
) -> Result<ClusterEvidence> {
    let l = prior.log_marginal_likelihood(stats, centre)?;
    Ok(ClusterEvidence { count: Float::floor(stats.count().to_f64() + 0.5) as usize, log_marginal: l.to_f64() })
}

/// The centre DeepDPM gives a merged cluster (`merge_rule`): (N₁μ₁ + N₂μ₂)/(N₁ + N₂) with hard
/// counts N and component means μ; the plain average when both are empty.
pub fn weighted_centre<F: Float>(n1: F, mu1: &[F], n2: F, mu2: &[F]) -> Vec<F> {
    let n = n1 + n2;
    if n > F::ZERO {
        mu1.iter().zip(mu2).map(|(&a, &b)| (n1 / n) * a + (n2 / n) * b).collect()
    } else {
        let half = F::from_f64(0.5);
        mu1.iter().zip(mu2).map(|(&a, &b)| half * (a + b)).collect()
    }
}

/// Initial hard labels: labelled class means first, D²-sampled rows for the other centres,
/// nearest-centre assignment, labelled rows on their class.
fn initial_labels<T: Real>(
    x: MatRef<'_, T>,
    known: Option<&[Option<usize>]>,
    classes: usize,
    k0: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<usize> {
    let (n, dim) = (x.rows(), x.cols());
    let zero = <T::Acc as Float>::ZERO;
    let mut centres: Vec<T::Acc> = Vec::with_capacity(k0 * dim);
    let mut have = 0;
    if let Some(known) = known {
        for c in 0..classes {
            let mut sum = vec![zero; dim];
            let mut count = 0usize;
            for (row, l) in x.row_iter().zip(known) {
                if *l == Some(c) {
                    count += 1;
                    sum.iter_mut().zip(row).for_each(|(s, v)| *s += v.to_acc());
                }
            }
            if count > 0 {
                let cf = <T::Acc as Float>::from_usize(count);
                centres.extend(sum.iter().map(|&s| s / cf));
            } else {
                centres.extend(x.row(((uniform(rng) * n as f64) as usize).min(n - 1)).iter().map(|v| v.to_acc()));
            }
            have += 1;
        }
    }
    let mut closest = vec![<T::Acc as Float>::INFINITY; n];
    let update = |closest: &mut [T::Acc], c: &[T::Acc]| {
        for (d, row) in closest.iter_mut().zip(x.row_iter()) {
            let v: T::Acc = row.iter().zip(c).map(|(a, &b)| (a.to_acc() - b) * (a.to_acc() - b)).sum();
            *d = Float::min(*d, v);
        }
    };
    for c in centres.chunks_exact(dim) {
        update(&mut closest, c);
    }
    while have < k0 {
        let total: T::Acc = closest.iter().map(|&d| if Float::is_finite(d) { d } else { zero }).sum();
        let pick = if have == 0 || total.partial_cmp(&zero) != Some(core::cmp::Ordering::Greater) {
            ((uniform(rng) * n as f64) as usize).min(n - 1)
        } else {
            let target = <T::Acc as Float>::from_f64(uniform(rng)) * total;
            let mut acc = zero;
            closest
                .iter()
                .position(|&d| {
                    acc += d;
                    acc > target
                })
                .unwrap_or(n - 1)
        };
        let start = centres.len();
        centres.extend(x.row(pick).iter().map(|v| v.to_acc()));
        let c: Vec<T::Acc> = centres[start..].to_vec();
        update(&mut closest, &c);
        have += 1;
    }
    x.row_iter()
        .enumerate()
        .map(|(i, row)| match known.and_then(|k| k[i]) {
            Some(c) => c,
            None => {
                centres
                    .chunks_exact(dim)
                    .map(|c| row.iter().zip(c).map(|(a, &b)| (a.to_acc() - b) * (a.to_acc() - b)).sum::<T::Acc>())
                    .enumerate()
                    .fold((0, <T::Acc as Float>::INFINITY), |(bi, bd), (j, d)| if d < bd { (j, d) } else { (bi, bd) })
                    .0
            }
        })
        .collect()
}

/// Which moves a sweep proposes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Both,
    Split,
    Merge,
}

/// Result of one EM block.
struct EmOutcome<F: Linalg> {
    comps: Components<F>,
    resp: Vec<F>,
    log_prob: Vec<F>,
    log_likelihood: F,
}

impl<F: Linalg> EmOutcome<F> {
    /// The SMEM criteria (J_merge as the raw posterior inner product, J_split) of the block.
    fn smem_criteria(&self) -> Result<(Vec<F>, Vec<F>)> {
        let k = self.comps.len();
        let n = self.resp.len() / k.max(1);
        let log_density: Vec<F> = self
            .log_prob
            .chunks_exact(k)
            .flat_map(|r| r.iter().zip(&self.comps.log_weights).map(|(&a, &w)| a - w))
            .collect();
        let resp = MatRef::new(&self.resp, n, k, "responsibilities")?;
        let js = split_criterion(resp, MatRef::new(&log_density, n, k, "log_density")?)?;
        Ok((merge_criterion(resp, false)?, js))
    }
}

struct State<'a, T: Real>
where
    T::Acc: Linalg,
{
    x: &'a [T],
    dim: usize,
    known: Option<&'a [Option<usize>]>,
    classes: usize,
    prior: NiwPrior<T::Acc>,
    params: &'a SplitMergeParams,
    labels: Vec<usize>,
    k: usize,
}

impl<T: Real> State<'_, T>
where
    T::Acc: Linalg,
{
    /// `em_iters` EM passes from the current hard labels; updates the labels (argmax) and
    /// drops empty unanchored components. The outcome matches the updated labels.
    fn em(&mut self) -> Result<EmOutcome<T::Acc>> {
        let c = <T::Acc as Float>::from_f64(self.params.dirichlet_concentration);
        loop {
            let k = self.k;
            let n = self.labels.len();
            let mut comps = Components::from_stats(&self.prior, &hard_stats(&self.prior, self.x, &self.labels, k), c)?;
            let mut resp = vec![<T::Acc as Float>::ZERO; n * k];
            let mut log_prob = vec![<T::Acc as Float>::ZERO; n * k];
            let mut ll = <T::Acc as Float>::ZERO;
            for it in 0..=self.params.em_iters {
                ll = comps.e_step(self.x, self.dim, self.known, &mut log_prob, &mut resp);
                if !Float::is_finite(ll) {
                    return Err(Error::NumericalBreakdown { what: "split/merge E-step", iteration: it + 1 });
                }
                if it < self.params.em_iters {
                    comps = Components::from_stats(&self.prior, &soft_stats(&self.prior, self.x, &resp, k), c)?;
                }
            }
            for (l, r) in self.labels.iter_mut().zip(resp.chunks_exact(k)) {
                *l = argmax(r).unwrap_or(0);
            }
            if !self.drop_empty() {
                return Ok(EmOutcome { comps, resp, log_prob, log_likelihood: ll });
            }
        }
    }

    /// Removes empty components ≥ `classes`, renumbering the rest in order; true if any.
    fn drop_empty(&mut self) -> bool {
        let mut counts = vec![0usize; self.k];
        for &l in &self.labels {
            counts[l] += 1;
        }
        if counts.iter().enumerate().all(|(j, &c)| c > 0 || j < self.classes) {
            return false;
        }
        let mut map = vec![0usize; self.k];
        let mut next = 0;
        for (j, &c) in counts.iter().enumerate() {
            map[j] = next;
            if c > 0 || j < self.classes {
                next += 1;
            }
        }
        self.labels.iter_mut().for_each(|l| *l = map[*l]);
        self.k = next;
        true
    }

    /// Evidence of a cluster about its sample mean ([`EvidenceCentre::SampleMean`]) or about
    /// `centre` when the parameters ask for component means and one is given.
    fn evidence_about(&self, stats: &ClusterStats<T::Acc>, centre: Option<&[T::Acc]>) -> Result<ClusterEvidence> {
        let c = match (self.params.marginal_centre, centre) {
            (EvidenceCentre::ComponentMean, Some(mu)) => MarginalCentre::Supplied(mu),
            _ => MarginalCentre::SampleMean,
        };
        cluster_evidence(&self.prior, stats, c)
    }

    fn evidence(&self, stats: &ClusterStats<T::Acc>) -> Result<ClusterEvidence> {
        self.evidence_about(stats, None)
    }

    /// One split sweep and one merge sweep over the current hard clusters; returns the
    /// numbers of accepted splits and merges.
    fn moves(&mut self, em: &EmOutcome<T::Acc>, phase: Phase, rng: &mut ChaCha8Rng) -> Result<(usize, usize)> {
        let (k, dim, p) = (self.k, self.dim, self.params);
        let stats = hard_stats(&self.prior, self.x, &self.labels, k);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (i, &l) in self.labels.iter().enumerate() {
            members[l].push(i);
        }
        let smem = match p.ranking {
            ProposalRanking::SubCluster => None,
            ProposalRanking::Smem => Some(em.smem_criteria()?),
        };
        let unanchored: Vec<bool> = (0..k).map(|j| j >= self.classes).collect();
        let split_order: Vec<usize> = match (&smem, phase) {
            (_, Phase::Merge) => Vec::new(),
            (None, _) => (0..k).filter(|&j| unanchored[j]).collect(),
            (Some((_, js)), _) => smem::ranked_components(js, &unanchored),
        };
        let component = |j: usize| &em.comps.means[j * dim..(j + 1) * dim];
        // DeepDPM's sub-cluster centres: the NIW posterior means of the two sides.
        let sub_centre = |s: &ClusterStats<T::Acc>| {
            (p.marginal_centre == EvidenceCentre::ComponentMean).then(|| self.prior.posterior(s).0)
        };
        let alpha = p.alpha;
        let mut touched = vec![false; k];
        let mut new_labels = self.labels.clone();
        let mut k_new = k;
        let mut splits = 0;
        for j in split_order {
            let m = &members[j];
            if k_new >= p.k_max || m.len() < p.min_split_size.max(2) {
                continue;
            }
            let whole = self.evidence_about(&stats[j], Some(component(j)))?;
            let mut best: Option<(f64, Vec<u8>)> = None;
            for _ in 0..p.split_proposals {
                let mut side = two_means(self.x, dim, m, rng);
                if p.sub_em_iters > 0 {
                    let c = <T::Acc as Float>::from_f64(p.dirichlet_concentration);
                    refine_gaussian(&self.prior, self.x, m, &mut side, p.sub_em_iters, c);
                }
                let ones = side.iter().filter(|&&s| s == 1).count();
                if ones.min(m.len() - ones) <= p.min_split_size {
                    continue;
                }
                let part = |want: u8| m.iter().zip(&side).filter(move |(_, s)| **s == want).map(|(&i, _)| i);
                let (first, second) = (self.prior.stats_of(self.x, part(0)), self.prior.stats_of(self.x, part(1)));
                let log_h = log_split_ratio(
                    alpha,
                    whole,
                    self.evidence_about(&first, sub_centre(&first).as_deref())?,
                    self.evidence_about(&second, sub_centre(&second).as_deref())?,
                )?;
                if best.as_ref().is_none_or(|(b, _)| log_h > *b) {
                    best = Some((log_h, side));
                }
            }
            let Some((log_h, side)) = best else { continue };
            if p.acceptance.accept(log_h, rng) {
                touched[j] = true;
                for (&i, &s) in m.iter().zip(&side) {
                    if s == 1 {
                        new_labels[i] = k_new;
                    }
                }
                k_new += 1;
                splits += 1;
            }
        }
        let mut eligible: Vec<bool> = (0..k).map(|j| phase != Phase::Split && unanchored[j] && !touched[j]).collect();
        let pairs: Vec<(usize, usize)> = match &smem {
            Some((jm, _)) => smem::ranked_pairs(jm, k, &eligible),
            None => {
                let centres: Vec<T::Acc> = stats.iter().flat_map(|s| s.mean(&self.prior)).collect();
                (0..k).filter_map(|j| nearest_partner(&centres, dim, j, &eligible).map(|q| (j, q))).collect()
            }
        };
        let mut merges = 0;
        for (a, b) in pairs {
            if !(eligible[a] && eligible[b]) || stats[a].count() <= <T::Acc as Float>::ZERO {
                continue;
            }
            let whole = stats[a].merged(&stats[b]);
            let merged_centre = weighted_centre(stats[a].count(), component(a), stats[b].count(), component(b));
            let log_h = log_merge_ratio(
                alpha,
                self.evidence_about(&whole, Some(&merged_centre))?,
                self.evidence_about(&stats[a], Some(component(a)))?,
                self.evidence_about(&stats[b], Some(component(b)))?,
            )?;
            if p.acceptance.accept(log_h, rng) {
                for &i in &members[b] {
                    new_labels[i] = a;
                }
                eligible[a] = false;
                eligible[b] = false;
                merges += 1;
            }
        }
        self.labels = new_labels;
        self.k = k_new;
        self.drop_empty();
        Ok((splits, merges))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per` points around each of the given centres (deterministic jitter of scale `spread`).
    fn blobs(centres: &[[f64; 2]], per: usize, spread: f64) -> Vec<f64> {
        let mut x = Vec::new();
        for (c, centre) in centres.iter().enumerate() {
            for i in 0..per {
                let a = (i * 7 + c * 3) as f64 * 0.61;
                let r = spread * (0.3 + (i % 5) as f64 * 0.2);
                x.extend_from_slice(&[centre[0] + r * libm::cos(a), centre[1] + r * libm::sin(a)]);
            }
        }
        x
    }

    const FOUR: [[f64; 2]; 4] = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]];

    #[test]
    fn finds_four_separated_blobs_from_one_and_from_eight() {
        let x = blobs(&FOUR, 40, 1.0);
        let xm = MatRef::new(&x, 160, 2, "x").unwrap();
        for (k_init, ranking) in
            [(1, ProposalRanking::SubCluster), (8, ProposalRanking::SubCluster), (1, ProposalRanking::Smem)]
        {
            let p = SplitMergeParams { k_init, ranking, seed: 3, ..Default::default() };
            let fit = split_merge(xm, None, &p).unwrap();
            assert_eq!(fit.k(), 4, "k_init {k_init}: path {:?}", fit.info.k_path);
            assert_eq!(fit.info.k_path[0], k_init);
            assert_eq!(fit.info.k_path.last(), Some(&4));
            // Every blob is one cluster.
            for b in 0..4 {
                let l = fit.labels[b * 40];
                assert!(fit.labels[b * 40..(b + 1) * 40].iter().all(|&v| v == l));
            }
            let total: f64 = fit.weights.iter().sum();
            assert!((total - 1.0).abs() < 1e-12);
            assert_eq!((fit.means.len(), fit.covariances.len(), fit.responsibilities.len()), (8, 16, 640));
        }
    }

    #[test]
    fn reference_preset_alternates_split_and_merge_sweeps_without_reorganising() {
        let x = blobs(&FOUR, 40, 1.0);
        let xm = MatRef::new(&x, 160, 2, "x").unwrap();
        for k_init in [1, 8] {
            let p = SplitMergeParams { k_init, seed: 4, ..SplitMergeParams::preset(SplitMergePreset::Reference) };
            assert_eq!(
                (p.prior_sigma, p.prior_sigma_scale, p.reorganise, p.sub_em_iters),
                (PriorSigma::Identity, 0.005, 0, 0)
            );
            let fit = split_merge(xm, None, &p).unwrap();
            assert_eq!(fit.info.reorganisations, 0);
            // Sweep s (1-based) splits when odd, merges when even; EM may only drop empty
            // components, so K never rises in a merge sweep.
            for (s, w) in fit.info.k_path.windows(2).enumerate() {
                if s % 2 == 1 {
                    assert!(w[1] <= w[0], "k_init {k_init}: path {:?}", fit.info.k_path);
                }
            }
            assert_eq!(fit, split_merge(xm, None, &p).unwrap());
        }
        assert_eq!(SplitMergeParams::preset(SplitMergePreset::Clasp), SplitMergeParams::default());
    }

    #[test]
    fn same_seed_same_result_and_k_max_is_respected() {
        let x = blobs(&FOUR, 30, 1.5);
        let xm = MatRef::new(&x, 120, 2, "x").unwrap();
        let p = SplitMergeParams { acceptance: Acceptance::Fixed(0.3), max_sweeps: 8, seed: 11, ..Default::default() };
        assert_eq!(split_merge(xm, None, &p).unwrap(), split_merge(xm, None, &p).unwrap());
        let capped = SplitMergeParams { k_max: 2, ..p };
        let fit = split_merge(xm, None, &capped).unwrap();
        assert!(fit.info.k_path.iter().all(|&k| (1..=2).contains(&k)), "{:?}", fit.info.k_path);
    }

    #[test]
    fn labelled_rows_never_move_and_anchors_survive() {
        let x = blobs(&FOUR, 30, 1.0);
        let xm = MatRef::new(&x, 120, 2, "x").unwrap();
        // Classes 0 and 1 known on some rows of blobs 0 and 1; one row of blob 2 labelled 0.
        let mut known: Vec<Option<usize>> = (0..120).map(|i| (i < 60 && i % 4 == 0).then_some(i / 30)).collect();
        known[61] = Some(0);
        let p = SplitMergeParams { k_init: 1, seed: 2, ..Default::default() };
        let fit = split_merge(xm, Some(&known), &p).unwrap();
        for (i, l) in known.iter().enumerate() {
            if let Some(c) = l {
                assert_eq!(fit.labels[i], *c, "row {i}");
                assert_eq!(fit.responsibilities[i * fit.k() + c], 1.0);
            }
        }
        assert!(fit.k() >= 2 && fit.info.k_path.iter().all(|&k| k >= 2), "{:?}", fit.info.k_path);
        // Without the stray label, blobs 2 and 3 are found as two new components (≥ 2).
        known[61] = None;
        let fit = split_merge(xm, Some(&known), &p).unwrap();
        assert_eq!(fit.k(), 4, "{:?}", fit.info.k_path);
        assert!(fit.labels[62] >= 2 && fit.labels[100] >= 2 && fit.labels[62] != fit.labels[100]);
        assert!(fit.labels[..30].iter().all(|&l| l == 0) && fit.labels[30..60].iter().all(|&l| l == 1));
    }

    #[test]
    fn anchored_classes_are_never_merged_or_split_even_when_every_move_is_accepted() {
        // Classes 0 and 1 overlap (a merge would pay), class 2 is bimodal (a split would pay),
        // an unlabelled blob at (0, 12). Every third row of the first three groups is labelled.
        let x = blobs(&[[0.0, 0.0], [1.5, 0.0], [12.0, 0.0], [12.0, 7.0], [0.0, 12.0]], 30, 1.0);
        let xm = MatRef::new(&x, 150, 2, "x").unwrap();
        let class = |i: usize| [0, 1, 2, 2, 99][i / 30];
        let known: Vec<Option<usize>> = (0..150).map(|i| (i < 120 && i % 3 == 0).then(|| class(i))).collect();
        for (acceptance, ranking) in [
            (Acceptance::Fixed(1.0), ProposalRanking::SubCluster),
            (Acceptance::Fixed(1.0), ProposalRanking::Smem),
            (Acceptance::Exact, ProposalRanking::Smem),
        ] {
            let p = SplitMergeParams { acceptance, ranking, max_sweeps: 8, seed: 5, ..Default::default() };
            let fit = split_merge(xm, Some(&known), &p).unwrap();
            let k = fit.k();
            if acceptance == Acceptance::Fixed(1.0) {
                assert!(fit.info.splits + fit.info.merges > 0, "{:?}", fit.info);
            }
            assert!(fit.info.k_path.iter().all(|&kk| kk >= 3), "{:?}", fit.info.k_path);
            for (i, l) in known.iter().enumerate() {
                if let Some(c) = *l {
                    assert_eq!(fit.labels[i], c, "row {i}");
                    assert_eq!(
                        &fit.responsibilities[i * k..(i + 1) * k],
                        &(0..k).map(|j| f64::from(u8::from(j == c))).collect::<Vec<_>>()[..]
                    );
                }
            }
            // The three anchors survive with their labelled rows, and no other component owns
            // a labelled row.
            for c in 0..3 {
                assert!(known.iter().zip(&fit.labels).any(|(l, &p)| *l == Some(c) && p == c));
            }
            assert!(known.iter().zip(&fit.labels).all(|(l, &p)| l.is_none() || p < 3));
            // The unlabelled blob is not absorbed by an anchor.
            assert!(fit.labels[120..].iter().filter(|&&l| l >= 3).count() >= 25, "{acceptance:?} {ranking:?}");
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let x = blobs(&FOUR, 5, 1.0);
        let xm = MatRef::new(&x, 20, 2, "x").unwrap();
        let d = SplitMergeParams::default();
        let err = |p: SplitMergeParams| split_merge(xm, None, &p).unwrap_err();
        assert_eq!(err(SplitMergeParams { k_max: 0, ..d }), Error::InvalidParameter { name: "k_max", value: 0.0 });
        assert!(matches!(err(SplitMergeParams { k_init: 0, ..d }), Error::InvalidParameter { name: "k_init", .. }));
        assert!(matches!(
            err(SplitMergeParams { alpha: f64::NAN, ..d }),
            Error::InvalidParameter { name: "alpha", .. }
        ));
        assert!(matches!(err(SplitMergeParams { prior_nu: Some(0.5), ..d }), Error::InvalidParameter { .. }));
        assert!(matches!(
            err(SplitMergeParams { acceptance: Acceptance::Fixed(-0.1), ..d }),
            Error::InvalidParameter { .. }
        ));
        assert!(matches!(
            err(SplitMergeParams { k_init: 30, k_max: 40, ..d }),
            Error::InvalidClusterCount { k: 30, n: 20 }
        ));
        let mut bad = x.clone();
        bad[5] = f64::INFINITY;
        assert_eq!(
            split_merge(MatRef::new(&bad, 20, 2, "x").unwrap(), None, &d).unwrap_err(),
            Error::NonFinite { what: "x", index: 5 }
        );
        let mut known = vec![None; 20];
        known[3] = Some(50);
        assert_eq!(
            split_merge(xm, Some(&known), &d).unwrap_err(),
            Error::IndexOutOfRange { what: "labels", index: 3, value: 50, bound: 50 }
        );
        assert!(matches!(split_merge(xm, Some(&known[..4]), &d), Err(Error::ShapeMismatch { .. })));
        assert!(matches!(MatRef::<f64>::new(&[], 0, 2, "x"), Err(Error::Empty { .. })));
    }

    #[test]
    fn works_in_f32() {
        let x: Vec<f32> = blobs(&FOUR, 40, 1.0).iter().map(|&v| v as f32).collect();
        let fit = split_merge(MatRef::new(&x, 160, 2, "x").unwrap(), None, &SplitMergeParams::default()).unwrap();
        assert_eq!(fit.k(), 4, "{:?}", fit.info.k_path);
    }
}
