//! [`SpatialBackend`] on burn's CPU backend `flex`: the host kernels on the tensors' own
//! buffers (read in place when contiguous), flex's operations for what they do not cover.

use super::conv_kernel::{self, Geometry};
use super::pool_kernel;
use super::{
    ConvGrads, Needed, SpatialBackend, default_conv_transpose2d_backward, default_conv2d_backward,
    default_max_pool2x2_backward,
};
use burn_backend::ops::{ConvOptions, ConvTransposeOptions, ModuleOps};
use burn_tensor::{DType, TensorData};

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

impl SpatialBackend for burn_flex::Flex {
    fn fast_conv2d(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        let Some((g, (xs, ws, bs))) = conv_geometry(&x, &weight, &options).zip(host3(&x, &weight, &bias)) else {
            return Self::conv2d(x, weight, Some(bias), options);
        };
        let y = conv_kernel::forward(&g, values(&xs), values(&ws), Some(values(&bs)));
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
                .then(|| flex_tensor(conv_kernel::backward_data(&g, dy, w), vec![g.n, g.c_in, g.input[0], g.input[1]])),
            weight: needed.weight.then(|| {
                flex_tensor(conv_kernel::backward_weight(&g, x, dy), vec![g.c_out, g.c_in, g.kernel[0], g.kernel[1]])
            }),
            bias: needed.bias.then(|| flex_tensor(conv_kernel::bias_grad(dy, g.c_out, g.positions()), vec![g.c_out])),
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
        let mut y = conv_kernel::backward_data(&g, values(&xs), values(&ws));
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
            x: needed.x.then(|| {
                flex_tensor(conv_kernel::forward(&g, dy, w, None), vec![g.n, g.c_out, g.output[0], g.output[1]])
            }),
            weight: needed.weight.then(|| {
                flex_tensor(conv_kernel::backward_weight(&g, dy, x), vec![g.c_out, g.c_in, g.kernel[0], g.kernel[1]])
            }),
            bias: needed.bias.then(|| flex_tensor(conv_kernel::bias_grad(dy, g.c_in, plane), vec![g.c_in])),
        }
    }

    fn max_pool2x2(x: FlexTensor) -> FlexTensor {
        match (host(&x), dims4(&x)) {
            (Some(xs), Some([n, c, h, w])) if h >= 2 && w >= 2 => {
                flex_tensor(pool_kernel::max_pool2x2(values(&xs), h, w), vec![n, c, h / 2, w / 2])
            }
            _ => Self::max_pool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], false),
        }
    }

    fn max_pool2x2_backward(x: FlexTensor, grad: FlexTensor) -> FlexTensor {
        match (host(&x), host(&grad), dims4(&x)) {
            (Some(xs), Some(gs), Some([n, c, h, w])) if h >= 2 && w >= 2 => {
                flex_tensor(pool_kernel::max_pool2x2_backward(values(&xs), values(&gs), h, w), vec![n, c, h, w])
            }
            _ => default_max_pool2x2_backward::<Self>(x, grad),
        }
    }
}

/// The contiguous f32 forms of three flex tensors, when all are f32.
fn host3(a: &FlexTensor, b: &FlexTensor, c: &FlexTensor) -> Option<(FlexTensor, FlexTensor, FlexTensor)> {
    Some((host(a)?, host(b)?, host(c)?))
}
