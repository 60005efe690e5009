//! burn's convolution layers applied through clasp's [`ConvBackend`] (`clasp_backends::conv`):
//! the same modules, parameters and function, with the CPU backend's backward pass on clasp's
//! im2col kernels instead of flex's (see that module for why).

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::prelude::*;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
pub use clasp_backends::conv::ConvBackend;

/// `conv.forward(x)`, through [`ConvBackend`] when the layer has a bias and symmetric padding
/// (burn's own forward otherwise).
pub fn conv2d<B: ConvBackend>(conv: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    let padding = match conv.padding {
        PaddingConfig2d::Valid => Some([0, 0]),
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => Some([top, left]),
        _ => None,
    };
    match (padding, &conv.bias) {
        (Some(padding), Some(bias)) => clasp_backends::conv::conv2d(
            x,
            conv.weight.val(),
            bias.val(),
            ConvOptions::new(conv.stride, padding, conv.dilation, conv.groups),
        ),
        _ => conv.forward(x),
    }
}

/// `deconv.forward(x)`, through [`ConvBackend`] when the layer has a bias.
pub fn conv_transpose2d<B: ConvBackend>(deconv: &ConvTranspose2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    match &deconv.bias {
        Some(bias) => clasp_backends::conv::conv_transpose2d(
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

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
    use burn::tensor::{Distribution, Tolerance};

    type B = burn::backend::Autodiff<burn::backend::Flex>;

    /// Output and every gradient equal burn's own layers' (flex's kernels) up to rounding, on
    /// DEPICT's and the encoder's geometries.
    #[test]
    fn layers_match_burns_forward_and_gradients() {
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
        let x = Tensor::<B, 4>::random([4, 3, 10, 9], Distribution::Default, &device).require_grad();
        let run = |fast: bool| {
            let h = if fast { conv2d(&conv, x.clone()) } else { conv.forward(x.clone()) };
            let y = if fast { conv_transpose2d(&deconv, h.clone()) } else { deconv.forward(h.clone()) };
            assert_eq!(y.dims(), [4, 3, 10, 9]);
            // A loss whose gradient differs from entry to entry.
            let grads = (y.clone() * y.clone()).sum().backward();
            let g = |t: &Tensor<B, 4>| t.grad(&grads).map(|g| g.into_data());
            (
                y.into_data(),
                x.grad(&grads).map(|g| g.into_data()),
                [g(&conv.weight.val()), g(&deconv.weight.val())],
                [conv.bias.as_ref().map(|b| b.val()), deconv.bias.as_ref().map(|b| b.val())]
                    .map(|b| b.and_then(|b| b.grad(&grads)).map(|g| g.into_data())),
            )
        };
        let (fast, slow) = (run(true), run(false));
        let tol = Tolerance::<f32>::rel_abs(1e-4, 1e-5);
        fast.0.assert_approx_eq::<f32>(&slow.0, tol);
        let pairs = [(fast.1, slow.1), (fast.2[0].clone(), slow.2[0].clone()), (fast.2[1].clone(), slow.2[1].clone())];
        for (a, b) in
            pairs.into_iter().chain([(fast.3[0].clone(), slow.3[0].clone()), (fast.3[1].clone(), slow.3[1].clone())])
        {
            a.expect("gradient").assert_approx_eq::<f32>(&b.expect("gradient"), tol);
        }
    }
}
