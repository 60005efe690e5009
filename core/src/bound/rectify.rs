//! Prototype rectification (BD-CSPN, Liu et al., ECCV 2020, as used by LaplacianShot
//! `--proto-rect`): on the augmented set X' = support ∪ shifted query,
//! `predict_i = argmax_k cos(x_i, m_k)`, `W_ik = softmax_k(τ·cos(x_i, m_k))` (τ = 10) and
//!
//! ```text
//! m'_k = (1 / |{i : predict_i = k}|) Σ_{i : predict_i = k} W_ik x_i .
//! ```
//!
//! As released the weights are not renormalised (the prototype is the plain mean of the
//! weighted vectors and shrinks toward 0); clasp keeps that. A class that no point predicts
//! silently loses its prototype in the reference (misaligning the others); clasp instead
//! keeps the initial prototype `m_k` for it and counts it in the returned value.

use crate::ops::dot;
use crate::scalar::Float;

/// Rectifies `protos` (`k × d`, initial class means, overwritten) from the rows of `x_aug`
/// (`n × d`). Returns the number of classes that kept their initial prototype.
/// `scratch` holds `k·d + 2k` elements (the caller guarantees the sizes).
pub(crate) fn rectify_prototypes<F: Float>(
    x_aug: &[F],
    d: usize,
    protos: &mut [F],
    temperature: F,
    scratch: &mut [F],
) -> usize {
    let k = protos.len() / d;
    let (sums, rest) = scratch.split_at_mut(k * d);
    let (cos, counts) = rest.split_at_mut(k);
    sums.fill(F::ZERO);
    counts[..k].fill(F::ZERO);
    let tiny = F::from_f64(1e-8);
    for x in x_aug.chunks_exact(d) {
        let nx = dot(x, x).sqrt();
        let mut best = 0usize;
        let mut mx = F::NEG_INFINITY;
        for (c, m) in protos.chunks_exact(d).enumerate() {
            let nm = dot(m, m).sqrt();
            let v = dot(x, m) / (nx * nm).max(tiny);
            cos[c] = v;
            if v > mx {
                mx = v;
                best = c;
            }
        }
        // W_i,best = softmax(τ cos)_best.
        let mut s = F::ZERO;
        for &v in cos.iter() {
            s += (temperature * (v - mx)).exp();
        }
        let wgt = F::ONE / s;
        for (o, &v) in sums[best * d..(best + 1) * d].iter_mut().zip(x) {
            *o += wgt * v;
        }
        counts[best] += F::ONE;
    }
    let mut kept = 0usize;
    for c in 0..k {
        if counts[c] > F::ZERO {
            let inv = F::ONE / counts[c];
            for (p, &s) in protos[c * d..(c + 1) * d].iter_mut().zip(&sums[c * d..(c + 1) * d]) {
                *p = s * inv;
            }
        } else {
            kept += 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectified_prototypes_are_weighted_member_means() {
        // Two classes on the axes; three points.
        let x = [1.0f64, 0.0, 0.0, 1.0, 1.0, 0.1];
        let mut p = [1.0f64, 0.0, 0.0, 1.0];
        let mut s = [0.0; 8];
        let kept = rectify_prototypes(&x, 2, &mut p, 10.0, &mut s);
        assert_eq!(kept, 0);
        // Class 1 has one member (0, 1) with weight softmax(10·[0, 1])_1.
        let w1 = 1.0 / (1.0 + (-10.0f64).exp());
        assert!((p[3] - w1).abs() < 1e-12 && p[2] == 0.0);
        // A class nobody predicts keeps its prototype.
        let x = [1.0f64, 0.0, 2.0, 0.1];
        let mut p = [1.0f64, 0.0, 0.0, 1.0];
        assert_eq!(rectify_prototypes(&x, 2, &mut p, 10.0, &mut s), 1);
        assert_eq!(&p[2..], &[0.0, 1.0]);
    }
}
