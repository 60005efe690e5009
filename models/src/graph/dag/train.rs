//! DAG's training loop: warm-up epochs on the masked-attribute reconstruction L_rec alone, the
//! readout set to a k-means over-segmentation of the embedding into K_max communities, then
//! full-batch Adam on L_rec + λ_struct·(−Q) + λ_sparse·Ω, a fresh node mask every epoch; K̂
//! recorded per epoch; baselines on the final embedding.

use super::baselines::{kmeans_silhouette, split_merge_baseline};
use super::loss::{collapse, group_sparsity, scaled_cosine_error, soft_modularity};
use super::model::DagModel;
use super::{DagConfig, ReadoutInit};
use crate::graph::GraphData;
use crate::graph::features::NodeFeatures;
use crate::graph::outcome::{GraphTrained, features_tensor};
use crate::graph::pamc::argmax;
use crate::graph::run::graph_scores;
use crate::graph::sparse::SparseEdges;
use crate::nn::to_matrix;
use crate::pipelines::Matrix;
use crate::train::{EpochMeter, History, Progress, TrainBackend, adam, epoch_rng, step};
use crate::{Context, Error, Result};
use burn::prelude::*;
use clasp_core::graph::gcn_normalized;
use rand::seq::SliceRandom;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Purpose tag of the mask RNG stream.
const MASK_STREAM: u64 = 0xDA6;

/// The nodes masked in `epoch` (`round(rate·n)` of them, a fresh draw each epoch): their ids
/// (`[m]`) and the `[n, 1]` 0/1 indicator.
fn node_mask<B: Backend>(
    n: usize,
    rate: f64,
    seed: u64,
    epoch: usize,
    device: &B::Device,
) -> (Tensor<B, 1, Int>, Tensor<B, 2>) {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut epoch_rng(seed, epoch, MASK_STREAM));
    let m = ((rate * n as f64).round() as usize).clamp(1, n);
    let mut mask = vec![0f32; n];
    order[..m].iter().for_each(|&i| mask[i] = 1.0);
    let ids: Vec<i64> = order[..m].iter().map(|&i| i as i64).collect();
    (Tensor::from_data(TensorData::new(ids, [m]), device), Tensor::from_data(TensorData::new(mask, [n, 1]), device))
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

/// Graph, features and masking of one run, shared by the warm-up and the community epochs.
struct Inputs<B: Backend> {
    x: NodeFeatures<B>,
    x_dense: Tensor<B, 2>,
    prop: SparseEdges<B>,
    n: usize,
}

impl<B: TrainBackend> Inputs<B> {
    /// One epoch's encoding with a fresh mask: H and the masked-attribute reconstruction loss.
    fn encode_masked(
        &self,
        model: &DagModel<B>,
        cfg: &DagConfig,
        seed: u64,
        epoch: usize,
    ) -> (Tensor<B, 2>, Tensor<B, 1>) {
        let device = self.x_dense.device();
        let (masked, mask) = node_mask::<B>(self.n, cfg.mask_rate, seed, epoch, &device);
        let h = model.encode(&self.x, Some(mask.clone()), &self.prop);
        let x_hat = model.decode(h.clone(), mask, masked.clone(), &self.prop);
        (h, scaled_cosine_error(self.x_dense.clone().select(0, masked), x_hat, cfg.gamma))
    }
}

/// The readout's initial state: k-means (core, 3 restarts) of the warmed-up embedding into
/// K_max clusters, as nearest-centre logits over the mean squared distance of a node to its
/// centre (so the initial C is a soft over-segmentation that the structure and sparsity terms
/// then merge and empty).
fn readout_from_kmeans<B: TrainBackend>(
    model: DagModel<B>,
    inputs: &Inputs<B>,
    k_max: usize,
    seed: u64,
) -> Result<DagModel<B>> {
    let h = model.encode(&inputs.x, None, &inputs.prop).detach();
    let (data, n, dim) = to_matrix(h.inner())?;
    let fit = crate::eval::kmeans_f64(&data.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), n, dim, k_max, 3, seed)
        .context("dag: k-means of the readout")?;
    let scale = (fit.info.inertia / n as f64).max(1e-12);
    let mu: Vec<f32> = fit.centers.iter().map(|&v| v as f32).collect();
    let centers = Tensor::<B, 2>::from_data(TensorData::new(mu, [k_max, dim]), &inputs.x_dense.device());
    Ok(model.with_readout_centres(centers, scale))
}

/// Trains DAG on `g`.
///
/// Errors: a graph without edges, a diverging loss, a core error in the readout's k-means or the baselines.
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
    let inputs = Inputs {
        x: NodeFeatures::of_graph(g, device),
        x_dense: features_tensor::<B>(g, device),
        prop: SparseEdges::<B>::from_csr(&gcn_normalized(a).context("dag")?, device),
        n,
    };
    let adj = SparseEdges::<B>::from_csr(&g.adjacency, device);
    let degree = Tensor::<B, 1>::from_data(TensorData::new(degrees, [n]), device);
    let mut model = DagModel::new(g.dim, cfg.hidden, cfg.embed, k_max, device);
    let mut optim = adam(cfg.weight_decay).init::<B, DagModel<B>>();
    let mut history = History::default();
    for epoch in 0..cfg.warmup_epochs {
        let progress = Progress::new("dag warm-up", 1, quiet);
        let mut meter = EpochMeter::new();
        let (_, rec) = inputs.encode_masked(&model, cfg, seed, epoch);
        let (next, value) = step(model, &mut optim, rec, cfg.lr, &[])?;
        model = next;
        meter.batch(value, n, &progress, epoch, cfg.warmup_epochs);
        history.epochs.push(meter.finish("warmup", epoch, cfg.warmup_epochs, &progress, BTreeMap::new()));
    }
    let mut model = match cfg.readout_init {
        ReadoutInit::KMeans => readout_from_kmeans(model, &inputs, k_max, seed)?,
        ReadoutInit::Uniform => model,
    };
    let mut k_path = Vec::with_capacity(cfg.epochs);
    for epoch in 0..cfg.epochs {
        let progress = Progress::new("dag", 1, quiet);
        let mut meter = EpochMeter::new();
        let (h, rec) = inputs.encode_masked(&model, cfg, seed, cfg.warmup_epochs + epoch);
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
    let h = model.encode(&inputs.x, None, &inputs.prop).detach();
    let (labels, k_found) = labels_of(model.communities(h.clone(), cfg.temperature).inner())?;
    let (data, _, dim) = to_matrix(h.inner())?;
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
