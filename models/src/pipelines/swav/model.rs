//! SwAV's network: backbone, projection head and prototypes.

use super::SwavConfig;
use crate::nn::{ConvEncoder, Mlp, MlpConfig, l2_normalize, normalized_rows_param};
use burn::module::Param;
use burn::prelude::*;

/// Backbone f, projection head h and the K × d prototype matrix C (rows unit-normalised before
/// every step by [`SwavModel::normalize_prototypes`]).
#[derive(Module, Debug)]
pub struct SwavModel<B: Backend> {
    /// Backbone; its output is the embedding that is evaluated.
    pub encoder: ConvEncoder<B>,
    head: Mlp<B>,
    /// Prototypes C, `[K, d]`.
    pub prototypes: Param<Tensor<B, 2>>,
}

impl SwavConfig {
    /// A freshly initialised model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> SwavModel<B> {
        let c =
            Tensor::random([self.prototypes, self.projection], burn::tensor::Distribution::Normal(0.0, 1.0), device);
        SwavModel {
            encoder: self.encoder.init(device),
            head: MlpConfig::new(self.encoder.out, self.head_hidden, self.projection).init(device),
            prototypes: Param::from_tensor(l2_normalize(c)),
        }
    }
}

impl<B: Backend> SwavModel<B> {
    /// The evaluated embedding of `[n, 1, h, w]` images: the unit projection z (the space in
    /// which the prototypes cluster).
    pub fn embed(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        self.project(x)
    }

    /// Scores S = zCᵀ of a view, z the unit projection.
    pub fn scores(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        let z = l2_normalize(self.head.forward(self.encoder.forward(x)));
        z.matmul(self.prototypes.val().transpose())
    }

    /// The projection head h (data-parallel training applies it with a synchronised batch norm).
    pub fn head(&self) -> &Mlp<B> {
        &self.head
    }

    /// Unit projections z of a view.
    pub fn project(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        l2_normalize(self.head.forward(self.encoder.forward(x)))
    }

    /// Re-normalises the prototype rows in place (no gradient; the parameter keeps its id, so
    /// the optimiser state follows it).
    pub fn normalize_prototypes(mut self) -> Self {
        self.prototypes = normalized_rows_param(self.prototypes);
        self
    }
}
