//! One graph training run from data to report, shared by `clasp train pamc|infonce|dag` and
//! `clasp demo`: load or generate the graph, settle the configuration (profile defaults ←
//! `--config` JSON ← `--epochs`; written as `config.json`), train on the chosen device, score
//! the final-epoch labels (ACC, NMI, ARI, macro-F1 on the labelled nodes; modularity always),
//! measure time per epoch and peak memory ([`super::memory`]), draw the plots and write
//! `report.json`, `report.html` and `labels.json` (the final-epoch cluster of every node). PamC runs add the time/memory-versus-N sweep of PamC and
//! the dense InfoNCE baseline ([`super::scaling`]).

use super::GraphData;
use super::dag::{DagConfig, train_dag};
use super::memory::{peak_mb, reset_peak};
use super::outcome::GraphTrained;
use super::pamc::{Negatives, PamcConfig, train_pamc};
use super::scaling::{ScalingPoint, scaling_sweep};
use super::source::load_graph_source;
use crate::eval::cluster_scores;
use crate::metrics::macro_f1;
use crate::pipelines::Profile;
use crate::pipelines::run::{RunSpec, write_run_report};
use crate::report::{plot_curves, plot_embedding, write_json_atomic};
use crate::train::TrainBackend;
use crate::train::device::{Job, dispatch};
use crate::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

/// The graph pipelines.
pub const GRAPH_PIPELINES: [&str; 3] = ["pamc", "infonce", "dag"];

/// A graph pipeline's settings.
#[derive(Clone, Debug)]
enum Settings {
    Pamc(PamcConfig),
    Dag(DagConfig),
}

impl Settings {
    fn for_pipeline(name: &str, profile: Profile) -> Result<Self> {
        match name {
            "pamc" => Ok(Settings::Pamc(PamcConfig::for_profile(profile, Negatives::MetaHard))),
            "infonce" => Ok(Settings::Pamc(PamcConfig::for_profile(profile, Negatives::Dense))),
            "dag" => Ok(Settings::Dag(DagConfig::for_profile(profile))),
            other => Err(Error::Unknown {
                what: "graph pipeline",
                name: other.into(),
                expected: format!("expected {}", GRAPH_PIPELINES.join(", ")),
            }),
        }
    }

    fn load(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |e| Error::JsonValue(e).context(format!("{}: not a valid configuration", path.display()));
        match self {
            Settings::Pamc(c) => *c = serde_json::from_str(&text).map_err(bad)?,
            Settings::Dag(c) => *c = serde_json::from_str(&text).map_err(bad)?,
        }
        Ok(())
    }

    fn set_epochs(&mut self, epochs: usize) {
        match self {
            Settings::Pamc(c) => c.epochs = epochs,
            Settings::Dag(c) => c.epochs = epochs,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Settings::Pamc(c) => json!(c),
            Settings::Dag(c) => json!(c),
        }
    }
}

struct GraphJob<'a> {
    settings: &'a Settings,
    graph: &'a GraphData,
    k: usize,
    seed: u64,
    quiet: bool,
}

impl Job for GraphJob<'_> {
    type Output = Result<GraphTrained>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        match self.settings {
            Settings::Pamc(c) => train_pamc::<B>(self.graph, c, self.k, self.seed, self.quiet, &device),
            Settings::Dag(c) => train_dag::<B>(self.graph, c, self.seed, self.quiet, &device),
        }
    }
}

/// ACC, NMI, ARI and macro-F1 of `pred` on the scored labelled nodes of `g` (empty without labels).
pub fn graph_scores(g: &GraphData, pred: &[usize]) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    let Some(truth) = &g.labels else {
        return Ok(m);
    };
    let (t, p) = g.scored(truth, pred);
    let s = cluster_scores(&t, &p)?;
    let ids = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
    let f1 = macro_f1(&ids(&t), &ids(&p))?;
    for (k, v) in [("acc", s.acc), ("nmi", s.nmi), ("ari", s.ari), ("f1", f1)] {
        m.insert(k.into(), v.into());
    }
    Ok(m)
}

/// Mean wall time of the `train` epochs.
fn mean_epoch_s(t: &GraphTrained) -> f64 {
    let s: Vec<f64> = t.history.epochs.iter().filter(|e| e.phase == "train").map(|e| e.seconds).collect();
    s.iter().sum::<f64>() / s.len().max(1) as f64
}

/// Loss curves and the 2-D projection of the embedding; the plot file names.
fn draw_plots(out: &Path, name: &str, g: &GraphData, t: &GraphTrained) -> Result<Vec<String>> {
    let phases = t.history.phases();
    let losses: Vec<Vec<f64>> = phases.iter().map(|p| t.history.losses(p)).collect();
    let series: Vec<(&str, &[f64])> = phases.iter().zip(&losses).map(|(p, l)| (p.as_str(), l.as_slice())).collect();
    let mut plots = Vec::new();
    if !series.is_empty() {
        plot_curves(&out.join("loss.svg"), &format!("{name} on {}: training loss", g.name), "epoch", &series)?;
        plots.push("loss.svg".to_string());
    }
    let colour = g.labels.clone().unwrap_or_else(|| t.labels.clone());
    let emb = &t.embedding;
    let title = format!("{name} on {}: node embedding (PCA), coloured by class", g.name);
    plot_embedding(&out.join("embedding.svg"), &title, &emb.data, emb.n, emb.dim, &colour)?;
    plots.push("embedding.svg".to_string());
    Ok(plots)
}

