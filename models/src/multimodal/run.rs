//! One MGCA run from data to report, for `clasp train mgca` and `clasp demo`: load the pairs,
//! settle the configuration (profile defaults ← `--config` JSON ← `--epochs`, `--train-images`,
//! `--test-images`; written as `config.json`), train the full model and, in the same run, the
//! ablations without the prototype term and without the token term, then score each on the
//! held-out pairs — cross-view retrieval recall@1/5/10 (both directions), linear probes of each
//! encoder at 1/10/100 % of the training labels (accuracy; AUROC for two classes; the mean of 3
//! labelled draws below 100 %), NMI of the
//! prototype argmax against the labels — and write `report.json`, `report.html` and the plots
//! (loss curves, the test embedding, and for MNIST halves a PNG grid of retrieval examples).

use super::data::{PairSource, PairedSplit, View, breast_cancer_pairs, load_pairs_csv, mnist_halves, pairs_split};
use super::mgca::{LossWeights, MgcaConfig, MgcaTrained, ViewEmbedding, train_mgca};
use super::probe::{LABEL_FRACTIONS, fraction_key, probe_accuracy, probe_auroc};
use super::retrieval_grid::write_retrieval_grid;
use crate::distributed::{DistSpec, Replica, run_fingerprint};
use crate::metrics::{embedding_recalls, normalized_mutual_info};
use crate::pipelines::Matrix;
use crate::pipelines::run::{RunSpec, prepare_out, settle_config, write_run_report};
use crate::report::{plot_curves, plot_embedding};
use crate::train::TrainBackend;
use crate::train::device::{Job, dispatch};
use crate::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::Instant;

/// The pipeline's name on the command line.
pub const MGCA: &str = "mgca";

/// Recall cut-offs of the report.
const KS: [usize; 3] = [1, 5, 10];

/// The variants one run trains: the full model and the two ablations.
fn variants(cfg: &MgcaConfig, split: &PairedSplit) -> Vec<(&'static str, LossWeights)> {
    let w = cfg.weights;
    let mut out = vec![("mgca", w)];
    if cfg.ablations {
        out.push(("no_prototype", LossWeights { prototype: 0.0, ..w }));
        if split.train.a.tokens() > 0 && split.train.b.tokens() > 0 {
            out.push(("no_token", LossWeights { token: 0.0, ..w }));
        }
    }
    out
}

/// The values of a view (what the peers of a run must agree on).
fn view_values(view: &View) -> Vec<f32> {
    match view {
        View::Features { data, .. } | View::Tokens { data, .. } => data.clone(),
        View::Text { ids, .. } => ids.iter().map(|&t| t as f32).collect(),
    }
}

struct MgcaJob<'a> {
    split: &'a PairedSplit,
    cfg: &'a MgcaConfig,
    variants: Vec<(&'static str, LossWeights)>,
    seed: u64,
    quiet: bool,
    dist: Option<&'a DistSpec>,
    /// Where the first variant's (the full model's) model is saved.
    out: &'a Path,
}

impl Job for MgcaJob<'_> {
    /// Every variant's model (alone, and on rank 0 of a distributed run; `None` on the other
    /// ranks).
    type Output = Result<Option<Vec<MgcaTrained>>>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        let data: Vec<f32> = [&self.split.train.a, &self.split.train.b].into_iter().flat_map(view_values).collect();
        let mut replica = Replica::<B>::join(self.dist, &device, run_fingerprint(self.cfg, &data, self.seed))?;
        let mut out = Vec::with_capacity(self.variants.len());
        for (i, (name, w)) in self.variants.iter().enumerate() {
            replica.restart();
            let (split, cfg, save) = (self.split, self.cfg, (i == 0).then_some(self.out));
            out.push(train_mgca::<B>(&mut replica, save, split, cfg, *w, self.seed, self.quiet, name, &device)?);
        }
        Ok(out.into_iter().collect())
    }
}

