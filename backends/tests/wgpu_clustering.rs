//! k-means, GMM E-step, bound update and Burer–Monteiro gradient kernels on WGPU (lavapipe
//! without a GPU) against clasp-core's own functions in f64, on the scikit-learn fixtures and
//! random inputs. Without an adapter each test prints a loud message to stderr and returns; with
//! `CLASP_REQUIRE_GPU=1` it fails.
#![cfg(feature = "wgpu")]

mod common;

use clasp_backends::{CovarianceType, Error, GaussianMixture};
use clasp_core::Error as CoreError;
use clasp_core::bound::{CsrRef, bound_energy, bound_step, bound_update_scratch};
use clasp_core::kmeans::{KMeansParams, kmeans_assign, kmeans_from};
use clasp_core::mixture::{e_step, m_step};
use clasp_core::{MatMut, MatRef};
use common::*;

#[test]
fn kmeans_steps_match_the_core_on_the_sklearn_fixtures() {
    let Some(gpu) = wgpu_or_report("kmeans_steps_match_the_core") else { return };
    for case in ["kmeans/sklearn_iris", "kmeans/sklearn_digits_pca10"] {
        let (shape, x) = fixture(case, "x");
        let (_, init) = fixture(case, "init");
        let (n, d) = (shape[0], shape[1]);
        let k = init.len() / d;
        let n_iter = fixture_num(case, "n_iter") as usize;
        // The core in f32 too: the same rounding, so equidistant points (iris has duplicates)
        // break their ties the same way.
        let (x32, mut c) = (to_f32(&x), to_f32(&init));
        let xm = MatRef::new(&x32, n, d, "x").unwrap();
        for step in 0..n_iter {
            let cm = MatRef::new(&c, k, d, "c").unwrap();
            let (labels, next, inertia) = gpu.kmeans_step_host(xm, cm).unwrap();
            // The assignment against the centres the step started from, by the core.
            let (mut want, mut dist) = (vec![0usize; n], vec![0.0f32; n]);
            let want_inertia = kmeans_assign(xm, cm, &mut want, &mut dist).unwrap() as f64;
            let differ = (0..n).filter(|&i| labels[i] as usize != want[i]).count();
            assert_eq!(differ, 0, "{case} step {step}: labels");
            assert!(
                (inertia - want_inertia).abs() < 1e-4 * want_inertia,
                "{case}: inertia {inertia} vs {want_inertia}"
            );
            let fit = kmeans_from(xm, cm, &KMeansParams::default().max_iter(1).tol(0.0)).unwrap();
            let err = next.iter().zip(&fit.centers).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(err < 1e-5, "{case} step {step}: centres differ by {err}");
            c = next;
        }
        let (_, sklearn) = fixture(case, "centers");
        assert!(rel_diff(&c, &sklearn) < 1e-4, "{case}: final centres against scikit-learn");
    }
}

#[test]
fn kmeans_keeps_an_empty_cluster_and_rejects_bad_input() {
    let Some(gpu) = wgpu_or_report("kmeans_keeps_an_empty_cluster") else { return };
    let x = [0.0, 0.0, 0.1, 0.0, 0.0, 0.1];
    let xm = MatRef::new(&x, 3, 2, "x").unwrap();
    let centres = [0.0, 0.0, 100.0, 100.0];
    let (labels, c, _) = gpu.kmeans_step_host(xm, MatRef::new(&centres, 2, 2, "c").unwrap()).unwrap();
    assert_eq!(labels, vec![0, 0, 0]);
    assert_eq!(&c[2..], &[100.0, 100.0]);
    assert!((c[0] - 0.1 / 3.0).abs() < 1e-6 && (c[1] - 0.1 / 3.0).abs() < 1e-6);
    assert!(matches!(
        gpu.kmeans_step_host(xm, MatRef::new(&centres[..3], 1, 3, "c").unwrap()),
        Err(Error::Input(CoreError::ShapeMismatch { what: "centres", .. }))
    ));
    assert!(matches!(
        gpu.kmeans_step_host(xm, MatRef::new(&[0.0; 8], 4, 2, "c").unwrap()),
        Err(Error::Input(CoreError::InvalidClusterCount { .. }))
    ));
    assert!(matches!(
        gpu.kmeans_step_host(
            MatRef::new(&[f32::NAN; 6], 3, 2, "x").unwrap(),
            MatRef::new(&centres, 2, 2, "c").unwrap()
        ),
        Err(Error::Input(CoreError::NonFinite { .. }))
    ));
}

