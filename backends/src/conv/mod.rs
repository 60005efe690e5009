//! 2-D convolutions and transposed convolutions for training on burn (feature `burn`), through
//! burn's backend-extension pattern: [`ConvBackend`] gives the forward pass and the gradients,
//! implemented
//!
//! - for `burn_flex::Flex` by host kernels (`kernel`: im2col and matrix products through the
//!   `gemm` crate, images in parallel) whenever the convolution has one group, dilation 1 and
//!   f32 data (anything else goes to flex's own operations). flex 0.21 takes the weight gradient
//!   as a convolution of the transposed input with the transposed output gradient as kernel,
//!   which first copies both through its generic strided iterator, and the bias gradient through
//!   the same copy; on the image pipelines' encoders that made the backward pass 3–4× the
//!   forward (measured, `clasp bench swav-step`);
//! - for `burn_cubecl::CubeBackend` by burn's own operations (the trait's default methods);
//! - for `burn_autodiff::Autodiff<B>` over any implementing `B` as one graph operation whose
//!   backward step asks `B` for the gradients the graph needs.
//!
//! [`conv2d`] and [`conv_transpose2d`] take the same arguments as burn's functions of the same
//! names (symmetric padding) and return the same values up to float rounding.

mod autodiff;
mod gemm;
pub mod kernel;

use burn_backend::Backend;
use burn_backend::ops::{ConvOptions, ConvTransposeOptions, ModuleOps};
use burn_backend::tensor::FloatTensor;
use burn_tensor::{DType, Tensor, TensorData, TensorPrimitive};
use kernel::Geometry;

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

/// A backend's 2-D convolutions for training (see the module documentation). The default
/// methods are burn's own operations.
pub trait ConvBackend: Backend {
    /// conv2d(x, weight) + bias, as burn's `ModuleOps::conv2d`.
    fn fast_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, Some(bias), options)
    }

    /// The gradients of [`ConvBackend::fast_conv2d`] given the output's gradient `grad`.
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

    /// The gradients of [`ConvBackend::fast_conv_transpose2d`] given the output's gradient.
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
}

/// conv2d(x, weight) + bias through [`ConvBackend`]: `x` `[n, c_in, h, w]`, `weight`
/// `[c_out, c_in / groups, kh, kw]`, `bias` `[c_out]`.
pub fn conv2d<B: ConvBackend>(
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

/// conv_transpose2d(x, weight) + bias through [`ConvBackend`]: `x` `[n, c_in, h, w]`,
/// `weight` `[c_in, c_out / groups, kh, kw]`, `bias` `[c_out]`.
pub fn conv_transpose2d<B: ConvBackend>(
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

impl<R, F, I, BT> ConvBackend for burn_cubecl::CubeBackend<R, F, I, BT>
where
    R: burn_cubecl::CubeRuntime,
    F: burn_cubecl::FloatElement,
    I: burn_cubecl::IntElement,
    BT: burn_cubecl::BoolElement,
{
}

type FlexTensor = burn_flex::FlexTensor;

/// The contiguous f32 values of a flex tensor (copied first only when it is not contiguous).
fn host(t: &FlexTensor) -> Option<FlexTensor> {
    (t.dtype() == DType::F32).then(|| t.to_contiguous())
}

fn values(t: &FlexTensor) -> &[f32] {
    let (start, end) = t.layout().contiguous_offsets().unwrap_or((0, 0));
    &t.storage::<f32>()[start..end]
}

fn dims4(t: &FlexTensor) -> Option<[usize; 4]> {
    <[usize; 4]>::try_from(t.layout().shape().as_slice()).ok()
}

fn flex_tensor(data: Vec<f32>, shape: Vec<usize>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, shape))
}

