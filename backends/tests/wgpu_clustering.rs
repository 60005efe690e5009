//! k-means, GMM E-step, bound update and Burer–Monteiro gradient kernels on WGPU (lavapipe
//! without a GPU) against f64 CPU oracles and the scikit-learn fixtures. Without an adapter each
//! test prints a loud message to stderr and returns; with `CLASP_REQUIRE_GPU=1` it fails.
#![cfg(feature = "wgpu")]

mod common;

use clasp_backends::CovarianceKind;
use clasp_core::Error;
use common::*;

fn rel(a: &[f32], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-30);
    max_abs_diff(a, b) / scale
}

#[test]
fn kmeans_steps_reproduce_sklearn_fixtures() {
    let Some(gpu) = wgpu_or_report("kmeans_steps_reproduce_sklearn_fixtures") else { return };
    for case in ["kmeans/sklearn_iris", "kmeans/sklearn_digits_pca10"] {
        let (shape, x) = fixture(case, "x");
        let (_, init) = fixture(case, "init");
        let (_, centers) = fixture(case, "centers");
        let (n, d) = (shape[0], shape[1]);
        let k = init.len() / d;
        let n_iter = fixture_num(case, "n_iter") as usize;
        let mut c = to_f32(&init);
        let x32 = to_f32(&x);
        let mut labels = Vec::new();
        let mut inertia = 0.0;
        for _ in 0..n_iter {
            let (l, next, i) = gpu.kmeans_step_host(&x32, &c, n, k, d).unwrap();
            labels = l;
            c = next;
            inertia = i;
        }
        let r = rel(&c, &centers);
        assert!(r < 1e-4, "{case}: centres rel err {r}");
        // Labels from the last pass were computed against the previous centres, which equal the
        // final ones at strict convergence.
        let (_, expected) = fixture_i64(case, "labels");
        assert!(labels.iter().zip(&expected).all(|(&a, &b)| a as i64 == b), "{case}: labels differ");
        let inertia_ref = fixture_num(case, "inertia");
        assert!((inertia - inertia_ref).abs() < 1e-4 * inertia_ref, "{case}: inertia {inertia} vs {inertia_ref}");
    }
}

fn fixture_i64(case: &str, array: &str) -> (Vec<usize>, Vec<i64>) {
    let path: std::path::PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "..", "tests", "fixtures", case, &format!("{array}.npy")].iter().collect();
    let bytes = std::fs::read(&path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().iter().map(|&d| d as usize).collect();
    (shape, npy.into_vec::<i64>().unwrap())
}

#[test]
fn kmeans_keeps_an_empty_cluster_and_rejects_bad_input() {
    let Some(gpu) = wgpu_or_report("kmeans_keeps_an_empty_cluster") else { return };
    let x = [0.0, 0.0, 0.1, 0.0, 0.0, 0.1];
    let centres = [0.0, 0.0, 100.0, 100.0];
    let (labels, c, _) = gpu.kmeans_step_host(&x, &centres, 3, 2, 2).unwrap();
    assert_eq!(labels, vec![0, 0, 0]);
    assert_eq!(&c[2..], &[100.0, 100.0]);
    assert!((c[0] - 0.1 / 3.0).abs() < 1e-6 && (c[1] - 0.1 / 3.0).abs() < 1e-6);
    assert!(matches!(gpu.kmeans_step_host(&x, &centres[..3], 3, 2, 2), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(gpu.kmeans_step_host(&x, &[0.0; 8], 3, 4, 2), Err(Error::InvalidClusterCount { .. })));
    assert!(matches!(gpu.kmeans_step_host(&[f32::NAN; 6], &centres, 3, 2, 2), Err(Error::NonFinite { .. })));
}

/// Upper-triangular U with U Uᵀ = Σ⁻¹ (scikit-learn's precisions_cholesky_), in f64.
fn prec_chol_full(cov: &[f64], d: usize) -> Vec<f64> {
    // Cholesky Σ = L Lᵀ, then U = (L⁻¹)ᵀ.
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = cov[i * d + j] - (0..j).map(|t| l[i * d + t] * l[j * d + t]).sum::<f64>();
            l[i * d + j] = if i == j { s.sqrt() } else { s / l[j * d + j] };
        }
    }
    let mut inv = vec![0.0; d * d]; // L⁻¹ (lower)
    for col in 0..d {
        for i in col..d {
            let rhs = if i == col { 1.0 } else { 0.0 };
            let s: f64 = rhs - (col..i).map(|t| l[i * d + t] * inv[t * d + col]).sum::<f64>();
            inv[i * d + col] = s / l[i * d + i];
        }
    }
    let mut u = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            u[i * d + j] = inv[j * d + i];
        }
    }
    u
}

