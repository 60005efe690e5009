//! SwAV codes on burn tensors (feature `burn`) against clasp-core's `swav_codes`: on NdArray
//! (host fallback), on burn's cubecl backend over WGPU (lavapipe without a GPU; with the `wgpu`
//! feature) where the tensors stay on the device, and through Autodiff, where the codes are a
//! stop-gradient constant.
#![cfg(feature = "burn")]

mod common;

use burn_autodiff::Autodiff;
use burn_ndarray::NdArray;
use burn_tensor::backend::AutodiffBackend;
use burn_tensor::{Tensor, TensorData};
use clasp_backends::burn::{SinkhornBackend, swav_codes};
use clasp_backends::{Error, SwavParams};
use clasp_core::Error as CoreError;
use clasp_core::MatRef;
use clasp_core::sinkhorn::owned::swav_codes_alloc;
use common::*;

const N: usize = 77;
const K: usize = 130;

fn params() -> SwavParams {
    SwavParams::default().eps(0.05).iterations(3)
}

/// Checks a backend's codes and report against the core's, from the same f32 scores.
fn check_against_core<B: SinkhornBackend>(device: &B::Device, what: &str) {
    let s = to_f32(&cosine_scores(41, N, K, 16));
    let (want, want_info) = swav_codes_alloc(MatRef::new(&s, N, K, "s").unwrap(), &params()).unwrap();
    let scores = Tensor::<B, 2>::from_data(TensorData::new(s, [N, K]), device);
    let (codes, info) = swav_codes(scores, &params()).unwrap();
    assert_eq!(codes.dims(), [N, K]);
    let got = codes.into_data().into_vec::<f32>().unwrap();
    let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(err < 1e-5, "{what}: max |codes − core| = {err}");
    assert_eq!((info.iterations, info.samples), (want_info.iterations, want_info.samples));
    assert!((info.prototype_err - want_info.prototype_err).abs() < 1e-5, "{what}: prototype error");
}

/// The codes are a constant of the graph: d/dS Σ (codes ∘ S) = codes.
fn check_stop_gradient<A: SinkhornBackend + AutodiffBackend>(device: &A::Device, what: &str) {
    let s = to_f32(&cosine_scores(42, N, K, 16));
    let scores = Tensor::<A, 2>::from_data(TensorData::new(s, [N, K]), device).require_grad();
    let (codes, _) = swav_codes(scores.clone(), &params()).unwrap();
    assert!(!codes.is_require_grad(), "{what}: codes must not be tracked");
    let grads = (codes.clone() * scores.clone()).sum().backward();
    let grad = scores.grad(&grads).expect("scores receive a gradient").into_data().into_vec::<f32>().unwrap();
    let codes = codes.into_data().into_vec::<f32>().unwrap();
    assert_eq!(grad, codes, "{what}: the gradient is the constant codes");
}

#[test]
fn ndarray_codes_are_the_core_codes() {
    let device = burn_ndarray::NdArrayDevice::default();
    check_against_core::<NdArray<f32>>(&device, "ndarray");
    check_against_core::<Autodiff<NdArray<f32>>>(&device, "autodiff ndarray");
    check_stop_gradient::<Autodiff<NdArray<f32>>>(&device, "autodiff ndarray");
    let bad = Tensor::<NdArray<f32>, 2>::from_data(TensorData::new(vec![0.0f32, f32::NAN], [1, 2]), &device);
    assert!(matches!(swav_codes(bad, &params()), Err(Error::Input(CoreError::NonFinite { .. }))));
}

#[cfg(feature = "wgpu")]
#[test]
fn cubecl_wgpu_codes_match_the_core_on_the_device() {
    type Wgpu = burn_cubecl::CubeBackend<cubecl::wgpu::WgpuRuntime, f32, i32, u32>;
    if wgpu_or_report("cubecl_wgpu_codes_match_the_core_on_the_device").is_none() {
        return;
    }
    let device = cubecl::wgpu::WgpuDevice::DefaultDevice;
    check_against_core::<Wgpu>(&device, "wgpu");
    check_against_core::<Autodiff<Wgpu>>(&device, "autodiff wgpu");
    check_stop_gradient::<Autodiff<Wgpu>>(&device, "autodiff wgpu");
    // Unsupported options are refused on the device path too.
    let s = Tensor::<Wgpu, 2>::from_data(TensorData::new(vec![0.0f32; 4], [2, 2]), &device);
    let keep = params().keep_last(Some(1));
    assert!(matches!(swav_codes(s, &keep), Err(Error::Input(CoreError::InvalidParameter { .. }))));
}
