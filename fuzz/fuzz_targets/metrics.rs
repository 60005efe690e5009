//! The evaluation metrics (`accuracy`, `best_map`, `adjusted_rand_index`,
//! `normalized_mutual_info`, `gcd_accuracy`, `auroc`) on arbitrary label vectors (any i64,
//! unequal lengths, empty) and scores (NaN, ±inf): typed errors, never a panic; on `Ok`
//! accuracies, NMI, AUROC in [0, 1], ARI ≤ 1, all finite; identical labelings score 1; the
//! accuracy is invariant under renaming the predicted clusters.
#![no_main]

use clasp_models::metrics::{accuracy, adjusted_rand_index, auroc, best_map, gcd_accuracy, normalized_mutual_info};

fn unit(v: f64, what: &str) {
    assert!((0.0..=1.0 + 1e-12).contains(&v), "{what} = {v}");
}

clasp_fuzz::fuzz_case!(|u| {
    let n = u.int_in_range(0..=24)?;
    let big = u.ratio(1u8, 8)?;
    let label = |u: &mut clasp_fuzz::Unstructured<'_>| -> clasp_fuzz::Result<i64> {
        if big { u.arbitrary() } else { Ok(i64::from(u.int_in_range(0u8..=4)?)) }
    };
    let truth: Vec<i64> = (0..n).map(|_| label(u)).collect::<clasp_fuzz::Result<_>>()?;
    let np = clasp_fuzz::ot::jitter(u, n)?;
    let pred: Vec<i64> = (0..np).map(|_| label(u)).collect::<clasp_fuzz::Result<_>>()?;
    if let Ok(acc) = accuracy(&truth, &pred) {
        unit(acc, "accuracy");
        let (map, matched) = best_map(&truth, &pred).expect("best_map where accuracy succeeds");
        assert!(matched as usize <= n && map.len() <= n);
        let renamed: Vec<i64> = pred.iter().map(|&p| p.wrapping_mul(7).wrapping_add(3)).collect();
        let acc2 = accuracy(&truth, &renamed).expect("renamed");
        assert!((acc - acc2).abs() < 1e-12, "accuracy {acc} changes to {acc2} under renaming");
        unit(accuracy(&truth, &truth).expect("self"), "self accuracy");
        assert_eq!(accuracy(&truth, &truth), Ok(1.0));
    }
    if let Ok(ari) = adjusted_rand_index(&truth, &pred) {
        assert!(ari.is_finite() && ari <= 1.0 + 1e-12, "ari {ari}");
        let s = adjusted_rand_index(&truth, &truth).expect("self");
        assert!((s - 1.0).abs() < 1e-12, "self ARI {s}");
    }
    if let Ok(nmi) = normalized_mutual_info(&truth, &pred) {
        unit(nmi, "nmi");
        let s = normalized_mutual_info(&truth, &truth).expect("self");
        assert!((s - 1.0).abs() < 1e-9, "self NMI {s}");
    }
    let is_old: Vec<bool> =
        (0..clasp_fuzz::ot::jitter(u, n)?).map(|_| u.arbitrary()).collect::<clasp_fuzz::Result<_>>()?;
    if let Ok(g) = gcd_accuracy(&truth, &pred, &is_old) {
        unit(g.all, "gcd all");
        g.old.into_iter().chain(g.new).for_each(|v| unit(v, "gcd old/new"));
    }
    let scores: Vec<f64> = (0..np).map(|_| clasp_fuzz::entry(u, true)).collect::<clasp_fuzz::Result<_>>()?;
    let positive: Vec<bool> = truth.iter().map(|&t| t % 2 == 0).collect();
    if let Ok(a) = auroc(&positive, &scores) {
        unit(a, "auroc");
    }
    Ok(())
});
