//! Burer–Monteiro / nonnegative low-rank (NLR) solver for large n: Z = UUᵀ with
//! U ∈ Ω = {U ∈ R^{n×r} : U ≥ 0, ‖U‖_F² = K}, so Z ≥ 0 and tr Z = K hold by construction
//! (Zhuang, Chen, Yang & Zhang, "Statistically optimal K-means clustering via nonnegative
//! low-rank semidefinite programming", ICLR 2024; `BM_cluster.m`). The remaining constraint
//! UUᵀ1 = 1 is handled by an augmented Lagrangian with multiplier y and penalty β:
//!
//! ```text
//!     ŷ  = y + β(U(Uᵀ1) − 1)
//!     G  = −2 X_c(X_cᵀU) + ŷ(1ᵀU) + 1(ŷᵀU)          (gradient of −⟨X_cX_cᵀ, UUᵀ⟩ + AL terms)
//!     U⁺ = Π_Ω(U − αG),  Π_Ω(V) = √K · max(V, 0)/‖max(V, 0)‖_F
//!     rdiff = ‖U⁺ − U‖_F/√K;  if rdiff < trigger: y ← y + β(U⁺(U⁺ᵀ1) − 1)
//! ```
//!
//! stopping when max(rdiff, ‖U⁺(U⁺ᵀ1) − 1‖/√n) < tol. Every step costs O(npr); no n × n
//! matrix is formed. The authors' constants (α = 1e-6, β = 10) are tuned to one data set; here
//! both scale with the data: β = b·‖X_c‖₂²/n makes the penalty commensurate with the objective
//! (the curvature of the penalty is about 4βn, that of the objective 2‖X_c‖₂²) and the step is
//! α = c/(2‖X_c‖₂² + 4βn). The problem is non-convex: the result depends on the seed, and is a
//! stationary point whose objective is ≤ SDP*.

use alloc::vec;
use alloc::vec::Vec;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::problem::centred_columns;
use super::{SdpInfo, check_tol};
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::monitor::{Iteration, Monitor, Unmonitored};
use crate::scalar::{Float, Real};
use crate::validate;

params! {
    /// Parameters of [`burer_monteiro`].
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct BurerMonteiroParams {
        /// Factor rank r (≥ K); 0 means 2K as in NLR.
        pub rank: usize,
        /// Step scale c in α = c/(2‖X_c‖₂² + 4βn), in (0, 2).
        pub step_scale: f64,
        /// Penalty scale b in β = b·‖X_c‖₂²/n (> 0; above about 2 the multiplier steps diverge).
        pub penalty: f64,
        /// Stop when max(rdiff, ‖U(Uᵀ1) − 1‖/√n) < tol (finite, ≥ the compute type's ε).
        pub tol: f64,
        /// Multiplier update once rdiff falls below this.
        pub dual_trigger: f64,
        /// Iteration cap (≥ 1).
        pub max_iter: usize,
        /// Seed of the random nonnegative start.
        pub seed: u64,
    }
}

impl Default for BurerMonteiroParams {
    fn default() -> Self {
        Self { rank: 0, step_scale: 1.0, penalty: 1.0, tol: 1e-6, dual_trigger: 1e-2, max_iter: 50_000, seed: 0 }
    }
}

impl BurerMonteiroParams {
    /// Checks every field against `k` clusters of `n` points.
    pub fn validate(&self, k: usize, n: usize) -> Result<()> {
        if self.rank != 0 && (self.rank < k || self.rank > n) {
            return Err(Error::InvalidParameter { name: "rank", value: self.rank as f64 });
        }
        validate::positive_param(self.step_scale, "step_scale")?;
        if self.step_scale >= 2.0 {
            return Err(Error::InvalidParameter { name: "step_scale", value: self.step_scale });
        }
        validate::positive_param(self.penalty, "penalty")?;
        validate::positive_param(self.tol, "tol")?;
        validate::positive_param(self.dual_trigger, "dual_trigger")?;
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter { name: "max_iter", value: 0.0 });
        }
        Ok(())
    }
}

