//! SwAV codes on burn tensors: the NdArray fallback and `Autodiff<NdArray>` always, the cubecl
//! backend (`burn::backend::Wgpu`, kernel launched on the tensor's own buffer) when an adapter
//! exists (loud message otherwise; `CLASP_REQUIRE_GPU=1` fails).
#![cfg(feature = "burn")]

mod common;

use burn::backend::{Autodiff, NdArray};
use burn::tensor::{Tensor, TensorData};
use clasp_backends::SwavParams;
use clasp_backends::burn_ext::{SinkhornBackend, swav_codes};
use common::*;

fn check_fixture<B: SinkhornBackend>(device: &B::Device, label: &str) {
    for case in ["swav/codes_32x10_it3", "swav/codes_256x300_it10"] {
        let (shape, scores) = fixture(case, "scores");
        let (_, expected) = fixture(case, "codes");
        let params =
            SwavParams { epsilon: fixture_num(case, "epsilon"), iterations: fixture_num(case, "iterations") as usize };
        let t = Tensor::<B, 2>::from_data(TensorData::new(to_f32(&scores), [shape[0], shape[1]]), device);
        let codes = swav_codes(t, &params).unwrap();
        let got: Vec<f32> = codes.into_data().to_vec().unwrap();
        let err = max_abs_diff(&got, &expected);
        assert!(err < 1e-5, "{label} {case}: max |codes − fixture| = {err}");
    }
}

#[test]
fn ndarray_fallback_matches_swav_fixtures() {
    check_fixture::<NdArray<f32>>(&Default::default(), "ndarray");
}

#[test]
fn autodiff_codes_are_a_stop_gradient_target() {
    type B = Autodiff<NdArray<f32>>;
    let device = Default::default();
    check_fixture::<B>(&device, "autodiff-ndarray");
    let s =
        Tensor::<B, 2>::from_data(TensorData::new(to_f32(&cosine_scores(3, 8, 5, 4)), [8, 5]), &device).require_grad();
    let codes = swav_codes(s.clone(), &SwavParams::default()).unwrap();
    // Swapped-prediction style loss: gradient reaches the scores only through log_softmax(s).
    let loss = (codes * burn::tensor::activation::log_softmax(s.clone() / 0.1, 1)).sum().neg();
    let grads = loss.backward();
    let g = s.grad(&grads).expect("scores get a gradient through the loss");
    assert_eq!(g.dims(), [8, 5]);
}

#[cfg(feature = "wgpu")]
#[test]
fn cubecl_backend_runs_on_the_tensor_buffer() {
    if wgpu_or_report("cubecl_backend_runs_on_the_tensor_buffer").is_none() {
        return;
    }
    check_fixture::<burn::backend::Wgpu>(&Default::default(), "burn-wgpu");
    check_fixture::<Autodiff<burn::backend::Wgpu>>(&Default::default(), "autodiff-burn-wgpu");
}
