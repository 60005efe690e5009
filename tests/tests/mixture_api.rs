//! The mixture API beyond parity: the semi-supervised seam (FixedLabels), storage types,
//! sampling, information criteria.

use clasp_core::MatRef;
use clasp_core::mixture::{CovarianceType, FixedLabels, GaussianMixture, GmmInit, GmmParams, e_step, em, fit, m_step};

fn two_clusters() -> Vec<f64> {
    (0..60)
        .flat_map(|i| {
            let t = (i % 10) as f64 * 0.2 + ((i * 7) % 5) as f64 * 0.05;
            let u = ((i * 3) % 7) as f64 * 0.15;
            if i < 30 { [t, 1.0 - t + u] } else { [6.0 + t, 5.0 + 0.5 * t - u] }
        })
        .collect()
}

#[test]
fn fixed_labels_keep_labelled_rows_one_hot_and_the_objective_monotone() {
    let x = two_clusters();
    let xm = MatRef::new(&x, 60, 2, "x").unwrap();
    // Rows 0..5 labelled as component 1 (on purpose the "wrong" blob), the rest free.
    let labels: Vec<Option<usize>> = (0..60).map(|i| if i < 5 { Some(1) } else { None }).collect();
    let uniform = vec![0.5; 120];
    let start = m_step(xm, &uniform, 2, CovarianceType::Full, 1e-6).unwrap();
    let mut hook = FixedLabels::new(&labels, 2).unwrap();
    let params = GmmParams::default().reg_covar(0.0).tol(0.0).max_iter(25);
    let f = em(xm, start, &params, &mut hook).unwrap();
    for w in f.info.lower_bounds.windows(2) {
        assert!(w[1] >= w[0] - 1e-10 * w[0].abs(), "{:?}", f.info.lower_bounds);
    }
    // The M-step after clamping sees the labelled rows exactly: recompute it from the final
    // E-step with clamped rows and compare with one more clamped iteration.
    let mut resp = vec![0.0; 120];
    let mut lpn = vec![0.0; 60];
    e_step(&f.model, xm, &mut resp, &mut lpn).unwrap();
    for (i, l) in labels.iter().enumerate() {
        if let Some(y) = l {
            resp[i * 2] = if *y == 0 { 1.0 } else { 0.0 };
            resp[i * 2 + 1] = if *y == 1 { 1.0 } else { 0.0 };
        }
    }
    let by_hand = m_step(xm, &resp, 2, CovarianceType::Full, 0.0).unwrap();
    let mut hook = FixedLabels::new(&labels, 2).unwrap();
    let one_more = em(xm, f.model.clone(), &GmmParams::default().reg_covar(0.0).max_iter(1), &mut hook).unwrap();
    for (a, b) in by_hand.means().iter().zip(one_more.model.means()) {
        assert!((a - b).abs() < 1e-12);
    }
    // Without clamping, the same start gives a different model (the hook really acts).
    let free = fit(xm, &GmmParams::default().k(2)).unwrap();
    assert!(free.model.means().iter().zip(f.model.means()).any(|(a, b)| (a - b).abs() > 1e-3));
}

#[test]
fn all_rows_labelled_reproduces_the_supervised_estimate() {
    let x = two_clusters();
    let xm = MatRef::new(&x, 60, 2, "x").unwrap();
    let labels: Vec<Option<usize>> = (0..60).map(|i| Some(usize::from(i >= 30))).collect();
    let one_hot: Vec<f64> = labels.iter().flat_map(|l| if *l == Some(0) { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let supervised = m_step(xm, &one_hot, 2, CovarianceType::Diag, 1e-6).unwrap();
    let start = m_step(xm, &vec![0.5; 120], 2, CovarianceType::Diag, 1e-6).unwrap();
    let mut hook = FixedLabels::new(&labels, 2).unwrap();
    let f = em(xm, start, &GmmParams::default(), &mut hook).unwrap();
    // Iteration 1 evaluates the start, 2 the supervised estimate, 3 finds no change.
    assert!(f.info.converged && f.info.n_iter == 3, "{:?}", f.info);
    for (a, b) in supervised.means().iter().zip(f.model.means()) {
        assert!((a - b).abs() < 1e-12);
    }
}

#[test]
fn f32_storage_fits_like_f64() {
    let x = two_clusters();
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let p = GmmParams::default().k(2).covariance_type(CovarianceType::Diag).init(GmmInit::KMeans).seed(3);
    let a = fit(MatRef::new(&x, 60, 2, "x").unwrap(), &p).unwrap();
    let b = fit(MatRef::new(&x32, 60, 2, "x").unwrap(), &p).unwrap();
    let la = a.model.predict(MatRef::new(&x, 60, 2, "x").unwrap()).unwrap();
    let lb = b.model.predict(MatRef::new(&x32, 60, 2, "x").unwrap()).unwrap();
    assert_eq!(la, lb);
    assert!((a.info.lower_bound - f64::from(b.info.lower_bound)).abs() < 1e-4);
}

#[test]
fn sampling_matches_the_model_and_criteria_match_their_formulas() {
    let w = [0.3, 0.7];
    let m = [0.0, 0.0, 10.0, -5.0];
    let c = [2.0, 0.6, 0.6, 1.0, 0.5, -0.2, -0.2, 0.3];
    let g = GaussianMixture::from_covariances(CovarianceType::Full, &w, &m, &c, 2).unwrap();
    let (s, labels) = g.sample(20_000, 9).unwrap();
    assert_eq!(s, g.sample(20_000, 9).unwrap().0);
    let n0 = labels.iter().filter(|&&l| l == 0).count();
    assert!((n0 as f64 / 20_000.0 - 0.3).abs() < 0.02);
    // Empirical covariance of component 0.
    let rows: Vec<&[f64]> = s.chunks(2).zip(&labels).filter(|(_, l)| **l == 0).map(|(r, _)| r).collect();
    let nf = rows.len() as f64;
    let mean = [rows.iter().map(|r| r[0]).sum::<f64>() / nf, rows.iter().map(|r| r[1]).sum::<f64>() / nf];
    let cov01 = rows.iter().map(|r| (r[0] - mean[0]) * (r[1] - mean[1])).sum::<f64>() / nf;
    let cov00 = rows.iter().map(|r| (r[0] - mean[0]).powi(2)).sum::<f64>() / nf;
    assert!(
        mean[0].abs() < 0.06 && (cov00 - 2.0).abs() < 0.1 && (cov01 - 0.6).abs() < 0.06,
        "{mean:?} {cov00} {cov01}"
    );
    let xm = MatRef::new(&s, 20_000, 2, "x").unwrap();
    let score = g.score(xm).unwrap();
    let p = (1 + 4 + 6) as f64;
    assert!((g.bic(xm).unwrap() - (-2.0 * score * 20_000.0 + p * 20_000f64.ln())).abs() < 1e-6);
    assert!((g.aic(xm).unwrap() - (-2.0 * score * 20_000.0 + 2.0 * p)).abs() < 1e-6);
    let lp = g.score_samples(xm).unwrap();
    assert!((lp.iter().sum::<f64>() / 20_000.0 - score).abs() < 1e-12);
    let proba = g.predict_proba(xm).unwrap();
    assert!(proba.chunks(2).all(|r| (r[0] + r[1] - 1.0).abs() < 1e-12));
}