/// The factor and its report.
#[derive(Clone, Debug)]
pub struct BurerMonteiroSolution<F> {
    /// U, row-major n × rank, U ≥ 0, ‖U‖_F² = K; Z = UUᵀ.
    pub u: Vec<F>,
    /// Number of columns of U.
    pub rank: usize,
    /// Residuals and the objective ⟨X_c X_cᵀ, UUᵀ⟩ = ‖X_cᵀU‖_F².
    pub info: SdpInfo,
}

/// Solves the Peng–Wei SDP for data `x` (n × p, rows are points) and `k` clusters by the
/// nonnegative low-rank factorisation.
pub fn burer_monteiro<T: Real>(
    x: MatRef<'_, T>,
    k: usize,
    params: &BurerMonteiroParams,
) -> Result<BurerMonteiroSolution<T::Acc>> {
    burer_monteiro_monitored(x, k, params, &mut Unmonitored)
}

/// [`burer_monteiro`] reporting every iteration to `monitor` (residual = the relative step
/// ‖U⁺ − U‖/√K); a `Break` stops with the current factor, not converged.
pub fn burer_monteiro_monitored<T: Real>(
    x: MatRef<'_, T>,
    k: usize,
    params: &BurerMonteiroParams,
    monitor: &mut dyn Monitor,
) -> Result<BurerMonteiroSolution<T::Acc>> {
    let (n, p) = (x.rows(), x.cols());
    validate::cluster_count(k, n)?;
    params.validate(k, n)?;
    check_tol::<T::Acc>(params.tol)?;
    validate::finite(x.as_slice(), "x")?;
    let r = if params.rank == 0 { (2 * k).min(n) } else { params.rank };
    let solution = Solver::<T::Acc>::new(centred_columns(x), n, p, r, k, params).run(params, monitor);
    let info = &solution.info;
    let report = [info.objective, info.primal_residual, info.dual_residual];
    validate::finite_output(&report, "Burer–Monteiro objective", info.iterations)?;
    Ok(solution)
}

struct Solver<F> {
    x: Vec<F>,
    n: usize,
    p: usize,
    r: usize,
    k: usize,
    work: GradientWork<F>,
    u: Vec<F>,
    next: Vec<F>,
    y: Vec<F>,
    y_hat: Vec<F>,
    alpha: F,
    beta: F,
}

/// Buffers of one gradient evaluation: Uᵀ1 (r), U(Uᵀ1) − 1 (n), ŷᵀU (r), XᵀU (p × r).
struct GradientWork<F> {
    col_sums: Vec<F>,
    infeas: Vec<F>,
    yu: Vec<F>,
    xt_u: Vec<F>,
}

impl<F: Float> GradientWork<F> {
    fn new(n: usize, p: usize, r: usize) -> Self {
        Self { col_sums: vec![F::ZERO; r], infeas: vec![F::ZERO; n], yu: vec![F::ZERO; r], xt_u: vec![F::ZERO; p * r] }
    }
}

/// ŷ = y + β(U(Uᵀ1) − 1) and G = −2 X(XᵀU) + ŷ(1ᵀU) + 1(ŷᵀU) (module documentation) for
/// x (n × p), U (n × r); `grad` is n × r.
#[allow(clippy::too_many_arguments)]
fn gradient_into<F: Float>(
    x: &[F],
    u: &[F],
    y: &[F],
    beta: F,
    (p, r): (usize, usize),
    work: &mut GradientWork<F>,
    y_hat: &mut [F],
    grad: &mut [F],
) {
    let two = F::from_f64(2.0);
    Solver::infeasibility(u, r, &mut work.col_sums, &mut work.infeas);
    for ((yh, &yi), &f) in y_hat.iter_mut().zip(y).zip(&work.infeas) {
        *yh = yi + beta * f;
    }
    // ŷᵀU.
    work.yu.iter_mut().for_each(|v| *v = F::ZERO);
    for (row, &yh) in u.chunks_exact(r).zip(y_hat.iter()) {
        work.yu.iter_mut().zip(row).for_each(|(o, &v)| *o += yh * v);
    }
    project_data(x, u, p, r, &mut work.xt_u);
    for ((xi, out), &yh) in x.chunks_exact(p).zip(grad.chunks_exact_mut(r)).zip(y_hat.iter()) {
        for (c, o) in out.iter_mut().enumerate() {
            let mut xxu = F::ZERO;
            for (a, &xa) in xi.iter().enumerate() {
                xxu += xa * work.xt_u[a * r + c];
            }
            *o = -two * xxu + yh * work.col_sums[c] + work.yu[c];
        }
    }
}

