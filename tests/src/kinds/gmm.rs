//! `gmm` cases: scikit-learn `GaussianMixture` from user-given weights, means and precisions
//! (the fixture's `covariances_init` is their inverse), tol 1e-10, max_iter 1000. Same
//! iteration count and labels exactly; lower bounds and score 1e-10 abs; parameters 1e-8 rel;
//! responsibilities 1e-8 abs.

use crate::compare::{Report, Tol};
use crate::fixtures::Case;
use clasp_core::MatRef;
use clasp_core::mixture::{CovarianceType, GmmInitValues, GmmParams, fit_with};

/// Checks one `gmm` case.
pub fn check(case: &Case, report: &mut Report) -> Result<(), String> {
    let x = case.f64("x")?;
    let (n, d) = (x.shape[0], x.shape[1]);
    let k = case.num("k")? as usize;
    let cov_name = case.str("covariance_type")?;
    let cov = CovarianceType::from_name(cov_name).ok_or_else(|| format!("unknown covariance type {cov_name}"))?;
    let (w0, m0, c0) = (case.f64("weights_init")?, case.f64("means_init")?, case.f64("covariances_init")?);
    let params = GmmParams::default()
        .k(k)
        .covariance_type(cov)
        .reg_covar(case.num("reg_covar")?)
        .tol(case.num("tol")?)
        .max_iter(case.num("max_iter")? as usize);
    let init =
        GmmInitValues { weights: Some(&w0.data), means: Some(&m0.data), covariances: Some(&c0.data), precisions: None };
    let xm = MatRef::new(&x.data, n, d, "x").map_err(|e| e.to_string())?;
    let fit = match fit_with(xm, &params, &init) {
        Ok(f) => f,
        Err(e) => {
            report.error("fit", e);
            return Ok(());
        }
    };
    let n_iter = case.num("n_iter")? as usize;
    report.check(&format!("n_iter {} vs {n_iter}", fit.info.n_iter), fit.info.n_iter == n_iter);
    let converged = case.bool("converged")?;
    report.check(&format!("converged {} vs {converged}", fit.info.converged), fit.info.converged == converged);
    report.close("lower_bounds", &fit.info.lower_bounds, &case.f64("lower_bounds")?.data, Tol::Abs(1e-10));
    report.close("weights", fit.model.weights(), &case.f64("weights")?.data, Tol::Rel(1e-8));
    report.close("means", fit.model.means(), &case.f64("means")?.data, Tol::Rel(1e-8));
    report.close("covariances", fit.model.covariances(), &case.f64("covariances")?.data, Tol::Rel(1e-8));
    match fit.model.predict_proba(xm) {
        Ok(resp) => report.close("resp", &resp, &case.f64("resp")?.data, Tol::Abs(1e-8)),
        Err(e) => report.error("predict_proba", e),
    }
    match fit.model.predict(xm) {
        Ok(labels) => {
            let want = case.i64("labels")?.data;
            let same = labels.len() == want.len() && labels.iter().zip(&want).all(|(&a, &b)| a as i64 == b);
            report.check("labels differ", same);
        }
        Err(e) => report.error("predict", e),
    }
    match fit.model.score(xm) {
        Ok(s) => report.scalar("mean_log_likelihood", s, case.num("mean_log_likelihood")?, Tol::Abs(1e-10)),
        Err(e) => report.error("score", e),
    }
    Ok(())
}
