//! `clasp fewshot`: mean accuracy and 95 % interval of transductive few-shot methods on
//! seeded episodes of a bundled data set (see [`crate::fewshot`] for the protocol).

use clap::Args;
use clasp_core::bound::Symmetrise;
use serde_json::json;

use super::limits::{MAX_EPISODES, between, count};
use super::progress::IterationProgress;
use crate::fewshot::{
    EpisodeSpec, Method, MethodConfig, Preset, Protocol, evaluate_monitored, load_features_with, sample_episodes, tune,
};
use crate::{Error, Result};

/// Arguments of `clasp fewshot`.
#[derive(Args, Debug)]
pub struct FewshotArgs {
    /// Bundled data set (`digits`, `iris`, `wine`); features are its raw values, CL2N.
    #[arg(long, default_value = "digits")]
    pub dataset: String,
    /// The papers' base/novel protocol: classes 0..B are base classes (their mean is the CL2N
    /// centre) and episodes draw from the others only. Without it: all classes, global mean.
    #[arg(long, value_parser = count(1, 1000))]
    pub base_classes: Option<usize>,
    /// Classes per episode.
    #[arg(long, default_value_t = 5, value_parser = count(2, 1000))]
    pub ways: usize,
    /// Support points per class.
    #[arg(long, default_value_t = 1, value_parser = count(1, 10_000))]
    pub shots: usize,
    /// Query points per class.
    #[arg(long, default_value_t = 15, value_parser = count(1, 10_000))]
    pub queries: usize,
    /// Test episodes.
    #[arg(long, default_value_t = 1000, value_parser = count(1, MAX_EPISODES))]
    pub episodes: usize,
    /// Seed of the test episodes (the same episodes for every method).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Methods (comma-separated or repeated); default: all.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub method: Vec<Method>,
    /// Laplacian weight λ (default: 1.0 LaplacianShot, 0.7 SLK).
    #[arg(long, value_parser = between(0.0, 1e6))]
    pub lambda: Option<f64>,
    /// kNN `n_neighbors` of the affinity (knn − 1 neighbours per point; default 3).
    #[arg(long, value_parser = count(2, 1000))]
    pub knn: Option<usize>,
    /// LaplacianShot prototype rectification (with the support–query shift).
    #[arg(long)]
    pub rectify: bool,
    /// Support–query shift (default: on for laplacianshot, slk-means, slk-ms; off for kmeans, kmodes).
    #[arg(long)]
    pub shift: Option<bool>,
    /// Symmetrisation of the kNN graph (default none).
    #[arg(long, value_enum)]
    pub symmetrise: Option<SymmetriseArg>,
    /// clasp's optimiser or the released code verbatim (reference energy, no safeguard,
    /// unclamped SLK support rows, LaplacianShot shift only when rectifying).
    #[arg(long, value_enum, default_value = "clasp")]
    pub preset: Preset,
    /// Let bound updates overwrite the support assignments (the released SLK code).
    #[arg(long)]
    pub no_clamp_support: bool,
    /// Disable the monotone safeguard of the bound updates (the released update verbatim).
    #[arg(long)]
    pub no_monotone: bool,
    /// Tune symmetrisation × knn × λ per Laplacian method on validation episodes drawn with
    /// `--val-seed` (never the test episodes), then test with the chosen values.
    #[arg(long)]
    pub tune: bool,
    /// Validation episodes for `--tune`.
    #[arg(long, default_value_t = 500, value_parser = count(1, MAX_EPISODES), requires = "tune")]
    pub val_episodes: usize,
    /// Seed of the validation episodes (default: seed + 1).
    #[arg(long, requires = "tune")]
    pub val_seed: Option<u64>,
    /// Print one JSON object per method instead of a table.
    #[arg(long)]
    pub json: bool,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

/// Command-line spelling of [`Symmetrise`].
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SymmetriseArg {
    /// Directed kNN graph (reference).
    None,
    /// max(W, Wᵀ).
    Max,
    /// (W + Wᵀ)/2.
    Mean,
}

impl From<SymmetriseArg> for Symmetrise {
    fn from(s: SymmetriseArg) -> Self {
        match s {
            SymmetriseArg::None => Symmetrise::None,
            SymmetriseArg::Max => Symmetrise::Max,
            SymmetriseArg::Mean => Symmetrise::Mean,
        }
    }
}

/// Refuses options that no selected method uses (they would be silently ignored).
fn check_flags_apply(args: &FewshotArgs, methods: &[Method]) -> Result<()> {
    let laplacian = methods.iter().any(|m| m.has_laplacian());
    let graph_flags = [
        (args.lambda.is_some(), "--lambda"),
        (args.knn.is_some(), "--knn"),
        (args.symmetrise.is_some(), "--symmetrise"),
        (args.tune, "--tune"),
    ];
    if let Some((_, flag)) = graph_flags.iter().find(|(set, _)| *set && !laplacian) {
        return Err(Error::InvalidArgument {
            flag,
            reason: "applies only to the Laplacian methods (laplacianshot, slk-means, slk-ms), none is selected".into(),
        });
    }
    if args.rectify && !methods.contains(&Method::Laplacianshot) {
        return Err(Error::InvalidArgument {
            flag: "--rectify",
            reason: "applies only to laplacianshot, which is not selected".into(),
        });
    }
    Ok(())
}

/// Runs `clasp fewshot`.
pub fn run(args: &FewshotArgs) -> Result<()> {
    let methods: Vec<Method> = if args.method.is_empty() { Method::ALL.to_vec() } else { args.method.clone() };
    check_flags_apply(args, &methods)?;
    let protocol = args.base_classes.map_or(Protocol::AllClasses, |base| Protocol::BaseNovel { base });
    let data = load_features_with(&args.dataset, protocol)?;
    let spec = EpisodeSpec { ways: args.ways, shots: args.shots, queries: args.queries };
    let test = sample_episodes(&data, spec, args.episodes, args.seed)?;
    let val_seed = args.val_seed.unwrap_or(args.seed.wrapping_add(1));
    if args.tune && val_seed == args.seed {
        return Err(Error::InvalidArgument { flag: "--val-seed", reason: "must differ from --seed".into() });
    }
    let validation = if args.tune { Some(sample_episodes(&data, spec, args.val_episodes, val_seed)?) } else { None };
    if !args.json {
        println!(
            "{} {}-way {}-shot, {} queries/class, {} episodes, seed {}; features: raw values, CL2N; protocol: {}; \
             preset: {:?}",
            args.dataset,
            args.ways,
            args.shots,
            args.queries,
            args.episodes,
            args.seed,
            protocol.describe(),
            args.preset
        );
        println!("{:<14} {:>8} {:>7} {:>8} {:>6} {:>9}", "method", "acc %", "± ci95", "lambda", "knn", "ms/ep");
    }
    let mut progress = IterationProgress::counting("fewshot", methods.len(), args.quiet, "episodes", "mean accuracy %");
    for (run, m) in methods.into_iter().enumerate() {
        let base = MethodConfig::for_preset(m, args.preset);
        let mut cfg = MethodConfig {
            lambda: args.lambda.unwrap_or(base.lambda),
            knn: args.knn.unwrap_or(base.knn),
            rectify: args.rectify,
            symmetrise: args.symmetrise.map_or(base.symmetrise, Into::into),
            clamp_support: !args.no_clamp_support && base.clamp_support,
            monotone: !args.no_monotone && base.monotone,
            shift: args.shift,
            ..base
        };
        let mut val = None;
        if let (Some(v), true) = (validation.as_ref(), m.has_laplacian()) {
            let t = tune(&data, v, args.ways, &cfg)?;
            cfg = t.config;
            val = Some(t.validation);
        }
        let s = evaluate_monitored(&data, &test, args.ways, &cfg, run, &mut progress)?;
        let lam = if m.has_laplacian() { Some(cfg.lambda) } else { None };
        if args.json {
            let mut rec = json!({
                "method": m.name(), "dataset": args.dataset, "ways": args.ways, "shots": args.shots,
                "queries": args.queries, "episodes": args.episodes, "seed": args.seed,
                "accuracy": s.accuracy, "ci95": s.ci95, "ms_per_episode": s.ms_per_episode,
                "preset": args.preset, "features": "raw values, CL2N (no backbone)", "protocol": protocol.describe(),
            });
            if m.has_laplacian() {
                rec["lambda"] = json!(cfg.lambda);
                rec["knn"] = json!(cfg.knn);
                rec["symmetrise"] = json!(format!("{:?}", cfg.symmetrise).to_lowercase());
            }
            if m == Method::Laplacianshot {
                rec["rectify"] = json!(cfg.rectify);
            }
            if let Some(v) = val {
                rec["tuned_on"] = json!({ "seed": val_seed, "episodes": args.val_episodes, "accuracy": v.accuracy });
            }
            println!("{rec}");
        } else {
            let name = if m == Method::Laplacianshot && cfg.rectify {
                "laplacianshot+r".to_string()
            } else {
                m.name().to_string()
            };
            println!(
                "{:<14} {:>8.2} {:>7.2} {:>8} {:>6} {:>9.3}",
                name,
                s.accuracy,
                s.ci95,
                lam.map_or("-".into(), |l| format!("{l}")),
                if m.has_laplacian() { cfg.knn.to_string() } else { "-".into() },
                s.ms_per_episode
            );
        }
    }
    progress.finish();
    Ok(())
}
