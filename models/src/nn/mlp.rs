//! A two-layer perceptron with batch normalisation: SwAV's projection head
//! (`Linear → BatchNorm → ReLU → Linear`, as in SwAV's `resnet50.py`).

use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Sizes of an [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Input width.
    pub input: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Output width.
    pub output: usize,
}

/// dense(in→hidden) · BN · ReLU · dense(hidden→out).
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    fc1: Linear<B>,
    bn: BatchNorm<B>,
    fc2: Linear<B>,
}

impl MlpConfig {
    /// A freshly initialised MLP on `device`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Mlp<B> {
        Mlp {
            fc1: LinearConfig::new(self.input, self.hidden).init(device),
            bn: BatchNormConfig::new(self.hidden).init(device),
            fc2: LinearConfig::new(self.hidden, self.output).init(device),
        }
    }
}

impl<B: Backend> Mlp<B> {
    /// The layers in order (dense, batch norm, dense), for a caller that normalises with
    /// statistics of its own (the synchronised batch norm of data-parallel training).
    pub fn layers(&self) -> (&Linear<B>, &BatchNorm<B>, &Linear<B>) {
        (&self.fc1, &self.bn, &self.fc2)
    }

    /// `[n, in]` → `[n, out]`.
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.fc2.forward(relu(self.bn.forward(self.fc1.forward(x))))
    }
}
