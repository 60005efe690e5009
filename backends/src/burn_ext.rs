//! burn integration (feature `burn`): SwAV codes on burn tensors without leaving the device.
//!
//! Follows burn's backend-extension pattern (`examples/custom-cubecl-kernel`): the
//! [`SinkhornBackend`] trait is implemented for burn's cubecl backends
//! (`burn_cubecl::CubeBackend<R, f32, I, BT>`: WGPU, CUDA, ROCm) by launching clasp's kernels on
//! the tensor's own buffer and client, for `NdArray` from ordinary tensor ops, and for
//! `Autodiff<B>` by running the inner backend's op and returning an untracked tensor: SwAV and
//! SIGMA compute codes under `torch.no_grad()`, so the codes are a constant target and no
//! gradient flows into the scores through them (the gradient reaches the scores through the
//! swapped-prediction cross-entropy instead).

use burn::backend::NdArray;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::{Autodiff, tensor::AutodiffTensor};
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorPrimitive, backend::Backend};
use burn_cubecl::{
    BoolElement, CubeBackend, CubeRuntime, IntElement, kernel::into_contiguous, ops::numeric::empty_device,
};
use clasp_core::{Error, Result};

use crate::device::{DeviceBuffer, Gpu};
use crate::sinkhorn::SwavParams;

/// A burn backend that can compute SwAV codes.
pub trait SinkhornBackend: Backend {
    /// SwAV codes (B × K, rows sum to 1) of a B × K score tensor after `params.iterations`
    /// iterations of `distributed_sinkhorn`.
    fn swav_codes(scores: FloatTensor<Self>, params: &SwavParams) -> Result<FloatTensor<Self>>;
}

/// SwAV codes of `scores` (B × K) on any [`SinkhornBackend`].
pub fn swav_codes<B: SinkhornBackend>(scores: Tensor<B, 2>, params: &SwavParams) -> Result<Tensor<B, 2>> {
    let out = B::swav_codes(scores.into_primitive().tensor(), params)?;
    Ok(Tensor::from_primitive(TensorPrimitive::Float(out)))
}

impl<R: CubeRuntime, I: IntElement, BT: BoolElement> SinkhornBackend for CubeBackend<R, f32, I, BT> {
    fn swav_codes(scores: FloatTensor<Self>, params: &SwavParams) -> Result<FloatTensor<Self>> {
        let shape = scores.meta.shape().clone();
        if shape.num_dims() != 2 {
            return Err(Error::InvalidParameter { name: "scores rank", value: shape.num_dims() as f64 });
        }
        let (n, k) = (shape[0], shape[1]);
        let scores = into_contiguous(scores);
        let gpu = Gpu::<R>::from_client(scores.client.clone());
        let out = empty_device::<R, f32>(scores.client.clone(), scores.device.clone(), shape);
        // SAFETY: both tensors are contiguous f32 with n · k elements on this client.
        let (s, o) = unsafe {
            (
                DeviceBuffer::<f32>::from_handle(scores.handle.clone(), n * k),
                DeviceBuffer::<f32>::from_handle(out.handle.clone(), n * k),
            )
        };
        gpu.swav_codes(&s, n, k, params, &o)?;
        Ok(out)
    }
}

impl SinkhornBackend for NdArray<f32> {
    fn swav_codes(scores: FloatTensor<Self>, params: &SwavParams) -> Result<FloatTensor<Self>> {
        let s: Tensor<Self, 2> = Tensor::from_primitive(TensorPrimitive::Float(scores));
        clasp_core::validate::positive_param(params.epsilon, "epsilon")?;
        if params.iterations == 0 {
            return Err(Error::InvalidParameter { name: "iterations", value: 0.0 });
        }
        let [n, k] = s.dims();
        if n == 0 || k == 0 {
            return Err(Error::Empty { what: "scores" });
        }
        let max = s.clone().max();
        let g = s.sub(max.unsqueeze()).div_scalar(params.epsilon).exp();
        let mut u = Tensor::<Self, 2>::ones([n, 1], &g.device());
        let mut v = Tensor::<Self, 2>::ones([1, k], &g.device());
        for _ in 0..params.iterations {
            v = g.clone().mul(u.clone()).sum_dim(0).recip().div_scalar(k as f64);
            u = g.clone().mul(v.clone()).sum_dim(1).recip().div_scalar(n as f64);
        }
        let q = g.mul(v);
        let codes = q.clone().div(q.sum_dim(1));
        Ok(codes.into_primitive().tensor())
    }
}

impl<B: SinkhornBackend, C: CheckpointStrategy> SinkhornBackend for Autodiff<B, C> {
    fn swav_codes(scores: FloatTensor<Self>, params: &SwavParams) -> Result<FloatTensor<Self>> {
        // Codes are a stop-gradient target (SwAV's no_grad): an untracked tensor.
        Ok(AutodiffTensor::new(B::swav_codes(scores.primitive, params)?))
    }
}
