//! `split_merge` (DP-GMM split/merge with NIW prior, sub-cluster and SMEM ranking, exact and
//! fixed acceptance, optional known labels), the SMEM criteria and the Hastings ratios, every
//! storage scalar: on `Ok` labels are components, weights on the simplex, means finite,
//! covariances PD, responsibilities on the simplex, labelled rows keep their class.
#![no_main]

use clasp_core::Linalg;
use clasp_core::mixture::split_merge::{
    Acceptance, ClusterEvidence, EvidenceCentre, PriorSigma, ProposalRanking, SplitMergeParams, log_merge_ratio,
    log_split_ratio, merge_criterion, smem_candidates, split_criterion, split_merge,
};
use clasp_core::{MatRef, Real};
use clasp_fuzz::mixture::positive_definite;
use clasp_fuzz::{Result, Unstructured, acc_eps, assert_finite, assert_labels, assert_simplex_rows, cast, count};
use clasp_fuzz::{describe, param, values, widen_acc};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    let wild = clasp_fuzz::wild(u)?;
    let (n, d) = (u.int_in_range(1..=12)?, u.int_in_range(1..=2)?);
    let x: Vec<T> = cast(&values(u, n * d, wild)?);
    let xm = MatRef::new(&x, n, d, "x").expect("shape");
    let k_max = count(u, 1, 5)?;
    let params = SplitMergeParams::default()
        .k_init(count(u, 1, k_max + 1)?)
        .k_max(k_max)
        .alpha(param(u, 0.1, 100.0)?)
        .prior_kappa(param(u, 1e-4, 1.0)?)
        .prior_nu(if u.arbitrary()? { None } else { Some(param(u, 0.5, 10.0)?) })
        .prior_sigma_scale(param(u, 1e-3, 1.0)?)
        .prior_sigma(match u.int_in_range(0..=2)? {
            0 => PriorSigma::Identity,
            1 => PriorSigma::DataVariance,
            _ => PriorSigma::DataCovariance,
        })
        .dirichlet_concentration(param(u, 0.01, 10.0)?)
        .acceptance(if u.arbitrary()? { Acceptance::Exact } else { Acceptance::Fixed(param(u, 0.01, 1.0)?) })
        .ranking(if u.arbitrary()? { ProposalRanking::SubCluster } else { ProposalRanking::Smem })
        .max_sweeps(count(u, 1, 4)?)
        .patience(count(u, 1, 3)?)
        .em_iters(count(u, 1, 4)?)
        .sub_em_iters(u.int_in_range(0..=4)?)
        .split_proposals(count(u, 1, 2)?)
        .reorganise(u.int_in_range(0..=2)?)
        .marginal_centre(if u.arbitrary()? { EvidenceCentre::SampleMean } else { EvidenceCentre::ComponentMean })
        .alternate_moves(u.arbitrary()?)
        .min_split_size(u.int_in_range(0..=4)?)
        .seed(u.arbitrary()?);
    let known: Option<Vec<Option<usize>>> = if u.arbitrary()? {
        let nl = clasp_fuzz::ot::jitter(u, n)?;
        Some(
            (0..nl)
                .map(|_| Ok(if u.arbitrary()? { Some(u.int_in_range(0..=k_max)?) } else { None }))
                .collect::<Result<_>>()?,
        )
    } else {
        None
    };
    clasp_fuzz::trace(&(&x, n, d, &params, &known));
    let tol = acc_eps::<T>() * 1e3;
    match split_merge(xm, known.as_deref(), &params) {
        Ok(fit) => {
            clasp_fuzz::trace(&fit);
            let k = fit.k();
            assert!(k >= 1 && k <= k_max.max(params.k_init), "k = {k}");
            assert_labels(&fit.labels, k, "labels");
            assert_simplex_rows(&widen_acc(&fit.weights), k, tol, "weights");
            assert_finite(&widen_acc(&fit.means), "means");
            let c = widen_acc(&fit.covariances);
            assert_eq!(c.len(), k * d * d);
            for (i, ci) in c.chunks_exact(d * d).enumerate() {
                assert!(positive_definite(ci, d, tol), "covariance {i} = {ci:?} not PD");
            }
            assert_simplex_rows(&widen_acc(&fit.responsibilities), k, tol, "responsibilities");
            assert!(!fit.info.k_path.is_empty() && fit.info.mean_log_likelihood.is_finite());
            if let Some(known) = &known {
                for (i, (l, &got)) in known.iter().zip(&fit.labels).enumerate() {
                    if let Some(c) = l {
                        assert_eq!(*c, got, "labelled row {i} moved");
                    }
                }
            }
        }
        Err(e) => {
            describe(&e);
        }
    }
    // SMEM criteria on hostile posteriors and densities.
    let kc = u.int_in_range(1..=4)?;
    let r: Vec<T> = cast(&values(u, n * kc, true)?.iter().map(|v| v.abs()).collect::<Vec<_>>());
    let ld: Vec<T> = cast(&values(u, n * kc, true)?);
    let (rm, lm) = (MatRef::new(&r, n, kc, "r").expect("shape"), MatRef::new(&ld, n, kc, "l").expect("shape"));
    if let (Ok(jm), Ok(js)) = (merge_criterion(rm, u.arbitrary()?), split_criterion(rm, lm)) {
        assert_eq!((jm.len(), js.len()), (kc * kc, kc));
        if let Ok(c) = smem_candidates(&jm, &js, u.int_in_range(0..=20)?) {
            for (i, j, s) in c {
                assert!(i < j && j < kc && s < kc && s != i && s != j, "candidate ({i}, {j}, {s})");
            }
        }
    }
    let ev = |u: &mut Unstructured<'_>| -> Result<ClusterEvidence> {
        Ok(ClusterEvidence { count: u.arbitrary()?, log_marginal: clasp_fuzz::entry(u, true)? })
    };
    let (whole, first, second) = (ev(u)?, ev(u)?, ev(u)?);
    let alpha = param(u, 0.1, 10.0)?;
    if let (Ok(s), Ok(m)) = (log_split_ratio(alpha, whole, first, second), log_merge_ratio(alpha, whole, first, second))
    {
        assert!(!s.is_nan() && s == -m, "split {s} merge {m}");
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
