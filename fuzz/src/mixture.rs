//! Gaussian-mixture contract checks: a valid model (weights on the simplex, finite means,
//! positive-definite covariances) and consistent scores.

use crate::{Result, Unstructured, assert_finite, assert_labels, assert_simplex_rows, widen_acc};
use clasp_core::mixture::{CovarianceType, GaussianMixture};
use clasp_core::{Float, Linalg, MatRef, Real};

/// The four covariance layouts, chosen by the next byte.
pub fn covariance_type(u: &mut Unstructured<'_>) -> Result<CovarianceType> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => CovarianceType::Full,
        1 => CovarianceType::Diag,
        2 => CovarianceType::Spherical,
        _ => CovarianceType::Tied,
    })
}

/// Whether the symmetric `d × d` matrix `m` is positive definite up to the rounding `rel` of
/// the type it was computed in: `m + rel·tr(m)·I` has a Cholesky factorisation in f64.
pub fn positive_definite(m: &[f64], d: usize, rel: f64) -> bool {
    let shift = rel * (0..d).map(|i| m[i * d + i].abs()).sum::<f64>();
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s = m[i * d + j] + if i == j { shift } else { 0.0 }
                - (0..j).map(|t| l[i * d + t] * l[j * d + t]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return false;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    true
}

/// Weights on the simplex, finite means, positive-definite covariances of the right length.
#[track_caller]
pub fn assert_model<F: Linalg>(m: &GaussianMixture<F>, tol: f64) {
    let (k, d, ct) = (m.n_components(), m.dim(), m.covariance_type());
    let w = widen_acc(m.weights());
    assert_eq!(w.len(), k);
    assert_simplex_rows(&w, k, tol, "weights");
    assert_finite(&widen_acc(m.means()), "means");
    let c = widen_acc(m.covariances());
    assert_eq!(c.len(), ct.covariance_len(k, d));
    assert_finite(&c, "covariances");
    match ct {
        CovarianceType::Full | CovarianceType::Tied => {
            for (i, ci) in c.chunks_exact(d * d).enumerate() {
                assert!(positive_definite(ci, d, tol), "covariance {i} = {ci:?} is not PD");
            }
        }
        _ => assert!(c.iter().all(|&v| v > 0.0), "variances {c:?} not positive"),
    }
}

/// On data `x` the model scores without error when the data is finite, and: `predict_proba`
/// rows are on the simplex, `predict` is their argmax (up to ties), `score` is the mean of
/// `score_samples`, all finite.
#[track_caller]
pub fn assert_scores<T: Real>(m: &GaussianMixture<T::Acc>, x: MatRef<'_, T>, tol: f64)
where
    T::Acc: Linalg,
{
    let k = m.n_components();
    let proba = match m.predict_proba(x) {
        Ok(p) => widen_acc(&p),
        Err(e) => {
            crate::describe(&e);
            return;
        }
    };
    assert_simplex_rows(&proba, k, tol, "predict_proba");
    let labels = m.predict(x).expect("predict fails where predict_proba succeeds");
    assert_labels(&labels, k, "predict");
    for (row, &l) in proba.chunks_exact(k).zip(&labels) {
        let top = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert!(row[l] >= top - tol * 8.0, "predict {l} is not the most probable of {row:?}");
    }
    let samples = widen_acc(&m.score_samples(x).expect("score_samples"));
    assert_finite(&samples, "score_samples");
    let score = m.score(x).expect("score").to_f64();
    let mean = samples.iter().map(|s| s / samples.len() as f64).sum::<f64>();
    assert!(score.is_finite(), "score {score} on finite log densities {samples:?}");
    assert!((score - mean).abs() <= tol * (1.0 + mean.abs()) * 8.0, "score {score} vs mean {mean}");
    // −2·n·score + penalty may overflow (log densities near −MAX): then a typed breakdown.
    for (what, c) in [("bic", m.bic(x)), ("aic", m.aic(x))] {
        match c {
            Ok(c) => assert!(c.to_f64().is_finite(), "{what} {c:?}"),
            Err(e) => assert!(crate::writes_on_error(&e), "{what}: {e:?}"),
        }
    }
}

/// Draws n × d data (n ≤ `n_max`, d ≤ 3) and GMM parameters with hostile values now and then.
pub fn data_and_params<T: Real>(
    u: &mut Unstructured<'_>,
    n_max: usize,
) -> Result<(Vec<T>, usize, usize, clasp_core::mixture::GmmParams)> {
    use crate::{cast, count, param, values};
    use clasp_core::mixture::{GmmInit, GmmParams};
    let wild = crate::wild(u)?;
    let (n, d) = (u.int_in_range(1..=n_max)?, u.int_in_range(1..=3)?);
    let x = cast(&values(u, n * d, wild)?);
    let params = GmmParams::default()
        .k(count(u, 1, n.min(4) + 1)?)
        .covariance_type(covariance_type(u)?)
        .reg_covar(if u.ratio(1u8, 8)? { 0.0 } else { param(u, 1e-6, 1e-1)? })
        .tol(param(u, 1e-6, 1e-1)?)
        .max_iter(count(u, 1, 30)?)
        .n_init(count(u, 1, 2)?)
        .init(match u.int_in_range(0u8..=3)? {
            0 => GmmInit::KMeans,
            1 => GmmInit::KMeansPlusPlus,
            2 => GmmInit::Random,
            _ => GmmInit::RandomFromData,
        })
        .seed(u.arbitrary()?);
    Ok((x, n, d, params))
}

/// Draws data and parameters ([`data_and_params`]) and runs `f` on them.
pub fn with_data<T: Real>(
    u: &mut Unstructured<'_>,
    f: impl FnOnce(&mut Unstructured<'_>, MatRef<'_, T>, &clasp_core::mixture::GmmParams) -> Result<()>,
) -> Result<()> {
    let (x, n, d, params) = data_and_params::<T>(u, 12)?;
    f(u, MatRef::new(&x, n, d, "x").expect("shape"), &params)
}