#[test]
fn gmm_estep_matches_sklearn_fixtures_for_full_diag_spherical() {
    let Some(gpu) = wgpu_or_report("gmm_estep_matches_sklearn_fixtures") else { return };
    for (case, kind) in [
        ("gmm/sklearn_iris_full", CovarianceKind::Full),
        ("gmm/sklearn_digits_pca10_full", CovarianceKind::Full),
        ("gmm/sklearn_wine_std_diag", CovarianceKind::Diag),
        ("gmm/sklearn_digits_pca10_spherical", CovarianceKind::Spherical),
    ] {
        let (shape, x) = fixture(case, "x");
        let (_, w) = fixture(case, "weights");
        let (_, means) = fixture(case, "means");
        let (_, cov) = fixture(case, "covariances");
        let (_, resp_ref) = fixture(case, "resp");
        let (n, d, k) = (shape[0], shape[1], w.len());
        let prec: Vec<f64> = match kind {
            CovarianceKind::Full => cov.chunks_exact(d * d).flat_map(|c| prec_chol_full(c, d)).collect(),
            _ => cov.iter().map(|v| 1.0 / v.sqrt()).collect(),
        };
        let (resp, log_rho, stats) =
            gpu.gmm_estep_host(&to_f32(&x), &to_f32(&w), &to_f32(&means), &to_f32(&prec), n, k, d, kind).unwrap();
        let err = max_abs_diff(&resp, &resp_ref);
        assert!(err < 2e-3, "{case}: resp max abs err {err}");
        let mean_ll = log_rho.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let ll_ref = fixture_num(case, "mean_log_likelihood");
        assert!((mean_ll - ll_ref).abs() < 1e-4 * ll_ref.abs().max(1.0), "{case}: mean ll {mean_ll} vs {ll_ref}");
        // M-step sums from the device's own responsibilities, against an f64 oracle.
        let mut nk = vec![0.0; k];
        let mut sx = vec![0.0; k * d];
        for i in 0..n {
            for c in 0..k {
                let r = resp[i * k + c] as f64;
                nk[c] += r;
                for f in 0..d {
                    sx[c * d + f] += r * x[i * d + f];
                }
            }
        }
        assert!(rel(&stats[..k], &nk) < 1e-4, "{case}: N_k");
        assert!(rel(&stats[k..k + k * d], &sx) < 1e-4, "{case}: Σ r x");
        let expected_len = k + k * d + if kind == CovarianceKind::Full { 0 } else { k * d };
        assert_eq!(stats.len(), expected_len);
    }
}

#[test]
fn gmm_estep_rejects_a_singular_precision() {
    let Some(gpu) = wgpu_or_report("gmm_estep_rejects_a_singular_precision") else { return };
    let r = gpu.gmm_estep_host(&[0.0; 4], &[0.5, 0.5], &[0.0; 4], &[1.0, 0.0, 1.0, 1.0], 2, 2, 2, CovarianceKind::Diag);
    assert!(matches!(r, Err(Error::NotPositiveDefinite { component: 0, .. })));
    let r = gpu.gmm_estep_host(&[0.0; 4], &[0.5, -0.5], &[0.0; 4], &[1.0; 2], 2, 2, 2, CovarianceKind::Spherical);
    assert!(matches!(r, Err(Error::Negative { .. })));
}

