//! SwAV's swapped-prediction loss (Caron et al. 2020, "Unsupervised learning of visual
//! features by contrasting cluster assignments", Eq. 1–2; `main_swav.py` l. 289–315) and its
//! gradient with respect to the scores.
//!
//! V crops of a batch of B samples have scores z_t ∈ R^{B×K} (t < V, stacked view-major as
//! SwAV's `output`); the first C crops have codes q_s (from [`super::swav_codes`], treated as
//! constants, as SwAV computes them under `no_grad`). With p_t = softmax(z_t/τ) row-wise:
//!
//! ```text
//! ℓ(z_t, q_s) = −(1/B) Σ_b Σ_k q_s[b,k] log p_t[b,k]
//! L = (1/C) Σ_{s<C} (1/(V−1)) Σ_{t≠s} ℓ(z_t, q_s)                 (two views: ½[ℓ(z_1,q_0) + ℓ(z_0,q_1)])
//! ∂L/∂z_t[b,k] = (1/(C(V−1)Bτ)) Σ_{s<C, s≠t} (p_t[b,k] Σ_k' q_s[b,k'] − q_s[b,k])
//! ```
//!
//! Per row, with the shifted logits e_k = z_k/τ − max_k z_k/τ and S = Σ_k exp(e_k),
//! −Σ_k q_k log p_k = W ln S − Σ_k q_k e_k (W = Σ_k q_k): one exp per score, no log of a
//! probability, no overflow. For code rows that sum to 1, each ℓ is a cross-entropy
//! H(q) + KL(q ‖ p) ≥ H(q) ≥ 0, and each gradient row sums to 0. The collapse level
//! (uniform predictions) is ln K.

use super::check::span;
use super::info::SwavLossInfo;
use super::params::SwavLossParams;
use crate::error::{Error, Result};
use crate::lanes;
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;
use crate::validate::{len, nonnegative, scratch as scratch_len};

/// Scratch (in `T::Acc` elements) of [`swav_loss`] for `k` prototypes: two k-vectors.
pub fn swav_loss_scratch(k: usize) -> usize {
    k.saturating_mul(2)
}

/// The swapped-prediction loss L of `scores` ((V·B) × K, views stacked) against `codes`
/// ((C·B) × K, row-major, the codes of crops 0..C), with V, C and τ from `params`; when `grad`
/// ((V·B) × K) is given, it receives ∂L/∂scores. See the module documentation.
///
/// Errors (before anything is written): bad parameters; a row count that is not a multiple of
/// V; `codes`, `grad` or `scratch` of the wrong size; non-finite scores; negative or non-finite
/// codes; scores whose range over τ overflows ([`Error::InvalidParameter`] on `temperature`).
pub fn swav_loss<T: Real>(
    scores: MatRef<'_, T>,
    codes: &[T],
    params: &SwavLossParams,
    grad: Option<&mut [T]>,
    scratch: &mut [T::Acc],
) -> Result<SwavLossInfo> {
    params.validate()?;
    let (rows, k) = (scores.rows(), scores.cols());
    let (views, assigned) = (params.views, params.assigned);
    let batch = rows / views;
    if batch == 0 || batch * views != rows {
        return Err(Error::ShapeMismatch { what: "scores rows", expected: views * batch.max(1), found: rows });
    }
    len(codes, assigned * batch * k, "codes")?;
    if let Some(g) = grad.as_deref() {
        len(g, rows * k, "grad")?;
    }
    scratch_len(scratch, swav_loss_scratch(k))?;
    let (hi, lo) = span(scores.as_slice(), "scores")?;
    nonnegative(codes, false, "codes")?;
    let inv_tau = <T::Acc as Float>::ONE / <T::Acc as Float>::from_f64(params.temperature);
    if !((hi - lo) * inv_tau).is_finite() || !(hi * inv_tau).is_finite() || !(lo * inv_tau).is_finite() {
        return Err(Error::InvalidParameter { name: "temperature", value: params.temperature });
    }

    let pairs = assigned * (views - 1);
    let shape = Shape { assigned, batch, k };
    let coef = <T::Acc as Float>::ONE / <T::Acc as Float>::from_usize(pairs * batch);
    let (logits, sumq) = scratch.split_at_mut(k);
    let total = loss_rows::<T>(scores.as_slice(), codes, shape, inv_tau, coef * inv_tau, grad, logits, &mut sumq[..k]);
    Ok(SwavLossInfo { loss: total / (pairs * batch) as f64, batch, pairs })
}