/// A fixture's model, and the same model with one tied covariance (the first component's).
fn fixture_model(case: &str, kind: CovarianceType) -> (usize, usize, Vec<f64>, GaussianMixture<f64>) {
    let (shape, x) = fixture(case, "x");
    let (_, w) = fixture(case, "weights");
    let (_, means) = fixture(case, "means");
    let (_, cov) = fixture(case, "covariances");
    let (n, d) = (shape[0], shape[1]);
    let cov = if kind == CovarianceType::Tied { cov[..d * d].to_vec() } else { cov };
    (n, d, x, GaussianMixture::from_covariances(kind, &w, &means, &cov, d).unwrap())
}

#[test]
fn gmm_estep_matches_the_core_for_every_covariance_type() {
    let Some(gpu) = wgpu_or_report("gmm_estep_matches_the_core") else { return };
    for (case, kind) in [
        ("gmm/sklearn_iris_full", CovarianceType::Full),
        ("gmm/sklearn_digits_pca10_full", CovarianceType::Full),
        ("gmm/sklearn_iris_full", CovarianceType::Tied),
        ("gmm/sklearn_wine_std_diag", CovarianceType::Diag),
        ("gmm/sklearn_digits_pca10_spherical", CovarianceType::Spherical),
    ] {
        let (n, d, x, model) = fixture_model(case, kind);
        let k = model.n_components();
        let xm = MatRef::new(&x, n, d, "x").unwrap();
        let (mut resp_ref, mut lpn_ref) = (vec![0.0; n * k], vec![0.0; n]);
        e_step(&model, xm, &mut resp_ref, &mut lpn_ref).unwrap();
        let x32 = to_f32(&x);
        let (resp, log_rho, stats) = gpu.gmm_estep_host(&model, MatRef::new(&x32, n, d, "x").unwrap()).unwrap();
        let err = max_abs_diff(&resp, &resp_ref);
        assert!(err < 2e-3, "{case} {kind:?}: resp max abs err {err}");
        let ll_err =
            log_rho.iter().zip(&lpn_ref).map(|(&a, &b)| (a as f64 - b).abs() / b.abs().max(1.0)).fold(0.0, f64::max);
        assert!(ll_err < 1e-4, "{case} {kind:?}: log p(x) rel err {ll_err}");
        // The M-step sums give the core's M-step weights and means (from the same responsibilities).
        let resp64: Vec<f64> = resp.iter().map(|&r| r as f64).collect();
        let next = m_step(xm, &resp64, k, kind, 1.0).unwrap();
        let w: Vec<f32> = stats[..k].iter().map(|&nk| nk / n as f32).collect();
        assert!(rel_diff(&w, next.weights()) < 1e-4, "{case} {kind:?}: weights");
        let means: Vec<f32> = (0..k * d).map(|e| stats[k + e] / stats[e / d]).collect();
        assert!(rel_diff(&means, next.means()) < 1e-4, "{case} {kind:?}: means");
        let squares = matches!(kind, CovarianceType::Diag | CovarianceType::Spherical);
        assert_eq!(stats.len(), k + k * d + if squares { k * d } else { 0 });
    }
}

#[test]
fn gmm_estep_rejects_data_of_another_dimension() {
    let Some(gpu) = wgpu_or_report("gmm_estep_rejects_data_of_another_dimension") else { return };
    let model = GaussianMixture::from_covariances(CovarianceType::Diag, &[0.5, 0.5], &[0.0; 4], &[1.0; 4], 2).unwrap();
    let r = gpu.gmm_estep_host(&model, MatRef::new(&[0.0f32; 6], 2, 3, "x").unwrap());
    assert!(matches!(r, Err(Error::Input(CoreError::ShapeMismatch { what: "x", .. }))));
    let r = gpu.gmm_estep_host(&model, MatRef::new(&[f32::NAN; 4], 2, 2, "x").unwrap());
    assert!(matches!(r, Err(Error::Input(CoreError::NonFinite { .. }))));
}

