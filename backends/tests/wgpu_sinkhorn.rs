//! Sinkhorn kernels on WGPU (lavapipe without a GPU) against f64 CPU oracles and the SwAV/POT
//! fixtures. Without an adapter each test prints a loud message to stderr and returns;
//! with `CLASP_REQUIRE_GPU=1` it fails instead.
#![cfg(feature = "wgpu")]

mod common;

use clasp_backends::{Backend, BackendKind, LogSinkhornParams, SwavParams};
use clasp_core::Error;
use common::*;

const SWAV_CASES: [&str; 4] =
    ["swav/codes_32x10_it3", "swav/codes_32x10_it10", "swav/codes_256x300_it3", "swav/codes_256x300_it10"];

#[test]
fn swav_codes_match_swav_fixtures() {
    let Some(gpu) = wgpu_or_report("swav_codes_match_swav_fixtures") else { return };
    for case in SWAV_CASES {
        let (shape, scores) = fixture(case, "scores");
        let (_, expected) = fixture(case, "codes");
        let (n, k) = (shape[0], shape[1]);
        let params =
            SwavParams { epsilon: fixture_num(case, "epsilon"), iterations: fixture_num(case, "iterations") as usize };
        let (codes, info) = gpu.swav_codes_host(&to_f32(&scores), n, k, &params).unwrap();
        let err = max_abs_diff(&codes, &expected);
        assert!(err < 1e-5, "{case}: max |codes − fixture| = {err}");
        assert_eq!(info.iterations, params.iterations);
        for row in codes.chunks_exact(k) {
            let s: f32 = row.iter().sum();
            assert!((s - 1.0).abs() < 1e-5, "{case}: a code row sums to {s}");
        }
    }
}

#[test]
fn swav_codes_match_oracle_on_random_scores_and_report_marginal_error() {
    let Some(gpu) = wgpu_or_report("swav_codes_match_oracle_on_random_scores") else { return };
    // Non-multiple-of-block shapes, N < K and N > K, unnormalised scores (span/ε ≈ 60).
    for (seed, n, k, scale, eps, iters) in
        [(1, 37, 300, 1.0, 0.05, 3), (2, 300, 45, 1.5, 0.05, 10), (3, 129, 1000, 1.0, 0.03, 5)]
    {
        let s: Vec<f64> = cosine_scores(seed, n, k, 16).iter().map(|x| x * scale).collect();
        let expected = swav_reference(&s, n, k, eps, iters);
        let params = SwavParams { epsilon: eps, iterations: iters };
        let (codes, info) = gpu.swav_codes_host(&to_f32(&s), n, k, &params).unwrap();
        let err = max_abs_diff(&codes, &expected);
        assert!(err < 2e-5, "{n}x{k}: max |codes − oracle| = {err}");
        // Prototype marginal error of the plan Q = codes / n.
        let mut col = vec![0.0; k];
        for i in 0..n {
            for j in 0..k {
                col[j] += expected[i * k + j] / n as f64;
            }
        }
        let ref_err: f64 = col.iter().map(|c| (c - 1.0 / k as f64).abs()).sum();
        assert!(
            (info.prototype_marginal_error - ref_err).abs() < 1e-4 + 1e-3 * ref_err,
            "{} vs {ref_err}",
            info.prototype_marginal_error
        );
    }
}

#[test]
fn swav_hard_targets_are_the_argmax_of_the_codes() {
    let Some(gpu) = wgpu_or_report("swav_hard_targets_are_the_argmax_of_the_codes") else { return };
    let (n, k, eps, iters) = (500, 300, 0.05, 10);
    let s = cosine_scores(11, n, k, 16);
    let expected = swav_reference(&s, n, k, eps, iters);
    let (labels, _) = gpu.swav_hard_host(&to_f32(&s), n, k, &SwavParams { epsilon: eps, iterations: iters }).unwrap();
    let mut checked = 0;
    for (i, row) in expected.chunks_exact(k).enumerate() {
        let (best, gap) = argmax_with_gap(row);
        // Compare where f32 rounding cannot flip the order (relative gap of the plan's row).
        if gap > 1e-4 * row[best] {
            assert_eq!(labels[i] as usize, best, "row {i}");
            checked += 1;
        }
    }
    assert!(checked > n * 9 / 10, "only {checked} rows had a clear arg-max");
}

