//! The CPU path behind `Backend::Cpu` (always compiled) against the SwAV fixtures and an f64
//! oracle, plus the run-time fallback when a device is missing.

mod common;

use clasp_backends::{Backend, BackendKind, SwavParams};
use clasp_core::Error;
use common::*;

#[test]
fn cpu_swav_codes_match_fixtures_in_f64_and_f32() {
    for case in ["swav/codes_32x10_it3", "swav/codes_32x10_it10", "swav/codes_256x300_it3", "swav/codes_256x300_it10"] {
        let (shape, scores) = fixture(case, "scores");
        let (_, expected) = fixture(case, "codes");
        let (n, k) = (shape[0], shape[1]);
        let p =
            SwavParams { epsilon: fixture_num(case, "epsilon"), iterations: fixture_num(case, "iterations") as usize };
        let core_p =
            clasp_core::sinkhorn::SwavParams { eps: p.epsilon, iterations: p.iterations, ..Default::default() };
        let m = clasp_core::MatRef::new(&scores, n, k, "scores").unwrap();
        let (c64, _) = clasp_core::sinkhorn::owned::swav_codes_alloc(m, &core_p).unwrap();
        let err64 = c64.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(err64 < 1e-12, "{case}: f64 err {err64}");
        let (c32, _) = Backend::Cpu.swav_codes(&to_f32(&scores), n, k, &p).unwrap();
        assert!(max_abs_diff(&c32, &expected) < 1e-5, "{case}: f32 err");
    }
}

#[test]
fn cpu_hard_targets_are_the_argmax_of_the_oracle_codes() {
    let (n, k) = (200, 50);
    let s = cosine_scores(4, n, k, 8);
    let expected = swav_reference(&s, n, k, 0.05, 10);
    let (labels, info) =
        Backend::Cpu.swav_hard(&to_f32(&s), n, k, &SwavParams { epsilon: 0.05, iterations: 10 }).unwrap();
    assert_eq!(info.iterations, 10);
    for (i, row) in expected.chunks_exact(k).enumerate() {
        let (best, gap) = argmax_with_gap(row);
        if gap > 1e-5 {
            assert_eq!(labels[i] as usize, best);
        }
    }
}

#[test]
fn cpu_path_rejects_bad_input() {
    let p = SwavParams::default();
    assert!(matches!(Backend::Cpu.swav_codes(&[0.0f32; 3], 2, 2, &p), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(Backend::Cpu.swav_codes(&[], 0, 2, &p), Err(Error::Empty { .. })));
    assert!(matches!(Backend::Cpu.swav_codes(&[0.0, f32::INFINITY], 1, 2, &p), Err(Error::NonFinite { .. })));
    assert!(matches!(
        Backend::Cpu.swav_hard(&[0.0f32; 4], 2, 2, &SwavParams { epsilon: -1.0, iterations: 3 }),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn missing_backends_fall_back_to_the_cpu_path() {
    for kind in [BackendKind::Cuda, BackendKind::Rocm, BackendKind::Wgpu] {
        let b = Backend::open(kind);
        if !kind.is_available() {
            assert_eq!(b.kind(), BackendKind::Cpu, "{kind:?}");
        } else {
            assert_eq!(b.kind(), kind);
        }
    }
}
