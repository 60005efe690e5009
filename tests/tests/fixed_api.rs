//! The fixed-capacity, heap-free front ends (`clasp_core::fixed`) give the same numbers as the
//! slice / alloc versions on the reference fixtures, and refuse bad input without writing.

use clasp_core::bound::{BoundParams, CsrRef, bound_update, bound_update_scratch};
use clasp_core::fixed::{FixedBound, FixedCovariance, FixedGmm, FixedKMeans, FixedSinkhorn, FixedSwav, gmm_blob};
use clasp_core::kmeans::kmeans_assign;
use clasp_core::mixture::{CovarianceType, GaussianMixture, GmmParams, fit};
use clasp_core::sinkhorn::{
    ScoreKind, SinkhornParams, SwavParams, sinkhorn_scaling, sinkhorn_scaling_scratch, swav_assign, swav_codes,
    swav_scratch,
};
use clasp_core::{Error, Local, MatMut, MatRef};
use clasp_tests::fixtures::{Case, load_manifest};
use std::path::PathBuf;

fn case(id: &str) -> Case {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    load_manifest(&dir).expect("manifest").into_iter().find(|c| c.id() == id).expect("fixture case")
}

fn rows<const N: usize, const K: usize>(v: &[f64]) -> [[f64; K]; N] {
    assert_eq!(v.len(), N * K);
    core::array::from_fn(|i| core::array::from_fn(|j| v[i * K + j]))
}