/// xt_u = XᵀU (p × r).
fn project_data<F: Float>(x: &[F], u: &[F], p: usize, r: usize, xt_u: &mut [F]) {
    xt_u.iter_mut().for_each(|v| *v = F::ZERO);
    for (xi, ui) in x.chunks_exact(p).zip(u.chunks_exact(r)) {
        for (a, &xa) in xi.iter().enumerate() {
            let row = &mut xt_u[a * r..(a + 1) * r];
            row.iter_mut().zip(ui).for_each(|(o, &v)| *o += xa * v);
        }
    }
}

/// The augmented-Lagrangian gradient of one [`burer_monteiro`] step at a given point:
/// returns (G, ŷ) with ŷ = y + β(U(Uᵀ1) − 1) and G = −2 X(XᵀU) + ŷ(1ᵀU) + 1(ŷᵀU) for the data
/// `x` (n × p, used as given: the solver passes the column-centred X_c), the factor `u`
/// (n × r) and the multiplier `y` (n). The reference of the device kernel.
///
/// Errors: shapes, non-finite input, β < 0.
#[allow(clippy::type_complexity)]
pub fn bm_gradient<T: Real>(
    x: MatRef<'_, T>,
    u: MatRef<'_, T>,
    y: &[T],
    beta: f64,
) -> Result<(Vec<T::Acc>, Vec<T::Acc>)> {
    let (n, p, r) = (x.rows(), x.cols(), u.cols());
    if u.rows() != n {
        return Err(Error::ShapeMismatch { what: "u", expected: n * r, found: u.as_slice().len() });
    }
    validate::len(y, n, "y")?;
    validate::nonnegative_param(beta, "beta")?;
    validate::finite(x.as_slice(), "x")?;
    validate::finite(u.as_slice(), "u")?;
    validate::finite(y, "y")?;
    let acc = |v: &[T]| v.iter().map(|t| t.to_acc()).collect::<Vec<T::Acc>>();
    let (xs, us, ys) = (acc(x.as_slice()), acc(u.as_slice()), acc(y));
    let mut work = GradientWork::new(n, p, r);
    let (mut grad, mut y_hat) = (vec![<T::Acc as Float>::ZERO; n * r], vec![<T::Acc as Float>::ZERO; n]);
    gradient_into(&xs, &us, &ys, <T::Acc as Float>::from_f64(beta), (p, r), &mut work, &mut y_hat, &mut grad);
    Ok((grad, y_hat))
}

impl<F: Float> Solver<F> {
    fn new(x: Vec<F>, n: usize, p: usize, r: usize, k: usize, params: &BurerMonteiroParams) -> Self {
        let norm2 = top_eigenvalue_of_gram(&x, n, p);
        let beta = F::from_f64(params.penalty) * norm2 / F::from_usize(n);
        let alpha =
            F::from_f64(params.step_scale) / (F::from_f64(2.0) * norm2 + F::from_f64(4.0) * beta * F::from_usize(n));
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        let mut u: Vec<F> =
            (0..n * r).map(|_| F::from_f64((rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64))).collect();
        project_omega(&mut u, k);
        Self {
            x,
            n,
            p,
            r,
            k,
            work: GradientWork::new(n, p, r),
            next: vec![F::ZERO; n * r],
            u,
            y: vec![F::ZERO; n],
            y_hat: vec![F::ZERO; n],
            alpha,
            beta,
        }
    }

