//! MGCA's networks: one encoder per view, projection heads, token heads and the shared
//! prototypes.

use super::MgcaConfig;
use crate::multimodal::data::{PAD, View};
use crate::nn::{l2_normalize, normalized_rows_param};
use crate::{Error, Result};
use burn::module::Param;
use burn::nn::{BatchNorm, BatchNormConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// One batch of one view as tensors.
#[derive(Clone, Debug)]
pub enum ViewBatch<B: Backend> {
    /// `[b, dim]` features.
    Features(Tensor<B, 2>),
    /// `[b, tokens, token_dim]` dense tokens.
    Tokens(Tensor<B, 3>),
    /// `[b, len]` text ids and the `[b, len]` mask (1 on text, 0 on padding).
    Text(Tensor<B, 2, Int>, Tensor<B, 2>),
}

impl<B: Backend> ViewBatch<B> {
    /// The rows `idx` of `view` on `device`.
    pub fn from_view(view: &View, idx: &[usize], device: &B::Device) -> Self {
        let b = idx.len();
        match view.subset(idx) {
            View::Features { data, dim } => {
                ViewBatch::Features(Tensor::from_data(TensorData::new(data, [b, dim]), device))
            }
            View::Tokens { data, tokens, token_dim } => {
                ViewBatch::Tokens(Tensor::from_data(TensorData::new(data, [b, tokens, token_dim]), device))
            }
            View::Text { ids, len, .. } => {
                let mask: Vec<f32> = ids.iter().map(|&t| if t == PAD { 0.0 } else { 1.0 }).collect();
                let ids: Vec<i64> = ids.iter().map(|&t| i64::from(t)).collect();
                ViewBatch::Text(
                    Tensor::from_data(TensorData::new(ids, [b, len]), device),
                    Tensor::from_data(TensorData::new(mask, [b, len]), device),
                )
            }
        }
    }
}

/// How a forward pass applies a batch norm to a batch.
pub trait Norm<B: Backend>: Fn(&BatchNorm<B>, Tensor<B, 2>) -> Result<Tensor<B, 2>> {}
impl<B: Backend, F: Fn(&BatchNorm<B>, Tensor<B, 2>) -> Result<Tensor<B, 2>>> Norm<B> for F {}

/// Encoder of one view. Plain features: Linear-BN-ReLU-Linear-ReLU. Tokens (dense or text):
/// each token embedded (a linear map, or an embedding table for text ids) plus a learned
/// position, ReLU, a shared token-wise Linear-ReLU (the token features), then the
/// concatenated (padding-masked) tokens through Linear-BN-ReLU-Linear-ReLU (the global feature).
#[derive(Module, Debug)]
pub struct ViewEncoder<B: Backend> {
    fc_in: Option<Linear<B>>,
    token_in: Option<Linear<B>>,
    embed: Option<Embedding<B>>,
    positions: Option<Param<Tensor<B, 2>>>,
    token_mix: Option<Linear<B>>,
    bn: BatchNorm<B>,
    fc_out: Linear<B>,
}

/// What an encoder gives for a batch.
pub struct Encoded<B: Backend> {
    /// Global feature `[b, hidden]`.
    pub global: Tensor<B, 2>,
    /// Token features `[b, T, token_width]` and mask `[b, T]`, for token views.
    pub tokens: Option<(Tensor<B, 3>, Tensor<B, 2>)>,
}

impl<B: Backend> ViewEncoder<B> {
    /// A fresh encoder for `view`.
    pub fn new(view: &View, cfg: &MgcaConfig, device: &B::Device) -> Self {
        let (h, w) = (cfg.hidden, cfg.token_width);
        let pos =
            |t: usize| Param::from_tensor(Tensor::random([t, w], burn::tensor::Distribution::Normal(0.0, 0.1), device));
        let lin = |i: usize, o: usize| Some(LinearConfig::new(i, o).init(device));
        let (fc_in, token_in, embed, positions, token_mix) = match view {
            View::Features { dim, .. } => (lin(*dim, h), None, None, None, None),
            View::Tokens { tokens, token_dim, .. } => {
                (lin(tokens * w, h), lin(*token_dim, w), None, Some(pos(*tokens)), lin(w, w))
            }
            View::Text { len, vocab, .. } => {
                (lin(len * w, h), None, Some(EmbeddingConfig::new(*vocab, w).init(device)), Some(pos(*len)), lin(w, w))
            }
        };
        ViewEncoder {
            fc_in,
            token_in,
            embed,
            positions,
            token_mix,
            bn: BatchNormConfig::new(h).init(device),
            fc_out: LinearConfig::new(h, h).init(device),
        }
    }

    fn tokens(&self, x: Tensor<B, 3>, mask: Tensor<B, 2>) -> Option<(Tensor<B, 3>, Tensor<B, 2>)> {
        let x = match &self.positions {
            Some(p) => x + p.val().unsqueeze_dim::<3>(0),
            None => x,
        };
        let u = relu(self.token_mix.as_ref()?.forward(relu(x)));
        Some((u, mask))
    }

    /// Global and token features of a batch.
    pub fn forward(&self, batch: ViewBatch<B>, norm: &impl Norm<B>) -> Result<Encoded<B>> {
        let missing = || Error::Internal("the encoder does not match the view's kind".into());
        let (flat, tokens) = match batch {
            ViewBatch::Features(x) => (x, None),
            ViewBatch::Tokens(x) => {
                let [b, t, _] = x.dims();
                let device = x.device();
                let e = self.token_in.as_ref().ok_or_else(missing)?.forward(x);
                let (u, m) = self.tokens(e, Tensor::ones([b, t], &device)).ok_or_else(missing)?;
                (u.clone().reshape([b as i32, -1]), Some((u, m)))
            }
            ViewBatch::Text(ids, mask) => {
                let [b, _] = ids.dims();
                let e = self.embed.as_ref().ok_or_else(missing)?.forward(ids);
                let (u, m) = self.tokens(e, mask).ok_or_else(missing)?;
                let masked = u.clone() * m.clone().unsqueeze_dim::<3>(2);
                (masked.reshape([b as i32, -1]), Some((u, m)))
            }
        };
        let h = relu(norm(&self.bn, self.fc_in.as_ref().ok_or_else(missing)?.forward(flat))?);
        Ok(Encoded { global: relu(self.fc_out.forward(h)), tokens })
    }
}

/// Projection head Linear-BN-ReLU-Linear-BN.
#[derive(Module, Debug)]
pub struct ProjectionHead<B: Backend> {
    fc1: Linear<B>,
    bn1: BatchNorm<B>,
    fc2: Linear<B>,
    bn2: BatchNorm<B>,
}

impl<B: Backend> ProjectionHead<B> {
    fn new(input: usize, output: usize, device: &B::Device) -> Self {
        ProjectionHead {
            fc1: LinearConfig::new(input, input).init(device),
            bn1: BatchNormConfig::new(input).init(device),
            fc2: LinearConfig::new(input, output).init(device),
            bn2: BatchNormConfig::new(output).init(device),
        }
    }

    fn forward(&self, x: Tensor<B, 2>, norm: &impl Norm<B>) -> Result<Tensor<B, 2>> {
        norm(&self.bn2, self.fc2.forward(relu(norm(&self.bn1, self.fc1.forward(x))?)))
    }
}

/// Rows of the last axis scaled to unit L2 norm.
pub fn l2_normalize3<B: Backend>(x: Tensor<B, 3>) -> Tensor<B, 3> {
    let norm = x.clone().powi_scalar(2).sum_dim(2).sqrt().clamp_min(1e-12);
    x / norm
}

/// Both encoders, their heads and the `[K, d]` shared prototypes.
#[derive(Module, Debug)]
pub struct MgcaModel<B: Backend> {
    encoders: Vec<ViewEncoder<B>>,
    heads: Vec<ProjectionHead<B>>,
    local_heads: Vec<Linear<B>>,
    /// Prototypes C (rows unit-normalised by [`MgcaModel::normalize_prototypes`]).
    pub prototypes: Param<Tensor<B, 2>>,
}

/// What the model gives for one view of a batch.
pub struct ViewOut<B: Backend> {
    /// Encoder feature `[b, hidden]` (the probed representation).
    pub global: Tensor<B, 2>,
    /// Unit projection `[b, d]`.
    pub z: Tensor<B, 2>,
    /// Unit token projections `[b, T, d]` and their mask, for token views.
    pub tokens: Option<(Tensor<B, 3>, Tensor<B, 2>)>,
}

impl<B: Backend> MgcaModel<B> {
    /// A fresh model for views `a` and `b`.
    pub fn new(a: &View, b: &View, cfg: &MgcaConfig, device: &B::Device) -> Self {
        let c = Tensor::random([cfg.prototypes, cfg.embed_dim], burn::tensor::Distribution::Normal(0.0, 1.0), device);
        MgcaModel {
            encoders: vec![ViewEncoder::new(a, cfg, device), ViewEncoder::new(b, cfg, device)],
            heads: (0..2).map(|_| ProjectionHead::new(cfg.hidden, cfg.embed_dim, device)).collect(),
            local_heads: (0..2).map(|_| LinearConfig::new(cfg.token_width, cfg.embed_dim).init(device)).collect(),
            prototypes: Param::from_tensor(l2_normalize(c)),
        }
    }

    /// View `v` (0 = a, 1 = b) of a batch.
    pub fn forward(&self, v: usize, batch: ViewBatch<B>) -> Result<ViewOut<B>> {
        self.forward_with(v, batch, &|bn: &BatchNorm<B>, x| Ok(bn.forward(x)))
    }

    /// [`MgcaModel::forward`] with `norm` applying the batch norms (a data-parallel run
    /// normalises with the statistics of the whole batch, [`crate::distributed::Replica::norm`]).
    pub fn forward_with(&self, v: usize, batch: ViewBatch<B>, norm: &impl Norm<B>) -> Result<ViewOut<B>> {
        let encoder = self.encoders.get(v).ok_or_else(|| Error::Internal("view index out of range".into()))?;
        let enc = encoder.forward(batch, norm)?;
        let z = l2_normalize(self.heads[v].forward(enc.global.clone(), norm)?);
        let tokens = enc.tokens.map(|(u, m)| (l2_normalize3(self.local_heads[v].forward(u)), m));
        Ok(ViewOut { global: enc.global, z, tokens })
    }

    /// Scores zCᵀ of unit projections against the prototypes.
    pub fn scores(&self, z: Tensor<B, 2>) -> Tensor<B, 2> {
        z.matmul(self.prototypes.val().transpose())
    }

    /// Re-normalises the prototype rows in place (no gradient; same parameter id).
    pub fn normalize_prototypes(mut self) -> Self {
        self.prototypes = normalized_rows_param(self.prototypes);
        self
    }
}
