//! `sdp`: the Peng–Wei k-means SDP against cvxpy + Clarabel (fixtures README, `sdp` section).
//! Solved by clasp's ADMM at tol 1e-7; objective 1e-6 relative, Z 1e-4 abs, every feasibility
//! violation ≤ 1e-6, and objective ≥ the planted partition's.

use clasp_core::MatRef;
use clasp_core::sdp::{AdmmParams, Affinity, admm_alloc, feasibility};

use crate::compare::{Report, Tol};
use crate::fixtures::Case;

/// Checks one `sdp` case.
pub fn check(case: &Case, report: &mut Report) -> Result<(), String> {
    let x = case.f64("x")?;
    let z_ref = case.f64("z")?;
    let k = case.num("k")? as usize;
    let (n, p) = (x.shape[0], x.shape[1]);
    let aff =
        Affinity::from_data(MatRef::new(&x.data, n, p, "x").map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let params = AdmmParams::default().tol(1e-7);
    let (z, info) = admm_alloc(&aff, k, &params).map_err(|e| e.to_string())?;
    report.check(&format!("ADMM did not converge in {} iterations", info.iterations), info.converged);
    // The fixture objective is ⟨XXᵀ, Z⟩ on the raw data: centring shifts it by n‖x̄‖².
    let mean: Vec<f64> = (0..p).map(|j| (0..n).map(|i| x.data[i * p + j]).sum::<f64>() / n as f64).collect();
    let shift = n as f64 * mean.iter().map(|m| m * m).sum::<f64>();
    let objective = info.objective + shift;
    report.scalar("objective", objective, case.num("objective")?, Tol::Rel(1e-6));
    let raw: f64 = (0..n * n).map(|idx| z[idx] * gram(&x.data, p, idx / n, idx % n)).sum();
    report.scalar("objective recomputed from Z", raw, case.num("objective")?, Tol::Rel(1e-6));
    report.close("z", &z, &z_ref.data, Tol::Abs(1e-4));
    let f = feasibility(&z, n, k).map_err(|e| e.to_string())?;
    report.check(&format!("feasibility {f:?} exceeds 1e-6"), f.max() <= 1e-6);
    report.check("objective below the planted partition's", objective >= case.num("truth_objective")? - 1e-9);
    Ok(())
}

/// ⟨xᵢ, xⱼ⟩ for row-major data with `p` columns.
fn gram(x: &[f64], p: usize, i: usize, j: usize) -> f64 {
    x[i * p..(i + 1) * p].iter().zip(&x[j * p..(j + 1) * p]).map(|(a, b)| a * b).sum()
}