/// The host geometry of a convolution of `x` by `weight`, when the kernels support it.
fn conv_geometry(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> Option<Geometry> {
    if options.groups != 1 || options.dilation != [1, 1] {
        return None;
    }
    Geometry::new(dims4(x)?, dims4(weight)?, options.stride, options.padding)
}

/// The geometry of the convolution whose input gradient is the transposed convolution of
/// `x` by `weight` (its input is the transposed convolution's output).
fn transposed_geometry(x: &FlexTensor, weight: &FlexTensor, options: &ConvTransposeOptions<2>) -> Option<Geometry> {
    if options.groups != 1 || options.dilation != [1, 1] {
        return None;
    }
    let [n, c_in, h, w] = dims4(x)?;
    let [c_in_w, c_out, kh, kw] = dims4(weight)?;
    let side = |i: usize, k: usize, d: usize| {
        (i.checked_sub(1)? * options.stride[d] + k + options.padding_out[d]).checked_sub(2 * options.padding[d])
    };
    let out = [n, c_out, side(h, kh, 0)?, side(w, kw, 1)?];
    let g = Geometry::new(out, [c_in_w, c_out, kh, kw], options.stride, options.padding)?;
    (g.c_out == c_in && g.output == [h, w]).then_some(g)
}

impl ConvBackend for burn_flex::Flex {
    fn fast_conv2d(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        let Some((g, (xs, ws, bs))) = conv_geometry(&x, &weight, &options).zip(host3(&x, &weight, &bias)) else {
            return Self::conv2d(x, weight, Some(bias), options);
        };
        let y = kernel::forward(&g, values(&xs), values(&ws), Some(values(&bs)));
        flex_tensor(y, vec![g.n, g.c_out, g.output[0], g.output[1]])
    }

    fn fast_conv2d_backward(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        grad: FlexTensor,
        options: ConvOptions<2>,
        needed: Needed,
    ) -> ConvGrads<Self> {
        let host_grad = host(&grad);
        let Some((g, ((xs, ws, _), dy))) =
            conv_geometry(&x, &weight, &options).zip(host3(&x, &weight, &bias).zip(host_grad))
        else {
            return default_conv2d_backward(x, weight, bias, grad, options, needed);
        };
        let (x, w, dy) = (values(&xs), values(&ws), values(&dy));
        ConvGrads {
            x: needed
                .x
                .then(|| flex_tensor(kernel::backward_data(&g, dy, w), vec![g.n, g.c_in, g.input[0], g.input[1]])),
            weight: needed.weight.then(|| {
                flex_tensor(kernel::backward_weight(&g, x, dy), vec![g.c_out, g.c_in, g.kernel[0], g.kernel[1]])
            }),
            bias: needed.bias.then(|| flex_tensor(kernel::bias_grad(dy, g.c_out, g.positions()), vec![g.c_out])),
        }
    }

    fn fast_conv_transpose2d(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        options: ConvTransposeOptions<2>,
    ) -> FlexTensor {
        let Some((g, (xs, ws, bs))) = transposed_geometry(&x, &weight, &options).zip(host3(&x, &weight, &bias)) else {
            return Self::conv_transpose2d(x, weight, Some(bias), options);
        };
        // The transposed convolution is the input gradient of the convolution `g`.
        let mut y = kernel::backward_data(&g, values(&xs), values(&ws));
        let plane = g.input[0] * g.input[1];
        for channels in y.chunks_exact_mut(g.c_in * plane) {
            channels.chunks_exact_mut(plane).zip(values(&bs)).for_each(|(p, b)| p.iter_mut().for_each(|v| *v += b));
        }
        flex_tensor(y, vec![g.n, g.c_in, g.input[0], g.input[1]])
    }

    fn fast_conv_transpose2d_backward(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        grad: FlexTensor,
        options: ConvTransposeOptions<2>,
        needed: Needed,
    ) -> ConvGrads<Self> {
        let host_grad = host(&grad);
        let Some((g, ((xs, ws, _), dy))) =
            transposed_geometry(&x, &weight, &options).zip(host3(&x, &weight, &bias).zip(host_grad))
        else {
            return default_conv_transpose2d_backward(x, weight, bias, grad, options, needed);
        };
        // The output gradient is an input of the convolution `g`, x its output gradient.
        let (x, w, dy) = (values(&xs), values(&ws), values(&dy));
        let plane = g.input[0] * g.input[1];
        ConvGrads {
            x: needed
                .x
                .then(|| flex_tensor(kernel::forward(&g, dy, w, None), vec![g.n, g.c_out, g.output[0], g.output[1]])),
            weight: needed.weight.then(|| {
                flex_tensor(kernel::backward_weight(&g, dy, x), vec![g.c_out, g.c_in, g.kernel[0], g.kernel[1]])
            }),
            bias: needed.bias.then(|| flex_tensor(kernel::bias_grad(dy, g.c_in, plane), vec![g.c_in])),
        }
    }
}

/// The contiguous f32 forms of three flex tensors, when all are f32.
fn host3(a: &FlexTensor, b: &FlexTensor, c: &FlexTensor) -> Option<(FlexTensor, FlexTensor, FlexTensor)> {
    Some((host(a)?, host(b)?, host(c)?))
}

/// burn's own gradients of a convolution (the trait's default), for what the kernels do not cover.
fn default_conv2d_backward<B: Backend>(
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
fn default_conv_transpose2d_backward<B: Backend>(
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
