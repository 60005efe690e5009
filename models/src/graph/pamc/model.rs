//! PamC's network: an MLP autoencoder (paper n_in→500→500→2000→10 and its mirror; only the
//! encoder is kept after pretraining, no GNN) and the trainable cluster centres μ of the
//! Student-t assignment, initialised by k-means.

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Dense layers with ReLU between them (none after the last).
#[derive(Module, Debug)]
pub struct Stack<B: Backend> {
    layers: Vec<Linear<B>>,
}

impl<B: Backend> Stack<B> {
    /// Layers of the widths `sizes[0]→sizes[1]→…`.
    pub fn new(sizes: &[usize], device: &B::Device) -> Self {
        Self { layers: sizes.windows(2).map(|w| LinearConfig::new(w[0], w[1]).init(device)).collect() }
    }

    /// `[n, sizes[0]]` → `[n, sizes.last()]`.
    pub fn forward(&self, mut x: Tensor<B, 2>) -> Tensor<B, 2> {
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                x = relu(x);
            }
        }
        x
    }
}

/// The autoencoder of the pretraining.
#[derive(Module, Debug)]
pub struct Autoencoder<B: Backend> {
    /// x → z.
    pub encoder: Stack<B>,
    /// z → x̂.
    pub decoder: Stack<B>,
}

impl<B: Backend> Autoencoder<B> {
    /// Encoder `input→hidden…→embed`, decoder the mirror.
    pub fn new(input: usize, hidden: &[usize], embed: usize, device: &B::Device) -> Self {
        let mut sizes = vec![input];
        sizes.extend_from_slice(hidden);
        sizes.push(embed);
        let encoder = Stack::new(&sizes, device);
        sizes.reverse();
        Self { encoder, decoder: Stack::new(&sizes, device) }
    }
}

/// The clustering model: the pretrained encoder and the centres μ (`K × embed`).
#[derive(Module, Debug)]
pub struct PamcModel<B: Backend> {
    /// x → z.
    pub encoder: Stack<B>,
    /// Cluster centres.
    pub centers: Param<Tensor<B, 2>>,
}
