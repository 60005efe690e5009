//! The masked video network: tubelet embedding, a ViT encoder over the visible tubes, a light
//! decoder that predicts one vector per masked tube (VideoMAE, Tong et al., NeurIPS 2022), and
//! for the SIGMA target (Salehi et al., ECCV 2024, §3.2) the SIGMA-MLP that maps a tube's raw
//! pixels to its target feature and the prototypes C.

use super::{VideoMaeConfig, VideoTarget};
use crate::nn::{l2_normalize, normalized_rows_param};
use burn::module::Param;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{Gelu, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;

/// SIGMA-MLP: dense · GELU · dense · GELU · dense on raw tube pixels (the paper's
/// 1536→1024→1024→512→256 at ViT-B scale, smaller here).
#[derive(Module, Debug)]
pub struct TubeMlp<B: Backend> {
    fc1: Linear<B>,
    fc2: Linear<B>,
    fc3: Linear<B>,
    act: Gelu,
}

impl<B: Backend> TubeMlp<B> {
    /// `[n, tube_dim]` → `[n, projection]`.
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.fc3.forward(self.act.forward(self.fc2.forward(self.act.forward(self.fc1.forward(x)))))
    }
}

/// Encoder, decoder and (SIGMA) target network with prototypes.
#[derive(Module, Debug)]
pub struct VideoMae<B: Backend> {
    embed: Linear<B>,
    pos: Param<Tensor<B, 2>>,
    encoder: TransformerEncoder<B>,
    norm: LayerNorm<B>,
    to_decoder: Linear<B>,
    mask_token: Param<Tensor<B, 3>>,
    decoder_pos: Param<Tensor<B, 2>>,
    decoder: TransformerEncoder<B>,
    head: Linear<B>,
    /// SIGMA-MLP (SIGMA target only).
    pub target_mlp: Option<TubeMlp<B>>,
    /// Prototypes C, `[K, projection]` (SIGMA target only).
    pub prototypes: Option<Param<Tensor<B, 2>>>,
}

/// One masked batch on the device: tube pixels and token positions of the visible and masked
/// tubes, every clip with the same numbers of each.
pub struct MaskedBatch<B: Backend> {
    /// `[b, visible, tube_dim]`.
    pub visible: Tensor<B, 3>,
    /// `[b · visible]` token positions.
    pub visible_pos: Tensor<B, 1, Int>,
    /// `[b · masked, tube_dim]`.
    pub masked: Tensor<B, 2>,
    /// `[b · masked]` token positions.
    pub masked_pos: Tensor<B, 1, Int>,
}

impl<B: Backend> MaskedBatch<B> {
    /// Clips `rows` of the batch (with their tubes and positions).
    pub fn rows(self, rows: std::ops::Range<usize>) -> Self {
        let b = self.visible.dims()[0].max(1);
        let (nv, nm) = (self.visible_pos.dims()[0] / b, self.masked_pos.dims()[0] / b);
        let (start, len) = (rows.start, rows.len());
        MaskedBatch {
            visible: self.visible.narrow(0, start, len),
            visible_pos: self.visible_pos.narrow(0, start * nv, len * nv),
            masked: self.masked.narrow(0, start * nm, len * nm),
            masked_pos: self.masked_pos.narrow(0, start * nm, len * nm),
        }
    }
}

fn transformer(width: usize, depth: usize, heads: usize) -> TransformerEncoderConfig {
    TransformerEncoderConfig::new(width, 4 * width, heads, depth).with_dropout(0.0).with_norm_first(true)
}

fn small_normal<B: Backend, const D: usize>(shape: [usize; D], device: &B::Device) -> Param<Tensor<B, D>> {
    Param::from_tensor(Tensor::random(shape, burn::tensor::Distribution::Normal(0.0, 0.02), device))
}