/// Sizes of a loss evaluation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    assigned: usize,
    batch: usize,
    k: usize,
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn loss_rows_body<T: Real>(
    scores: &[T],
    codes: &[T],
    shape: Shape,
    inv_tau: T::Acc,
    grad_coef: T::Acc,
    mut grad: Option<&mut [T]>,
    logits: &mut [T::Acc],
    sumq: &mut [T::Acc],
) -> f64 {
    let Shape { assigned, batch, k } = shape;
    let mut total = 0.0f64;
    for (r, z) in scores.chunks_exact(k).enumerate() {
        let (t, b) = (r / batch, r % batch);
        for (e, &zv) in logits.iter_mut().zip(z) {
            *e = zv.to_acc() * inv_tau;
        }
        let m = lanes::max(logits);
        for e in logits.iter_mut() {
            *e -= m;
        }
        let s = lanes::sum_exp(logits);
        // Σ_{s<C, s≠t} q_s[b, ·]: the codes that view t predicts.
        sumq.fill(<T::Acc as Float>::ZERO);
        for src in (0..assigned).filter(|&src| src != t) {
            let at = (src * batch + b) * k;
            for (acc, &q) in sumq.iter_mut().zip(&codes[at..at + k]) {
                *acc += q.to_acc();
            }
        }
        let w = lanes::sum(sumq);
        total += (w * s.ln() - lanes::dot(sumq, logits)).to_f64();
        if let Some(g) = grad.as_deref_mut() {
            let pw = w / s;
            for ((d, &e), &q) in g[r * k..(r + 1) * k].iter_mut().zip(logits.iter()).zip(sumq.iter()) {
                *d = T::from_acc(grad_coef * (e.exp_fast() * pw - q));
            }
        }
    }
    total
}

