//! DAG's network: the GCN encoder with the mask token, the GCN decoder and the readout.

use crate::graph::sparse::SparseEdges;
use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, softmax};

/// Encoder, decoder and readout.
#[derive(Module, Debug)]
pub struct DagModel<B: Backend> {
    w1: Linear<B>,
    w2: Linear<B>,
    decoder: Linear<B>,
    readout: Linear<B>,
    mask_token: Param<Tensor<B, 2>>,
}

impl<B: Backend> DagModel<B> {
    /// `input → hidden → embed`, decoder `embed → input`, readout `embed → k_max`.
    pub fn new(input: usize, hidden: usize, embed: usize, k_max: usize, device: &B::Device) -> Self {
        Self {
            w1: LinearConfig::new(input, hidden).init(device),
            w2: LinearConfig::new(hidden, embed).init(device),
            decoder: LinearConfig::new(embed, input).init(device),
            readout: LinearConfig::new(embed, k_max).init(device),
            mask_token: Param::from_tensor(Tensor::zeros([1, input], device)),
        }
    }

    /// X̃: the rows with `mask` = 1 (`[n, 1]`) replaced by the token.
    pub fn masked_input(&self, x: Tensor<B, 2>, mask: Tensor<B, 2>) -> Tensor<B, 2> {
        let keep = mask.clone().neg().add_scalar(1.0);
        x * keep + mask.matmul(self.mask_token.val())
    }

    /// H = Â·ReLU(Â·X·W₁)·W₂.
    pub fn encode(&self, x: Tensor<B, 2>, a: &SparseEdges<B>) -> Tensor<B, 2> {
        let h1 = relu(a.matmul(self.w1.forward(x)));
        a.matmul(self.w2.forward(h1))
    }

    /// X̂ = Â·(H with the masked rows zeroed)·W_d.
    pub fn decode(&self, h: Tensor<B, 2>, mask: Tensor<B, 2>, a: &SparseEdges<B>) -> Tensor<B, 2> {
        let keep = mask.neg().add_scalar(1.0);
        a.matmul(self.decoder.forward(h * keep))
    }

    /// C = softmax((H·W_c + b)/T) (`[n, k_max]`).
    pub fn communities(&self, h: Tensor<B, 2>, temperature: f64) -> Tensor<B, 2> {
        softmax(self.readout.forward(h).div_scalar(temperature), 1)
    }
}
