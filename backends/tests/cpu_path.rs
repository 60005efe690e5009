//! The CPU path behind `Backend::Cpu` (always compiled): clasp-core's SwAV functions against
//! the SwAV fixtures, plus the run-time fallback when a device is missing.

mod common;

use clasp_backends::{Backend, BackendKind, Error, SwavParams};
use clasp_core::Error as CoreError;
use clasp_core::MatRef;
use clasp_core::sinkhorn::owned;
use common::*;

#[test]
fn cpu_swav_codes_are_the_core_codes_and_match_the_fixtures() {
    for case in ["swav/codes_32x10_it3", "swav/codes_32x10_it10", "swav/codes_256x300_it3", "swav/codes_256x300_it10"] {
        let (shape, scores) = fixture(case, "scores");
        let (_, expected) = fixture(case, "codes");
        let (n, k) = (shape[0], shape[1]);
        let p = SwavParams::default()
            .eps(fixture_num(case, "epsilon"))
            .iterations(fixture_num(case, "iterations") as usize);
        let s32 = to_f32(&scores);
        let m = MatRef::new(&s32, n, k, "scores").unwrap();
        let (c32, info) = Backend::Cpu.swav_codes(m, &p).unwrap();
        let (core, core_info) = owned::swav_codes_alloc(m, &p).unwrap();
        assert_eq!((c32, info), (core, core_info), "{case}: Backend::Cpu is the core");
        assert!(max_abs_diff(&owned::swav_codes_alloc(m, &p).unwrap().0, &expected) < 1e-5, "{case}: f32 err");
    }
}

#[test]
fn cpu_hard_targets_are_the_core_assignments() {
    let (n, k) = (200, 50);
    let s = to_f32(&cosine_scores(4, n, k, 8));
    let m = MatRef::new(&s, n, k, "scores").unwrap();
    let p = SwavParams::default().eps(0.05).iterations(10);
    let (labels, info) = Backend::Cpu.swav_assign(m, &p).unwrap();
    let (want, want_info) = owned::swav_assign_alloc(m, &p).unwrap();
    assert_eq!(info, want_info);
    assert!(labels.iter().zip(&want).all(|(&a, &b)| a as usize == b));
}

#[test]
fn cpu_path_rejects_bad_input() {
    let p = SwavParams::default();
    let m = |d: &'static [f32], n, k| MatRef::new(d, n, k, "s").unwrap();
    assert!(matches!(MatRef::new(&[0.0f32; 3], 2, 2, "s"), Err(CoreError::ShapeMismatch { .. })));
    assert!(matches!(
        Backend::Cpu.swav_codes(m(&[0.0, f32::INFINITY], 1, 2), &p),
        Err(Error::Input(CoreError::NonFinite { .. }))
    ));
    let bad = p.eps(-1.0);
    assert!(matches!(
        Backend::Cpu.swav_assign(m(&[0.0; 4], 2, 2), &bad),
        Err(Error::Input(CoreError::InvalidParameter { .. }))
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