/// The pairs of `data` for `cfg`.
pub fn load_pairs(data: &PairSource, cfg: &MgcaConfig, seed: u64) -> Result<PairedSplit> {
    match data {
        PairSource::BreastCancer => breast_cancer_pairs(seed),
        PairSource::MnistHalves => mnist_halves(cfg.train_pairs, cfg.test_pairs, seed),
        PairSource::Csv(path) => {
            let raw = load_pairs_csv(path, cfg.image_side)?;
            Ok(pairs_split(&raw, cfg.patch, cfg.text_len, seed)?.0)
        }
    }
}

/// The configuration of a run ([`settle_config`]), then the pair-count flags; checked.
fn mgca_config(spec: &RunSpec<PairSource>) -> Result<MgcaConfig> {
    let mut cfg = settle_config(spec, "mgca", || MgcaConfig::for_data(spec.profile, &spec.data), |c| &mut c.epochs)?;
    if spec.train_limit.is_some() {
        cfg.train_pairs = spec.train_limit;
    }
    if spec.test_limit.is_some() {
        cfg.test_pairs = spec.test_limit;
    }
    cfg.check()?;
    Ok(cfg)
}

/// Recall@1/5/10 of view a → b and b → a on the held-out pairs, and their means.
fn retrieval(test: &[ViewEmbedding; 2]) -> Result<(Value, [f64; 3])> {
    let (za, zb) = (&test[0].z, &test[1].z);
    let rab = embedding_recalls(&za.data, &zb.data, za.n, za.dim, &KS)?;
    let rba = embedding_recalls(&zb.data, &za.data, za.n, za.dim, &KS)?;
    let mean = [0, 1, 2].map(|i| (rab[i] + rba[i]) / 2.0);
    let obj = |r: &[f64]| json!({ "1": r[0], "5": r[1], "10": r[2] });
    Ok((json!({ "a_to_b": obj(&rab), "b_to_a": obj(&rba) }), mean))
}

/// Labelled subsets drawn (and averaged over) for each label fraction below 100 %.
const PROBE_DRAWS: u64 = 3;

/// Probe accuracies (and AUROCs for two classes) of `train`/`test` features per label fraction,
/// each below 100 % the mean over [`PROBE_DRAWS`] seeded labelled subsets.
fn probes(
    train: &Matrix,
    ytr: &[usize],
    test: &Matrix,
    yte: &[usize],
    classes: usize,
    seed: u64,
) -> Result<(Value, Value)> {
    let (mut acc, mut auc) = (Map::new(), Map::new());
    for f in LABEL_FRACTIONS {
        let draws = if f < 1.0 { PROBE_DRAWS } else { 1 };
        let (mut a, mut u) = (0.0, 0.0);
        for d in 0..draws {
            let s = seed.wrapping_mul(PROBE_DRAWS).wrapping_add(d);
            a += probe_accuracy(train, ytr, test, yte, classes, f, s)?;
            if classes == 2 {
                u += probe_auroc(train, ytr, test, yte, f, s)?;
            }
        }
        acc.insert(fraction_key(f), (a / draws as f64).into());
        if classes == 2 {
            auc.insert(fraction_key(f), (u / draws as f64).into());
        }
    }
    Ok((Value::Object(acc), if classes == 2 { Value::Object(auc) } else { Value::Null }))
}