simd_dispatch! {
    /// Σ over all score rows of −Σ_k (Σ_s q_s,k) log p_k, and the gradient rows when asked.
    #[allow(clippy::too_many_arguments)]
    fn loss_rows<T: Real>(
        scores: &[T], codes: &[T], shape: Shape, inv_tau: T::Acc, grad_coef: T::Acc, grad: Option<&mut [T]>,
        logits: &mut [T::Acc], sumq: &mut [T::Acc]
    ) -> f64 => loss_rows_body
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    /// Scores in [−1, 1] (rows of cosines of a deterministic sequence).
    fn scores(rows: usize, k: usize, seed: f64) -> Vec<f64> {
        (0..rows * k).map(|i| libm::cos(i as f64 * 0.77 + seed)).collect()
    }

    /// Rows summing to 1 (a softmax of another deterministic sequence).
    fn codes(rows: usize, k: usize) -> Vec<f64> {
        let raw: Vec<f64> = (0..rows * k).map(|i| libm::exp(2.0 * libm::sin(i as f64 * 1.31))).collect();
        raw.chunks(k).flat_map(|r| r.iter().map(|v| v / r.iter().sum::<f64>()).collect::<Vec<_>>()).collect()
    }

    /// The loss written as SwAV's loop, with libm log-softmax.
    fn direct(z: &[f64], q: &[f64], p: &SwavLossParams, b: usize, k: usize) -> f64 {
        let mut loss = 0.0;
        for s in 0..p.assigned {
            let mut sub = 0.0;
            for t in (0..p.views).filter(|&t| t != s) {
                let mut mean = 0.0;
                for i in 0..b {
                    let zr = &z[(t * b + i) * k..][..k];
                    let lse = libm::log(zr.iter().map(|v| libm::exp(v / p.temperature)).sum::<f64>());
                    let qr = &q[(s * b + i) * k..][..k];
                    mean -= qr.iter().zip(zr).map(|(qv, zv)| qv * (zv / p.temperature - lse)).sum::<f64>();
                }
                sub += mean / b as f64;
            }
            loss += sub / (p.views - 1) as f64;
        }
        loss / p.assigned as f64
    }

    fn eval(z: &[f64], q: &[f64], p: &SwavLossParams, k: usize, grad: Option<&mut [f64]>) -> SwavLossInfo {
        let x = MatRef::new(z, z.len() / k, k, "scores").unwrap();
        let mut s = vec![0.0; swav_loss_scratch(k)];
        swav_loss(x, q, p, grad, &mut s).unwrap()
    }

    #[test]
    fn loss_and_gradient_match_the_direct_computation() {
        let (b, k) = (5, 7);
        for p in [
            SwavLossParams::default(),
            SwavLossParams { temperature: 0.3, views: 4, assigned: 2 },
            SwavLossParams { temperature: 0.05, views: 3, assigned: 1 },
        ] {
            let z = scores(p.views * b, k, 0.4);
            let q = codes(p.assigned * b, k);
            let mut g = vec![0.0; z.len()];
            let info = eval(&z, &q, &p, k, Some(&mut g));
            let want = direct(&z, &q, &p, b, k);
            assert!((info.loss - want).abs() <= 1e-12 * want.abs(), "{p:?}: {} vs {want}", info.loss);
            assert_eq!((info.batch, info.pairs), (b, p.assigned * (p.views - 1)));
            assert_eq!(eval(&z, &q, &p, k, None), info);
            // Central differences of the direct loss.
            let h = 1e-6;
            for idx in (0..z.len()).step_by(3) {
                let (mut up, mut dn) = (z.clone(), z.clone());
                up[idx] += h;
                dn[idx] -= h;
                let fd = (direct(&up, &q, &p, b, k) - direct(&dn, &q, &p, b, k)) / (2.0 * h);
                assert!((g[idx] - fd).abs() <= 1e-7, "{p:?} grad[{idx}] = {} vs {fd}", g[idx]);
            }
            // Unit code rows: every gradient row sums to 0.
            for row in g.chunks(k) {
                assert!(row.iter().sum::<f64>().abs() < 1e-15);
            }
        }
    }

    #[test]
    fn f32_tracks_f64() {
        let (b, k) = (8, 30);
        let p = SwavLossParams::default();
        let z = scores(2 * b, k, 1.0);
        let q = codes(2 * b, k);
        let (z32, q32): (Vec<f32>, Vec<f32>) =
            (z.iter().map(|&v| v as f32).collect(), q.iter().map(|&v| v as f32).collect());
        let mut g32 = vec![0.0f32; z.len()];
        let mut s = vec![0.0f32; swav_loss_scratch(k)];
        let x = MatRef::new(&z32, 2 * b, k, "scores").unwrap();
        let l32 = swav_loss(x, &q32, &p, Some(&mut g32), &mut s).unwrap().loss;
        let mut g = vec![0.0; z.len()];
        let l64 = eval(&z, &q, &p, k, Some(&mut g)).loss;
        assert!((l32 - l64).abs() < 1e-5 * l64);
        let gmax = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(g32.iter().zip(&g).all(|(a, b)| (*a as f64 - b).abs() < 1e-5 * gmax));
    }

    #[test]
    fn bad_input_is_rejected_before_writing() {
        let (b, k) = (3, 4);
        let p = SwavLossParams::default();
        let z = scores(2 * b, k, 0.0);
        let q = codes(2 * b, k);
        let mut g = vec![7.0; z.len()];
        let mut s = vec![0.0; swav_loss_scratch(k)];
        let mut call = |z: &[f64], q: &[f64], p: &SwavLossParams, glen: usize, slen: usize| {
            let x = MatRef::new(z, z.len() / k, k, "scores").unwrap();
            let e = swav_loss(x, q, p, Some(&mut g[..glen]), &mut s[..slen]).unwrap_err();
            assert!(g.iter().all(|&v| v == 7.0));
            e
        };
        let (n, sl) = (z.len(), swav_loss_scratch(k));
        assert!(matches!(call(&z[..k * 5], &q, &p, k * 5, sl), Error::ShapeMismatch { what: "scores rows", .. }));
        assert!(matches!(call(&z, &q[1..], &p, n, sl), Error::ShapeMismatch { what: "codes", .. }));
        assert!(matches!(call(&z, &q, &p, n - 1, sl), Error::ShapeMismatch { what: "grad", .. }));
        assert!(matches!(call(&z, &q, &p, n, sl - 1), Error::ScratchTooSmall { .. }));
        let views = SwavLossParams { views: 3, assigned: 1, ..p };
        assert!(matches!(call(&z, &q, &views, n, sl), Error::ShapeMismatch { .. }));
        let mut bad = z.clone();
        bad[5] = f64::NAN;
        assert!(matches!(call(&bad, &q, &p, n, sl), Error::NonFinite { what: "scores", index: 5 }));
        let mut neg = q.clone();
        neg[2] = -0.1;
        assert!(matches!(call(&z, &neg, &p, n, sl), Error::Negative { what: "codes", index: 2, .. }));
        let cold = SwavLossParams { temperature: 1e-320, ..p };
        assert!(matches!(call(&z, &q, &cold, n, sl), Error::InvalidParameter { name: "temperature", .. }));
        let zero = SwavLossParams { temperature: 0.0, ..p };
        assert!(matches!(call(&z, &q, &zero, n, sl), Error::InvalidParameter { name: "temperature", .. }));
    }
}
