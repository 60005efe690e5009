//! Distance of a matrix from the Peng–Wei feasible set {Z ⪰ 0, Z ≥ 0, Z1 = 1, tr Z = K}.

use crate::scalar::Linalg;

use super::eigen::symmetric_eigen;

use crate::error::Result;
use crate::scalar::{Float, Real};
use crate::validate;

/// Each constraint's violation (all ≥ 0; 0 means satisfied exactly).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Feasibility {
    /// ‖Z1 − 1‖_∞.
    pub row_sum: f64,
    /// |tr Z − K|.
    pub trace: f64,
    /// max(0, −min Zᵢⱼ).
    pub negativity: f64,
    /// max(0, −λ_min(sym Z)).
    pub psd: f64,
    /// max |Zᵢⱼ − Zⱼᵢ|.
    pub asymmetry: f64,
}

impl Feasibility {
    /// The largest violation.
    pub fn max(&self) -> f64 {
        self.row_sum.max(self.trace).max(self.negativity).max(self.psd).max(self.asymmetry)
    }
}

/// Measures how far the row-major n × n `z` is from feasibility for K = `k`.
pub fn feasibility<T: Real>(z: &[T], n: usize, k: usize) -> Result<Feasibility>
where
    T::Acc: Linalg,
{
    validate::non_empty(z, "z")?;
    validate::len(z, n.saturating_mul(n), "z")?;
    validate::finite(z, "z")?;
    let f = |i: usize, j: usize| z[i * n + j].to_acc().to_f64();
    let mut row_sum = 0.0f64;
    let mut trace = 0.0;
    let mut negativity = 0.0f64;
    let mut asymmetry = 0.0f64;
    for i in 0..n {
        let s: f64 = (0..n).map(|j| f(i, j)).sum();
        row_sum = row_sum.max((s - 1.0).abs());
        trace += f(i, i);
        for j in 0..n {
            negativity = negativity.max(-f(i, j));
            asymmetry = asymmetry.max((f(i, j) - f(j, i)).abs());
        }
    }
    // λ_min of sym Z, robust to the range of the entries (see the `eigen` module).
    let eig = symmetric_eigen(n, f, false)?;
    let min_eig = eig.unscale(eig.values.iter().fold(f64::INFINITY, |m, &v| m.min(v)));
    Ok(Feasibility {
        row_sum,
        trace: (trace - k as f64).abs(),
        negativity: negativity.max(0.0),
        psd: (-min_eig).max(0.0),
        asymmetry,
    })
}
