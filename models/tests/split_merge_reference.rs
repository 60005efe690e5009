//! Trace test of the reference split/merge preset against DeepDPM's Hastings ratios
//! (issue 16, item 3): `tests/reference/deepdpm_hastings.py` transcribes the mathematics of
//! DeepDPM's `priors.py` and `split_merge_operations.py` (BGU-CS-VIL/DeepDPM @95c9376) and
//! its output on a fixed 2-D input (four hard clusters, fixed sub-cluster assignments, fixed
//! component means) is `tests/fixtures/split_merge/deepdpm_hastings.json`. clasp's evidence
//! with `SplitMergeParams::deepdpm()` (Ψ = 0.005·I, κ = 1e-4, ν = D + 2, component-mean
//! centres, sub-cluster centres = NIW posterior means, merge centre = N-weighted component
//! mean) must give the same log marginals and log Hastings ratios to 1e-9 relative.

use clasp_core::MatRef;
use clasp_core::mixture::niw::MarginalCentre;
use clasp_core::mixture::split_merge::{
    EvidenceCentre, SplitMergeParams, SplitMergePreset, cluster_evidence, log_merge_ratio, log_split_ratio,
    niw_prior_for, weighted_centre,
};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/split_merge/deepdpm_hastings.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|e| e.as_f64().unwrap()).collect()
}

fn ints(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|e| e.as_u64().unwrap() as usize).collect()
}

fn close(got: f64, want: f64, what: &str) {
    let rel = (got - want).abs() / want.abs().max(1e-300);
    assert!(rel <= 1e-9, "{what}: clasp {got:.15e}, DeepDPM {want:.15e} (relative {rel:.2e})");
}

#[test]
fn reference_preset_matches_deepdpm_hastings_ratios() {
    let f = fixture();
    let x: Vec<f64> = f["x"].as_array().unwrap().iter().flat_map(floats).collect();
    let n = x.len() / 2;
    let labels = ints(&f["labels"]);
    let sub = ints(&f["sub"]);
    let mus: Vec<Vec<f64>> = f["component_means"].as_array().unwrap().iter().map(floats).collect();
    let params = SplitMergeParams::preset(SplitMergePreset::Reference);
    assert_eq!(params, SplitMergeParams::deepdpm());
    assert_eq!(params.marginal_centre, EvidenceCentre::ComponentMean);
    assert_eq!((params.alpha, params.prior_kappa, params.nu(2)), (10.0, 1e-4, f["nu"].as_f64().unwrap()));
    let prior = niw_prior_for(MatRef::new(&x, n, 2, "x").unwrap(), &params).unwrap();
    let rows = |pred: &dyn Fn(usize) -> bool| (0..n).filter(|&i| pred(i)).collect::<Vec<_>>();

    for case in f["splits"].as_array().unwrap() {
        let k = case["cluster"].as_u64().unwrap() as usize;
        let whole = prior.stats_of(&x, rows(&|i| labels[i] == k));
        let sides = [0, 1].map(|s| prior.stats_of(&x, rows(&|i| labels[i] == k && sub[i] == s)));
        let want_l = floats(&case["log_marginal"]);
        let whole_ev = cluster_evidence(&prior, &whole, MarginalCentre::Supplied(&mus[k])).unwrap();
        close(whole_ev.log_marginal, want_l[0], &format!("split {k}: whole log marginal"));
        let mut ev = Vec::new();
        for (s, side) in sides.iter().enumerate() {
            let centre = prior.posterior(side).0;
            for (a, b) in centre.iter().zip(floats(&case["sub_means"][s])) {
                close(*a, b, &format!("split {k}: sub-cluster {s} mean"));
            }
            let e = cluster_evidence(&prior, side, MarginalCentre::Supplied(&centre)).unwrap();
            close(e.log_marginal, want_l[s + 1], &format!("split {k}: side {s} log marginal"));
            assert_eq!(e.count as u64, case["n"][s].as_u64().unwrap());
            ev.push(e);
        }
        let got = log_split_ratio(params.alpha, whole_ev, ev[0], ev[1]).unwrap();
        close(got, case["log_h"].as_f64().unwrap(), &format!("split {k}: log H"));
    }

    for case in f["merges"].as_array().unwrap() {
        let pair = ints(&case["pair"]);
        let (a, b) = (pair[0], pair[1]);
        let parts = [a, b].map(|k| prior.stats_of(&x, rows(&|i| labels[i] == k)));
        let whole = parts[0].merged(&parts[1]);
        let centre = weighted_centre(parts[0].count(), &mus[a], parts[1].count(), &mus[b]);
        for (g, w) in centre.iter().zip(floats(&case["merged_mean"])) {
            close(*g, w, &format!("merge {a}+{b}: merged centre"));
        }
        let want_l = floats(&case["log_marginal"]);
        let whole_ev = cluster_evidence(&prior, &whole, MarginalCentre::Supplied(&centre)).unwrap();
        let ea = cluster_evidence(&prior, &parts[0], MarginalCentre::Supplied(&mus[a])).unwrap();
        let eb = cluster_evidence(&prior, &parts[1], MarginalCentre::Supplied(&mus[b])).unwrap();
        for (got, want, what) in [
            (whole_ev.log_marginal, want_l[0], "union"),
            (ea.log_marginal, want_l[1], "first"),
            (eb.log_marginal, want_l[2], "second"),
        ] {
            close(got, want, &format!("merge {a}+{b}: {what} log marginal"));
        }
        let got = log_merge_ratio(params.alpha, whole_ev, ea, eb).unwrap();
        close(got, case["log_h"].as_f64().unwrap(), &format!("merge {a}+{b}: log H"));
    }
}

#[test]
fn sample_mean_evidence_differs_from_the_reference_on_the_same_input() {
    // The clasp preset's textbook evidence (about x̄) is not DeepDPM's (about the supplied
    // component mean): the trace would catch a silent switch.
    let f = fixture();
    let x: Vec<f64> = f["x"].as_array().unwrap().iter().flat_map(floats).collect();
    let n = x.len() / 2;
    let labels = ints(&f["labels"]);
    let prior = niw_prior_for(MatRef::new(&x, n, 2, "x").unwrap(), &SplitMergeParams::deepdpm()).unwrap();
    let whole = prior.stats_of(&x, (0..n).filter(|&i| labels[i] == 0));
    let l = cluster_evidence(&prior, &whole, MarginalCentre::SampleMean).unwrap().log_marginal;
    let want = f["splits"][0]["log_marginal"][0].as_f64().unwrap();
    assert!((l - want).abs() > 1e-3 * want.abs(), "{l} vs {want}");
    assert_eq!(SplitMergeParams::clasp(), SplitMergeParams::default());
    assert_eq!(SplitMergeParams::default().marginal_centre, EvidenceCentre::SampleMean);
}
