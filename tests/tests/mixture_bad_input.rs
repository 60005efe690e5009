//! Bad input to the mixture and k-means entries: a typed error or a documented regularised
//! result, never a panic, and caller buffers untouched on `Err`.

use clasp_core::kmeans::{KMeansParams, kmeans, kmeans_assign, kmeans_from, kmeans_plus_plus};
use clasp_core::mixture::{
    CovarianceType, EmHook, FixedLabels, GaussianMixture, GmmInitValues, GmmParams, PlainEm, e_step, em, fit, fit_with,
    m_step, weighted_log_prob,
};
use clasp_core::{Error, MatRef};

const TYPES: [CovarianceType; 4] =
    [CovarianceType::Full, CovarianceType::Diag, CovarianceType::Spherical, CovarianceType::Tied];

fn data() -> Vec<f64> {
    (0..40).map(|i| ((i * 37) % 11) as f64 * 0.3 + (i / 20) as f64 * 5.0).collect()
}

#[test]
fn empty_data_cannot_even_be_viewed() {
    assert_eq!(MatRef::<f64>::new(&[], 0, 2, "x").unwrap_err(), Error::Empty { what: "x" });
}

#[test]
fn non_finite_data_is_rejected() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut x = data();
        x[7] = bad;
        let xm = MatRef::new(&x, 20, 2, "x").unwrap();
        for t in TYPES {
            let p = GmmParams::default().k(2).covariance_type(t);
            assert_eq!(fit(xm, &p).unwrap_err(), Error::NonFinite { what: "x", index: 7 });
        }
        assert!(matches!(kmeans(xm, &KMeansParams::default().k(2)), Err(Error::NonFinite { .. })));
        assert!(matches!(kmeans_plus_plus(xm, 2, 0), Err(Error::NonFinite { .. })));
    }
}

#[test]
fn bad_cluster_counts_and_parameters() {
    let x = data();
    let xm = MatRef::new(&x, 20, 2, "x").unwrap();
    assert_eq!(fit(xm, &GmmParams::default().k(0)).unwrap_err(), Error::InvalidClusterCount { k: 0, n: 20 });
    assert_eq!(fit(xm, &GmmParams::default().k(21)).unwrap_err(), Error::InvalidClusterCount { k: 21, n: 20 });
    for p in [
        GmmParams::default().k(2).reg_covar(-1.0),
        GmmParams::default().k(2).tol(f64::NAN),
        GmmParams::default().k(2).max_iter(0),
        GmmParams::default().k(2).n_init(0),
    ] {
        assert!(matches!(fit(xm, &p), Err(Error::InvalidParameter { .. })), "{p:?}");
    }
    assert!(kmeans(xm, &KMeansParams::default().k(21)).is_err());
    assert!(kmeans(xm, &KMeansParams::default().k(0)).is_err());
}

#[test]
fn bad_user_initial_values() {
    let x = data();
    let xm = MatRef::new(&x, 20, 2, "x").unwrap();
    let p = GmmParams::default().k(2);
    let short = [0.5];
    let init = GmmInitValues { weights: Some(&short[..]), ..Default::default() };
    assert!(matches!(fit_with(xm, &p, &init), Err(Error::ShapeMismatch { .. })));
    let unnormalised = [0.5, 0.6];
    let init = GmmInitValues { weights: Some(&unnormalised[..]), ..Default::default() };
    assert!(matches!(fit_with(xm, &p, &init), Err(Error::MassMismatch { .. })));
    let not_pd = [1.0, 2.0, 2.0, 1.0, 1.0, 0.0, 0.0, 1.0];
    let init = GmmInitValues { covariances: Some(&not_pd[..]), ..Default::default() };
    assert_eq!(fit_with(xm, &p, &init).unwrap_err(), Error::NotPositiveDefinite { what: "covariances", component: 0 });
    let nan_means = [0.0, f64::NAN, 1.0, 1.0];
    let init = GmmInitValues { means: Some(&nan_means[..]), ..Default::default() };
    assert!(matches!(fit_with(xm, &p, &init), Err(Error::NonFinite { .. })));
}

#[test]
fn zero_variance_columns_are_regularised_or_rejected() {
    // Second column constant.
    let x: Vec<f64> = (0..30).flat_map(|i| [(i % 10) as f64 + if i < 15 { 0.0 } else { 20.0 }, 3.0]).collect();
    let xm = MatRef::new(&x, 30, 2, "x").unwrap();
    for t in TYPES {
        let ok = fit(xm, &GmmParams::default().k(2).covariance_type(t)).unwrap();
        // reg_covar keeps the constant direction at variance ≈ 1e-6.
        assert!(ok.model.covariances().iter().all(|v| v.is_finite()));
        // Without regularisation: either the typed error, or (as in scikit-learn, because
        // nₖ carries 10·ε) a tiny positive variance along the constant column.
        let p = GmmParams::default().k(2).covariance_type(t).reg_covar(0.0);
        match fit(xm, &p) {
            Err(Error::NotPositiveDefinite { .. }) => {}
            Ok(f) if t == CovarianceType::Diag => {
                assert!(f.model.covariances().chunks(2).all(|c| c[1] >= 0.0 && c[1] < 1e-12), "{t:?}")
            }
            Ok(f) => assert!(f.model.covariances().iter().all(|v| v.is_finite()), "{t:?}"),
            Err(e) => panic!("{t:?}: unexpected {e}"),
        }
    }
}

