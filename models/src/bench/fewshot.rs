//! `fewshot-laplacianshot-5w5s`: one 5-way 5-shot, 15-query digits episode solved by
//! LaplacianShot (λ = 0.7, knn = 3, no rectification — the 5-shot reference setting),
//! single thread, features already gathered. Reports the mean time per episode over 200
//! seeded episodes (best of `repeat` passes) in f64 and f32 storage, plus the thread's CPU
//! time per episode (mean over the passes), which a busy machine does not inflate.

use serde_json::{Value, json};

use super::timing::best_of;
use crate::Result;
use crate::fewshot::{EpisodeSpec, Method, MethodConfig, load_features, sample_episodes};

const EPISODES: usize = 200;

/// Support features, support labels, query features, query labels.
type Task = (Vec<f64>, Vec<usize>, Vec<f64>, Vec<usize>);

/// Runs the workload.
pub fn laplacianshot_5w5s(repeat: usize) -> Result<Value> {
    let data = load_features("digits")?;
    let spec = EpisodeSpec { ways: 5, shots: 5, queries: 15 };
    let eps = sample_episodes(&data, spec, EPISODES, 0)?;
    let gather = |rows: &[usize]| rows.iter().flat_map(|&r| data.row(r).iter().copied()).collect::<Vec<f64>>();
    let tasks: Vec<Task> = eps
        .iter()
        .map(|e| (gather(&e.support), e.support_labels.clone(), gather(&e.query), e.query_labels.clone()))
        .collect();
    let tasks32: Vec<(Vec<f32>, Vec<f32>)> = tasks
        .iter()
        .map(|t| (t.0.iter().map(|&v| v as f32).collect(), t.2.iter().map(|&v| v as f32).collect()))
        .collect();
    let cfg = MethodConfig { lambda: 0.7, rectify: false, ..MethodConfig::new(Method::Laplacianshot) };
    let mut correct = 0usize;
    let cpu0 = thread_cpu_ms();
    let mut failure = None;
    let t64 = best_of(repeat, || {
        correct = 0;
        for (s, sl, q, ql) in &tasks {
            match cfg.predict(s, sl, q, data.dim, spec.ways) {
                Ok(p) => correct += p.iter().zip(ql).filter(|(a, b)| a == b).count(),
                Err(e) => failure = Some(e),
            }
        }
    });
    let cpu64 = thread_cpu_ms().zip(cpu0).map(|(b, a)| (b - a) / repeat.max(1) as f64);
    let cpu1 = thread_cpu_ms();
    let t32 = best_of(repeat, || {
        for ((s, q), t) in tasks32.iter().zip(&tasks) {
            if let Err(e) = cfg.predict(s, &t.1, q, data.dim, spec.ways) {
                failure = Some(e);
            }
        }
    });
    let cpu32 = thread_cpu_ms().zip(cpu1).map(|(b, a)| (b - a) / repeat.max(1) as f64);
    if let Some(e) = failure {
        return Err(e.into());
    }
    let per = |ms: f64| ms / EPISODES as f64;
    Ok(json!({
        "ms_per_iter": per(t64.best_ms),
        "ms_per_episode": per(t64.best_ms),
        "ms_per_episode_median": per(t64.median_ms),
        "ms_per_episode_f32": per(t32.best_ms),
        "cpu_ms_per_episode": cpu64.map(per),
        "cpu_ms_per_episode_f32": cpu32.map(per),
        "episodes": EPISODES,
        "accuracy": 100.0 * correct as f64 / (EPISODES * spec.ways * spec.queries) as f64,
    }))
}

/// CPU time consumed by the calling thread so far (Linux `/proc/thread-self/schedstat`), in
/// ms: unlike wall time it does not count time the thread waited for a core on a busy machine.
fn thread_cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-6)
}
