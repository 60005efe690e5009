//! `clasp gmm --split-merge` / `--semi-supervised`: a Gaussian mixture whose number of
//! components is found by split/merge moves (clasp-core `mixture::split_merge`), optionally
//! with labelled rows clamped (`--labels`, negative = unlabelled), or semi-supervised EM at
//! fixed K, or SMEM (split-and-merge EM at fixed K).

use clap::Args;
use clasp_core::mixture::semi_supervised_em;
use clasp_core::mixture::split_merge::{
    Acceptance, PriorSigma, ProposalRanking, SmemParams, SplitMergeFit, SplitMergeParams, SplitMergePreset, smem_em,
    split_merge_monitored,
};
use serde_json::json;

use super::budget::{Need, available_memory};
use super::gmm_job::{GmmJob, em_memory, report};
use super::limits::{MAX_K, between, count, positive};
use super::progress::IterationProgress;
use super::report::{rows, score, warn_not_converged};
use crate::io::write_json_atomic;
use crate::{Context, Error, Result};

/// The split/merge and semi-supervised options of `clasp gmm` (flattened into its arguments).
#[derive(Args, Debug, Clone, Default)]
pub struct GmmSplitMergeArgs {
    /// Find K by split/merge moves (NIW Hastings ratios), starting from `-k` components; the
    /// JSON report gains the K path.
    #[arg(long)]
    pub split_merge: bool,
    /// Semi-supervised: rows of `--labels` with a label ≥ 0 keep that class (hard, never
    /// recomputed responsibilities); negative = unlabelled. Without `--split-merge`: EM with
    /// `-k` components (K may exceed the number of classes).
    #[arg(long)]
    pub semi_supervised: bool,
    /// Split/merge: `clasp` (default: data-driven Ψ = 0.03·Cov(X), sub-cluster EM refinement,
    /// reorganisation moves) or `reference` (DeepDPM's released sampler: Ψ = 0.005·I,
    /// component-mean evidence, plain 2-means, alternating split and merge sweeps). The other
    /// split/merge options override the preset's values.
    #[arg(long, value_enum, requires = "split_merge")]
    pub preset: Option<PresetArg>,
    /// Split/merge: maximum number of components (default 50).
    #[arg(long, requires = "split_merge", value_parser = count(1, MAX_K))]
    pub k_max: Option<usize>,
    /// Split/merge: DP concentration α (default 10, DeepDPM; GPC uses 1).
    #[arg(long, requires = "split_merge", value_parser = positive(1e12))]
    pub alpha: Option<f64>,
    /// Split/merge: scale s of the NIW Ψ (default 0.03 with `--prior-sigma covariance`;
    /// DeepDPM uses 0.005 with `identity`).
    #[arg(long, requires = "split_merge", value_parser = positive(1e12))]
    pub prior_sigma_scale: Option<f64>,
    /// Split/merge: shape of Ψ: s·I, s·diag(variances) or s·Cov(X) (default `covariance`).
    #[arg(long, value_enum, requires = "split_merge")]
    pub prior_sigma: Option<PriorSigmaArg>,
    /// Split/merge: NIW ν (default D + 2).
    #[arg(long, requires = "split_merge", value_parser = positive(1e12))]
    pub prior_nu: Option<f64>,
    /// Split/merge: GPC's stochastic acceptance with this fixed probability for failing moves
    /// (default: exact Metropolis–Hastings min(1, H)).
    #[arg(long, requires = "split_merge", value_parser = between(0.0, 1.0))]
    pub accept_prob: Option<f64>,
    /// Split/merge: rank proposals by the SMEM criteria (Ueda et al. 2000).
    #[arg(long, requires = "split_merge")]
    pub smem: bool,
    /// Split/merge: maximum number of move sweeps (default 30).
    #[arg(long, requires = "split_merge", value_parser = count(1, 100_000))]
    pub max_sweeps: Option<usize>,
    /// Classic SMEM at fixed K = `-k` (Ueda et al. 2000): EM, then simultaneous merge + split
    /// moves ranked by J_merge / J_split, partial and full EM, kept when the likelihood rises.
    /// The JSON report gains the accepted moves.
    #[arg(long, conflicts_with_all = ["split_merge", "semi_supervised"])]
    pub smem_em: bool,
}

/// `--preset` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresetArg {
    /// DeepDPM's released sampler (`SplitMergeParams::deepdpm`).
    Reference,
    /// clasp's default (`SplitMergeParams::clasp`).
    Clasp,
}

impl PresetArg {
    /// The core preset.
    pub fn core(self) -> SplitMergePreset {
        match self {
            PresetArg::Reference => SplitMergePreset::Reference,
            PresetArg::Clasp => SplitMergePreset::Clasp,
        }
    }
}

/// Name of a preset in reports.
pub fn preset_name(preset: SplitMergePreset) -> &'static str {
    match preset {
        SplitMergePreset::Reference => "reference",
        SplitMergePreset::Clasp => "clasp",
    }
}

