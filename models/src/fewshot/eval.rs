//! Accuracy over episodes (mean and the 95 % interval 1.96·std/√n, population std as in the
//! reference `compute_confidence_interval`) and λ/knn/symmetrisation tuning on validation
//! episodes.

use std::time::Instant;

use clasp_core::bound::Symmetrise;
use clasp_core::{Iteration, Monitor, Unmonitored};

use super::data::FewShotData;
use super::methods::MethodConfig;
use super::sampler::SampledEpisode;
use crate::{Context, Error, Result};

/// Result of one method on a set of episodes.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Mean accuracy in %.
    pub accuracy: f64,
    /// Half-width of the 95 % interval in %.
    pub ci95: f64,
    /// Mean wall time per episode (method only, features gathered beforehand), ms.
    pub ms_per_episode: f64,
}

fn gather(data: &FewShotData, rows: &[usize]) -> Vec<f64> {
    let mut v = Vec::with_capacity(rows.len() * data.dim);
    for &r in rows {
        v.extend_from_slice(data.row(r));
    }
    v
}

/// Runs `cfg` on every episode.
pub fn evaluate(data: &FewShotData, episodes: &[SampledEpisode], ways: usize, cfg: &MethodConfig) -> Result<Summary> {
    evaluate_monitored(data, episodes, ways, cfg, 0, &mut Unmonitored)
}

/// [`evaluate`] reporting every episode to `monitor` as an iteration of run `run` (its
/// `residual` is the running mean accuracy in %); a `Break` is ignored (every episode runs).
pub fn evaluate_monitored(
    data: &FewShotData,
    episodes: &[SampledEpisode],
    ways: usize,
    cfg: &MethodConfig,
    run: usize,
    monitor: &mut dyn Monitor,
) -> Result<Summary> {
    let mut accs = Vec::with_capacity(episodes.len());
    let mut secs = 0.0f64;
    let mut total = 0.0;
    for (i, e) in episodes.iter().enumerate() {
        let s = gather(data, &e.support);
        let q = gather(data, &e.query);
        let t0 = Instant::now();
        let pred = cfg.predict(&s, &e.support_labels, &q, data.dim, ways).context(cfg.method.name())?;
        secs += t0.elapsed().as_secs_f64();
        let correct = pred.iter().zip(&e.query_labels).filter(|(a, b)| a == b).count();
        let acc = correct as f64 / e.query_labels.len() as f64;
        accs.push(acc);
        total += acc;
        let report =
            Iteration { run, iteration: i + 1, max_iter: episodes.len(), residual: 100.0 * total / (i + 1) as f64 };
        let _ = monitor.iteration(&report);
    }
    let n = accs.len().max(1) as f64;
    let mean = accs.iter().sum::<f64>() / n;
    let var = accs.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / n;
    Ok(Summary { accuracy: 100.0 * mean, ci95: 100.0 * 1.96 * var.sqrt() / n.sqrt(), ms_per_episode: 1e3 * secs / n })
}

/// The configuration chosen by [`tune`] and its validation accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TuneResult {
    /// Best configuration.
    pub config: MethodConfig,
    /// Its validation summary.
    pub validation: Summary,
}

/// λ grid of the tuner: the union of the LaplacianShot and SLK validation grids.
pub const LAMBDA_GRID: [f64; 10] = [0.05, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5];
/// knn grid of the tuner.
pub const KNN_GRID: [usize; 3] = [3, 5, 7];
/// Graph symmetrisations tried by the tuner.
pub const SYMMETRISE_GRID: [Symmetrise; 3] = [Symmetrise::None, Symmetrise::Mean, Symmetrise::Max];

/// Grid search of symmetrisation × knn × λ on validation episodes (never the test ones); ties keep the
/// earlier grid point.
pub fn tune(data: &FewShotData, validation: &[SampledEpisode], ways: usize, base: &MethodConfig) -> Result<TuneResult> {
    let mut best: Option<TuneResult> = None;
    for &symmetrise in &SYMMETRISE_GRID {
        for &knn in &KNN_GRID {
            for &lambda in &LAMBDA_GRID {
                let config = MethodConfig { lambda, knn, symmetrise, ..*base };
                let s = evaluate(data, validation, ways, &config)?;
                if best.is_none_or(|b| s.accuracy > b.validation.accuracy) {
                    best = Some(TuneResult { config, validation: s });
                }
            }
        }
    }
    best.ok_or_else(|| Error::Internal("empty grid".into()))
}
