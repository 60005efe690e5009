//! What users read off a solution: the plan, its statistics, and hard assignments — all from
//! the potentials `(f, g)` every solver returns, with `Q_ij = exp((σx_ij + f_i + g_j)/ε)`.

use super::check::{eps_fits, gain_max};
use super::kind::ScoreKind;
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::validate::{len, positive_param, scratch as scratch_len};

/// Statistics of a plan Q given by its potentials ([`plan_stats`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PlanStats {
    /// ΣQ.
    pub mass: f64,
    /// ⟨Q, x⟩ in the input's own units: the transport cost ⟨Q, M⟩ for [`ScoreKind::Cost`], the
    /// total similarity ⟨Q, S⟩ for [`ScoreKind::Similarity`].
    pub transport: f64,
    /// H(Q) = −Σ Q_ij log Q_ij (the convention without the "−1"; the other convention,
    /// −ΣQ(log Q − 1), is `entropy + mass`).
    pub entropy: f64,
    /// Dual objective D(f, g) = ⟨f, a⟩ + ⟨g, b⟩ − ε(ΣQ − Σa) (cost form, M = −σx). At a balanced
    /// optimum D = ⟨Q, M⟩ − εH(Q), i.e. `transport − eps·entropy` for a cost and
    /// `−(transport + eps·entropy)` for a similarity. Cheap (no log of Q) and convention-free.
    pub dual_objective: f64,
    /// Σ_i |Σ_j Q_ij − a_i|.
    pub row_err: f64,
    /// Σ_j |Σ_i Q_ij − b_j|.
    pub col_err: f64,
}

/// Writes the plan `Q_ij = exp((σx_ij + f_i + g_j)/ε)` into `out` (n × k, storage type).
pub fn plan<T: Real>(
    x: MatRef<'_, T>,
    kind: ScoreKind,
    eps: f64,
    f: &[T::Acc],
    g: &[T::Acc],
    out: &mut [T],
) -> Result<()> {
    let (n, k) = (x.rows(), x.cols());
    check_potentials::<T>(x, eps, f, g)?;
    len(out, n * k, "out")?;
    let (scale, inv) = factors::<T>(kind, eps);
    for ((row, dst), &fi) in x.row_iter().zip(out.chunks_exact_mut(k)).zip(f) {
        for ((d, &xv), &gj) in dst.iter_mut().zip(row).zip(g) {
            *d = T::from_acc(((xv.to_acc() * scale + fi + gj) * inv).exp_fast());
        }
    }
    Ok(())
}

/// Scratch (in `T::Acc` elements) of [`plan_stats`]: the k column sums.
pub fn plan_stats_scratch(_n: usize, k: usize) -> usize {
    k
}

/// Mass, transport term, entropy, dual objective and both L1 marginal errors of the plan
/// given by `(f, g)`, in one pass over `x` (see [`PlanStats`] for the conventions).
#[allow(clippy::too_many_arguments)]
pub fn plan_stats<T: Real>(
    x: MatRef<'_, T>,
    kind: ScoreKind,
    eps: f64,
    a: &[T],
    b: &[T],
    f: &[T::Acc],
    g: &[T::Acc],
    scratch: &mut [T::Acc],
) -> Result<PlanStats> {
    let (n, k) = (x.rows(), x.cols());
    check_potentials::<T>(x, eps, f, g)?;
    len(a, n, "a")?;
    len(b, k, "b")?;
    crate::validate::finite(a, "a")?;
    crate::validate::finite(b, "b")?;
    scratch_len(scratch, plan_stats_scratch(n, k))?;
    let zero = <T::Acc as Float>::ZERO;
    let e = <T::Acc as Float>::from_f64(eps);
    let (scale, inv) = factors::<T>(kind, eps);
    let cols = &mut scratch[..k];
    cols.fill(zero);
    let (mut mass, mut transport, mut entropy, mut row_err, mut mass_a) = (zero, zero, zero, zero, zero);
    for (((row, &fi), ai), _) in x.row_iter().zip(f).zip(a).zip(0..n) {
        let mut rs = zero;
        for ((c, &xv), &gj) in cols.iter_mut().zip(row).zip(g) {
            let xa = xv.to_acc();
            let l = (xa * scale + fi + gj) * inv;
            let q = l.exp_fast();
            rs += q;
            *c += q;
            transport += q * xa;
            if q > zero {
                entropy -= q * l;
            }
        }
        mass += rs;
        mass_a += ai.to_acc();
        row_err += (rs - ai.to_acc()).abs();
    }
    let mut col_err = zero;
    for (&c, bj) in cols.iter().zip(b) {
        col_err += (c - bj.to_acc()).abs();
    }
    let mut dual = zero;
    for (&fi, ai) in f.iter().zip(a) {
        dual += fi * ai.to_acc();
    }
    for (&gj, bj) in g.iter().zip(b) {
        dual += gj * bj.to_acc();
    }
    dual -= e * (mass - mass_a);
    Ok(PlanStats {
        mass: mass.to_f64(),
        transport: transport.to_f64(),
        entropy: entropy.to_f64(),
        dual_objective: dual.to_f64(),
        row_err: row_err.to_f64(),
        col_err: col_err.to_f64(),
    })
}

