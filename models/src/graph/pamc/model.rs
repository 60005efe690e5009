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
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        match self.layers.first() {
            Some(first) => self.after_first(first.forward(x)),
            None => x,
        }
    }

    /// The first layer, the one the input enters.
    pub fn first(&self) -> Option<&Linear<B>> {
        self.layers.first()
    }

    /// The layers after the first applied to the first layer's output `h` (ReLU between layers).
    pub fn after_first(&self, mut h: Tensor<B, 2>) -> Tensor<B, 2> {
        for layer in self.layers.iter().skip(1) {
            h = layer.forward(relu(h));
        }
        h
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
