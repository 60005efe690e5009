//! DEPICT's convolutional autoencoder (Ghasedi Dizaji et al., ICCV 2017, §3.3): a strided
//! convolutional encoder ending in a tanh embedding of dimension K, a mirrored decoder, and a
//! noisy path (dropout on the input and on every encoder layer) beside the clean one, so the
//! decoder's layers can be trained to reconstruct the clean encoder's layers (layer-wise
//! reconstruction loss). The embedding's pre-activation is batch-normalised before the tanh
//! (as DEPICT's layers are): without it, Adam drives the 1 568-input dense layer into tanh
//! saturation within a few steps and the embedding collapses to a constant (measured).

use super::spatial::{SpatialBackend, conv_transpose2d, conv2d};
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, LeakyRelu, LeakyReluConfig, Linear, LinearConfig,
    PaddingConfig2d,
};
use burn::prelude::*;
use burn::tensor::activation::tanh;

/// Sizes of a [`ConvAutoencoder`].
#[derive(Config, Debug)]
pub struct ConvAutoencoderConfig {
    /// Input height.
    pub height: usize,
    /// Input width.
    pub width: usize,
    /// Embedding dimension (DEPICT: the number of clusters).
    pub embedding: usize,
    /// Channels of the first (stride-2) convolution.
    #[config(default = 16)]
    pub channels1: usize,
    /// Channels of the second (stride-2) convolution.
    #[config(default = 32)]
    pub channels2: usize,
    /// Dropout probability of the noisy path.
    #[config(default = 0.1)]
    pub dropout: f64,
}

/// Output side of a 3×3, stride-2, padding-1 convolution.
fn strided(side: usize) -> usize {
    (side + 2 - 3) / 2 + 1
}

/// The autoencoder; see the module documentation.
#[derive(Module, Debug)]
pub struct ConvAutoencoder<B: Backend> {
    conv1: Conv2d<B>,
    conv2: Conv2d<B>,
    embed: Linear<B>,
    embed_norm: BatchNorm<B>,
    unembed: Linear<B>,
    deconv2: ConvTranspose2d<B>,
    deconv1: ConvTranspose2d<B>,
    act: LeakyRelu,
    noise: Dropout,
    /// `[channels2, h/4, w/4]`: the shape of the second encoder layer.
    inner: [usize; 3],
}

/// The encoder's activations of one pass.
pub struct Encoding<B: Backend> {
    /// `[n, K]` embedding (tanh).
    pub z: Tensor<B, 2>,
    /// First encoder layer `[n, c₁, h/2, w/2]`.
    pub h1: Tensor<B, 4>,
    /// Second encoder layer `[n, c₂, h/4, w/4]`.
    pub h2: Tensor<B, 4>,
}

/// The activations of one pass: the encoder's and their reconstructions.
pub struct AutoencoderPass<B: Backend> {
    /// The encoder's layers and embedding.
    pub encoding: Encoding<B>,
    /// Reconstruction of the second layer (decoder's dense output).
    pub h2_hat: Tensor<B, 4>,
    /// Reconstruction of the first layer.
    pub h1_hat: Tensor<B, 4>,
    /// Reconstruction of the input.
    pub x_hat: Tensor<B, 4>,
}

impl ConvAutoencoderConfig {
    /// A freshly initialised autoencoder on `device`. Inputs must be at least 4×4.
    pub fn init<B: Backend>(&self, device: &B::Device) -> ConvAutoencoder<B> {
        let (h1, w1) = (strided(self.height), strided(self.width));
        let (h2, w2) = (strided(h1), strided(w1));
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        // A 3×3 stride-2 padding-1 transposed convolution maps s to 2s − 1 + p: p restores the side.
        let deconv = |i, o, from: [usize; 2], to: [usize; 2]| {
            ConvTranspose2dConfig::new([i, o], [3, 3])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .with_padding_out([to[0] + 1 - 2 * from[0], to[1] + 1 - 2 * from[1]])
                .init(device)
        };
        let flat = self.channels2 * h2 * w2;
        ConvAutoencoder {
            conv1: conv(1, self.channels1),
            conv2: conv(self.channels1, self.channels2),
            embed: LinearConfig::new(flat, self.embedding).init(device),
            embed_norm: BatchNormConfig::new(self.embedding).init(device),
            unembed: LinearConfig::new(self.embedding, flat).init(device),
            deconv2: deconv(self.channels2, self.channels1, [h2, w2], [h1, w1]),
            deconv1: deconv(self.channels1, 1, [h1, w1], [self.height, self.width]),
            act: LeakyReluConfig::new().with_negative_slope(0.01).init(),
            noise: DropoutConfig::new(self.dropout).init(),
            inner: [self.channels2, h2, w2],
        }
    }
}

impl<B: SpatialBackend> ConvAutoencoder<B> {
    /// The clean embedding of `[n, 1, h, w]` images (the encoder alone).
    pub fn embed(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        let (_, _, pre) = self.encode(x, |t| t);
        tanh(self.embed_norm.forward(pre))
    }

    /// The encoder layers of a pass with `noise` applied to the input and to each layer (the
    /// identity for the clean pass): h₁, h₂ and the embedding's pre-activation before its batch
    /// norm ([`ConvAutoencoder::embed_norm`]) and tanh.
    pub fn encode(
        &self,
        x: Tensor<B, 4>,
        noise: impl Fn(Tensor<B, 4>) -> Tensor<B, 4>,
    ) -> (Tensor<B, 4>, Tensor<B, 4>, Tensor<B, 2>) {
        let h1 = noise(self.act.forward(conv2d(&self.conv1, noise(x))));
        let h2 = noise(self.act.forward(conv2d(&self.conv2, h1.clone())));
        let pre = self.embed.forward(h2.clone().flatten(1, 3));
        (h1, h2, pre)
    }

    /// The decoder's reconstructions of an encoding.
    pub fn decode(&self, encoding: Encoding<B>) -> AutoencoderPass<B> {
        let n = encoding.z.dims()[0];
        let [c, hh, ww] = self.inner;
        let h2_hat = self.act.forward(self.unembed.forward(encoding.z.clone())).reshape([n, c, hh, ww]);
        let h1_hat = self.act.forward(conv_transpose2d(&self.deconv2, h2_hat.clone()));
        let x_hat = conv_transpose2d(&self.deconv1, h1_hat.clone());
        AutoencoderPass { encoding, h2_hat, h1_hat, x_hat }
    }

    /// The dropout of the noisy pass.
    pub fn noise(&self) -> &Dropout {
        &self.noise
    }

    /// The batch norm of the embedding's pre-activation.
    pub fn embed_norm(&self) -> &BatchNorm<B> {
        &self.embed_norm
    }
}
