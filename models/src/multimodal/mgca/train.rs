//! MGCA's training loop and the embeddings of the trained encoders.

use super::{LossWeights, MgcaConfig, MgcaModel, ViewBatch, instance_loss_rows, prototype_loss, token_loss};
use crate::distributed::Replica;
use crate::multimodal::data::{PairedSet, PairedSplit};
use crate::pipelines::Matrix;
use crate::train::checkpoint::save_model;
use crate::train::{EpochMeter, History, Progress, TrainBackend, adam, epoch_batches};
use crate::{Error, Result};
use burn::module::AutodiffModule;
use burn::nn::BatchNorm;
use burn::prelude::*;
use clasp_core::sinkhorn::SwavParams;
use std::collections::BTreeMap;
use std::path::Path;

/// Rows per forward pass when embedding a whole set.
const EMBED_BATCH: usize = 512;

/// One view of a set through the trained model.
#[derive(Clone, Debug, Default)]
pub struct ViewEmbedding {
    /// Encoder features (the linearly probed representation).
    pub global: Matrix,
    /// Unit projections (retrieval).
    pub z: Matrix,
    /// Argmax prototype of every row.
    pub prototype: Vec<usize>,
}

/// A trained MGCA model's outputs.
pub struct MgcaTrained {
    /// Per-epoch losses (`extra`: the three terms).
    pub history: History,
    /// Training pairs, views a and b.
    pub train: [ViewEmbedding; 2],
    /// Held-out pairs, views a and b.
    pub test: [ViewEmbedding; 2],
    /// Training wall time (seconds).
    pub seconds: f64,
}

fn append<B: Backend>(m: &mut Matrix, t: Tensor<B, 2>) -> Result<()> {
    let (v, n, d) = crate::nn::to_matrix(t)?;
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::NonFinite { what: "embedding" });
    }
    m.data.extend(v);
    m.n += n;
    m.dim = d;
    Ok(())
}

fn embed<B: Backend>(model: &MgcaModel<B>, set: &PairedSet, device: &B::Device) -> Result<[ViewEmbedding; 2]> {
    let mut out: [ViewEmbedding; 2] = Default::default();
    let idx: Vec<usize> = (0..set.n()).collect();
    for chunk in idx.chunks(EMBED_BATCH) {
        for (v, view) in [&set.a, &set.b].into_iter().enumerate() {
            let o = model.forward(v, ViewBatch::from_view(view, chunk, device))?;
            let proto = model.scores(o.z.clone()).argmax(1);
            let ids = proto.into_data().convert::<i64>().into_vec::<i64>().map_err(Error::TensorRead)?;
            out[v].prototype.extend(ids.into_iter().map(|p| p.max(0) as usize));
            append(&mut out[v].global, o.global)?;
            append(&mut out[v].z, o.z)?;
        }
    }
    Ok(out)
}

/// Trains MGCA with `weights` on `split.train` as `replica` (alone, or one peer of a
/// data-parallel run: each peer its pairs of every batch, the batch norms with the whole
/// batch's statistics, the instance contrast over the gathered batch, the codes sharded) and
/// embeds both parts (`None` on the peers other than rank 0, which only train); with `save`,
/// writes the model there (`model.mpk`). `label` names the run on the progress bar.
#[allow(clippy::too_many_arguments)]
pub fn train_mgca<B: TrainBackend>(
    replica: &mut Replica<B>,
    save: Option<&Path>,
    split: &PairedSplit,
    cfg: &MgcaConfig,
    weights: LossWeights,
    seed: u64,
    quiet: bool,
    label: &str,
    device: &B::Device,
) -> Result<Option<MgcaTrained>> {
    cfg.check()?;
    let start = std::time::Instant::now();
    let set = &split.train;
    set.check()?;
    split.test.check()?;
    let batch = cfg.batch_size.min(set.n());
    if batch < 2 {
        return Err(Error::InvalidInput(format!("{}: batches of {batch} pair(s) cannot be contrasted", set.name)));
    }
    replica.check_batches(set.n(), batch, true)?;
    B::seed(device, seed);
    let mut model = MgcaModel::<B>::new(&set.a, &set.b, cfg, device);
    let mut optim = adam(cfg.weight_decay).init::<B, MgcaModel<B>>();
    let params = SwavParams::default().eps(cfg.epsilon).iterations(cfg.sinkhorn_iterations);
    let use_tokens = weights.token > 0.0 && set.a.tokens() > 0 && set.b.tokens() > 0;
    let mut history = History::default();
    for epoch in 0..cfg.epochs {
        let batches = epoch_batches(set.n(), batch, seed, epoch, true);
        let progress = Progress::new(label, batches.len() as u64, quiet || !replica.primary());
        let mut meter = EpochMeter::new();
        let frozen = if epoch < cfg.freeze_prototypes_epochs { vec![model.prototypes.id] } else { vec![] };
        let mut terms = [0.0f64; 3];
        for idx in &batches {
            model = model.normalize_prototypes();
            let rows = replica.batch(idx.len());
            let mine = &idx[rows.clone()];
            let norm = |bn: &BatchNorm<B>, x| replica.norm(bn, x);
            let oa = model.forward_with(0, ViewBatch::from_view(&set.a, mine, device), &norm)?;
            let ob = model.forward_with(1, ViewBatch::from_view(&set.b, mine, device), &norm)?;
            let za_all = replica.gather_views("the MGCA projections", oa.z.clone(), 1)?;
            let zb_all = replica.gather_views("the MGCA projections", ob.z.clone(), 1)?;
            let instance =
                instance_loss_rows(oa.z.clone(), ob.z.clone(), za_all, zb_all, rows.start, cfg.instance_temperature);
            let mut parts = [instance.clone().into_scalar().elem::<f64>(), 0.0, 0.0];
            let mut loss = instance.mul_scalar(weights.instance);
            if use_tokens && let (Some((ta, ma)), Some((tb, mb))) = (oa.tokens, ob.tokens) {
                let t = replica.share(token_loss(ta, ma, tb, mb, cfg.token_temperature));
                parts[1] = t.clone().into_scalar().elem::<f64>();
                loss = loss + t.mul_scalar(weights.token);
            }
            if weights.prototype > 0.0 {
                let (sa, sb) = (model.scores(oa.z), model.scores(ob.z));
                let (p, _) = prototype_loss(replica, sa, sb, &params, cfg.prototype_temperature)?;
                let p = replica.share(p);
                parts[2] = p.clone().into_scalar().elem::<f64>();
                loss = loss + p.mul_scalar(weights.prototype);
            }
            let (m, value, parts) = replica.step_with(model, &mut optim, loss, cfg.learning_rate, &frozen, &parts)?;
            model = m;
            terms.iter_mut().zip(parts).for_each(|(t, p)| *t += p);
            meter.batch(value, idx.len(), &progress, epoch, cfg.epochs);
        }
        let nb = batches.len().max(1) as f64;
        let extra: BTreeMap<String, f64> =
            ["instance", "token", "prototype"].iter().zip(terms).map(|(k, v)| (k.to_string(), v / nb)).collect();
        history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, extra));
    }
    let model = model.normalize_prototypes();
    replica.finish(&model)?;
    if !replica.primary() {
        return Ok(None);
    }
    if let Some(dir) = save {
        save_model(&model, dir)?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let valid = model.valid();
    let (train, test) = (embed(&valid, set, device)?, embed(&valid, &split.test, device)?);
    Ok(Some(MgcaTrained { history, train, test, seconds }))
}
