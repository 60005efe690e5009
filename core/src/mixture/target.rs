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
/// Errors: lengths not n × k, `k` = 0, negative or non-finite q, or a cluster with zero total
/// mass f_k = 0 ([`Error::NumericalBreakdown`] would hide it, so [`Error::Negative`] with the
/// column index is returned for f_k ≤ 0). `out` is untouched on `Err`.
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
    // Both forms are invariant to a global scale of q, so q is divided by its largest entry m:
    // every scaled entry is ≤ 1 and f'_k = f_k / m ≤ n, and since q'_ik ≤ f'_k the terms
    // q'·(q'/f') ≤ 1 and q'/√f' ≤ √n cannot overflow for any finite input.
    let m = q.iter().fold(zero, |m, v| m.max(v.to_acc()));
    let mut f = vec![zero; k];
    let mut positive = vec![false; k];
    for row in q.chunks_exact(k) {
        for ((fk, pk), v) in f.iter_mut().zip(positive.iter_mut()).zip(row) {
            let v = v.to_acc();
            *pk |= v > zero;
            *fk += v / m;
        }
    }
    if let Some(index) = positive.iter().position(|&p| !p) {
        return Err(Error::Negative { what: "cluster frequency", index, value: 0.0 });
    }
    for (row, o) in q.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
        let mut s = zero;
        for ((ov, v), &fk) in o.iter_mut().zip(row).zip(&f) {
            let v = v.to_acc() / m;
            *ov = match kind {
                _ if v == zero => zero,
                TargetKind::DecSquare => v * (v / fk),
                TargetKind::DepictSqrt => v / Float::sqrt(fk),
            };
            s += *ov;
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
    }

    #[test]
    fn extreme_magnitudes_stay_on_the_simplex() {
        // q² and 1/f overflow or underflow when computed directly (fuzz gmm_score, f32).
        let cases: [[f32; 4]; 3] = [[3e38, 1e-45, 2e38, 3e38], [1e-45, 0.0, 0.0, 1e-45], [1e30, 1e-30, 1e-30, 1e30]];
        for q in cases {
            for kind in [TargetKind::DecSquare, TargetKind::DepictSqrt] {
                let mut p = [0.0f32; 4];
                target_distribution(&q, 2, kind, &mut p).unwrap();
                for r in p.chunks_exact(2) {
                    assert!(r.iter().all(|v| v.is_finite() && *v >= 0.0), "{q:?} {kind:?} {p:?}");
                    assert!((r[0] + r[1] - 1.0).abs() < 1e-6, "{q:?} {kind:?} {p:?}");
                }
            }
        }
        // Scaling q leaves the target unchanged.
        let q = [0.6f64, 0.4, 0.3, 0.7];
        let (mut p, mut p2) = ([0.0; 4], [0.0; 4]);
        target_distribution(&q, 2, TargetKind::DecSquare, &mut p).unwrap();
        target_distribution(&q.map(|v| v * 1e300), 2, TargetKind::DecSquare, &mut p2).unwrap();
        assert!(p.iter().zip(&p2).all(|(a, b)| (a - b).abs() < 1e-15), "{p:?} {p2:?}");
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
