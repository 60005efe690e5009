//! Self-training target distributions over soft assignments q (n × K, rows summing to 1),
//! with cluster frequencies f_k = Σᵢ q_ik:
//! - DEC (Xie, Girshick & Farhadi, "Unsupervised deep embedding for clustering analysis",
//!   ICML 2016, eq. 3): p_ik = (q_ik² / f_k) / Σ_k' (q_ik'² / f_k').
//! - DEPICT (Ghasedi Dizaji et al., "Deep clustering via joint convolutional autoencoder
//!   embedding and relative entropy minimization", ICCV 2017, eq. 7): p_ik = (q_ik / f_k^½) /
//!   Σ_k' (q_ik' / f_k'^½). (DEPICT's released code uses the DEC form.)

use crate::error::{Error, Result};
use crate::scalar::{Float, Real};
use crate::validate;
use alloc::vec;

/// Which sharpening of the soft assignments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TargetKind {
    /// DEC's q² / f (also SDCN, PamC, DEPICT's code).
    DecSquare,
    /// DEPICT paper's q / √f.
    DepictSqrt,
}

/// Writes the row-normalised target distribution of `q` (n × `k`) into `out` (n × `k`).
///
/// DEC's entries are evaluated as q·(q/f), which cannot overflow (q ≤ f); a row whose sum
/// still overflows (entries near the type's MAX) is scaled by its largest entry first.
///
/// Errors: lengths not n × k, `k` = 0, negative or non-finite q, or a cluster with zero total
/// mass f_k = 0 ([`Error::NumericalBreakdown`] would hide it, so [`Error::Negative`] with the
/// column index is returned for f_k ≤ 0); [`Error::NumericalBreakdown`] when some f_k or
/// its scale 1/f_k (1/√f_k) is not representable (q near the type's MAX, or subnormal
/// totals). `out` is untouched on `Err`.
pub fn target_distribution<T: Real>(q: &[T], k: usize, kind: TargetKind, out: &mut [T::Acc]) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidParameter { name: "k", value: 0.0 });
    }
    validate::non_empty(q, "q")?;
    if !q.len().is_multiple_of(k) {
        return Err(Error::ShapeMismatch { what: "q", expected: (q.len() / k + 1) * k, found: q.len() });
    }
    validate::len(out, q.len(), "out")?;
    validate::nonnegative(q, false, "q")?;
    let zero = <T::Acc as Float>::ZERO;
    let mut f = vec![zero; k];
    for row in q.chunks_exact(k) {
        for (fk, v) in f.iter_mut().zip(row) {
            *fk += v.to_acc();
        }
    }
    if let Some(index) = f.iter().position(|&v| v <= zero) {
        return Err(Error::Negative { what: "cluster frequency", index, value: 0.0 });
    }
    let scale: alloc::vec::Vec<T::Acc> = match kind {
        TargetKind::DecSquare => f.iter().map(|&v| <T::Acc as Float>::ONE / v).collect(),
        TargetKind::DepictSqrt => f.iter().map(|&v| <T::Acc as Float>::ONE / Float::sqrt(v)).collect(),
    };
    validate::finite_output(&f, "cluster frequency", 1)?;
    validate::finite_output(&scale, "cluster frequency", 1)?;
    for (row, o) in q.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
        let mut s = zero;
        for ((ov, v), &sc) in o.iter_mut().zip(row).zip(&scale) {
            let v = v.to_acc();
            *ov = match kind {
                TargetKind::DecSquare => v * (v * sc),
                TargetKind::DepictSqrt => v * sc,
            };
            s += *ov;
        }
        if !s.is_finite() {
            let m = o.iter().fold(zero, |a, &v| a.max(v));
            o.iter_mut().for_each(|v| *v /= m);
            s = o.iter().copied().sum();
        }
        if s > zero {
            for ov in o.iter_mut() {
                *ov /= s;
            }
        } else {
            let u = <T::Acc as Float>::ONE / <T::Acc as Float>::from_usize(k);
            o.fill(u);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dec_and_depict_forms() {
        let q = [0.6f64, 0.4, 0.3, 0.7];
        let mut p = [0.0; 4];
        target_distribution(&q, 2, TargetKind::DecSquare, &mut p).unwrap();
        // f = (0.9, 1.1)
        let a = 0.36 / 0.9;
        let b = 0.16 / 1.1;
        assert!((p[0] - a / (a + b)).abs() < 1e-15);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-15 && (p[2] + p[3] - 1.0).abs() < 1e-15);
        // DEC sharpens: the dominant entry grows.
        assert!(p[0] > 0.6 && p[3] > 0.7);
        target_distribution(&q, 2, TargetKind::DepictSqrt, &mut p).unwrap();
        let a = 0.6 / 0.9f64.sqrt();
        let b = 0.4 / 1.1f64.sqrt();
        assert!((p[0] - a / (a + b)).abs() < 1e-15);
    }

    #[test]
    fn bad_input() {
        let mut p = [9.0f64; 4];
        assert!(target_distribution(&[0.5f64, 0.5, 0.5], 2, TargetKind::DecSquare, &mut p).is_err());
        assert!(target_distribution(&[0.5f64, -0.5, 0.5, 0.5], 2, TargetKind::DecSquare, &mut p).is_err());
        assert!(target_distribution(&[1.0f64, 0.0, 1.0, 0.0], 2, TargetKind::DecSquare, &mut p).is_err());
        assert!(target_distribution(&[0.5f64, f64::NAN, 0.5, 0.5], 2, TargetKind::DecSquare, &mut p).is_err());
        assert!(target_distribution::<f64>(&[], 2, TargetKind::DecSquare, &mut []).is_err());
        assert!(target_distribution(&[0.5f64; 4], 0, TargetKind::DecSquare, &mut p).is_err());
        assert_eq!(p, [9.0; 4]);
        // Cluster totals that overflow (or whose reciprocal does) are refused untouched.
        for q in [[f64::MAX, 1.0, f64::MAX, 1.0], [5e-324, 1.0, 0.0, 1.0]] {
            let r = target_distribution(&q, 2, TargetKind::DecSquare, &mut p);
            assert!(matches!(r, Err(Error::NumericalBreakdown { .. })), "{r:?}");
            assert_eq!(p, [9.0; 4]);
        }
    }

    #[test]
    fn huge_entries_stay_on_the_simplex() {
        // q² overflows (fuzz gmm_score finding: NaN on `Ok`); and a row sum near 2·MAX.
        for (q, want) in [
            ([1e200, 1e200, 0.0, 1e200], [2.0 / 3.0, 1.0 / 3.0]),
            ([0.9 * f64::MAX, 0.0, 0.0, 0.9 * f64::MAX], [1.0, 0.0]),
        ] {
            for kind in [TargetKind::DecSquare, TargetKind::DepictSqrt] {
                let mut p = [0.0f64; 4];
                target_distribution(&q, 2, kind, &mut p).unwrap();
                assert!(p.iter().all(|v| v.is_finite()), "{kind:?} {p:?}");
                assert!((p[0] + p[1] - 1.0).abs() < 1e-15 && (p[2] + p[3] - 1.0).abs() < 1e-15, "{p:?}");
                if kind == TargetKind::DecSquare {
                    assert!((p[0] - want[0]).abs() < 1e-12 && (p[1] - want[1]).abs() < 1e-12, "{p:?}");
                }
            }
        }
        let q = [0.9 * f64::MAX, 0.9 * f64::MAX];
        let mut p = [0.0f64; 2];
        target_distribution(&q, 2, TargetKind::DecSquare, &mut p).unwrap();
        assert_eq!(p, [0.5, 0.5]);
    }
}