    /// col_sums = Uᵀ1 and out = U(Uᵀ1) − 1 for the factor `u`.
    fn infeasibility(u: &[F], r: usize, col_sums: &mut [F], out: &mut [F]) {
        col_sums.iter_mut().for_each(|c| *c = F::ZERO);
        for row in u.chunks_exact(r) {
            col_sums.iter_mut().zip(row).for_each(|(c, &v)| *c += v);
        }
        for (o, row) in out.iter_mut().zip(u.chunks_exact(r)) {
            *o = row.iter().zip(col_sums.iter()).map(|(&a, &b)| a * b).sum::<F>() - F::ONE;
        }
    }

    fn run(mut self, params: &BurerMonteiroParams, monitor: &mut dyn Monitor) -> BurerMonteiroSolution<F> {
        let (n, p, r) = (self.n, self.p, self.r);
        let tol = F::from_f64(params.tol);
        let trigger = F::from_f64(params.dual_trigger);
        let sqrt_k = F::from_usize(self.k).sqrt();
        let sqrt_n = F::from_usize(n).sqrt();
        let mut rdiff = F::INFINITY;
        let mut iterations = 0;
        let mut converged = false;
        while iterations < params.max_iter {
            iterations += 1;
            gradient_into(
                &self.x,
                &self.u,
                &self.y,
                self.beta,
                (p, r),
                &mut self.work,
                &mut self.y_hat,
                &mut self.next,
            );
            for (g, &ui) in self.next.iter_mut().zip(&self.u) {
                *g = ui - self.alpha * *g;
            }
            project_omega(&mut self.next, self.k);
            let diff: F = self.next.iter().zip(&self.u).map(|(&a, &b)| (a - b) * (a - b)).sum();
            rdiff = diff.sqrt() / sqrt_k;
            core::mem::swap(&mut self.u, &mut self.next);
            let report =
                Iteration { run: 0, iteration: iterations, max_iter: params.max_iter, residual: rdiff.to_f64() };
            let stop = monitor.iteration(&report);
            if rdiff < trigger {
                let w = &mut self.work;
                Self::infeasibility(&self.u, r, &mut w.col_sums, &mut w.infeas);
                let primal = w.infeas.iter().map(|&v| v * v).sum::<F>().sqrt() / sqrt_n;
                if rdiff.max(primal) < tol {
                    converged = true;
                    break;
                }
                for (y, &f) in self.y.iter_mut().zip(&w.infeas) {
                    *y += self.beta * f;
                }
            }
            if stop.is_break() {
                break;
            }
        }
        let w = &mut self.work;
        Self::infeasibility(&self.u, r, &mut w.col_sums, &mut w.infeas);
        let primal = w.infeas.iter().map(|&v| v * v).sum::<F>().sqrt() / sqrt_n;
        project_data(&self.x, &self.u, p, r, &mut w.xt_u);
        let objective: F = w.xt_u.iter().map(|&v| v * v).sum();
        let info = SdpInfo {
            iterations,
            primal_residual: primal.to_f64(),
            dual_residual: rdiff.to_f64(),
            objective: objective.to_f64(),
            duality_gap: None,
            converged,
        };
        BurerMonteiroSolution { u: self.u, rank: r, info }
    }
}

/// Π_Ω(V) = √K · max(V, 0)/‖max(V, 0)‖_F (a uniform start if everything is clipped).
fn project_omega<F: Float>(v: &mut [F], k: usize) {
    v.iter_mut().for_each(|x| *x = x.max(F::ZERO));
    let norm = v.iter().map(|&x| x * x).sum::<F>().sqrt();
    let target = F::from_usize(k).sqrt();
    if norm > F::ZERO && norm.is_finite() {
        let s = target / norm;
        v.iter_mut().for_each(|x| *x *= s);
    } else {
        let fill = target / F::from_usize(v.len()).sqrt();
        v.iter_mut().for_each(|x| *x = fill);
    }
}