/// `--prior-sigma` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorSigmaArg {
    /// Ψ = s·I.
    Identity,
    /// Ψ = s·diag(per-feature variance).
    Variance,
    /// Ψ = s·Cov(X).
    Covariance,
}

impl GmmSplitMergeArgs {
    /// Whether a mode of this module (split/merge, semi-supervised EM, SMEM) is chosen instead
    /// of plain EM.
    pub fn selected(&self) -> bool {
        self.split_merge || self.semi_supervised || self.smem_em
    }

    /// The chosen preset (default clasp).
    pub fn preset(&self) -> SplitMergePreset {
        self.preset.map_or(SplitMergePreset::Clasp, PresetArg::core)
    }

    /// The core split/merge parameters, starting from `k_init` components; options not given
    /// keep the preset's values.
    pub fn params(&self, k_init: usize, seed: u64) -> SplitMergeParams {
        let d = SplitMergeParams::preset(self.preset());
        d.k_init(k_init)
            .k_max(self.k_max.unwrap_or(d.k_max))
            .alpha(self.alpha.unwrap_or(d.alpha))
            .prior_sigma_scale(self.prior_sigma_scale.unwrap_or(d.prior_sigma_scale))
            .prior_sigma(self.prior_sigma.map_or(d.prior_sigma, |p| match p {
                PriorSigmaArg::Identity => PriorSigma::Identity,
                PriorSigmaArg::Variance => PriorSigma::DataVariance,
                PriorSigmaArg::Covariance => PriorSigma::DataCovariance,
            }))
            .prior_nu(self.prior_nu)
            .acceptance(self.accept_prob.map_or(d.acceptance, Acceptance::Fixed))
            .ranking(if self.smem { ProposalRanking::Smem } else { d.ranking })
            .max_sweeps(self.max_sweeps.unwrap_or(d.max_sweeps))
            .seed(seed)
    }
}

/// Converts CLI labels (negative = unlabelled) to the core's `Option<usize>`.
pub fn known_from_cli(labels: &[i64]) -> Vec<Option<usize>> {
    labels.iter().map(|&l| usize::try_from(l).ok()).collect()
}

/// JSON report of a split/merge fit: the preset, the model, K path, move counts, labels, and
/// ACC/NMI/ARI against `truth` (rows with truth ≥ 0) when given.
pub fn fit_json(
    fit: &SplitMergeFit<f64>,
    dim: usize,
    truth: Option<&[i64]>,
    preset: SplitMergePreset,
) -> Result<serde_json::Value> {
    let metrics = truth.map(|t| score(t, &fit.labels)).transpose()?;
    Ok(json!({
        "preset": preset_name(preset),
        "model": {
            "k": fit.k(),
            "dim": dim,
            "covariance_type": "full",
            "weights": fit.weights,
            "means": rows(&fit.means, dim),
            "covariances": fit.covariances,
        },
        "k_path": fit.info.k_path,
        "sweeps": fit.info.sweeps,
        "splits": fit.info.splits,
        "merges": fit.info.merges,
        "converged": fit.info.converged,
        "mean_log_likelihood": fit.info.mean_log_likelihood,
        "labels": fit.labels,
        "metrics": metrics,
    }))
}