fn max_abs(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn fixed_swav_equals_the_slice_version_and_the_reference() {
    let c = case("swav/codes_32x10_it3");
    let scores: [[f64; 10]; 32] = rows(&c.f64("scores").unwrap().data);
    let params = SwavParams::default().eps(c.num("epsilon").unwrap()).iterations(3);
    let mut fixed = FixedSwav::<f64, 32, 10>::new();
    let mut codes = [[0.0; 10]; 32];
    let info = fixed.codes(&scores, &params, &mut codes).unwrap();

    let s = MatRef::new(scores.as_flattened(), 32, 10, "scores").unwrap();
    let mut slice_codes = vec![0.0; 320];
    let mut scratch = vec![0.0; swav_scratch(32, 10)];
    let slice_info = swav_codes(s, &params, &mut slice_codes, &mut scratch, &mut Local).unwrap();
    assert_eq!(codes.as_flattened(), &slice_codes[..]);
    assert_eq!(info, slice_info);
    assert!(max_abs(codes.as_flattened(), &c.f64("codes").unwrap().data) < 1e-12);

    let mut labels = [0usize; 32];
    fixed.assign(&scores, &params, &mut labels).unwrap();
    let mut slice_labels = vec![0usize; 32];
    swav_assign(s, &params, &mut slice_labels, &mut scratch, &mut Local).unwrap();
    assert_eq!(&labels[..], &slice_labels[..]);
}

#[test]
fn fixed_swav_refuses_bad_input_without_writing() {
    let mut fixed = FixedSwav::<f32, 4, 3>::new();
    let mut scores = [[0.5f32; 3]; 4];
    let mut codes = [[7.0f32; 3]; 4];
    let bad_eps = SwavParams::default().eps(0.0);
    assert!(matches!(fixed.codes(&scores, &bad_eps, &mut codes), Err(Error::InvalidParameter { .. })));
    let partial = SwavParams::default().keep_last(Some(2));
    assert!(matches!(fixed.codes(&scores, &partial, &mut codes), Err(Error::ShapeMismatch { .. })));
    scores[2][1] = f32::NAN;
    assert!(matches!(fixed.codes(&scores, &SwavParams::default(), &mut codes), Err(Error::NonFinite { .. })));
    assert_eq!(codes, [[7.0f32; 3]; 4]);
}

#[test]
fn fixed_sinkhorn_equals_the_slice_version() {
    let c = case("sinkhorn/pot_7x5_reg0.1");
    let x: [[f64; 5]; 7] = rows(&c.f64("cost").unwrap().data);
    let a: [f64; 7] = c.f64("a").unwrap().data.try_into().unwrap();
    let b: [f64; 5] = c.f64("b").unwrap().data.try_into().unwrap();
    let params = SinkhornParams::default().eps(0.1).kind(ScoreKind::Cost).tol(1e-13);
    let (mut f, mut g) = ([0.0; 7], [0.0; 5]);
    let info = FixedSinkhorn::<f64, 7, 5>::new().solve(&x, &a, &b, &params, &mut f, &mut g).unwrap();
    let (mut fs, mut gs) = (vec![0.0; 7], vec![0.0; 5]);
    let mut scratch = vec![0.0; sinkhorn_scaling_scratch(7, 5)];
    let xm = MatRef::new(x.as_flattened(), 7, 5, "x").unwrap();
    let slice_info = sinkhorn_scaling(xm, &a, &b, &params, &mut fs, &mut gs, &mut scratch).unwrap();
    assert_eq!((&f[..], &g[..]), (&fs[..], &gs[..]));
    assert_eq!(info, slice_info);
    // And the plan matches POT's.
    let plan: Vec<f64> = (0..35).map(|p| ((f[p / 5] + g[p % 5] - x[p / 5][p % 5]) / 0.1).exp()).collect();
    assert!(max_abs(&plan, &c.f64("plan").unwrap().data) < 1e-10);

    let mut bad_a = a;
    bad_a[0] = -bad_a[0];
    let (mut f2, mut g2) = ([3.0; 7], [3.0; 5]);
    let err = FixedSinkhorn::<f64, 7, 5>::new().solve(&x, &bad_a, &b, &params, &mut f2, &mut g2);
    assert!(matches!(err, Err(Error::Negative { .. })), "{err:?}");
    assert_eq!((f2, g2), ([3.0; 7], [3.0; 5]));
}

#[test]
fn fixed_kmeans_equals_the_slice_version() {
    let x: [[f32; 3]; 20] = core::array::from_fn(|i| core::array::from_fn(|j| ((i * 7 + j * 3) % 11) as f32 * 0.37));
    let centers: [[f32; 3]; 4] = core::array::from_fn(|k| core::array::from_fn(|j| (k * 2 + j) as f32 * 0.5));
    let km = FixedKMeans::new(centers).unwrap();
    let (mut labels, mut dist) = ([0usize; 20], [0.0f32; 20]);
    let inertia = km.assign(&x, &mut labels, &mut dist).unwrap();
    let (mut sl, mut sd) = (vec![0usize; 20], vec![0.0f32; 20]);
    let xm = MatRef::new(x.as_flattened(), 20, 3, "x").unwrap();
    let cm = MatRef::new(centers.as_flattened(), 4, 3, "c").unwrap();
    let slice_inertia = kmeans_assign(xm, cm, &mut sl, &mut sd).unwrap();
    assert_eq!((&labels[..], &dist[..], inertia), (&sl[..], &sd[..], slice_inertia));

    let mut bad = centers;
    bad[1][2] = f32::INFINITY;
    assert!(matches!(FixedKMeans::new(bad), Err(Error::NonFinite { what: "centers", index: 5 })));
    let mut bad_x = x;
    bad_x[3][0] = f32::NAN;
    let mut labels2 = [9usize; 20];
    assert!(matches!(km.assign(&bad_x, &mut labels2, &mut dist), Err(Error::NonFinite { .. })));
    assert_eq!(labels2, [9usize; 20]);
}

const WN: usize = 178;
const WD: usize = 13;

fn wine() -> (Case, [[f64; WD]; WN]) {
    let c = case("gmm/sklearn_wine_std_diag");
    let x = rows(&c.f64("x").unwrap().data);
    (c, x)
}

#[test]
fn fixed_gmm_equals_gaussian_mixture_on_the_same_parameters() {
    let (c, x) = wine();
    let (w, m, v) = (c.f64("weights").unwrap().data, c.f64("means").unwrap().data, c.f64("covariances").unwrap().data);
    let gm = GaussianMixture::from_covariances(CovarianceType::Diag, &w, &m, &v, WD).unwrap();
    let fixed =
        FixedGmm::<f64, 3, WD>::new(FixedCovariance::Diag, w.clone().try_into().unwrap(), rows(&m), rows(&v)).unwrap();
    let mut resp = [[0.0; 3]; WN];
    fixed.predict_proba(&x, &mut resp).unwrap();
    let xm = MatRef::new(x.as_flattened(), WN, WD, "x").unwrap();
    let expected = gm.predict_proba(xm).unwrap();
    let err = max_abs(resp.as_flattened(), &expected);
    assert!(err < 1e-12, "max |Δ| = {err:e}");
    // scikit-learn's responsibilities of the fixture.
    assert!(max_abs(resp.as_flattened(), &c.f64("resp").unwrap().data) < 1e-8);
    let mut labels = [0usize; WN];
    fixed.predict(&x, &mut labels).unwrap();
    assert_eq!(&labels[..], &gm.predict(xm).unwrap()[..]);
    let mut lpn = [0.0; WN];
    let mean = fixed.e_step(&x, &mut resp, &mut lpn).unwrap();
    assert!((mean - gm.score(xm).unwrap()).abs() < 1e-12);
}

#[test]
fn a_model_fitted_on_the_host_ships_as_bytes() {
    let (_, x) = wine();
    let xm = MatRef::new(x.as_flattened(), WN, WD, "x").unwrap();
    for (cov, fixed_cov) in
        [(CovarianceType::Diag, FixedCovariance::Diag), (CovarianceType::Spherical, FixedCovariance::Spherical)]
    {
        let params = GmmParams::default().k(3).covariance_type(cov).seed(7);
        let model = fit(xm, &params).unwrap().model;
        let blob = gmm_blob::to_bytes(&model).unwrap();
        assert_eq!(blob.len(), gmm_blob::blob_len(fixed_cov, 3, WD));
        let fixed = FixedGmm::<f64, 3, WD>::from_bytes(&blob).unwrap();
        assert_eq!(fixed.covariance(), fixed_cov);
        // Exactly the host model with its parameters rounded to f32 (the blob's precision) …
        let round = |v: &[f64]| v.iter().map(|&t| t as f32 as f64).collect::<Vec<_>>();
        let rounded = GaussianMixture::from_covariances(
            cov,
            &round(model.weights()),
            &round(model.means()),
            &round(model.covariances()),
            WD,
        );
        let mut resp = [[0.0; 3]; WN];
        fixed.predict_proba(&x, &mut resp).unwrap();
        // (weights rounded to f32 may miss a unit sum by more than GaussianMixture's 1e-6)
        if let Ok(rounded) = rounded {
            assert!(max_abs(resp.as_flattened(), &rounded.predict_proba(xm).unwrap()) < 1e-12);
        }
        // … and close to the unrounded model.
        let err = max_abs(resp.as_flattened(), &model.predict_proba(xm).unwrap());
        assert!(err < 1e-4, "{cov:?}: max |Δ| = {err:e}");
    }
}

#[test]
fn bad_blobs_are_refused_with_typed_errors() {
    let (_, x) = wine();
    let xm = MatRef::new(x.as_flattened(), WN, WD, "x").unwrap();
    let model = fit(xm, &GmmParams::default().k(3).covariance_type(CovarianceType::Diag)).unwrap().model;
    let blob = gmm_blob::to_bytes(&model).unwrap();
    type G = FixedGmm<f32, 3, WD>;
    assert!(G::from_bytes(&blob).is_ok());

    let mut bad = blob.clone();
    bad[0] = b'X';
    assert!(matches!(G::from_bytes(&bad), Err(Error::InvalidParameter { name: "magic", .. })));
    let mut bad = blob.clone();
    bad[4] = 2;
    assert!(matches!(G::from_bytes(&bad), Err(Error::InvalidParameter { name: "version", .. })));
    let mut bad = blob.clone();
    bad[5] = 9;
    assert!(matches!(G::from_bytes(&bad), Err(Error::InvalidParameter { name: "covariance_type", .. })));
    assert!(matches!(G::from_bytes(&blob[..blob.len() - 1]), Err(Error::ShapeMismatch { what: "blob", .. })));
    assert!(matches!(G::from_bytes(&blob[..5]), Err(Error::ShapeMismatch { what: "blob", .. })));
    assert!(matches!(FixedGmm::<f32, 4, WD>::from_bytes(&blob), Err(Error::ShapeMismatch { what: "k", .. })));
    assert!(matches!(FixedGmm::<f32, 3, 12>::from_bytes(&blob), Err(Error::ShapeMismatch { what: "d", .. })));
    let means_at = gmm_blob::HEADER_LEN + 4 * 3;
    let mut bad = blob.clone();
    bad[means_at + 8..means_at + 12].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(matches!(G::from_bytes(&bad), Err(Error::NonFinite { what: "means", index: 2 })));
    let var_at = means_at + 4 * 3 * WD;
    let mut bad = blob.clone();
    bad[var_at + 4 * WD..var_at + 4 * WD + 4].copy_from_slice(&0.0f32.to_le_bytes());
    assert!(matches!(G::from_bytes(&bad), Err(Error::NotPositiveDefinite { what: "variances", component: 1 })));
    let mut bad = blob.clone();
    bad[var_at..var_at + 4].copy_from_slice(&(-1.0f32).to_le_bytes());
    assert!(matches!(G::from_bytes(&bad), Err(Error::NotPositiveDefinite { component: 0, .. })));
    let mut bad = blob.clone();
    bad[gmm_blob::HEADER_LEN..gmm_blob::HEADER_LEN + 4].copy_from_slice(&0.9f32.to_le_bytes());
    assert!(matches!(G::from_bytes(&bad), Err(Error::MassMismatch { what: "weights", .. })));

    let full = fit(xm, &GmmParams::default().k(2)).unwrap().model;
    assert!(matches!(gmm_blob::to_bytes(&full), Err(Error::InvalidParameter { name: "covariance_type", .. })));

    // Non-finite data: the outputs stay untouched.
    let g = G::from_bytes(&blob).unwrap();
    let mut xs: [[f32; WD]; 2] = [[0.0; WD]; 2];
    xs[1][4] = f32::NAN;
    let mut resp = [[5.0f32; 3]; 2];
    assert!(matches!(g.predict_proba(&xs, &mut resp), Err(Error::NonFinite { what: "x", index: 17 })));
    assert_eq!(resp, [[5.0f32; 3]; 2]);
}

#[test]
fn fixed_bound_update_equals_the_slice_version() {
    const N: usize = 8;
    const K: usize = 3;
    const M: usize = 2;
    // A ring: each point's two neighbours, symmetric weights.
    let neighbours: [[usize; M]; N] = core::array::from_fn(|p| [(p + 1) % N, (p + N - 1) % N]);
    let weights: [[f64; M]; N] =
        core::array::from_fn(|p| [0.5 + 0.1 * (p % 2) as f64, 0.5 + 0.1 * ((p + 1) % 2) as f64]);
    let unary: [[f64; K]; N] = core::array::from_fn(|p| core::array::from_fn(|k| ((p * 5 + k * 3) % 7) as f64 * 0.4));
    let params = BoundParams::default().lambda(0.8);
    let y0: [[f64; K]; N] = [[1.0 / 3.0; K]; N];

    let mut fb = FixedBound::<f64, N, K, M>::new(neighbours, weights).unwrap();
    let mut y = y0;
    let info = fb.update(&unary, &params, 2, &mut y).unwrap();

    let indptr: Vec<usize> = (0..=N).map(|p| p * M).collect();
    let w = CsrRef::new(N, &indptr, neighbours.as_flattened(), weights.as_flattened()).unwrap();
    let mut ys = y0;
    let mut ym = MatMut::new(ys.as_flattened_mut(), N, K, "y").unwrap();
    let mut scratch = vec![0.0; bound_update_scratch(N, K)];
    let a = MatRef::new(unary.as_flattened(), N, K, "unary").unwrap();
    let slice_info = bound_update(a, &w, &params, 2, &mut ym, &mut scratch).unwrap();
    assert_eq!(y, ys);
    assert_eq!(info, slice_info);
    assert_eq!(&y[..2], &y0[..2]);

    // One step from y0 lowers the energy as the slice step does.
    let mut y1 = y0;
    let e0 = fb.energy(&unary, &y1, 0.8).unwrap();
    let step = fb.step(&unary, 0.8, true, 0, &mut y1, e0).unwrap();
    assert!(step.energy <= e0);

    // Bad input.
    let mut far = neighbours;
    far[3][1] = N;
    assert!(matches!(FixedBound::<f64, N, K, M>::new(far, weights), Err(Error::IndexOutOfRange { .. })));
    let mut neg = weights;
    neg[0][0] = -1.0;
    assert!(matches!(FixedBound::<f64, N, K, M>::new(neighbours, neg), Err(Error::Negative { .. })));
    let mut bad_unary = unary;
    bad_unary[5][1] = f64::NAN;
    let mut y2 = y0;
    assert!(fb.update(&bad_unary, &params, 0, &mut y2).is_err());
    assert!(matches!(fb.update(&unary, &params, N + 1, &mut y2), Err(Error::InvalidParameter { .. })));
    assert_eq!(y2, y0);
}
