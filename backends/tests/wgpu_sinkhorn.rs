//! Sinkhorn kernels on WGPU (lavapipe without a GPU) against clasp-core's own solvers, in f64,
//! on random inputs and the SwAV/POT fixtures. Without an adapter each test prints a loud
//! message to stderr and returns; with `CLASP_REQUIRE_GPU=1` it fails instead.
#![cfg(feature = "wgpu")]

mod common;

use clasp_backends::{Backend, BackendKind, BatchedParams, Error, ScoreKind, SinkhornParams, SwavInfo, SwavParams};
use clasp_core::Error as CoreError;
use clasp_core::MatRef;
use clasp_core::sinkhorn::owned::{self, SinkhornMode};
use common::*;

const SWAV_CASES: [&str; 4] =
    ["swav/codes_32x10_it3", "swav/codes_32x10_it10", "swav/codes_256x300_it3", "swav/codes_256x300_it10"];

fn swav_params(eps: f64, iterations: usize) -> SwavParams {
    SwavParams::default().eps(eps).iterations(iterations)
}

/// clasp-core's SwAV codes in f64.
fn core_codes(s: &[f64], n: usize, k: usize, p: &SwavParams) -> (Vec<f64>, SwavInfo) {
    owned::swav_codes_alloc(MatRef::new(s, n, k, "scores").unwrap(), p).unwrap()
}

/// Same report as the core's up to f32 rounding.
fn assert_info(got: &SwavInfo, want: &SwavInfo, what: &str) {
    assert_eq!((got.iterations, got.samples), (want.iterations, want.samples), "{what}");
    let (g, w) = (got.prototype_err, want.prototype_err);
    assert!((g - w).abs() < 1e-5 + 1e-3 * w, "{what}: prototype_err {g} vs core {w}");
}

#[test]
fn swav_codes_match_the_core_on_the_swav_fixtures() {
    let Some(gpu) = wgpu_or_report("swav_codes_match_the_core_on_the_swav_fixtures") else { return };
    for case in SWAV_CASES {
        let (shape, scores) = fixture(case, "scores");
        let (n, k) = (shape[0], shape[1]);
        let p = swav_params(fixture_num(case, "epsilon"), fixture_num(case, "iterations") as usize);
        let (want, want_info) = core_codes(&scores, n, k, &p);
        let s32 = to_f32(&scores);
        let (codes, info) = gpu.swav_codes_host(MatRef::new(&s32, n, k, "s").unwrap(), &p).unwrap();
        let err = max_abs_diff(&codes, &want);
        assert!(err < 1e-5, "{case}: max |codes − core| = {err}");
        assert_info(&info, &want_info, case);
        let (_, fixture_codes) = fixture(case, "codes");
        assert!(max_abs_diff(&codes, &fixture_codes) < 1e-5, "{case}: against SwAV's own codes");
    }
}

#[test]
fn swav_codes_match_the_core_on_random_scores() {
    let Some(gpu) = wgpu_or_report("swav_codes_match_the_core_on_random_scores") else { return };
    // Non-multiple-of-block shapes, N < K and N > K, unnormalised scores (span/ε ≈ 60).
    for (seed, n, k, scale, eps, iters) in [
        (1, 37, 300, 1.0, 0.05, 3),
        (2, 300, 45, 1.5, 0.05, 10),
        (3, 129, 1000, 1.0, 0.03, 5),
        (4, 50, 20, 1.0, 0.1, 1),
    ] {
        let s: Vec<f64> = cosine_scores(seed, n, k, 16).iter().map(|x| x * scale).collect();
        let p = swav_params(eps, iters);
        let (want, want_info) = core_codes(&s, n, k, &p);
        let s32 = to_f32(&s);
        let (codes, info) = gpu.swav_codes_host(MatRef::new(&s32, n, k, "s").unwrap(), &p).unwrap();
        let err = max_abs_diff(&codes, &want);
        assert!(err < 2e-5, "{n}x{k}: max |codes − core| = {err}");
        assert_info(&info, &want_info, "random");
    }
}

