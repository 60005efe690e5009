//! The convolutional encoder of the image pipelines: two 3×3 convolutions with ReLU and 2×2
//! max-pooling, an adaptive average pool to a fixed 3×3 grid (so global and small local crops
//! of any size ≥ 4 share one network), and two dense layers.

use super::spatial::{SpatialBackend, conv2d, max_pool2d};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Side of the pooled grid before the dense layers.
const GRID: usize = 3;

/// Sizes of a [`ConvEncoder`].
#[derive(Config, Debug)]
pub struct ConvEncoderConfig {
    /// Channels of the first convolution.
    #[config(default = 16)]
    pub channels1: usize,
    /// Channels of the second convolution.
    #[config(default = 32)]
    pub channels2: usize,
    /// Width of the hidden dense layer.
    #[config(default = 128)]
    pub hidden: usize,
    /// Output (embedding) dimension.
    #[config(default = 64)]
    pub out: usize,
}

impl ConvEncoderConfig {
    /// The wider encoder of the `full` profile (SwAV, MLCD): 32/64 channels, 256 hidden, 128 out.
    pub fn full_profile() -> Self {
        Self::new().with_channels1(32).with_channels2(64).with_hidden(256).with_out(128)
    }
}

/// conv(1→c₁) · ReLU · pool → conv(c₁→c₂) · ReLU · pool → adaptive-avg 3×3 → dense(9c₂→h) ·
/// ReLU → dense(h→out).
#[derive(Module, Debug)]
pub struct ConvEncoder<B: Backend> {
    conv1: Conv2d<B>,
    conv2: Conv2d<B>,
    pool: MaxPool2d,
    grid: AdaptiveAvgPool2d,
    fc1: Linear<B>,
    fc2: Linear<B>,
}

impl ConvEncoderConfig {
    /// A freshly initialised encoder on `device`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> ConvEncoder<B> {
        let conv =
            |i, o| Conv2dConfig::new([i, o], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device);
        ConvEncoder {
            conv1: conv(1, self.channels1),
            conv2: conv(self.channels1, self.channels2),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            grid: AdaptiveAvgPool2dConfig::new([GRID, GRID]).init(),
            fc1: LinearConfig::new(self.channels2 * GRID * GRID, self.hidden).init(device),
            fc2: LinearConfig::new(self.hidden, self.out).init(device),
        }
    }
}

impl<B: SpatialBackend> ConvEncoder<B> {
    /// `[n, 1, h, w]` images (h, w ≥ 4) → `[n, out]` features.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        let x = max_pool2d(&self.pool, relu(conv2d(&self.conv1, x)));
        let x = max_pool2d(&self.pool, relu(conv2d(&self.conv2, x)));
        let x: Tensor<B, 2> = self.grid.forward(x).flatten(1, 3);
        self.fc2.forward(relu(self.fc1.forward(x)))
    }
}
