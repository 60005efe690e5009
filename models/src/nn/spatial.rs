//! burn's convolution and pooling layers applied through clasp's [`SpatialBackend`]
//! (`clasp_backends::spatial`): the same modules, parameters and function, on clasp's host
//! kernels on the CPU backend instead of flex's (see that module for why).

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::pool::MaxPool2d;
use burn::prelude::*;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
pub use clasp_backends::spatial::SpatialBackend;

/// `conv.forward(x)`, through [`SpatialBackend`] when the layer has a bias and symmetric padding
/// (burn's own forward otherwise).
pub fn conv2d<B: SpatialBackend>(conv: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    let padding = match conv.padding {
        PaddingConfig2d::Valid => Some([0, 0]),
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => Some([top, left]),
        _ => None,
    };
    match (padding, &conv.bias) {
        (Some(padding), Some(bias)) => clasp_backends::spatial::conv2d(
            x,
            conv.weight.val(),
            bias.val(),
            ConvOptions::new(conv.stride, padding, conv.dilation, conv.groups),
        ),
        _ => conv.forward(x),
    }
}

/// `deconv.forward(x)`, through [`SpatialBackend`] when the layer has a bias.
pub fn conv_transpose2d<B: SpatialBackend>(deconv: &ConvTranspose2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    match &deconv.bias {
        Some(bias) => clasp_backends::spatial::conv_transpose2d(
            x,
            deconv.weight.val(),
            bias.val(),
            ConvTransposeOptions::new(
                deconv.stride,
                deconv.padding,
                deconv.padding_out,
                deconv.dilation,
                deconv.groups,
            ),
        ),
        None => deconv.forward(x),
    }
}

/// `pool.forward(x)`, through [`SpatialBackend`] when the layer is a 2 × 2 max pooling with
/// stride 2, no padding, floor mode.
pub fn max_pool2d<B: SpatialBackend>(pool: &MaxPool2d, x: Tensor<B, 4>) -> Tensor<B, 4> {
    let plain = matches!(pool.padding, PaddingConfig2d::Valid | PaddingConfig2d::Explicit(0, 0, 0, 0));
    if plain && pool.kernel_size == [2, 2] && pool.stride == [2, 2] && pool.dilation == [1, 1] && !pool.ceil_mode {
        clasp_backends::spatial::max_pool2x2(x)
    } else {
        pool.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::{Distribution, Tolerance};

    type B = burn::backend::Autodiff<burn::backend::Flex>;

    /// Outputs and every gradient equal burn's own layers' (flex's kernels) up to rounding:
    /// DEPICT's stride-2 convolution and transposed convolution, and the encoder's pooling of an
    /// odd-sized map (its last row and column dropped).
    #[test]
    fn layers_match_burns_outputs_and_gradients() {
        let device = Default::default();
        B::seed(&device, 0);
        let conv = Conv2dConfig::new([3, 5], [3, 3])
            .with_stride([2, 2])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init::<B>(&device);
        let deconv = ConvTranspose2dConfig::new([5, 3], [3, 3])
            .with_stride([2, 2])
            .with_padding([1, 1])
            .with_padding_out([1, 0])
            .init::<B>(&device);
        let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        let x = Tensor::<B, 4>::random([4, 3, 10, 9], Distribution::Default, &device).require_grad();
        let params = [conv.weight.val(), deconv.weight.val()];
        let biases = [&conv.bias, &deconv.bias].map(|b| b.as_ref().map(|b| b.val()).expect("bias"));
        let run = |ours: bool| {
            let h = if ours { conv2d(&conv, x.clone()) } else { conv.forward(x.clone()) };
            let y = if ours { conv_transpose2d(&deconv, h.clone()) } else { deconv.forward(h.clone()) };
            let p = if ours { max_pool2d(&pool, h.clone()) } else { pool.forward(h) };
            assert_eq!((y.dims(), p.dims()), ([4, 3, 10, 9], [4, 5, 2, 2]));
            // A loss whose gradient differs from entry to entry.
            let grads = ((y.clone() * y.clone()).sum() + (p.clone() * p.clone()).sum()).backward();
            let mut data = vec![y.into_data(), p.into_data()];
            data.extend(
                [x.grad(&grads), params[0].grad(&grads), params[1].grad(&grads)].map(|g| g.expect("grad").into_data()),
            );
            data.extend(biases.iter().map(|b| b.grad(&grads).expect("grad").into_data()));
            data
        };
        for (ours, burns) in run(true).iter().zip(run(false)) {
            ours.assert_approx_eq::<f32>(&burns, Tolerance::rel_abs(1e-4, 1e-5));
        }
    }
}