#[test]
fn log_domain_matches_pot_fixtures() {
    let Some(gpu) = wgpu_or_report("log_domain_matches_pot_fixtures") else { return };
    for (case, tol) in [
        ("sinkhorn/pot_7x5_reg0.1", 1e-4),
        ("sinkhorn/pot_64x48_reg0.1", 1e-4),
        ("sinkhorn/pot_300x40_reg0.1", 1e-4),
        ("sinkhorn/pot_64x48_reg0.01", 1e-3),
        ("sinkhorn/pot_tiny_eps_50x20", 1e-2),
    ] {
        let (shape, cost) = fixture(case, "cost");
        let (_, a) = fixture(case, "a");
        let (_, b) = fixture(case, "b");
        let (_, plan_ref) = fixture(case, "plan");
        let (n, k) = (shape[0], shape[1]);
        let s: Vec<f64> = cost.iter().map(|c| -c).collect();
        let params =
            LogSinkhornParams { epsilon: fixture_num(case, "reg"), max_iter: 20_000, tol: 1e-6, check_every: 10 };
        let (plan, f, g, info) = gpu.sinkhorn_log_host(&to_f32(&s), &to_f32(&a), &to_f32(&b), n, k, &params).unwrap();
        assert!(info.marginal_error.is_finite() && f.len() == n && g.len() == k);
        let scale = plan_ref.iter().copied().fold(0.0, f64::max);
        let rel = max_abs_diff(&plan, &plan_ref) / scale;
        assert!(
            rel < tol,
            "{case}: plan rel err {rel} after {} iterations (marginal {})",
            info.iterations,
            info.marginal_error
        );
    }
}

#[test]
fn log_domain_fixed_iterations_match_oracle_with_general_marginals() {
    let Some(gpu) = wgpu_or_report("log_domain_fixed_iterations_match_oracle") else { return };
    let (n, k, eps, iters) = (203, 77, 0.02, 7);
    let s = cosine_scores(5, n, k, 8);
    let mut a = uniform(6, n, 0.5, 1.5);
    let mut b = uniform(7, k, 0.5, 1.5);
    let (sa, sb) = (a.iter().sum::<f64>(), b.iter().sum::<f64>());
    a.iter_mut().for_each(|x| *x /= sa);
    b.iter_mut().for_each(|x| *x /= sb);
    let expected = log_sinkhorn_reference(&s, &a, &b, eps, iters);
    let params = LogSinkhornParams { epsilon: eps, max_iter: iters, tol: 0.0, check_every: 10 };
    let (plan, _, _, info) = gpu.sinkhorn_log_host(&to_f32(&s), &to_f32(&a), &to_f32(&b), n, k, &params).unwrap();
    assert_eq!(info.iterations, iters);
    assert!(!info.converged);
    let scale = expected.iter().copied().fold(0.0, f64::max);
    let rel = max_abs_diff(&plan, &expected) / scale;
    assert!(rel < 1e-4, "rel err {rel}");
}

#[test]
fn batched_small_problems_match_oracle_in_one_launch() {
    let Some(gpu) = wgpu_or_report("batched_small_problems_match_oracle") else { return };
    let (problems, n, k, eps, iters) = (5, 72, 500, 0.05, 3); // MGCA's per-GPU shape
    let mut all = Vec::new();
    let mut expected = Vec::new();
    for p in 0..problems {
        let s = cosine_scores(100 + p as u64, n, k, 16);
        expected.extend(swav_reference(&s, n, k, eps, iters));
        all.extend(s);
    }
    let (codes, labels) = gpu
        .swav_codes_batched_host(&to_f32(&all), problems, n, k, &SwavParams { epsilon: eps, iterations: iters })
        .unwrap();
    let err = max_abs_diff(&codes, &expected);
    assert!(err < 1e-5, "max |codes − oracle| = {err}");
    for (r, row) in expected.chunks_exact(k).enumerate() {
        let (best, gap) = argmax_with_gap(row);
        if gap > 1e-4 * row[best] {
            assert_eq!(labels[r] as usize, best, "row {r}");
        }
    }
}

