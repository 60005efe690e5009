//! `kmeans` cases: scikit-learn `KMeans(init=given, n_init=1, max_iter=1000, tol=0, lloyd)`.
//! Labels and n_iter exact; centres and inertia 1e-12 rel.

use crate::compare::{Report, Tol};
use crate::fixtures::Case;
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans_from};

/// Checks one `kmeans` case.
pub fn check(case: &Case, report: &mut Report) -> Result<(), String> {
    let x = case.f64("x")?;
    let init = case.f64("init")?;
    let (n, d) = (x.shape[0], x.shape[1]);
    let k = case.num("k")? as usize;
    let xm = MatRef::new(&x.data, n, d, "x").map_err(|e| e.to_string())?;
    let im = MatRef::new(&init.data, k, d, "init").map_err(|e| e.to_string())?;
    let params = KMeansParams::default().k(k).max_iter(1000).tol(0.0);
    let fit = match kmeans_from(xm, im, &params) {
        Ok(f) => f,
        Err(e) => {
            report.error("kmeans", e);
            return Ok(());
        }
    };
    let n_iter = case.num("n_iter")? as usize;
    report.check(&format!("n_iter {} vs {n_iter}", fit.info.n_iter), fit.info.n_iter == n_iter);
    let want = case.i64("labels")?.data;
    let same = fit.labels.len() == want.len() && fit.labels.iter().zip(&want).all(|(&a, &b)| a as i64 == b);
    report.check("labels differ", same);
    report.close("centers", &fit.centers, &case.f64("centers")?.data, Tol::Rel(1e-12));
    report.scalar("inertia", fit.info.inertia, case.num("inertia")?, Tol::Rel(1e-12));
    Ok(())
}