/// The metrics of one trained variant.
fn score(t: &MgcaTrained, split: &PairedSplit, seed: u64) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    let (per_direction, mean) = retrieval(&t.test)?;
    for (k, v) in KS.iter().zip(mean) {
        m.insert(format!("recall_at_{k}"), v.into());
    }
    m.insert("recall".into(), per_direction);
    if let (Some(ytr), Some(yte)) = (&split.train.labels, &split.test.labels) {
        let classes = split.train.classes().max(split.test.classes());
        let (mut acc, mut auc, mut nmi) = (Map::new(), Map::new(), Map::new());
        for (v, key) in ["view_a", "view_b"].iter().enumerate() {
            let (a, u) = probes(&t.train[v].global, ytr, &t.test[v].global, yte, classes, seed)?;
            acc.insert(key.to_string(), a);
            auc.insert(key.to_string(), u);
            let truth: Vec<i64> = yte.iter().map(|&y| y as i64).collect();
            let pred: Vec<i64> = t.test[v].prototype.iter().map(|&p| p as i64).collect();
            nmi.insert(key.to_string(), normalized_mutual_info(&truth, &pred)?.into());
        }
        let mean_nmi = nmi.values().filter_map(Value::as_f64).sum::<f64>() / 2.0;
        m.insert("linear_probe".into(), Value::Object(acc));
        if classes == 2 {
            m.insert("linear_probe_auroc".into(), Value::Object(auc));
        }
        m.insert("nmi_prototypes".into(), mean_nmi.into());
        m.insert("nmi_prototypes_per_view".into(), Value::Object(nmi));
    }
    let used = |p: &[usize]| p.iter().collect::<std::collections::BTreeSet<_>>().len();
    m.insert("prototypes_used".into(), json!([used(&t.test[0].prototype), used(&t.test[1].prototype)]));
    m.insert("train_s".into(), t.seconds.into());
    Ok(m)
}

/// The raw-feature probes of both views (the baseline of the encoders' probes).
fn raw_probes(split: &PairedSplit, seed: u64) -> Result<Value> {
    let (Some(ytr), Some(yte)) = (&split.train.labels, &split.test.labels) else {
        return Ok(Value::Null);
    };
    let classes = split.train.classes().max(split.test.classes());
    let mut out = Map::new();
    for (key, tr, te) in [("view_a", &split.train.a, &split.test.a), ("view_b", &split.train.b, &split.test.b)] {
        let ((dtr, dim), (dte, _)) = (tr.raw_features(), te.raw_features());
        let train = Matrix { n: tr.rows(), data: dtr, dim };
        let test = Matrix { n: te.rows(), data: dte, dim };
        let (acc, auc) = probes(&train, ytr, &test, yte, classes, seed)?;
        out.insert(key.into(), json!({ "accuracy": acc, "auroc": auc }));
    }
    Ok(Value::Object(out))
}

/// Flat numbers of the HTML metrics table.
fn flat(prefix: &str, v: &Value, out: &mut Map<String, Value>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flat(&key, x, out);
            }
        }
        Value::Number(_) => {
            out.insert(prefix.to_string(), v.clone());
        }
        _ => {}
    }
}

fn draw_plots(out: &Path, split: &PairedSplit, trained: &[MgcaTrained], names: &[&str]) -> Result<Vec<String>> {
    let mut plots = Vec::new();
    let full = &trained[0].history;
    let mut series: Vec<(String, Vec<f64>)> = vec![("mgca total".into(), full.losses("train"))];
    for term in ["instance", "token", "prototype"] {
        let v: Vec<f64> = full.epochs.iter().filter_map(|e| e.extra.get(term).copied()).collect();
        if v.iter().any(|&x| x != 0.0) {
            series.push((format!("mgca {term}"), v));
        }
    }
    for (t, name) in trained.iter().zip(names).skip(1) {
        series.push((format!("{name} total"), t.history.losses("train")));
    }
    let s: Vec<(&str, &[f64])> = series.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
    if s.iter().all(|(_, v)| !v.is_empty()) {
        plot_curves(&out.join("loss.svg"), &format!("mgca on {}: training loss", split.train.name), "epoch", &s)?;
        plots.push("loss.svg".into());
    }
    let z = &trained[0].test[0].z;
    let colour = split.test.labels.clone().unwrap_or_else(|| trained[0].test[0].prototype.clone());
    let title = format!("mgca on {}: held-out view-a projections (PCA), coloured by class", split.test.name);
    plot_embedding(&out.join("embedding.svg"), &title, &z.data, z.n, z.dim, &colour)?;
    plots.push("embedding.svg".into());
    let columns =
        |v: &super::data::View| matches!(v, super::data::View::Tokens { tokens, token_dim, .. } if tokens < token_dim);
    if columns(&split.test.a) && columns(&split.test.b) {
        let queries: Vec<usize> = (0..split.test.n()).step_by((split.test.n() / 8).max(1)).take(8).collect();
        write_retrieval_grid(
            &out.join("retrieval.png"),
            (&split.test.a, &trained[0].test[0].z),
            (&split.test.b, &trained[0].test[1].z),
            split.test.labels.as_deref(),
            &queries,
            5,
        )?;
        plots.push("retrieval.png".into());
    }
    Ok(plots)
}