#[test]
fn bad_input_is_rejected_before_any_launch() {
    let Some(gpu) = wgpu_or_report("bad_input_is_rejected_before_any_launch") else { return };
    let p = SwavParams::default();
    assert!(matches!(gpu.swav_codes_host(&[0.0; 6], 2, 4, &p), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(gpu.swav_codes_host(&[], 0, 4, &p), Err(Error::Empty { .. })));
    assert!(matches!(gpu.swav_codes_host(&[0.0, f32::NAN], 1, 2, &p), Err(Error::NonFinite { index: 1, .. })));
    let bad = SwavParams { epsilon: 0.0, iterations: 3 };
    assert!(matches!(gpu.swav_hard_host(&[0.0; 4], 2, 2, &bad), Err(Error::InvalidParameter { .. })));
    let none = SwavParams { epsilon: 0.05, iterations: 0 };
    assert!(matches!(gpu.swav_codes_host(&[0.0; 4], 2, 2, &none), Err(Error::InvalidParameter { .. })));
    let lp = LogSinkhornParams::default();
    assert!(matches!(
        gpu.sinkhorn_log_host(&[0.0; 4], &[0.5, -0.5], &[0.5, 0.5], 2, 2, &lp),
        Err(Error::Negative { .. })
    ));
    let codes = gpu.empty(3);
    let s = gpu.upload(&[0.0; 4]);
    assert!(matches!(gpu.swav_codes(&s, 2, 2, &p, &codes), Err(Error::ShapeMismatch { what: "codes", .. })));
}

#[test]
fn backend_dispatch_agrees_with_the_cpu_path() {
    if wgpu_or_report("backend_dispatch_agrees_with_the_cpu_path").is_none() {
        return;
    }
    let (n, k) = (64, 120);
    let s = to_f32(&cosine_scores(9, n, k, 16));
    let p = SwavParams { epsilon: 0.05, iterations: 3 };
    let dev = Backend::open(BackendKind::Wgpu);
    assert_eq!(dev.kind(), BackendKind::Wgpu);
    let (gpu_codes, gi) = dev.swav_codes(&s, n, k, &p).unwrap();
    let (cpu_codes, ci) = Backend::Cpu.swav_codes(&s, n, k, &p).unwrap();
    let err = gpu_codes.iter().zip(&cpu_codes).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(err < 1e-5, "gpu vs cpu codes: {err}");
    assert!((gi.prototype_marginal_error - ci.prototype_marginal_error).abs() < 1e-4);
}

#[test]
fn problems_above_the_device_buffer_limit_are_rejected_before_allocation() {
    let Some(gpu) = wgpu_or_report("problems_above_the_device_buffer_limit_are_rejected") else { return };
    let max = gpu.client().properties().memory.max_page_size as usize;
    let k = 3000;
    let n = max / (4 * k) + 1;
    let small = gpu.upload(&[0.0; 4]);
    // SAFETY: the oversized length is rejected before any kernel touches the buffer.
    let (s, out) = unsafe {
        (
            clasp_backends::DeviceBuffer::<f32>::from_handle(small.handle().clone(), n * k),
            clasp_backends::DeviceBuffer::<f32>::from_handle(small.handle().clone(), n * k),
        )
    };
    let r = gpu.swav_codes(&s, n, k, &SwavParams::default(), &out);
    assert!(matches!(r, Err(Error::InvalidParameter { .. })), "{r:?}");
}