#[test]
fn hard_targets_match_the_core_assignments() {
    let Some(gpu) = wgpu_or_report("hard_targets_match_the_core_assignments") else { return };
    for (n, k, iters) in [(500, 300, 10), (200, 50, 1), (64, 700, 3)] {
        let s = cosine_scores(11 + iters as u64, n, k, 16);
        let p = swav_params(0.05, iters);
        let m = MatRef::new(&s, n, k, "s").unwrap();
        let (want, want_info) = owned::swav_assign_alloc(m, &p).unwrap();
        let (codes, _) = core_codes(&s, n, k, &p);
        let s32 = to_f32(&s);
        let (labels, info) = gpu.swav_assign_host(MatRef::new(&s32, n, k, "s").unwrap(), &p).unwrap();
        assert_info(&info, &want_info, "assign");
        let mut checked = 0;
        for (i, row) in codes.chunks_exact(k).enumerate() {
            let (best, gap) = argmax_with_gap(row);
            assert_eq!(best, want[i], "the core's label is its codes' arg-max");
            // Compare where f32 rounding cannot flip the order (relative gap of the plan's row).
            if gap > 1e-4 * row[best] {
                assert_eq!(labels[i] as usize, want[i], "row {i}");
                checked += 1;
            }
        }
        assert!(checked > n * 9 / 10, "only {checked} rows had a clear arg-max");
    }
}

#[test]
fn row_blocks_give_the_single_block_result() {
    let Some(mut gpu) = wgpu_or_report("row_blocks_give_the_single_block_result") else { return };
    let (n, k) = (301, 45);
    let s32 = to_f32(&cosine_scores(8, n, k, 16));
    let m = MatRef::new(&s32, n, k, "s").unwrap();
    let p = swav_params(0.05, 10);
    let (whole, whole_info) = gpu.swav_codes_host(m, &p).unwrap();
    let (whole_labels, _) = gpu.swav_assign_host(m, &p).unwrap();
    // 50 rows per block (not a multiple of the 8-row cube): 7 blocks, the last of one row.
    gpu.limit_binding((50 * k * 4) as u64);
    assert_eq!(gpu.block_rows(k), 50);
    assert_eq!(gpu.upload_matrix(&s32, n, k).unwrap().blocks().len(), 7);
    let (blocked, info) = gpu.swav_codes_host(m, &p).unwrap();
    let (labels, _) = gpu.swav_assign_host(m, &p).unwrap();
    let err = blocked.iter().zip(&whole).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(err < 1e-6, "blocked vs single block: {err}");
    assert!((info.prototype_err - whole_info.prototype_err).abs() < 1e-6);
    assert_eq!(labels, whole_labels);
    // One row above the binding cannot be split: rejected before anything is allocated.
    gpu.limit_binding(64);
    assert!(matches!(gpu.swav_codes_host(m, &p), Err(Error::Input(CoreError::InvalidParameter { .. }))));
}

/// clasp-core's log-domain solve in f64: (plan, f, g, info).
fn core_log(x: &[f64], a: &[f64], b: &[f64], p: &SinkhornParams) -> (Vec<f64>, Vec<f64>, Vec<f64>, usize) {
    let m = MatRef::new(x, a.len(), b.len(), "x").unwrap();
    let sol = owned::sinkhorn(m, a, b, p, SinkhornMode::Log).unwrap();
    (sol.plan(m, p.kind, p.eps).unwrap(), sol.f, sol.g, sol.info.iterations)
}

#[test]
fn log_domain_matches_the_core_on_the_pot_fixtures_in_cost_form() {
    let Some(gpu) = wgpu_or_report("log_domain_matches_the_core_on_the_pot_fixtures") else { return };
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
        let (n, k) = (shape[0], shape[1]);
        let p = SinkhornParams::default()
            .eps(fixture_num(case, "reg"))
            .kind(ScoreKind::Cost)
            .max_iter(20_000)
            .tol(1e-6)
            .check_every(10);
        let (want, _, _, _) = core_log(&cost, &a, &b, &p);
        let c32 = to_f32(&cost);
        let (plan, f, g, info) =
            gpu.sinkhorn_log_host(MatRef::new(&c32, n, k, "x").unwrap(), &to_f32(&a), &to_f32(&b), &p).unwrap();
        assert!(info.marginal_err.is_finite() && f.len() == n && g.len() == k);
        let rel = rel_diff(&plan, &want);
        assert!(rel < tol, "{case}: plan rel err {rel} after {} iterations ({})", info.iterations, info.marginal_err);
    }
}

