//! DEPICT's network: the autoencoder and the softmax clustering layer.

use super::DepictConfig;
use crate::nn::{ConvAutoencoder, SpatialBackend};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// Autoencoder + clustering layer θ (K × K, logits θᵀz + b).
#[derive(Module, Debug)]
pub struct DepictModel<B: Backend> {
    /// The autoencoder.
    pub ae: ConvAutoencoder<B>,
    /// The clustering layer.
    pub head: Linear<B>,
}

impl DepictConfig {
    /// A freshly initialised model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> DepictModel<B> {
        let k = self.autoencoder.embedding;
        DepictModel { ae: self.autoencoder.init(device), head: LinearConfig::new(k, k).init(device) }
    }
}

/// Images in [0, 1] mapped to DEPICT's [−1, 1].
pub fn centred<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    x.mul_scalar(2.0).sub_scalar(1.0)
}

impl<B: SpatialBackend> DepictModel<B> {
    /// Clean embedding of `[n, 1, h, w]` images in [0, 1].
    pub fn embed(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        self.ae.embed(centred(x))
    }

    /// Clean cluster probabilities P = softmax(θᵀz).
    pub fn probabilities(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        self.log_probabilities(self.embed(x)).exp()
    }

    /// The head's log-probabilities log softmax(θᵀz) of embeddings `z`.
    pub fn log_probabilities(&self, z: Tensor<B, 2>) -> Tensor<B, 2> {
        log_softmax(self.head.forward(z), 1)
    }

    /// Sets θ to the L2-normalised centres (K × K, row k = centre k) and b to 0, keeping the
    /// parameter ids (so the optimiser state follows).
    pub fn init_head(mut self, centers: Tensor<B, 2>) -> Self {
        let w = crate::nn::leaf(crate::nn::l2_normalize(centers).transpose());
        self.head.weight = self.head.weight.map(|old| w.set_require_grad(old.is_require_grad()));
        if let Some(b) = self.head.bias.take() {
            self.head.bias = Some(b.map(|old| {
                let g = old.is_require_grad();
                old.zeros_like().set_require_grad(g)
            }));
        }
        self
    }
}