/// The `clasp gmm` path for `--split-merge`, `--semi-supervised` and `--smem-em` (one of them
/// is [`GmmSplitMergeArgs::selected`]).
pub fn run(job: &GmmJob<'_>, opts: &GmmSplitMergeArgs) -> Result<()> {
    let (n, d) = (job.table.rows, job.table.cols);
    if opts.split_merge {
        // Each of up to K_max components carries two sub-clusters: 4·n·K_max responsibilities.
        let k_max = opts.params(job.params.k, job.params.seed).k_max;
        let what = format!("split/merge on {n} × {d} with K_max = {k_max}: 4·n·K_max + 9·K_max·d² + n·d values");
        Need::new(what, &[&[4, n, k_max], &[9, k_max, d, d], &[n, d]]).check(
            "gmm",
            available_memory(),
            "lower --k-max",
        )?;
    } else {
        em_memory(n, d, job.params.k).check("gmm", available_memory(), "lower -k")?;
    }
    let x = job.x()?;
    if opts.smem_em {
        let params = SmemParams::default().gmm(job.params);
        let out = smem_em(x, &params).context("gmm")?;
        let mut rep = serde_json::to_value(report(x, &out.fit, job.labels)?).map_err(Error::JsonValue)?;
        let moves: Vec<_> = out
            .info
            .moves
            .iter()
            .map(|m| json!({"merged": [m.merged.0, m.merged.1], "split": m.split, "log_likelihood": m.log_likelihood}))
            .collect();
        rep["smem"] = json!({
            "initial_log_likelihood": out.info.initial_log_likelihood,
            "log_likelihood": out.info.log_likelihood,
            "moves": moves,
            "candidates_tried": out.info.candidates_tried,
        });
        write_json_atomic(job.out, &rep)?;
        eprintln!(
            "gmm --smem-em: K={} {} moves, mean log-likelihood {:.6} -> {:.6}",
            job.params.k,
            out.info.moves.len(),
            out.info.initial_log_likelihood,
            out.info.log_likelihood
        );
        return Ok(());
    }
    let known = if opts.semi_supervised {
        let labels = job
            .labels
            .ok_or_else(|| Error::InvalidArgument { flag: "--semi-supervised", reason: "needs --labels".into() })?;
        Some(known_from_cli(labels))
    } else {
        None
    };
    // In semi-supervised mode the labels are the clamp, not a reference to score against.
    let truth = if opts.semi_supervised { None } else { job.labels };
    if opts.split_merge {
        let params = opts.params(job.params.k, job.params.seed);
        let mut progress = IterationProgress::counting("gmm --split-merge", 1, job.quiet, "sweeps", "moves");
        let fit = split_merge_monitored(x, known.as_deref(), &params, &mut progress);
        progress.finish();
        let fit = fit.context("gmm")?;
        write_json_atomic(job.out, &fit_json(&fit, job.table.cols, truth, opts.preset())?)?;
        warn_not_converged("gmm --split-merge", fit.info.converged, "the split/merge sweeps");
        eprintln!(
            "gmm --split-merge ({} preset): K path {:?}, {} splits, {} merges",
            preset_name(opts.preset()),
            fit.info.k_path,
            fit.info.splits,
            fit.info.merges
        );
    } else {
        let known = known.unwrap_or_default();
        let ss = semi_supervised_em(x, &known, &job.params).context("gmm")?;
        let mut rep = report(x, &ss.fit, None)?;
        rep.labels = ss.labels;
        write_json_atomic(job.out, &rep)?;
        warn_not_converged("gmm --semi-supervised", rep.converged, "EM");
        eprintln!("gmm --semi-supervised: K={} n_iter={} converged={}", job.params.k, rep.n_iter, rep.converged);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::gmm::{GmmArgs, run as run_cli};
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        gmm: GmmArgs,
    }

    #[test]
    fn negative_cli_labels_are_unlabelled() {
        assert_eq!(known_from_cli(&[-1, 0, 3, -7]), vec![None, Some(0), Some(3), None]);
    }

    #[test]
    fn gmm_flags_select_the_path_and_write_the_k_path() {
        let dir = std::env::temp_dir().join(format!("clasp-sm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("x.csv");
        let mut text = String::new();
        for i in 0..60 {
            let (cx, cy) = [(0.0, 0.0), (8.0, 0.0), (0.0, 8.0)][i / 20];
            text += &format!("{},{}\n", cx + (i % 5) as f64 * 0.3, cy + (i % 7) as f64 * 0.2);
        }
        std::fs::write(&data, text).unwrap();
        let out = dir.join("out.json");
        let (d, o) = (data.to_str().unwrap(), out.to_str().unwrap());
        let plain = Cli::parse_from(["gmm", "--data", d, "-k", "2", "--out", o]);
        run_cli(&plain.gmm).unwrap();
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert!(v.get("k_path").is_none() && v["model"]["k"] == 2, "plain EM ran: {v}");
        let sm = Cli::parse_from(["gmm", "--data", d, "-k", "1", "--split-merge", "--out", o]);
        run_cli(&sm.gmm).unwrap();
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(v["k_path"][0], 1);
        assert_eq!(v["model"]["k"], 3);
        assert_eq!(v["preset"], "clasp");
        let reference =
            Cli::parse_from(["gmm", "--data", d, "-k", "1", "--split-merge", "--preset", "reference", "--out", o]);
        assert_eq!(reference.gmm.split_merge.params(1, 0), SplitMergeParams::deepdpm().k_init(1));
        run_cli(&reference.gmm).unwrap();
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(v["preset"], "reference");
        assert!(v["model"]["k"].as_u64().unwrap() >= 1);
        assert!(Cli::try_parse_from(["gmm", "--data", d, "--preset", "reference", "--out", o]).is_err());
        let smem = Cli::parse_from(["gmm", "--data", d, "-k", "3", "--smem-em", "--out", o]);
        run_cli(&smem.gmm).unwrap();
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(v["model"]["k"], 3);
        assert!(v["smem"]["log_likelihood"].as_f64().unwrap() >= v["smem"]["initial_log_likelihood"].as_f64().unwrap());
        assert!(Cli::try_parse_from(["gmm", "--data", d, "--smem-em", "--split-merge", "--out", o]).is_err());
        let no_labels = Cli::parse_from(["gmm", "--data", d, "-k", "2", "--semi-supervised", "--out", o]);
        assert!(run_cli(&no_labels.gmm).unwrap_err().to_string().contains("--labels"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
