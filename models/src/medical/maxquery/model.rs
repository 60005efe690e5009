//! The mask transformer: a 3-layer CNN pixel decoder (3×3 convolutions with dilations 1, 2, 4,
//! receptive field 15 pixels, full resolution) gives per-pixel features F ∈ R^{P×d}; N learned
//! queries C ∈ R^{N×d} are refined by a small decoder (cross-attention from the queries to the
//! pixels, then an MLP, each residual with LayerNorm); each query's class distribution is
//! P_cls = softmax(linear(C)) ∈ R^{N×K}.
//!
//! Pixel–query affinities are cosine similarities S = F̂ Ĉᵀ (rows L2-normalised; or, with
//! [`Affinity::Distance`], S_in = −‖F_i − C_n‖² = 2 F_i·C_n − ‖F_i‖² − ‖C_n‖²), the soft
//! assignment A = softmax over queries of S/τ, and the class masks Ŷ = A · P_cls: every pixel's
//! class distribution is a convex combination of its queries' (segmentation as soft cluster
//! assignment).
//!
//! With a reconstruction weight λ_rec > 0 a linear head reads every pixel's appearance
//! neighbourhood back from the compared feature ([`super::appearance`], [`super::loss`]).

use super::appearance::target_width;
use super::{Affinity, MaxQueryConfig};
use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::{relu, softmax};

/// One decoder layer: queries attend to pixel features, then an MLP.
#[derive(Module, Debug)]
pub struct DecoderLayer<B: Backend> {
    q: Linear<B>,
    k: Linear<B>,
    v: Linear<B>,
    o: Linear<B>,
    norm1: LayerNorm<B>,
    mlp1: Linear<B>,
    mlp2: Linear<B>,
    norm2: LayerNorm<B>,
}

impl<B: Backend> DecoderLayer<B> {
    fn new(d: usize, device: &B::Device) -> Self {
        let lin = |i, o| LinearConfig::new(i, o).init(device);
        DecoderLayer {
            q: lin(d, d),
            k: lin(d, d),
            v: lin(d, d),
            o: lin(d, d),
            norm1: LayerNormConfig::new(d).init(device),
            mlp1: lin(d, 2 * d),
            mlp2: lin(2 * d, d),
            norm2: LayerNormConfig::new(d).init(device),
        }
    }

    /// Queries `[b, n, d]` refined against pixel features `[b, p, d]`.
    fn forward(&self, c: Tensor<B, 3>, f: Tensor<B, 3>) -> Tensor<B, 3> {
        let d = c.dims()[2];
        let logits = self.q.forward(c.clone()).matmul(self.k.forward(f.clone()).swap_dims(1, 2));
        let att = softmax(logits.div_scalar((d as f64).sqrt()), 2);
        let c = self.norm1.forward(c + self.o.forward(att.matmul(self.v.forward(f))));
        self.norm2.forward(c.clone() + self.mlp2.forward(relu(self.mlp1.forward(c))))
    }
}

/// The MaxQuery network.
#[derive(Module, Debug)]
pub struct MaxQueryNet<B: Backend> {
    conv1: Conv2d<B>,
    conv2: Conv2d<B>,
    conv3: Conv2d<B>,
    queries: Param<Tensor<B, 2>>,
    decoder: Vec<DecoderLayer<B>>,
    class_head: Linear<B>,
    recon: Option<Linear<B>>,
}

/// What one forward pass gives, per image `b`, pixel `p`, query `n`, class `k`.
#[derive(Clone, Debug)]
pub struct MaskOutput<B: Backend> {
    /// Cosine affinities S, `[b, p, n]`.
    pub affinity: Tensor<B, 3>,
    /// Soft assignment A = softmax_n(S/τ), `[b, p, n]`.
    pub assign: Tensor<B, 3>,
    /// Class distribution of every query P_cls, `[b, n, k]`.
    pub class_probs: Tensor<B, 3>,
    /// Class masks Ŷ = A·P_cls, `[b, p, k]`.
    pub seg: Tensor<B, 3>,
    /// The pixel features the affinity compares, `[b, p, d]` (unit rows for cosine).
    pub pixel_features: Tensor<B, 3>,
    /// The refined queries the affinity compares, `[b, n, d]` (unit rows for cosine).
    pub queries: Tensor<B, 3>,
    /// Squared distances ‖F_i − C_n‖² of the compared rows, `[b, p, n]`.
    pub sq_dist: Tensor<B, 3>,
    /// The appearance read back from the features, `[b, p, t]` (with a reconstruction head).
    pub recon: Option<Tensor<B, 3>>,
}