/// Hard assignments from potentials: `labels_i = argmax_j (σx_ij + g_j)` (= argmax_j Q_ij, since
/// f_i does not change a row's order), ties to the lowest index; SIGMA/SeLa targets.
pub fn potential_argmax<T: Real>(x: MatRef<'_, T>, kind: ScoreKind, g: &[T::Acc], labels: &mut [usize]) -> Result<()> {
    let (n, k) = (x.rows(), x.cols());
    len(g, k, "g")?;
    len(labels, n, "labels")?;
    crate::validate::finite(g, "g")?;
    gain_max(x.as_slice(), kind.sign(), "x")?;
    let sign = <T::Acc as Float>::from_f64(kind.sign());
    for (row, label) in x.row_iter().zip(labels.iter_mut()) {
        let mut best = (0usize, <T::Acc as Float>::NEG_INFINITY);
        for (j, (&xv, &gj)) in row.iter().zip(g).enumerate() {
            let s = sign * xv.to_acc() + gj;
            if s > best.1 {
                best = (j, s);
            }
        }
        *label = best.0;
    }
    Ok(())
}

/// Row argmax of a materialised plan or codes matrix (e.g. SwAV codes), ties to the lowest
/// index. Errors on shape mismatch or a row with a NaN.
pub fn row_argmax<T: Real>(m: MatRef<'_, T>, labels: &mut [usize]) -> Result<()> {
    len(labels, m.rows(), "labels")?;
    crate::validate::finite(m.as_slice(), "m")?;
    for (row, label) in m.row_iter().zip(labels.iter_mut()) {
        let mut best = (0usize, <T::Acc as Float>::NEG_INFINITY);
        for (j, v) in row.iter().enumerate() {
            let v = v.to_acc();
            if v > best.1 {
                best = (j, v);
            }
        }
        *label = best.0;
    }
    Ok(())
}

fn check_potentials<T: Real>(x: MatRef<'_, T>, eps: f64, f: &[T::Acc], g: &[T::Acc]) -> Result<()> {
    positive_param(eps, "eps")?;
    eps_fits::<T::Acc>(eps)?;
    len(f, x.rows(), "f")?;
    len(g, x.cols(), "g")?;
    for (what, p) in [("f", f), ("g", g)] {
        if let Some(index) = p.iter().position(|v| v.is_nan() || *v == <T::Acc as Float>::INFINITY) {
            return Err(Error::NonFinite { what, index });
        }
    }
    crate::validate::finite(x.as_slice(), "x")
}

/// (σ, 1/ε) in the compute type.
fn factors<T: Real>(kind: ScoreKind, eps: f64) -> (T::Acc, T::Acc) {
    (<T::Acc as Float>::from_f64(kind.sign()), <T::Acc as Float>::ONE / <T::Acc as Float>::from_f64(eps))
}
