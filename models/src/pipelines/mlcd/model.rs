//! MLCD's network: the encoder and the cosine classifier over the cluster centres.

use super::MlcdConfig;
use crate::nn::{ConvEncoder, SpatialBackend, l2_normalize};
use burn::module::Param;
use burn::prelude::*;

/// Encoder g and the classifier W (`[K_c, d]`, rows normalised in the forward pass).
#[derive(Module, Debug)]
pub struct MlcdModel<B: Backend> {
    /// Encoder; its output is the evaluated embedding.
    pub encoder: ConvEncoder<B>,
    /// Class (cluster-centre) weights.
    pub classifier: Param<Tensor<B, 2>>,
}

impl MlcdConfig {
    /// A freshly initialised model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> MlcdModel<B> {
        let w = Tensor::random([self.centres, self.encoder.out], burn::tensor::Distribution::Normal(0.0, 1.0), device);
        MlcdModel { encoder: self.encoder.init(device), classifier: Param::from_tensor(w) }
    }
}

impl<B: SpatialBackend> MlcdModel<B> {
    /// Embedding of `[n, 1, h, w]` images.
    pub fn embed(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        self.encoder.forward(x)
    }

    /// cos θ between the unit embedding and the unit class weights, `[n, K_c]`.
    pub fn cosines(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        l2_normalize(self.embed(x)).matmul(l2_normalize(self.classifier.val()).transpose())
    }

    /// Replaces the class weights by `centres` (`[K_c, d]`), keeping the parameter id.
    pub fn set_classifier(mut self, centres: Tensor<B, 2>) -> Self {
        self.classifier = self.classifier.map(|old| centres.set_require_grad(old.is_require_grad()));
        self
    }
}