/// Trains MGCA as `spec` says and writes its report; its report entry.
pub fn train_mgca_run(spec: &RunSpec<PairSource>) -> Result<Value> {
    let start = Instant::now();
    crate::train::device::check(spec.device)?;
    if spec.resume {
        return Err(Error::Usage("mgca keeps no checkpoint: rerun without --resume".into()));
    }
    let out = &spec.out;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let cfg = mgca_config(spec)?;
    prepare_out(spec, &cfg)?;
    let split = load_pairs(&spec.data, &cfg, spec.seed)?;
    let variants = variants(&cfg, &split);
    let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
    let (seed, quiet, dist) = (spec.seed, spec.quiet, spec.dist.as_ref());
    let job = MgcaJob { split: &split, cfg: &cfg, variants: variants.clone(), seed, quiet, dist, out };
    let Some(trained) = dispatch(spec.device, job)?? else {
        return Ok(json!({ "name": spec.pipeline }));
    };
    let mut results = Vec::new();
    for t in &trained {
        results.push(score(t, &split, spec.seed)?);
    }
    let main = results.first().cloned().ok_or_else(|| Error::Internal("no model was trained".into()))?;
    let plots = draw_plots(out, &split, &trained, &names)?;
    let mut entry = json!({
        "name": spec.pipeline,
        "dataset": format!("{} ({} train / {} held-out pairs; view a: {} {}, view b: {} {})",
            split.train.name, split.train.n(), split.test.n(),
            split.train.view_names[0], split.train.a.describe(), split.train.view_names[1], split.train.b.describe()),
        "settings": cfg,
        "device": spec.device,
    });
    let obj = entry.as_object_mut().ok_or_else(|| Error::Internal("report entry is not an object".into()))?;
    for (k, v) in &main {
        obj.insert(k.clone(), v.clone());
    }
    let mut ablations = Map::new();
    for ((name, _), m) in variants.iter().zip(&results).skip(1) {
        ablations.insert(name.to_string(), Value::Object(m.clone()));
    }
    if !variants.iter().any(|(n, _)| *n == "no_token") && cfg.ablations {
        ablations.insert("no_token".into(), json!({ "not_applicable": "the views have no tokens" }));
    }
    obj.insert("ablations".into(), Value::Object(ablations.clone()));
    obj.insert("linear_probe_raw".into(), raw_probes(&split, spec.seed)?);
    let mut metrics = Map::new();
    flat("", &Value::Object(main.clone()), &mut metrics);
    flat("ablation", &Value::Object(ablations), &mut metrics);
    metrics.retain(|k, _| !k.ends_with("train_s") && !k.contains("recall."));
    obj.insert("metrics".into(), Value::Object(metrics));
    obj.insert("plots".into(), json!(plots));
    obj.insert("history".into(), json!(trained[0].history.epochs));
    obj.insert("wall_s".into(), start.elapsed().as_secs_f64().into());
    write_run_report(spec, entry)
}

/// The demo's MGCA parts: (part name, data).
pub const MGCA_DEMO: [(&str, &str); 2] = [("mgca", "mnist-halves"), ("mgca-breast-cancer", "breast-cancer")];