/// Writes the time- (whole epoch and contrastive term) and memory-versus-N plots of a sweep;
/// the plot file names.
fn draw_scaling(out: &Path, points: &[ScalingPoint]) -> Result<Vec<String>> {
    let mut plots = Vec::new();
    let sizes: Vec<String> = points.iter().filter(|p| p.method == "pamc").map(|p| p.n.to_string()).collect();
    let x_label = format!("graph size step (N = {})", sizes.join(", "));
    for (file, title, get) in [
        ("scaling_time.svg", "seconds per epoch vs N", (|p: &ScalingPoint| p.epoch_s) as fn(&ScalingPoint) -> f64),
        ("scaling_contrast.svg", "seconds of the contrastive term alone vs N", |p: &ScalingPoint| p.contrast_s),
        ("scaling_memory.svg", "peak memory (MB) vs N", |p: &ScalingPoint| p.peak_mb),
    ] {
        let per: Vec<(&str, Vec<f64>)> = ["pamc", "infonce"]
            .iter()
            .map(|m| (*m, points.iter().filter(|p| p.method == *m && p.error.is_none()).map(get).collect()))
            .filter(|(_, v): &(&str, Vec<f64>)| !v.is_empty())
            .collect();
        let series: Vec<(&str, &[f64])> = per.iter().map(|(m, v)| (*m, v.as_slice())).collect();
        if !series.is_empty() {
            plot_curves(&out.join(file), &format!("PamC vs dense InfoNCE: {title}"), &x_label, &series)?;
            plots.push(file.to_string());
        }
    }
    Ok(plots)
}

/// Trains the graph pipeline `spec.pipeline` on `data` and writes its report; its entry.
pub fn train_graph(spec: &RunSpec, data: &str) -> Result<Value> {
    let start = Instant::now();
    crate::train::device::check(spec.device)?;
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut settings = Settings::for_pipeline(&spec.pipeline, spec.profile)?;
    let cfg_path = out.join("config.json");
    let from = if spec.resume { Some(cfg_path.clone()) } else { spec.config.clone() };
    if let Some(path) = from {
        settings.load(&path)?;
    }
    if let Some(e) = spec.epochs {
        settings.set_epochs(e);
    }
    write_json_atomic(&cfg_path, &settings.to_json())?;
    let measured = reset_peak();
    let g = load_graph_source(data, spec.profile, spec.seed)?;
    let k = match (&settings, g.classes()) {
        (Settings::Pamc(_), 0) => {
            return Err(Error::InvalidInput(format!(
                "{}: PamC needs the number of clusters: add labels to {data}, or use dag",
                spec.pipeline
            )));
        }
        (_, k) => k,
    };
    let job = GraphJob { settings: &settings, graph: &g, k, seed: spec.seed, quiet: spec.quiet };
    let trained = dispatch(spec.device, job)??;
    let peak = if measured { peak_mb() } else { None };
    let mut metrics = graph_scores(&g, &trained.labels)?;
    let modularity = clasp_core::graph::modularity(g.adjacency.as_ref(), &trained.labels)?;
    metrics.insert("modularity".into(), modularity.into());
    metrics.insert("epoch_s".into(), mean_epoch_s(&trained).into());
    metrics.insert("peak_mb".into(), peak.map_or(Value::Null, Value::from));
    write_json_atomic(&out.join("labels.json"), &json!(trained.labels))?;
    let mut plots = draw_plots(out, &spec.pipeline, &g, &trained)?;
    let mut entry = json!({
        "name": spec.pipeline,
        "dataset": g.name,
        "nodes": g.n(),
        "edges": g.edges(),
        "features": g.dim,
        "classes": k,
        "settings": settings.to_json(),
        "device": spec.device,
        "history": trained.history.epochs,
    });
    let obj = entry.as_object_mut().ok_or_else(|| Error::Internal("report entry is not an object".into()))?;
    obj.extend(trained.extra.clone());
    if let Some(v) = obj.get("k_path").and_then(Value::as_array) {
        let path: Vec<f64> = v.iter().filter_map(Value::as_f64).collect();
        if !path.is_empty() {
            let title = format!("dag on {}: non-empty communities K̂ per epoch", g.name);
            plot_curves(&out.join("k_path.svg"), &title, "epoch", &[("K̂", &path)])?;
            plots.push("k_path.svg".into());
        }
    }
    if let Settings::Pamc(c) = &settings
        && c.negatives == Negatives::MetaHard
        && !c.scaling_sizes.is_empty()
    {
        let points = scaling_sweep(c, spec, &g.name)?;
        plots.extend(draw_scaling(out, &points)?);
        obj.insert("scaling".into(), json!(points));
    }
    for (key, v) in &metrics {
        obj.insert(key.clone(), v.clone());
    }
    obj.insert("metrics".into(), Value::Object(metrics));
    obj.insert("plots".into(), json!(plots));
    obj.insert("wall_s".into(), start.elapsed().as_secs_f64().into());
    write_run_report(spec, entry)
}