/// ‖X_c‖₂² = λ_max(X_cᵀX_c) by power iteration on the p × p Gram matrix (1 if X_c = 0).
fn top_eigenvalue_of_gram<F: Float>(x: &[F], n: usize, p: usize) -> F {
    let mut g = vec![F::ZERO; p * p];
    for xi in x.chunks_exact(p).take(n) {
        for a in 0..p {
            for b in 0..p {
                g[a * p + b] += xi[a] * xi[b];
            }
        }
    }
    let mut v = vec![F::ONE; p];
    let mut w = vec![F::ZERO; p];
    let mut lambda = F::ZERO;
    for _ in 0..200 {
        for a in 0..p {
            w[a] = g[a * p..(a + 1) * p].iter().zip(&v).map(|(&s, &t)| s * t).sum();
        }
        let norm = w.iter().map(|&t| t * t).sum::<F>().sqrt();
        if norm <= F::ZERO || !norm.is_finite() {
            break;
        }
        let done = (norm - lambda).abs() <= F::from_f64(1e-10) * norm;
        lambda = norm;
        v.iter_mut().zip(&w).for_each(|(o, &t)| *o = t / norm);
        if done {
            break;
        }
    }
    if lambda > F::ZERO { lambda } else { F::ONE }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// L(U) = −‖XᵀU‖_F² + yᵀh + (β/2)‖h‖², h = U(Uᵀ1) − 1: the function G is the gradient of.
    fn lagrangian(x: &[f64], u: &[f64], y: &[f64], beta: f64, (n, p, r): (usize, usize, usize)) -> f64 {
        let mut xt_u = vec![0.0; p * r];
        project_data(x, u, p, r, &mut xt_u);
        let s: Vec<f64> = (0..r).map(|c| (0..n).map(|i| u[i * r + c]).sum()).collect();
        let h: Vec<f64> = (0..n).map(|i| (0..r).map(|c| u[i * r + c] * s[c]).sum::<f64>() - 1.0).collect();
        -xt_u.iter().map(|v| v * v).sum::<f64>()
            + h.iter().zip(y).map(|(a, b)| a * b).sum::<f64>()
            + 0.5 * beta * h.iter().map(|v| v * v).sum::<f64>()
    }

    #[test]
    fn bm_gradient_is_the_gradient_of_the_augmented_lagrangian() {
        let (n, p, r, beta) = (7, 3, 2, 2.5);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut draw = |len: usize| -> Vec<f64> {
            (0..len).map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5).collect()
        };
        let (x, u, y) = (draw(n * p), draw(n * r), draw(n));
        let (g, y_hat) =
            bm_gradient(MatRef::new(&x, n, p, "x").unwrap(), MatRef::new(&u, n, r, "u").unwrap(), &y, beta).unwrap();
        let h = 1e-6;
        for e in 0..n * r {
            let (mut up, mut dn) = (u.clone(), u.clone());
            up[e] += h;
            dn[e] -= h;
            let fd = (lagrangian(&x, &up, &y, beta, (n, p, r)) - lagrangian(&x, &dn, &y, beta, (n, p, r))) / (2.0 * h);
            assert!((fd - g[e]).abs() < 1e-6 * (1.0 + fd.abs()), "entry {e}: {fd} vs {}", g[e]);
        }
        // ŷ = y + β(U(Uᵀ1) − 1).
        let s: Vec<f64> = (0..r).map(|c| (0..n).map(|i| u[i * r + c]).sum()).collect();
        for i in 0..n {
            let hi: f64 = (0..r).map(|c| u[i * r + c] * s[c]).sum::<f64>() - 1.0;
            assert!((y_hat[i] - (y[i] + beta * hi)).abs() < 1e-12);
        }
        assert!(
            bm_gradient(MatRef::new(&x, n, p, "x").unwrap(), MatRef::new(&u[..r], 1, r, "u").unwrap(), &y, beta)
                .is_err()
        );
        assert!(
            bm_gradient(MatRef::new(&x, n, p, "x").unwrap(), MatRef::new(&u, n, r, "u").unwrap(), &y, -1.0).is_err()
        );
    }
}
