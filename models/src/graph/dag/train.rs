//! DAG's training loop: full-batch Adam on L_rec + λ_struct·(−Q) + λ_sparse·Ω with a fresh
//! node mask every epoch; K̂ recorded per epoch; baselines on the final embedding.

use super::DagConfig;
use super::baselines::{kmeans_silhouette, split_merge_baseline};
use super::loss::{collapse, group_sparsity, scaled_cosine_error, soft_modularity};
use super::model::DagModel;
use crate::graph::GraphData;
use crate::graph::outcome::{GraphTrained, features_tensor};
use crate::graph::pamc::argmax;
use crate::graph::run::graph_scores;
use crate::graph::sparse::SparseEdges;
use crate::nn::to_matrix;
use crate::pipelines::Matrix;
use crate::train::{EpochMeter, History, Progress, TrainBackend, adam, epoch_rng, step};
use crate::{Context, Error, Result};
use burn::module::AutodiffModule;
use burn::prelude::*;
use clasp_core::graph::gcn_normalized;
use rand::seq::SliceRandom;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Purpose tag of the mask RNG stream.
const MASK_STREAM: u64 = 0xDA6;

/// A `[n, 1]` 0/1 mask of `round(rate·n)` nodes drawn for `epoch`.
fn node_mask<B: Backend>(n: usize, rate: f64, seed: u64, epoch: usize, device: &B::Device) -> Tensor<B, 2> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut epoch_rng(seed, epoch, MASK_STREAM));
    let m = ((rate * n as f64).round() as usize).min(n);
    let mut mask = vec![0f32; n];
    order[..m].iter().for_each(|&i| mask[i] = 1.0);
    Tensor::from_data(TensorData::new(mask, [n, 1]), device)
}

/// Argmax labels of C and the number of distinct ones (K̂).
fn labels_of<B: Backend>(c: Tensor<B, 2>) -> Result<(Vec<usize>, usize)> {
    let (v, _, k) = to_matrix(c)?;
    let labels: Vec<usize> = v.chunks_exact(k).map(argmax).collect();
    let mut used = vec![false; k];
    labels.iter().for_each(|&l| used[l] = true);
    Ok((labels, used.iter().filter(|&&u| u).count()))
}

/// Distinct labels.
fn count(labels: &[usize]) -> usize {
    labels.iter().collect::<std::collections::BTreeSet<_>>().len()
}

/// A baseline's report entry: K found and, with labels, its scores.
fn baseline_entry(g: &GraphData, labels: &[usize]) -> Result<Value> {
    let mut m = graph_scores(g, labels)?;
    m.insert("k_found".into(), count(labels).into());
    Ok(Value::Object(m))
}

/// Trains DAG on `g`.
///
/// Errors: a graph without edges, a diverging loss, a core error in the baselines.
pub fn train_dag<B: TrainBackend>(
    g: &GraphData,
    cfg: &DagConfig,
    seed: u64,
    quiet: bool,
    device: &B::Device,
) -> Result<GraphTrained> {
    let n = g.n();
    let k_max = cfg.k_max.min(n).max(1);
    B::seed(device, seed);
    let a = g.adjacency.as_ref();
    let degrees: Vec<f32> = (0..n).map(|p| a.row(p).1.iter().sum::<f64>() as f32).collect();
    let two_m: f64 = degrees.iter().map(|&d| f64::from(d)).sum();
    if two_m <= 0.0 {
        return Err(Error::InvalidInput(format!("dag: {} has no edges", g.name)));
    }
    let prop = SparseEdges::<B>::from_csr(&gcn_normalized(a).context("dag")?, device);
    let adj = SparseEdges::<B>::from_csr(&g.adjacency, device);
    let degree = Tensor::<B, 1>::from_data(TensorData::new(degrees, [n]), device);
    let x = features_tensor::<B>(g, device);
    let mut model = DagModel::new(g.dim, cfg.hidden, cfg.embed, k_max, device);
    let mut optim = adam(cfg.weight_decay).init::<B, DagModel<B>>();
    let mut history = History::default();
    let mut k_path = Vec::with_capacity(cfg.epochs);
    for epoch in 0..cfg.epochs {
        let progress = Progress::new("dag", 1, quiet);
        let mut meter = EpochMeter::new();
        let mask = node_mask::<B>(n, cfg.mask_rate, seed, epoch, device);
        let h = model.encode(model.masked_input(x.clone(), mask.clone()), &prop);
        let rec = scaled_cosine_error(x.clone(), model.decode(h.clone(), mask.clone(), &prop), mask, cfg.gamma);
        let c = model.communities(h, cfg.temperature);
        let q = soft_modularity(c.clone(), &adj, degree.clone(), two_m);
        let omega = group_sparsity(c.clone());
        let spread = collapse(c.clone());
        let (_, k_hat) = labels_of(c.detach())?;
        k_path.push(k_hat);
        let terms = [("rec", &rec), ("modularity", &q), ("sparsity", &omega), ("collapse", &spread)];
        let extra: BTreeMap<String, f64> = terms
            .iter()
            .map(|(name, t)| (name.to_string(), (*t).clone().into_scalar().elem::<f64>()))
            .chain([("k_hat".to_string(), k_hat as f64)])
            .collect();
        let loss = rec
            + q.mul_scalar(-cfg.lambda_struct)
            + omega.mul_scalar(cfg.lambda_sparse)
            + spread.mul_scalar(cfg.lambda_collapse);
        let (next, value) = step(model, &mut optim, loss, cfg.lr, &[])?;
        model = next;
        meter.batch(value, n, &progress, epoch, cfg.epochs);
        history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, extra));
    }
    let m = model.valid();
    let prop_inner = SparseEdges::<B::InnerBackend>::from_csr(&gcn_normalized(a).context("dag")?, device);
    let h = m.encode(x.inner(), &prop_inner);
    let (labels, k_found) = labels_of(m.communities(h.clone(), cfg.temperature))?;
    let (data, _, dim) = to_matrix(h)?;
    let embedding = Matrix { data, n, dim };
    let mut extra = serde_json::Map::new();
    extra.insert("k_found".into(), k_found.into());
    extra.insert("k_path".into(), json!(k_path));
    extra.insert("k_max".into(), k_max.into());
    let split_merge = match split_merge_baseline(&embedding, seed) {
        Ok(l) => baseline_entry(g, &l)?,
        Err(e) => json!(format!("failed: {e}")),
    };
    extra.insert("baseline_split_merge".into(), split_merge);
    let silhouette = match kmeans_silhouette(&embedding, k_max, seed)? {
        Some((_, l)) => baseline_entry(g, &l)?,
        None => json!(format!("not run: more than {} nodes", super::baselines::SILHOUETTE_MAX_NODES)),
    };
    extra.insert("baseline_kmeans_silhouette".into(), silhouette);
    Ok(GraphTrained { history, embedding, labels, extra })
}