#[test]
fn bound_step_matches_the_core_on_a_random_knn_graph() {
    let Some(gpu) = wgpu_or_report("bound_step_matches_the_core") else { return };
    let (n, k, knn, lambda) = (300, 7, 5, 0.8);
    let a = uniform(21, n * k, 0.0, 3.0);
    let nbr = uniform(22, n * knn, 0.0, n as f64);
    let wts = uniform(23, n * knn, 0.1, 1.0);
    let indptr: Vec<usize> = (0..=n).map(|p| p * knn).collect();
    let indices: Vec<usize> = nbr.iter().map(|&q| q as usize).collect();
    let w = CsrRef::new(n, &indptr, &indices, &wts).unwrap();
    let y0 = uniform(24, n * k, 0.0, 1.0);
    let am = MatRef::new(&a, n, k, "a").unwrap();
    let (a32, w32) = (to_f32(&a), to_f32(&wts));
    let w_32 = CsrRef::new(n, &indptr, &indices, &w32).unwrap();
    for fixed_rows in [0, 40] {
        let mut want = y0.clone();
        let mut scratch = vec![0.0; bound_update_scratch(n, k)];
        let e0 = bound_energy(am, &w, MatRef::new(&y0, n, k, "y").unwrap(), lambda, &mut scratch[..n * k]).unwrap();
        let info = bound_step(
            am,
            &w,
            lambda,
            false,
            fixed_rows,
            &mut MatMut::new(&mut want, n, k, "y").unwrap(),
            e0,
            &mut scratch,
        )
        .unwrap();
        let mut got = to_f32(&y0);
        let step = gpu
            .bound_step_host(
                MatRef::new(&a32, n, k, "a").unwrap(),
                &w_32,
                lambda,
                false,
                fixed_rows,
                &mut MatMut::new(&mut got, n, k, "y").unwrap(),
            )
            .unwrap();
        assert!(max_abs_diff(&got, &want) < 1e-5, "Y err {}", max_abs_diff(&got, &want));
        assert!(
            (step.energy - info.energy).abs() < 1e-4 * info.energy.abs().max(1.0),
            "{} vs {}",
            step.energy,
            info.energy
        );
        assert!(step.moved && step.halvings == 0);
    }
    let mut y = to_f32(&y0);
    let mut ym = MatMut::new(&mut y, n, k, "y").unwrap();
    let r = gpu.bound_step_host(MatRef::new(&a32, n, k, "a").unwrap(), &w_32, lambda, true, 0, &mut ym);
    assert!(
        matches!(r, Err(Error::Input(CoreError::InvalidParameter { .. }))),
        "the monotone safeguard is refused, not ignored"
    );
    let r = gpu.bound_step_host(MatRef::new(&a32, n, k, "a").unwrap(), &w_32, lambda, false, n + 1, &mut ym);
    assert!(matches!(r, Err(Error::Input(CoreError::InvalidParameter { name: "fixed_rows", .. }))));
}

#[test]
fn bm_gradient_matches_the_core() {
    let Some(gpu) = wgpu_or_report("bm_gradient_matches_the_core") else { return };
    let (n, p, r, beta) = (173, 10, 6, 10.0);
    let x = normal(31, n * p);
    let u = uniform(32, n * r, 0.0, 0.2);
    let y = normal(33, n);
    let (g, yh) = clasp_core::sdp::bm_gradient(
        MatRef::new(&x, n, p, "x").unwrap(),
        MatRef::new(&u, n, r, "u").unwrap(),
        &y,
        beta,
    )
    .unwrap();
    let (x32, u32_) = (to_f32(&x), to_f32(&u));
    let (got, got_yh) = gpu
        .bm_gradient_host(
            MatRef::new(&x32, n, p, "x").unwrap(),
            MatRef::new(&u32_, n, r, "u").unwrap(),
            &to_f32(&y),
            beta,
        )
        .unwrap();
    assert!(rel_diff(&got_yh, &yh) < 1e-5, "ŷ rel err {}", rel_diff(&got_yh, &yh));
    assert!(rel_diff(&got, &g) < 1e-4, "G rel err {}", rel_diff(&got, &g));
    assert!(matches!(
        gpu.bm_gradient_host(
            MatRef::new(&[0.0; 4], 2, 2, "x").unwrap(),
            MatRef::new(&[0.0; 3], 3, 1, "u").unwrap(),
            &[0.0; 2],
            1.0
        ),
        Err(Error::Input(CoreError::ShapeMismatch { what: "u", .. }))
    ));
}