/// Rows (last axis) scaled to unit L2 norm.
fn unit_rows<B: Backend>(x: Tensor<B, 3>) -> Tensor<B, 3> {
    let norm = x.clone().powi_scalar(2).sum_dim(2).sqrt().clamp_min(1e-6);
    x / norm
}

impl<B: Backend> MaxQueryNet<B> {
    /// A fresh network for `channels`-channel images and `classes` classes.
    pub fn new(cfg: &MaxQueryConfig, channels: usize, classes: usize, device: &B::Device) -> Self {
        let conv = |i, o, dil: usize| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_dilation([dil, dil])
                .with_padding(PaddingConfig2d::Explicit(dil, dil, dil, dil))
                .init(device)
        };
        let (c1, d) = (cfg.channels, cfg.dim);
        MaxQueryNet {
            conv1: conv(channels, c1, 1),
            conv2: conv(c1, 2 * c1, 2),
            conv3: conv(2 * c1, d, 4),
            queries: Param::from_tensor(Tensor::random([cfg.queries, d], Distribution::Normal(0.0, 1.0), device)),
            decoder: (0..cfg.decoder_layers).map(|_| DecoderLayer::new(d, device)).collect(),
            class_head: LinearConfig::new(d, classes).init(device),
            recon: (cfg.lambda_rec > 0.0)
                .then(|| LinearConfig::new(d, target_width(cfg.rec_target, channels, cfg.rec_radius)).init(device)),
        }
    }

    /// Per-pixel features `[b, p, d]` of images `[b, c, h, w]` (p = h·w, row-major).
    pub fn features(&self, x: Tensor<B, 4>) -> Tensor<B, 3> {
        let [b, _, h, w] = x.dims();
        let f = relu(self.conv1.forward(x));
        let f = relu(self.conv2.forward(f));
        let f = self.conv3.forward(f);
        let d = f.dims()[1];
        f.reshape([b, d, h * w]).swap_dims(1, 2)
    }

    /// The forward pass on images `[b, c, h, w]` with affinity `metric` and temperature `tau`.
    pub fn forward(&self, x: Tensor<B, 4>, metric: Affinity, tau: f64) -> MaskOutput<B> {
        let b = x.dims()[0];
        let f = self.features(x);
        let mut c = self.queries.val().unsqueeze_dim::<3>(0).repeat_dim(0, b);
        for layer in &self.decoder {
            c = layer.forward(c, f.clone());
        }
        let class_probs = softmax(self.class_head.forward(c.clone()), 2);
        let (f, c) = match metric {
            Affinity::Cosine => (unit_rows(f), unit_rows(c)),
            Affinity::Distance => (f, c),
        };
        let affinity = match metric {
            Affinity::Cosine => f.clone().matmul(c.clone().swap_dims(1, 2)),
            Affinity::Distance => {
                let f2 = f.clone().powi_scalar(2).sum_dim(2);
                let c2 = c.clone().powi_scalar(2).sum_dim(2).swap_dims(1, 2);
                f.clone().matmul(c.clone().swap_dims(1, 2)).mul_scalar(2.0) - f2 - c2
            }
        };
        let sq_dist = match metric {
            Affinity::Cosine => affinity.clone().mul_scalar(-2.0).add_scalar(2.0),
            Affinity::Distance => affinity.clone().neg(),
        };
        let assign = softmax(affinity.clone().div_scalar(tau), 2);
        let seg = assign.clone().matmul(class_probs.clone());
        let recon = self.recon.as_ref().map(|head| head.forward(f.clone()));
        MaskOutput { affinity, assign, class_probs, seg, pixel_features: f, queries: c, sq_dist, recon }
    }
}