#[test]
fn duplicated_points_with_regularisation_fit() {
    let x = vec![1.5f64; 40];
    let xm = MatRef::new(&x, 20, 2, "x").unwrap();
    for t in TYPES {
        let f = fit(xm, &GmmParams::default().k(3).covariance_type(t)).unwrap();
        let labels = f.model.predict(xm).unwrap();
        assert_eq!(labels.len(), 20);
        assert!(f.model.weights().iter().all(|w| w.is_finite()));
        assert!(f.info.lower_bound.is_finite());
    }
    let km = kmeans(xm, &KMeansParams::default().k(3)).unwrap();
    assert_eq!(km.info.inertia, 0.0);
}

#[test]
fn outputs_untouched_on_error() {
    let x = data();
    let xm = MatRef::new(&x, 20, 2, "x").unwrap();
    let g = GaussianMixture::from_covariances(
        CovarianceType::Spherical,
        &[0.5, 0.5],
        &[0.0, 0.0, 5.0, 5.0],
        &[1.0, 1.0],
        2,
    )
    .unwrap();
    let mut resp = vec![7.0; 39];
    let mut lpn = vec![7.0; 20];
    assert!(matches!(e_step(&g, xm, &mut resp, &mut lpn), Err(Error::ShapeMismatch { .. })));
    assert!(resp.iter().chain(&lpn).all(|&v| v == 7.0));
    let x3 = vec![0.0; 30];
    let x3m = MatRef::new(&x3, 10, 3, "x").unwrap();
    let mut w = vec![7.0; 20];
    assert!(weighted_log_prob(&g, x3m, &mut w).is_err());
    assert!(w.iter().all(|&v| v == 7.0));
    let mut labels = vec![9usize; 20];
    let mut dist = vec![7.0; 20];
    let c = [0.0, f64::NAN];
    assert!(kmeans_assign(xm, MatRef::new(&c, 1, 2, "c").unwrap(), &mut labels, &mut dist).is_err());
    assert!(labels.iter().all(|&l| l == 9) && dist.iter().all(|&v| v == 7.0));
    assert!(g.predict(x3m).is_err() && g.score(x3m).is_err() && g.sample(0, 1).is_err());
    assert!(kmeans_from(xm, MatRef::new(&[0.0; 3], 1, 3, "c").unwrap(), &KMeansParams::default()).is_err());
}

#[test]
fn m_step_and_hooks_reject_bad_input() {
    let x = data();
    let xm = MatRef::new(&x, 20, 2, "x").unwrap();
    assert!(matches!(m_step(xm, &[0.5; 39], 2, CovarianceType::Full, 1e-6), Err(Error::ShapeMismatch { .. })));
    let mut neg = vec![0.5; 40];
    neg[3] = -0.1;
    assert!(matches!(m_step(xm, &neg, 2, CovarianceType::Full, 1e-6), Err(Error::Negative { .. })));
    assert!(m_step(xm, &[0.5; 40], 0, CovarianceType::Full, 1e-6).is_err());
    // A component with no mass and no regularisation has a singular covariance.
    let one_sided: Vec<f64> = (0..20).flat_map(|_| [1.0, 0.0]).collect();
    assert_eq!(
        m_step(xm, &one_sided, 2, CovarianceType::Full, 0.0).unwrap_err(),
        Error::NotPositiveDefinite { what: "covariances", component: 1 }
    );
    assert!(matches!(FixedLabels::new(&[Some(2)], 2), Err(Error::IndexOutOfRange { .. })));
    // A hook whose label slice does not match the data is reported, not a panic.
    let labels = [Some(0usize); 3];
    let mut hook = FixedLabels::new(&labels, 2).unwrap();
    let start = m_step(xm, &[0.5; 40], 2, CovarianceType::Diag, 1e-6).unwrap();
    assert!(matches!(em(xm, start.clone(), &GmmParams::default(), &mut hook), Err(Error::ShapeMismatch { .. })));
    let mut plain = PlainEm;
    let _: &mut dyn EmHook<f64> = &mut plain;
    assert!(em(MatRef::new(&[0.0; 30], 10, 3, "x").unwrap(), start, &GmmParams::default(), &mut plain).is_err());
}