#[test]
fn log_domain_fixed_iterations_match_the_core_potentials() {
    let Some(gpu) = wgpu_or_report("log_domain_fixed_iterations_match_the_core_potentials") else { return };
    let (n, k) = (203, 77);
    let s = cosine_scores(5, n, k, 8);
    let mut a = uniform(6, n, 0.5, 1.5);
    let mut b = uniform(7, k, 0.5, 1.5);
    let (sa, sb) = (a.iter().sum::<f64>(), b.iter().sum::<f64>());
    a.iter_mut().for_each(|x| *x /= sa);
    b.iter_mut().for_each(|x| *x /= sb);
    let s32 = to_f32(&s);
    for kind in [ScoreKind::Similarity, ScoreKind::Cost] {
        let p = SinkhornParams::default().eps(0.02).kind(kind).max_iter(7).tol(0.0).check_every(3);
        let (want, wf, wg, iters) = core_log(&s, &a, &b, &p);
        let (plan, f, g, info) =
            gpu.sinkhorn_log_host(MatRef::new(&s32, n, k, "x").unwrap(), &to_f32(&a), &to_f32(&b), &p).unwrap();
        assert_eq!((info.iterations, info.converged), (iters, false));
        assert!(rel_diff(&plan, &want) < 1e-4, "{kind:?}: plan rel err {}", rel_diff(&plan, &want));
        assert!(max_abs_diff(&f, &wf) < 1e-5 && max_abs_diff(&g, &wg) < 1e-5, "{kind:?}: potentials");
    }
}

#[test]
fn log_domain_stops_where_the_core_stops() {
    let Some(gpu) = wgpu_or_report("log_domain_stops_where_the_core_stops") else { return };
    let (n, k) = (120, 30);
    let s = cosine_scores(9, n, k, 8);
    let (a, b) = (vec![1.0 / n as f64; n], vec![1.0 / k as f64; k]);
    let p = SinkhornParams::default().eps(0.1).kind(ScoreKind::Similarity).max_iter(500).tol(1e-4).check_every(5);
    let (_, _, _, iters) = core_log(&s, &a, &b, &p);
    let s32 = to_f32(&s);
    let (_, _, _, info) =
        gpu.sinkhorn_log_host(MatRef::new(&s32, n, k, "x").unwrap(), &to_f32(&a), &to_f32(&b), &p).unwrap();
    assert!(info.converged && info.marginal_err < p.tol);
    assert_eq!(info.iterations, iters, "checks after iterations 1, 6, 11, … as the core");
}

#[test]
fn batched_problems_match_the_core_in_one_launch() {
    let Some(gpu) = wgpu_or_report("batched_problems_match_the_core_in_one_launch") else { return };
    let (problems, n, k) = (5, 72, 500); // MGCA's per-GPU shape
    let mut all = Vec::new();
    for p in 0..problems {
        all.extend(cosine_scores(100 + p as u64, n, k, 16));
    }
    let (a, b) = (owned::uniform::<f64>(n), owned::uniform::<f64>(k));
    for kind in [ScoreKind::Similarity, ScoreKind::Cost] {
        let params = BatchedParams::default().eps(0.05).kind(kind).iterations(3);
        let sol = owned::sinkhorn_batched_alloc(&all, (problems, n, k), &a, &b, &params).unwrap();
        let (codes, labels, info) = gpu.swav_codes_batched_host(&to_f32(&all), problems, n, k, &params).unwrap();
        assert_eq!((info.iterations, info.problems), (3, problems));
        assert!((info.max_marginal_err - sol.info.max_marginal_err).abs() < 1e-5, "{kind:?}: marginal error");
        for p in 0..problems {
            let x = MatRef::new(&all[p * n * k..(p + 1) * n * k], n, k, "x").unwrap();
            let mut want = vec![0.0; n * k];
            clasp_core::sinkhorn::plan(
                x,
                kind,
                0.05,
                &sol.f[p * n..(p + 1) * n],
                &sol.g[p * k..(p + 1) * k],
                &mut want,
            )
            .unwrap();
            want.iter_mut().for_each(|q| *q *= n as f64);
            let got = &codes[p * n * k..(p + 1) * n * k];
            assert!(max_abs_diff(got, &want) < 1e-5, "{kind:?} problem {p}: {}", max_abs_diff(got, &want));
            for (i, row) in want.chunks_exact(k).enumerate() {
                let (best, gap) = argmax_with_gap(row);
                if gap > 1e-4 * row[best] {
                    assert_eq!(labels[p * n + i] as usize, best, "problem {p} row {i}");
                }
            }
        }
    }
}