#[test]
fn bound_update_matches_oracle_on_a_random_knn_graph() {
    let Some(gpu) = wgpu_or_report("bound_update_matches_oracle") else { return };
    let (n, k, knn, lambda) = (300, 7, 5, 0.8);
    let a = uniform(21, n * k, 0.0, 3.0);
    let nbr = uniform(22, n * knn, 0.0, n as f64);
    let wts = uniform(23, n * knn, 0.1, 1.0);
    let mut row_ptr = vec![0u32];
    let mut col_idx = Vec::new();
    let mut weights = Vec::new();
    for p in 0..n {
        for t in 0..knn {
            col_idx.push(nbr[p * knn + t] as u32);
            weights.push(wts[p * knn + t]);
        }
        row_ptr.push(col_idx.len() as u32);
    }
    // Y⁰ = softmax(−a).
    let softmax = |z: &[f64]| {
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.into_iter().map(|v| v / s).collect::<Vec<_>>()
    };
    let y: Vec<f64> = a.chunks_exact(k).flat_map(|r| softmax(&r.iter().map(|v| -v).collect::<Vec<_>>())).collect();
    let mut next = Vec::new();
    let mut energy = 0.0;
    for p in 0..n {
        let mut wy = vec![0.0; k];
        for nz in row_ptr[p] as usize..row_ptr[p + 1] as usize {
            for c in 0..k {
                wy[c] += weights[nz] * y[col_idx[nz] as usize * k + c];
            }
        }
        for c in 0..k {
            let yc = y[p * k + c];
            energy += yc * yc.max(1e-20).ln() + a[p * k + c] * yc - lambda * wy[c] * yc;
        }
        next.extend(softmax(&(0..k).map(|c| lambda * wy[c] - a[p * k + c]).collect::<Vec<_>>()));
    }
    let (got, e) =
        gpu.bound_update_host(&row_ptr, &col_idx, &to_f32(&weights), &to_f32(&a), &to_f32(&y), n, k, lambda).unwrap();
    assert!(max_abs_diff(&got, &next) < 1e-5, "Y err {}", max_abs_diff(&got, &next));
    assert!((e - energy).abs() < 1e-4 * energy.abs().max(1.0), "energy {e} vs {energy}");
    let bad = gpu.bound_update_host(&[0, 1], &[5], &[1.0], &[0.0; 2], &[0.5; 2], 1, 2, 1.0);
    assert!(matches!(bad, Err(Error::InvalidClusterCount { .. }) | Err(Error::IndexOutOfRange { .. })));
    let bad = gpu.bound_update_host(&[0, 1, 1], &[7], &[1.0], &[0.0; 4], &[0.5; 4], 2, 2, 1.0);
    assert!(matches!(bad, Err(Error::IndexOutOfRange { what: "col_idx", .. })));
}

#[test]
fn bm_gradient_matches_oracle() {
    let Some(gpu) = wgpu_or_report("bm_gradient_matches_oracle") else { return };
    let (n, p, r, beta) = (173, 10, 6, 10.0);
    let x = normal(31, n * p);
    let u = uniform(32, n * r, 0.0, 0.2);
    let y = normal(33, n);
    let s: Vec<f64> = (0..r).map(|j| (0..n).map(|i| u[i * r + j]).sum()).collect();
    let yh: Vec<f64> = (0..n).map(|i| y[i] + beta * ((0..r).map(|j| u[i * r + j] * s[j]).sum::<f64>() - 1.0)).collect();
    let t: Vec<f64> = (0..r).map(|j| (0..n).map(|i| yh[i] * u[i * r + j]).sum()).collect();
    let xtu: Vec<f64> = (0..p * r).map(|e| (0..n).map(|i| x[i * p + e / r] * u[i * r + e % r]).sum()).collect();
    let g: Vec<f64> = (0..n * r)
        .map(|e| {
            let (i, j) = (e / r, e % r);
            -2.0 * (0..p).map(|f| x[i * p + f] * xtu[f * r + j]).sum::<f64>() + yh[i] * s[j] + t[j]
        })
        .collect();
    let (got, got_yh) = gpu.bm_gradient_host(&to_f32(&x), &to_f32(&u), &to_f32(&y), n, p, r, beta).unwrap();
    assert!(rel(&got_yh, &yh) < 1e-5, "ŷ rel err {}", rel(&got_yh, &yh));
    assert!(rel(&got, &g) < 1e-4, "G rel err {}", rel(&got, &g));
    assert!(matches!(gpu.bm_gradient_host(&[0.0; 4], &[0.0; 2], &[0.0; 2], 2, 2, 0, 1.0), Err(Error::Empty { .. })));
}
