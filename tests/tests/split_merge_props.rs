//! Property tests of the split/merge sampler and semi-supervised EM on random small data:
//! same seed ⇒ same result, K stays in [1, K_max] along the whole path, labelled rows never
//! leave their class.

use clasp_core::MatRef;
use clasp_core::mixture::split_merge::{
    Acceptance, ClusterEvidence, ProposalRanking, SplitMergeParams, log_merge_ratio, log_split_ratio, split_merge,
};
use clasp_core::mixture::{GmmParams, semi_supervised_em};
use proptest::prelude::*;

/// n rows in 2-D around up to 4 random centres (so moves have something to do).
fn data() -> impl Strategy<Value = (Vec<f64>, usize)> {
    (20usize..60, prop::collection::vec((-20.0f64..20.0, -20.0f64..20.0), 1..5)).prop_flat_map(|(n, centres)| {
        prop::collection::vec((0..centres.len(), -1.0f64..1.0, -1.0f64..1.0), n).prop_map(move |pts| {
            let x = pts.iter().flat_map(|&(c, a, b)| [centres[c].0 + a, centres[c].1 + b]).collect();
            (x, n)
        })
    })
}

fn params(seed: u64, k_init: usize, k_max: usize, fixed: bool, smem: bool) -> SplitMergeParams {
    SplitMergeParams::default()
        .k_init(k_init)
        .k_max(k_max)
        .seed(seed)
        .max_sweeps(6)
        .acceptance(if fixed { Acceptance::Fixed(0.3) } else { Acceptance::Exact })
        .ranking(if smem { ProposalRanking::Smem } else { ProposalRanking::SubCluster })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn deterministic_and_k_in_range(
        (x, n) in data(), seed in 0u64..1000, k_max in 1usize..8, k_init in 1usize..8, fixed: bool, smem: bool,
    ) {
        let k_init = k_init.min(k_max);
        let xm = MatRef::new(&x, n, 2, "x").unwrap();
        let p = params(seed, k_init, k_max, fixed, smem);
        let a = split_merge(xm, None, &p).unwrap();
        let b = split_merge(xm, None, &p).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert!(a.info.k_path.iter().all(|&k| (1..=k_max).contains(&k)), "{:?}", a.info.k_path);
        prop_assert_eq!(a.info.k_path.last().copied(), Some(a.k()));
        prop_assert!(a.labels.iter().all(|&l| l < a.k()));
    }

    #[test]
    fn labelled_rows_never_move(
        (x, n) in data(), seed in 0u64..1000, classes in 1usize..4, every in 2usize..5, fixed: bool,
    ) {
        let known: Vec<Option<usize>> = (0..n).map(|i| (i % every == 0).then_some((i / every) % classes)).collect();
        let xm = MatRef::new(&x, n, 2, "x").unwrap();
        let fit = split_merge(xm, Some(&known), &params(seed, 1, 8, fixed, false)).unwrap();
        let k = fit.k();
        for (i, l) in known.iter().enumerate() {
            if let Some(c) = *l {
                prop_assert_eq!(fit.labels[i], c);
                prop_assert_eq!(fit.responsibilities[i * k + c], 1.0);
            }
        }
        prop_assert!(fit.info.k_path.iter().all(|&kk| kk >= classes && kk <= 8));

        let gp = GmmParams::default().k(classes + 1).seed(seed).reg_covar(1e-3);
        let ss = semi_supervised_em(xm, &known, &gp).unwrap();
        for (i, l) in known.iter().enumerate() {
            if let Some(c) = *l {
                prop_assert_eq!(ss.labels[i], c);
            }
        }
        prop_assert_eq!(ss, semi_supervised_em(xm, &known, &gp).unwrap());
    }

    #[test]
    fn hastings_ratios_are_antisymmetric(
        n1 in 0usize..500, n2 in 0usize..500, l1 in -1e4f64..0.0, l2 in -1e4f64..0.0, l in -2e4f64..0.0,
        alpha in 0.01f64..100.0,
    ) {
        let (a, b) = (ClusterEvidence { count: n1, log_marginal: l1 }, ClusterEvidence { count: n2, log_marginal: l2 });
        let w = ClusterEvidence { count: n1 + n2, log_marginal: l };
        let s = log_split_ratio(alpha, w, a, b).unwrap();
        prop_assert_eq!(s, -log_merge_ratio(alpha, w, a, b).unwrap());
        prop_assert!((s - log_split_ratio(alpha, w, b, a).unwrap()).abs() <= 1e-9 * (1.0 + s.abs()));
        // Better children evidence never makes a split less likely.
        let better = ClusterEvidence { log_marginal: l1 + 1.0, ..a };
        prop_assert!(log_split_ratio(alpha, w, better, b).unwrap() > s);
    }
}
