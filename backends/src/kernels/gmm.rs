//! Gaussian-mixture EM on the device (Dempster, Laird & Rubin 1977; scikit-learn's
//! parameterisation by Cholesky factors of the precisions).
//!
//! E-step: log p_ik = log w_k − ½ d log 2π + log det U_k − ½ ‖(x_i − μ_k) U_k‖², with
//! U_k the upper-triangular factor of the precision P_k = U_k U_kᵀ (sklearn's
//! `precisions_cholesky_`); diagonal and spherical covariances pass the per-feature (or single)
//! precision square roots. Then log ρ_i = LSE_k log p_ik (max-shifted) and r_ik = exp(log p_ik − log ρ_i).
//! M-step partial sums: N_k = Σ r_ik, Σ r_ik x_i, and Σ r_ik x_i² (diag/spherical).

use clasp_core::mixture::CovarianceType;
use cubecl::prelude::*;

use super::reduce::NEG_BIG;

/// One unit per point; `kind` (comptime: one kernel per layout) gives `prec_chol`'s layout:
/// full, k × d × d (row-major U_k); tied, one d × d U shared by all components; diag, k × d
/// (the square roots of the precisions); spherical, k.
/// `log_const[k] = log w_k − ½ d log 2π + log det U_k` comes from the host model
/// (clasp-core's `GaussianMixture::log_constant`, k values).
/// Writes the responsibilities `resp` (n × k) and `log_rho[i]`.
#[cube(launch)]
pub fn gmm_estep<F: Float>(
    x: &Array<F>,
    means: &Array<F>,
    prec_chol: &Array<F>,
    log_const: &Array<F>,
    resp: &mut Array<F>,
    log_rho: &mut Array<F>,
    n: usize,
    k: usize,
    d: usize,
    #[comptime] kind: CovarianceType,
) {
    let i = ABSOLUTE_POS;
    if i < n {
        let mut m = F::new(NEG_BIG);
        for c in 0..k {
            let mut q = F::new(0.0);
            if comptime![kind.is_matrix()] {
                // Tied: one factor for every component.
                let mut u0 = c * d * d;
                if comptime![kind == CovarianceType::Tied] {
                    u0 = 0;
                }
                // y_j = Σ_{l ≤ j} (x_l − μ_l) U_lj  (U upper triangular).
                for j in 0..d {
                    let mut y = F::new(0.0);
                    for l in 0..j + 1 {
                        y += (x[i * d + l] - means[c * d + l]) * prec_chol[u0 + l * d + j];
                    }
                    q += y * y;
                }
            } else if comptime![kind == CovarianceType::Diag] {
                for j in 0..d {
                    let y = (x[i * d + j] - means[c * d + j]) * prec_chol[c * d + j];
                    q += y * y;
                }
            } else {
                for j in 0..d {
                    let y = (x[i * d + j] - means[c * d + j]) * prec_chol[c];
                    q += y * y;
                }
            }
            let lp = log_const[c] - F::new(0.5) * q;
            resp[i * k + c] = lp;
            m = F::max(m, lp);
        }
        let mut s = F::new(0.0);
        for c in 0..k {
            s += F::exp(resp[i * k + c] - m);
        }
        let lr = m + F::ln(s);
        log_rho[i] = lr;
        for c in 0..k {
            resp[i * k + c] = F::exp(resp[i * k + c] - lr);
        }
    }
}

/// M-step partial sums over a cube's `block` points: `partial[cube · width + e]` with width =
/// k + k·d (+ k·d when `squares`): e < k → N_k, then Σ r_ik x_if (k × d), then Σ r_ik x_if².
#[cube(launch)]
pub fn gmm_weighted_sums<F: Float>(
    x: &Array<F>,
    resp: &Array<F>,
    partial: &mut Array<F>,
    n: usize,
    k: usize,
    d: usize,
    #[comptime] block: usize,
    #[comptime] squares: bool,
) {
    let t = UNIT_POS as usize;
    let first = CUBE_POS * block;
    let mut last = first + block;
    if last > n {
        last = n;
    }
    let mut width = k + k * d;
    if squares {
        width += k * d;
    }
    let mut e = t;
    while e < width {
        let mut acc = F::new(0.0);
        if e < k {
            for i in first..last {
                acc += resp[i * k + e];
            }
        } else if e < k + k * d {
            let c = (e - k) / d;
            let f = (e - k) % d;
            for i in first..last {
                acc += resp[i * k + c] * x[i * d + f];
            }
        } else {
            let c = (e - k - k * d) / d;
            let f = (e - k - k * d) % d;
            for i in first..last {
                let v = x[i * d + f];
                acc += resp[i * k + c] * v * v;
            }
        }
        partial[CUBE_POS * width + e] = acc;
        e += block;
    }
}
