//! 2-D spatial layers for training on burn (feature `burn`): convolutions, transposed
//! convolutions and 2 × 2 max pooling, through burn's backend-extension pattern:
//! [`SpatialBackend`] gives each forward pass and its gradients, implemented
//!
//! - for `burn_flex::Flex` by host kernels (`flex`): the (transposed) convolutions by im2col
//!   and matrix products through the `gemm` crate (`conv_kernel`), the pooling by a direct
//!   pass (`pool_kernel`), images in parallel, whenever the layer has one group, dilation 1
//!   and f32 data (anything else goes to flex's own operations). flex 0.21 takes a
//!   convolution's weight gradient as a convolution of the transposed input with the transposed
//!   output gradient as kernel, which first copies both through its generic strided iterator,
//!   and the bias gradient through the same copy; on the image pipelines' encoders that made
//!   the backward pass 3–4× the forward, and its max pooling (a bounds-checked loop per output
//!   that also writes i64 indices) a third of a step (measured, `clasp bench swav-step`);
//! - for `burn_cubecl::CubeBackend` by burn's own operations (the trait's default methods);
//! - for `burn_autodiff::Autodiff<B>` over any implementing `B` as one graph operation per
//!   layer whose backward step asks `B` for the gradients the graph needs.
//!
//! [`conv2d`], [`conv_transpose2d`] and [`max_pool2x2`] return the values of burn's functions
//! (symmetric padding; kernel 2, stride 2 for the pooling) up to float rounding.

mod autodiff;
pub mod conv_kernel;
mod flex;
mod gemm;
pub mod pool_kernel;

use burn_backend::Backend;
use burn_backend::ops::{ConvOptions, ConvTransposeOptions};
use burn_backend::tensor::FloatTensor;
use burn_tensor::{Tensor, TensorPrimitive};

/// Which gradients a backward step needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needed {
    /// The input's.
    pub x: bool,
    /// The weight's.
    pub weight: bool,
    /// The bias's.
    pub bias: bool,
}

/// The gradients of a (transposed) convolution; `None` where not [`Needed`].
pub struct ConvGrads<B: Backend> {
    /// ∂L/∂x.
    pub x: Option<FloatTensor<B>>,
    /// ∂L/∂weight.
    pub weight: Option<FloatTensor<B>>,
    /// ∂L/∂bias.
    pub bias: Option<FloatTensor<B>>,
}

/// A backend's 2-D spatial layers for training (see the module documentation). The default
/// methods are burn's own operations.
pub trait SpatialBackend: Backend {
    /// conv2d(x, weight) + bias, as burn's `ModuleOps::conv2d`.
    fn fast_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, Some(bias), options)
    }

    /// The gradients of [`SpatialBackend::fast_conv2d`] given the output's gradient `grad`.
    fn fast_conv2d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvOptions<2>,
        needed: Needed,
    ) -> ConvGrads<Self> {
        default_conv2d_backward(x, weight, bias, grad, options, needed)
    }

    /// conv_transpose2d(x, weight) + bias, as burn's `ModuleOps::conv_transpose2d`.
    fn fast_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv_transpose2d(x, weight, Some(bias), options)
    }

    /// The gradients of [`SpatialBackend::fast_conv_transpose2d`] given the output's gradient.
    fn fast_conv_transpose2d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
        needed: Needed,
    ) -> ConvGrads<Self> {
        default_conv_transpose2d_backward(x, weight, bias, grad, options, needed)
    }

    /// 2 × 2 max pooling with stride 2, no padding, floor mode, as burn's `ModuleOps::max_pool2d`.
    fn max_pool2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::max_pool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], false)
    }

    /// The gradient of [`SpatialBackend::max_pool2x2`] given the output's gradient.
    fn max_pool2x2_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        default_max_pool2x2_backward::<Self>(x, grad)
    }
}

/// conv2d(x, weight) + bias through [`SpatialBackend`]: `x` `[n, c_in, h, w]`, `weight`
/// `[c_out, c_in / groups, kh, kw]`, `bias` `[c_out]`.
pub fn conv2d<B: SpatialBackend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    bias: Tensor<B, 1>,
    options: ConvOptions<2>,
) -> Tensor<B, 4> {
    Tensor::from_primitive(TensorPrimitive::Float(B::fast_conv2d(
        x.into_primitive().tensor(),
        weight.into_primitive().tensor(),
        bias.into_primitive().tensor(),
        options,
    )))
}

/// conv_transpose2d(x, weight) + bias through [`SpatialBackend`]: `x` `[n, c_in, h, w]`,
/// `weight` `[c_in, c_out / groups, kh, kw]`, `bias` `[c_out]`.
pub fn conv_transpose2d<B: SpatialBackend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    bias: Tensor<B, 1>,
    options: ConvTransposeOptions<2>,
) -> Tensor<B, 4> {
    Tensor::from_primitive(TensorPrimitive::Float(B::fast_conv_transpose2d(
        x.into_primitive().tensor(),
        weight.into_primitive().tensor(),
        bias.into_primitive().tensor(),
        options,
    )))
}

/// 2 × 2 max pooling with stride 2 through [`SpatialBackend`]: `x` `[n, c, h, w]` → `[n, c, h/2, w/2]`.
pub fn max_pool2x2<B: SpatialBackend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    Tensor::from_primitive(TensorPrimitive::Float(B::max_pool2x2(x.into_primitive().tensor())))
}

impl<R, F, I, BT> SpatialBackend for burn_cubecl::CubeBackend<R, F, I, BT>
where
    R: burn_cubecl::CubeRuntime,
    F: burn_cubecl::FloatElement,
    I: burn_cubecl::IntElement,
    BT: burn_cubecl::BoolElement,
{
}

/// burn's own gradients of a convolution (the trait's default), for what the kernels do not cover.
pub(crate) fn default_conv2d_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    grad: FloatTensor<B>,
    options: ConvOptions<2>,
    needed: Needed,
) -> ConvGrads<B> {
    ConvGrads {
        x: needed.x.then(|| B::conv2d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone())),
        weight: needed
            .weight
            .then(|| B::conv2d_weight_backward(x.clone(), weight.clone(), grad.clone(), options.clone())),
        bias: needed.bias.then(|| B::conv2d_bias_backward(x, bias, grad)),
    }
}

/// burn's own gradients of a transposed convolution (the trait's default).
pub(crate) fn default_conv_transpose2d_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    grad: FloatTensor<B>,
    options: ConvTransposeOptions<2>,
    needed: Needed,
) -> ConvGrads<B> {
    ConvGrads {
        x: needed.x.then(|| B::conv_transpose2d_x_backward(weight.clone(), grad.clone(), options.clone())),
        weight: needed
            .weight
            .then(|| B::conv_transpose2d_weight_backward(x.clone(), weight.clone(), grad.clone(), options.clone())),
        bias: needed.bias.then(|| B::conv_transpose2d_bias_backward(x, bias, grad)),
    }
}

/// burn's own gradient of 2 × 2 max pooling (the trait's default).
pub(crate) fn default_max_pool2x2_backward<B: Backend>(x: FloatTensor<B>, grad: FloatTensor<B>) -> FloatTensor<B> {
    let (k, s, p, d) = ([2, 2], [2, 2], [0, 0], [1, 1]);
    let indices = B::max_pool2d_with_indices(x.clone(), k, s, p, d, false).indices;
    B::max_pool2d_with_indices_backward(x, k, s, p, d, false, grad, indices).x_grad
}