#[test]
fn bad_input_and_unsupported_options_are_rejected_before_any_launch() {
    let Some(gpu) = wgpu_or_report("bad_input_and_unsupported_options_are_rejected") else { return };
    let p = SwavParams::default();
    let m = |d: &'static [f32], n, k| MatRef::new(d, n, k, "s").unwrap();
    assert!(matches!(
        gpu.swav_codes_host(m(&[0.0, f32::NAN], 1, 2), &p),
        Err(Error::Input(CoreError::NonFinite { index: 1, .. }))
    ));
    let bad = swav_params(0.0, 3);
    assert!(matches!(
        gpu.swav_assign_host(m(&[0.0; 4], 2, 2), &bad),
        Err(Error::Input(CoreError::InvalidParameter { name: "eps", .. }))
    ));
    let none = swav_params(0.05, 0);
    assert!(matches!(
        gpu.swav_codes_host(m(&[0.0; 4], 2, 2), &none),
        Err(Error::Input(CoreError::InvalidParameter { .. }))
    ));
    // Options of the core the kernels do not implement are refused, not ignored.
    let keep = p.keep_last(Some(1));
    assert!(matches!(
        gpu.swav_codes_host(m(&[0.0; 4], 2, 2), &keep),
        Err(Error::Input(CoreError::InvalidParameter { .. }))
    ));
    let all_rows = p.keep_last(Some(2));
    assert!(gpu.swav_codes_host(m(&[0.0; 4], 2, 2), &all_rows).is_ok());
    let unshifted = p.max_shift(false);
    assert!(matches!(
        gpu.swav_assign_host(m(&[0.0; 4], 2, 2), &unshifted),
        Err(Error::Input(CoreError::InvalidParameter { .. }))
    ));
    let lp = SinkhornParams::default();
    let x = m(&[0.0; 4], 2, 2);
    assert!(matches!(
        gpu.sinkhorn_log_host(x, &[0.5, -0.5], &[0.5, 0.5], &lp),
        Err(Error::Input(CoreError::Negative { .. }))
    ));
    assert!(matches!(
        gpu.sinkhorn_log_host(x, &[0.5, 0.5], &[0.5, 0.6], &lp),
        Err(Error::Input(CoreError::MassMismatch { .. }))
    ));
    let scores = gpu.upload_matrix(&[0.0; 4], 2, 2).unwrap();
    let codes = gpu.empty_matrix(1, 2).unwrap();
    assert!(matches!(
        gpu.swav_codes(&scores, &p, &codes),
        Err(Error::Input(CoreError::ShapeMismatch { what: "codes", .. }))
    ));
}

#[test]
fn backend_dispatch_agrees_with_the_cpu_path() {
    if wgpu_or_report("backend_dispatch_agrees_with_the_cpu_path").is_none() {
        return;
    }
    let (n, k) = (64, 120);
    let s = to_f32(&cosine_scores(9, n, k, 16));
    let m = MatRef::new(&s, n, k, "s").unwrap();
    let p = swav_params(0.05, 3);
    let dev = Backend::open(BackendKind::Wgpu);
    assert_eq!(dev.kind(), BackendKind::Wgpu);
    let (gpu_codes, gi) = dev.swav_codes(m, &p).unwrap();
    let (cpu_codes, ci) = Backend::Cpu.swav_codes(m, &p).unwrap();
    let err = gpu_codes.iter().zip(&cpu_codes).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(err < 1e-5, "gpu vs cpu codes: {err}");
    assert_info(&gi, &ci, "dispatch");
}