impl VideoMaeConfig {
    /// A freshly initialised network for clips of `tokens` tubes.
    pub fn init<B: Backend>(&self, tokens: usize, device: &B::Device) -> VideoMae<B> {
        let (d, dd, p) = (self.width, self.decoder_width, self.tube_dim());
        let sigma = self.target == VideoTarget::Sigma;
        let out = if sigma { self.projection } else { p };
        let prototypes = sigma.then(|| {
            let c = Tensor::random(
                [self.prototypes, self.projection],
                burn::tensor::Distribution::Normal(0.0, 1.0),
                device,
            );
            Param::from_tensor(l2_normalize(c))
        });
        let target_mlp = sigma.then(|| TubeMlp {
            fc1: LinearConfig::new(p, self.mlp_hidden).init(device),
            fc2: LinearConfig::new(self.mlp_hidden, self.mlp_hidden).init(device),
            fc3: LinearConfig::new(self.mlp_hidden, self.projection).init(device),
            act: Gelu::new(),
        });
        VideoMae {
            embed: LinearConfig::new(p, d).init(device),
            pos: small_normal([tokens, d], device),
            encoder: transformer(d, self.depth, self.heads).init(device),
            norm: LayerNormConfig::new(d).init(device),
            to_decoder: LinearConfig::new(d, dd).init(device),
            mask_token: small_normal([1, 1, dd], device),
            decoder_pos: small_normal([tokens, dd], device),
            decoder: transformer(dd, self.decoder_depth, self.heads).init(device),
            head: LinearConfig::new(dd, out).init(device),
            target_mlp,
            prototypes,
        }
    }
}

impl<B: Backend> VideoMae<B> {
    /// Encoded tokens `[b, n, width]` of tubes `[b, n, tube_dim]` at positions `pos` (`[b·n]`).
    fn encode(&self, tubes: Tensor<B, 3>, pos: Tensor<B, 1, Int>) -> Tensor<B, 3> {
        let [b, n, _] = tubes.dims();
        let d = self.pos.dims()[1];
        let x = self.embed.forward(tubes) + self.pos.val().select(0, pos).reshape([b, n, d]);
        self.norm.forward(self.encoder.forward(TransformerEncoderInput::new(x)))
    }

    /// The decoder's prediction for every masked tube, `[b · masked, out]`.
    pub fn predict(&self, batch: &MaskedBatch<B>) -> Tensor<B, 2> {
        let [b, nv, _] = batch.visible.dims();
        let nm = batch.masked_pos.dims()[0] / b.max(1);
        let dd = self.decoder_pos.dims()[1];
        let z = self.to_decoder.forward(self.encode(batch.visible.clone(), batch.visible_pos.clone()));
        let pos = |idx: &Tensor<B, 1, Int>, n: usize| self.decoder_pos.val().select(0, idx.clone()).reshape([b, n, dd]);
        let visible = z + pos(&batch.visible_pos, nv);
        let masked = self.mask_token.val().expand([b, nm, dd]) + pos(&batch.masked_pos, nm);
        let y = self.decoder.forward(TransformerEncoderInput::new(Tensor::cat(vec![visible, masked], 1)));
        self.head.forward(y.narrow(1, nv, nm)).reshape([b * nm, self.head.weight.dims()[1]])
    }

    /// The clip embedding: the mean of the encoded tokens of all tubes (no masking),
    /// `[b, width]` from `[b, n, tube_dim]`.
    pub fn embed(&self, tubes: Tensor<B, 3>) -> Tensor<B, 2> {
        let [b, n, _] = tubes.dims();
        let pos = Tensor::<B, 1, Int>::arange(0..n as i64, &tubes.device()).repeat_dim(0, b);
        self.encode(tubes, pos).mean_dim(1).reshape([b, self.pos.dims()[1]])
    }

    /// Re-normalises the prototype rows ([`normalized_rows_param`]), as SIGMA normalises C
    /// before every forward.
    pub fn normalize_prototypes(mut self) -> Self {
        self.prototypes = self.prototypes.map(normalized_rows_param);
        self
    }
}
