use clasp_core::mixture::split_merge::*;
use clasp_core::MatRef;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (x, rows, cols) = if args[1] == "digits" {
        let t = clasp_models::io::read_table(std::path::Path::new("tests/fixtures/gmm/sklearn_digits_pca10_full/x.npy")).unwrap();
        (t.data, t.rows, t.cols)
    } else if args[1] == "digitspca" {
        let b = clasp_models::io::load_bundled("digits").unwrap();
        (clasp_models::pca::pca(&b.x.data.iter().map(|v| v / 16.0).collect::<Vec<_>>(), b.x.rows, b.x.cols, 10).unwrap(), b.x.rows, 10)
    } else {
        let b = clasp_models::io::load_bundled("iris").unwrap();
        (b.x.data, b.x.rows, b.x.cols)
    };
    let k_init: usize = args[2].parse().unwrap();
    let seeds: u64 = args[3].parse().unwrap();
    for seed in 0..seeds {
        let ev = |k: &str, d: f64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
        let p = SplitMergeParams { k_init, seed, prior_sigma_scale: ev("S", 0.005), alpha: ev("A", 10.0),
            prior_sigma: if ev("VAR", 0.0) > 0.0 { PriorSigma::DataVariance } else { PriorSigma::Identity },
            sub_em_iters: ev("SUB", 10.0) as usize, split_proposals: ev("R", 1.0) as usize, em_iters: ev("EM", 10.0) as usize,
            ranking: if ev("SMEM", 0.0) > 0.0 { ProposalRanking::Smem } else { ProposalRanking::SubCluster },
            ..Default::default() };
        let t = std::time::Instant::now();
        let fit = split_merge(MatRef::new(&x, rows, cols, "x").unwrap(), None, &p).unwrap();
        println!("{seed} {} {:?} {:.2}s", fit.k(), fit.info.k_path, t.elapsed().as_secs_f64());
        std::fs::write(format!("/tmp/smproto/lab_{}_{k_init}_{seed}.txt", args[1]), fit.labels.iter().map(|l| l.to_string()).collect::<Vec<_>>().join("\n")).unwrap();
    }
}
