//! SwAV codes on burn tensors (feature `burn`), through burn's backend-extension pattern: a
//! backend trait, [`SinkhornBackend`], implemented
//!
//! - for `burn_cubecl::CubeBackend<R, f32, I, BT>` (burn's CUDA, ROCm and WGPU backends without
//!   fusion) by launching the cubecl kernels of this crate on the tensor's own client and
//!   buffer: the scores and the codes never leave the device (only the k-vector behind
//!   [`SwavInfo`] is read back);
//! - for `burn_autodiff::Autodiff<B>` over any implementing `B`: in SwAV the codes are a
//!   stop-gradient target (computed under `torch.no_grad()` in `main_swav.py`), so the
//!   returned tensor is a constant of the graph: no gradient flows from the codes to the scores;
//! - for `burn_ndarray::NdArray` and `burn_flex::Flex` (f32) through clasp-core's
//!   `swav_codes_alloc` on the host.
//!
//! Parameters, report and errors are clasp-core's, as everywhere in this crate.

use crate::error::{Error, Result};
use burn_tensor::backend::Backend;
use burn_tensor::{DType, Tensor, TensorData, TensorMetadata, TensorPrimitive};
use clasp_core::sinkhorn::{SwavInfo, SwavParams};
use clasp_core::{Error as CoreError, MatRef};

use crate::device::{DeviceBuffer, DeviceMatrix, Gpu};

/// A burn backend that computes SwAV codes (clasp-core's `swav_codes`) on its own tensors.
pub trait SinkhornBackend: Backend {
    /// SwAV codes (n × k, rows sum to 1) of `scores` (n × k samples × prototypes, similarities)
    /// after `params.iterations` iterations, on the device of `scores`.
    fn swav_codes(scores: Tensor<Self, 2>, params: &SwavParams) -> Result<(Tensor<Self, 2>, SwavInfo)>;
}

/// SwAV codes of `scores` on any [`SinkhornBackend`] (see [`SinkhornBackend::swav_codes`]).
pub fn swav_codes<B: SinkhornBackend>(scores: Tensor<B, 2>, params: &SwavParams) -> Result<(Tensor<B, 2>, SwavInfo)> {
    B::swav_codes(scores, params)
}

impl<R, I, BT> SinkhornBackend for burn_cubecl::CubeBackend<R, f32, I, BT>
where
    R: burn_cubecl::CubeRuntime,
    I: burn_cubecl::IntElement,
    BT: burn_cubecl::BoolElement,
{
    fn swav_codes(scores: Tensor<Self, 2>, params: &SwavParams) -> Result<(Tensor<Self, 2>, SwavInfo)> {
        let [n, k] = scores.dims();
        let scores = burn_cubecl::kernel::into_contiguous(scores.into_primitive().tensor());
        if scores.dtype != DType::F32 {
            return Err(CoreError::InvalidParameter { name: "scores dtype (f32 only)", value: 0.0 }.into());
        }
        let gpu = Gpu::<R>::from_client(scores.client.clone());
        let codes = scores.client.empty(n * k * size_of::<f32>());
        // SAFETY: a contiguous f32 tensor of n · k elements; `codes` was just allocated for as many.
        let (s, c) = unsafe {
            (
                DeviceMatrix::from_buffer(DeviceBuffer::from_handle(scores.handle.clone(), n * k), n, k)?,
                DeviceMatrix::from_buffer(DeviceBuffer::from_handle(codes.clone(), n * k), n, k)?,
            )
        };
        let info = gpu.swav_codes(&s, params, &c)?;
        let out = burn_cubecl::tensor::CubeTensor::new_contiguous(
            scores.client.clone(),
            scores.device.clone(),
            scores.shape(),
            codes,
            DType::F32,
        );
        Ok((Tensor::from_primitive(TensorPrimitive::Float(out)), info))
    }
}

impl<B: SinkhornBackend, C: burn_autodiff::checkpoint::strategy::CheckpointStrategy> SinkhornBackend
    for burn_autodiff::Autodiff<B, C>
{
    /// The codes are computed on the inner backend and enter the graph as a constant
    /// (stop-gradient, as SwAV's targets): the backward pass gives the scores no gradient
    /// through them.
    fn swav_codes(scores: Tensor<Self, 2>, params: &SwavParams) -> Result<(Tensor<Self, 2>, SwavInfo)> {
        let (codes, info) = B::swav_codes(scores.inner(), params)?;
        Ok((Tensor::from_inner(codes), info))
    }
}

/// SwAV codes on the host: clasp-core's `swav_codes_alloc` on the tensor's data, the result
/// put back on the tensor's device (the CPU backends' implementation).
fn host_swav_codes<B: Backend>(scores: Tensor<B, 2>, params: &SwavParams) -> Result<(Tensor<B, 2>, SwavInfo)> {
    let [n, k] = scores.dims();
    let device = scores.device();
    let data = scores
        .into_data()
        .into_vec::<f32>()
        .map_err(|_| Error::from(CoreError::InvalidParameter { name: "scores dtype (f32 only)", value: 0.0 }))?;
    let (codes, info) = clasp_core::sinkhorn::owned::swav_codes_alloc(MatRef::new(&data, n, k, "scores")?, params)?;
    Ok((Tensor::from_data(TensorData::new(codes, [n, k]), &device), info))
}

impl SinkhornBackend for burn_ndarray::NdArray<f32> {
    /// On the host (see `host_swav_codes`).
    fn swav_codes(scores: Tensor<Self, 2>, params: &SwavParams) -> Result<(Tensor<Self, 2>, SwavInfo)> {
        host_swav_codes(scores, params)
    }
}

impl SinkhornBackend for burn_flex::Flex<f32> {
    /// On the host (see `host_swav_codes`).
    fn swav_codes(scores: Tensor<Self, 2>, params: &SwavParams) -> Result<(Tensor<Self, 2>, SwavInfo)> {
        host_swav_codes(scores, params)
    }
}
